"""The migrated Dockerfile of every e2e corpus case, proven on a real engine.

For each case: both Dockerfiles build, the containers answer exactly alike (and as
e2e.toml expects), `migrate --verify`'s own checks find no difference between them,
the migrated one runs as a non-root uid in a smaller image, and after a source-only
edit (which re-runs the source copy, so it reached the build) its dependency install
comes from the cache and nothing that resolves dependencies re-runs: only source
copies and, where the project is installed, `poetry install --only-root`. That the
original's install runs again after such an edit is shown once, by `migrate --verify`
in test_verification.py.
"""

from __future__ import annotations

import pytest

from tests.e2e.harness import CaseRun, load_cases

pytestmark = pytest.mark.e2e

CASES = load_cases()


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request):
    return request.param


@pytest.fixture
def run(case, e2e_runs) -> CaseRun:
    result = e2e_runs[(case.name, "pair")]
    if result.crashed:
        pytest.fail(f"{case.name}: the harness broke: {result.crashed}", pytrace=False)
    if result.migrate_problem:
        pytest.fail(f"{case.name}: {result.migrate_problem}", pytrace=False)
    return result


def _built(run: CaseRun, side: str):
    side_run = run.sides[side]
    if not side_run.build.ok:
        pytest.fail(f"{run.case.name}: the {side} Dockerfile does not build:\n{side_run.build.failure}", pytrace=False)
    return side_run


def test_there_are_enough_cases():
    assert len(CASES) >= 8


def test_migration_changes_the_dockerfile(run):
    original = (run.case.directory / "Dockerfile").read_bytes().decode()
    assert run.migrated_text != original


def test_both_build(run):
    _built(run, "original")
    _built(run, "migrated")


def test_original_answers_as_expected(run):
    answer = _built(run, "original").answer
    assert answer.problem is None, answer.describe()
    case = run.case
    if case.kind == "http":
        assert (answer.code, answer.text) == (case.expected_status, case.expected_body)
    else:
        assert (answer.code, answer.text) == (case.expected_exit_code, case.expected_stdout), answer.log[-2000:]


def test_migrated_answers_exactly_like_original(run):
    original = _built(run, "original").answer
    migrated = _built(run, "migrated").answer
    assert migrated.problem is None, (
        f"{run.case.name}: {migrated.describe()}\n--- migrated Dockerfile\n{run.migrated_text}"
    )
    assert (migrated.code, migrated.text) == (original.code, original.text), run.migrated_text


def test_verify_finds_the_same_behaviour(run):
    """The product's own verdict on the pair: `--verify`'s checks see no difference."""
    _built(run, "original")
    _built(run, "migrated")
    assert run.verify_checks, f"{run.case.name}: --verify's checks did not run"
    assert run.verify_differences == (), "\n".join(
        [*run.verify_differences, "--- migrated Dockerfile", run.migrated_text]
    )


def test_migrated_runs_as_non_root(run):
    uid = _built(run, "migrated").uid
    if run.case.starts_as_root:
        # Its entrypoint drops privileges itself (the expected answer names the user it runs as).
        assert uid == "0", f"{run.case.name} must start as root for its entrypoint, not as uid {uid}"
        return
    assert uid.isdigit() and int(uid) != 0, f"{run.case.name} runs as uid {uid}:\n{run.migrated_text}"


def test_migrated_image_is_smaller(run):
    original = _built(run, "original").size_bytes
    migrated = _built(run, "migrated").size_bytes
    if run.case.max_size_ratio is not None:
        assert migrated <= original * run.case.max_size_ratio, (
            f"{run.case.name}: {original:,} bytes before, {migrated:,} after"
        )
        return
    assert migrated < original, f"{run.case.name}: {original:,} bytes before, {migrated:,} after"


def test_source_edit_reuses_dependency_layer(run):
    migrated = _built(run, "migrated")
    assert migrated.rebuild.ok, f"the migrated Dockerfile does not rebuild:\n{migrated.rebuild.failure}"
    after = migrated.dependency_step
    assert after is not None, migrated.rebuilt
    # The copy of the source ran again: the edit reached the build, so a cached install is earned.
    assert any(i.startswith(("COPY", "ADD")) and "--from" not in i for i in migrated.rebuilt), (
        f"no source copy ran again: the edit did not reach the build ({migrated.rebuilt})"
    )
    assert "--no-root" in after.instruction or "--no-install-project" in after.instruction, after.instruction
    if after.status != "cached" and migrated.cache_lost:
        pytest.fail(
            f"{run.case.name}: the build cache was pruned during each of {migrated.rebuild_attempts} rebuilds "
            "(another process on this engine ran `docker builder prune`?): cannot judge the dependency layer",
            pytrace=False,
        )
    assert after.status == "cached", f"{run.case.name}: the migrated install step re-ran: {after.name}"


def test_source_edit_reruns_nothing_that_resolves_dependencies(run):
    migrated = _built(run, "migrated")
    assert migrated.rebuild.ok, f"the migrated Dockerfile does not rebuild:\n{migrated.rebuild.failure}"
    if migrated.cache_lost:
        pytest.fail(f"{run.case.name}: the build cache was pruned during every rebuild: cannot judge", pytrace=False)
    assert migrated.rebuilt_resolving == (), f"{run.case.name} re-ran after a source-only edit: {migrated.rebuilt}"
