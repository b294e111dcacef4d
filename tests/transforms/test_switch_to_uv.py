"""MIG006 switch-to-uv: inputs that must stay unchanged, refusals, and (before, after) pairs.

The inputs are what MIG001-MIG005 produce (docs/design.md), written by hand.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import dockerfile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.model import parse
from migrator.project import PoetryProject, ProjectContext
from migrator.transform import Settings
from migrator.transforms.switch_to_uv import REFUSED, TRANSFORM
from tests.support import outcome_of, run_twice

UV = Settings(uv=True, uv_version="0.13.9", uv_project_ready=True)  # as after uv_project.prepare
FROM = "# syntax=docker/dockerfile:1\nFROM python:3.11-slim AS build\n"
POETRY_SETUP = (
    "ENV POETRY_VERSION=2.2.1 \\\n"
    "    POETRY_NO_INTERACTION=1 \\\n"
    "    POETRY_VIRTUALENVS_IN_PROJECT=true\n"
    'RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"\n'
)
UV_SETUP = (
    "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/\n"
    "ENV UV_COMPILE_BYTECODE=1 \\\n"
    "    UV_LINK_MODE=copy \\\n"
    "    UV_PYTHON_DOWNLOADS=0\n"
)
POETRY_CACHE = "--mount=type=cache,target=/root/.cache/pypoetry"
DEPS_SYNC = (
    "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
    "    --mount=type=bind,source=uv.lock,target=uv.lock \\\n"
    "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n"
    "    uv sync --locked --no-install-project {groups}\n"
)
RUNTIME = (
    "\nFROM python:3.11-slim AS runtime\n"
    "WORKDIR /app\n"
    'ENV PATH="/app/.venv/bin:$PATH"\n'
    "RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --no-create-home app\n"
    "COPY --from=build --chown=10001:10001 /app /app\n"
    "USER 10001:10001\n"
    'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n'
)


def context(groups: tuple[str, ...] = ("dev",), plugins: tuple[str, ...] = ()) -> ProjectContext:
    project = PoetryProject(directory="", name="app", groups=groups, plugins=plugins, is_poetry=True)
    return ProjectContext(root=Path("/context"), projects={"": project})


UNCHANGED = [
    pytest.param("FROM python:3.11-slim\nRUN pip install -r requirements.txt\n", id="not-poetry"),
    pytest.param(
        FROM + UV_SETUP + "WORKDIR /app\n" + DEPS_SYNC.format(groups="--no-dev") + "COPY . .\n"
        "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-editable\n" + RUNTIME,
        id="already-uv",
    ),
]

REFUSALS = [
    pytest.param(
        FROM + POETRY_SETUP + "RUN poetry self add poetry-plugin-bundle\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        "plugins",
        id="poetry-self-add",
    ),
    pytest.param(
        FROM + "ARG POETRY_HTTP_BASIC_CORP_PASSWORD\n" + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\n",
        "credentials",
        id="credentials-from-environment",
    ),
    pytest.param(
        FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN <<EOF\npoetry install\nEOF\n",
        "heredoc",
        id="heredoc",
    ),
    pytest.param(
        FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\nRUN poetry export -o req.txt\n",
        "poetry export",
        id="unknown-subcommand",
    ),
    pytest.param(
        FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install --dry-run\n",
        "--dry-run",
        id="unknown-install-option",
    ),
    pytest.param(
        FROM + "RUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        "virtual environment",
        id="venv-location-unknown",
    ),
    pytest.param(
        FROM
        + "RUN pip install poetry && poetry config virtualenvs.create false\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        "image's own Python",
        id="system-install",
    ),
    pytest.param(
        FROM
        + POETRY_SETUP
        + "WORKDIR /app\nCOPY backend/pyproject.toml backend/poetry.lock ./\nRUN poetry install --no-root\n",
        "subfolder",
        id="project-in-a-subfolder",
    ),
    pytest.param(
        FROM + "RUN curl -sSL https://install.python-poetry.org | python3 -\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        "WORKDIR /app\nCOPY . .\nRUN /root/.local/bin/poetry install && ln -s /root/.local/bin/poetry /usr/bin/poetry\n",
        "ln -s /root/.local/bin/poetry",
        id="a-command-that-needs-poetry",
    ),
]

CHANGED = [
    pytest.param(
        FROM
        + "ENV PYTHONUNBUFFERED=1\n"
        + POETRY_SETUP
        + "WORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
        + f"RUN {POETRY_CACHE} poetry install --without dev --no-interaction --no-root\n"
        + "COPY . .\n"
        + f"RUN {POETRY_CACHE} poetry install --without dev --no-interaction\n"
        + RUNTIME,
        FROM
        + "ENV PYTHONUNBUFFERED=1\n"
        + UV_SETUP
        + "WORKDIR /app\n"
        + DEPS_SYNC.format(groups="--no-dev")
        + "COPY . .\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-editable --reinstall-package app\n"
        + RUNTIME,
        id="design-doc-shape",
    ),
    pytest.param(
        FROM
        + POETRY_SETUP
        + "WORKDIR /app\nCOPY pyproject.toml poetry.lock* ./\n"
        + f"RUN {POETRY_CACHE} poetry install --only main --no-root\n"
        + "COPY . .\n",
        FROM + UV_SETUP + "WORKDIR /app\n" + DEPS_SYNC.format(groups="--no-dev") + "COPY . .\n",
        id="only-main-without-other-groups",
    ),
    pytest.param(
        FROM
        + "ENV PYTHONUNBUFFERED=1 POETRY_VIRTUALENVS_IN_PROJECT=true PORT=8000\n"
        + "RUN pip install poetry==2.2.1 && apt-get update\n"
        + "WORKDIR /app\nCOPY pyproject.toml poetry.lock README.md ./\n"
        + "RUN poetry install --with docs -E s3 --no-root\n",
        FROM
        + UV_SETUP
        + "ENV PYTHONUNBUFFERED=1 PORT=8000\n"
        + "RUN apt-get update\n"
        + "WORKDIR /app\nCOPY pyproject.toml README.md ./\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        + "    --mount=type=bind,source=uv.lock,target=uv.lock \\\n"
        + "    uv sync --locked --no-install-project --group=docs --extra=s3\n",
        id="mixed-env-mixed-run-other-files-copied",
    ),
    pytest.param(
        FROM
        + "ENV VIRTUAL_ENV=/opt/venv\n"
        + "RUN pip install poetry\n"
        + "WORKDIR /app\nCOPY . .\n"
        + "RUN poetry install --only main,docs && poetry run python -m compileall app  # warm\n",
        FROM
        + "ENV VIRTUAL_ENV=/opt/venv\n"
        + "COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/\n"
        + "ENV UV_COMPILE_BYTECODE=1 \\\n    UV_LINK_MODE=copy \\\n    UV_PYTHON_DOWNLOADS=0 \\\n"
        + "    UV_PROJECT_ENVIRONMENT=/opt/venv\n"
        + "WORKDIR /app\nCOPY . .\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-default-groups --group=docs "
        + "--no-editable --reinstall-package app && uv run --no-sync python -m compileall app  # warm\n",
        id="venv-outside-the-project-and-poetry-run",
    ),
    pytest.param(
        "ARG POETRY_VERSION=1.8.3\n"
        + "FROM python:3.11-slim\n"
        + "RUN pip install poetry==$POETRY_VERSION \\\n"
        + "    # in-project, so that the venv can be copied\n"
        + " && poetry config virtualenvs.in-project true\n"
        + "WORKDIR /app\nCOPY . .\n"
        + "RUN poetry config virtualenvs.in-project true \\\n"
        + "    # the root too: it has console scripts\n"
        + " && poetry install\n"
        + 'CMD ["poetry", "run", "greeter"]\n',
        "FROM python:3.11-slim\n"
        + UV_SETUP
        + "WORKDIR /app\nCOPY . .\n"
        + "# the root too: it has console scripts\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-editable --reinstall-package app\n"
        + 'CMD ["greeter"]\n',
        id="comments-in-continuations-global-arg-cmd",
    ),
    pytest.param(
        FROM
        + "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\n"
        + "# Poetry from pip: the installer script needs the internet\nRUN pip install poetry\n"
        + "# the app lives here\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        FROM
        + UV_SETUP
        + "# the app lives here\nWORKDIR /app\nCOPY . .\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-editable --reinstall-package app\n",
        id="comment-about-a-removed-poetry-step-goes-with-it",
    ),
    pytest.param(
        FROM
        + "RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.8.3\n"
        + 'ENV PATH="/root/.local/bin:$PATH" POETRY_VIRTUALENVS_IN_PROJECT=true\n'
        + "WORKDIR /srv\nADD ./pyproject.toml ./poetry.lock* ./\n"
        + "RUN --mount=type=cache,target=/tmp/poetry_cache poetry install --no-root\nCOPY src ./src\n"
        + "RUN --mount=type=cache,target=/tmp/poetry_cache poetry install\n",
        FROM
        + UV_SETUP
        + 'ENV PATH="/root/.local/bin:$PATH"\n'
        + "WORKDIR /srv\n"
        + DEPS_SYNC.format(groups="").replace(" \n", "\n")
        + "COPY src ./src\n"
        # The lock was checked by the sync above: the project sync is --frozen.
        + DEPS_SYNC.format(groups="--no-editable --reinstall-package app")
        .replace(" --no-install-project", "")
        .replace("--locked", "--frozen"),
        id="installer-script-add-globbed-lock-custom-cache-source-subset-copied",
    ),
    pytest.param(
        FROM
        + "ENV PYTHONUNBUFFERED=1 \\\n"
        + "    # unbuffered above, and below Poetry's venv\n"
        + "    POETRY_VIRTUALENVS_IN_PROJECT=true \\\n"
        + "    # the port the app listens on\n"
        + "    PORT=8000\n"
        + "RUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        FROM
        + UV_SETUP
        + "# the port the app listens on\n"
        + "ENV PYTHONUNBUFFERED=1 \\\n"
        + "    # unbuffered above, and below Poetry's venv\n"
        + "    PORT=8000\n"
        + "WORKDIR /app\nCOPY . .\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-editable --reinstall-package app\n",
        id="comment-inside-a-spliced-env-is-kept-above-it",
    ),
    pytest.param(
        FROM.replace("\n", "\r\n")
        + "ENV POETRY_VIRTUALENVS_IN_PROJECT=true\r\nRUN pip install poetry\r\nWORKDIR /app\r\nCOPY . .\r\n"
        + "RUN poetry install --without dev,test\r\n",
        FROM.replace("\n", "\r\n")
        + UV_SETUP.replace("\n", "\r\n")
        + "WORKDIR /app\r\nCOPY . .\r\n"
        + "RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev --no-group=test --no-editable --reinstall-package app\r\n",
        id="crlf",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert run_twice(TRANSFORM, text, context(), UV) == text


@pytest.mark.parametrize(("text", "why"), REFUSALS)
def test_refusals_change_nothing_and_say_why_in_one_line(text, why):
    outcome = outcome_of(TRANSFORM, text, context(), UV)
    assert outcome.edits == ()
    [warning] = outcome.warnings
    assert warning.message.startswith(REFUSED)
    assert why in warning.message
    assert "\n" not in warning.message


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_changed(before, after):
    result = run_twice(TRANSFORM, before, context(), UV)
    assert result == after
    assert "poetry" not in "".join(i.logical.lower() for i in parse(result).instructions)


def hadolint_codes(text: str) -> set[str]:
    done = subprocess.run(
        ["hadolint", "--no-fail", "-f", "json", "-"], input=text, capture_output=True, text=True, check=True
    )
    return {finding["code"] for finding in json.loads(done.stdout or "[]")}


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_output_parses_with_buildkit_and_hadolint_finds_nothing_new(before, after):
    assert len(dockerfile.parse_string(after)) == len(parse(after).instructions)
    assert hadolint_codes(after) <= hadolint_codes(before)


def test_refuses_a_project_with_poetry_plugins():
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\n"
    outcome = outcome_of(TRANSFORM, text, context(plugins=("poetry-plugin-export",)), UV)
    assert outcome.edits == () and "poetry-plugin-export" in outcome.warnings[0].message


def test_only_main_keeps_other_default_groups_out():
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"
    result = run_twice(TRANSFORM, text, context(groups=("dev", "lint")), UV)
    assert "uv sync --locked --no-default-groups --no-editable --reinstall-package app" in result


def test_pins_the_uv_that_wrote_the_lock():
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\n"
    result = run_twice(TRANSFORM, text, context(), Settings(uv=True, uv_version="0.12.3", uv_project_ready=True))
    assert "COPY --from=ghcr.io/astral-sh/uv:0.12.3 /uv /uvx /bin/\n" in result


@pytest.mark.parametrize(
    "settings",
    [Settings(select=frozenset({"MIG006"})), Settings(uv=True, uv_version="0.13.9")],
    ids=["selected-by-code", "uv-from-stdin"],
)
def test_without_converted_project_files_refuses_unless_the_project_is_already_on_uv(settings):
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\n"
    outcome = outcome_of(TRANSFORM, text, context(), settings)
    assert outcome.edits == () and "--uv" in outcome.warnings[0].message
    on_uv = ProjectContext(
        root=Path("/context"), projects={"": PoetryProject(directory="", name="app", is_pep621=True, has_uv_lock=True)}
    )
    assert "uv sync --locked --no-editable --reinstall-package app" in run_twice(TRANSFORM, text, on_uv, settings)


def test_is_opt_in():
    assert not TRANSFORM.selected_by(Settings())
    assert TRANSFORM.selected_by(Settings(uv=True))
    assert TRANSFORM.selected_by(Settings(select=frozenset({"MIG006"})))


# Lines a post-pipeline Dockerfile is made of; any mix must switch cleanly or be refused.
LINE_POOL = [
    "ENV POETRY_VERSION=2.2.1 \\\n    POETRY_NO_INTERACTION=1 \\\n    POETRY_VIRTUALENVS_IN_PROJECT=true\n",
    "ENV PYTHONUNBUFFERED=1 POETRY_HOME=/opt/poetry PORT=8000\n",
    'ENV PATH="/opt/poetry/bin:$PATH"\n',
    'RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"\n',
    "RUN pip install poetry && apt-get update\n",
    "RUN poetry config virtualenvs.in-project true \\\n    # why\n && poetry install --no-root\n",
    "WORKDIR /app\n",
    "COPY pyproject.toml poetry.lock* ./\n",
    "COPY pyproject.toml README.md ./\n",
    "COPY . .\n",
    f"RUN {POETRY_CACHE} poetry install --without dev --no-root\n",
    "RUN poetry install --with docs -E s3\n",
    "RUN poetry run python -m compileall .\n",
    "# a comment\n",
    "\n",
    'CMD ["poetry", "run", "app"]\n',
    "CMD poetry run app --port 8000\n",
    "RUN poetry export -o requirements.txt\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(LINE_POOL), max_size=10))
def test_any_mix_switches_cleanly_or_is_refused(lines):
    text = FROM + "".join(lines)
    outcome = outcome_of(TRANSFORM, text, context(), UV)
    if not outcome.edits:
        assert all(w.message.startswith(REFUSED) for w in outcome.warnings)
        return
    result = run_twice(TRANSFORM, text, context(), UV)
    assert not [i.logical for i in parse(result).instructions if "poetry" in i.logical.lower()]
    assert len(dockerfile.parse_string(result)) == len(parse(result).instructions)


def test_only_root_install_syncs_what_the_dependency_install_selected():
    # MIG002 writes the root install as `poetry install --only-root`: uv has no project-only
    # sync, so it syncs the dependency install's groups again, with the project, from the lock
    # the dependency sync checked (--frozen: nothing is resolved again after a source edit).
    text = (
        FROM
        + POETRY_SETUP
        + "WORKDIR /app\nCOPY pyproject.toml poetry.lock ./\nRUN poetry install --without dev --no-root\n"
        + "COPY . .\nRUN poetry install --compile --only-root\n"
    )
    result = run_twice(TRANSFORM, text, context(groups=("dev",)), UV)
    assert result.endswith(
        "COPY . .\nRUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-editable --reinstall-package app\n"
    )
    assert "uv sync --locked --no-install-project --no-dev" in result


def test_a_venv_mig001_seeded_with_setuptools_is_synced_inexactly():
    """An exact `uv sync` would remove the setuptools `python -m venv` seeded (MIG001: pkg_resources)."""
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN python -m venv /app/.venv\nRUN poetry install --no-root\n"
    result = run_twice(TRANSFORM, text, context(), UV)
    assert "RUN python -m venv /app/.venv\n" in result
    assert "uv sync --locked --no-install-project --inexact\n" in result
    plain = run_twice(TRANSFORM, text.replace("RUN python -m venv /app/.venv\n", ""), context(), UV)
    assert "--inexact" not in plain


def test_the_project_sync_rebuilds_the_project_by_name_or_installs_it_editable():
    # uv keys its cached build of a local project on pyproject.toml, not on the source: a
    # non-editable sync from the warm cache mount would install the previous build's code.
    text = FROM + POETRY_SETUP + "WORKDIR /app\nCOPY . .\nRUN poetry install\n"
    named = run_twice(TRANSFORM, text, context(), UV)
    assert named.endswith("uv sync --locked --no-editable --reinstall-package app\n")
    unnamed = ProjectContext(root=Path("/context"), projects={"": PoetryProject(directory="", is_poetry=True)})
    # No name to reinstall by: an editable install follows the source copied into the image.
    assert run_twice(TRANSFORM, text, unnamed, UV).endswith("uv sync --locked\n")
    no_package = ProjectContext(
        root=Path("/context"),
        projects={"": PoetryProject(directory="", name="app", package_mode=False, is_poetry=True)},
    )
    assert run_twice(TRANSFORM, text, no_package, UV).endswith("uv sync --locked --no-editable\n")
