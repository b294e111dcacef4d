"""Start the workplace's Docker sandbox once per test session, or say why it cannot run.

The setup script is idempotent (about two minutes cold, a second after), so running
it from the tests makes `pytest -m e2e` work on a fresh machine.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# A git worktree lives further from shared/: MIGRATOR_DOCKER_SANDBOX names the folder then.
SANDBOX = Path(os.environ.get("MIGRATOR_DOCKER_SANDBOX") or REPO.parent / "shared" / "docker-sandbox")
SETUP_TIMEOUT_SECONDS = 900
EXPORT_RE = re.compile(r'^export ([A-Z_][A-Z0-9_]*)="(.*)"$')


def sandbox_environment(env_script: Path) -> dict[str, str]:
    """The variables the sandbox's `env` script exports, expanded against ours."""
    output = subprocess.run([str(env_script)], capture_output=True, text=True, check=True).stdout
    values = {}
    for line in output.splitlines():
        match = EXPORT_RE.match(line.strip())
        if match:
            values[match.group(1)] = os.path.expandvars(match.group(2).replace("\\$", "$"))
    return values


def setup_environment() -> dict[str, str]:
    """The setup's environment: also the uv image of the uv we lock with.

    `--uv` pins ghcr.io/astral-sh/uv to the uv that wrote the lock (the `uv` extra),
    while the setup alone builds only the newest uv on PyPI, which moves.
    """
    env = dict(os.environ)
    try:
        from importlib.metadata import version

        env.setdefault("DOCKER_SANDBOX_UV_VERSIONS", f"latest {version('uv')}")
    except Exception:  # uv not installed: the uv tests say so themselves
        pass
    return env


@functools.cache
def start_sandbox() -> str | None:
    """Run the setup and point this process at the engine; the problem, if any, as text."""
    setup = SANDBOX / "setup"
    if not setup.exists():
        return f"{setup} not found: the e2e tests need the docker sandbox (see its README)"
    try:
        done = subprocess.run(
            [str(setup)], capture_output=True, text=True, timeout=SETUP_TIMEOUT_SECONDS, env=setup_environment()
        )
    except subprocess.TimeoutExpired:
        return f"{setup} did not finish within {SETUP_TIMEOUT_SECONDS}s"
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        return f"{setup} failed (exit {done.returncode}):\n{tail}"
    os.environ.update(sandbox_environment(SANDBOX / "env"))
    from migrator.verify import VerifyOptions, docker_problem

    problem = docker_problem(VerifyOptions())
    return f"docker sandbox set up, but: {problem}" if problem else None
