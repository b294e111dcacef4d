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
        # The venv in /app/.venv: the user can read it (one in /root/.cache could not be, see test_held_back).
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
        'RUN poetry install\nCMD ["poetry", "run", "svc"]\n',
        "FROM python:3.11-slim\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN pip install poetry\nWORKDIR /app\n"
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
        line.replace("--chown=10001:10001 ", "")
        for line in result.splitlines()
        if line not in added and not line.startswith(("RUN groupadd", "RUN addgroup"))
    ]
    assert remaining == text.splitlines()
    user_line = final.splitlines().index("USER 10001:10001")
    assert not any(line.startswith(("RUN", "COPY")) for line in final.splitlines()[user_line + 1 :])


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


# --- issue 11: where the image must start as root, or its user is decided elsewhere -----

from pathlib import Path  # noqa: E402

from migrator.launchers import Launchers, Service  # noqa: E402
from migrator.migrate_file import context_for, migrate_path  # noqa: E402
from migrator.project import ProjectContext, read_context  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SPLIT = BUILD + "FROM python:3.11-slim AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\n"


def context_with(**run_files: str) -> ProjectContext:
    return ProjectContext(root=Path("/context"), run_files={k.replace("__", "/"): v for k, v in run_files.items()})


# Poetry's default venv: {cache-dir}/virtualenvs, /root/.cache/pypoetry/virtualenvs for root.
DEFAULT_VENV = (
    "FROM python:3.11-slim\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n"
)
GOSU_SCRIPT = '#!/bin/sh\nset -e\n# drop to the app user\nchown -R app /data\nexec gosu app "$@"\n'


@pytest.mark.parametrize(
    ("text", "context", "words"),
    [
        pytest.param(
            SPLIT + 'ENTRYPOINT ["python", "/app/main.py"]\n',
            context_with(**{"action.yml": "name: x\nruns:\n  using: 'docker'\n  image: Dockerfile\n"}),
            "action.yml:3 (`runs.using: docker`)",
            id="github-container-action",
        ),
        pytest.param(
            BUILD + "FROM python:3.11-slim\nCOPY --from=build /app /app\nCOPY docker/entrypoint.sh /usr/local/bin/\n"
            'ENTRYPOINT ["entrypoint.sh"]\nCMD ["svc"]\n',
            context_with(**{"docker__entrypoint.sh": GOSU_SCRIPT}),
            'docker/entrypoint.sh:5 `exec gosu app "$@"`',
            id="gosu-in-the-copied-entrypoint",
        ),
        pytest.param(
            SPLIT + 'COPY start.sh /start.sh\nCMD ["/bin/bash", "/start.sh"]\n',
            context_with(**{"start.sh": "#!/bin/bash\nusermod -u $PUID app\nexec su-exec app uvicorn main:app\n"}),
            "start.sh:3 `exec su-exec app",
            id="su-exec-preferred-over-usermod",
        ),
        pytest.param(
            SPLIT + 'COPY . .\nCMD ["./run.sh"]\n',
            context_with(**{"run.sh": '#!/bin/sh\ngroupmod -o -g "$PGID" app\nexec python main.py\n'}),
            "run.sh:2",
            id="pgid-handling",
        ),
        pytest.param(
            SPLIT + 'ENTRYPOINT ["gosu", "nobody", "svc"]\n',
            context_with(),
            "switches user itself (gosu)",
            id="gosu-in-the-dockerfile",
        ),
        pytest.param(
            SPLIT + 'RUN apt-get update && apt-get install -y --no-install-recommends gosu libpq5\nCMD ["svc"]\n',
            context_with(),
            "this RUN installs gosu",
            id="gosu-installed-for-an-unseen-entrypoint",
        ),
        pytest.param(
            SPLIT + 'CMD ["svc"]\n',
            context_with(
                **{".devcontainer__devcontainer.json": '// dev\n{"build": {"dockerfile": "../Dockerfile",},}\n'}
            ),
            "builds this image as a dev container",
            id="devcontainer-builds-this-dockerfile",
        ),
        pytest.param(
            "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /code\nCOPY pyproject.toml poetry.lock ./\n"
            "RUN poetry install --no-root\n",
            context_with(),
            "copies no source of its own and sets no CMD or ENTRYPOINT",
            id="no-source-no-command",
        ),
        pytest.param(
            SPLIT + 'RUN python -c "import nltk; nltk.download(\'punkt\')"\nCMD ["svc"]\n',
            context_with(),
            "leaves NLTK data under /root",
            id="nltk-download",
        ),
        pytest.param(
            SPLIT + 'RUN playwright install chromium\nCMD ["svc"]\n',
            context_with(),
            "set PLAYWRIGHT_BROWSERS_PATH",
            id="playwright-install",
        ),
        pytest.param(
            SPLIT + 'RUN python -c "import whisper; whisper.load_model(\'base\')"\nCMD ["svc"]\n',
            context_with(),
            "leaves Whisper models (~/.cache/whisper) under /root",
            id="whisper-model",
        ),
        pytest.param(
            SPLIT + 'RUN pyppeteer-install\nCMD ["svc"]\n',
            context_with(),
            "set PYPPETEER_HOME",
            id="pyppeteer-chromium",
        ),
        pytest.param(
            SPLIT + 'RUN pip install --user httpx\nCMD ["svc"]\n',
            context_with(),
            "`pip install --user` (~/.local)",
            id="pip-user",
        ),
        pytest.param(
            SPLIT + 'COPY --from=build /root/.cache/huggingface /root/.cache/huggingface\nCMD ["svc"]\n',
            context_with(),
            "this COPY puts /root/.cache/huggingface under /root",
            id="build-result-copied-under-root",
        ),
        pytest.param(
            SPLIT + 'COPY heroku/ /app/heroku/\nCMD ["/app/heroku/start.sh"]\n',
            context_with(
                **{
                    "heroku__start.sh": "#!/bin/bash\n# agent first\nmonitor-agent run > /dev/null &\n"
                    "service metricsd start\nexec gunicorn app:app\n"
                }
            ),
            "heroku/start.sh starts a system service (heroku/start.sh:4 `service metricsd start`)",
            id="entrypoint-starts-a-system-service",
        ),
        pytest.param(
            BUILD.replace("COPY . .", "COPY . .\nRUN chmod +x run.sh")
            + 'FROM python:3.11-slim AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\nCMD ["/app/run.sh"]\n',
            context_with(**{"run.sh": "#!/bin/sh\nnohup crond -b\nexec python main.py\n"}),
            "run.sh:2 `nohup crond -b`",
            id="script-copied-through-the-build-stage-starts-cron",
        ),
        pytest.param(
            BUILD
            + 'FROM python:3.11-slim AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\nCMD ["/app/run.sh"]\n',
            context_with(**{"run.sh": '#!/bin/sh\nexec gosu app "$@"\n'}),
            "run.sh switches user itself",
            id="gosu-script-copied-through-the-build-stage",
        ),
        pytest.param(
            SPLIT + 'COPY start.sh /\nCMD ["/start.sh"]\n',
            context_with(**{"start.sh": "#!/bin/sh\n/opt/agent/bin/datadog-agent run &\nexec python main.py\n"}),
            "start.sh:2 `/opt/agent/bin/datadog-agent run &`",
            id="entrypoint-starts-an-agent-by-path",
        ),
        pytest.param(
            SPLIT + 'CMD ["supervisord", "-c", "/etc/supervisor/app.conf"]\n',
            context_with(),
            "this CMD starts supervisord",
            id="supervisord-command",
        ),
        pytest.param(
            DEFAULT_VENV + 'CMD ["poetry", "run", "python", "main.py"]\n',
            context_with(),
            "this RUN puts the venv in /root/.cache/pypoetry/virtualenvs, under /root (mode 0700), and line 6 runs Poetry",
            id="poetry-run-with-the-venv-in-roots-cache",
        ),
        pytest.param(
            DEFAULT_VENV + 'COPY entrypoint.sh /\nCMD ["/entrypoint.sh"]\n',
            context_with(**{"entrypoint.sh": '#!/bin/sh\npoetry run python manage.py migrate\nexec "$@"\n'}),
            "entrypoint.sh (run by line 7) runs Poetry",
            id="entrypoint-script-runs-poetry-with-the-venv-in-roots-cache",
        ),
        pytest.param(
            DEFAULT_VENV,
            ProjectContext(
                root=Path("/context"),
                launchers=Launchers(
                    services=(Service("docker-compose.yml", "app", command="poetry run python main.py"),)
                ),
            ),
            "docker-compose.yml runs `poetry run python main.py` in service app, which runs Poetry",
            id="compose-runs-poetry-with-the-venv-in-roots-cache",
        ),
        pytest.param(
            SPLIT + "CMD HOME=/root poetry run gunicorn app:app\n",
            context_with(),
            "this CMD uses /root",
            id="command-sets-home-to-root",
        ),
        pytest.param(
            SPLIT + 'ENTRYPOINT ["/root/.local/bin/svc"]\n',
            context_with(),
            "this ENTRYPOINT uses /root",
            id="entrypoint-under-root",
        ),
        pytest.param(
            SPLIT + 'CMD ["svc"]\n',
            ProjectContext(
                root=Path("/context"),
                run_files={".devcontainer/devcontainer.json": '{"build": {"dockerfile": "../docker/dev.Dockerfile"}}'},
                dockerfile="docker/dev.Dockerfile",
            ),
            "builds this image as a dev container",
            id="devcontainer-builds-this-dockerfile-in-a-subfolder",
        ),
        pytest.param(
            SPLIT + 'CMD ["sleep", "infinity"]\n',
            ProjectContext(
                root=Path("/context"),
                run_files={
                    ".devcontainer/devcontainer.json": '{"dockerComposeFile": ["../docker-compose.yml"], "service": "dev"}'
                },
                launchers=Launchers(services=(Service("docker-compose.yml", "dev", command="sleep infinity"),)),
            ),
            "runs this image as a dev container through service dev of docker-compose.yml",
            id="devcontainer-runs-the-compose-service-built-here",
        ),
        pytest.param(
            'FROM python:3.11-slim\nWORKDIR /root/app\nCOPY . .\nCMD ["svc"]\n',
            context_with(),
            "the app lives in /root/app, under /root",
            id="app-under-root",
        ),
    ],
)
def test_held_back(text, context, words):
    outcome = outcome_of(TRANSFORM, text, project=context)
    assert not outcome.edits
    assert any(words in w.message and "no non-root user added" in w.message for w in outcome.warnings), outcome.warnings


@pytest.mark.parametrize(
    ("text", "context"),
    [
        pytest.param(
            SPLIT + 'CMD ["svc"]\n',
            context_with(**{"action.yml": "runs:\n  using: 'node20'\n  main: index.js\n"}),
            id="javascript-action",
        ),
        pytest.param(
            SPLIT + 'CMD ["svc"]\n',
            context_with(**{".devcontainer__devcontainer.json": '{"build": {"dockerfile": "Dockerfile"}}'}),
            id="devcontainer-builds-another-dockerfile",
        ),
        pytest.param(
            SPLIT + 'COPY start.sh /\nCMD ["/start.sh"]\n',
            context_with(
                **{
                    "start.sh": "#!/bin/sh\ncp nginx.conf /etc/nginx/ 2>/dev/null || true\necho cron\nexec python main.py\n"
                }
            ),
            id="script-names-a-daemon-without-starting-it",
        ),
        pytest.param(
            DEFAULT_VENV + 'CMD ["python", "main.py"]\n',
            context_with(),
            id="venv-in-roots-cache-but-nothing-runs-poetry",
        ),
        pytest.param(
            DEFAULT_VENV.replace("RUN pip", "ENV POETRY_VIRTUALENVS_PATH=/opt/venvs\nRUN pip")
            + 'CMD ["poetry", "run", "svc"]\n',
            context_with(),
            id="poetry-run-with-the-venv-outside-root",
        ),
        pytest.param(
            DEFAULT_VENV.replace("RUN poetry", "RUN poetry config virtualenvs.path /opt/venvs && poetry")
            + 'CMD ["poetry", "run", "svc"]\n',
            context_with(),
            id="poetry-config-moves-the-venv-folder",
        ),
        pytest.param(
            SPLIT + 'CMD ["/rootfs/svc"]\n',
            context_with(),
            id="a-path-that-only-starts-like-root",
        ),
        pytest.param(
            SPLIT + 'CMD ["sleep", "infinity"]\n',
            ProjectContext(
                root=Path("/context"),
                run_files={
                    ".devcontainer/devcontainer.json": '{"dockerComposeFile": "../docker-compose.yml", "service": "db"}'
                },
                launchers=Launchers(services=(Service("docker-compose.yml", "dev", command="sleep infinity"),)),
            ),
            id="devcontainer-runs-another-compose-service",
        ),
        pytest.param(
            SPLIT + 'CMD ["svc"]\n',
            ProjectContext(
                root=Path("/context"),
                run_files={".devcontainer/devcontainer.json": '{"dockerFile": "../dev.Dockerfile"}'},
                dockerfile="Dockerfile",
            ),
            id="devcontainer-builds-another-dockerfile-at-the-root",
        ),
        pytest.param(
            SPLIT + 'COPY entrypoint.sh /\nENTRYPOINT ["/entrypoint.sh"]\n',
            context_with(**{"entrypoint.sh": '#!/bin/sh\nexec "$@"\n', "other/entrypoint.sh": GOSU_SCRIPT}),
            id="plain-entrypoint-and-an-unrelated-gosu-script",
        ),
        pytest.param(
            "FROM python:3.11-slim\nENV NLTK_DATA=/usr/local/share/nltk_data\nWORKDIR /app\nCOPY . .\n"
            'RUN python -m nltk.downloader punkt\nCMD ["svc"]\n',
            context_with(),
            id="nltk-data-already-outside-root",
        ),
        pytest.param(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n"
            "RUN python -c \"import nltk; nltk.download('punkt', download_dir='/usr/local/nltk_data')\"\n"
            'ENV NLTK_DATA=/usr/local/nltk_data\nCMD ["svc"]\n',
            context_with(),
            id="nltk-download-dir-outside-root",
        ),
        pytest.param(
            "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN python -m nltk.downloader -d /usr/share/nltk_data punkt\n"
            'CMD ["svc"]\n',
            context_with(),
            id="nltk-downloader-d-outside-root",
        ),
    ],
)
def test_not_held_back(text, context):
    outcome = outcome_of(TRANSFORM, text, project=context)
    assert any("USER 10001:10001" in e.text for e in outcome.edits), outcome.warnings


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("github-action-docker", "GitHub Actions container action"),
        ("devcontainer-image", ".devcontainer/devcontainer.json builds this image"),
        ("compose-only-image", "copies no source of its own"),
        ("e2e-gosu-entrypoint", "docker-entrypoint.sh switches user itself"),
        ("nltk-under-root", "NLTK data under /root"),
        ("compose-bind-mount-default-venv", "puts the venv in /root/.cache/pypoetry/virtualenvs"),
        ("entrypoint-poetry-root-venv", "docker-compose.yml runs `./entrypoint.sh` in service api, which runs Poetry"),
        ("home-root-command", "this CMD uses /root"),
        ("e2e-home-root-command", "this CMD uses /root"),
        ("devcontainer-compose-service", "through service lab of docker-compose.yml"),
        ("entrypoint-system-daemon", "deploy/start.sh:3 `service metrics-agent start > /dev/null`"),
        ("compose-data-bind-mount", "bind-mounts ./db.sqlite3 at /app/db.sqlite3 in service bot"),
        (
            "multi-target-test-last",
            "besides test, the file has other targets nothing builds on (development (line 8), production",
        ),
        ("compose-image-tagged-by-script", "in service bot (image acme/ledger-bot:latest, which `release.sh` builds"),
    ],
)
def test_corpus_cases_say_why_no_user(case, words):
    result = migrate_path(CORPUS / case / "Dockerfile", MigratorSettings(), context_dir=CORPUS / case)
    assert "USER" not in result.migrated.split("AS runtime")[-1]
    assert any(w.code == "MIG005" and words in w.message for w in result.warnings), result.warnings


def test_the_context_knows_where_the_dockerfile_is(tmp_path):
    (tmp_path / "python").mkdir()
    (tmp_path / "python" / "Dockerfile").write_text("FROM python:3.11-slim\n")
    assert context_for(tmp_path / "python" / "Dockerfile", tmp_path).dockerfile == "python/Dockerfile"
    assert context_for(tmp_path / "python" / "Dockerfile", None).dockerfile == "Dockerfile"
    assert context_for(tmp_path / "python" / "Dockerfile", tmp_path / "python" / "x").dockerfile is None


def test_corpus_low_port_in_the_command_is_warned():
    case = CORPUS / "low-port-command"
    result = migrate_path(case / "Dockerfile", MigratorSettings(), context_dir=case)
    assert [w.message[:31] for w in result.warnings if w.code == "MIG005"] == ["port 80 is below 1024 and the a"]


def test_corpus_existing_user_is_reused():
    case = CORPUS / "existing-user-reused"
    result = migrate_path(case / "Dockerfile", MigratorSettings(), context_dir=case)
    runtime = result.migrated.split("AS runtime")[-1]
    assert "USER 1500:1500\n" in runtime and "10001" not in result.migrated
    assert any("the user this file already creates" in c.message for c in result.changes)


def test_an_existing_user_is_reused_by_its_ids_not_doubled():
    before = (
        "FROM python:3.11-slim\nRUN groupadd -g 1500 web && useradd -u 1500 -g web -m web\nWORKDIR /srv\n"
        'COPY . .\nCMD ["svc"]\n'
    )
    after = run_twice(TRANSFORM, before)
    assert after == (
        "FROM python:3.11-slim\nRUN groupadd -g 1500 web && useradd -u 1500 -g web -m web\nWORKDIR /srv\n"
        'RUN mkdir -p /srv && chown 1500:1500 /srv\nCOPY --chown=1500:1500 . .\nUSER 1500:1500\nCMD ["svc"]\n'
    )
    assert "useradd --system" not in after


def test_the_pipeline_keeps_the_reused_user():
    before = (
        "FROM python:3.11-slim\nRUN pip install poetry\nRUN useradd --uid 1500 --create-home web\nWORKDIR /srv\n"
        'COPY . .\nRUN poetry install\nCMD ["poetry", "run", "svc"]\n'
    )
    result = run_pipeline(before)
    assert result.split("AS runtime")[-1].count("USER 1500\n") == 1
    assert "groupadd --system" not in result


@pytest.mark.parametrize(
    ("command", "port"),
    [
        ('CMD ["gunicorn", "-b", "0.0.0.0:80", "app:app"]\n', "80"),
        ('CMD ["uvicorn", "app:app", "--port", "443"]\n', "443"),
        ("CMD uvicorn app:app --port=81\n", "81"),
        ('CMD ["hypercorn", "--bind", ":443", "app:app"]\n', "443"),
        ('CMD ["python", "manage.py", "runserver", "0.0.0.0:80"]\n', "80"),
        ('ENV PORT=80\nCMD ["svc"]\n', "80"),
        ('EXPOSE 80/tcp\nCMD ["svc"]\n', "80"),
    ],
)
def test_low_port_warned_from_the_command_env_or_expose(command, port):
    warnings = outcome_of(TRANSFORM, SPLIT + command).warnings
    assert [w.message.split(" is below")[0] for w in warnings] == [f"port {port}"]
    assert "Docker 20.10+" in warnings[0].message and "CAP_NET_BIND_SERVICE" in warnings[0].message


@pytest.mark.parametrize(
    "command",
    [
        'CMD ["uvicorn", "app:app", "--port", "8000"]\n',
        'ENV PORT=8080\nEXPOSE 8080\nCMD ["svc"]\n',
        'ENV SMTP_PORT=25 DB_PORT=5432\nCMD ["svc"]\n',
    ],
)
def test_high_port_not_warned(command):
    assert not outcome_of(TRANSFORM, SPLIT + command).warnings


@pytest.mark.parametrize(
    ("copy", "chowned"),
    [
        ("COPY --from=build /app /app\n", True),
        ("COPY --from=build /usr/local/bin /usr/local/bin\n", False),
        ("COPY --from=build /usr/local/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages\n", False),
        ("COPY --from=build /opt/venv /opt/venv\n", False),
        ("COPY --from=build /app/static ./static\n", True),
        ("COPY config.toml /etc/app/\n", False),
    ],
)
def test_only_copies_into_the_app_folder_are_chowned(copy, chowned):
    text = BUILD + "FROM python:3.11-slim AS runtime\nWORKDIR /app\n" + copy + 'CMD ["svc"]\n'
    result = run_twice(TRANSFORM, text)
    assert ("--chown=10001:10001" in result) is chowned, result


def test_workdir_and_volumes_belong_to_the_user():
    text = SPLIT + 'VOLUME ["/var/lib/app", "/app/uploads"]\nCMD ["svc"]\n'
    result = run_twice(TRANSFORM, text)
    assert "mkdir -p /app /var/lib/app /app/uploads && chown 10001:10001 /app /var/lib/app /app/uploads\n" in result


def test_read_context_collects_the_run_files(tmp_path):
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "entrypoint.sh").write_text(GOSU_SCRIPT)
    (tmp_path / "action.yml").write_text("runs:\n  using: docker\n")
    (tmp_path / "main.py").write_text("print()\n")
    (tmp_path / "start").write_bytes(b"\x7fELF\0\0")  # a binary named like a script is not read
    (tmp_path / "run.sh").write_text("x" * 100_000)
    context = read_context(tmp_path)
    assert set(context.run_files) == {"docker/entrypoint.sh", "action.yml", "run.sh"}
    assert len(context.run_files["run.sh"]) == 64 * 1024


def test_nltk_data_is_relocated_to_its_default_shared_folder_rather_than_held_back():
    before = (
        BUILD
        + "FROM python:3.11-slim\nCOPY --from=build /app /app\nCOPY --from=build /root/nltk_data /root/nltk_data\n"
        'RUN python -m nltk.downloader punkt && python -m nltk.downloader -d /srv/nltk wordnet\nCMD ["svc"]\n'
    )
    after = run_twice(TRANSFORM, before)
    assert after == (
        BUILD
        + "FROM python:3.11-slim\n"
        + CREATE
        + "COPY --from=build --chown=10001:10001 /app /app\n"
        + "COPY --from=build /root/nltk_data /usr/local/share/nltk_data\n"
        + "RUN python -m nltk.downloader -d /usr/local/share/nltk_data punkt && python -m nltk.downloader -d /srv/nltk wordnet\n"
        + 'USER 10001:10001\nCMD ["svc"]\n'
    )
    notes = [c.message for c in outcome_of(TRANSFORM, before).changes]
    assert sum("NLTK data" in n and "default search path" in n for n in notes) == 2


def test_nltk_data_from_the_context_is_copied_to_the_shared_folder():
    before = SPLIT + 'COPY nltk_data/corpora /root/nltk_data/corpora\nCMD ["svc"]\n'
    after = run_twice(TRANSFORM, before)
    assert "COPY nltk_data/corpora /usr/local/share/nltk_data/corpora\n" in after
    assert "USER 10001:10001\n" in after


def test_other_files_copied_under_root_hold_the_user_back():
    outcome = outcome_of(TRANSFORM, SPLIT + 'COPY config.ini /root/.config/app/config.ini\nCMD ["svc"]\n')
    assert not outcome.edits
    assert "this COPY puts /root/.config/app/config.ini under /root" in outcome.warnings[0].message


def test_low_port_bound_by_the_compose_command_is_warned_naming_the_file():
    from migrator.launchers import Launchers, Service

    service = Service(
        "../docker-compose.yml", "api", command='bash -c "./wait.sh && uvicorn main:app --host 0.0.0.0 --port 80"'
    )
    project = ProjectContext(root=Path("/context"), launchers=Launchers(services=(service,)))
    text = SPLIT + 'EXPOSE 8000\nCMD ["svc"]\n'  # compose's command replaces CMD, and names the port
    warnings = outcome_of(TRANSFORM, text, project).warnings
    # The line named is the CMD that compose's command replaces.
    assert [(w.line, w.message.split(" is below")[0]) for w in warnings] == [
        (
            text.splitlines().index('CMD ["svc"]') + 1,
            'port 80 (../docker-compose.yml runs `bash -c "./wait.sh && uvicorn main:app --host 0.0.0.0 --port 80"` '
            "in service api)",
        )
    ]
    high = Service("docker-compose.yml", "api", command="uvicorn main:app --port 8000")
    quiet = ProjectContext(root=Path("/context"), launchers=Launchers(services=(high,)))
    assert not outcome_of(TRANSFORM, text, quiet).warnings


def test_corpus_low_port_in_the_compose_command_is_warned():
    case = CORPUS / "low-port-compose"
    result = migrate_path(case / "Dockerfile", MigratorSettings(), context_dir=case)
    assert [(w.line, w.message.split(" is below")[0]) for w in result.warnings if w.code == "MIG005"] == [
        (
            8,
            'port 80 (docker-compose.yml runs `sh -c "uvicorn main:app --host 0.0.0.0 --port 80 --workers 2"` in service api)',
        )
    ]


def test_a_compose_user_overrides_the_image_s_and_holds_the_user_back():
    """compose's `user:` decides who runs the app: a USER 10001 owning the folder would only mislead."""
    from migrator.launchers import Launchers, Service

    service = Service("docker-compose.yml", "api", command="uvicorn main:app", user="1000:1000")
    project = ProjectContext(root=Path("/context"), launchers=Launchers(services=(service,)))
    text = SPLIT + 'CMD ["svc"]\n'
    outcome = outcome_of(TRANSFORM, text, project)
    assert outcome.edits == ()
    assert [w.message for w in outcome.warnings] == [
        "no non-root user added: docker-compose.yml runs service api as user 1000:1000, which overrides the image's "
        "USER; leave the user to compose"
    ]
    unset = ProjectContext(root=Path("/context"), launchers=Launchers(services=(service.__class__("c.yml", "api"),)))
    assert outcome_of(TRANSFORM, text, unset).edits != ()


def test_a_writable_compose_bind_mount_holds_the_user_back_and_a_read_only_one_does_not():
    """Host files bind-mounted into the app keep their host owner: root wrote them, uid 10001 may not."""
    from migrator.launchers import Launchers, Service

    data = Service("docker-compose.yml", "bot", command="python bot.py", binds=(("./db.sqlite3", "/app/db.sqlite3"),))
    project = ProjectContext(root=Path("/context"), launchers=Launchers(services=(data,)))
    text = SPLIT + 'CMD ["svc"]\n'
    outcome = outcome_of(TRANSFORM, text, project)
    assert outcome.edits == ()
    assert [w.message for w in outcome.warnings] == [
        "no non-root user added: docker-compose.yml bind-mounts ./db.sqlite3 at /app/db.sqlite3 in service bot, "
        "whose host files the app user may not write where root could; to run as non-root, set the service's "
        "`user:` to their owner's uid (or mount them `:ro` if the app only reads them)"
    ]
    # The note names the line a USER would go before (the CMD), not the stage's FROM.
    assert [w.line for w in outcome.warnings] == [text.splitlines().index('CMD ["svc"]') + 1]
    read_only = Service(
        "docker-compose.yml",
        "bot",
        binds=(("./settings.toml", "/app/settings.toml"),),
        read_only=("/app/settings.toml",),
    )
    project = ProjectContext(root=Path("/context"), launchers=Launchers(services=(read_only,)))
    assert outcome_of(TRANSFORM, text, project).edits != ()


@pytest.mark.parametrize(
    ("stages", "held"),
    [
        (("base", "development", "production", "test"), True),  # test last, production elsewhere
        (("base", "development", "test", "production"), False),  # production is what a plain build makes
        (("base", "test", "app"), False),  # the last stage is not named for tests: it is the app
        (("base", "dev", "release", "web"), True),  # a release target that is not the last
        (("base", "web"), False),  # web builds on base: one target
    ],
)
def test_the_user_goes_to_the_last_stage_unless_it_is_a_test_target_beside_the_deployed_one(stages, held):
    lines = ["FROM python:3.11-slim AS base", "RUN pip install flask", "WORKDIR /app", "COPY . ."]
    for name in stages[1:]:
        lines += [f"FROM base AS {name}", 'CMD ["python", "-m", "app"]']
    outcome = outcome_of(TRANSFORM, "\n".join(lines) + "\n")
    warnings = [w.message for w in outcome.warnings if "other targets nothing builds on" in w.message]
    assert bool(warnings) == held, outcome
    assert bool(outcome.edits) != held


@pytest.mark.parametrize(
    ("workdir", "warned"),
    [("", True), ("WORKDIR /root\n", True), ("WORKDIR /app\n", False), ("WORKDIR /usr/src/app\n", False)],
)
def test_code_copied_into_a_folder_never_handed_to_the_app_user_is_said(workdir, warned):
    """A real image with no WORKDIR ran its app in `/`: the user is added, and the line says
    uid 10001 cannot create files next to the code there."""
    text = (
        "FROM python:3.11-slim\nRUN pip install poetry==1.8.3\n"
        + workdir
        + "COPY . .\nRUN poetry install --no-root\n"
        + 'CMD ["python", "main.py"]\n'
    )
    outcome = outcome_of(TRANSFORM, text)
    assert any("USER 10001:10001" in e.text for e in outcome.edits)
    said = [w for w in outcome.warnings if "cannot create files next to its code" in w.message]
    if warned:
        assert [w.line for w in said] == [text.splitlines().index("COPY . .") + 1]
    else:
        assert said == []


def test_a_named_volume_of_a_service_built_here_holds_the_user_back():
    """What the root container wrote into a named volume stays root's after the upgrade."""
    from migrator.launchers import Launchers, Service

    web = Service("docker-compose.yml", "web", volumes=(("media", "/app/media"),))
    project = ProjectContext(root=Path("/context"), launchers=Launchers(services=(web,)))
    text = SPLIT + 'CMD ["svc"]\n'
    outcome = outcome_of(TRANSFORM, text, project)
    assert outcome.edits == ()
    assert [w.message for w in outcome.warnings] == [
        "no non-root user added: docker-compose.yml mounts volume media at /app/media in service web, where files "
        "the root container wrote stay root's and the app user could not write them; chown the volume's files to "
        "the new user first, or set the service's `user:`"
    ]


@pytest.mark.parametrize(
    ("binds", "volumes", "held"),
    [
        ((), (("static_value", "/app/static"),), True),
        ((("./uploads", "/app/uploads"),), (), True),
        ((), (("data", "/var/lib/data"),), False),  # outside the app folder: says nothing about this image
        ((), (), False),
    ],
)
def test_an_image_only_service_mounting_inside_the_app_folder_holds_the_user_back(binds, volumes, held):
    """django_Liis: `web` runs `image: ilmo/posts` (built in CI) with `static_value:/app/static`."""
    from migrator.launchers import Launchers, Service

    web = Service("docker-compose.yml", "web", binds=binds, volumes=volumes, via="image ilmo/posts:latest")
    project = ProjectContext(root=Path("/context"), launchers=Launchers(image_only=(web,)))
    text = SPLIT + 'CMD ["svc"]\n'
    outcome = outcome_of(TRANSFORM, text, project)
    said = [w.message for w in outcome.warnings if "built elsewhere" in w.message]
    assert (outcome.edits == ()) is held
    assert bool(said) is held
    if held:
        assert said[0].startswith("no non-root user added: docker-compose.yml service web runs image ilmo/posts:latest")


def test_code_in_a_base_image_s_own_working_folder_is_not_called_slash():
    text = 'FROM pytorch/pytorch:latest\nRUN pip install poetry==1.8.3\nCOPY . .\nRUN poetry install\nCMD ["python", "main.py"]\n'
    said = [w.message for w in outcome_of(TRANSFORM, text).warnings if "next to its code" in w.message]
    assert said and said[0].startswith(
        "the app runs in the working folder of pytorch/pytorch:latest (there is no WORKDIR)"
    )
