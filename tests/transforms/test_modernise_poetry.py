import re

import pytest

from migrator.project import read_context
from migrator.transform import Settings
from migrator.transforms.modernise_poetry import TRANSFORM
from tests.support import check_any_mix_of_lines, outcome_of, run_pipeline, run_twice

RUN_APP = 'CMD ["poetry", "run", "app"]\n'
ENV_BLOCK = "ENV POETRY_VERSION=2.2.1 \\\n    POETRY_NO_INTERACTION=1 \\\n    POETRY_VIRTUALENVS_IN_PROJECT=true\n"


def compiled(text: str) -> str:
    """The text with ` --compile` after each `poetry install`/`poetry sync` command, as MIG001
    adds it wherever the pinned Poetry (1.4 and later) knows the option."""
    return re.sub(r"(poetry (?:install|sync)\b[^\n&|;\\]*?)(?=[ \t]*(?:\\\r?\n|&&|\r?\n|$))", r"\1 --compile", text)


# Already what MIG001 makes, except for bytecode compilation.
COMPILE_ONLY = [
    pytest.param(
        "FROM python:3.12-slim\n"
        "ENV POETRY_VERSION=2.2.1 \\\n"
        "    POETRY_NO_INTERACTION=1 \\\n"
        "    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        'RUN pip install "poetry==$POETRY_VERSION"\n'
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --without dev --no-root\n"
        "COPY . .\n"
        "RUN poetry install --only main\n",
        id="already-modern",
    ),
    pytest.param(
        "FROM python:3.12-slim\n"
        "ARG POETRY_VERSION=1.8.3\n"
        "ENV POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=1\n"
        "RUN pip install poetry==${POETRY_VERSION}\n"
        "RUN poetry install --only main\n",
        id="fed-by-arg-unquoted",
    ),
]

UNCHANGED = [
    pytest.param(
        "FROM python:3.12\nRUN pip install requests\nCMD python -m http.server\n",
        id="no-poetry",
    ),
    pytest.param(
        "FROM python:3.12-slim\n"
        "ENV VIRTUAL_ENV=/opt/venv POETRY_NO_INTERACTION=1\n"
        "RUN python -m venv $VIRTUAL_ENV\n"
        "ENV PATH=/opt/venv/bin:$PATH\n"
        "RUN poetry config virtualenvs.create false && poetry install --only main\n",
        id="explicit-venv-keeps-create-false",
    ),
    pytest.param(
        "FROM python:3.12-slim\n"
        "ENV POETRY_NO_INTERACTION=1\n"
        "RUN poetry config virtualenvs.create false && poetry install --only main\n"
        'CMD ["/usr/local/bin/gunicorn", "app:app"]\n',
        id="command-by-system-path-keeps-create-false",
    ),
    pytest.param(
        "FROM python:3.12-slim\n"
        "ENV POETRY_NO_INTERACTION=1\n"
        "RUN poetry config virtualenvs.in-project true\n"
        "RUN poetry install --only main\n",
        id="in-project-config-kept-poetry-from-base",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_left_alone(text):
    assert run_twice(TRANSFORM, text) == text


@pytest.mark.parametrize("text", COMPILE_ONLY)
def test_only_bytecode_compilation_added(text):
    assert compiled(text) != text
    assert run_twice(TRANSFORM, text) == compiled(text)


CHANGED = [
    pytest.param(
        "FROM python:3.11-slim\n"
        "RUN pip install poetry\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-dev --no-interaction\n"
        'CMD ["poetry", "run", "app"]\n',
        "FROM python:3.11-slim\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN python -m venv /app/.venv\n"
        "RUN poetry install --only main --no-interaction\n"
        'CMD ["poetry", "run", "app"]\n',
        id="canonical",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip3 install poetry\nRUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip3 install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="pip3",
    ),
    pytest.param(
        "FROM python:3.11\nRUN python -m pip install poetry\nRUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN python -m pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="python-m-pip",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install --upgrade pip poetry && pip --version\nRUN poetry install\n",
        "FROM python:3.11\n"
        + ENV_BLOCK
        + 'RUN pip install --upgrade pip "poetry==$POETRY_VERSION" && pip --version\nRUN poetry install\n',
        id="upgrade-pip-and-poetry",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install --user poetry\nRUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="user-install-dropped",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install --user poetry\nRUN /root/.local/bin/poetry install\n",
        "FROM python:3.11\n"
        + ENV_BLOCK
        + 'RUN pip install --user "poetry==$POETRY_VERSION"\nRUN /root/.local/bin/poetry install\n',
        id="user-install-kept-when-its-path-is-used",
    ),
    pytest.param(
        'FROM python:3.11\nRUN pip install "poetry>=1.8"\nRUN poetry install\n',
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="range-is-not-a-pin",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install poetry>=1.8.*\nRUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="unquoted-range-was-a-redirect",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install poetry==1.8.3\nRUN poetry install --no-dev\n",
        "FROM python:3.11\n"
        + ENV_BLOCK.replace("2.2.1", "1.8.3")
        + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install --only main\n',
        id="exact-pin-kept",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install poetry==1.1.15\nRUN poetry install --no-dev\n",
        "FROM python:3.11\n"
        + ENV_BLOCK.replace("2.2.1", "1.1.15")
        + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install --no-dev\n',
        id="old-pin-keeps-no-dev",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "ENV POETRY_HOME=/opt/poetry\n"
        "RUN curl -sSL https://install.python-poetry.org | python3 -\n"
        'ENV PATH="$POETRY_HOME/bin:$PATH"\n'
        "RUN poetry install\n",
        # The installer stays (its bin folder is on PATH), pinned through POETRY_VERSION.
        "FROM python:3.11\n"
        "ENV POETRY_HOME=/opt/poetry\n" + ENV_BLOCK + "RUN curl -sSL https://install.python-poetry.org | python3 -\n"
        'ENV PATH="$POETRY_HOME/bin:$PATH"\n'
        "RUN poetry install\n",
        id="curl-installer-kept-for-its-path-entry",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN apt-get update && apt-get install -y curl \\\n"
        "    && curl -sSL https://install.python-poetry.org | python3 - --version 1.7.1\n"
        "RUN poetry install\n",
        "FROM python:3.11\n"
        + ENV_BLOCK.replace("2.2.1", "1.7.1")
        + "RUN apt-get update && apt-get install -y curl \\\n"
        '    && pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install\n",
        id="curl-installer-version-flag",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN curl -sSL https://install.python-poetry.org | python - -s -- --version 1.8.2\n"
        "RUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK.replace("2.2.1", "1.8.2") + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install\n",
        id="curl-installer-dash-s",
    ),
    pytest.param(
        "FROM python:3.8\n"
        "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/get-poetry.py | python\n"
        "RUN poetry install\n",
        "FROM python:3.8\n"
        + ENV_BLOCK.replace("2.2.1", "1.8.5")
        + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="get-poetry",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install --no-cache-dir pipx && pipx ensurepath && pipx install poetry\nRUN poetry install\n",
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN poetry install\n',
        id="pipx-and-its-setup",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "ENV POETRY_VERSION=1.8.3 \\\n"
        "    POETRY_VIRTUALENVS_CREATE=false\n"
        'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install --no-dev\n" + RUN_APP,
        "FROM python:3.11\n"
        "ENV POETRY_VERSION=1.8.3\n"
        "ENV POETRY_NO_INTERACTION=1 \\\n"
        "    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install --only main\n" + RUN_APP,
        id="existing-env-edited-in-place",
    ),
    pytest.param(
        "FROM python:3.11\nENV POETRY_VIRTUALENVS_CREATE False\nRUN pip install poetry\nRUN poetry install\n" + RUN_APP,
        "FROM python:3.11\n"
        + ENV_BLOCK
        + 'RUN pip install "poetry==$POETRY_VERSION"\nRUN python -m venv /.venv\nRUN poetry install\n'
        + RUN_APP,
        id="legacy-env-create-false-removed",
    ),
    pytest.param(
        "FROM python:3.11\nARG POETRY_VERSION\nRUN pip install poetry==$POETRY_VERSION\nRUN poetry install\n",
        "FROM python:3.11\n"
        "ARG POETRY_VERSION=2.2.1\n"
        "ENV POETRY_NO_INTERACTION=1 \\\n"
        "    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "RUN pip install poetry==$POETRY_VERSION\n"
        "RUN poetry install\n",
        id="bare-arg-gets-default",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry\n"
        "RUN poetry config virtualenvs.create false --local \\\n"
        "    # the lock is up to date\n"
        " && poetry lock --no-update \\\n"
        " && poetry install --sync --no-root\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "# the lock is up to date\n"
        "RUN poetry lock \\\n"
        " && poetry sync --no-root\n" + RUN_APP,
        id="comment-in-continuation-and-poetry-2-options",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN poetry install --no-dev\n",
        "FROM python:3.11-slim\n"
        "ENV POETRY_NO_INTERACTION=1 \\\n"
        "    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "RUN poetry install --only main\n",
        id="poetry-from-base-image",
    ),
    pytest.param(
        "from python:3.11\r\nrun pip install poetry\r\nrun poetry install\r\n",
        "from python:3.11\r\n"
        "env POETRY_VERSION=2.2.1 \\\r\n"
        "    POETRY_NO_INTERACTION=1 \\\r\n"
        "    POETRY_VIRTUALENVS_IN_PROJECT=true\r\n"
        'run pip install "poetry==$POETRY_VERSION"\r\n'
        "run poetry install\r\n",
        id="crlf-lowercase",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN poetry export -f requirements.txt --output requirements.txt --without-hashes \\\n"
        "    && pip install --no-cache-dir -r requirements.txt \\\n"
        "    && rm requirements.txt\n"
        "COPY . .\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN python -m venv /app/.venv\n"
        "RUN poetry install --no-root --only main\n"
        "COPY . .\n" + RUN_APP,
        id="export-then-pip",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry\n"
        "RUN poetry export --with dev -E pdf --all-extras | pip install -r /dev/stdin\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN python -m venv /.venv\n"
        "RUN poetry install --no-root --with dev -E pdf --all-extras\n" + RUN_APP,
        id="export-piped-to-pip",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry\n"
        "RUN poetry export --dev > requirements.txt\n"
        "RUN pip install -r requirements.txt\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN python -m venv /.venv\n"
        "RUN poetry install --no-root --with dev\n" + RUN_APP,
        id="export-redirect-dev",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry==1.8.3\n"
        "RUN poetry export --no-dev --format=requirements.txt --output=req.txt \\\n"
        "    && pip install --no-deps -r ./req.txt\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK.replace("2.2.1", "1.8.3") + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install --no-root --only main\n" + RUN_APP,
        id="export-no-dev-equals-forms",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install poetry\n"
        "RUN poetry export -oreq.txt --with=docs --extras pdf && pip install -r req.txt && rm -f req.txt\n" + RUN_APP,
        "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN python -m venv /.venv\n"
        "RUN poetry install --no-root --with=docs --extras pdf\n" + RUN_APP,
        id="export-short-output-and-equals-group",
    ),
    pytest.param(
        "FROM python:3.11\nRUN pip install poetry\nRUN poetry export -o requirements.txt\nCMD cat requirements.txt\n",
        # No `poetry install`, so no venv: no POETRY_VIRTUALENVS_IN_PROJECT.
        "FROM python:3.11\nENV POETRY_VERSION=2.2.1 \\\n    POETRY_NO_INTERACTION=1\n"
        'RUN pip install "poetry==$POETRY_VERSION" poetry-plugin-export\n'
        "RUN poetry export -o requirements.txt\n"
        "CMD cat requirements.txt\n",
        id="export-kept-needs-plugin",
    ),
    pytest.param(
        "FROM python:3.11\n"
        "RUN pip install --user poetry\n"
        "RUN poetry config virtualenvs.create false && poetry install\n"
        "RUN python manage.py collectstatic\n",
        "FROM python:3.11\n"
        "ENV POETRY_VERSION=2.2.1 \\\n"
        "    POETRY_NO_INTERACTION=1 \\\n"
        "    POETRY_VIRTUALENVS_CREATE=false \\\n"
        "    POETRY_HOME=/opt/poetry \\\n"
        '    PATH="$PATH:/opt/poetry/venv/bin"\n'
        'RUN python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install\n"
        "RUN python manage.py collectstatic\n",
        id="create-false-kept-when-python-needs-packages-and-poetry-gets-its-own-venv",
    ),
    pytest.param(
        "FROM python:3.11-slim\n"
        "RUN pip install poetry\n"
        "WORKDIR /srv\n"
        "COPY . .\n"
        "# dependencies\n"
        "RUN poetry config virtualenvs.create false && poetry install --only main\n"
        'CMD ["gunicorn", "app:app"]\n',
        "FROM python:3.11-slim\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "WORKDIR /srv\n"
        "COPY . .\n"
        'ENV PATH="/srv/.venv/bin:$PATH"\n'
        "RUN python -m venv /srv/.venv\n"
        "# dependencies\n"
        "RUN poetry install --only main\n"
        'CMD ["gunicorn", "app:app"]\n',
        id="venv-put-on-path-for-the-command",
    ),
    pytest.param(
        "FROM python:3.11 AS build\n"
        "RUN pip install poetry\n"
        "RUN poetry install --no-dev\n"
        "FROM build AS test\n"
        "RUN poetry install --no-dev\n",
        "FROM python:3.11 AS build\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
        "RUN poetry install --only main\n"
        "FROM build AS test\n"
        "RUN poetry install --only main\n",
        id="child-stage-inherits-env",
    ),
]


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_modernised(request, before, after):
    # Poetry 1.1 has no --compile (it installs through pip, which compiles anyway).
    # Nor is there a version to check with a Poetry the base image brings.
    plain = ("old-pin-keeps-no-dev", "poetry-from-base-image")
    expected = after if request.node.callspec.id in plain else compiled(after)
    assert run_twice(TRANSFORM, before) == expected


def test_explicit_version_overrides_pin():
    settings = Settings(poetry_version="2.1.0", poetry_version_explicit=True)
    before = "FROM python:3.11\nENV POETRY_VERSION=1.8.3\nRUN pip install poetry==1.8.3\nRUN poetry install\n"
    after = (
        "FROM python:3.11\nENV POETRY_VERSION=2.1.0\n"
        "ENV POETRY_NO_INTERACTION=1 \\\n    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        'RUN pip install "poetry==$POETRY_VERSION"\nRUN python -m venv /.venv\nRUN poetry install\n'
    )
    assert run_twice(TRANSFORM, before, settings=settings) == compiled(after)


def test_poetry_toml_create_false_overridden(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "demo"\nversion = "0.1.0"\n')
    (tmp_path / "poetry.toml").write_text("[virtualenvs]\ncreate = false\n")
    project = read_context(tmp_path)
    before = "FROM python:3.11\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install\n" + RUN_APP
    after = (
        "FROM python:3.11\n"
        + ENV_BLOCK.replace("_IN_PROJECT=true\n", "_IN_PROJECT=true \\\n    POETRY_VIRTUALENVS_CREATE=true\n")
        + 'RUN pip install "poetry==$POETRY_VERSION"\nWORKDIR /app\nCOPY . .\nRUN python -m venv /app/.venv\n'
        + "RUN poetry install\n"
        + RUN_APP
    )
    assert run_twice(TRANSFORM, before, project) == compiled(after)


def test_poetry_path_reference_keeps_installer():
    text = (
        "FROM python:3.11\n"
        "ENV POETRY_VERSION=1.8.3 POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "RUN curl -sSL https://install.python-poetry.org | python3 -\n"
        "RUN /root/.local/bin/poetry install\n"
    )
    assert run_twice(TRANSFORM, text) == compiled(text)
    outcome = outcome_of(TRANSFORM, text)
    # Already pinned through POETRY_VERSION, which the installer reads: nothing to say about it.
    assert outcome.warnings == () and [c.line for c in outcome.changes] == [4]


def test_the_kept_installer_is_pinned_through_poetry_version():
    text = "FROM python:3.11\nRUN curl -sSL https://install.python-poetry.org | python3 -\nRUN /root/.local/bin/poetry install\n"
    after = run_twice(TRANSFORM, text)
    assert after.startswith("FROM python:3.11\nENV POETRY_VERSION=2.2.1 \\\n")
    assert "RUN curl -sSL https://install.python-poetry.org | python3 -\n" in after
    kept = [c for c in outcome_of(TRANSFORM, text).changes if c.line == 2 and "installer kept" in c.message]
    assert len(kept) == 1 and "pinned through POETRY_VERSION (which it reads): line 3 uses" in kept[0].message


@pytest.mark.parametrize(
    "later",
    [
        pytest.param("RUN . $HOME/.poetry/env && poetry install\n", id="sources-get-poetry-env"),
        pytest.param("RUN ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry\n", id="links-poetry-home"),
        pytest.param("FROM python:3.11-slim\nCOPY --from=0 /opt/poetry /opt/poetry\n", id="copies-poetry-home"),
    ],
)
def test_installer_paths_used_later_keep_the_installer(later):
    text = (
        "FROM python:3.11\n"
        "ENV POETRY_HOME=/opt/poetry POETRY_VERSION=1.8.3 POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "RUN curl -sSL https://install.python-poetry.org | python3 -\n" + later
    )
    assert run_twice(TRANSFORM, text) == compiled(text)
    assert outcome_of(TRANSFORM, text).warnings == ()


MULTI_STAGE = (
    "FROM node:20 AS assets\n"
    "RUN npm ci && npm run build\n"
    "FROM python:3.11-slim AS app\n"
    "ENV POETRY_VERSION=2.2.1 POETRY_NO_INTERACTION=1\n"
    'RUN pip install "poetry==$POETRY_VERSION"\n'
    "WORKDIR /app\n"
    "COPY --from=assets /dist ./static\n"
    "COPY . .\n"
    "RUN poetry config virtualenvs.create false && poetry install --only main\n"
    'CMD ["gunicorn", "app:app"]\n'
)


def test_final_stage_of_a_multi_stage_file_gets_the_venv():
    after = MULTI_STAGE.replace(
        'RUN pip install "poetry',
        'ENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN pip install "poetry',
    ).replace(
        "RUN poetry config virtualenvs.create false && poetry install --only main\n",
        'ENV PATH="/app/.venv/bin:$PATH"\nRUN python -m venv /app/.venv\nRUN poetry install --only main\n',
    )
    assert run_twice(TRANSFORM, MULTI_STAGE) == compiled(after)


def test_stage_another_stage_copies_from_keeps_system_packages():
    text = MULTI_STAGE + "FROM python:3.11-slim\nCOPY --from=app /usr/local /usr/local\n"
    isolated = text.replace(
        'RUN pip install "poetry==$POETRY_VERSION"\n',
        "ENV POETRY_VIRTUALENVS_CREATE=false \\\n    POETRY_HOME=/opt/poetry \\\n"
        '    PATH="$PATH:/opt/poetry/venv/bin"\n'
        'RUN python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"\n',
    ).replace("RUN poetry config virtualenvs.create false && poetry install", "RUN poetry install")
    assert run_twice(TRANSFORM, text) == compiled(isolated)
    assert outcome_of(TRANSFORM, text).warnings[0].message == (
        "virtualenvs.create false kept: line 12 copies /usr/local from this stage, so where this stage installs "
        "is left as it is"
    )


@pytest.mark.parametrize(
    ("requirement", "pinned"),
    [
        pytest.param('"poetry<2"', "1.8.5", id="below-2"),
        pytest.param("'poetry~=1.7.0'", "1.7.1", id="compatible-release"),
        pytest.param('"poetry>=1.2,<1.8.3"', "1.8.2", id="window"),
        pytest.param('"poetry>=1.8"', "2.2.1", id="floor-only"),
    ],
)
def test_a_range_is_pinned_to_its_newest_release(requirement, pinned):
    text = f"FROM python:3.11\nRUN pip install {requirement}\nRUN poetry install\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert f"ENV POETRY_VERSION={pinned} " in after
    assert 'pip install "poetry==$POETRY_VERSION"' in after
    assert outcome_of(TRANSFORM, text).warnings == ()


def test_every_change_has_a_reason():
    outcome = outcome_of(TRANSFORM, CHANGED[0].values[0])
    assert outcome.changes and all(n.code == "MIG001" and n.line and ":" in n.message for n in outcome.changes)


def test_output_parses_with_buildkit():
    dockerfile = pytest.importorskip("dockerfile")
    for before, _ in (case.values for case in CHANGED):
        dockerfile.parse_string(run_twice(TRANSFORM, before))


def test_pipeline_keeps_the_contract():
    before = CHANGED[0].values[0]
    result = run_pipeline(before)
    assert 'pip install "poetry==$POETRY_VERSION"' in result
    assert "virtualenvs.create false" not in result
    assert "--no-dev" not in result


POOL = [
    "RUN pip install poetry\n",
    "RUN pip install --user 'poetry>=1.2'\n",
    "RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.8.3\n",
    "RUN pip install pipx && pipx install poetry==1.7.1\n",
    "ENV POETRY_VERSION=1.8.2 \\\n    POETRY_VIRTUALENVS_CREATE=false\n",
    "ARG POETRY_VERSION\n",
    "ENV VIRTUAL_ENV=/opt/venv\n",
    "WORKDIR /app\n",
    "COPY . .\n",
    "RUN poetry config virtualenvs.create false \\\n    # no venv\n    && poetry install --no-dev\n",
    "RUN poetry install --sync --no-root\n",
    "RUN poetry lock --no-update\n",
    "RUN poetry export -o requirements.txt && pip install -r requirements.txt\n",
    "RUN python manage.py check\n",
    'CMD ["gunicorn", "app:app"]\n',
    'CMD ["poetry", "run", "app"]\n',
    "FROM python:3.11-slim AS second\n",
]


def test_any_mix_of_naive_lines_is_idempotent_and_parses():
    check_any_mix_of_lines(TRANSFORM, POOL)


@pytest.mark.parametrize(
    "groups",
    [
        pytest.param('[tool.poetry.group.dev.dependencies]\npytest = "*"\n', id="has-dev-group"),
        pytest.param(
            '[tool.poetry.group.dev.dependencies]\npytest = "*"\n[tool.poetry.group.test.dependencies]\nx = "*"\n',
            id="more-groups",
        ),
        pytest.param("", id="no-dev-group"),
    ],
)
def test_no_dev_becomes_only_main_whatever_the_groups(tmp_path, groups):
    # Poetry 1.2+ reads --no-dev as --only main (group_command.py), so that is exact;
    # --without dev would add a non-optional `test` group.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\npackage-mode = false\n' + groups
    )
    before = 'FROM python:3.11\nENV POETRY_VERSION=2.2.1 POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN pip install "poetry==$POETRY_VERSION"\nCOPY . .\nRUN poetry install --no-dev\n'
    after = run_twice(TRANSFORM, before, read_context(tmp_path))
    assert after.endswith("RUN poetry install --only main --compile\n")
    assert outcome_of(TRANSFORM, before, read_context(tmp_path)).warnings == ()


def test_the_env_block_continues_lines_with_the_file_s_escape_character():
    before = "# escape=`\nFROM python:3.9\nRUN pip install poetry\nRUN poetry install\n"
    after = run_twice(TRANSFORM, before)
    assert "ENV POETRY_VERSION=2.2.1 `\n    POETRY_NO_INTERACTION=1 `\n" in after
    assert "\\\n" not in after


def test_a_later_step_that_runs_python_by_name_uses_the_venv_through_path():
    before = (
        "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
        "RUN poetry config virtualenvs.create false && poetry install --only main\n"
        "RUN python manage.py collectstatic --noinput\n"
        'CMD ["poetry", "run", "gunicorn", "mysite.wsgi"]\n'
    )
    after = run_twice(TRANSFORM, before)
    assert "virtualenvs.create false" not in after
    # the venv goes first on PATH before the install, so collectstatic finds Django there
    assert after.index('ENV PATH="/app/.venv/bin:$PATH"') < after.index("poetry install") < after.index("collectstatic")


def test_a_later_step_that_runs_the_system_python_by_path_keeps_the_system_install():
    before = (
        "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
        "RUN poetry config virtualenvs.create false && poetry install --only main\n"
        "RUN /usr/local/bin/python manage.py collectstatic --noinput\n"
        'CMD ["gunicorn", "mysite.wsgi"]\n'
    )
    after = run_twice(TRANSFORM, before)
    assert "virtualenvs.create false" not in after and "POETRY_VIRTUALENVS_CREATE=false" in after
    assert "/app/.venv" not in after
    assert any("kept" in w.message for w in outcome_of(TRANSFORM, before).warnings)


@pytest.mark.parametrize(
    ("head", "pinned"),
    [
        pytest.param("FROM python:3.8\n", "1.8.5", id="python-3.8"),
        pytest.param("FROM python:3.7-slim-buster\n", "1.5.1", id="python-3.7-slim-buster"),
        pytest.param("FROM tiangolo/uvicorn-gunicorn-fastapi:python3.8-slim\n", "1.8.5", id="tiangolo-tag"),
        pytest.param("ARG PYTHON_VERSION=3.8\nFROM python:${PYTHON_VERSION}-slim\n", "1.8.5", id="arg-default"),
        pytest.param("FROM ubuntu:20.04\n", "1.8.5", id="ubuntu-focal-python3"),
        pytest.param("FROM python:3.9-slim\n", "2.2.1", id="python-3.9-takes-the-default"),
        pytest.param("FROM python:3\n", "2.2.1", id="python-3-is-current"),
    ],
)
def test_the_pin_runs_on_the_base_image_s_python(head, pinned):
    text = head + "RUN pip3 install poetry\nRUN poetry install --no-dev\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert f"ENV POETRY_VERSION={pinned} " in after
    # 1.5 and later know both --only (1.2) and --compile (1.4)
    assert "RUN poetry install --only main --compile\n" in after
    notes = [n.message for n in outcome_of(TRANSFORM, text).changes if n.message.startswith("Poetry pinned")]
    if pinned == "2.2.1":
        assert notes == []
    else:
        assert len(notes) == 1 and f"Poetry pinned to {pinned}: the newest that Python 3." in notes[0]


def test_python_3_6_gets_poetry_1_1_and_its_own_options():
    text = "FROM python:3.6-slim\nRUN pip install poetry\nRUN poetry install --no-dev\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert "ENV POETRY_VERSION=1.1.15 " in after
    assert "RUN poetry install --no-dev\n" in after  # no --only (1.2), no --compile (1.4)


@pytest.mark.parametrize(
    "head",
    [
        pytest.param("FROM registry.example.com/base/python-app:2.4\n", id="custom-image"),
        pytest.param("ARG BASE\nFROM ${BASE}\n", id="arg-without-default"),
    ],
)
def test_unknown_python_keeps_the_unpinned_install_and_warns(head):
    text = head + "RUN pip install poetry\nRUN poetry install --no-dev\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert "RUN pip install poetry\n" in after and "POETRY_VERSION" not in after
    from_line = head.count("\n")
    warnings = [w for w in outcome_of(TRANSFORM, text).warnings if w.message.startswith("Poetry left as installed")]
    assert [w.line for w in warnings] == [from_line + 1]
    assert f"line {from_line}" in warnings[0].message


@pytest.mark.parametrize(
    ("base", "pinned"),
    [
        pytest.param("python:3.12", "1.8.5", id="get-poetry-stays-1.x"),
        pytest.param("python:3.7", "1.5.1", id="and-on-3.7"),
    ],
)
def test_legacy_installer_stays_within_poetry_1(base, pinned):
    text = (
        f"FROM {base}\n"
        "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/get-poetry.py | python\n"
        "RUN poetry install --no-dev\n" + RUN_APP
    )
    assert f"ENV POETRY_VERSION={pinned} " in run_twice(TRANSFORM, text)


@pytest.mark.parametrize(
    "pin",
    [
        pytest.param("RUN pip install poetry==1.1.13\n", id="pip-pin"),
        pytest.param(
            "ENV POETRY_VERSION=1.1.13\nRUN curl -sSL https://install.python-poetry.org | python -\n", id="env-pin"
        ),
    ],
)
def test_an_explicit_pin_is_kept(pin):
    text = "FROM python:3.11\n" + pin + "RUN poetry install --no-dev\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert "POETRY_VERSION=1.1.13" in after and "2.2.1" not in after
    assert "--no-dev" in after and "--compile" not in after


def test_an_explicit_poetry_version_the_python_cannot_run_is_pinned_with_a_warning():
    settings = Settings(poetry_version="2.2.1", poetry_version_explicit=True)
    text = "FROM python:3.8\nRUN pip install poetry==1.1.13\nRUN poetry install\n" + RUN_APP
    assert "POETRY_VERSION=2.2.1" in run_twice(TRANSFORM, text, settings=settings)
    warnings = outcome_of(TRANSFORM, text, settings=settings).warnings
    assert [(w.line, "needs Python >= 3.9; line 1 gives Python 3.8" in w.message) for w in warnings] == [(2, True)]


def test_a_system_install_on_a_base_image_s_command_gets_poetry_its_own_venv():
    text = (
        "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.9\n"
        "ENV POETRY_VERSION=1.8.3 POETRY_NO_INTERACTION=1\n"
        'RUN pip install "poetry==$POETRY_VERSION" && poetry config virtualenvs.create false\n'
        "COPY ./pyproject.toml ./poetry.lock* /app/\n"
        "RUN poetry install --no-root --without dev\n"
    )
    assert run_twice(TRANSFORM, text) == (
        "FROM tiangolo/uvicorn-gunicorn-fastapi:python3.9\n"
        "ENV POETRY_VERSION=1.8.3 POETRY_NO_INTERACTION=1\n"
        "ENV POETRY_HOME=/opt/poetry \\\n"
        '    PATH="$PATH:/opt/poetry/venv/bin"\n'
        'RUN python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"'
        " && poetry config virtualenvs.create false\n"
        "COPY ./pyproject.toml ./poetry.lock* /app/\n"
        "RUN poetry install --no-root --without dev --compile\n"
    )
    messages = [w.message for w in outcome_of(TRANSFORM, text).warnings]
    assert any(
        m.startswith("virtualenvs.create false kept: the image's command comes from the base image") for m in messages
    )
    assert not any("POETRY_VIRTUALENVS_IN_PROJECT" in m for m in messages)


SYSTEM_INSTALL = (
    "FROM python:3.11-slim\n"
    "RUN pip install poetry{pin}\n"
    "WORKDIR /srv\n"
    "COPY . .\n"
    "RUN poetry config virtualenvs.create false && poetry install --only main\n"
    'CMD ["python", "app.py"]\n'
)
LOCK = '[[package]]\nname = "{name}"\nversion = "1.0"\ngroups = ["main"]\n'


def _project(tmp_path, imports: str, locked: tuple[str, ...]):
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "svc"\nversion = "0.1.0"\npackage-mode = false\n')
    (tmp_path / "poetry.lock").write_text("\n".join(LOCK.format(name=n) for n in locked))
    (tmp_path / "app.py").write_text("import os\n\n" + imports)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_app.py").write_text("import requests\n")  # tests do not run in the image
    return read_context(tmp_path)


@pytest.mark.parametrize(
    ("imports", "locked", "pin", "kept"),
    [
        pytest.param("import requests\n", ("bottle",), "", "app.py:3 imports requests", id="requests-beside-poetry"),
        pytest.param("from requests.auth import HTTPBasicAuth\n", ("requests",), "", None, id="requests-locked"),
        pytest.param("import pkg_resources\n", ("bottle",), "", "app.py:3 imports pkg_resources", id="pkg-resources"),
        pytest.param("import pkg_resources\n", ("setuptools",), "", None, id="setuptools-locked"),
        # Poetry 1.x seeds its venvs with setuptools, but the newest (82+) has no pkg_resources
        pytest.param(
            "import pkg_resources\n", ("bottle",), "==1.8.3", "app.py:3 imports pkg_resources", id="poetry-1-venv"
        ),
        pytest.param("import yaml\n", ("pyyaml",), "", None, id="pyyaml-gives-yaml"),
    ],
)
def test_a_system_install_stays_when_the_code_imports_what_only_the_system_has(tmp_path, imports, locked, pin, kept):
    project = _project(tmp_path, imports, locked)
    text = SYSTEM_INSTALL.format(pin=pin)
    after = run_twice(TRANSFORM, text, project)
    warnings = [w for w in outcome_of(TRANSFORM, text, project).warnings if w.message.startswith("virtualenvs.create")]
    if kept is None:
        assert "virtualenvs.create false" not in after and warnings == []
        assert 'ENV PATH="/srv/.venv/bin:$PATH"' in after
    else:
        assert "POETRY_VIRTUALENVS_CREATE=false" in after and "/srv/.venv" not in after
        assert "RUN poetry install --only main --compile\n" in after  # one setting, not a config per install
        assert [w.line for w in warnings] == [5]
        assert kept in warnings[0].message and "`poetry add " in warnings[0].message
        assert "POETRY_VIRTUALENVS_IN_PROJECT" not in after
        # Poetry gets a venv of its own, unless that would take the import away from the app
        assert ("/opt/poetry/venv/bin/pip install" in after) == (kept != "app.py:3 imports requests")


def test_poetry_installed_with_its_curl_installer_brings_no_requests(tmp_path):
    project = _project(tmp_path, "import requests\n", ("bottle",))
    text = SYSTEM_INSTALL.replace(
        "RUN pip install poetry{pin}", "RUN curl -sSL https://install.python-poetry.org | python3 -"
    )
    assert "virtualenvs.create false" not in run_twice(TRANSFORM, text, project)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "FROM python:3.8-slim\n"
            "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/get-poetry.py | python\n"
            'ENV PATH="${PATH}:/root/.poetry/bin"\n'
            "RUN . $HOME/.poetry/env && poetry install --no-dev\n" + RUN_APP,
            "FROM python:3.8-slim\n"
            + ENV_BLOCK.replace("2.2.1", "1.8.5")
            + 'RUN pip install "poetry==$POETRY_VERSION"\n'
            "RUN poetry install --only main --compile\n" + RUN_APP,
            id="get-poetry-path-and-source",
        ),
        pytest.param(
            "FROM python:3.10\n"
            "ENV POETRY_HOME=/opt/poetry PATH=/opt/poetry/bin:/usr/local/bin:$PATH\n"
            "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/install-poetry.py | python -\n"
            "RUN ln -s /opt/poetry/bin/poetry /usr/local/bin/poetry && poetry --version\n"
            "RUN poetry install\n" + RUN_APP,
            "FROM python:3.10\n"
            "ENV PATH=/usr/local/bin:$PATH\n"
            + ENV_BLOCK.replace("2.2.1", "1.8.5")
            + 'RUN pip install "poetry==$POETRY_VERSION"\n'
            "RUN poetry --version\n"
            "RUN poetry install --compile\n" + RUN_APP,
            id="install-poetry-home-link",
        ),
        pytest.param(
            # A real app: POETRY_HOME only told the curl installer where to go.
            "FROM python:3.11\n"
            'ENV POETRY_HOME="/usr/local"\n'
            "RUN curl -sSL https://install.python-poetry.org | POETRY_HOME=/usr/local python3 -\n"
            "RUN poetry install\n" + RUN_APP,
            "FROM python:3.11\n" + ENV_BLOCK + 'RUN pip install "poetry==$POETRY_VERSION"\n'
            "RUN poetry install --compile\n" + RUN_APP,
            id="curl-installer-poetry-home",
        ),
        pytest.param(
            "FROM python:3.12-slim\n"
            "RUN pip install pipx && pipx install poetry\n"
            'ENV PATH="/root/.local/bin:${PATH}"\n'
            "RUN poetry install\n" + RUN_APP,
            "FROM python:3.12-slim\n" + ENV_BLOCK + 'RUN pip install pipx && pipx install "poetry==$POETRY_VERSION"\n'
            'ENV PATH="/root/.local/bin:${PATH}"\n'
            "RUN poetry install --compile\n" + RUN_APP,
            id="pipx-kept-for-its-path-entry",
        ),
    ],
)
def test_installer_swaps_leave_nothing_behind(before, after):
    assert run_twice(TRANSFORM, before) == after


def test_never_pip_installs_into_an_externally_managed_python():
    text = (
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y python3 python3-venv python3-pip\n"
        "RUN pip3 install --break-system-packages poetry\n"
        "WORKDIR /app\nCOPY . .\nRUN poetry install --only main\n" + RUN_APP
    )
    after = run_twice(TRANSFORM, text)
    assert (
        'RUN python3 -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"\n' in after
    )
    assert 'PATH="$PATH:/opt/poetry/venv/bin"' in after and "--break-system-packages" not in after


@pytest.mark.parametrize(
    ("install", "kept"),
    [
        pytest.param("RUN pipx install poetry\n", 'RUN pipx install "poetry==$POETRY_VERSION"\n', id="pipx"),
        pytest.param(
            "RUN curl -sSL https://install.python-poetry.org | python3 -\n",
            "RUN curl -sSL https://install.python-poetry.org | python3 -\n",
            id="official-installer",
        ),
    ],
)
def test_installers_that_make_their_own_venv_stay_on_a_distribution_s_python(install, kept):
    text = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3 python3-venv pipx curl\n" + install
    text += "WORKDIR /app\nCOPY . .\nRUN poetry install --only main\n" + RUN_APP
    after = run_twice(TRANSFORM, text)
    assert kept in after and "POETRY_VERSION=2.2.1" in after and 'pip install "poetry' not in after


def test_the_installer_s_path_later_in_its_own_run_keeps_the_installer():
    # A real devcontainer: pip would put Poetry in /usr/local/bin, and the build would fail on this path.
    text = (
        "FROM python:3.10\n"
        "RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.1.13 \\\n"
        "&& /root/.local/bin/poetry config virtualenvs.in-project true\n"
    )
    # Its own --version pins it: no POETRY_VERSION beside it. POETRY_NO_INTERACTION alone is no
    # change worth a pull request (sthorsten): the file stays as it is, with a warning saying so.
    assert run_twice(TRANSFORM, text) == text
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.changes == ()
    assert [(w.line, w.message.split(":")[0]) for w in outcome.warnings] == [(2, "POETRY_NO_INTERACTION not added")]


def test_a_legacy_installer_s_link_in_its_own_run_goes_with_it():
    # A real app: `ln -s /opt/poetry/bin/poetry` left behind would make a dangling /usr/local/bin/poetry.
    text = (
        "FROM python:3.8\n"
        "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/get-poetry.py | POETRY_HOME=/opt/poetry python && \\\n"
        "  cd /usr/local/bin && \\\n"
        "  ln -s /opt/poetry/bin/poetry && \\\n"
        "  poetry install\n" + RUN_APP
    )
    after = run_twice(TRANSFORM, text)
    assert "ln -s" not in after and "/opt/poetry/bin" not in after
    assert (
        'pip install "poetry==$POETRY_VERSION" && \\\n  cd /usr/local/bin && \\\n  poetry install --compile\n' in after
    )
    changes = [c.message for c in outcome_of(TRANSFORM, text).changes if c.line == 2]
    assert any(m.startswith("`ln -s /opt/poetry/bin/poetry` removed") for m in changes)


@pytest.mark.parametrize(
    ("later", "in_project"),
    [
        pytest.param("", False, id="dev-shell-installs-nothing"),
        pytest.param("FROM 0 AS app\nCOPY . .\nRUN poetry install\n", True, id="a-child-stage-installs"),
    ],
)
def test_in_project_venv_only_where_poetry_installs(later, in_project):
    # A real dev-shell image: the setting would only move the developer's own venv into their checkout.
    text = (
        "FROM python:3.8.2\nWORKDIR /repo\nRUN pip install --upgrade pip && pip install pipx && pipx install poetry\n"
    )
    after = run_twice(TRANSFORM, text + later)
    assert ("POETRY_VIRTUALENVS_IN_PROJECT" in after) is in_project
    assert not any("IN_PROJECT" in w.message for w in outcome_of(TRANSFORM, text + later).warnings)


def test_export_to_the_workdir_then_pip_by_absolute_path_is_the_same_file():
    # A real bot: `--output requirements.txt` under WORKDIR /code, then `pip install -r /code/requirements.txt`.
    text = (
        "FROM python:3.11\nWORKDIR /code\nRUN pip install poetry\nCOPY pyproject.toml poetry.lock /code/\n"
        "RUN poetry export -f requirements.txt --output requirements.txt --without-hashes\n"
        "RUN pip install -r /code/requirements.txt\nCOPY . /code\n" + RUN_APP
    )
    after = run_twice(TRANSFORM, text)
    assert "RUN poetry install --no-root --only main --compile\n" in after and "pip install -r" not in after
    changes = [c.message for c in outcome_of(TRANSFORM, text).changes if c.line == 5]
    assert any("Poetry 2 needs a plugin to export, the venv carries the packages" in m for m in changes)


def test_export_installed_with_pip_target_is_left_with_its_reason():
    # A real GitHub action: `pip install --target=/app` puts the packages where a later stage copies them.
    text = (
        "FROM python:3.8-slim AS builder\nADD src /app\nRUN pip3 install poetry\n"
        "COPY poetry.lock pyproject.toml ./\n"
        "RUN poetry export -f requirements.txt --output /requirements.txt --without-hashes\n"
        "RUN pip3 install --target=/app -r /requirements.txt --upgrade\n"
        "FROM python:3.8-buster\nCOPY --from=builder /app /app\n" + RUN_APP
    )
    after = run_twice(TRANSFORM, text)
    assert "poetry export" in after and "pip3 install --target=/app -r /requirements.txt" in after
    assert "poetry-plugin-export" not in after  # Poetry 1.8.5 on Python 3.8 exports without it
    warnings = [w.message for w in outcome_of(TRANSFORM, text).warnings if w.line == 5]
    assert warnings == [
        "poetry export left alone: line 6 installs its requirements with --target=/app, which poetry install cannot do"
    ]


def test_export_replaced_under_poetry_1_does_not_blame_poetry_2():
    text = (
        "FROM python:3.8\nWORKDIR /app\nRUN pip install poetry\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry export -o req.txt && pip install -r req.txt\nCOPY . .\n" + RUN_APP
    )
    messages = [c.message for c in outcome_of(TRANSFORM, text).changes if "poetry export" in c.message]
    assert messages == [
        "poetry export + pip install -r -> poetry install --no-root: one step installs the same locked packages, "
        "the venv carries the packages"
    ]


def test_the_export_plugin_is_said_where_it_is_installed():
    text = "FROM python:3.11\nRUN pip install poetry\nRUN poetry export -o requirements.txt\nCMD cat requirements.txt\n"
    assert "poetry-plugin-export" in run_twice(TRANSFORM, text)
    notes = [c for c in outcome_of(TRANSFORM, text).changes if "poetry-plugin-export" in c.message]
    assert [(c.line, c.message) for c in notes] == [
        (
            2,
            "poetry-plugin-export installed beside Poetry: Poetry 2.2.1 has no `poetry export` of its own, which line 3 runs",
        )
    ]


def test_a_devcontainer_keeps_its_system_install(tmp_path):
    """A dev container's editor and postCreateCommand use the system Python: no venv there (KatlehoJordan)."""
    (tmp_path / ".devcontainer").mkdir()
    (tmp_path / ".devcontainer" / "devcontainer.json").write_text('{"build": {"dockerfile": "../Dockerfile"}}\n')
    project = read_context(tmp_path)
    after = run_twice(TRANSFORM, SYSTEM_INSTALL.format(pin=""), project)
    assert "POETRY_VIRTUALENVS_CREATE=false" in after and "/srv/.venv" not in after
    assert "POETRY_VIRTUALENVS_IN_PROJECT" not in after
    warnings = list(outcome_of(TRANSFORM, SYSTEM_INSTALL.format(pin=""), project).warnings)
    assert [(w.line, w.message.split(":", 1)[0]) for w in warnings] == [(5, "virtualenvs.create false kept")]
    assert "devcontainer.json builds this image as a dev container" in warnings[0].message
    # without the devcontainer.json the same file moves into a venv
    assert "/srv/.venv" in run_twice(TRANSFORM, SYSTEM_INSTALL.format(pin=""), read_context(tmp_path / ".devcontainer"))


VENV_INSTALL = (
    "FROM {image}\n"
    "WORKDIR /usr/src/app\n"
    "COPY pyproject.toml poetry.lock ./\n"
    "RUN pip3 install {poetry}\n"
    "{env}"
    "RUN poetry install --no-root\n"
    'CMD ["poetry", "run", "python", "bot.py"]\n'
)
POETRY_1_LOCK = '[[package]]\nname = "{name}"\nversion = "1.0"\n\n[metadata]\nlock-version = "1.1"\n'
POETRY_2_LOCK = "# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.\n" + (
    POETRY_1_LOCK.replace('"1.1"', '"2.1"')
)


@pytest.mark.parametrize(
    ("image", "poetry", "env", "lock", "locked", "seeded"),
    [
        pytest.param("python:3.10-slim", "poetry", "", POETRY_1_LOCK, "nextcord", True, id="poetry-1-lock"),
        pytest.param("python:3.10-slim", "poetry", "", POETRY_2_LOCK, "nextcord", False, id="poetry-2-lock"),
        pytest.param("python:3.12-slim", "poetry", "", POETRY_1_LOCK, "nextcord", False, id="python-3-12"),
        pytest.param("python:3.10-slim", "poetry", "", POETRY_1_LOCK, "setuptools", False, id="setuptools-locked"),
        pytest.param("python:3.10-slim", "poetry==1.8.3", "", POETRY_1_LOCK, "nextcord", False, id="poetry-1-pinned"),
        pytest.param("ubuntu:22.04", "poetry", "", POETRY_1_LOCK, "nextcord", False, id="not-an-official-python"),
        pytest.param(
            "python:3.10-slim",
            "poetry",
            "ENV POETRY_VIRTUALENVS_IN_PROJECT=false\n",
            POETRY_1_LOCK,
            "nextcord",
            "warn",
            id="venv-outside-the-project",
        ),
    ],
)
def test_a_poetry_2_venv_keeps_the_setuptools_the_original_s_era_had(
    tmp_path, image, poetry, env, lock, locked, seeded
):
    """Hoon9901: Poetry 1.1 wrote the lock and seeded its venvs with setuptools; nextcord imports pkg_resources."""
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "rss-bot"\nversion = "0.1.0"\n')
    (tmp_path / "poetry.lock").write_text(lock.format(name=locked))
    project = read_context(tmp_path)
    text = VENV_INSTALL.format(image=image, poetry=poetry, env=env)
    after = run_twice(TRANSFORM, text, project)
    outcome = outcome_of(TRANSFORM, text, project)
    notes = [n for n in (*outcome.changes, *outcome.warnings) if "without setuptools" in n.message]
    if seeded is True:
        assert "RUN python -m venv /usr/src/app/.venv\nRUN poetry install --no-root --compile\n" in after
        assert [(n.line, n in outcome.changes) for n in notes] == [(5, True)]
        assert "the Poetry 1.x that wrote poetry.lock seeded every venv with it on Python 3.10" in notes[0].message
    else:
        assert "-m venv" not in after
        assert [(n.line, n in outcome.warnings) for n in notes] == ([(6, True)] if seeded == "warn" else [])


def test_the_seeded_venv_is_made_after_poetry_when_one_run_installs_both(tmp_path):
    """FIUBER-Notification-PIN: `pip3 install poetry && poetry install` in one RUN. A venv made
    before that RUN is first on PATH, so pip3 put Poetry into the app's venv, the lock downgraded
    Poetry's own dependencies, and the next `poetry` call died. The venv is made inside the RUN."""
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "pin"\nversion = "0.1.0"\n')
    (tmp_path / "poetry.lock").write_text(POETRY_1_LOCK.format(name="fastapi"))
    project = read_context(tmp_path)
    text = VENV_INSTALL.format(image="python:3.10", poetry="poetry", env="").replace(
        "RUN pip3 install poetry\nRUN poetry install --no-root\n",
        "RUN pip3 install poetry && poetry install --no-root\n",
    )
    after = run_twice(TRANSFORM, text, project)
    run = next(line for line in after.splitlines() if "poetry install" in line)
    assert run.index("pip3 install") < run.index("python -m venv /usr/src/app/.venv") < run.index("poetry install")
    assert "RUN python -m venv" not in after


def test_a_system_install_moved_into_a_poetry_2_venv_keeps_setuptools(tmp_path):
    project = _project(tmp_path, "import bottle\n", ("bottle",))
    after = run_twice(TRANSFORM, SYSTEM_INSTALL.format(pin=""), project)
    assert "RUN python -m venv /srv/.venv\nRUN poetry install --only main --compile\n" in after


@pytest.mark.parametrize(
    ("image", "create_false", "warned"),
    [
        pytest.param("python:3.9", "", "and the venv then runs that Python; use python:3.11 on line 1", id="venv"),
        pytest.param(
            "python:3.9",
            "poetry config virtualenvs.create false && ",
            "with virtualenvs.create false installs into Python 3.9 anyway; use python:3.11 on line 1",
            id="system",
        ),
        pytest.param("python:3.11", "", None, id="allowed"),
    ],
)
def test_a_full_image_outside_the_python_constraint_is_named(tmp_path, image, create_false, warned):
    """DucNgn, KVarman: preflight cannot refuse a full image (Debian's python3 may be there); MIG001 warns."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'
    )
    (tmp_path / "poetry.lock").write_text(POETRY_1_LOCK.format(name="fastapi"))
    project = read_context(tmp_path)
    text = (
        f"FROM {image}\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\n"
        # A program by its system path keeps a system install there.
        f"RUN {create_false}poetry install --no-root\nCMD {'/usr/local/bin/' if create_false else ''}python -m app\n"
    )
    after = run_twice(TRANSFORM, text, project)
    warnings = [w for w in outcome_of(TRANSFORM, text, project).warnings if "excludes" in w.message]
    if warned is None:
        assert warnings == []
    else:
        assert [w.line for w in warnings] == [5]
        assert warnings[0].message.startswith(
            f'{image} (line 1) runs Python 3.9, which pyproject.toml\'s python = "^3.11"'
        )
        assert warnings[0].message.endswith(warned)
        assert "-m venv /app/.venv" not in after  # Poetry would refuse a venv of the excluded Python


def test_a_cd_that_only_served_the_removed_link_goes_too():
    """Ariulis: `cd /usr/local/bin && ln -s /opt/poetry/bin/poetry && poetry config ...`; a `cd` before a
    command that depends on the folder (`poetry install`) stays (the test above)."""
    text = (
        "FROM python:3.8\n"
        "RUN curl -sSL https://raw.githubusercontent.com/python-poetry/poetry/master/get-poetry.py | POETRY_HOME=/opt/poetry python && \\\n"
        "  cd /usr/local/bin && \\\n"
        "  ln -s /opt/poetry/bin/poetry && \\\n"
        "  poetry config virtualenvs.create false\n"
    )
    after = run_twice(TRANSFORM, text)
    assert 'pip install "poetry==$POETRY_VERSION" && \\\n  poetry config virtualenvs.create false\n' in after
    changes = [c.message for c in outcome_of(TRANSFORM, text).changes if c.line == 2]
    assert "`cd /usr/local/bin` removed: it only served the removed `ln -s`" in changes


def test_a_stage_built_from_this_one_is_named_as_the_reason_to_keep_create_false():
    # jormondroyd27: `FROM base as development` (a FROM is no instruction of its stage's list).
    text = (
        "FROM python:3.9-buster as base\nWORKDIR /app\nRUN pip install poetry\nCOPY . /app/\n"
        "RUN poetry config virtualenvs.create false && poetry install\n"
        'FROM base as production\nCMD ["sh", "/app/gunicorn.sh"]\n'
    )
    run_twice(TRANSFORM, text)
    kept = [w for w in outcome_of(TRANSFORM, text).warnings if w.message.startswith("virtualenvs.create false kept")]
    assert [(w.line, w.message.split(": ", 1)[1]) for w in kept] == [
        (5, "line 6 builds on this stage, whose system Python then holds the packages")
    ]


@pytest.mark.parametrize("install", ["cd /srv/api && poetry install --no-root", "poetry install -C api --no-root"])
def test_no_setuptools_venv_where_the_project_is_not_in_workdir(tmp_path, install):
    """The in-project venv would be api/.venv: a venv made in WORKDIR would seed nothing Poetry uses."""
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "rss-bot"\nversion = "0.1.0"\n')
    (tmp_path / "poetry.lock").write_text(POETRY_1_LOCK.format(name="nextcord"))
    text = VENV_INSTALL.format(image="python:3.10-slim", poetry="poetry", env="").replace(
        "RUN poetry install --no-root", f"RUN {install}"
    )
    assert "-m venv" not in run_twice(TRANSFORM, text, read_context(tmp_path))


@pytest.mark.parametrize("command", ["poetry update", "poetry add requests", "poetry remove black"])
def test_create_false_stays_for_poetry_commands_that_install_besides_install(command):
    # k-ibaraki: `RUN poetry update` after `poetry config virtualenvs.create false`; removing the
    # config sent the packages to a venv under /root/.cache that the app's start script never used.
    text = (
        "FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install poetry\n"
        f'RUN poetry config virtualenvs.create false\nRUN {command}\nCMD ["python", "main.py"]\n'
    )
    result = run_twice(TRANSFORM, text)
    assert "RUN poetry config virtualenvs.create false\n" in result
    kept = [w for w in outcome_of(TRANSFORM, text).warnings if w.message.startswith("virtualenvs.create false kept")]
    subcommand = command.split()[1]
    assert [(w.line, w.message.split(": ", 1)[1]) for w in kept] == [
        (5, f"line 6 runs `poetry {subcommand}`, which installs where virtualenvs.create says")
    ]


@pytest.mark.parametrize(
    ("head", "written", "repaired"),
    [
        pytest.param('RUN pip install "poetry==1.1.3"\n', "ENV POETRY_VERSION=1.1.15", True, id="pip-pin"),
        pytest.param(
            'ENV POETRY_VERSION=1.1.4\nRUN pip install "poetry==$POETRY_VERSION"\n',
            "ENV POETRY_VERSION=1.1.15\n",
            True,
            id="env-pin",
        ),
        pytest.param('RUN pip install "poetry==1.1.5"\n', "ENV POETRY_VERSION=1.1.5", False, id="bounded-core"),
        pytest.param('RUN pip install "poetry==1.0.10"\n', "ENV POETRY_VERSION=1.0.10", False, id="no-core-yet"),
    ],
)
def test_a_pin_pip_can_no_longer_install_working_moves_to_its_minor_line_s_last_release(head, written, repaired):
    """django_Liis pinned poetry==1.1.3: pip pairs it with poetry-core 1.9 today and `poetry` dies
    at start (ImportError), so neither the original nor a kept pin builds."""
    text = (
        "FROM python:3.9-slim\n" + head + "WORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry install --no-dev\n"
    )
    after = run_twice(TRANSFORM, text)
    assert written in after
    notes = [c.message for c in outcome_of(TRANSFORM, text).changes if "poetry-core 1.9" in c.message]
    assert bool(notes) is repaired


def test_the_legacy_env_form_turns_venvs_off_as_poetry_reads_it():
    """`ENV POETRY_VIRTUALENVS_CREATE = false` sets the value "= false", which Poetry reads as false
    (anything but true/1): module24's was missed, and the file was told of a venv it never had."""
    text = (
        "FROM python:3.11\nWORKDIR /app\nENV POETRY_VIRTUALENVS_CREATE = false\nRUN pip install poetry==1.8.3\n"
        'COPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\nCOPY . .\nCMD ["python", "main.py"]\n'
    )
    after = run_twice(TRANSFORM, text)
    assert "POETRY_VIRTUALENVS_CREATE" not in after and "POETRY_VIRTUALENVS_IN_PROJECT=true" in after
    changed = [c.message for c in outcome_of(TRANSFORM, text).changes]
    assert any(m.startswith("POETRY_VIRTUALENVS_CREATE=false removed") for m in changed)


def test_create_false_stays_where_the_image_s_python_is_outside_the_constraint(tmp_path):
    """Poetry installs into an excluded system Python, but refuses to make a venv of it."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n'
    )
    (tmp_path / "poetry.lock").write_text('[metadata]\nlock-version = "2.0"\n')
    text = (
        "FROM python:3.9-slim\nWORKDIR /app\nRUN pip install poetry==1.8.3\nCOPY pyproject.toml poetry.lock ./\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-root\nCOPY . .\n"
        'CMD ["python", "main.py"]\n'
    )
    project = read_context(tmp_path)
    after = run_twice(TRANSFORM, text, project)
    assert "POETRY_VIRTUALENVS_CREATE=false" in after and "POETRY_VIRTUALENVS_IN_PROJECT" not in after
    warned = [w.message for w in outcome_of(TRANSFORM, text, project).warnings]
    assert any("would refuse to make a venv of it" in w for w in warned), warned
