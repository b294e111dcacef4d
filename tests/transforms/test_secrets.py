"""MIG007 secrets-to-mounts: inputs that must stay unchanged, and (before, after) pairs."""

from __future__ import annotations

import os
import subprocess
import uuid

import dockerfile
import pytest

from migrator.model import parse
from migrator.pipeline import migrate_text
from migrator.project import EMPTY_CONTEXT
from migrator.transform import Settings
from migrator.transforms.secrets import TRANSFORM
from tests.e2e.harness import BUILD_SLOTS
from tests.support import outcome_of, run_twice

SECRET = "s3cr3t-VALUE-42"
READ = 'PIP_INDEX_URL="$(cat /run/secrets/pip_index_url)"'
MOUNT = "--mount=type=secret,id=pip_index_url,required=true"

UNCHANGED = [
    pytest.param("FROM python:3.12\nRUN pip install poetry\n", id="no-credentials"),
    pytest.param(
        "FROM python:3.12\nENV PIP_INDEX_URL=https://pypi.corp.example/simple\nRUN pip install poetry\n",
        id="url-without-credentials",
    ),
    pytest.param(f"FROM python:3.12\nRUN {MOUNT} {READ} pip install poetry\n", id="already-a-secret-mount"),
    pytest.param(
        "FROM python:3.12\nARG POETRY_VERSION=2.2.1\nRUN pip install poetry==$POETRY_VERSION\n", id="ordinary-arg"
    ),
    pytest.param(
        f"FROM python:3.12\nENV GITHUB_TOKEN={SECRET}\nRUN pip install poetry\n", id="runtime-env-token-only-warned"
    ),
    pytest.param(
        f"FROM python:3.12\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN apt-get update && apt-get install -y gcc\n",
        id="no-reader",
    ),
    pytest.param(
        f"FROM python:3.12\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN <<EOF\npip install poetry\nEOF\n",
        id="heredoc-reader",
    ),
    pytest.param(
        f'FROM python:3.12\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN ["pip", "install", "poetry"]\n',
        id="exec-form-reader",
    ),
    pytest.param(f"FROM python:3.12\nARG NPM_TOKEN={SECRET}\nENV OTHER=$NPM_TOKEN\nRUN npm ci\n", id="expanded-by-env"),
    pytest.param(f"FROM python:3.12\nARG GIT_TOKEN\nARG GIT_TOKEN={SECRET}\nRUN git clone x\n", id="declared-twice"),
    pytest.param(
        f"ARG PIP_INDEX_URL=https://u:{SECRET}@h/simple\nFROM python:3.12\nRUN pip install poetry\n",
        id="global-arg-only-warned",
    ),
    pytest.param(
        f"FROM python:3.12 AS base\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN pip install poetry\nFROM base\nRUN pip install x\n",
        id="env-inherited-by-later-stage",
    ),
    pytest.param(
        f'FROM python:3.12\nSHELL ["pwsh", "-c"]\nARG NUGET_TOKEN={SECRET}\nRUN dotnet restore\n',
        id="non-posix-shell",
    ),
]

PAIRS = [
    pytest.param(
        f"FROM python:3.12\nENV POETRY_HTTP_BASIC_CORP_PASSWORD={SECRET}\nRUN poetry install\n",
        "FROM python:3.12\n"
        "RUN --mount=type=secret,id=poetry_http_basic_corp_password,required=true "
        'POETRY_HTTP_BASIC_CORP_PASSWORD="$(cat /run/secrets/poetry_http_basic_corp_password)" poetry install\n',
        id="poetry-password-env",
    ),
    pytest.param(
        f"FROM python:3.12\nENV PYTHONUNBUFFERED=1 \\\n    PIP_INDEX_URL=https://u:{SECRET}@h/simple \\\n    PIP_DEFAULT_TIMEOUT=100\n"
        "RUN pip install poetry\n",
        f"FROM python:3.12\nENV PYTHONUNBUFFERED=1 \\\n    PIP_DEFAULT_TIMEOUT=100\nRUN {MOUNT} {READ} pip install poetry\n",
        id="key-removed-from-multi-key-env",
    ),
    pytest.param(
        f"FROM python:3.12\nARG POETRY_HTTP_BASIC_CORP_PASSWORD={SECRET}\nRUN pip install poetry\nRUN pip install x && poetry install\n",
        "FROM python:3.12\nRUN pip install poetry\n"
        "RUN --mount=type=secret,id=poetry_http_basic_corp_password,required=true pip install x && "
        'POETRY_HTTP_BASIC_CORP_PASSWORD="$(cat /run/secrets/poetry_http_basic_corp_password)" poetry install\n',
        id="poetry-credential-not-given-to-pip",
    ),
    pytest.param(
        f"FROM python:3.12\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple PYTHONUNBUFFERED=1\nRUN pip install poetry\n",
        f"FROM python:3.12\nENV PYTHONUNBUFFERED=1\nRUN {MOUNT} {READ} pip install poetry\n",
        id="first-key-of-env",
    ),
    pytest.param(
        f"FROM python:3.12\nARG PIP_INDEX_URL=https://u:{SECRET}@h/simple\n"
        "RUN apt-get update && apt-get install -y gcc\n"
        "RUN pip install poetry && \\\n    # lock first\n    poetry install\n",
        "FROM python:3.12\nRUN apt-get update && apt-get install -y gcc\n"
        f"RUN {MOUNT} {READ} pip install poetry && \\\n    # lock first\n    {READ} poetry install\n",
        id="arg-each-reading-command",
    ),
    pytest.param(
        f"FROM python:3.12\nARG GIT_TOKEN={SECRET}\nRUN git clone https://$GIT_TOKEN@github.com/org/lib.git\n",
        "FROM python:3.12\nRUN --mount=type=secret,id=git_token,required=true "
        'export GIT_TOKEN="$(cat /run/secrets/git_token)" && git clone https://$GIT_TOKEN@github.com/org/lib.git\n',
        id="expanded-by-run-is-exported",
    ),
    pytest.param(
        "FROM python:3.12\nARG CORP_TOKEN\nENV POETRY_HTTP_BASIC_CORP_PASSWORD=${CORP_TOKEN}\nRUN poetry install\n",
        "FROM python:3.12\nRUN --mount=type=secret,id=poetry_http_basic_corp_password,required=true "
        'POETRY_HTTP_BASIC_CORP_PASSWORD="$(cat /run/secrets/poetry_http_basic_corp_password)" '
        'CORP_TOKEN="$(cat /run/secrets/poetry_http_basic_corp_password)" poetry install\n',
        id="arg-feeding-env-goes-with-it",
    ),
    pytest.param(
        f"FROM python:3.12\nENV POETRY_HTTP_BASIC_CORP_USERNAME=me POETRY_HTTP_BASIC_CORP_PASSWORD={SECRET}\nRUN poetry install\n",
        "FROM python:3.12\n"
        "RUN --mount=type=secret,id=poetry_http_basic_corp_username,required=true \\\n"
        "    --mount=type=secret,id=poetry_http_basic_corp_password,required=true \\\n"
        '    POETRY_HTTP_BASIC_CORP_USERNAME="$(cat /run/secrets/poetry_http_basic_corp_username)" \\\n'
        '    POETRY_HTTP_BASIC_CORP_PASSWORD="$(cat /run/secrets/poetry_http_basic_corp_password)" \\\n'
        "    poetry install\n",
        id="two-secrets-one-per-line",
    ),
    pytest.param(
        f"# escape=`\nFROM python:3.12\nENV POETRY_HTTP_BASIC_A_USERNAME=me POETRY_HTTP_BASIC_A_PASSWORD={SECRET}\nRUN poetry install\n",
        "# escape=`\nFROM python:3.12\n"
        "RUN --mount=type=secret,id=poetry_http_basic_a_username,required=true `\n"
        "    --mount=type=secret,id=poetry_http_basic_a_password,required=true `\n"
        '    POETRY_HTTP_BASIC_A_USERNAME="$(cat /run/secrets/poetry_http_basic_a_username)" `\n'
        '    POETRY_HTTP_BASIC_A_PASSWORD="$(cat /run/secrets/poetry_http_basic_a_password)" `\n'
        "    poetry install\n",
        id="backtick-escape",
    ),
    pytest.param(
        f"FROM python:3.12\r\nARG POETRY_PYPI_TOKEN_PYPI={SECRET}\r\nRUN --mount=type=cache,target=/root/.cache/pypoetry poetry publish\r\n",
        "FROM python:3.12\r\nRUN --mount=type=secret,id=poetry_pypi_token_pypi,required=true "
        "--mount=type=cache,target=/root/.cache/pypoetry "
        'POETRY_PYPI_TOKEN_PYPI="$(cat /run/secrets/poetry_pypi_token_pypi)" poetry publish\r\n',
        id="crlf-and-existing-mount",
    ),
    pytest.param(
        f"FROM python:3.12\nENV PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN if [ -f req.txt ]; then pip install -r req.txt; fi\n",
        f"FROM python:3.12\nRUN {MOUNT} export {READ} && if [ -f req.txt ]; then pip install -r req.txt; fi\n",
        id="shell-syntax-is-exported",
    ),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert run_twice(TRANSFORM, text) == text


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_migrated(before, after):
    assert run_twice(TRANSFORM, before) == after
    dockerfile.parse_string(after)


@pytest.mark.parametrize("before", [p.values[0] for p in PAIRS + UNCHANGED])
def test_notes_never_show_the_value(before):
    outcome = outcome_of(TRANSFORM, before)
    for note in outcome.changes + outcome.warnings:
        assert SECRET not in note.message
        assert "\n" not in note.message


def test_warning_says_how_to_pass_the_secret():
    outcome = outcome_of(
        TRANSFORM, f"FROM python:3.12\nARG PIP_INDEX_URL=https://u:{SECRET}@h/simple\nRUN pip install poetry\n"
    )
    (warning,) = outcome.warnings
    assert "--secret id=pip_index_url,env=PIP_INDEX_URL" in warning.message
    assert warning.line == 2
    (change,) = outcome.changes
    assert change.line == 2 and "PIP_INDEX_URL" in change.message


@pytest.mark.parametrize(
    "before",
    [
        p.values[0]
        for p in UNCHANGED
        if p.id in ("runtime-env-token-only-warned", "global-arg-only-warned", "heredoc-reader", "expanded-by-env")
    ],
)
def test_credentials_left_in_place_are_warned_about(before):
    assert outcome_of(TRANSFORM, before).warnings


NAIVE_WITH_CREDENTIALS = (
    "FROM python:3.11-slim\n"
    "ENV PYTHONUNBUFFERED=1 \\\n"
    f"    POETRY_HTTP_BASIC_CORP_PASSWORD={SECRET} \\\n"
    "    POETRY_HTTP_BASIC_CORP_USERNAME=builder\n"
    f"ARG PIP_EXTRA_INDEX_URL=https://builder:{SECRET}@pypi.corp.example/simple\n"
    "RUN pip install poetry\n"
    "WORKDIR /app\n"
    "COPY . .\n"
    "RUN poetry config virtualenvs.create false && poetry install --no-dev\n"
    'CMD ["python", "-m", "app"]\n'
)


def test_pipeline_keeps_credentials_out_of_the_runtime_stage():
    migration = migrate_text(NAIVE_WITH_CREDENTIALS, EMPTY_CONTEXT, Settings())
    output = migration.text
    assert SECRET not in output
    doc = parse(output)
    assert len(doc.stages) == 2
    runtime = doc.render()[len("".join(n.raw for n in doc.nodes[: doc.stages[-1].start_node])) :]
    for name in ("POETRY_HTTP_BASIC_CORP", "PIP_EXTRA_INDEX_URL", "secret"):
        assert name not in runtime
    build = doc.stages[0]
    poetry_runs = [i for i in build.find("RUN") if "poetry install" in i.logical]
    assert poetry_runs and all("type=secret,id=poetry_http_basic_corp_password" in i.logical for i in poetry_runs)
    for note in migration.changes + migration.warnings:
        assert SECRET not in note.message
    assert migrate_text(output, EMPTY_CONTEXT, Settings()).text == output


# --- a real build: the syntax works on this engine, and no layer keeps the value ---

E2E_DOCKERFILE = (
    "FROM python:3.12-slim\n"
    "ENV PIP_INDEX_URL=http://builder:{secret}@127.0.0.1:3141/root/pypi/+simple/\n"
    "RUN python -c \"import os; assert os.environ['PIP_INDEX_URL'].endswith('@127.0.0.1:3141/root/pypi/+simple/')\" "
    "&& python -c \"import os, pathlib; pathlib.Path('/seen').write_text(str(len(os.environ['PIP_INDEX_URL'])))\"\n"
    'CMD ["cat", "/seen"]\n'
)


def build_with_secrets(context, tag: str, ids: list[str], env: dict[str, str], timeout: float):
    """`docker build` passing each secret id from the environment variable of the same name, in capitals.

    It holds a build slot of the e2e pool's (tests/e2e/harness.py: BUILD_SLOTS), since
    these builds run while the pool's do.
    """
    secrets = [word for secret in ids for word in ("--secret", f"id={secret},env={secret.upper()}")]
    with BUILD_SLOTS:
        return subprocess.run(
            ["docker", "build", "--network", "host", *secrets, "-t", tag, str(context)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )


@pytest.mark.e2e
def test_secret_mount_builds_on_the_sandbox(tmp_path):
    from tests.e2e.sandbox import start_sandbox

    problem = start_sandbox()
    if problem:
        pytest.fail(problem, pytrace=False)
    secret = f"pw-{uuid.uuid4().hex}"
    original = E2E_DOCKERFILE.format(secret=secret)
    migrated = run_twice(TRANSFORM, original)
    assert secret not in migrated and "type=secret,id=pip_index_url" in migrated
    (tmp_path / "Dockerfile").write_text(migrated)
    tag = f"migrator-secrets-{uuid.uuid4().hex[:8]}"
    url = f"http://builder:{secret}@127.0.0.1:3141/root/pypi/+simple/"
    env = {**os.environ, "PIP_INDEX_URL": url}
    try:
        done = build_with_secrets(tmp_path, tag, ["pip_index_url"], env, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        ran = subprocess.run(["docker", "run", "--rm", tag], capture_output=True, text=True, timeout=120)
        assert ran.stdout.strip() == str(len(url))
        inspect = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, text=True, timeout=60).stdout
        history = subprocess.run(
            ["docker", "history", "--no-trunc", tag], capture_output=True, text=True, timeout=60
        ).stdout
        assert secret not in inspect and secret not in history
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)


@pytest.mark.e2e
def test_migrated_poetry_project_builds_with_secrets_and_keeps_none(tmp_path):
    """The whole pipeline on a real project whose Poetry source needs credentials."""
    import shutil
    import sys
    import time
    from pathlib import Path

    from tests.e2e.sandbox import start_sandbox

    problem = start_sandbox()
    if problem:
        pytest.fail(problem, pytrace=False)
    context = tmp_path / "app"
    shutil.copytree(Path(__file__).resolve().parents[2] / "corpus" / "e2e-fastapi", context)
    password = f"pw-{uuid.uuid4().hex}"
    dockerfile_path = context / "Dockerfile"
    dockerfile_path.write_text(
        dockerfile_path.read_text().replace(
            "ENV PYTHONUNBUFFERED=1\n",
            "ENV PYTHONUNBUFFERED=1 \\\n"
            "    POETRY_HTTP_BASIC_MIRROR_USERNAME=builder \\\n"
            f"    POETRY_HTTP_BASIC_MIRROR_PASSWORD={password}\n",
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "--write", "--context", str(context), str(dockerfile_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert password not in done.stdout + done.stderr
    migrated = dockerfile_path.read_text()
    assert password not in migrated and "type=secret,id=poetry_http_basic_mirror_password" in migrated
    tag = f"migrator-secrets-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "POETRY_HTTP_BASIC_MIRROR_USERNAME": "builder", "POETRY_HTTP_BASIC_MIRROR_PASSWORD": password}
    container = f"{tag}-run"
    try:
        built = build_with_secrets(
            context, tag, ["poetry_http_basic_mirror_username", "poetry_http_basic_mirror_password"], env, timeout=900
        )
        assert built.returncode == 0, built.stderr[-3000:]
        inspect = subprocess.run(["docker", "image", "inspect", tag], capture_output=True, text=True, timeout=60).stdout
        history = subprocess.run(
            ["docker", "history", "--no-trunc", tag], capture_output=True, text=True, timeout=60
        ).stdout
        assert password not in inspect + history
        assert "POETRY_HTTP_BASIC" not in inspect
        port = 18000 + uuid.uuid4().int % 1000
        subprocess.run(
            [
                "docker",
                "run",
                "-d",
                "--rm",
                "--network",
                "host",
                "--name",
                container,
                tag,
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            capture_output=True,
            timeout=60,
            check=True,
        )
        import urllib.request

        body = None
        for _ in range(40):
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/orders/1", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        assert body == b'{"id":1,"item":"keyboard","quantity":2}'
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, timeout=60)
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=60)
