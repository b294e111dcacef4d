"""`migrate --verify`: build the original and the migrated Dockerfile and compare.

A migration is only worth opening a pull request for when the new file builds,
behaves as the old one did and keeps its promise (dependency layers survive a
source-only edit). This module proves that on a real engine: it copies the build
context to a temporary directory, writes both Dockerfiles beside the copy, builds
each with BuildKit (``--progress=plain``, whose log says which steps ran and which
came from the cache), asks both images the same questions (migrator.behaviour: their
own command, imports, writable places, programs on PATH, and the user's --smoke and
--probe-http), edits one source file and builds again, and reports one row per check
and one line per difference. Temporary images, containers and contexts are always
removed, whatever happens.

The same comparison serves any pair of Dockerfiles (`--verify --baseline OLD PATH`):
the migration is only where the second file came from.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from migrator import app_modules, behaviour
from migrator.patterns import lazy_compile
from migrator.pipeline import FileResult
from migrator.record import dataclass, field
from migrator.source import encode

LOG_TAIL_LINES = 15
BUILD_TIMEOUT_SECONDS = 1800
MANIFESTS = frozenset({"pyproject.toml", "poetry.lock", "poetry.toml", "uv.lock", "requirements.txt"})
LIKELY_IGNORED = frozenset({"tests", "test", "docs", "examples"})
SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache", ".pytest_cache"})


@dataclass(frozen=True)
class VerifyOptions:
    docker: str = "docker"
    build_args: tuple[str, ...] = ()  # "KEY=VALUE", passed as --build-arg
    network: str | None = None
    platform: str | None = None
    smoke: str | None = None  # a shell command run in both images; exit code and output must match
    env: tuple[str, ...] = ()  # KEY=VALUE, passed to every run (not to builds)
    env_files: tuple[str, ...] = ()  # --env-file for every run
    run_seconds: float = 10.0  # how long the image's own command is watched
    probe_http: str | None = None  # "PORT[/PATH]": a GET whose status and body must match
    build_jobs: int = 1  # builds at once across files verified concurrently
    rebuild: bool = True  # build again after a source-only edit (tests that need no figures turn it off)


# --- reading BuildKit's plain progress output -------------------------------------------------

VERTEX_RE = lazy_compile(r"^#(\d+) (.*)$")
LOG_LINE_RE = lazy_compile(r"^\d+(\.\d+)? (.*)$")
DONE_RE = lazy_compile(r"^DONE (\d+(?:\.\d+)?)s$")
DOCKERFILE_STEP_RE = lazy_compile(r"^\[(?:(\S+) )?\d+/\d+\] (.*)$")


@dataclass
class BuildStep:
    """One vertex of a BuildKit build as the plain progress output tells it."""

    number: int
    name: str
    status: str = "running"  # "cached" | "done" | "error" | "running"
    seconds: float | None = None
    error: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def instruction(self) -> str | None:
        """The Dockerfile instruction of a step (`RUN poetry install`), None for internal steps."""
        match = DOCKERFILE_STEP_RE.match(self.name)
        return match.group(2) if match else None

    @property
    def stage(self) -> str | None:
        match = DOCKERFILE_STEP_RE.match(self.name)
        return match.group(1) if match else None

    @property
    def ran(self) -> bool:
        return self.status in ("done", "error")


def parse_build_log(text: str) -> list[BuildStep]:
    """The steps of a `--progress=plain` log, in the order they first appear."""
    steps: dict[int, BuildStep] = {}
    for line in text.splitlines():
        match = VERTEX_RE.match(line.rstrip("\r"))
        if not match:
            continue
        number, rest = int(match.group(1)), match.group(2)
        step = steps.get(number)
        if step is None:
            steps[number] = BuildStep(number, rest)
            continue
        if rest == "CACHED":
            step.status = "cached"
        elif done := DONE_RE.match(rest):
            step.status = "done"
            step.seconds = float(done.group(1))
        elif rest.startswith("ERROR"):
            step.status = "error"
            step.error = rest.removeprefix("ERROR").lstrip(": ")
        elif log := LOG_LINE_RE.match(rest):
            step.log.append(log.group(2))
        elif rest.startswith("sha256:") or rest == step.name:
            continue
        else:
            step.log.append(rest)
    return list(steps.values())


def dockerfile_steps(steps: list[BuildStep]) -> list[BuildStep]:
    return [s for s in steps if s.instruction is not None and not s.instruction.startswith("FROM ")]


def rebuilt_steps(steps: list[BuildStep]) -> tuple[str, ...]:
    """Instructions that ran instead of coming from the cache (COPY/WORKDIR included)."""
    return tuple(s.instruction for s in dockerfile_steps(steps) if s.ran and s.instruction)


DEPENDENCY_INSTALL_RE = lazy_compile(
    r"\bpoetry\s+(install|sync|export)\b|\bpip3?\s+install\s+(.*\s)?-r\b|\buv\s+(sync|pip\s+install)\b"
)


def dependency_install_step(steps: list[BuildStep]) -> BuildStep | None:
    """The first RUN that installs the locked dependencies: the step worth caching."""
    for step in dockerfile_steps(steps):
        instruction = step.instruction or ""
        if instruction.startswith("RUN") and DEPENDENCY_INSTALL_RE.search(instruction):
            return step
    return None


def failure_summary(log: str) -> str:
    """The failing step and the last lines of its output, for a one-glance report."""
    steps = parse_build_log(log)
    failed = [s for s in steps if s.status == "error"]
    if failed:
        step = failed[0]
        tail = step.log[-LOG_TAIL_LINES:]
        lines = [f"step {step.name} failed: {step.error}"] + [f"  | {line}" for line in tail]
        return "\n".join(lines)
    tail = [line for line in log.splitlines() if line.strip()][-LOG_TAIL_LINES:]
    return "build failed:\n" + "\n".join(f"  | {line}" for line in tail)


# --- the engine ------------------------------------------------------------------------------


def _run(
    args: list[str], timeout: float = 60, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, input=input)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _version(text: str) -> tuple[int, int]:
    match = re.match(r"\s*v?(\d+)(?:\.(\d+))?", text or "")
    return (int(match.group(1)), int(match.group(2) or 0)) if match else (0, 0)


def build_command(options: VerifyOptions) -> list[str] | str:
    """The command that builds with BuildKit, or a one-line problem when there is none."""
    docker = shutil.which(options.docker)
    if docker is None:
        return f"no Docker CLI '{options.docker}' found: install Docker or pass the path of its client"
    try:
        version = _run([docker, "version", "--format", "{{json .}}"], timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"'{docker} version' did not answer ({exc}): check the Docker installation"
    try:
        info = json.loads(version.stdout.strip().splitlines()[-1]) if version.stdout.strip() else {}
    except ValueError:
        info = {}
    server = (info or {}).get("Server") or {}
    if version.returncode != 0 or not server:
        return f"no Docker engine reachable ({_last_line(version.stderr)}): start dockerd or set DOCKER_HOST"
    client_version = ((info or {}).get("Client") or {}).get("Version", "")
    try:
        buildx = _run([docker, "buildx", "version"], timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        buildx = None
    if buildx is not None and buildx.returncode == 0:
        return [docker, "buildx", "build", "--load"]
    if _version(server.get("Version", "")) < (18, 9):
        return f"the Docker engine {server.get('Version')} has no BuildKit (needs 18.09 or newer): upgrade it"
    if _version(client_version) >= (23, 0):
        return f"the Docker CLI {client_version} needs the buildx plugin for BuildKit builds: install docker-buildx"
    return [docker, "build"]


def docker_problem(options: VerifyOptions) -> str | None:
    """One line saying what is missing to verify (CLI, engine, BuildKit), None when all is there."""
    command = build_command(options)
    return command if isinstance(command, str) else None


def builder_env() -> dict[str, str]:
    return dict(os.environ, DOCKER_BUILDKIT="1")


@dataclass(frozen=True)
class Build:
    ok: bool
    seconds: float
    log: str
    steps: tuple[BuildStep, ...]

    @property
    def failure(self) -> str:
        return failure_summary(self.log)


def docker_build(
    command: list[str],
    context: Path,
    dockerfile: Path,
    tag: str,
    options: VerifyOptions,
) -> Build:
    args = [*command, "--progress=plain", "-t", tag, "-f", str(dockerfile)]
    for build_arg in options.build_args:
        args += ["--build-arg", build_arg]
    if options.network:
        args += ["--network", options.network]
    if options.platform:
        args += ["--platform", options.platform]
    args.append(str(context))
    started = time.monotonic()
    try:
        done = _run(args, timeout=BUILD_TIMEOUT_SECONDS, env=builder_env())
        log, ok = done.stdout + done.stderr, done.returncode == 0
    except subprocess.TimeoutExpired as exc:
        # TimeoutExpired carries bytes even when the run was asked for text.
        partial = [
            out.decode("utf-8", "replace") if isinstance(out, bytes) else out or "" for out in (exc.stdout, exc.stderr)
        ]
        log = "".join(partial) + f"\nbuild timed out after {BUILD_TIMEOUT_SECONDS}s"
        ok = False
    seconds = time.monotonic() - started
    if isinstance(log, bytes):
        log = log.decode("utf-8", "replace")
    return Build(ok, seconds, log, tuple(parse_build_log(log)))


def image_size(docker: str, tag: str) -> int | None:
    done = _run([docker, "image", "inspect", "-f", "{{.Size}}", tag])
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip().isdigit() else None


def remove_images(docker: str, tags: list[str]) -> None:
    if tags:
        _run([docker, "image", "rm", "-f", *tags], timeout=120)


# --- the verdict -----------------------------------------------------------------------------

PASSED, DIFFERS, ORIGINAL_FAILS, BUILD_FAILED, NOT_RUN = (
    "passed",
    "differs",
    "original fails",
    "build failed",
    "not run",
)


@dataclass(frozen=True)
class ImageFigures:
    build_seconds: float
    rebuild_seconds: float | None = None
    rebuilt: tuple[str, ...] = ()  # instructions that ran again after the source-only edit
    dependencies_cached: bool | None = None  # the dependency install step came from the cache on rebuild
    size_bytes: int | None = None
    user: str | None = None  # USER as declared ("root" when there is none)
    uid: str | None = None  # what `id -u` says inside the image


@dataclass(frozen=True)
class Verification:
    path: str
    passed: bool
    failure: str | None = None  # every difference, one line each, then the output worth reading
    original: ImageFigures | None = None
    migrated: ImageFigures | None = None
    smoke_matched: bool | None = None  # None: no smoke command
    source_edited: str | None = None  # the file touched for the rebuild
    note: str | None = None  # why nothing was built (unchanged file)
    verdict: str = ""  # passed | differs | original fails | build failed | not run
    checks: tuple[behaviour.Check, ...] = ()
    baseline: str | None = None  # the Dockerfile compared against, with --baseline
    sides: behaviour.Sides = behaviour.MIGRATION  # how the lines name the two images

    @property
    def headers(self) -> tuple[str, str]:
        """The two columns of the checks table: before/after a migration, or the two files."""
        if self.baseline is None:
            return "original", "migrated"
        return self.sides.original, self.sides.migrated

    @property
    def differences(self) -> tuple[str, ...]:
        return tuple(line for check in self.checks for line in check.lines)

    def record(self) -> dict:
        """The verification as the JSON report carries it."""
        figures = {
            side: None
            if value is None
            else {
                "build_seconds": round(value.build_seconds, 1),
                "rebuild_seconds": None if value.rebuild_seconds is None else round(value.rebuild_seconds, 1),
                "rebuilt": list(value.rebuilt),
                "dependencies_cached": value.dependencies_cached,
                "size_bytes": value.size_bytes,
                "user": value.user,
                "uid": value.uid,
            }
            for side, value in (("original", self.original), ("migrated", self.migrated))
        }
        return {
            "passed": bool(self.passed),
            "verdict": self.verdict or (PASSED if self.passed else DIFFERS),
            "failure": self.failure,
            "differences": list(self.differences),
            "checks": [
                {
                    "check": c.name,
                    "original": c.original,
                    "migrated": c.migrated,
                    "outcome": c.outcome,
                    "lines": list(c.lines),
                }
                for c in self.checks
            ],
            "source_edited": self.source_edited,
            "baseline": self.baseline,
            # What "original" and "migrated" stand for in this record's checks and figures.
            "sides": {"original": self.sides.original, "migrated": self.sides.migrated},
            "note": self.note,
            **figures,
        }


def pick_source_file(context: Path) -> Path | None:
    """A source file to edit for the rebuild: Python first, never a dependency manifest."""
    candidates: list[Path] = []
    for directory, dirs, files in os.walk(context):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name in MANIFESTS or name.startswith((".", "Dockerfile")):
                continue
            candidates.append(Path(directory) / name)
        if len(candidates) > 2000:
            break
    # Tests and docs are often in .dockerignore: an edit there would reach no build.
    candidates.sort(key=lambda path: bool(LIKELY_IGNORED & set(path.relative_to(context).parts)))
    python = [c for c in candidates if c.suffix == ".py"]
    chosen = python or [c for c in candidates if c.suffix in (".md", ".txt", ".cfg", ".json", ".yaml", ".yml")]
    return chosen[0] if chosen else None


def copy_context(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(".git"))


def write_extra_files(context: Path, extra_files) -> None:
    for extra in extra_files:
        path = context / extra.path
        if extra.migrated is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode(extra.migrated))


@functools.cache
def _build_slots(count: int) -> threading.BoundedSemaphore:
    """One semaphore per bound, shared by every file verified in this process."""
    return threading.BoundedSemaphore(max(1, count))


def parse_probe_http(value: str) -> tuple[int, str]:
    """`8000` or `8000/health` -> (8000, "/health"); ValueError with a one-line reason otherwise."""
    port, slash, path = value.partition("/")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not PORT or PORT/PATH (e.g. 8000/health)")
    return int(port), "/" + path if slash else "/"


def verify(result: FileResult, context_dir: Path, options: VerifyOptions | None = None) -> Verification:
    """Build, compare and rebuild the original and migrated Dockerfile of one result."""
    options = options or VerifyOptions()
    if not result.changed:
        return Verification(result.path, passed=True, note=f"{result.status.value}: nothing to verify", verdict=NOT_RUN)
    return verify_pair(result.path, result.original, result.migrated, Path(context_dir), options, result.extra_files)


def verify_pair(
    path: str,
    original: str,
    migrated: str,
    context_dir: Path,
    options: VerifyOptions | None = None,
    extra_files=(),
    baseline: str | None = None,
) -> Verification:
    """Build two Dockerfiles against one context and compare how the images behave."""
    options = options or VerifyOptions()
    sides = behaviour.MIGRATION if baseline is None else behaviour.Sides.of_files(baseline, path)
    command = build_command(options)
    if isinstance(command, str):
        return Verification(path, passed=False, failure=command, verdict=BUILD_FAILED, baseline=baseline, sides=sides)
    docker = command[0]
    token = uuid.uuid4().hex[:12]
    tags = {"original": f"migrator-verify-original:{token}", "migrated": f"migrator-verify-migrated:{token}"}
    built: list[str] = []
    with tempfile.TemporaryDirectory(prefix="migrator-verify-") as scratch:
        root = Path(scratch)
        pair = _Pair(path, original, migrated, Path(context_dir), tuple(extra_files), baseline, sides)
        try:
            return _verify_in(pair, options, command, docker, root, token, tags, built)
        except (OSError, subprocess.SubprocessError) as exc:
            return Verification(
                path,
                passed=False,
                failure=f"verification could not run: {exc}",
                verdict=BUILD_FAILED,
                baseline=baseline,
                sides=sides,
            )
        finally:
            remove_images(docker, built)


@dataclass(frozen=True)
class _Pair:
    path: str
    original: str
    migrated: str
    context_dir: Path
    extra_files: tuple
    baseline: str | None
    sides: behaviour.Sides


def _build(command, context, dockerfile, tag, options, built) -> Build:
    with _build_slots(options.build_jobs):
        build = docker_build(command, context, dockerfile, tag, options)
    if build.ok:
        built.append(tag)
    return build


def _verify_in(
    pair: _Pair,
    options: VerifyOptions,
    command: list[str],
    docker: str,
    root: Path,
    token: str,
    tags: dict[str, str],
    built: list[str],
) -> Verification:
    contexts = {"original": root / "context-original"}
    copy_context(pair.context_dir, contexts["original"])
    if pair.extra_files:
        contexts["migrated"] = root / "context-migrated"
        copy_context(pair.context_dir, contexts["migrated"])
        write_extra_files(contexts["migrated"], pair.extra_files)
    else:
        contexts["migrated"] = contexts["original"]
    dockerfiles = {
        "original": root / f"Dockerfile.original-{token}",
        "migrated": root / f"Dockerfile.migrated-{token}",
    }
    dockerfiles["original"].write_bytes(encode(pair.original))
    dockerfiles["migrated"].write_bytes(encode(pair.migrated))
    done = functools.partial(Verification, pair.path, baseline=pair.baseline, sides=pair.sides)

    first = {side: _build(command, contexts[side], dockerfiles[side], tags[side], options, built) for side in tags}
    if not first["original"].ok or not first["migrated"].ok:
        return done(
            passed=False,
            failure=_build_failure(first, pair.sides),
            verdict=BUILD_FAILED,
            checks=tuple(_build_checks(first, pair.sides)),
        )

    settings = behaviour.RunSettings(docker, options.env, options.env_files, options.run_seconds)
    modules = app_modules.project_modules(contexts["original"])
    outside = declares_no_command(pair.original)
    http = parse_probe_http(options.probe_http) if options.probe_http else None
    # Both images at once: most of the time is the own command's run_seconds.
    race = behaviour.Race(tuple(tags))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            side: pool.submit(
                behaviour.observe, settings, tags[side], modules, options.smoke, http, race, side, outside
            )
            for side in tags
        }
        seen = {side: future.result() for side, future in futures.items()}
    checks = behaviour.compare(seen["original"], seen["migrated"], options.run_seconds, pair.sides)

    edited, rebuilds = None, {}
    if options.rebuild:
        edited = _edit_source(contexts, token)
    if edited is not None:
        for side in tags:
            # A tag of its own, so that the first image is not left behind untagged.
            rebuilds[side] = _build(command, contexts[side], dockerfiles[side], f"{tags[side]}-rebuild", options, built)
    figures = {
        side: ImageFigures(
            build_seconds=first[side].seconds,
            rebuild_seconds=rebuilds[side].seconds if side in rebuilds else None,
            rebuilt=rebuilt_steps(list(rebuilds[side].steps)) if side in rebuilds else (),
            dependencies_cached=_cached(dependency_install_step(list(rebuilds[side].steps)))
            if side in rebuilds
            else None,
            size_bytes=image_size(docker, tags[side]),
            user=seen[side].config.user or "root",
            uid=_probed_uid(seen[side].probe),
        )
        for side in tags
    }
    checks = [*_figure_checks(figures, rebuilds, edited, pair.sides), *checks]
    verdict = _verdict(checks)
    smoke = next((c for c in checks if c.name == "--smoke"), None)
    failure = _failure_text(checks) if verdict != PASSED else None
    return done(
        passed=verdict == PASSED,
        failure=failure,
        original=figures["original"],
        migrated=figures["migrated"],
        smoke_matched=None if smoke is None else smoke.outcome == behaviour.SAME,
        source_edited=edited,
        verdict=verdict,
        checks=tuple(checks),
    )


def declares_no_command(dockerfile: str) -> bool:
    """No CMD or ENTRYPOINT in the file: the image runs what its caller (compose, CI, docs) or its base says."""
    from migrator import model

    try:
        parsed = model.parse(dockerfile)
    except ValueError:
        return False  # unreadable here: no extra checks rather than doubtful ones
    return not any(instruction.keyword in ("CMD", "ENTRYPOINT") for instruction in parsed.instructions)


def _edit_source(contexts: dict[str, Path], token: str) -> str | None:
    edited = None
    for context in {id(c): c for c in contexts.values()}.values():
        source = pick_source_file(context)
        if source is not None:
            with source.open("a", encoding="utf-8", newline="") as handle:
                # Unique: BuildKit's cache is content-addressed, and an edit an earlier
                # run made would come from the cache and prove nothing.
                handle.write(f"\n# migrator --verify: source-only edit {token}\n")
            edited = source.relative_to(context).as_posix()
    return edited


def _build_failure(first: dict[str, Build], sides: behaviour.Sides) -> str:
    original, migrated = first["original"], first["migrated"]
    if not original.ok and not migrated.ok:
        return (
            f"neither Dockerfile builds, so there is nothing to compare:\n{sides.original_file}: {original.failure}\n"
            f"{sides.migrated_file}: {migrated.failure}"
        )
    if not original.ok:
        return f"{sides.original} fails: it does not build, so there is nothing to compare:\n{original.failure}"
    return f"{sides.migrated_file} does not build:\n{migrated.failure}"


def _probed_uid(probe: behaviour.Probe | None) -> str | None:
    return probe.uid if probe is not None else None


def _build_checks(first: dict[str, Build], sides: behaviour.Sides) -> list[behaviour.Check]:
    said = {side: f"{'built' if b.ok else 'fails'} in {b.seconds:.0f}s" for side, b in first.items()}
    original, migrated = first["original"].ok, first["migrated"].ok
    lines: tuple[str, ...]
    if original and not migrated:
        outcome, lines = behaviour.DIFFERS, (f"build: {sides.migrated_file} does not build",)
    elif migrated and not original:
        outcome, lines = behaviour.ORIGINAL_FAILS, (f"{sides.original} fails: it does not build",)
    else:
        outcome, lines = behaviour.SAME, ()
    return [behaviour.Check("build", said["original"], said["migrated"], outcome, lines)]


def _figure_checks(
    figures: dict[str, ImageFigures], rebuilds: dict[str, Build], edited: str | None, sides: behaviour.Sides
):
    original, migrated = figures["original"], figures["migrated"]
    checks = [
        behaviour.Check("build", _seconds(original.build_seconds), _seconds(migrated.build_seconds), ""),
        behaviour.Check("size", f"{_megabytes(original.size_bytes)} MB", f"{_megabytes(migrated.size_bytes)} MB", ""),
        behaviour.Check("user", _user(original), _user(migrated), ""),
    ]
    if rebuilds:
        said = {side: _rebuild_said(figures[side], rebuilds[side]) for side in rebuilds}
        lines: tuple[str, ...] = ()
        outcome = ""
        if not rebuilds["migrated"].ok and rebuilds["original"].ok:
            outcome = behaviour.DIFFERS
            lines = (f"rebuild: {sides.migrated_file} does not build again after editing {edited}",)
        checks.append(
            behaviour.Check(
                f"rebuild after editing {edited}",
                said["original"],
                said["migrated"],
                outcome,
                lines,
                "" if not lines else f"{sides.migrated_file}, rebuilt:\n{rebuilds['migrated'].failure}",
            )
        )
    return checks


def _rebuild_said(figures: ImageFigures, build: Build) -> str:
    if not build.ok:
        return "fails"
    deps = {True: ", deps cached", False: ", deps re-ran", None: ""}[figures.dependencies_cached]
    return f"{_seconds(figures.rebuild_seconds)}, {len(figures.rebuilt)} steps re-ran{deps}"


def _user(figures: ImageFigures) -> str:
    return f"{figures.user} (uid {figures.uid or '?'})"


def _verdict(checks) -> str:
    outcomes = {c.outcome for c in checks}
    if behaviour.DIFFERS in outcomes:
        return DIFFERS
    if behaviour.ORIGINAL_FAILS in outcomes:
        return ORIGINAL_FAILS
    return PASSED


def _failure_text(checks) -> str:
    lines = [line for c in checks for line in c.lines]
    details = [f"{c.name}:\n{c.detail}" for c in checks if c.detail and c.outcome == behaviour.DIFFERS]
    details += [f"{c.name}:\n{c.detail}" for c in checks if c.detail and c.outcome == behaviour.ORIGINAL_FAILS]
    return "\n".join([*lines, *details])


def _cached(step: BuildStep | None) -> bool | None:
    return None if step is None else step.status == "cached"


# --- the report ------------------------------------------------------------------------------


def _megabytes(size: int | None) -> str:
    return "?" if size is None else f"{size / 1_000_000:.0f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}s"


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else ("yes" if value else "no")


def _pair(original: str, migrated: str) -> str:
    return f"{original}→{migrated}"


VERDICT_STYLES = {PASSED: "green", DIFFERS: "red", ORIGINAL_FAILS: "yellow", BUILD_FAILED: "red", NOT_RUN: "dim"}
OUTCOME_STYLES = {behaviour.SAME: "green", behaviour.DIFFERS: "red", behaviour.ORIGINAL_FAILS: "yellow"}


def verdict_of(item: Verification) -> str:
    return item.verdict or (PASSED if item.passed else DIFFERS)


def render(verifications, console) -> None:
    """One table of verdicts and figures, a table of checks per verified file, then each failure in full."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="migrate --verify")
    table.add_column("file", overflow="fold")
    table.add_column("verdict")
    for column in ("build", "rebuild", "deps cached", "size MB", "uid"):
        table.add_column(column, no_wrap=True)
    failures = []
    for item in verifications:
        if item.note and item.original is None:
            table.add_row(escape(item.path), f"[dim]{escape(item.note.split(':')[0])}[/dim]", "", "", "", "", "")
            continue
        verdict = verdict_of(item)
        cell = f"[{VERDICT_STYLES.get(verdict, 'red')}]{verdict}[/]"
        if item.failure:
            failures.append(item)
        original, migrated = item.original, item.migrated
        if original is None or migrated is None:
            table.add_row(escape(item.path), cell, "", "", "", "", "")
            continue
        table.add_row(
            escape(item.path),
            cell,
            _pair(_seconds(original.build_seconds), _seconds(migrated.build_seconds)),
            _pair(_seconds(original.rebuild_seconds), _seconds(migrated.rebuild_seconds)),
            _pair(_yes_no(original.dependencies_cached), _yes_no(migrated.dependencies_cached)),
            _pair(_megabytes(original.size_bytes), _megabytes(migrated.size_bytes)),
            _pair(original.uid or "?", migrated.uid or "?"),
        )
    console.print(table)
    for item in verifications:
        if not item.checks:
            continue
        checks = Table(title=escape(item.path), title_justify="left")
        for column in ("check", *item.headers, "result"):
            checks.add_column(escape(column), overflow="fold")
        for check in item.checks:
            outcome = check.outcome
            if outcome == behaviour.ORIGINAL_FAILS:
                outcome = f"{item.sides.original} fails"
            result = f"[{OUTCOME_STYLES[check.outcome]}]{escape(outcome)}[/]" if outcome else ""
            checks.add_row(escape(check.name), escape(check.original), escape(check.migrated), result)
        console.print(checks)
    for item in failures:
        # soft_wrap: each difference and output line stays one line (grep, copy), whatever the width.
        console.print(f"[red]{escape(item.path)}[/red]: {escape(item.failure)}", highlight=False, soft_wrap=True)


def markdown_table(record: dict) -> str:
    """A verification record of the JSON report as a Markdown table, for a pull request body."""
    sides = record.get("sides") if record.get("baseline") else None
    before, after = (sides["original"], sides["migrated"]) if sides else ("before", "after")
    rows = [f"| check | {before} | {after} | result |", "|---|---|---|---|"]
    for check in record.get("checks") or []:
        cells = [check["check"], check["original"], check["migrated"], check["outcome"]]
        rows.append("| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def verdict_line(item: Verification) -> str:
    """One line: the verdict and, when it is not a pass, what differs first.

    With --baseline the two sides are files the user wrote, so the line names the
    baseline file rather than speaking of an original and a migrated image.
    """
    verdict = verdict_of(item)
    if verdict == PASSED:
        return f"same behaviour as {item.sides.original}" if item.baseline else "passed"
    lines = item.differences or tuple((item.failure or verdict).splitlines()[:1])
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    if verdict == ORIGINAL_FAILS and lines[0].startswith(f"{item.sides.original} fails"):
        return f"{lines[0]}{more}"  # the line says it already
    if verdict == DIFFERS and item.baseline:
        return f"differs from {item.sides.original}: {lines[0]}{more}"
    return f"{verdict}: {lines[0]}{more}"


def exit_code(item: Verification) -> int:
    """--baseline's exit code: 0 same behaviour, 1 different, 123 a build failed or no engine."""
    verdict = verdict_of(item)
    if verdict == BUILD_FAILED:
        return 123
    return 0 if verdict == PASSED else 1


def baseline_document(item: Verification) -> str:
    """The JSON report of a --baseline comparison: the same verification record as a migration's."""
    from migrator.redact import redact

    def redacted(value):
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, dict):
            return {key: redacted(v) for key, v in value.items()}
        if isinstance(value, list):
            return [redacted(v) for v in value]
        return value

    document = {"version": 1, "mode": "baseline", "files": [{"path": item.path, "verification": item.record()}]}
    return json.dumps(redacted(document), indent=2, ensure_ascii=False) + "\n"
