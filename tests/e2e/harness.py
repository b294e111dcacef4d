"""Build, run and rebuild one corpus case, original and migrated, on the real engine.

A case is corpus/e2e-<name>/: a naive Dockerfile, its project, and e2e.toml saying
how to ask a running container for its answer. Everything a test asserts is
gathered here into a CaseRun first (cases run in parallel, one build at a time), so a
failing assertion names a figure rather than a half-finished docker call.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from migrator import app_modules, behaviour
from migrator.verify import (
    DEPENDENCY_INSTALL_RE,
    Build,
    BuildStep,
    declares_no_command,
    dependency_install_step,
    docker_build,
    dockerfile_steps,
    rebuilt_steps,
)
from tests.e2e.sandbox import engine_crash

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
NETWORK = "host"  # the PyPI mirror listens on 127.0.0.1
MIRROR_URL = "http://127.0.0.1:3141/root/pypi/+simple/"
HTTP_READY_SECONDS = 90
RUN_TIMEOUT_SECONDS = 180
NOT_COPIED = ("expected.Dockerfile", "e2e.toml", "__pycache__", ".pytest_cache")
SIDES = ("original", "migrated")
REBUILD_ATTEMPTS = 3
POETRY_ITSELF_RE = re.compile(r"\bpip3? install\b(?!.*\s-r\s).*\bpoetry\b")
STEP_POSITION_RE = re.compile(r"^\[(?:(\S+) )?(\d+)/\d+\]")
# Installing the project alone (its dependencies already there) resolves nothing. Poetry
# says so in the command; `uv sync` has no project-only option, so a uv sync that installs
# the project is judged by what its build log says it installed (uv_sync_report).
ONLY_ROOT_RE = re.compile(r"--only-root\b")
UV_PROJECT_SYNC_RE = re.compile(r"\buv\s+sync\b(?!.*--no-install-project)")
# uv's own lines in a RUN's output: ` + name==1.0 (from file:///app)`, `Prepared 2 packages in 3ms`,
# `Downloading name (2.0MiB)` / ` Downloaded name`.
UV_CHANGE_RE = re.compile(r"^\s*([+~-]) ([A-Za-z0-9][A-Za-z0-9._-]*)")
UV_PREPARED_RE = re.compile(r"^\s*Prepared (\d+) packages?\b")
# `--locked` re-checks uv.lock against pyproject.toml by resolving ("Resolved 8 packages in 34ms");
# `--frozen` installs from the lock as it is and prints no such line.
UV_RESOLVED_RE = re.compile(r"^\s*Resolved \d+ packages?\b")
UV_DOWNLOAD_RE = re.compile(r"^\s*Download(?:ing|ed) ([A-Za-z0-9][A-Za-z0-9._-]*)")
# Set E2E_LOG_DIR to keep every build log (CI artifacts, or reading a surprise by hand).
LOG_DIR = os.environ.get("E2E_LOG_DIR")


@dataclass(frozen=True)
class Case:
    name: str
    directory: Path
    kind: str  # "http" | "command"
    source_edit: str  # a file the test edits to prove the dependency layer survives
    port: int | None = None
    path: str = "/"
    expected_status: int = 200
    expected_body: str | None = None
    expected_stdout: str | None = None
    expected_exit_code: int = 0
    # The image must start as root (its entrypoint drops to its own user): the migration leaves USER alone.
    starts_as_root: bool = False
    # A case that keeps a system install is not split, so its image cannot shrink:
    # it may grow at most by this ratio (None: it must be smaller).
    max_size_ratio: float | None = None
    # False: `migrate --uv` must leave the case alone and say why (a system install that
    # MIG001 keeps cannot move into uv's venv either); the uv tests check that instead.
    uv: bool = True


def load_cases(corpus: Path = CORPUS, pattern: str = "e2e-*") -> list[Case]:
    cases = []
    for e2e_toml in sorted(corpus.glob(f"{pattern}/e2e.toml")):
        spec = tomllib.loads(e2e_toml.read_text(encoding="utf-8"))
        cases.append(Case(name=e2e_toml.parent.name, directory=e2e_toml.parent, **spec))
    return cases


def load_uv_cases(corpus: Path = CORPUS) -> list[Case]:
    """corpus/uv-*: apps migrated with and without --uv, side by side (tests/e2e/test_uv.py)."""
    return load_cases(corpus, "uv-*")


@dataclass(frozen=True)
class Answer:
    """What a container said: an HTTP status and body, or an exit code and stdout."""

    code: int | None
    text: str
    problem: str | None = None  # why there is no answer (did not start, timed out)
    log: str = ""

    def describe(self) -> str:
        if self.problem:
            return f"no answer: {self.problem}\n{self.log[-2000:]}"
        return f"code {self.code}, text {self.text!r}"


def _docker(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def ask(case: Case, tag: str) -> Answer:
    return ask_http(case, tag) if case.kind == "http" else ask_command(tag)


def ask_command(tag: str) -> Answer:
    try:
        done = _docker("run", "--rm", "--network", NETWORK, tag, timeout=RUN_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return Answer(None, "", f"still running after {RUN_TIMEOUT_SECONDS}s")
    return Answer(done.returncode, done.stdout, log=done.stderr)


@contextlib.contextmanager
def port_lock(port: int):
    """Hold a port across processes: a colleague's test session may run the same case now."""
    with open(Path(tempfile.gettempdir()) / f"migrator-e2e-port-{port}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ask_http(case: Case, tag: str) -> Answer:
    with port_lock(case.port):
        return _ask_http(case, tag)


def _ask_http(case: Case, tag: str) -> Answer:
    name = f"e2e-{case.name}-{uuid.uuid4().hex[:8]}"
    started = _docker("run", "-d", "--name", name, "--network", NETWORK, tag)
    if started.returncode != 0:
        return Answer(None, "", f"docker run failed: {started.stderr.strip()}")
    try:
        deadline = time.monotonic() + HTTP_READY_SECONDS
        last_error = ""
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", case.port, timeout=5)
                # The raw path, so that characters such as < reach the app unquoted.
                connection.request("GET", case.path)
                response = connection.getresponse()
                body = response.read().decode("utf-8", "replace")
                connection.close()
                return Answer(response.status, body)
            except OSError as exc:
                last_error = str(exc)
            state = _docker("inspect", "-f", "{{.State.Running}}", name).stdout.strip()
            if state == "false":
                return Answer(None, "", "the container exited before answering", _docker("logs", name).stderr)
            time.sleep(0.5)
        return Answer(
            None,
            "",
            f"no HTTP answer on port {case.port} within {HTTP_READY_SECONDS}s ({last_error})",
            _docker("logs", name).stderr,
        )
    finally:
        _docker("rm", "-f", name)


@dataclass
class SideRun:
    """One Dockerfile of a case (original or migrated): its builds, answer and image."""

    tag: str
    build: Build | None = None
    answer: Answer | None = None
    size_bytes: int | None = None
    uid: str | None = None
    rebuild: Build | None = None
    rebuild_attempts: int = 0
    project: str | None = None  # the name the project installs under, for judging a re-run `uv sync`

    @property
    def cache_lost(self) -> bool:
        """Every rebuild attempt found the build cache pruned: no verdict is possible."""
        return self.rebuild is not None and self.rebuild.ok and cache_disturbed(list(self.rebuild.steps))

    @property
    def rebuild_tag(self) -> str:
        # Its own tag, so that the first image is not left behind untagged.
        return f"{self.tag}-rebuild"

    @property
    def dependency_step(self) -> BuildStep | None:
        return dependency_install_step(list(self.rebuild.steps)) if self.rebuild else None

    @property
    def rebuilt(self) -> tuple[str, ...]:
        return rebuilt_steps(list(self.rebuild.steps)) if self.rebuild else ()

    @property
    def rerun_steps(self) -> list[BuildStep]:
        return [s for s in dockerfile_steps(list(self.rebuild.steps)) if s.ran] if self.rebuild else []

    @property
    def rebuilt_resolving(self) -> tuple[str, ...]:
        """Steps that re-ran after the source edit and check or install dependencies."""
        return tuple(s.instruction or "" for s in self.rerun_steps if resolves_dependencies(s, self.project))

    @property
    def uv_project_syncs(self) -> list[tuple[str, UvSyncReport]]:
        """Each `uv sync` that re-ran after the edit, with what its log says it did."""
        return [
            (s.instruction or "", uv_sync_report(s))
            for s in self.rerun_steps
            if UV_PROJECT_SYNC_RE.search(s.instruction or "")
        ]


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class UvSyncReport:
    """What one `uv sync` step's output says it resolved, installed, removed, prepared and downloaded."""

    changed: tuple[str, ...]  # `+ name==1.0`, `- name==1.0`, `~ name==1.0`, as uv prints them
    prepared: int
    downloaded: tuple[str, ...]
    resolved: bool = False  # it resolved the project's requirements again (`--locked`)

    def names(self) -> set[str]:
        return {normalized(match.group(2)) for line in self.changed if (match := UV_CHANGE_RE.match(line))}

    def only(self, project: str | None) -> bool:
        """Nothing was resolved, and nothing but the project (if any) was installed, built or downloaded."""
        allowed = {normalized(project)} if project else set()
        return (
            not self.resolved
            and self.names() <= allowed
            and self.prepared <= len(self.names())
            and {normalized(n) for n in self.downloaded} <= allowed
        )

    def describe(self) -> str:
        return (
            f"{'resolved again' if self.resolved else 'resolved nothing'}; changed {', '.join(self.changed) or 'nothing'}; "
            f"prepared {self.prepared}; downloaded {', '.join(self.downloaded) or 'nothing'}"
        )


def uv_sync_report(step: BuildStep) -> UvSyncReport:
    changed, prepared, downloaded, resolved = [], 0, [], False
    for line in step.log:
        if UV_RESOLVED_RE.match(line):
            resolved = True
        elif UV_CHANGE_RE.match(line):
            changed.append(line.strip())
        elif count := UV_PREPARED_RE.match(line):
            prepared += int(count.group(1))
        elif download := UV_DOWNLOAD_RE.match(line):
            downloaded.append(download.group(1))
    return UvSyncReport(tuple(changed), prepared, tuple(downloaded), resolved)


def resolves_dependencies(step: BuildStep, project: str | None = None) -> bool:
    """A RUN that installs locked dependencies: not `poetry install --only-root`, nor a `uv sync`
    whose log shows it installed nothing but the project (named `project`, None: no project)."""
    instruction = step.instruction or ""
    if not instruction.startswith("RUN") or DEPENDENCY_INSTALL_RE.search(instruction) is None:
        return False
    if ONLY_ROOT_RE.search(instruction):
        return False
    if UV_PROJECT_SYNC_RE.search(instruction):
        return not uv_sync_report(step).only(project)
    return True


def project_name(context: Path) -> str | None:
    """The name the project installs under (PEP 621 first, then Poetry's), None for no package."""
    try:
        pyproject = tomllib.loads((context / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tool = pyproject.get("tool", {})
    poetry = tool.get("poetry", {})
    if poetry.get("package-mode") is False or tool.get("uv", {}).get("package") is False:
        return None
    return pyproject.get("project", {}).get("name") or poetry.get("name")


def step_position(step: BuildStep) -> tuple[str | None, int] | None:
    """(stage name, number) of a Dockerfile step: `[build 4/9] COPY ...` -> ("build", 4)."""
    match = STEP_POSITION_RE.match(step.name)
    return (match.group(1), int(match.group(2))) if match else None


@dataclass
class CaseRun:
    """One job of the session's pool: a case's original and migrated pair ("pair"), its
    `--uv` migration ("uv"), or a uv-* case migrated with and without --uv ("side-by-side")."""

    case: Case
    kind: str = "pair"
    migrated_text: str | None = None
    migrate_problem: str | None = None
    sides: dict[str, SideRun] = field(default_factory=dict)
    contexts: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    crashed: str | None = None  # a harness error, reported rather than hidden
    # `migrate --verify`'s own checks on the pair's two images (None: a side did not build).
    verify_checks: tuple[behaviour.Check, ...] | None = None
    verify_seconds: float = 0.0

    @property
    def verify_differences(self) -> tuple[str, ...]:
        """One line per check where --verify would not say "same behaviour"."""
        return tuple(
            line or f"{check.name}: {check.outcome}"
            for check in self.verify_checks or ()
            if check.outcome not in (behaviour.SAME, "")
            for line in (check.lines or ("",))
        )


def copy_case(case: Case, target: Path) -> Path:
    shutil.copytree(case.directory, target, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return target


def migrate_in_place(dockerfile: Path, *flags: str) -> str | None:
    """Run the real CLI as a user would; a problem is returned as text, not raised."""
    command = [sys.executable, "-m", "migrator", "--write", *flags, str(dockerfile)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=dockerfile.parent)
    # Exit 1 is the CLI's "changed" or "warned"; Python's own exit 1 on an import error is not.
    if done.returncode not in (0, 1) or "Traceback (most recent call last)" in done.stderr:
        said = " ".join(("--write", *flags))
        return f"`migrate {said}` exited {done.returncode}: {(done.stderr or done.stdout).strip()[-1500:]}"
    return None


def run_case(case: Case, workdir: Path, prefix: str, kind: str = "pair") -> CaseRun:
    run = CaseRun(case, kind)
    started = time.monotonic()
    try:
        {"pair": _run_case, "uv": _run_uv, "side-by-side": _run_side_by_side}[kind](run, workdir, prefix)
    except Exception as exc:  # one broken case must not hide the figures of the others
        run.crashed = f"{type(exc).__name__}: {exc}"
    run.seconds = time.monotonic() - started
    return run


def _run_case(run: CaseRun, workdir: Path, prefix: str) -> None:
    case = run.case
    contexts = {side: copy_case(case, workdir / case.name / side) for side in SIDES}
    run.migrate_problem = migrate_in_place(contexts["migrated"] / "Dockerfile")
    run.migrated_text = (contexts["migrated"] / "Dockerfile").read_bytes().decode("utf-8", "surrogateescape")
    if run.migrate_problem:
        return
    options = _build_options()
    for side in SIDES:
        side_run = run.sides[side] = SideRun(tag=f"{prefix}-{case.name}-{side}:e2e")
        with BUILD_SLOTS:
            build = _build_one(contexts[side], contexts[side] / "Dockerfile", side_run.tag, options)
            side_run.build = _keep_log(case, f"{side}-build", build)
            if build.ok and side == "migrated":
                # In the same slot, right after the build: no other build's layers come
                # between the two to push these out of the cache. The original is not
                # rebuilt: its install runs again without any cache, the longest build of
                # a cold run, and test_verification's "same" run already shows the
                # contrast (`migrate --verify` rebuilds both).
                _rebuild_after_source_edit(case, side, side_run, contexts[side], options)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Alongside the harness's own questions: most of --verify's time is watching each
        # command for run_seconds, and its containers publish their ports on free host ports.
        verifying = None
        if all(run.sides[side].build.ok for side in SIDES):
            tags = {side: run.sides[side].tag for side in SIDES}
            verifying = pool.submit(_timed, verify_checks, case, tags, contexts["original"])
        for side in SIDES:
            side_run = run.sides[side]
            if side_run.build.ok:
                _observe(case, side_run)
        if verifying is not None:
            run.verify_checks, run.verify_seconds = verifying.result()


def _timed(function, *args):
    began = time.monotonic()
    return function(*args), time.monotonic() - began


def verify_checks(case: Case, tags: dict[str, str], context: Path) -> tuple[behaviour.Check, ...]:
    """What `migrate --verify --baseline` finds comparing the two images, on the images already built.

    The same observations and comparison as migrator/verify.py, with its defaults
    (run_seconds, no --env) and, for an http case, `--probe-http PORT/PATH` from e2e.toml;
    verify_pair itself would build both images again.
    """
    settings = behaviour.RunSettings()
    modules = app_modules.project_modules(context)
    outside = declares_no_command((context / "Dockerfile").read_text(encoding="utf-8"))
    http = (case.port, case.path) if case.kind == "http" and case.port else None
    race = behaviour.Race(tuple(tags))
    with ThreadPoolExecutor(max_workers=len(tags)) as pool:
        futures = {
            side: pool.submit(behaviour.observe, settings, tag, modules, None, http, race, side, outside)
            for side, tag in tags.items()
        }
        seen = {side: future.result() for side, future in futures.items()}
    return tuple(behaviour.compare(seen["original"], seen["migrated"], settings.run_seconds))


def _run_uv(run: CaseRun, workdir: Path, prefix: str) -> None:
    """`migrate --write --uv`, then build, rebuild after the source edit, and ask, like the migrated side."""
    case = run.case
    context = run.contexts["uv"] = copy_case(case, workdir / case.name / "uv")
    if not case.uv:
        return  # the test checks that the CLI holds back: no build
    run.migrate_problem = migrate_in_place(context / "Dockerfile", "--uv")
    run.migrated_text = (context / "Dockerfile").read_bytes().decode("utf-8", "surrogateescape")
    if run.migrate_problem:
        return
    options = _build_options()
    side_run = run.sides["uv"] = SideRun(tag=f"{prefix}-{case.name}-uv:e2e", project=project_name(context))
    with BUILD_SLOTS:
        build = _build_one(context, context / "Dockerfile", side_run.tag, options)
        side_run.build = _keep_log(case, "uv-build", build)
        if not build.ok:
            return
        _rebuild_after_source_edit(case, "uv", side_run, context, options)
    _observe(case, side_run)


def _run_side_by_side(run: CaseRun, workdir: Path, prefix: str) -> None:
    """A uv-* case migrated without and with --uv, each built with the layer cache as found.

    Not `--no-cache`: dockerd 20.10's BuildKit can panic ("failed to get edge", moby/buildkit#2303)
    when a `--no-cache` build and a cached one ask for the same steps at once; a prune
    would empty everyone's cache. The build times are
    figures for the report, never asserted, and say whether the dependency step ran.
    """
    case = run.case
    options = _build_options()
    for side, flags in (("poetry", ()), ("uv", ("--uv",))):
        context = run.contexts[side] = copy_case(case, workdir / case.name / side)
        problem = migrate_in_place(context / "Dockerfile", *flags)
        side_run = run.sides[side] = SideRun(tag=f"{prefix}-{case.name}-{side}:e2e")
        if problem:
            run.migrate_problem = f"{side}: {problem}"
            continue
        with BUILD_SLOTS:
            build = _build_one(context, context / "Dockerfile", side_run.tag, options)
        side_run.build = _keep_log(case, f"{side}-build", build)
        if build.ok:
            _observe(case, side_run)


def _observe(case: Case, side_run: SideRun) -> None:
    side_run.answer = ask(case, side_run.tag)
    size = _docker("image", "inspect", "-f", "{{.Size}}", side_run.tag).stdout.strip()
    side_run.size_bytes = int(size) if size.isdigit() else None
    probe = _docker("run", "--rm", "--entrypoint", "id", side_run.tag, "-u")
    side_run.uid = probe.stdout.strip() if probe.returncode == 0 else f"? ({probe.stderr.strip()})"


def _rebuild_after_source_edit(case: Case, side: str, side_run: SideRun, context: Path, options) -> None:
    for attempt in range(1, REBUILD_ATTEMPTS + 1):
        # Unique per run: BuildKit's cache is content-addressed, so an edit made by
        # an earlier run would already be cached and prove nothing.
        with (context / case.source_edit).open("a", encoding="utf-8", newline="") as handle:
            handle.write(f"\n# e2e: a source-only edit ({uuid.uuid4().hex})\n")
        build = _build_one(context, context / "Dockerfile", side_run.rebuild_tag, options)
        side_run.rebuild = _keep_log(case, f"{side}-rebuild-{attempt}", build)
        side_run.rebuild_attempts = attempt
        if side == "original" or not (build.ok and cache_disturbed(list(build.steps))):
            return  # the original's install must run again anyway: a pruned cache cannot fake a pass
        step = dependency_install_step(list(build.steps))
        if step is not None and step.status == "cached":
            return


def cache_disturbed(steps: list[BuildStep]) -> bool:
    """Whether steps the edit cannot reach ran again: the build cache was pruned meanwhile.

    Colleagues on this engine run cold benchmarks (`docker builder prune`); a rebuild
    that lost its cache that way says nothing about the Dockerfile, so it is retried.
    A step before the dependency install is out of the edit's reach; source copies
    after it (`COPY src/ ./src/`) are not.
    """
    dependency = dependency_install_step(steps)
    # Only a cached install shows where the edit's reach begins.
    anchor = step_position(dependency) if dependency is not None and dependency.status == "cached" else None
    if anchor is not None:
        for step in dockerfile_steps(steps):
            position = step_position(step)
            if step.ran and position is not None and position[0] == anchor[0] and position[1] < anchor[1]:
                return True
        return any(POETRY_ITSELF_RE.search(i) for i in rebuilt_steps(steps))
    for instruction in rebuilt_steps(steps):
        if POETRY_ITSELF_RE.search(instruction):
            return True
        words = instruction.split()
        if words[0] == "COPY" and "--from" not in instruction and not any(w in (".", "./") for w in words[1:-1]):
            return True
    return False


# Builds at once on the engine (E2E_BUILDS, default 1), whichever job asks. The sandbox's
# dockerd 20.10 keeps its build cache near 2 GB (its default garbage collection, seen with
# `docker system df` during a run), and a cold run of the suite writes several times that:
# with four builds side by side, a migrated image's layers were collected before its
# rebuild after the edit, every step ran again and no case could be judged. A build and
# its rebuild therefore run back to back in one slot. Side by side, builds also once
# panicked the engine ("failed to get edge", moby/buildkit#2303). Containers (answers,
# --verify's checks) run outside the slots; each verification run (one `migrate --verify`
# process) and each e2e test elsewhere that builds holds a slot for its builds.
BUILD_SLOTS = threading.BoundedSemaphore(max(1, int(os.environ.get("E2E_BUILDS", "1"))))


def _build_one(context: Path, dockerfile: Path, tag: str, options) -> Build:
    """One build; the caller holds a slot of BUILD_SLOTS."""
    return docker_build(["docker", "build"], context, dockerfile, tag, options)


def _keep_log(case: Case, name: str, build: Build) -> Build:
    crash = None if build.ok else engine_crash(build.log)
    if crash:
        build = dataclasses.replace(build, log=f"{build.log}\n{crash}\n")
    if LOG_DIR:
        target = Path(LOG_DIR) / case.name
        target.mkdir(parents=True, exist_ok=True)
        (target / f"{name}.log").write_text(build.log, encoding="utf-8")
    return build


def _build_options():
    from migrator.verify import VerifyOptions

    return VerifyOptions(network=NETWORK)


def remove_images(tags: list[str]) -> None:
    if tags:
        _docker("image", "rm", "-f", *tags, timeout=300)


def summary_lines(runs: list[CaseRun], total_seconds: float) -> list[str]:
    """The figures CI logs should show: sizes, and what re-ran after a source-only edit."""
    lines = [f"e2e: {len(runs)} jobs in {total_seconds:.0f}s (wall clock, jobs in parallel, one build at a time)"]
    for run in runs:
        if run.crashed or run.migrate_problem:
            lines.append(f"  {run.kind} {run.case.name}: {run.crashed or run.migrate_problem}")
            continue
        if run.kind == "uv":
            lines.append(uv_summary_line(run))
            continue
        if run.kind == "side-by-side":
            lines.append(side_by_side_line(run))
            continue
        original, migrated = run.sides.get("original"), run.sides.get("migrated")
        parts = [f"  {run.case.name} ({run.seconds:.0f}s):"]
        for label, side in (("original", original), ("migrated", migrated)):
            if side is None or side.build is None:
                continue
            if not side.build.ok:
                parts.append(f"{label} build FAILED;")
                continue
            if side.rebuild is not None and not side.rebuild.ok:
                tail = " / ".join(side.rebuild.failure.splitlines()[-4:])
                parts.append(f"{label} rebuild FAILED ({tail});")
                continue
            size = f"{side.size_bytes / 1e6:.1f} MB" if side.size_bytes else "?"
            dep = side.dependency_step
            dep_state = "?" if dep is None else ("cached" if dep.status == "cached" else "re-ran")
            if side.rebuild is None:
                parts.append(f"{label} {size}, uid {side.uid};")
                continue
            retried = " (retried: the build cache was pruned meanwhile)" if side.rebuild_attempts > 1 else ""
            resolving = len(side.rebuilt_resolving) or "none"
            parts.append(
                f"{label} {size}, uid {side.uid}, build {side.build.seconds:.1f}s, "
                f"rebuild {side.rebuild.seconds:.1f}s{retried} re-ran {len(side.rebuilt)} steps, "
                f"dependency install {dep_state} ({dep.name if dep else 'not found'}); "
                f"re-ran after the edit: {' | '.join(side.rebuilt) or 'nothing'} ({resolving} resolving dependencies);"
            )
        if run.verify_checks is not None:
            found = "; ".join(run.verify_differences) or "same behaviour"
            parts.append(f"--verify's checks ({run.verify_seconds:.0f}s): {found}")
        lines.append(" ".join(parts))
    return lines


def uv_summary_line(run: CaseRun) -> str:
    """What re-ran after the edit on the --uv path, and what each re-run `uv sync` installed."""
    side = run.sides.get("uv")
    head = f"  uv {run.case.name} ({run.seconds:.0f}s):"
    if side is None:
        return f"{head} not switched (the CLI holds back)"
    if side.build is None or not side.build.ok:
        return f"{head} build FAILED"
    if side.rebuild is None or not side.rebuild.ok:
        return f"{head} rebuild FAILED"
    dep = side.dependency_step
    dep_state = "?" if dep is None else ("cached" if dep.status == "cached" else "re-ran")
    retried = " (retried: the build cache was pruned meanwhile)" if side.rebuild_attempts > 1 else ""
    syncs = "; ".join(f"{i.split('uv sync', 1)[1].strip()}: {r.describe()}" for i, r in side.uv_project_syncs)
    size = f"{side.size_bytes / 1e6:.1f} MB" if side.size_bytes else "?"
    return (
        f"{head} {size}, uid {side.uid}, build {side.build.seconds:.1f}s, rebuild {side.rebuild.seconds:.1f}s{retried}, "
        f"dependency sync {dep_state}; re-ran after the edit: {' | '.join(side.rebuilt) or 'nothing'} "
        f"({len(side.rebuilt_resolving) or 'none'} resolving dependencies); "
        f"project sync after the source: {syncs or 'none in this Dockerfile'} (project {side.project or 'none'})"
    )


def side_by_side_line(run: CaseRun) -> str:
    poetry, uv = run.sides["poetry"].build, run.sides["uv"].build
    if not (poetry and uv and poetry.ok and uv.ok):
        return f"  uv {run.case.name}: a build failed"
    return (
        f"  uv {run.case.name}: first build in this run, without --uv {poetry.seconds:.1f}s "
        f"(dependency step {_ran_or_cached(poetry)}), with --uv {uv.seconds:.1f}s (dependency step {_ran_or_cached(uv)}); "
        "one build at a time, layer cache as found"
    )


def _ran_or_cached(build: Build) -> str:
    step = dependency_install_step(list(build.steps))
    return "not found" if step is None else "cached" if step.status == "cached" else "ran"
