"""Start the Docker sandbox, run every selected case once, report the figures at the end.

The sandbox setup is idempotent, so running it here makes `pytest -m e2e` work on a
fresh machine. When it fails, every e2e test fails with its message: a skipped e2e
suite would look like a passing one in CI.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.e2e.harness import Case, CaseRun, load_cases, remove_images, run_case, summary_lines
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


def _selected_case_names(session: pytest.Session) -> list[str]:
    names = []
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        # Other test files name a parameter `case` too (a corpus folder, a string): only e2e Cases count.
        case = callspec.params.get("case") if callspec else None
        if isinstance(case, Case) and case.name not in names:
            names.append(case.name)
    return names


@pytest.fixture(scope="session")
def e2e_runs(request: pytest.FixtureRequest, docker_sandbox: None) -> dict[str, CaseRun]:
    """Every case the session selected, built and checked once, several at a time."""
    wanted = set(_selected_case_names(request.session))
    cases = [c for c in load_cases() if c.name in wanted]
    # Compiling against system libraries is the long pole: start those cases first.
    cases.sort(key=lambda c: "apt-get" not in (c.directory / "Dockerfile").read_text(encoding="utf-8"))
    prefix = f"migrator-e2e-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="migrator-e2e-") as scratch:
        with ThreadPoolExecutor(max_workers=max(1, PARALLEL_CASES)) as pool:
            runs = list(pool.map(lambda case: run_case(case, Path(scratch), prefix), cases))
        _summary.extend(summary_lines(runs, time.monotonic() - started))
        try:
            yield {run.case.name: run for run in runs}
        finally:
            remove_images([tag for run in runs for side in run.sides.values() for tag in (side.tag, side.rebuild_tag)])


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _summary:
        terminalreporter.section("e2e figures")
        for line in _summary:
            terminalreporter.write_line(line)
