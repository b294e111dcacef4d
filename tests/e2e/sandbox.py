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
# Where the sandbox's README says the engine logs.
ENGINE_LOG = Path("/opt/docker-sandbox/log/dockerd.log")
UNREACHABLE_RE = re.compile(
    r"Cannot connect to the Docker daemon|cannot connect to the Docker daemon|failed to dial gRPC"
)
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


def engine_crash(log: str) -> str | None:
    """When a build could not reach the engine, the panic dockerd logged before dying, if any.

    Every build running at that moment fails with the same "cannot connect" line, which
    hides the cause; the panic line (a BuildKit bug, not the migration) names it.
    """
    if not UNREACHABLE_RE.search(log):
        return None
    try:
        lines = ENGINE_LOG.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "the engine stopped answering (no dockerd log to say why)"
    # Only since the engine last started: an older panic is not this build's.
    starts = [i for i, line in enumerate(lines) if "Daemon has completed initialization" in line]
    since = lines[starts[-1] :] if starts else lines
    panics = [line for line in since if line.startswith(("panic:", "fatal error:"))]
    return f"the engine died: dockerd logged {panics[-1]!r} ({ENGINE_LOG})" if panics else None
