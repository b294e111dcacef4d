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
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY src/ ./src/\nCOPY pyproject.toml ./\nRUN poetry install\n",
        id="partial-copy-is-not-the-context",
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
        "RUN poetry install --without dev --no-interaction\n"
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
        "run poetry install --only main\r\n",
        id="crlf-lowercase-add-continuation",
    ),
    pytest.param(
        'FROM python:3.11\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install\nCOPY . .\nCMD ["app"]',
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-root\n"
        "COPY . .\n"
        "RUN poetry install\n"
        'CMD ["app"]',
        id="root-installed-before-source-no-final-newline",
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
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main\n",
        id="run-flags-kept-on-root-install",
    ),
    pytest.param(
        'FROM python:3.11\nWORKDIR /app\nCOPY . .\nRUN pip install "poetry==2.2.1" && poetry install --sync\n',
        "FROM python:3.11\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock* ./\n"
        'RUN pip install "poetry==2.2.1" && poetry install --sync --no-root\n'
        "COPY . .\n"
        "RUN poetry install --sync\n",
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
        "RUN poetry install --without dev\n",
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
        "RUN poetry install --only main\n"
    )
    assert run_twice(TRANSFORM, NAIVE, read_context(tmp_path)) == after


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
        "RUN poetry install\n"
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


def test_root_installed_before_its_package_is_copied(tmp_path):
    make_project(tmp_path, '[tool.poetry]\nname = "app"\nversion = "1"\n', ("poetry.lock", "README.md", "app/"))
    after = PARTIAL.replace("--no-interaction\n", "--no-interaction --no-root\n").replace(
        "COPY app /app/app\n", "COPY app /app/app\nRUN poetry install --no-interaction\n"
    )
    assert run_twice(TRANSFORM, PARTIAL, read_context(tmp_path)) == after


def test_partial_copy_left_alone_when_nothing_of_the_project_is_installed(tmp_path):
    make_project(tmp_path, APPLICATION, ("poetry.lock", "README.md", "app/"))
    assert run_twice(TRANSFORM, PARTIAL, read_context(tmp_path)) == PARTIAL


def test_whole_context_after_install_gets_no_root_even_without_package(tmp_path):
    make_project(tmp_path, APPLICATION)
    before = "FROM python:3.9\nWORKDIR /code\nCOPY pyproject.toml poetry.lock /code/\nRUN poetry install --no-ansi\nCOPY . /code/\n"
    after = before.replace("--no-ansi", "--no-ansi --no-root")
    assert run_twice(TRANSFORM, before, read_context(tmp_path)) == after


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
    assert result.rindex("poetry install --only main --no-interaction --compile\n") > source


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
        < result.rindex("poetry install --only main --compile\r\n")
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
        'COPY . .\nRUN export A="$(cat /x)" && poetry config virtualenvs.in-project true && poetry install --only main\n'
    )
