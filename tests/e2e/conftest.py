"""Start the Docker sandbox, run every selected build job in one bounded pool, report the figures.

The sandbox setup is idempotent, so running it here makes `pytest -m e2e` work on a
fresh machine. When it fails, every e2e test fails with its message: a skipped e2e
suite would look like a passing one in CI.

Every job the selected tests need starts as soon as collection ends, E2E_JOBS at a
time: each e2e case's original and migrated pair, its `--uv` migration, the uv-*
side-by-side builds and the `migrate --verify` runs of test_verification.py. The
engine builds E2E_BUILDS images at a time, 1 by default (harness.BUILD_SLOTS says
why); the jobs' containers (answers, --verify's checks) run beside the builds. The pool works in threads that
mostly wait on the engine, so the rest of the suite runs in the meantime; the tests
that read the pool's records are moved to the end of the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e import verification_runs
from tests.e2e.harness import Case, CaseRun, load_cases, load_uv_cases, remove_images, run_case, summary_lines
from tests.e2e.sandbox import start_sandbox

# Jobs at once: one builds while the others watch their containers answer.
PARALLEL_CASES = int(os.environ.get("E2E_JOBS", "4"))
# The fixtures whose tests only read what the pool built.
POOL_FIXTURES = frozenset({"e2e_jobs", "e2e_runs", "verification_results"})

_summary: list[str] = []


@dataclass
class Pool:
    """The jobs submitted at collection's end, and what to clean up once the session ends."""

    started: float
    executor: ThreadPoolExecutor
    scratch: Path
    prefix: str
    cases: dict[tuple[str, str], Future] = field(default_factory=dict)
    verifying: dict[str, Future] = field(default_factory=dict)
    tree: Path | None = None

    def finish(self, cancel: bool) -> None:
        self.executor.shutdown(wait=True, cancel_futures=cancel)
        runs = [f.result() for f in self.cases.values() if not f.cancelled()]  # run_case never raises
        remove_images([side.tag for run in runs for side in run.sides.values()])
        remove_images([side.rebuild_tag for run in runs for side in run.sides.values() if side.rebuild])
        shutil.rmtree(self.scratch, ignore_errors=True)


_pool: Pool | None = None
_sandbox_problem: str | None = None


def _reads_pool(item: pytest.Item) -> bool:
    return not POOL_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    # Stable: the other tests keep their order and run while the pool builds.
    items.sort(key=_reads_pool)


def _selected_jobs(items: list[pytest.Item]) -> tuple[list[tuple[str, str]], list[str]]:
    """(case name, job kind) pairs and verification run names that the selected tests read."""
    jobs: list[tuple[str, str]] = []
    verifications: list[str] = []
    for item in items:
        if not _reads_pool(item):
            continue
        module = getattr(item, "module", None)
        module_name = module.__name__.rsplit(".", 1)[-1] if module else ""
        if module_name == "test_verification":
            for name in getattr(module, "NEEDS", {}).get(getattr(item, "originalname", ""), ()):
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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set the sandbox up and submit every selected job, before the first test runs."""
    global _pool, _sandbox_problem
    if session.config.option.collectonly:
        return
    wanted, verifications = _selected_jobs(session.items)
    if not wanted and not verifications:
        return
    _sandbox_problem = start_sandbox()
    if _sandbox_problem:
        return  # every test that reads the pool fails with the problem (docker_sandbox)
    cases = {c.name: c for c in [*load_cases(), *load_uv_cases()]}
    jobs = sorted(((cases[name], kind) for name, kind in wanted), key=lambda job: _cost(*job))
    scratch = Path(tempfile.mkdtemp(prefix="migrator-e2e-"))
    pool = _pool = Pool(
        started=time.monotonic(),
        executor=ThreadPoolExecutor(max_workers=max(1, PARALLEL_CASES), thread_name_prefix="e2e"),
        scratch=scratch,
        prefix=f"migrator-e2e-{uuid.uuid4().hex[:8]}",
    )
    # The verification runs are as long as a pair: they go in right after the apt cases.
    apt_jobs = [job for job in jobs if _cost(*job) < 2]
    for case, kind in apt_jobs:
        pool.cases[(case.name, kind)] = pool.executor.submit(run_case, case, scratch / "cases", pool.prefix, kind)
    if verifications:
        pool.tree = verification_runs.fleet_tree(scratch / "fleet")
        for name in verifications:
            pool.verifying[name] = pool.executor.submit(verification_runs.run, name, pool.tree)
    for case, kind in jobs[len(apt_jobs) :]:
        pool.cases[(case.name, kind)] = pool.executor.submit(run_case, case, scratch / "cases", pool.prefix, kind)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _pool
    if _pool is not None:
        # Interrupted: the jobs not started yet are dropped; the running ones finish (a build cannot be torn down midway).
        _pool.finish(cancel=exitstatus == pytest.ExitCode.INTERRUPTED)
        _pool = None


@pytest.fixture(scope="session")
def docker_sandbox() -> None:
    problem = _sandbox_problem if _pool is None else None
    if _pool is None and problem is None:
        problem = start_sandbox()  # a test needing the engine but not the pool
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.fixture(scope="session")
def e2e_jobs(docker_sandbox: None) -> Pool:
    """The pool collection started: (case futures, verification futures, start, fleet tree) on a record."""
    if _pool is None:
        pytest.fail("the e2e pool did not start: no selected test asked for it at collection", pytrace=False)
    return _pool


@pytest.fixture(scope="session")
def e2e_runs(e2e_jobs: Pool) -> dict[tuple[str, str], CaseRun]:
    """Every selected case job, built and checked once: {(case name, kind): record}."""
    runs = {key: future.result() for key, future in e2e_jobs.cases.items()}
    _summary.extend(summary_lines(list(runs.values()), time.monotonic() - e2e_jobs.started))
    return runs


@pytest.fixture(scope="session")
def verification_results(e2e_jobs: Pool) -> dict:
    return {name: future.result() for name, future in e2e_jobs.verifying.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _summary:
        terminalreporter.section("e2e figures")
        for line in _summary:
            terminalreporter.write_line(line)
