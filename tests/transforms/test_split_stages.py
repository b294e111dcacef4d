from pathlib import Path

import dockerfile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analysis import expanded_base_image, poetry_installs, venv_dir
from migrator.contract import runtime_contract
from migrator.model import parse
from migrator.project import ProjectContext, read_context
from migrator.transforms.split_stages import TRANSFORM
from tests.support import outcome_of, run_pipeline, run_twice

# What MIG001 and MIG002 leave behind: Poetry pinned, in-project venv, manifests first.
POETRY = """\
ENV POETRY_VERSION=2.2.1 \\
    POETRY_NO_INTERACTION=1 \\
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY . .
RUN poetry install --only main
"""

RUNTIME_APP = """\
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
COPY --from=build /app /app
"""

CANONICAL_BEFORE = (
    """\
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
"""
    + POETRY
    + """\
EXPOSE 8000
CMD ["poetry", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""
)

CANONICAL_AFTER = (
    """\
FROM python:3.11-slim AS build
ENV PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
"""
    + POETRY
    + """\

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
"""
    + RUNTIME_APP
    + """\
EXPOSE 8000
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""
)

SIMPLE_BEFORE = "FROM python:3.11-slim\n" + POETRY + 'EXPOSE 8000\nCMD ["python", "-m", "svc"]\n'
SIMPLE_AFTER = (
    "FROM python:3.11-slim AS build\n"
    + POETRY
    + "\nFROM python:3.11-slim AS runtime\n"
    + RUNTIME_APP
    + 'EXPOSE 8000\nCMD ["python", "-m", "svc"]\n'
)

# Shaped like depot.dev's Poetry recipe: already two stages, the venv copied twice.
DEPOT_RECIPE = """\
# syntax=docker/dockerfile:1
FROM python:3.13-slim AS build
ENV POETRY_VERSION=2.2.1 \\
    PYTHONUNBUFFERED=1 \\
    POETRY_HOME="/opt/poetry" \\
    POETRY_VIRTUALENVS_IN_PROJECT=true \\
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache pip install "poetry==$POETRY_VERSION"
WORKDIR /opt/pysetup
COPY poetry.lock pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root
COPY . .

FROM python:3.13-slim AS runtime
ENV PATH="/opt/pysetup/.venv/bin:$PATH"
RUN groupadd -g 1001 appgroup && \\
    useradd -u 1001 -g appgroup -m -s /bin/false appuser
WORKDIR /app
COPY --from=build --chown=appuser:appgroup /opt/pysetup/.venv /opt/pysetup/.venv
COPY --from=build --chown=appuser:appgroup /opt/pysetup/ /opt/pysetup/
USER appuser
ENTRYPOINT ["/opt/pysetup/.venv/bin/uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""

UNCHANGED = [
    pytest.param(
        'FROM python:3.11-slim\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n', id="no-poetry"
    ),
    pytest.param(CANONICAL_AFTER, id="already-split"),
    pytest.param(
        "FROM python:3.11 AS build\n" + POETRY + 'FROM python:3.11-slim\nCOPY --from=build /app /app\nCMD ["python"]\n',
        id="multi-stage-never-re-split",
    ),
    pytest.param("FROM python:3.11-slim\n", id="nothing-to-do"),
]

PAIRS = [
    pytest.param(CANONICAL_BEFORE, CANONICAL_AFTER, id="design-canonical"),
    pytest.param(SIMPLE_BEFORE.replace("\n", "\r\n"), SIMPLE_AFTER.replace("\n", "\r\n"), id="crlf"),
    pytest.param(SIMPLE_BEFORE.rstrip("\n"), SIMPLE_AFTER.rstrip("\n"), id="no-final-newline"),
    pytest.param(
        "FROM python:3.11-slim\n"
        + POETRY
        + "\n# the API\n# on 8000\nEXPOSE 8000\n\n# start it\nCMD poetry run uvicorn app.main:app\n",
        "FROM python:3.11-slim AS build\n"
        + POETRY
        + "\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + "# the API\n# on 8000\nEXPOSE 8000\n# start it\nCMD uvicorn app.main:app\n",
        id="comments-above-cmd-move-with-it",
    ),
    pytest.param(
        "from python:3.11-slim\nenv POETRY_VIRTUALENVS_IN_PROJECT=true\nrun pip install poetry==2.2.1\n"
        'workdir /app\ncopy . .\nrun poetry install --only main\ncmd ["poetry", "run", "python", "-m", "svc"]\n',
        "from python:3.11-slim as build\nenv POETRY_VIRTUALENVS_IN_PROJECT=true\nrun pip install poetry==2.2.1\n"
        "workdir /app\ncopy . .\nrun poetry install --only main\n\n"
        'from python:3.11-slim as runtime\nworkdir /app\nenv PATH="/app/.venv/bin:$PATH"\ncopy --from=build /app /app\n'
        'cmd ["python", "-m", "svc"]\n',
        id="lowercase-keywords",
    ),
    pytest.param(
        "ARG PY=3.11\nFROM python:${PY}-slim\nARG VERSION=1.0\n"
        + POETRY
        + 'LABEL org.opencontainers.image.version=$VERSION python=$PY\nCMD ["python", "-m", "svc"]\n',
        "ARG PY=3.11\nFROM python:${PY}-slim AS build\nARG VERSION=1.0\n"
        + POETRY
        + "\nFROM python:${PY}-slim AS runtime\nARG VERSION=1.0\nARG PY\n"
        + RUNTIME_APP
        + 'LABEL org.opencontainers.image.version=$VERSION python=$PY\nCMD ["python", "-m", "svc"]\n',
        id="arg-before-from-and-stage-arg",
    ),
    pytest.param(
        "FROM --platform=$BUILDPLATFORM python:3.12-slim-bookworm\n" + POETRY + 'CMD ["python", "-m", "svc"]\n',
        "FROM --platform=$BUILDPLATFORM python:3.12-slim-bookworm AS build\n"
        + POETRY
        + "\nFROM --platform=$BUILDPLATFORM python:3.12-slim-bookworm AS runtime\n"
        + RUNTIME_APP
        + 'CMD ["python", "-m", "svc"]\n',
        id="platform-kept",
    ),
    pytest.param(
        "FROM python:3.11-alpine\nRUN apk add --no-cache build-base postgresql-dev libffi-dev tzdata\n"
        + POETRY
        + 'CMD ["gunicorn", "app:app"]\n',
        "FROM python:3.11-alpine AS build\nRUN apk add --no-cache build-base postgresql-dev libffi-dev tzdata\n"
        + POETRY
        + "\nFROM python:3.11-alpine AS runtime\nRUN apk add --no-cache libpq libffi tzdata\n"
        + RUNTIME_APP
        + 'CMD ["gunicorn", "app:app"]\n',
        id="alpine",
    ),
    pytest.param(
        "FROM python:3.11-slim-bookworm\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n"
        "        # compilers for psycopg\n        gcc \\\n        libpq-dev \\\n        libssl-dev \\\n"
        "        ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n" + POETRY + 'CMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim-bookworm AS build\nRUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n"
        "        # compilers for psycopg\n        gcc \\\n        libpq-dev \\\n        libssl-dev \\\n"
        "        ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n"
        + POETRY
        + "\nFROM python:3.11-slim-bookworm AS runtime\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libssl3 ca-certificates && rm -rf /var/lib/apt/lists/*\n"
        + RUNTIME_APP
        + 'CMD ["python", "-m", "svc"]\n',
        id="apt-with-continuations",
    ),
    pytest.param(
        "FROM python:3.11-slim\n" + POETRY + "COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        'RUN chmod +x /usr/local/bin/entrypoint.sh\nENTRYPOINT ["entrypoint.sh"]\nCMD ["serve"]\n',
        "FROM python:3.11-slim AS build\n" + POETRY + "COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh\n"
        "RUN chmod +x /usr/local/bin/entrypoint.sh\n\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + "COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh\nRUN chmod +x /usr/local/bin/entrypoint.sh\n"
        'ENTRYPOINT ["entrypoint.sh"]\nCMD ["serve"]\n',
        id="entrypoint-script-outside-project",
    ),
    pytest.param(
        "FROM python:3.11-slim\n"
        + POETRY
        + 'WORKDIR /etc/svc\nCOPY conf/svc.toml .\nWORKDIR /app\nCMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS build\n" + POETRY + "WORKDIR /etc/svc\nCOPY conf/svc.toml .\nWORKDIR /app\n"
        "\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + 'COPY conf/svc.toml /etc/svc/\nCMD ["python", "-m", "svc"]\n',
        id="relative-copy-outside-project-made-absolute",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        + POETRY
        + "HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/health || exit 1\n"
        'CMD ["poetry", "run", "uvicorn", "app.main:app"]\n',
        "FROM python:3.11-slim AS build\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n"
        + POETRY
        + "\nFROM python:3.11-slim AS runtime\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\n"
        + RUNTIME_APP
        + "HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/health || exit 1\n"
        'CMD ["uvicorn", "app.main:app"]\n',
        id="healthcheck-curl-installed-at-runtime",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl gcc\n"
        + POETRY
        + 'CMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS build\nRUN apt-get update && apt-get install -y curl gcc\n"
        + POETRY
        + "\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + 'CMD ["python", "-m", "svc"]\n',
        id="build-only-packages-no-runtime-run",
    ),
    pytest.param(
        "FROM python:3.11-slim AS base\n" + POETRY + 'CMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS base\n"
        + POETRY
        + "\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP.replace("--from=build", "--from=base")
        + 'CMD ["python", "-m", "svc"]\n',
        id="existing-stage-name-kept",
    ),
    pytest.param(
        'FROM python:3.11-slim\nENV VIRTUAL_ENV=/opt/venv \\\n    POETRY_HOME=/opt/poetry \\\n    PATH="/opt/poetry/bin:$PATH"\n'
        "RUN python -m venv $VIRTUAL_ENV\nRUN pip install poetry==2.2.1\nWORKDIR /srv\nCOPY . .\n"
        'RUN poetry install --only main\nCMD ["/opt/venv/bin/python", "-m", "svc"]\n',
        'FROM python:3.11-slim AS build\nENV VIRTUAL_ENV=/opt/venv \\\n    POETRY_HOME=/opt/poetry \\\n    PATH="/opt/poetry/bin:$PATH"\n'
        "RUN python -m venv $VIRTUAL_ENV\nRUN pip install poetry==2.2.1\nWORKDIR /srv\nCOPY . .\n"
        "RUN poetry install --only main\n\nFROM python:3.11-slim AS runtime\nENV VIRTUAL_ENV=/opt/venv\nWORKDIR /srv\n"
        'ENV PATH="/opt/venv/bin:$PATH"\nCOPY --from=build /srv /srv\nCOPY --from=build /opt/venv /opt/venv\n'
        'CMD ["/opt/venv/bin/python", "-m", "svc"]\n',
        id="venv-outside-project-copied-to-its-own-path",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV PYTHONUNBUFFERED=1 \\\n    PIP_NO_CACHE_DIR=1 \\\n    POETRY_HOME=/opt/poetry \\\n"
        '    APP_ENV=production\nENV PATH="$POETRY_HOME/bin:$PATH"\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\n'
        'RUN pip install poetry==2.2.1\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\nCMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS build\nENV PYTHONUNBUFFERED=1 \\\n    PIP_NO_CACHE_DIR=1 \\\n    POETRY_HOME=/opt/poetry \\\n"
        '    APP_ENV=production\nENV PATH="$POETRY_HOME/bin:$PATH"\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\n'
        "RUN pip install poetry==2.2.1\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n\n"
        "FROM python:3.11-slim AS runtime\nENV PYTHONUNBUFFERED=1 \\\n    APP_ENV=production\n"
        + RUNTIME_APP
        + 'CMD ["python", "-m", "svc"]\n',
        id="build-only-env-and-poetry-path-filtered",
    ),
    pytest.param(
        "FROM python:3.11-slim\n"
        + POETRY
        + 'RUN useradd --uid 1001 --create-home appuser\nUSER appuser\nCMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS build\n"
        + POETRY
        + "\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + 'RUN useradd --uid 1001 --create-home appuser\nUSER appuser\nCMD ["python", "-m", "svc"]\n',
        id="user-and-its-creation-move",
    ),
    pytest.param(
        "FROM python:3.11-slim\n" + POETRY + 'WORKDIR /app/src\nCMD ["python", "-m", "svc"]\n',
        "FROM python:3.11-slim AS build\n"
        + POETRY
        + "WORKDIR /app/src\n\nFROM python:3.11-slim AS runtime\n"
        + RUNTIME_APP
        + 'WORKDIR /app/src\nCMD ["python", "-m", "svc"]\n',
        id="final-workdir-kept",
    ),
    pytest.param(
        DEPOT_RECIPE,
        DEPOT_RECIPE.replace("COPY --from=build --chown=appuser:appgroup /opt/pysetup/.venv /opt/pysetup/.venv\n", ""),
        id="depot-recipe-venv-copied-once",
    ),
]

SKIPPED = [
    pytest.param(
        'FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nCOPY . .\nRUN poetry install\nCMD ["python"]\n',
        "runs in /",
        id="project-in-root",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN useradd -m app\nUSER app\nWORKDIR /home/app\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        'COPY . .\nRUN poetry install\nCMD ["python"]\n',
        "runs as USER app",
        id="non-root-install",
    ),
    pytest.param("FROM gcr.io/distroless/python3\n" + POETRY + 'CMD ["svc"]\n', "base image", id="distroless"),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
        'RUN poetry config virtualenvs.create false && poetry install\nCMD ["python", "-m", "svc"]\n',
        "Poetry installs into the system Python here (virtualenvs.create false)",
        id="system-install-venv-unknown",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
        'RUN poetry install\nCMD ["python", "-m", "svc"]\n',
        "where Poetry puts the venv",
        id="venv-unknown",
    ),
    pytest.param(
        "FROM python:3.11-slim\n" + POETRY + 'ENTRYPOINT ["sh", "-c", "poetry run alembic upgrade head && svc"]\n',
        "still runs Poetry",
        id="runtime-still-needs-poetry",
    ),
    pytest.param(
        "FROM python:3.11-slim\n" + POETRY + 'RUN pip install gunicorn\nCMD ["gunicorn", "app:app"]\n',
        "pip installs packages outside the venv",
        id="system-pip-package",
    ),
    pytest.param(
        'FROM python:3.11-slim\nENV APP=/app\nWORKDIR $APP\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nCOPY . .\nRUN poetry install\nCMD ["svc"]\n',
        "variable",
        id="workdir-variable",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert run_twice(TRANSFORM, text) == text


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_split(before, after):
    result = run_twice(TRANSFORM, before)
    assert result == after
    dockerfile.parse_string(result)
    assert runtime_contract(parse(result)).differences(runtime_contract(parse(before))) == []


@pytest.mark.parametrize(("text", "reason"), SKIPPED)
def test_skipped_with_a_warning(text, reason):
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    assert any(reason in w.message for w in outcome.warnings), outcome.warnings


def test_unrecognised_run_stays_in_build_with_a_warning_naming_its_line():
    text = "FROM python:3.11-slim\n" + POETRY + 'RUN python manage.py collectstatic --noinput\nCMD ["svc"]\n'
    result = run_twice(TRANSFORM, text)
    runtime = result.split("AS runtime")[1]
    assert "collectstatic" not in runtime
    assert [w.line for w in outcome_of(TRANSFORM, text).warnings] == [11]


def test_unknown_package_goes_to_runtime_with_a_warning():
    text = (
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc mystery-tool\n" + POETRY + 'CMD ["svc"]\n'
    )
    result = run_twice(TRANSFORM, text)
    assert "--no-install-recommends mystery-tool &&" in result
    assert any("mystery-tool" in w.message for w in outcome_of(TRANSFORM, text).warnings)


def test_guessed_debian_release_warns():
    text = "FROM python:3.13-slim\nRUN apt-get update && apt-get install -y libssl-dev\n" + POETRY + 'CMD ["svc"]\n'
    assert "libssl3t64" in run_twice(TRANSFORM, text)
    assert any("is a guess" in w.message for w in outcome_of(TRANSFORM, text).warnings)


def test_apk_virtual_group_deleted_later_is_not_installed_at_runtime():
    text = (
        "FROM python:3.11-alpine\nRUN apk add -t .build-deps gcc musl-dev curl-dev && apk add tini\n"
        + POETRY
        + 'RUN apk del .build-deps\nCMD ["svc"]\n'
    )
    assert "RUN apk add --no-cache tini\n" in run_twice(TRANSFORM, text)


@pytest.mark.parametrize(
    ("ignore", "warned"),
    [pytest.param((".git",), True, id="venv-not-ignored"), pytest.param((".venv",), False, id="venv-ignored")],
)
def test_dockerignore_without_venv_warns(ignore, warned, tmp_path: Path):
    project = ProjectContext(root=tmp_path, dockerignore=ignore)
    outcome = outcome_of(TRANSFORM, SIMPLE_BEFORE, project)
    assert [w.line for w in outcome.warnings if ".dockerignore" in w.message] == ([9] if warned else [])


def test_depot_recipe_change_note_says_why():
    (change,) = outcome_of(TRANSFORM, DEPOT_RECIPE).changes
    assert "twice" in change.message
    assert change.line == 19


@pytest.mark.parametrize("before", [CANONICAL_BEFORE, SIMPLE_BEFORE.replace("\n", "\r\n")], ids=["canonical", "crlf"])
def test_through_the_pipeline(before):
    result = run_pipeline(before)
    assert "AS runtime" in result
    dockerfile.parse_string(result)
    assert runtime_contract(parse(result)).cmd == runtime_contract(parse(before)).cmd


def test_comment_or_label_naming_poetry_does_not_stop_the_split():
    text = "FROM python:3.11-slim\n" + POETRY + 'LABEL built.with=poetry\n# was: poetry run svc\nCMD ["svc"]\n'
    assert "AS runtime" in run_twice(TRANSFORM, text)


def test_user_created_alongside_other_work_is_not_split():
    text = (
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y tini && useradd -u 1001 web\n"
        + POETRY
        + 'USER web\nCMD ["svc"]\n'
    )
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    assert [w.line for w in outcome.warnings] == [2]


@pytest.mark.parametrize(
    ("env", "runtime_env"),
    [
        pytest.param("ENV PATH /root/.local/bin:$PATH\n", "", id="legacy-poetry-path-dropped"),
        pytest.param(
            "ENV PATH /opt/tools/bin:/root/.local/bin:$PATH\n",
            'ENV PATH="/opt/tools/bin:$PATH"\n',
            id="legacy-path-filtered",
        ),
        pytest.param(
            'ENV TZ=UTC PATH="/opt/poetry/bin:/opt/tools/bin:$PATH"\n',
            'ENV TZ=UTC \\\n    PATH="/opt/tools/bin:$PATH"\n',
            id="path-filtered-in-multi-key",
        ),
    ],
)
def test_runtime_path(env, runtime_env):
    result = run_twice(TRANSFORM, "FROM python:3.11-slim\n" + env + POETRY + 'CMD ["svc"]\n')
    assert result.split("AS runtime\n")[1] == runtime_env + RUNTIME_APP + 'CMD ["svc"]\n'


def test_escape_directive_used_for_continuations():
    text = (
        "# escape=`\nFROM python:3.11-slim\nENV TZ=UTC POETRY_HOME=/opt/poetry LANG=C.UTF-8\n"
        + POETRY.replace("\\\n", "`\n")
        + 'CMD ["svc"]\n'
    )
    result = run_twice(TRANSFORM, text)
    assert "ENV TZ=UTC `\n    LANG=C.UTF-8\n" in result
    dockerfile.parse_string(result)


def test_exec_form_run_stays_in_build_with_a_warning():
    text = "FROM python:3.11-slim\n" + POETRY + 'RUN ["python", "-m", "compileall", "/usr/lib"]\nCMD ["svc"]\n'
    assert [w.line for w in outcome_of(TRANSFORM, text).warnings] == [11]


def test_apt_purged_packages_and_apt_get_option_order():
    text = (
        "FROM python:3.11-slim\nRUN apt-get -y install --no-install-recommends libxml2-dev tini "
        "&& apt-get purge -y tini\n" + POETRY + 'CMD ["svc"]\n'
    )
    assert "--no-install-recommends libxml2 &&" in run_twice(TRANSFORM, text)


def test_single_stage_already_named_runtime_gets_a_distinct_runtime_name():
    text = "FROM python:3.11-slim AS runtime\n" + POETRY + 'CMD ["svc"]\n'
    result = run_twice(TRANSFORM, text)
    assert "\nFROM python:3.11-slim AS final\n" in result
    assert "COPY --from=runtime /app /app\n" in result
    dockerfile.parse_string(result)


def test_venv_copied_again_to_another_folder_is_warned_not_edited():
    text = (
        "FROM python:3.13-slim AS build\n"
        + POETRY.replace("/app", "/opt/pysetup")
        + 'FROM python:3.13-slim AS runtime\nENV VENV_PATH="/opt/pysetup/.venv"\nWORKDIR /app\n'
        'COPY --from=build $VENV_PATH $VENV_PATH\nCOPY --from=build /opt/pysetup/ ./\nCMD ["svc"]\n'
    )
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    (warning,) = outcome.warnings
    assert warning.line == 15 and "/app/.venv" in warning.message


LINES = [
    "ENV PYTHONUNBUFFERED=1\n",
    'ENV PATH="/root/.local/bin:$PATH" TZ=UTC\n',
    "ARG VERSION=1\n",
    "LABEL version=$VERSION\n",
    "RUN apt-get update && apt-get install -y gcc libpq-dev curl\n",
    "RUN apk add --no-cache build-base libffi-dev\n",
    "COPY entry.sh /usr/local/bin/\n",
    "RUN chmod +x /usr/local/bin/entry.sh\n",
    "RUN mkdir -p /app/data\n",
    "RUN python manage.py check\n",
    "USER 1000\n",
    "USER root\n",
    "RUN useradd -u 1001 web\n",
    "USER web\n",
    "EXPOSE 80\n",
    "VOLUME /app/data\n",
    "STOPSIGNAL SIGTERM\n",
    "HEALTHCHECK CMD curl -f http://localhost/ || exit 1\n",
    "# a comment\n",
    "\n",
    "WORKDIR /app/src\n",
    'SHELL ["/bin/bash", "-c"]\n',
    'ENTRYPOINT ["entry.sh"]\n',
    "CMD poetry run svc --port 80\n",
    'CMD ["poetry", "run", "svc"]\n',
]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(LINES), max_size=5),
    st.lists(st.sampled_from(LINES), max_size=6),
    st.sampled_from(["python:3.11-slim", "python:3.12-alpine", "gcr.io/distroless/python3"]),
)
def test_any_mix_splits_losslessly_or_not_at_all(before_install, after_install, image):
    text = f"FROM {image}\n" + "".join(before_install) + POETRY + "".join(after_install)
    result = run_twice(TRANSFORM, text)
    dockerfile.parse_string(result)
    if result == text:
        return
    assert runtime_contract(parse(result)).differences(runtime_contract(parse(text))) == []
    build = result.split("\nFROM ", 1)[0].splitlines()
    source = iter(text.splitlines()[1:])
    # The build stage is the input minus what moved out, byte for byte and in order.
    assert all(any(line == candidate for candidate in source) for line in build[1:] if line)
    # Nothing is lost: every input line is still somewhere (CMD/ENTRYPOINT lose `poetry run`).
    output = result.splitlines()
    assert all(line in output for line in text.splitlines()[1:] if not line.startswith(("CMD", "ENTRYPOINT")))


@pytest.mark.parametrize(
    ("py", "library", "guessed"),
    [
        pytest.param("3.11", "libssl3", False, id="bookworm-from-arg"),
        pytest.param("3.13", "libssl3t64", True, id="trixie-guess-from-arg"),
    ],
)
def test_release_read_through_a_global_arg(py, library, guessed):
    text = (
        f"ARG PY={py}\nFROM python:${{PY}}-slim\nRUN apt-get update && apt-get install -y libssl-dev\n"
        + POETRY
        + 'CMD ["svc"]\n'
    )
    assert f"--no-install-recommends {library} &&" in run_twice(TRANSFORM, text)
    assert any("is a guess" in w.message for w in outcome_of(TRANSFORM, text).warnings) == guessed


@pytest.mark.parametrize(
    ("text", "venv"),
    [
        pytest.param(
            "FROM p\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nWORKDIR /app\nRUN poetry install\n",
            "/app/.venv",
            id="env-in-project",
        ),
        pytest.param(
            "FROM p\nWORKDIR /app\nWORKDIR src\nRUN poetry config virtualenvs.in-project true && poetry install\n",
            "/app/src/.venv",
            id="config-same-run",
        ),
        pytest.param(
            "FROM p\nRUN poetry config virtualenvs.in-project true\nWORKDIR /srv\nRUN poetry install\n",
            "/srv/.venv",
            id="config-earlier-run",
        ),
        pytest.param(
            "FROM p\nENV VENV=/opt/v\nENV VIRTUAL_ENV=$VENV POETRY_VIRTUALENVS_IN_PROJECT=1\nWORKDIR /app\nRUN poetry install\n",
            "/opt/v",
            id="virtual-env-wins",
        ),
        pytest.param(
            "FROM p\nENV POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_VIRTUALENVS_CREATE=false\nWORKDIR /app\nRUN poetry install\n",
            None,
            id="create-false",
        ),
        pytest.param("FROM p\nWORKDIR /app\nRUN poetry install\n", None, id="poetry-cache-dir"),
        pytest.param(
            "FROM p\nWORKDIR /app\nRUN poetry install\nRUN poetry config virtualenvs.in-project true\n",
            None,
            id="config-after-install",
        ),
    ],
)
def test_venv_dir(text, venv):
    stage = parse(text).stages[0]
    install = poetry_installs(stage)[0].instruction
    assert venv_dir(stage, install.index) == venv


@pytest.mark.parametrize(
    ("text", "image"),
    [
        pytest.param("ARG PY=3.11\nFROM python:${PY}-slim\n", "python:3.11-slim", id="braces"),
        pytest.param("ARG BASE=python:3.12-alpine\nFROM $BASE\n", "python:3.12-alpine", id="plain"),
        pytest.param("ARG PY\nFROM python:${PY:-3.10}\n", "python:3.10", id="default-in-from"),
        pytest.param("FROM python:${PY}\n", "python:${PY}", id="unknown-left-alone"),
    ],
)
def test_expanded_base_image(text, image):
    doc = parse(text)
    assert expanded_base_image(doc, doc.stages[0]) == image


# --- issue 11, item 6: the command from outside the Dockerfile --------------------------


def _with_launchers(*services, scripts=()):
    from migrator.launchers import Launchers

    return ProjectContext(
        root=Path("/ctx"),
        launchers=Launchers(services=tuple(services), poetry_scripts=scripts),
        dockerignore=(".venv",),  # the host-venv warning is tested on its own
    )


def _service(**kwargs):
    from migrator.launchers import Service

    return Service("docker-compose.yml", "web", **kwargs)


NO_CMD = "FROM python:3.11-slim\n" + POETRY


@pytest.mark.parametrize(
    ("text", "project", "line", "start"),
    [
        pytest.param(
            SIMPLE_BEFORE,
            _with_launchers(_service(command="poetry run python -m svc")),
            12,
            "not split: docker-compose.yml runs `poetry run python -m svc` in service web, which needs Poetry",
            id="compose-command-runs-poetry",
        ),
        pytest.param(
            SIMPLE_BEFORE,
            _with_launchers(_service(binds=((".", "/app"),))),
            8,
            "not split: docker-compose.yml bind-mounts . over /app (service web), hiding the venv /app/.venv",
            id="compose-binds-the-source-over-the-venv",
        ),
        pytest.param(
            NO_CMD + 'ENTRYPOINT ["/docker-entrypoint.sh"]\n',
            _with_launchers(scripts=("docker/docker-entrypoint.sh",)),
            11,
            "not split: docker/docker-entrypoint.sh, which starts the container, runs Poetry",
            id="entrypoint-script-runs-poetry",
        ),
        pytest.param(
            NO_CMD,
            ProjectContext(root=None),
            8,
            "not split: the image has no CMD, so its command comes from outside",
            id="no-cmd-and-nothing-to-read",
        ),
        pytest.param(
            NO_CMD + 'ENTRYPOINT ["tail", "-f", "/dev/null"]\n',
            ProjectContext(root=None),
            11,
            "not split: this only keeps the container running, so its real commands come from `docker exec`",
            id="entrypoint-keeps-the-container-idle",
        ),
    ],
)
def test_held_back_for_what_starts_the_container(text, project, line, start):
    outcome = outcome_of(TRANSFORM, text, project)
    assert outcome.edits == ()
    assert [(w.line, w.message[: len(start)]) for w in outcome.warnings] == [(line, start)]


def test_no_cmd_but_compose_names_a_command_without_poetry():
    project = _with_launchers(_service(command="python -m svc", binds=(("./data", "/app/data"),)))
    result = run_twice(TRANSFORM, NO_CMD, project)
    assert "AS runtime" in result and 'ENV PATH="/app/.venv/bin:$PATH"' in result


def test_no_cmd_with_the_venv_on_path_is_split():
    text = NO_CMD.replace("WORKDIR /app\n", 'WORKDIR /app\nENV PATH="/app/.venv/bin:$PATH"\n')
    assert "AS runtime" in run_twice(TRANSFORM, text)


# --- issue 11, item 5: what the build stage made outside the project dir -----------------


def _split_with(run: str, project=None) -> tuple[str, list[tuple[int | None, str]], list[tuple[int | None, str]]]:
    text = "FROM python:3.11-slim\n" + run + POETRY + 'CMD ["python", "-m", "svc"]\n'
    outcome = outcome_of(TRANSFORM, text, project or ProjectContext(root=None))
    result = run_twice(TRANSFORM, text, project or ProjectContext(root=None))
    return (
        result,
        [(c.line, c.message) for c in outcome.changes],
        [(w.line, w.message) for w in outcome.warnings],
    )


@pytest.mark.parametrize(
    ("run", "copied"),
    [
        pytest.param(
            "RUN curl -fsSL -o /usr/local/bin/kubectl https://dl.k8s.io/kubectl && chmod +x /usr/local/bin/kubectl\n",
            ["/usr/local/bin/kubectl"],
            id="curl-o",
        ),
        pytest.param(
            "RUN wget -qO /usr/local/bin/jq https://x/jq-linux64 && chmod 755 /usr/local/bin/jq\n",
            ["/usr/local/bin/jq"],
            id="wget-qO",
        ),
        pytest.param(
            "RUN cd /tmp && wget https://x/tool.tgz && tar xzf tool.tgz && mv tool /usr/local/bin/ && rm -rf /tmp/*\n",
            ["/usr/local/bin/tool"],
            id="unpacked-in-tmp-then-moved",
        ),
        pytest.param(
            "RUN curl -sSLO https://x/wait-for-it.sh && install -m 755 wait-for-it.sh /usr/local/bin/wait-for-it\n",
            # The downloaded copy in / is left in the original image too: carried, not judged.
            ["/wait-for-it.sh", "/usr/local/bin/wait-for-it"],
            id="remote-name-then-install",
        ),
        pytest.param(
            "RUN curl -fsSL https://x/tool.tgz | tar -xz -C /opt/tool && ln -s /opt/tool/bin/tool /usr/local/bin/tool\n",
            ["/opt/tool", "/usr/local/bin/tool"],
            id="unpacked-into-its-own-folder-under-opt-and-linked",
        ),
        pytest.param(
            "RUN python -m nltk.downloader -d /usr/local/share/nltk_data punkt\n",
            ["/usr/local/share/nltk_data"],
            id="nltk-data-folder-named",
        ),
        pytest.param(
            "ENV HF_HOME=/opt/hf\nRUN python -c \"from huggingface_hub import snapshot_download; snapshot_download('m')\"\n",
            ["/opt/hf"],
            id="hugging-face-home-set",
        ),
        pytest.param(
            "ENV PLAYWRIGHT_BROWSERS_PATH=/opt/ms-playwright\nRUN playwright install chromium\n",
            ["/opt/ms-playwright"],
            id="playwright-browsers-path-set",
        ),
        pytest.param(
            "RUN PLAYWRIGHT_BROWSERS_PATH=/opt/pw python -m playwright install firefox\n",
            ["/opt/pw"],
            id="playwright-browsers-path-inline",
        ),
        pytest.param(
            "ENV TORCH_HOME=/opt/torch\nRUN python -c \"import torch; torch.hub.load('pytorch/vision', 'resnet18')\"\n",
            ["/opt/torch"],
            id="torch-home-set",
        ),
    ],
)
def test_downloads_outside_the_project_are_copied(run, copied):
    result, changes, warnings = _split_with(run)
    runtime = result.split("AS runtime\n", 1)[1]
    assert [line for line in runtime.splitlines() if line.startswith("COPY")] == [
        "COPY --from=build /app /app",
        *(f"COPY --from=build {p} {p}" for p in copied),
    ]
    assert [m for _, m in changes if "which this RUN downloads" in m] == [
        f"the runtime stage copies {p}, which this RUN downloads, from the build stage" for p in copied
    ]
    assert not [m for _, m in warnings if "stays in the build stage" in m]


@pytest.mark.parametrize(
    ("run", "start"),
    [
        pytest.param(
            "RUN curl -sSL https://x/y.tgz | tar -xz -C /usr/local/bin\n",
            "not split: the runtime stage cannot be given what this download RUN leaves outside /app file by file "
            "(the files `tar` unpacks into /usr/local/bin)",
            id="unpacked-into-a-system-folder",
        ),
        pytest.param(
            "RUN curl -fsSL https://get.example.com/install.sh | bash\n",
            "not split: the runtime stage cannot be given what this download RUN leaves outside /app file by file "
            "(what `bash` makes of the download)",
            id="piped-into-a-shell",
        ),
        pytest.param(
            "RUN python -c \"import nltk; nltk.download('punkt')\"\n",
            "not split: this RUN downloads NLTK data into a folder NLTK picks at build time",
            id="nltk-default-folder",
        ),
        pytest.param(
            "RUN python -c \"from transformers import AutoModel; AutoModel.from_pretrained('bert')\"\n",
            "not split: this RUN downloads Hugging Face models into ~/.cache/huggingface",
            id="hugging-face-default-cache",
        ),
        pytest.param(
            "RUN poetry run python -m playwright install chromium\n",
            "not split: this RUN downloads Playwright browsers into ~/.cache/ms-playwright",
            id="playwright-default-cache",
        ),
        pytest.param(
            "RUN /root/.local/bin/poetry run python -m playwright install chromium && \\\n"
            "    /root/.local/bin/poetry run python -m playwright install-deps\n",
            "not split: this RUN installs Playwright's system libraries with apt",
            id="playwright-install-deps",
        ),
        pytest.param(
            "RUN PLAYWRIGHT_BROWSERS_PATH=/opt/pw playwright install --with-deps chromium\n",
            "not split: this RUN installs Playwright's system libraries with apt",
            id="playwright-with-deps",
        ),
        pytest.param(
            "RUN prisma generate\n",
            "not split: this RUN makes Prisma download its engines into ~/.cache/prisma-python",
            id="prisma-generate",
        ),
        pytest.param(
            "RUN poetry run pyppeteer-install\n",
            "not split: this RUN downloads pyppeteer's Chromium into ~/.local/share/pyppeteer",
            id="pyppeteer-default-home",
        ),
        pytest.param(
            "RUN python -c \"import whisper; whisper.load_model('base')\"\n",
            "not split: this RUN downloads Whisper models into ~/.cache/whisper",
            id="whisper-default-cache",
        ),
    ],
)
def test_downloads_that_cannot_be_carried_hold_the_split_back(run, start):
    text = "FROM python:3.11-slim\n" + run + POETRY + 'CMD ["python", "-m", "svc"]\n'
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    assert [(w.line, w.message[: len(start)]) for w in outcome.warnings] == [(2, start)]


def test_download_into_the_project_or_a_build_tool_needs_nothing_more():
    for run in (
        "RUN curl -o /app/data/model.bin https://x/model.bin\n",
        "RUN curl https://sh.rustup.rs -sSf | sh -s -- -y\n",
        # "0": the browsers live inside the playwright package, in the venv the runtime stage copies.
        "ENV PLAYWRIGHT_BROWSERS_PATH=0\nRUN playwright install chromium\n",
    ):
        result, changes, _ = _split_with(run)
        assert "AS runtime" in result and not [m for _, m in changes if "downloads" in m]


def test_apt_packages_named_by_an_arg_are_installed_at_run_time_too():
    run = 'ARG EXTRA="libmagic1 ffmpeg"\nRUN apt-get update && apt-get install -y gcc $EXTRA && rm -rf /var/lib/apt/lists/*\n'
    result, changes, warnings = _split_with(run)
    runtime = result.split("AS runtime\n", 1)[1]
    assert runtime.startswith(
        'ARG EXTRA="libmagic1 ffmpeg"\n'
        "RUN apt-get update && apt-get install -y --no-install-recommends $EXTRA && rm -rf /var/lib/apt/lists/*\n"
    )
    assert (3, "the packages that $EXTRA names are installed in the runtime stage too") in changes
    assert not [m for _, m in warnings if "EXTRA" in m]


def test_poetry_toml_that_keeps_the_system_python_holds_the_split_back():
    from migrator.project import PoetryProject

    project = ProjectContext(root=Path("/ctx"), projects={"": PoetryProject(directory="", virtualenvs_create=False)})
    outcome = outcome_of(TRANSFORM, SIMPLE_BEFORE, project)
    assert outcome.edits == ()
    assert [w.message.split(",")[0] for w in outcome.warnings] == [
        "not split: poetry.toml sets virtualenvs.create = false"
    ]
    overridden = SIMPLE_BEFORE.replace(
        "POETRY_NO_INTERACTION=1", "POETRY_NO_INTERACTION=1 POETRY_VIRTUALENVS_CREATE=true"
    )
    assert "AS runtime" in run_twice(TRANSFORM, overridden, project)


@pytest.mark.parametrize("ignored", [False, True])
def test_an_unsplit_image_is_warned_of_a_host_venv_copied_over_its_own(tmp_path, ignored):
    """b-munar, cirno-4: an in-project venv, then `COPY . .`; only split images were warned before."""
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n')
    if ignored:
        (tmp_path / ".dockerignore").write_text(".venv\n")
    text = (
        "FROM python:3.11\n"
        "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml ./\n"
        "USER 1000\n"
        "RUN poetry install --no-root\n"
        "COPY . .\n"
        'CMD ["poetry", "run", "python", "app.py"]\n'
    )
    outcome = outcome_of(TRANSFORM, text, read_context(tmp_path))
    assert outcome.edits == ()
    venv = [(w.line, w.message) for w in outcome.warnings if ".dockerignore" in w.message]
    assert venv == (
        []
        if ignored
        else [
            (
                7,
                ".dockerignore does not exclude .venv: a venv on the host would be copied over the built one "
                "(/app/.venv); add `.venv` to .dockerignore",
            )
        ]
    )


UNSPLIT_HOST_VENV = (
    "FROM python:3.11\n"
    "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
    "{env}"
    "COPY poetry.lock pyproject.toml ./\n"
    "RUN poetry install --no-dev --no-root\n"
    "COPY . .\n"
    "{run}"
    "{cmd}"
)
ACTION_CMD = 'CMD ["python", "-m", "action"]\n'


@pytest.mark.parametrize(
    ("env", "run", "cmd", "warned"),
    [
        # k2bd/action-python-poetry: the app is a wheel pip installs into the system Python; /.venv is unused.
        pytest.param(
            "", "RUN poetry build && pip install dist/*.whl\n", ACTION_CMD, False, id="wheel-in-system-python"
        ),
        pytest.param("", "", ACTION_CMD, False, id="nothing-after"),
        pytest.param('ENV PATH="/.venv/bin:$PATH"\n', "", ACTION_CMD, True, id="venv-on-path"),
        pytest.param("ENV VIRTUAL_ENV=/.venv\n", "", ACTION_CMD, True, id="virtual-env-set"),
        pytest.param("", "RUN poetry install --only-root\n", ACTION_CMD, True, id="later-install-into-it"),
        pytest.param("", "RUN .venv/bin/python -m compileall .\n", ACTION_CMD, True, id="later-step-names-it"),
        pytest.param("", "", 'CMD ["poetry", "run", "action"]\n', True, id="command-runs-poetry"),
        # tfandkusu: no CMD, so the command comes from outside, maybe `poetry run`: unsure means warned.
        pytest.param("", "", "", True, id="no-command"),
    ],
)
def test_an_unsplit_host_venv_is_warned_of_only_when_the_venv_is_used(tmp_path, env, run, cmd, warned):
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "action"\nversion = "0.1.0"\n')
    text = UNSPLIT_HOST_VENV.format(env=env, run=run, cmd=cmd)
    outcome = outcome_of(TRANSFORM, text, read_context(tmp_path))
    assert outcome.edits == ()  # `poetry install` runs in /: not split
    venv = [(w.line, w.message) for w in outcome.warnings if ".dockerignore" in w.message]
    copy_line = text.splitlines().index("COPY . .") + 1
    assert venv == (
        [
            (
                copy_line,
                ".dockerignore does not exclude .venv: a venv on the host would be copied over the built one "
                "(/.venv); add `.venv` to .dockerignore",
            )
        ]
        if warned
        else []
    )


@pytest.mark.parametrize(
    ("copy", "line"),
    [
        # Hoon9901: `ADD ./ ./` was not seen as a copy of the context: the warning had no line.
        pytest.param("ADD ./ ./\n", 9, id="add-dot-slash"),
        pytest.param('COPY [".", "/app"]\n', 9, id="json-form"),
        pytest.param("COPY --chown=1000:1000 . /app/\n", 9, id="chown-and-slash"),
        # ipHeaders: only named folders are copied, so no host .venv lands on the venv: no warning.
        pytest.param("COPY svc svc\nCOPY README.md README.md\n", None, id="named-folders-only"),
        pytest.param("COPY . /srv\n", None, id="elsewhere"),
    ],
)
def test_a_split_image_names_the_copy_that_brings_the_host_venv(tmp_path, copy, line):
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n')
    text = (
        "FROM python:3.11-slim\n"
        "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "WORKDIR /app\n"
        "COPY pyproject.toml poetry.lock ./\n"
        "RUN pip install poetry==2.1.3\n"
        "RUN poetry install --no-root\n"
        "\n"
        "\n"
        f"{copy}"
        'CMD ["python", "-m", "svc"]\n'
    )
    outcome = outcome_of(TRANSFORM, text, read_context(tmp_path))
    assert any("AS runtime" in e.text for e in outcome.edits)
    venv = [(w.line, w.message) for w in outcome.warnings if ".dockerignore" in w.message]
    assert venv == (
        []
        if line is None
        else [
            (
                line,
                ".dockerignore does not exclude .venv: a venv on the host would be copied over the built one "
                "(/app/.venv); add `.venv` to .dockerignore",
            )
        ]
    )


def test_a_host_venv_copied_before_the_install_is_named_with_the_install(tmp_path):
    # A source copy MIG002 could not move: the host's .venv lands where Poetry then builds the venv.
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "svc"\nversion = "0.1.0"\n')
    text = (
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nWORKDIR /app\nCOPY . .\n"
        'RUN pip install poetry==2.1.3\nRUN poetry install\nCMD ["python", "-m", "svc"]\n'
    )
    outcome = outcome_of(TRANSFORM, text, read_context(tmp_path))
    assert [(w.line, w.message) for w in outcome.warnings if ".dockerignore" in w.message] == [
        (
            4,
            ".dockerignore does not exclude .venv: a venv on the host would be copied to /app/.venv, where the "
            "install (line 6) builds the image's venv; add `.venv` to .dockerignore",
        )
    ]


# --- settings after the build stage's last step -------------------------------------------


def _stages(text: str) -> tuple[str, str]:
    build, runtime = text.split("AS runtime\n")
    return build, runtime


def test_arg_and_env_after_the_last_build_step_move_to_the_runtime_stage():
    """A reviewer read them in both stages as dead lines: nothing in the build stage uses them."""
    text = "FROM python:3.11-slim\n" + POETRY + "ARG GIT_SHA\nENV GIT_SHA=$GIT_SHA\n" + 'CMD ["python", "-m", "svc"]\n'
    build, runtime = _stages(run_twice(TRANSFORM, text))
    assert "GIT_SHA" not in build
    assert runtime.startswith("ARG GIT_SHA\n") and "ENV GIT_SHA=$GIT_SHA\n" in runtime


def test_settings_the_build_uses_or_the_runtime_writes_otherwise_stay_in_the_build_stage():
    text = (
        "FROM python:3.11-slim\nARG EXTRAS\nENV APP_ENV=prod\n"
        + POETRY
        # a comment says why: the line keeps it where the author put it
        + "# the commit the image was built from\nARG GIT_SHA\n"
        # PATH with Poetry's entry: the runtime stage writes it without that entry
        + 'ENV PATH="/root/.local/bin:/opt/tools:$PATH"\n'
        + 'CMD ["python", "-m", "svc"]\n'
    )
    build, runtime = _stages(run_twice(TRANSFORM, text))
    assert "ARG EXTRAS\nENV APP_ENV=prod\n" in build and "ENV APP_ENV=prod\n" in runtime
    assert "# the commit the image was built from\nARG GIT_SHA\n" in build
    assert 'ENV PATH="/root/.local/bin:/opt/tools:$PATH"\n' in build
    assert 'ENV PATH="/opt/tools:$PATH"\n' in runtime


@pytest.mark.parametrize(
    ("image", "where"),
    [
        ("python:3.11-slim", "runs in /;"),
        ("docker.io/library/python:3.12", "runs in /;"),
        # pytorch/pytorch sets WORKDIR /workspace: "/" would be untrue (a reviewer caught it)
        ("pytorch/pytorch:latest", "runs in the working folder pytorch/pytorch:latest sets, not one of this file's;"),
    ],
)
def test_an_install_without_a_workdir_names_where_it_really_runs(image, where):
    text = f'FROM {image}\nRUN pip install poetry==1.8.3\nCOPY . .\nRUN poetry install --no-root\nCMD ["python", "-m", "svc"]\n'
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    assert [w.message for w in outcome.warnings if "WORKDIR" in w.message][0].startswith(
        f"not split: `poetry install` {where} set a WORKDIR such as /app"
    )
