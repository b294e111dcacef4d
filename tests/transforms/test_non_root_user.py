import shutil
import subprocess

import dockerfile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.transform import Settings as MigratorSettings
from migrator.transforms.non_root_user import TRANSFORM
from tests.support import outcome_of, run_pipeline, run_twice

CREATE = (
    "RUN groupadd --system --gid 10001 app && "
    "useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app\n"
)
CREATE_APP = CREATE.replace("\n", " && mkdir -p /app && chown 10001:10001 /app\n")
CREATE_ALPINE = "RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app\n"

BUILD = """\
FROM python:3.11-slim AS build
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
RUN pip install poetry==2.2.1
WORKDIR /app
COPY . .
RUN poetry install --only main

"""

RUNTIME_BEFORE = (
    BUILD
    + """\
FROM python:3.11-slim AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
COPY --from=build /app /app
EXPOSE 8000
CMD ["uvicorn", "app.main:app"]
"""
)

RUNTIME_AFTER = (
    BUILD
    + """\
FROM python:3.11-slim AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
"""
    + CREATE_APP
    + """\
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8000
CMD ["uvicorn", "app.main:app"]
"""
)

UNCHANGED = [
    pytest.param(RUNTIME_AFTER, id="already-non-root"),
    pytest.param(BUILD + 'FROM python:3.11-slim\nUSER 1001:1001\nCMD ["svc"]\n', id="numeric-user-kept"),
    pytest.param(BUILD + 'FROM python:3.11-slim\nRUN useradd web\nUSER web\nCMD ["svc"]\n', id="named-user-kept"),
    pytest.param(
        BUILD + "FROM nginx:alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\nEXPOSE 80\n",
        id="nginx-serves-what-python-built",
    ),
    pytest.param(BUILD + 'FROM python:3.11-slim\nUSER root\nCMD ["svc"]\n', id="explicit-root-kept"),
    pytest.param('FROM python:3.11-slim AS base\nUSER 1000\nFROM base\nCMD ["svc"]\n', id="user-inherited-from-stage"),
    pytest.param('FROM gcr.io/distroless/python3\nCOPY . /app\nCMD ["app.py"]\n', id="distroless-skipped"),
]

PAIRS = [
    pytest.param(RUNTIME_BEFORE, RUNTIME_AFTER, id="runtime-stage"),
    pytest.param(RUNTIME_BEFORE.replace("\n", "\r\n"), RUNTIME_AFTER.replace("\n", "\r\n"), id="crlf"),
    pytest.param(RUNTIME_BEFORE.rstrip("\n"), RUNTIME_AFTER.rstrip("\n"), id="no-final-newline"),
    pytest.param(
        BUILD
        + 'FROM python:3.11-slim AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\n# serve it\nCMD ["svc"]\n',
        BUILD
        + "FROM python:3.11-slim AS runtime\nWORKDIR /app\n"
        + CREATE_APP
        + 'COPY --from=build --chown=10001:10001 /app /app\nUSER 10001:10001\n# serve it\nCMD ["svc"]\n',
        id="comment-above-cmd",
    ),
    pytest.param(
        BUILD.lower().replace("poetry_virtualenvs_in_project", "POETRY_VIRTUALENVS_IN_PROJECT")
        + 'from python:3.11-slim as runtime\ncopy --from=build /app /app\ncmd ["svc"]\n',
        BUILD.lower().replace("poetry_virtualenvs_in_project", "POETRY_VIRTUALENVS_IN_PROJECT")
        + "from python:3.11-slim as runtime\n"
        + CREATE.replace("RUN", "run")
        + 'copy --from=build --chown=10001:10001 /app /app\nuser 10001:10001\ncmd ["svc"]\n',
        id="lowercase-keywords",
    ),
    pytest.param(
        "ARG PY=3.11\nFROM python:${PY}-alpine AS build\nWORKDIR /app\nRUN pip install poetry\n\n"
        "FROM --platform=linux/amd64 python:${PY}-alpine\nCOPY --from=build /app /app\nCOPY --from=build /usr/local/bin/entrypoint.sh /usr/local/bin/\n"
        'ENTRYPOINT ["entrypoint.sh"]\n',
        "ARG PY=3.11\nFROM python:${PY}-alpine AS build\nWORKDIR /app\nRUN pip install poetry\n\n"
        "FROM --platform=linux/amd64 python:${PY}-alpine\n"
        + CREATE_ALPINE
        # The entrypoint outside the app's folder stays root's: the app user must not rewrite it.
        + "COPY --from=build --chown=10001:10001 /app /app\nCOPY --from=build /usr/local/bin/entrypoint.sh /usr/local/bin/\n"
        'USER 10001:10001\nENTRYPOINT ["entrypoint.sh"]\n',
        id="alpine-arg-platform",
    ),
    pytest.param(
        BUILD + "FROM python:3.11-slim AS runtime\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\nCOPY --from=build /app /app\n"
        'HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD ["svc"]\n',
        BUILD + "FROM python:3.11-slim AS runtime\nRUN apt-get update \\\n    && apt-get install -y curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        + CREATE
        + "COPY --from=build --chown=10001:10001 /app /app\nUSER 10001:10001\n"
        'HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD ["svc"]\n',
        id="apt-continuations-healthcheck-curl",
    ),
    pytest.param(
        'FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install\nCMD ["poetry", "run", "svc"]\n',
        "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\n"
        + CREATE_APP
        + 'COPY --chown=10001:10001 . .\nRUN poetry install\nUSER 10001:10001\nCMD ["poetry", "run", "svc"]\n',
        id="single-stage",
    ),
    pytest.param(
        BUILD + 'FROM python:3.11-slim\nCOPY --from=build --chown=1:1 /app /app\nCMD ["svc"]\n',
        BUILD
        + "FROM python:3.11-slim\n"
        + CREATE
        + 'COPY --from=build --chown=1:1 /app /app\nUSER 10001:10001\nCMD ["svc"]\n',
        id="existing-chown-kept",
    ),
    pytest.param(
        BUILD + 'FROM python:3.11-slim\nCOPY --from=build /app /app\nCMD ["svc"]\n',
        BUILD
        + "FROM python:3.11-slim\n"
        + CREATE.replace("10001", "2000").replace(" app", " svc")
        + 'COPY --from=build --chown=2000:2000 /app /app\nUSER 2000:2000\nCMD ["svc"]\n',
        id="settings-user-and-uid",
    ),
]


def settings_for(case_id):
    return MigratorSettings(user_name="svc", uid=2000) if case_id == "settings-user-and-uid" else MigratorSettings()


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert run_twice(TRANSFORM, text) == text


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_user_added(before, after, request):
    settings = settings_for(request.node.callspec.id)
    result = run_twice(TRANSFORM, before, settings=settings)
    assert result == after
    dockerfile.parse_string(result)


def test_build_stage_never_gets_a_user():
    result = run_twice(TRANSFORM, RUNTIME_BEFORE)
    build_stage = result.split("AS runtime")[0]
    assert "USER" not in build_stage and "useradd" not in build_stage


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        pytest.param(
            BUILD + 'FROM python:3.11-slim\nUSER root\nCMD ["svc"]\n', 9, "left as the author chose", id="root"
        ),
        pytest.param(
            BUILD + 'FROM python:3.11-slim\nRUN useradd web\nUSER web\nCMD ["svc"]\n',
            10,
            "numeric `USER uid:gid`",
            id="named-user-without-ids",
        ),
        pytest.param(
            BUILD + "FROM nginx:alpine\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
            8,
            "not the Python app",
            id="nginx-final-stage",
        ),
        pytest.param(
            'FROM gcr.io/distroless/python3\nCMD ["app.py"]\n', 1, "cannot tell how to create", id="distroless"
        ),
        pytest.param(
            BUILD + 'FROM python:3.11-slim\nCOPY --from=build /app /app\nEXPOSE 80\nCMD ["svc"]\n',
            10,
            "below 1024",
            id="low-port",
        ),
        pytest.param(
            BUILD + 'FROM python:3.11-slim\nRUN useradd web\nCOPY --from=build /app /app\nCMD ["svc"]\n',
            9,
            "without a fixed uid",
            id="existing-user-without-uid",
        ),
    ],
)
def test_warnings(text, line, words):
    warnings = outcome_of(TRANSFORM, text).warnings
    assert any(w.line == line and words in w.message for w in warnings), warnings


NAIVE = """\
FROM python:3.11-slim
RUN apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*
RUN pip install poetry
WORKDIR /app
COPY . .
RUN poetry config virtualenvs.create false && poetry install --no-dev --no-interaction
EXPOSE 8000
CMD ["poetry", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""


@pytest.mark.parametrize("before", [NAIVE, NAIVE.replace("\n", "\r\n")], ids=["naive", "naive-crlf"])
def test_pipeline_output_runs_as_the_numeric_user(before):
    result = run_pipeline(before)
    final_stage = result.split("FROM")[-1]
    assert "USER 10001:10001" in final_stage
    dockerfile.parse_string(result)


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint not installed")
def test_hadolint_finds_no_root_user(tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(run_twice(TRANSFORM, RUNTIME_BEFORE))
    found = subprocess.run(["hadolint", "--no-fail", "--format", "tty", str(path)], capture_output=True, text=True)
    assert "DL3002" not in found.stdout
    root = tmp_path / "Root.Dockerfile"
    root.write_text(BUILD + 'FROM python:3.11-slim\nUSER root\nCMD ["svc"]\n')
    found = subprocess.run(["hadolint", "--no-fail", "--format", "tty", str(root)], capture_output=True, text=True)
    assert "DL3002" in found.stdout  # the check itself can fire


def test_user_goes_after_the_blank_line_that_ends_the_build_steps():
    before = 'FROM python:3.11-slim\nWORKDIR /app\nCOPY . .\nRUN pip install .\n\n# serve\nCMD ["svc"]\n'
    after = (
        "FROM python:3.11-slim\nWORKDIR /app\n"
        + CREATE_APP
        + 'COPY --chown=10001:10001 . .\nRUN pip install .\n\nUSER 10001:10001\n# serve\nCMD ["svc"]\n'
    )
    assert run_twice(TRANSFORM, before) == after


def test_user_goes_right_after_the_last_step_before_stopsignal():
    before = BUILD + 'FROM python:3.11-slim\nCOPY --from=build /app /app\nSTOPSIGNAL SIGINT\nCMD ["svc"]\n'
    after = (
        BUILD
        + "FROM python:3.11-slim\n"
        + CREATE
        + 'COPY --from=build --chown=10001:10001 /app /app\nUSER 10001:10001\nSTOPSIGNAL SIGINT\nCMD ["svc"]\n'
    )
    assert run_twice(TRANSFORM, before) == after


STAGE_LINES = [
    "WORKDIR /app\n",
    "COPY --from=build /app /app\n",
    "COPY . .\n",
    "RUN apt-get update && apt-get install -y libpq5\n",
    'ENV PATH="/app/.venv/bin:$PATH"\n',
    "# a comment\n",
    "\n",
    "EXPOSE 8000\n",
    "HEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\n",
    "USER root\n",
    "USER 1000\n",
    "STOPSIGNAL SIGINT\n",
    'CMD ["svc"]\n',
]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(STAGE_LINES), max_size=8), st.sampled_from(["python:3.11-slim", "python:3.12-alpine"]))
def test_any_final_stage_gets_the_user_once_and_loses_nothing(lines, image):
    text = BUILD + f"FROM {image}\n" + "".join(lines)
    result = run_twice(TRANSFORM, text)
    dockerfile.parse_string(result)
    final = result.split(f"FROM {image}\n")[1]
    assert "USER root" not in result.split(f"FROM {image}\n")[0]
    if any(line.startswith("USER") for line in lines):
        assert result == text
        return
    if not any(line.startswith(("CMD", "COPY")) for line in lines):
        assert result == text  # no source and no command: the user is decided where it runs
        return
    assert final.count("USER 10001:10001\n") == 1
    added = {"USER 10001:10001"}
    remaining = [
        l.replace("--chown=10001:10001 ", "")
        for l in result.splitlines()
        if l not in added and not l.startswith(("RUN groupadd", "RUN addgroup"))
    ]
    assert remaining == text.splitlines()
    user_line = final.splitlines().index("USER 10001:10001")
    assert not any(l.startswith(("RUN", "COPY")) for l in final.splitlines()[user_line + 1 :])


def test_family_read_through_a_global_arg():
    text = 'ARG BASE=python:3.12-alpine\nFROM ${BASE}\nCOPY . /app\nCMD ["svc"]\n'
    result = run_twice(TRANSFORM, text)
    assert CREATE_ALPINE in result


def test_a_named_user_the_file_creates_with_ids_becomes_numeric():
    before = (
        BUILD + 'FROM python:3.11-slim\nRUN groupadd -g 1001 grp && useradd -u 1001 -g grp web\nUSER web\nCMD ["svc"]\n'
    )
    after = run_twice(TRANSFORM, before)
    assert after == before.replace("USER web\n", "USER 1001:1001\n")
    assert "runAsNonRoot" in outcome_of(TRANSFORM, before).changes[0].message


def test_the_pipeline_accepts_the_numeric_form_of_the_same_user():
    before = (
        BUILD + 'FROM python:3.11-slim\nRUN groupadd -g 1001 grp && useradd -u 1001 -g grp web\nUSER web\nCMD ["svc"]\n'
    )
    assert "USER 1001:1001\n" in run_pipeline(before)
