"""The pre-commit hooks in .pre-commit-hooks.yaml, run by pre-commit itself.

`pre-commit try-repo` installs the hook repository with pip into a fresh virtualenv,
as a user's `pre-commit install` would, so this exercises the packaging too. On a
dirty checkout try-repo commits only tracked changes (`git add -u`) into a shadow
repository, so a new module nobody has committed yet would be missing; the hook
repository used here is a committed snapshot of the whole working tree instead
(tracked files plus untracked, not ignored ones). Each try-repo call installs its
own environment (~10 s), hence few calls.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
HOOKS_FILE = REPO_ROOT / ".pre-commit-hooks.yaml"

NAIVE_DOCKERFILE = """\
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1
RUN pip install poetry
WORKDIR /app
COPY . .
RUN poetry config virtualenvs.create false && poetry install --no-dev --no-interaction
EXPOSE 8000
CMD ["poetry", "run", "uvicorn", "shop.main:app", "--host", "0.0.0.0"]
"""

PYPROJECT = """\
[tool.poetry]
name = "shop"
version = "0.1.0"
description = ""
authors = ["Platform <platform@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
fastapi = "^0.110.0"
uvicorn = "^0.29.0"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(HOOKS_FILE.read_text())}


# --- the manifest, without running pre-commit ----------------------------------

MATCHED = [
    "Dockerfile",
    "services/api/Dockerfile",
    "Dockerfile.prod",
    "api.Dockerfile",
    "docker/web.dockerfile",
    "Containerfile",
    "dockerfile",
    "Dockerfile.",
]
NOT_MATCHED = [
    "Dockerfile.dockerignore",
    "Dockerfile.Dockerignore",
    "notDockerfile",
    "Dockerfile/README.md",
    "pyproject.toml",
    "dockerfile.md",
]


@pytest.mark.parametrize("name", MATCHED + NOT_MATCHED)
def test_hooks_run_on_exactly_what_discovery_finds_in_a_folder(name):
    from migrator.discovery import is_dockerfile_name

    pattern = hooks()["migrate-check"]["files"]
    assert bool(re.search(pattern, name)) == is_dockerfile_name(name.rsplit("/", 1)[-1])


@pytest.mark.parametrize("hook_id", ["migrate-check", "migrate"])
def test_hooks_pass_over_the_folders_discovery_skips(hook_id):
    from migrator.discovery import SKIP_DIRS

    exclude = hooks()[hook_id]["exclude"]
    for folder in SKIP_DIRS:
        assert re.search(exclude, f"{folder}/Dockerfile") and re.search(exclude, f"svc/{folder}/Dockerfile"), folder
    for kept in ["Dockerfile", "svc/Dockerfile", "devcontainer/Dockerfile", "my.venv/Dockerfile"]:
        assert not re.search(exclude, kept), kept


def test_manifest_declares_both_hooks():
    declared = hooks()
    assert declared["migrate-check"]["entry"] == "migrate --check"
    assert declared["migrate"]["entry"] == "migrate --write"
    assert {h["language"] for h in declared.values()} == {"python"}


@pytest.mark.parametrize("hook_id", ["migrate-check", "migrate"])
@pytest.mark.parametrize("name", MATCHED)
def test_hook_runs_on_dockerfile_names(hook_id, name):
    assert re.search(hooks()[hook_id]["files"], name)


@pytest.mark.parametrize("hook_id", ["migrate-check", "migrate"])
@pytest.mark.parametrize("name", NOT_MATCHED)
def test_hook_skips_other_files(hook_id, name):
    assert not re.search(hooks()[hook_id]["files"], name)


# --- pre-commit try-repo ---------------------------------------------------------

needs_pre_commit = pytest.mark.skipif(
    not (shutil.which("pre-commit") and shutil.which("git")), reason="pre-commit and git are needed"
)


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> Path:
    """A committed snapshot of this checkout's working tree."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], REPO_ROOT, env)
    assert listed.returncode == 0, listed.stderr
    for relative in filter(None, listed.stdout.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():  # a tracked file deleted in the working tree is left out, as it would be
            target = snapshot / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "snapshot"]):
        done = run(command, snapshot, env)
        assert done.returncode == 0, done.stderr
    return snapshot


@pytest.fixture
def user_repo(tmp_path, env) -> Path:
    repo = tmp_path / "shop"
    (repo / "shop").mkdir(parents=True)
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "main.py").write_text("app = None\n")
    (repo / "Dockerfile").write_text(NAIVE_DOCKERFILE)
    (repo / "pyproject.toml").write_text(PYPROJECT)
    (repo / ".dockerignore").write_text(".git\n.venv\n")
    # The editor's environment: the hooks must pass over it, as discovery does.
    (repo / ".devcontainer").mkdir()
    (repo / ".devcontainer" / "Dockerfile").write_text(NAIVE_DOCKERFILE)
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        assert run(command, repo, env).returncode == 0
    return repo


def try_repo(hook_repo: Path, hook_id: str, user_repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = run(["pre-commit", "try-repo", str(hook_repo), hook_id, "--all-files"], user_repo, env)
    # pre-commit's own failures (the hook repo does not install, a bad manifest) exit 3 with this line.
    assert "An unexpected error has occurred" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


@needs_pre_commit
def test_check_hook_fails_on_a_naive_dockerfile_and_leaves_it_alone(hook_repo, user_repo, env):
    done = try_repo(hook_repo, "migrate-check", user_repo, env)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert re.search(r"migrate --check.*Failed", output), output
    assert (user_repo / "Dockerfile").read_text() == NAIVE_DOCKERFILE


@needs_pre_commit
def test_write_hook_migrates_then_both_hooks_pass(hook_repo, user_repo, env):
    first = try_repo(hook_repo, "migrate", user_repo, env)
    migrated = (user_repo / "Dockerfile").read_text()
    # pre-commit fails a hook that modified files, so the user reviews and stages them.
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout, first.stdout
    assert migrated != NAIVE_DOCKERFILE
    assert "--mount=type=cache" in migrated

    run(["git", "add", "-A"], user_repo, env)
    second = try_repo(hook_repo, "migrate", user_repo, env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert (user_repo / "Dockerfile").read_text() == migrated

    check = try_repo(hook_repo, "migrate-check", user_repo, env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert re.search(r"migrate --check.*Passed", check.stdout), check.stdout
    assert (user_repo / ".devcontainer" / "Dockerfile").read_text() == NAIVE_DOCKERFILE
