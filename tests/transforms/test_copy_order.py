import pytest

from migrator.project import read_context
from migrator.transforms.copy_order import TRANSFORM
from tests.support import check_any_mix_of_lines, outcome_of, run_pipeline, run_twice

UNCHANGED = [
    pytest.param(
        "FROM python:3.12-slim\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --only main --no-root\n"
        "COPY . .\n"
        "RUN poetry install --only main\n",
        id="already-good",
    ),
    pytest.param(
        "FROM python:3.12-slim\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-root\n"
        "COPY . .\n",
        id="already-good-without-root",
    ),
    pytest.param(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
        id="no-poetry-install",
    ),
    pytest.param(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN make deps\nRUN poetry install\n",
        id="unknown-step-between",
    ),
    pytest.param(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN poetry install && python manage.py collectstatic\n",
        id="install-run-uses-source",
    ),
    pytest.param(
        "FROM python:3.12-slim\nCOPY . .\nWORKDIR /app\nRUN poetry install\n",
        id="workdir-between",
    ),
    pytest.param(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN poetry install --only-root\n",
        id="only-root",
    ),
    pytest.param(
        # Without the context, src/ may be a path dependency the install needs.
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY src/ ./src/\nCOPY pyproject.toml ./\nRUN poetry install\n",
        id="partial-copy-without-context",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_left_alone(text):
    assert run_twice(TRANSFORM, text) == text


CHANGED = [
    pytest.param(
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN poetry install --without dev --no-interaction\n"
        'CMD ["app"]\n',
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        "RUN poetry install --without dev --no-interaction --no-root\n"
        "COPY . .\n"
        "RUN poetry install --no-interaction --only-root\n"
        'CMD ["app"]\n',
        id="canonical-without-context",
    ),
    pytest.param(
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "# bring in the code\n"
        "COPY --chown=app:app . /app\n"
        "ENV POETRY_NO_INTERACTION=1\n"
        "RUN apt-get update \\\n"
        "    # compilers for wheels\n"
        "    && apt-get install -y gcc \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN poetry config virtualenvs.in-project true && poetry install --no-root\n",
        "FROM python:3.11-slim\n"
        "WORKDIR /app\n"
        "COPY --chown=app:app pyproject.toml poetry.lock* /app/\n"
        "ENV POETRY_NO_INTERACTION=1\n"
        "RUN apt-get update \\\n"
        "    # compilers for wheels\n"
        "    && apt-get install -y gcc \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN poetry config virtualenvs.in-project true && poetry install --no-root\n"
        "# bring in the code\n"
        "COPY --chown=app:app . /app\n",
        id="flags-comments-and-steps-between-no-root-kept",
    ),
    pytest.param(
        "from python:3.11\r\nworkdir /app\r\nadd ./ ./\r\nrun poetry install \\\r\n    --only main\r\n",
        "from python:3.11\r\n"
        "workdir /app\r\n"
        "copy pyproject.toml poetry.lock* ./\r\n"
        "run poetry install \\\r\n"
        "    --only main --no-root\r\n"
        "add ./ ./\r\n"
        "run poetry install --only-root\r\n",
        id="crlf-lowercase-add-continuation",
    ),
    pytest.param(
        'FROM python:3.11\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\nCOPY . .\nCMD ["app"]',
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-root\n"
        "COPY . .\n"
        'CMD ["app"]',
        # The original never installed the root (its source came later): neither does the migration.
        id="root-never-installed-before-source-no-final-newline",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main\n",
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root\n"
        "COPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only-root\n",
        id="run-flags-kept-on-root-install",
    ),
    pytest.param(
        'FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install "poetry==2.2.1" && poetry install --sync\n',
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        'RUN pip install "poetry==2.2.1" && poetry install --sync --no-root\n'
        "COPY . .\n"
        "RUN poetry install --only-root\n",
        id="poetry-installed-in-the-same-run",
    ),
    pytest.param(
        "FROM python:3.13-slim\n"
        "WORKDIR /opt/service\n"
        "COPY . .\n"
        "RUN poetry install --without dev && rm -rf ~/.cache/pypoetry\n",
        "FROM python:3.13-slim\n"
        "WORKDIR /opt/service\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        "RUN poetry install --without dev --no-root && rm -rf ~/.cache/pypoetry\n"
        "COPY . .\n"
        "RUN poetry install --only-root\n",
        id="cache-cleanup-in-the-install-run",
    ),
]


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_reordered(before, after):
    assert run_twice(TRANSFORM, before) == after


def make_project(root, pyproject, files=("poetry.lock",)):
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(pyproject)
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("")


APPLICATION = '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\npackage-mode = false\n'
LIBRARY = '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n[tool.poetry.scripts]\nsvc = "svc.cli:main"\n'
NAIVE = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"


def test_context_without_root_package_skips_root_install(tmp_path):
    make_project(tmp_path, APPLICATION, ("poetry.lock", "poetry.toml"))
    after = (
        "FROM python:3.11\nWORKDIR /app\n"
        "COPY pyproject.toml poetry.lock poetry.toml ./\n"
        "RUN poetry install --only main --no-root\n"
        "COPY . .\n"
    )
    assert run_twice(TRANSFORM, NAIVE, read_context(tmp_path)) == after


def test_context_with_scripts_installs_root(tmp_path):
    make_project(tmp_path, LIBRARY, ())
    after = (
        "FROM python:3.11\nWORKDIR /app\n"
        "COPY pyproject.toml ./\n"
        "RUN poetry install --only main --no-root\n"
        "COPY . .\n"
        "RUN poetry install --only-root\n"
    )
    assert run_twice(TRANSFORM, NAIVE, read_context(tmp_path)) == after


@pytest.mark.parametrize(
    ("pyproject", "why"),
    [
        pytest.param(APPLICATION, "package-mode = false, so there is no project to install", id="package-mode-false"),
        pytest.param(
            '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n',
            "the project has no package Poetry could install",
            id="no-package",
        ),
        pytest.param(
            LIBRARY, "the project itself is installed after the source (`poetry install --only-root`)", id="root"
        ),
    ],
)
def test_the_added_no_root_is_said_on_its_line(tmp_path, pyproject, why):
    # Seen on five real PRs: `--no-root` appeared with no note saying why.
    make_project(tmp_path, pyproject, ())
    changes = outcome_of(TRANSFORM, NAIVE, read_context(tmp_path)).changes
    no_root = [c for c in changes if c.message.startswith("--no-root added")]
    install_line = NAIVE.splitlines().index(next(line for line in NAIVE.splitlines() if "poetry install" in line)) + 1
    assert len(no_root) == 1 and no_root[0].line == install_line and why in no_root[0].message


def test_manifest_kept_out_by_dockerignore_is_not_copied(tmp_path):
    make_project(tmp_path, LIBRARY, ("poetry.lock", "poetry.toml"))
    (tmp_path / ".dockerignore").write_text(".venv\npoetry.toml\n")
    result = run_twice(TRANSFORM, NAIVE, read_context(tmp_path))
    assert "COPY pyproject.toml poetry.lock ./\n" in result


def test_subfolder_build_takes_its_manifests(tmp_path):
    make_project(tmp_path / "backend", APPLICATION)
    before = "FROM python:3.11\nWORKDIR /app\nCOPY ./backend /app\nRUN poetry install\n"
    after = (
        "FROM python:3.11\nWORKDIR /app\n"
        "COPY backend/pyproject.toml backend/poetry.lock /app/\n"
        "RUN poetry install --no-root\n"
        "COPY ./backend /app\n"
    )
    assert run_twice(TRANSFORM, before, read_context(tmp_path)) == after


def test_subfolder_build_without_context():
    before = "FROM python:3.11\nWORKDIR /app\nCOPY backend/ .\nRUN poetry install\n"
    after = (
        "FROM python:3.11\nWORKDIR /app\n"
        "COPY backend/pyproject.toml backend/poetry.lock* ./\n"
        "RUN poetry install --no-root\n"
        "COPY backend/ .\n"
        "RUN poetry install --only-root\n"
    )
    assert run_twice(TRANSFORM, before) == after


def test_path_dependencies_copied_whole(tmp_path):
    pyproject = APPLICATION + '[tool.poetry.dependencies]\ncommon = {path = "libs/common", develop = true}\n'
    make_project(tmp_path, pyproject, ("poetry.lock", "libs/common/pyproject.toml", "libs/common/common/__init__.py"))
    after = (
        "FROM python:3.11\nWORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "COPY libs/common/ ./libs/common/\n"
        "RUN poetry install --only main --no-root\n"
        "COPY . .\n"
    )
    assert run_twice(TRANSFORM, NAIVE, read_context(tmp_path)) == after


def test_copy_before_workdir_puts_manifests_after_it():
    before = (
        "FROM python:3.11-slim\n"
        "COPY . /worker\n"
        "WORKDIR /worker\n"
        "RUN poetry install --no-root --only main\n"
        'CMD ["poetry", "run", "python", "-m", "nightly"]\n'
    )
    after = (
        "FROM python:3.11-slim\n"
        "WORKDIR /worker\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        "RUN poetry install --no-root --only main\n"
        "COPY . /worker\n"
        'CMD ["poetry", "run", "python", "-m", "nightly"]\n'
    )
    assert run_twice(TRANSFORM, before) == after


PARTIAL = (
    "FROM python:3.12-slim\n"
    "WORKDIR /app\n"
    "COPY pyproject.toml poetry.lock README.md /app/\n"
    "RUN poetry install --no-interaction\n"
    "COPY app /app/app\n"
    "COPY --from=assets /dist /app/static\n"
    "\n"
    'CMD ["uvicorn", "app.main:app"]\n'
)


def test_root_never_installed_before_its_package_is_copied(tmp_path):
    # Its package came after the install: Poetry 1 skipped the root with a warning, Poetry 2
    # fails. --no-root, and no root install the original never had (uvicorn needs none).
    make_project(tmp_path, '[tool.poetry]\nname = "app"\nversion = "1"\n', ("poetry.lock", "README.md", "app/"))
    after = PARTIAL.replace("--no-interaction\n", "--no-interaction --no-root\n")
    assert run_twice(TRANSFORM, PARTIAL, read_context(tmp_path)) == after
    [note] = outcome_of(TRANSFORM, PARTIAL, read_context(tmp_path)).changes
    assert note.line == 4 and "the original never installed the project itself" in note.message


def test_partial_copy_left_alone_when_nothing_of_the_project_is_installed(tmp_path):
    make_project(tmp_path, APPLICATION, ("poetry.lock", "README.md", "app/"))
    assert run_twice(TRANSFORM, PARTIAL, read_context(tmp_path)) == PARTIAL


def test_package_mode_false_installed_before_the_source_is_left_alone(tmp_path):
    # Poetry 2 installs no root in package-mode = false: nothing to add.
    make_project(tmp_path, APPLICATION)
    before = "FROM python:3.9\nWORKDIR /code\nCOPY pyproject.toml poetry.lock /code/\nRUN poetry install --no-ansi\nCOPY . /code/\n"
    assert run_twice(TRANSFORM, before, read_context(tmp_path)) == before


def test_context_copied_twice_is_left_alone():
    text = "FROM python:3.11\nWORKDIR /app\nCOPY . .\nCOPY . .\nRUN poetry install\n"
    assert run_twice(TRANSFORM, text) == text
    assert [w.line for w in outcome_of(TRANSFORM, text).warnings] == [4]


def test_warning_names_the_line():
    outcome = outcome_of(TRANSFORM, UNCHANGED[3].values[0])
    assert [(w.code, w.line) for w in outcome.warnings] == [("MIG002", 4)]
    assert "make" in outcome.warnings[0].message


def test_output_parses_with_buildkit():
    dockerfile = pytest.importorskip("dockerfile")
    for before, _ in (case.values for case in CHANGED):
        dockerfile.parse_string(run_twice(TRANSFORM, before))


def test_pipeline_orders_manifests_first():
    before = (
        "FROM python:3.11-slim\n"
        "RUN pip install poetry\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-dev --no-interaction\n"
        'CMD ["poetry", "run", "app"]\n'
    )
    result = run_pipeline(before)
    manifests = result.index("COPY pyproject.toml poetry.lock* ./")
    # No context: --no-dev becomes --only main (--without dev fails on a project with no dev group)
    first_install = result.index("--only main --no-interaction --compile --no-root")
    source = result.index("COPY . .")
    assert manifests < first_install < source
    assert result.rindex("poetry install --no-interaction --compile --only-root\n") > source


def test_pipeline_with_context_subfolder_and_crlf(tmp_path):
    make_project(tmp_path / "backend", LIBRARY, ("poetry.lock", "svc/__init__.py"))
    before = (
        "FROM python:3.11-slim\r\n"
        "RUN pip install poetry\r\n"
        "WORKDIR /app\r\n"
        "COPY backend/ .\r\n"
        "RUN poetry install --no-dev\r\n"
        'CMD ["poetry", "run", "svc"]\r\n'
    )
    result = run_pipeline(before, read_context(tmp_path))
    assert "\r\n" in result and "\n" not in result.replace("\r\n", "")
    assert "COPY backend/pyproject.toml backend/poetry.lock ./\r\n" in result
    # --no-dev is --only main (exactly so since Poetry 1.2), whatever the groups.
    assert "--no-dev" not in result and "--without dev" not in result
    assert (
        result.index("poetry install --only main --compile --no-root")
        < result.index("COPY backend/ .")
        < result.rindex("poetry install --compile --only-root\r\n")
    )


POOL = [
    "WORKDIR /app\n",
    "WORKDIR /srv\n",
    "COPY . .\n",
    "# the source\nCOPY --chown=app:app ./ /app\n",
    "ADD . /srv\n",
    "COPY pyproject.toml poetry.lock ./\n",
    "COPY app ./app\n",
    "ENV POETRY_NO_INTERACTION=1\n",
    "RUN apt-get update \\\n    # build tools\n    && apt-get install -y gcc\n",
    "RUN poetry install --only main\n",
    "RUN poetry install --no-root\n",
    "RUN poetry config virtualenvs.in-project true && poetry sync --without dev\n",
    "RUN make assets\n",
    'CMD ["app"]\n',
    "FROM python:3.11-slim AS second\n",
]


def test_any_mix_of_naive_lines_is_idempotent_and_parses():
    check_any_mix_of_lines(TRANSFORM, POOL)


def test_the_root_install_keeps_what_its_run_set_up_first():
    before = (
        "FROM python:3.11\nWORKDIR /app\nCOPY . .\n"
        'RUN export A="$(cat /x)" && poetry config virtualenvs.in-project true && apt-get clean && poetry install --only main\n'
    )
    after = run_twice(TRANSFORM, before)
    # the exported variable and the config hold for the root install too; the unrelated clean-up is not repeated
    assert after.endswith(
        'COPY . .\nRUN export A="$(cat /x)" && poetry config virtualenvs.in-project true && poetry install --only-root\n'
    )


# --- root installs as the original did them, on real-world shapes ---------------------------


def test_poetry_before_1_2_repeats_the_install_for_the_root():
    # Poetry 1.1 has no --only-root: the install runs again without --no-root.
    before = (
        "FROM python:3.9\nRUN pip install poetry==1.1.15\nWORKDIR /app\nCOPY . .\n"
        "RUN poetry install --no-dev --no-interaction\n"
    )
    after = run_twice(TRANSFORM, before)
    assert after.endswith(
        "RUN poetry install --no-dev --no-interaction --no-root\nCOPY . .\nRUN poetry install --no-dev --no-interaction\n"
    )


@pytest.mark.parametrize(
    ("install", "root"),
    [
        pytest.param("poetry sync --only main", "poetry install --only-root", id="sync-becomes-install"),
        pytest.param(
            "poetry install --compile --without dev,test --no-ansi",
            "poetry install --compile --no-ansi --only-root",
            id="compile-kept-groups-dropped",
        ),
        pytest.param("poetry install --only=main --all-extras", "poetry install --all-extras --only-root", id="only="),
        pytest.param("poetry install --sync --with docs", "poetry install --only-root", id="sync-option-dropped"),
    ],
)
def test_root_install_is_only_root_without_group_options(install, root):
    before = f"FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN {install}\n"
    assert run_twice(TRANSFORM, before).endswith(f"COPY . .\nRUN {root}\n")


@pytest.mark.parametrize(
    ("pin", "said"),
    [
        pytest.param("poetry==1.8.3", "Poetry 1.8.3 only warned about it", id="1.8-warned"),
        pytest.param("poetry==1.7.0", "Poetry 1.7.0 only warned about it", id="1.7-warned"),
        # Bot-Rayado, DucNgn, hshafy, k2bd, yolo-kiyoshi: "Poetry 1 only warned about it" under these,
        # whose install ends in `except ModuleOrPackageNotFound: return 0`.
        pytest.param("poetry==1.6.1", "Poetry 1.6.1 skipped it silently", id="1.6-silent"),
        pytest.param("poetry==1.1.11", "Poetry 1.1.11 skipped it silently", id="1.1-silent"),
        pytest.param("poetry==1.0.0", "Poetry 1.0.0 skipped it silently", id="1.0-silent"),
        pytest.param("'poetry<2'", "the newest Poetry 1.x only warned about it", id="below-2"),
        pytest.param("poetry", "Poetry 2 fails trying", id="unpinned"),
    ],
)
def test_poetry_1_pinned_install_before_the_source_gets_no_root_too(pin, said):
    # Poetry 1 skipped the root it could not install: --no-root says what it did (and --uv then
    # syncs the same instead of building a project whose source is not there yet).
    text = (
        f"FROM python:3.11\nRUN pip install {pin}\nWORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\nRUN poetry install\nCOPY . .\n"
    )
    assert run_twice(TRANSFORM, text) == text.replace("poetry install\n", "poetry install --no-root\n")
    (note,) = [c.message for c in outcome_of(TRANSFORM, text).changes]
    assert note == (
        "--no-root added: the install runs before the source is copied (line 6), so the original never installed "
        f"the project itself and {said}"
    )


def test_no_source_before_the_install_says_what_the_pinned_poetry_did():
    # yolo-kiyoshi: no source is ever copied; Poetry 1.5.1 skipped the root silently.
    text = "FROM python:3.7\nRUN pip install poetry==1.5.1\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\n"
    assert run_twice(TRANSFORM, text) == text.replace("poetry install\n", "poetry install --no-root\n")
    (note,) = [c.message for c in outcome_of(TRANSFORM, text).changes]
    assert note.endswith("never installed the project itself and Poetry 1.5.1 skipped it silently")


def test_unpinned_poetry_install_before_the_source_gets_no_root():
    before = "FROM python:3.11\nRUN pip install poetry\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\nCOPY . .\n"
    assert run_twice(TRANSFORM, before) == before.replace("poetry install\n", "poetry install --no-root\n")


def app_context(tmp_path):
    make_project(tmp_path, APPLICATION, ("poetry.lock", "app/main.py", "data/rates.csv", "core/model.py"))
    return read_context(tmp_path)


SOURCE_COPIES = (
    "FROM python:3.12-slim\n"
    "WORKDIR /app\n"
    "COPY pyproject.toml poetry.lock ./\n"
    "COPY ./app ./app\n"
    "# fixtures\n"
    "COPY ./data ./data\n"
    "RUN poetry install --only main --no-root\n"
    'CMD ["uvicorn", "app.main:app"]\n'
)


def test_every_source_copy_goes_after_the_dependency_install(tmp_path):
    context = app_context(tmp_path)
    after = (
        "FROM python:3.12-slim\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --only main --no-root\n"
        "COPY ./app ./app\n"
        "# fixtures\n"
        "COPY ./data ./data\n"
        'CMD ["uvicorn", "app.main:app"]\n'
    )
    assert run_twice(TRANSFORM, SOURCE_COPIES, context) == after
    [note] = outcome_of(TRANSFORM, SOURCE_COPIES, context).changes
    assert note.line == 4 and "(line 7) rather than before it (line 4 and line 6)" in note.message


def test_source_copy_a_step_needs_stays_with_a_warning(tmp_path):
    context = app_context(tmp_path)
    before = (
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "COPY ./data ./data\nRUN python data/seed.py\nCOPY ./app ./app\nRUN poetry install --only main --no-root\n"
    )
    after = run_twice(TRANSFORM, before, context)
    # ./app moves; ./data stays, as the seed step reads it.
    assert after.endswith(
        "COPY ./data ./data\nRUN python data/seed.py\nRUN poetry install --only main --no-root\nCOPY ./app ./app\n"
    )
    [warning] = outcome_of(TRANSFORM, before, context).warnings
    assert warning.line == 4 and "line 5 runs python" in warning.message


def test_source_copy_with_the_manifests_stays_with_a_warning():
    text = "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock main.py ./\nRUN poetry install --no-root\n"
    assert run_twice(TRANSFORM, text) == text
    [warning] = outcome_of(TRANSFORM, text).warnings
    assert warning.line == 3 and "copy the manifests on their own" in warning.message


def test_partial_copy_with_its_package_keeps_the_root_install(tmp_path):
    # The package was there when the original installed: its root was installed, and still is.
    make_project(tmp_path, '[tool.poetry]\nname = "app"\nversion = "1"\n', ("poetry.lock", "app/"))
    before = "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nCOPY app ./app\nRUN poetry install --only main\n"
    after = (
        "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --only main --no-root\nCOPY app ./app\nRUN poetry install --only-root\n"
    )
    assert run_twice(TRANSFORM, before, read_context(tmp_path)) == after


SCRIPT_PROJECT = (
    '[tool.poetry]\nname = "shelf-check"\nversion = "1"\nreadme = "README.md"\n'
    'packages = [{ include = "shelf", from = "src" }]\n'
    '[tool.poetry.scripts]\nshelf-check = "shelf.cli:main"\n'
)
SCRIPT_LOCK = '[[package]]\nname = "tabulate"\nversion = "0.9.0"\n'
SCRIPT_RUN = (
    "FROM python:3.12\nWORKDIR /srv\nCOPY pyproject.toml poetry.lock ./\n"
    "RUN poetry install --only main --no-root\nCOPY src/ ./src/\n"
    'CMD ["poetry", "run", "shelf-check"]\n'
)


def script_context(tmp_path, lock=SCRIPT_LOCK, files=("README.md", "src/shelf/cli.py")):
    make_project(tmp_path, SCRIPT_PROJECT, files)
    (tmp_path / "poetry.lock").write_text(lock)
    return read_context(tmp_path)


def test_console_script_that_replaces_poetry_run_gets_the_root_installed(tmp_path):
    context = script_context(tmp_path)
    after = SCRIPT_RUN.replace(
        "COPY src/ ./src/\n", "COPY src/ ./src/\nCOPY README.md ./\nRUN poetry install --only-root\n"
    )
    assert run_twice(TRANSFORM, SCRIPT_RUN, context) == after
    [note] = outcome_of(TRANSFORM, SCRIPT_RUN, context).changes
    assert note.line == 5 and "`shelf-check` replaces `poetry run shelf-check`" in note.message


def test_console_script_a_locked_package_provides_needs_no_root(tmp_path):
    context = script_context(tmp_path, lock=SCRIPT_LOCK + '[[package]]\nname = "shelf-check"\nversion = "2"\n')
    assert run_twice(TRANSFORM, SCRIPT_RUN, context) == SCRIPT_RUN


def test_console_script_whose_package_is_never_copied_is_held_back(tmp_path):
    context = script_context(tmp_path)
    before = SCRIPT_RUN.replace("COPY src/ ./src/\n", "COPY src/shelf/cli.py ./cli.py\n")
    assert run_twice(TRANSFORM, before, context) == before
    [warning] = outcome_of(TRANSFORM, before, context).warnings
    assert warning.line == 5 and "src/shelf is not copied into the image" in warning.message


def test_source_copy_before_a_workdir_keeps_where_it_lands(tmp_path):
    context = app_context(tmp_path)
    before = (
        "FROM python:3.10\nCOPY core ./app/core\nCOPY poetry.lock pyproject.toml ./app/\nWORKDIR /app\n"
        "RUN poetry install --without dev --no-root\n"
    )
    after = (
        "FROM python:3.10\nCOPY poetry.lock pyproject.toml ./app/\nWORKDIR /app\n"
        "RUN poetry install --without dev --no-root\nCOPY core /app/core\n"
    )
    assert run_twice(TRANSFORM, before, context) == after


def test_install_with_no_source_ever_copied_gets_no_root():
    before = "FROM python:3.12\nRUN pip install poetry\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\n"
    assert run_twice(TRANSFORM, before) == before.replace("poetry install\n", "poetry install --no-root\n")


def test_install_after_a_step_that_may_create_the_package_is_left_alone():
    # A known trick: an empty package lets Poetry install the root before the source.
    text = (
        "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN mkdir app && touch app/__init__.py && poetry install\n"
    )
    assert run_twice(TRANSFORM, text) == text


def test_source_that_must_stay_before_the_install_keeps_the_root_install():
    text = "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml ./\nCOPY app ./app\nRUN make\nRUN poetry install\n"
    assert run_twice(TRANSFORM, text) == text


def test_copy_that_stays_keeps_the_copies_above_it_in_place(tmp_path):
    # settings.py from a mixed COPY overrides app/settings.py: moving ./app after it would undo that.
    context = app_context(tmp_path)
    text = (
        "FROM python:3.12\nWORKDIR /app\nCOPY ./app ./app\n"
        "COPY pyproject.toml poetry.lock settings.py ./app/\nRUN poetry install --no-root\n"
    )
    assert run_twice(TRANSFORM, text, context) == text
    assert [w.line for w in outcome_of(TRANSFORM, text, context).warnings] == [4, 3]


def test_copy_from_another_stage_between_keeps_the_source_before_it():
    text = (
        "FROM node:20 AS assets\nFROM python:3.12\nWORKDIR /app\nCOPY . .\n"
        "COPY --from=assets /dist ./static\nRUN poetry install\n"
    )
    assert run_twice(TRANSFORM, text) == text
    [warning] = outcome_of(TRANSFORM, text).warnings
    assert warning.line == 5 and "stays and may write over what it copies" in warning.message


@pytest.mark.parametrize(
    ("files", "ignore", "why"),
    [
        pytest.param(("readme.md", "src/shelf/cli.py"), None, "the readme README.md", id="readme-named-otherwise"),
        pytest.param(("README.md", "src/shelf/cli.py"), "*.md\n", "the readme README.md", id="readme-dockerignored"),
    ],
)
def test_console_script_whose_readme_poetry_cannot_read_is_held_back(tmp_path, files, ignore, why):
    make_project(tmp_path, SCRIPT_PROJECT, files)
    (tmp_path / "poetry.lock").write_text(SCRIPT_LOCK)
    if ignore:
        (tmp_path / ".dockerignore").write_text(ignore)
    context = read_context(tmp_path)
    assert run_twice(TRANSFORM, SCRIPT_RUN, context) == SCRIPT_RUN
    [warning] = outcome_of(TRANSFORM, SCRIPT_RUN, context).warnings
    assert warning.line == 5 and why in warning.message and "root install is not added" in warning.message


EXPORT_AFTER_SOURCE = (
    "FROM python:3.9\n"
    "ADD . /code\n"
    "WORKDIR /code\n"
    "COPY poetry.lock pyproject.toml /tmp/\n"
    "RUN pip install poetry\n"
    "{between}"
    "RUN cd /tmp && poetry export -f requirements.txt --output /tmp/requirements.txt\n"
    "RUN pip install -r /tmp/requirements.txt\n"
)


def test_the_source_goes_after_an_export_and_its_pip_install():
    """guilehm/pokemon-apps: the manifests go to /tmp on their own; `ADD . /code` waited for nothing."""
    text = EXPORT_AFTER_SOURCE.format(between="")
    assert run_twice(TRANSFORM, text) == (
        "FROM python:3.9\n"
        "WORKDIR /code\n"
        "COPY poetry.lock pyproject.toml /tmp/\n"
        "RUN pip install poetry\n"
        "RUN cd /tmp && poetry export -f requirements.txt --output /tmp/requirements.txt\n"
        "RUN pip install -r /tmp/requirements.txt\n"
        "ADD . /code\n"
    )
    assert [(n.line, n.message.split(":")[0]) for n in outcome_of(TRANSFORM, text).changes] == [
        (2, "source copied after the dependency install (line 7) rather than before the export")
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param(
            EXPORT_AFTER_SOURCE.format(between="RUN python setup.py build\n"),
            "line 6 runs python, which may need the source",
            id="a-step-may-need-the-source",
        ),
        pytest.param(
            EXPORT_AFTER_SOURCE.format(between="").replace("ADD . /code\n", "ADD . .\n"),
            "line 3 (WORKDIR) changes where it lands",
            id="relative-before-workdir",
        ),
        pytest.param(
            EXPORT_AFTER_SOURCE.format(between="").replace("COPY poetry.lock pyproject.toml /tmp/\n", ""),
            None,
            id="the-export-reads-the-copied-source",
        ),
    ],
)
def test_the_source_stays_before_an_export_that_may_need_it(text, why):
    assert run_twice(TRANSFORM, text) == text
    warnings = outcome_of(TRANSFORM, text).warnings
    assert [w.message.split(": ", 1)[1].split(";")[0] for w in warnings] == ([why] if why else [])


@pytest.mark.parametrize(
    ("pin", "said"),
    [
        pytest.param("", "which Poetry 2 fails on", id="poetry-2"),
        # Ariulis: "which Poetry 2 fails on" was said under a 1.8.5 pin
        pytest.param(
            'ENV POETRY_VERSION=1.8.5\nRUN pip install "poetry==$POETRY_VERSION"\n',
            "which Poetry 1.8.5 only skips with a warning (Poetry 2 fails on it)",
            id="poetry-1",
        ),
        pytest.param(
            'ENV POETRY_VERSION=1.5.1\nRUN pip install "poetry==$POETRY_VERSION"\n',
            "which Poetry 1.5.1 skips silently (Poetry 2 fails on it)",
            id="poetry-1.5-silent",
        ),
    ],
)
def test_the_no_package_reason_names_the_pinned_poetry(tmp_path, pin, said):
    make_project(tmp_path, '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n', ())
    text = NAIVE.replace("WORKDIR /app\n", "WORKDIR /app\n" + pin)
    no_root = [c for c in outcome_of(TRANSFORM, text, read_context(tmp_path)).changes if "--no-root" in c.message]
    assert len(no_root) == 1 and no_root[0].message.endswith(said)
