"""`migrate --uv` end to end: the same app migrated with and without --uv, side by side.

For each corpus/uv-* case: run the real CLI (`--write`, and `--write --uv`) on two
copies, check the uv copy's project files (PEP 621, uv.lock with poetry.lock's
versions, no Poetry left), then build both cold (`docker builder prune -af` before
each build) on the sandbox engine, ask both containers the e2e.toml question, and
check the uv image answers the same, as a non-root user. Build times are printed
for the report (`-s` or the terminal summary), never asserted: wall-clock figures on
a shared machine would make the test flaky, not stricter.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from migrator.model import parse
from migrator.uv_project import version_mismatch
from migrator.verify import Build, VerifyOptions, dependency_install_step, docker_build
from tests.e2e.conftest import _summary as e2e_summary
from tests.e2e.harness import CORPUS, NETWORK, Answer, Case, ask, copy_case, load_cases, remove_images

pytestmark = pytest.mark.e2e

SIDES = ("poetry", "uv")  # migrated without --uv, and with it
SOURCE_EDIT = "\n# e2e: a source-only edit\n"


def uv_cases() -> list[Case]:
    cases = []
    for spec_file in sorted(CORPUS.glob("uv-*/e2e.toml")):
        spec = tomllib.loads(spec_file.read_text(encoding="utf-8"))
        cases.append(Case(name=spec_file.parent.name, directory=spec_file.parent, **spec))
    return cases


@dataclass
class Side:
    context: Path
    cli_problem: str | None = None
    build: Build | None = None
    answer: Answer | None = None
    uid: str | None = None


@dataclass
class UvRun:
    case: Case
    sides: dict[str, Side] = field(default_factory=dict)

    def figures(self) -> str:
        poetry, uv = self.sides["poetry"].build, self.sides["uv"].build
        if not (poetry and uv and poetry.ok and uv.ok):
            return f"{self.case.name}: a build failed"
        return (
            f"{self.case.name}: cold build without --uv {poetry.seconds:.1f}s, with --uv {uv.seconds:.1f}s "
            f"({poetry.seconds / uv.seconds:.1f}x faster)"
        )


def docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def assert_uv_holds_back(context: Path) -> None:
    """`migrate --write --uv` leaves the files alone and says why in one line."""
    before = {p.name: p.read_bytes() for p in context.iterdir() if p.is_file()}
    command = [sys.executable, "-m", "migrator", "-v", "--write", "--uv", str(context / "Dockerfile")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=context)
    assert done.returncode == 0, done.stderr
    # Either refused with a reason, or skipped because no install can be rewritten (a command that runs Poetry).
    assert "not switched to uv" in done.stderr or "the project was left on Poetry" in done.stderr, done.stderr
    assert {p.name: p.read_bytes() for p in context.iterdir() if p.is_file()} == before


def migrate_with_cli(dockerfile: Path, *options: str) -> str | None:
    command = [sys.executable, "-m", "migrator", "--write", *options, str(dockerfile)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=dockerfile.parent)
    if done.returncode not in (0, 1):
        return f"`migrate --write {' '.join(options)}` exited {done.returncode}: {(done.stderr or done.stdout).strip()[-1500:]}"
    return None


@pytest.fixture(scope="module", params=uv_cases(), ids=lambda case: case.name)
def uv_run(request, docker_sandbox, tmp_path_factory):
    case: Case = request.param
    scratch = tmp_path_factory.mktemp(case.name)
    run = UvRun(case)
    for side, options in (("poetry", ()), ("uv", ("--uv",))):
        context = copy_case(case, scratch / side)
        run.sides[side] = Side(context, migrate_with_cli(context / "Dockerfile", *options))
    tag = f"migrator-e2e-uv-{uuid.uuid4().hex[:8]}-{case.name}"
    tags = []
    try:
        for side in SIDES:  # one after the other: each build gets the machine to itself
            state = run.sides[side]
            if state.cli_problem:
                continue
            docker("builder", "prune", "-af")
            tags.append(f"{tag}-{side}:e2e")
            state.build = docker_build(
                ["docker", "build"],
                state.context,
                state.context / "Dockerfile",
                tags[-1],
                VerifyOptions(network=NETWORK),
            )
            if state.build.ok:
                state.answer = ask(case, tags[-1])
                probe = docker("run", "--rm", "--network", NETWORK, "--entrypoint", "id", tags[-1], "-u")
                state.uid = probe.stdout.strip() if probe.returncode == 0 else f"? ({probe.stderr.strip()})"
        # Into the "e2e figures" section that conftest prints at the end of the session.
        e2e_summary.append("  uv: " + run.figures())
        print("\n" + run.figures())
        yield run
    finally:
        remove_images(tags)


def test_there_is_a_uv_case():
    assert uv_cases(), "no corpus/uv-*/e2e.toml"


def test_cli_migrates_both_ways(uv_run):
    assert {side: state.cli_problem for side, state in uv_run.sides.items()} == {"poetry": None, "uv": None}


def test_project_is_pep_621_with_the_same_locked_versions(uv_run):
    context = uv_run.sides["uv"].context
    pyproject = tomllib.loads((context / "pyproject.toml").read_text(encoding="utf-8"))
    assert "project" in pyproject and "poetry" not in pyproject.get("tool", {})
    assert not (context / "poetry.lock").exists()
    original_lock = (uv_run.case.directory / "poetry.lock").read_text(encoding="utf-8")
    uv_lock = (context / "uv.lock").read_text(encoding="utf-8")
    assert version_mismatch(original_lock, uv_lock, pyproject["project"]["name"]) is None


def test_no_poetry_left_in_the_uv_dockerfile(uv_run):
    doc = parse((uv_run.sides["uv"].context / "Dockerfile").read_text(encoding="utf-8"))
    assert not [i.logical for i in doc.instructions if "poetry" in i.logical.lower()]
    syncs = [i for i in doc.instructions if i.keyword == "RUN" and "uv sync --locked" in i.logical]
    assert syncs and all("/root/.cache/uv" in " ".join(i.flag_values("mount")) for i in syncs)


def test_both_build(uv_run):
    for side in SIDES:
        build = uv_run.sides[side].build
        assert build is not None and build.ok, f"{side}: {build.failure if build else 'not built'}"


def test_uv_build_ran_uv_sync_with_its_cache_mount(uv_run):
    log = uv_run.sides["uv"].build.log
    assert "uv sync --locked" in log and "Installed" in log
    assert "poetry" not in log.lower().replace("poetry.lock", "")


def test_uv_image_answers_like_the_poetry_one(uv_run):
    poetry, uv = uv_run.sides["poetry"].answer, uv_run.sides["uv"].answer
    assert poetry is not None and uv is not None
    assert (uv.code, uv.text) == (poetry.code, poetry.text), f"poetry: {poetry.describe()}\nuv: {uv.describe()}"
    expected_code = uv_run.case.expected_status if uv_run.case.kind == "http" else uv_run.case.expected_exit_code
    expected_text = uv_run.case.expected_body if uv_run.case.kind == "http" else uv_run.case.expected_stdout
    assert uv.code == expected_code and uv.text.strip() == expected_text.strip(), uv.describe()


def test_uv_image_runs_as_non_root(uv_run):
    assert uv_run.sides["uv"].uid not in (None, "0") and uv_run.sides["uv"].uid.isdigit()


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case.name)
def test_every_e2e_case_switched_to_uv_answers_as_expected(case, docker_sandbox, tmp_path):
    """The general e2e corpus through `--uv` (warm builds: the timing is the side-by-side test's job)."""
    context = copy_case(case, tmp_path / case.name)
    if not case.uv:
        assert_uv_holds_back(context)
        return
    assert migrate_with_cli(context / "Dockerfile", "--uv") is None
    assert not (context / "poetry.lock").exists() and (context / "uv.lock").is_file()
    tag = f"migrator-e2e-uv-{uuid.uuid4().hex[:8]}-{case.name}:e2e"
    try:
        build = docker_build(["docker", "build"], context, context / "Dockerfile", tag, VerifyOptions(network=NETWORK))
        assert build.ok, build.failure
        answer = ask(case, tag)
        expected_code = case.expected_status if case.kind == "http" else case.expected_exit_code
        expected_text = case.expected_body if case.kind == "http" else case.expected_stdout
        assert (answer.code, answer.text.strip()) == (expected_code, expected_text.strip()), answer.describe()
        uid = docker("run", "--rm", "--network", NETWORK, "--entrypoint", "id", tag, "-u").stdout.strip()
        # An image whose entrypoint drops to its own user starts as root, as the original did.
        assert uid == "0" if case.starts_as_root else (uid.isdigit() and uid != "0")
        doc = parse((context / "Dockerfile").read_text(encoding="utf-8"))
        assert not [i.logical for i in doc.instructions if "poetry" in i.logical.lower()]
    finally:
        remove_images([tag])


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case.name)
def test_source_edit_keeps_the_uv_dependency_sync_cached(case, docker_sandbox, tmp_path):
    context = copy_case(case, tmp_path / case.name)
    if not case.uv:
        assert_uv_holds_back(context)
        return
    assert migrate_with_cli(context / "Dockerfile", "--uv") is None
    tag = f"migrator-e2e-uv-{uuid.uuid4().hex[:8]}-{case.name}:e2e"
    try:
        docker_build(["docker", "build"], context, context / "Dockerfile", tag, VerifyOptions(network=NETWORK))
        assert_source_edit_keeps_the_dependency_sync_cached(context, case.source_edit, tag)
    finally:
        remove_images([tag])


def assert_source_edit_keeps_the_dependency_sync_cached(context: Path, source_edit: str, tag: str) -> None:
    def dependency_step_status() -> str:
        build = docker_build(["docker", "build"], context, context / "Dockerfile", tag, VerifyOptions(network=NETWORK))
        step = dependency_install_step(list(build.steps))
        assert build.ok and step is not None, build.failure
        return step.status

    if dependency_step_status() != "cached":
        # Not even an unchanged rebuild hit the cache: the shared engine's cache was pruned meanwhile.
        pytest.skip("BuildKit re-ran an unchanged step (its cache is being pruned by another build)")
    with (context / source_edit).open("a", encoding="utf-8", newline="") as source:
        source.write(SOURCE_EDIT)
    assert dependency_step_status() == "cached", "a source-only edit re-ran `uv sync --no-install-project`"
