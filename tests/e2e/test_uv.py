"""`migrate --uv` end to end, on builds the conftest's pool made (harness kinds "uv" and "side-by-side").

For each corpus/uv-* case: the real CLI (`--write`, and `--write --uv`) on two copies,
the uv copy's project files (PEP 621, uv.lock with poetry.lock's versions, no Poetry
left), both built without the layer cache, both containers asked the e2e.toml
question; the uv image must answer the same, as a non-root user. Build times are
printed in the e2e figures, never asserted: wall-clock figures on a shared machine
would make the test flaky, not stricter.

For each e2e case: `migrate --write --uv`, built, asked, then rebuilt after a
source-only edit: the dependency sync comes from the cache, and every `uv sync` that
re-ran installed nothing but the project, as its own log says (uv has no project-only
sync option, so the log is the evidence).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from migrator.model import parse
from migrator.uv_project import version_mismatch
from tests.e2e.harness import CaseRun, load_cases, load_uv_cases, normalized, uv_sync_report

pytestmark = pytest.mark.e2e

SIDES = ("poetry", "uv")  # migrated without --uv, and with it
UV_CASES = load_uv_cases()
CASES = load_cases()


def assert_uv_holds_back(context: Path) -> None:
    """`migrate --write --uv` leaves the files alone and says why in one line."""
    before = {p.name: p.read_bytes() for p in context.iterdir() if p.is_file()}
    command = [sys.executable, "-m", "migrator", "-v", "--write", "--uv", str(context / "Dockerfile")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=context)
    assert done.returncode == 0, done.stderr
    # Either refused with a reason, or skipped because no install can be rewritten (a command that runs Poetry).
    assert "not switched to uv" in done.stderr or "the project was left on Poetry" in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in context.iterdir() if p.is_file()} == before


def _record(e2e_runs, case, kind: str) -> CaseRun:
    run = e2e_runs[(case.name, kind)]
    if run.crashed:
        pytest.fail(f"{case.name}: the harness broke: {run.crashed}", pytrace=False)
    return run


@pytest.fixture
def uv_run(case, e2e_runs) -> CaseRun:
    return _record(e2e_runs, case, "side-by-side")


@pytest.fixture
def switched(case, e2e_runs) -> CaseRun:
    """An e2e case through `--uv`, built and rebuilt; a case that must hold back is checked here."""
    run = _record(e2e_runs, case, "uv")
    if not case.uv:
        pytest.skip("`--uv` holds back on this case (test_uv_holds_back_where_it_must checks it): nothing built")
    assert run.migrate_problem is None, run.migrate_problem
    build = run.sides["uv"].build
    assert build is not None and build.ok, build.failure if build else "not built"
    return run


def test_there_is_a_uv_case():
    assert UV_CASES, "no corpus/uv-*/e2e.toml"


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_cli_migrates_both_ways(uv_run):
    assert uv_run.migrate_problem is None


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_project_is_pep_621_with_the_same_locked_versions(uv_run):
    context = uv_run.contexts["uv"]
    pyproject = tomllib.loads((context / "pyproject.toml").read_text(encoding="utf-8"))
    assert "project" in pyproject and "poetry" not in pyproject.get("tool", {})
    assert not (context / "poetry.lock").exists()
    original_lock = (uv_run.case.directory / "poetry.lock").read_text(encoding="utf-8")
    uv_lock = (context / "uv.lock").read_text(encoding="utf-8")
    assert version_mismatch(original_lock, uv_lock, pyproject["project"]["name"]) is None


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_no_poetry_left_in_the_uv_dockerfile(uv_run):
    doc = parse((uv_run.contexts["uv"] / "Dockerfile").read_text(encoding="utf-8"))
    assert not [i.logical for i in doc.instructions if "poetry" in i.logical.lower()]
    syncs = [i for i in doc.instructions if i.keyword == "RUN" and "uv sync --locked" in i.logical]
    assert syncs and all("/root/.cache/uv" in " ".join(i.flag_values("mount")) for i in syncs)


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_both_build(uv_run):
    for side in SIDES:
        build = uv_run.sides[side].build
        assert build is not None and build.ok, f"{side}: {build.failure if build else 'not built'}"


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_uv_build_ran_uv_sync_with_its_cache_mount(uv_run):
    build = uv_run.sides["uv"].build
    syncs = [s for s in build.steps if s.instruction and "uv sync --locked" in s.instruction]
    assert syncs and all("--mount=type=cache,target=/root/.cache/uv" in s.instruction for s in syncs)
    # The side-by-side run builds this same Dockerfile, so whichever of the two comes first
    # runs the sync and the other finds it cached: both count, and a sync that ran says what it installed.
    assert all(s.status in ("done", "cached") for s in syncs), [(s.name, s.status, s.error) for s in syncs]
    ran = [s for s in syncs if s.ran]
    assert all(uv_sync_report(s).changed for s in ran), ["\n".join(s.log) for s in ran]
    assert "poetry" not in build.log.lower().replace("poetry.lock", "")


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_uv_image_answers_like_the_poetry_one(uv_run):
    poetry, uv = uv_run.sides["poetry"].answer, uv_run.sides["uv"].answer
    assert poetry is not None and uv is not None
    assert (uv.code, uv.text) == (poetry.code, poetry.text), f"poetry: {poetry.describe()}\nuv: {uv.describe()}"
    case = uv_run.case
    expected_code = case.expected_status if case.kind == "http" else case.expected_exit_code
    expected_text = case.expected_body if case.kind == "http" else case.expected_stdout
    assert uv.code == expected_code and uv.text.strip() == expected_text.strip(), uv.describe()


@pytest.mark.parametrize("case", UV_CASES, ids=lambda case: case.name)
def test_uv_image_runs_as_non_root(uv_run):
    uid = uv_run.sides["uv"].uid
    assert uid not in (None, "0") and uid.isdigit()


@pytest.mark.parametrize("case", [c for c in CASES if not c.uv], ids=lambda case: case.name)
def test_uv_holds_back_where_it_must(case, e2e_runs):
    assert_uv_holds_back(_record(e2e_runs, case, "uv").contexts["uv"])


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_every_e2e_case_switched_to_uv_answers_as_expected(case, switched):
    side = switched.sides["uv"]
    answer = side.answer
    expected_code = case.expected_status if case.kind == "http" else case.expected_exit_code
    expected_text = case.expected_body if case.kind == "http" else case.expected_stdout
    assert (answer.code, answer.text.strip()) == (expected_code, expected_text.strip()), answer.describe()
    # An image whose entrypoint drops to its own user starts as root, as the original did.
    assert side.uid == "0" if case.starts_as_root else (side.uid.isdigit() and side.uid != "0")
    context = switched.contexts["uv"]
    assert not (context / "poetry.lock").exists() and (context / "uv.lock").is_file()
    doc = parse(switched.migrated_text)
    assert not [i.logical for i in doc.instructions if "poetry" in i.logical.lower()]


def _rebuilt(case, switched):
    side = switched.sides["uv"]
    assert side.rebuild is not None and side.rebuild.ok, side.rebuild.failure if side.rebuild else "no rebuild"
    if side.cache_lost:
        pytest.fail(f"{case.name}: the build cache was pruned during every rebuild: cannot judge", pytrace=False)
    return side


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_source_edit_keeps_the_uv_dependency_sync_cached(case, switched):
    side = _rebuilt(case, switched)
    step = side.dependency_step
    assert step is not None and "--no-install-project" in (step.instruction or ""), side.rebuilt
    assert step.status == "cached", f"a source-only edit re-ran `{step.instruction}`"
    # The edit reached the build: a source copy ran again.
    assert any(i.startswith(("COPY", "ADD")) for i in side.rebuilt), side.rebuilt


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_source_edit_reruns_only_the_project_sync(case, switched):
    """Issue 13: after a source-only edit only the source COPY and the project-only `uv sync` re-run."""
    side = _rebuilt(case, switched)
    assert side.rebuilt_resolving == (), (
        f"{case.name}: re-ran after a source-only edit and installed more than the project: "
        + "; ".join(f"{i}: {r.describe()}" for i, r in side.uv_project_syncs)
    )
    expected = {normalized(side.project)} if side.project else set()
    for instruction, report in side.uv_project_syncs:
        # Evidence, not absence of it: the project is exactly what the re-run sync says it installed.
        assert report.names() == expected, (instruction, report.describe())
        # Built again from the edited source: a wheel from uv's cache mount would be the old code.
        assert report.prepared == len(expected), (instruction, report.describe())
