"""MIG004 cache-mounts: inputs that must stay unchanged, and (before, after) pairs."""

from __future__ import annotations

import dockerfile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.model import parse
from migrator.transform import Settings
from migrator.transforms.cache_mounts import TRANSFORM
from tests.support import outcome_of, run_twice

SYNTAX = "# syntax=docker/dockerfile:1\n"
# Docker's recipe: the base's docker-clean would delete every package a /var/cache/apt mount keeps.
KEEP_DOWNLOADS = (
    "rm -f /etc/apt/apt.conf.d/docker-clean \\\n"
    "    && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache \\\n"
    "    && "
)

UNCHANGED = [
    pytest.param("FROM python:3.11-slim\nRUN echo hello\n", id="nothing-to-cache"),
    pytest.param(
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-already-mounted",
    ),
    pytest.param(
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pypoetry/ poetry install\n",
        id="poetry-already-mounted-trailing-slash",
    ),
    pytest.param(
        SYNTAX + "FROM python:3.11-slim\n"
        "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
        "    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n"
        "    apt-get update && apt-get install -y gcc\n",
        id="apt-already-mounted",
    ),
    pytest.param('FROM python:3.11-slim\nRUN ["pip", "install", "poetry"]\n', id="exec-form"),
    pytest.param("FROM python:3.11-alpine\nRUN apk add --no-cache gcc musl-dev\n", id="apk-left-alone"),
    pytest.param("FROM python:3.11-slim\nUSER app\nRUN pip install --user poetry\n", id="non-root-user"),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update\nRUN apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\n",
        id="apt-update-in-an-earlier-run",
    ),
    pytest.param(
        "FROM python:3.11-slim AS base\nUSER 1000\nFROM base AS build\nRUN pip install poetry\n",
        id="non-root-user-inherited-from-the-parent-stage",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_CACHE_DIR=$HOME/cache\nRUN poetry install\n",
        id="poetry-cache-dir-not-literal",
    ),
    pytest.param("FROM python:3.11-slim\nRUN pip download -d /wheels poetry\n", id="pip-download-is-not-install"),
    pytest.param("FROM node:20\nRUN npm ci && rm -rf /root/.cache\n", id="not-python"),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install uv && uv pip install --system poetry && rm -rf /root/.cache\n",
        id="rm-of-a-cache-uv-also-fills-stays-so-no-mount-under-it",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry && rm -rf /root/.cache/pip || true\n",
        id="guarded-rm-of-the-cache-stays-so-no-mount",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_CACHE_DIR=/tmp/poetry_cache\n"
        "RUN poetry config virtualenvs.create false && poetry install && rm -rf /tmp/*\n",
        id="rm-of-a-folder-holding-the-cache",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN <<EOF\npip install poetry\nrm -rf /root/.cache\nEOF\n",
        id="heredoc-that-removes-the-cache",
    ),
    pytest.param(
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pypoetry/cache "
        "--mount=type=cache,target=/root/.cache/pypoetry/artifacts poetry install\n",
        id="poetry-downloads-already-mounted",
    ),
]

CHANGED = [
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-install",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN python -m pip install --no-cache-dir poetry==1.8.3\n",
        SYNTAX
        + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip python -m pip install poetry==1.8.3\n",
        id="python-m-pip-no-cache-dir-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip3 install \\\n    --no-cache-dir \\\n    poetry\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip3 install \\\n    poetry\n",
        id="no-cache-dir-on-its-own-line",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry && pip cache purge\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-cache-purge-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry && pip cache purge || true\n",
        SYNTAX
        + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry && pip cache purge || true\n",
        id="purge-before-or-kept-so-or-still-guards-it",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN poetry config virtualenvs.create false && poetry install --no-root && rm -rf /root/.cache\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pypoetry "
        "poetry config virtualenvs.create false && poetry install --no-root\n",
        id="poetry-install-rm-root-cache",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN poetry install --no-root\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pypoetry/artifacts \\\n"
        "    --mount=type=cache,target=/root/.cache/pypoetry/cache \\\n    poetry install --no-root\n",
        id="default-venv-lives-in-the-cache-so-only-downloads-are-mounted",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_PATH=/root/.cache/pypoetry/venvs\nRUN poetry install\n",
        SYNTAX + "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_PATH=/root/.cache/pypoetry/venvs\n"
        "RUN --mount=type=cache,target=/root/.cache/pypoetry/artifacts \\\n"
        "    --mount=type=cache,target=/root/.cache/pypoetry/cache \\\n    poetry install\n",
        id="venv-path-inside-the-cache",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN poetry config virtualenvs.in-project true\nRUN poetry install\n",
        SYNTAX + "FROM python:3.11-slim\nRUN poetry config virtualenvs.in-project true\n"
        "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install\n",
        id="in-project-venv-from-an-earlier-config",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN PIP_NO_CACHE_DIR=1 pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-no-cache-dir-prefix-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_CACHE_DIR=/tmp/poetry_cache \\\n    POETRY_VIRTUALENVS_IN_PROJECT=1\n"
        "RUN poetry install --without dev && rm -rf $POETRY_CACHE_DIR\n",
        SYNTAX
        + "FROM python:3.11-slim\nENV POETRY_CACHE_DIR=/tmp/poetry_cache \\\n    POETRY_VIRTUALENVS_IN_PROJECT=1\n"
        "RUN --mount=type=cache,target=/tmp/poetry_cache poetry install --without dev\n",
        id="poetry-cache-dir-from-env",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_PATH=/opt/venvs\nRUN poetry sync --no-cache && rm -rf ~/.cache/pypoetry/* /tmp/build\n",
        SYNTAX
        + "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_PATH=/opt/venvs\nRUN --mount=type=cache,target=/root/.cache/pypoetry poetry sync && rm -rf /tmp/build\n",
        id="poetry-sync-partial-rm",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc \\\n"
        "    && apt-get clean \\\n    && rm -rf /var/lib/apt/lists/*\n",
        # The final stage keeps the base's docker-clean, so /var/cache/apt is not mounted
        # (it would cache nothing) and `apt-get clean` stays.
        SYNTAX
        + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends gcc \\\n"
        "    && apt-get clean\n",
        id="apt-lists-removed-clean-kept-in-the-final-stage",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN \\\n    apt-get update && \\\n    # build tools\n    apt-get install -y gcc && \\\n    rm -rf /var/lib/apt/lists/*\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n"
        "    apt-get update && \\\n    # build tools\n    apt-get install -y gcc\n",
        id="apt-arguments-already-on-next-line-comment-kept",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc \\\n"
        "    # keep the image small\n    && rm -rf /var/lib/apt/lists/*\n",
        SYNTAX + "FROM python:3.11-slim\n# keep the image small\n"
        "RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y gcc\n",
        id="comment-of-a-removed-command-goes-above-the-run",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y gcc && pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip \\\n"
        "    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n"
        "    apt-get update && apt-get install -y gcc && pip install poetry\n",
        id="pip-and-apt-in-one-run",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV PYTHONUNBUFFERED=1 \\\n    PIP_NO_CACHE_DIR=1 \\\n    PIP_DEFAULT_TIMEOUT=100\nRUN pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nENV PYTHONUNBUFFERED=1 \\\n    PIP_DEFAULT_TIMEOUT=100\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-no-cache-dir-key-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV PIP_NO_CACHE_DIR=off \\\n    PYTHONUNBUFFERED=1\nRUN pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nENV PYTHONUNBUFFERED=1\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-no-cache-dir-first-key-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV PIP_NO_CACHE_DIR 1\nRUN pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="pip-no-cache-dir-only-key-env-removed",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN <<EOF\npip install --no-cache-dir poetry\nEOF\n",
        SYNTAX
        + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip <<EOF\npip install --no-cache-dir poetry\nEOF\n",
        id="heredoc-flags-before-heredoc-script-untouched",
    ),
    pytest.param(
        "# escape=`\nFROM python:3.11-slim AS build\nRUN apt-get update && apt-get install -y gcc && pip install poetry\n"
        "FROM python:3.11-slim\n",
        SYNTAX + "# escape=`\nFROM python:3.11-slim AS build\nRUN --mount=type=cache,target=/root/.cache/pip `\n"
        "    --mount=type=cache,target=/var/cache/apt,sharing=locked `\n"
        "    --mount=type=cache,target=/var/lib/apt,sharing=locked `\n    "
        + KEEP_DOWNLOADS.replace("\\\n", "`\n")
        + "apt-get update && apt-get install -y gcc && pip install poetry\nFROM python:3.11-slim\n",
        id="escape-directive-backtick",
    ),
    pytest.param(
        "\ufeffFROM python:3.11-slim\r\nrun pip install poetry\r\n",
        "\ufeff"
        + SYNTAX.replace("\n", "\r\n")
        + "FROM python:3.11-slim\r\nrun --mount=type=cache,target=/root/.cache/pip pip install poetry\r\n",
        id="bom-crlf-lowercase",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry",
        SYNTAX + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry",
        id="missing-final-newline",
    ),
    pytest.param(
        "FROM python:3.11-slim AS build\nRUN pip install poetry\nFROM python:3.11-slim AS runtime\n"
        "RUN apt-get update && apt-get install -y libpq5 && rm -rf /var/lib/apt/lists/*\n",
        SYNTAX + "FROM python:3.11-slim AS build\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n"
        "FROM python:3.11-slim AS runtime\nRUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y libpq5\n",
        id="every-stage",
    ),
    pytest.param(
        "FROM python:3.11-slim\nRUN pip install poetry\nUSER app\nRUN poetry install\n",
        SYNTAX
        + "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\nUSER app\nRUN poetry install\n",
        id="only-steps-before-a-non-root-user",
    ),
    pytest.param(
        "FROM python:3.11-slim AS base\nUSER 1000\nFROM base AS build\nUSER root\nRUN pip install poetry\n",
        SYNTAX + "FROM python:3.11-slim AS base\nUSER 1000\nFROM base AS build\nUSER root\n"
        "RUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="root-again-in-the-child-stage",
    ),
    pytest.param(
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN --mount=type=secret,id=netrc,target=/root/.netrc poetry install\n",
        SYNTAX
        + "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN --mount=type=cache,target=/root/.cache/pypoetry --mount=type=secret,id=netrc,target=/root/.netrc poetry install\n",
        id="next-to-a-secret-mount",
    ),
    pytest.param(
        "FROM python:3.13-slim\nRUN --mount=type=secret,id=pip,target=/etc/pip.conf \\\n    pip install poetry\n",
        SYNTAX + "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache/pip \\\n"
        "    --mount=type=secret,id=pip,target=/etc/pip.conf \\\n    pip install poetry\n",
        id="next-to-a-mount-on-its-own-line",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert run_twice(TRANSFORM, text) == text


@pytest.mark.parametrize(("before", "after"), CHANGED)
def test_changed(before, after):
    assert run_twice(TRANSFORM, before) == after


def test_no_syntax_directive_when_disabled():
    text = "FROM python:3.11-slim\nRUN pip install poetry\n"
    result = run_twice(TRANSFORM, text, settings=Settings(syntax_directive=False))
    assert result == "FROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n"


def test_existing_syntax_directive_kept():
    text = "# syntax=docker/dockerfile:1.7\nFROM python:3.11-slim\nRUN pip install poetry\n"
    assert run_twice(TRANSFORM, text).startswith("# syntax=docker/dockerfile:1.7\nFROM")


def test_non_root_user_is_warned_about():
    outcome = outcome_of(TRANSFORM, "FROM python:3.11-slim\nUSER 1000\nRUN pip install poetry\n")
    assert not outcome.edits
    assert [w.line for w in outcome.warnings] == [3]
    assert "USER 1000" in outcome.warnings[0].message


def test_changes_name_the_line():
    outcome = outcome_of(TRANSFORM, "FROM python:3.11-slim\nRUN pip install poetry\n")
    assert (2, "cache mount for pip") in [(c.line, c.message) for c in outcome.changes]


def test_heredoc_still_runs_its_script():
    result = run_twice(TRANSFORM, "FROM python:3.11-slim\nRUN <<EOF\napt-get update\napt-get install -y gcc\nEOF\n")
    run = parse(result).stages[0].instructions[0]
    assert run.heredocs and "apt-get install -y gcc" in run.heredocs[0].content
    assert run.flag_values("mount") == ["type=cache,target=/var/lib/apt/lists,sharing=locked"]
    assert result.count("\n") == 6, "a heredoc RUN keeps its mounts on one line"


COMMANDS = [
    "apt-get update",
    "apt-get install -y --no-install-recommends gcc",
    "apt-get clean",
    "rm -rf /var/lib/apt/lists/*",
    "pip install poetry",
    "pip install --no-cache-dir poetry",
    "pip cache purge",
    "poetry install --no-root",
    "rm -rf /root/.cache /tmp/build",
    "echo kept",
    "true",
]
JOINS = [" && ", " ; ", " || ", " | ", " && \\\n    ", " \\\n    # a comment\n    && "]
KEPT = ("echo kept", "apt-get update", "apt-get install", "pip install", "poetry install", "/tmp/build")


@given(
    st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=6),
    st.lists(st.sampled_from(JOINS), min_size=5, max_size=5),
    st.sampled_from(["RUN", "run"]),
)
@settings(max_examples=150, deadline=None)
def test_any_run_stays_a_valid_run_that_keeps_its_real_work(commands, joins, keyword):
    script = commands[0] + "".join(j + c for j, c in zip(joins, commands[1:], strict=False))
    text = f"FROM python:3.11-slim\n{keyword} {script}\n"
    result = run_twice(TRANSFORM, text)
    buildkit = [c.cmd.upper() for c in dockerfile.parse_string(result)]
    assert buildkit == ["FROM", "RUN"]
    for kept in KEPT:
        assert result.count(kept) >= text.count(kept), f"{kept!r} lost from:\n{text}\n->\n{result}"
    assert result.count("# a comment") == text.count("# a comment")


def test_a_cleanup_that_stays_is_warned_about():
    outcome = outcome_of(TRANSFORM, "FROM python:3.11-slim\nRUN pip install poetry && rm -rf /root/.cache || true\n")
    assert not outcome.edits
    assert "rm" in outcome.warnings[0].message and "/root/.cache" in outcome.warnings[0].message


# --- issue 11, item 8: mounts that would break apt or do nothing ---------------------

APT_BOTH = (
    "RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n"
    "    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    "
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(
            "FROM python:3.11-slim AS build\nRUN apt-get update && apt-get install -y gcc\n"
            "RUN apt-get update && apt-get install -y libpq-dev\nFROM python:3.11-slim\n",
            SYNTAX
            + "FROM python:3.11-slim AS build\n"
            + APT_BOTH
            + KEEP_DOWNLOADS
            + "apt-get update && apt-get install -y gcc\n"
            + APT_BOTH
            + "apt-get update && apt-get install -y libpq-dev\nFROM python:3.11-slim\n",
            id="docker-clean-removed-once-per-build-stage",
        ),
        pytest.param(
            "FROM python:3.11-slim AS base\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
            "FROM base AS build\nRUN apt-get update && apt-get install -y gcc\nFROM python:3.11-slim\n",
            SYNTAX + "FROM python:3.11-slim AS base\nRUN rm -f /etc/apt/apt.conf.d/docker-clean\n"
            "FROM base AS build\n" + APT_BOTH + "apt-get update && apt-get install -y gcc\nFROM python:3.11-slim\n",
            id="docker-clean-already-removed-in-the-parent-stage",
        ),
        pytest.param(
            "FROM python:3.11-slim AS base\nENV POETRY_CACHE_DIR=/opt/poetry-cache POETRY_VIRTUALENVS_IN_PROJECT=true\n"
            "FROM base AS build\nRUN poetry install\n",
            SYNTAX + "FROM python:3.11-slim AS base\n"
            "ENV POETRY_CACHE_DIR=/opt/poetry-cache POETRY_VIRTUALENVS_IN_PROJECT=true\n"
            "FROM base AS build\nRUN --mount=type=cache,target=/opt/poetry-cache poetry install\n",
            id="poetry-cache-dir-inherited-through-from",
        ),
        pytest.param(
            "FROM python:3.11-slim AS base\nENV PIP_CACHE_DIR=/var/cache/pip\nFROM base\nRUN pip install poetry\n",
            SYNTAX + "FROM python:3.11-slim AS base\nENV PIP_CACHE_DIR=/var/cache/pip\nFROM base\n"
            "RUN --mount=type=cache,target=/var/cache/pip pip install poetry\n",
            id="pip-cache-dir-inherited-through-from",
        ),
        pytest.param(
            "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache pip install poetry\n",
            SYNTAX + "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
            id="existing-mount-around-the-pip-cache-narrowed-not-nested",
        ),
        pytest.param(
            "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache,id=c pip install uv && uv sync\n",
            SYNTAX
            + "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache,id=c pip install uv && uv sync\n",
            id="existing-mount-around-kept-when-another-tool-fills-it",
        ),
        pytest.param(
            "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache/pip/http pip install poetry\n",
            SYNTAX + "FROM python:3.13-slim\nRUN --mount=type=cache,target=/root/.cache/pip/http pip install poetry\n",
            id="no-pip-mount-around-an-existing-one",
        ),
    ],
)
def test_apt_and_inherited_caches(before, after):
    assert run_twice(TRANSFORM, before) == after


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(
            "FROM python:3.11-slim\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y gcc\n",
            3,
            id="later-install-reads-the-lists-of-an-earlier-run",
        ),
        pytest.param(
            "FROM python:3.11-slim AS base\nRUN apt-get update && apt-get install -y curl\n"
            "FROM base\nRUN apt-get install -y gcc\n",
            4,
            id="child-stage-reads-the-lists-of-its-parent",
        ),
    ],
)
def test_no_apt_mount_when_a_later_install_needs_the_lists(text, line):
    outcome = outcome_of(TRANSFORM, text)
    assert outcome.edits == ()
    assert [(w.line, w.message.split(":")[0]) for w in outcome.warnings] == [(line, "no apt cache mount in this stage")]
