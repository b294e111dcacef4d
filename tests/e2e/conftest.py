"""Start the Docker sandbox, run every selected build job in one bounded pool, report the figures.

The sandbox setup is idempotent, so running it here makes `pytest -m e2e` work on a
fresh machine. When it fails, every e2e test fails with its message: a skipped e2e
suite would look like a passing one in CI.

Every build the selected tests need starts at once, E2E_JOBS at a time: each e2e case's
original and migrated pair, its `--uv` migration, the uv-* side-by-side builds and the
`migrate --verify` runs of test_verification.py. Tests only read the records afterwards,
so the slowest job, not the sum of all, sets the wall time.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e import verification_runs
from tests.e2e.harness import Case, CaseRun, load_cases, load_uv_cases, remove_images, run_case, summary_lines
from tests.e2e.sandbox import start_sandbox

# Builds wait on the mirror and the engine more than on the 2 cores; more than this
# many at once only makes them queue inside BuildKit.
PARALLEL_CASES = int(os.environ.get("E2E_JOBS", "4"))

_summary: list[str] = []


@pytest.fixture(scope="session")
def docker_sandbox() -> None:
    problem = start_sandbox()
    if problem:
        pytest.fail(problem, pytrace=False)


def _selected_jobs(session: pytest.Session) -> tuple[list[tuple[str, str]], list[str]]:
    """(case name, job kind) pairs and verification run names that the selected tests read."""
    jobs: list[tuple[str, str]] = []
    verifications: list[str] = []
    for item in session.items:
        module = getattr(item, "module", None)
        module_name = module.__name__.rsplit(".", 1)[-1] if module else ""
        if module_name == "test_verification":
            for name in getattr(module, "NEEDS", {}).get(item.originalname, ()):
                if name not in verifications:
                    verifications.append(name)
            continue
        callspec = getattr(item, "callspec", None)
        # Other test files name a parameter `case` too (a corpus folder, a string): only e2e Cases count.
        case = callspec.params.get("case") if callspec else None
        if not isinstance(case, Case):
            continue
        if module_name == "test_uv":
            kind = "side-by-side" if case.name.startswith("uv-") else "uv"
        else:
            kind = "pair"
        if (case.name, kind) not in jobs:
            jobs.append((case.name, kind))
    return jobs, verifications


def _cost(case: Case, kind: str) -> int:
    """Longest first: compiling against system libraries, then pairs (four builds)."""
    apt = "apt-get" in (case.directory / "Dockerfile").read_text(encoding="utf-8")
    return (0 if apt else 2) + (0 if kind == "pair" else 1)


@pytest.fixture(scope="session")
def e2e_jobs(request: pytest.FixtureRequest, docker_sandbox: None, tmp_path_factory: pytest.TempPathFactory):
    """Submit every selected job to one pool; yields (case futures, verification futures, start, fleet tree)."""
    wanted, verifications = _selected_jobs(request.session)
    cases = {c.name: c for c in [*load_cases(), *load_uv_cases()]}
    jobs = sorted(((cases[name], kind) for name, kind in wanted), key=lambda job: _cost(*job))
    prefix = f"migrator-e2e-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="migrator-e2e-") as scratch,
        ThreadPoolExecutor(max_workers=max(1, PARALLEL_CASES)) as pool,
    ):
        verifying: dict[str, Future] = {}
        tree = None
        case_futures: dict[tuple[str, str], Future] = {}
        # The verification runs are as long as a pair: they go in right after the apt cases.
        apt_jobs = [job for job in jobs if _cost(*job) < 2]
        for case, kind in apt_jobs:
            case_futures[(case.name, kind)] = pool.submit(run_case, case, Path(scratch), prefix, kind)
        if verifications:
            tree = verification_runs.fleet_tree(tmp_path_factory.mktemp("fleet"))
            for name in verifications:
                verifying[name] = pool.submit(verification_runs.run, name, tree)
        for case, kind in jobs[len(apt_jobs) :]:
            case_futures[(case.name, kind)] = pool.submit(run_case, case, Path(scratch), prefix, kind)
        try:
            yield case_futures, verifying, started, tree
        finally:
            runs = [f.result() for f in case_futures.values()]  # run_case never raises
            remove_images([side.tag for run in runs for side in run.sides.values()])
            remove_images([side.rebuild_tag for run in runs for side in run.sides.values() if side.rebuild])


@pytest.fixture(scope="session")
def e2e_runs(e2e_jobs) -> dict[tuple[str, str], CaseRun]:
    """Every selected case job, built and checked once: {(case name, kind): record}."""
    case_futures, _, started, _ = e2e_jobs
    runs = {key: future.result() for key, future in case_futures.items()}
    _summary.extend(summary_lines(list(runs.values()), time.monotonic() - started))
    return runs


@pytest.fixture(scope="session")
def verification_results(e2e_jobs) -> dict:
    _, verifying, _, _ = e2e_jobs
    return {name: future.result() for name, future in verifying.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _summary:
        terminalreporter.section("e2e figures")
        for line in _summary:
            terminalreporter.write_line(line)
