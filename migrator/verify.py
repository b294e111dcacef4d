"""`migrate --verify`: build the original and the migrated Dockerfile and compare.

A migration is only worth opening a pull request for when the new file builds,
behaves as the old one did and keeps its promise (dependency layers survive a
source-only edit). This module proves that on a real engine: it copies the build
context to a temporary directory, writes both Dockerfiles beside the copy, builds
each with BuildKit (``--progress=plain``, whose log says which steps ran and which
came from the cache), optionally runs a smoke command in both images, edits one
source file and builds again, and reports the figures. Temporary images and
contexts are always removed, whatever happens.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from migrator.pipeline import FileResult
from migrator.record import dataclass, field
from migrator.source import encode

LOG_TAIL_LINES = 15
SMOKE_TIMEOUT_SECONDS = 300
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


# --- reading BuildKit's plain progress output -------------------------------------------------

VERTEX_RE = re.compile(r"^#(\d+) (.*)$")
LOG_LINE_RE = re.compile(r"^\d+(\.\d+)? (.*)$")
DONE_RE = re.compile(r"^DONE (\d+(?:\.\d+)?)s$")
DOCKERFILE_STEP_RE = re.compile(r"^\[(?:(\S+) )?\d+/\d+\] (.*)$")


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


DEPENDENCY_INSTALL_RE = re.compile(
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


def image_user(docker: str, tag: str) -> tuple[str, str | None]:
    """USER as the image declares it, and the uid `id -u` reports inside (None: no `id`)."""
    configured = _run([docker, "image", "inspect", "-f", "{{.Config.User}}", tag]).stdout.strip()
    probe = _run([docker, "run", "--rm", "--entrypoint", "id", tag, "-u"], timeout=120)
    uid = probe.stdout.strip() if probe.returncode == 0 and probe.stdout.strip().isdigit() else None
    return configured or "root", uid


def remove_images(docker: str, tags: list[str]) -> None:
    if tags:
        _run([docker, "image", "rm", "-f", *tags], timeout=120)


@dataclass(frozen=True)
class SmokeRun:
    exit_code: int
    stdout: str
    stderr: str


def smoke_run(docker: str, tag: str, command: str, network: str | None) -> SmokeRun:
    args = [docker, "run", "--rm"]
    if network:
        args += ["--network", network]
    args += ["--entrypoint", "/bin/sh", tag, "-c", command]
    try:
        done = _run(args, timeout=SMOKE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return SmokeRun(-1, "", f"timed out after {SMOKE_TIMEOUT_SECONDS}s")
    return SmokeRun(done.returncode, done.stdout, done.stderr)


# --- the verdict -----------------------------------------------------------------------------


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
    failure: str | None = None
    original: ImageFigures | None = None
    migrated: ImageFigures | None = None
    smoke_matched: bool | None = None  # None: no smoke command
    source_edited: str | None = None  # the file touched for the rebuild
    note: str | None = None  # why nothing was built (unchanged file)


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


def write_extra_files(context: Path, result: FileResult) -> None:
    for extra in result.extra_files:
        path = context / extra.path
        if extra.migrated is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(encode(extra.migrated))


def verify(result: FileResult, context_dir: Path, options: VerifyOptions = VerifyOptions()) -> Verification:
    """Build, compare and rebuild the original and migrated Dockerfile of one result."""
    if not result.changed:
        return Verification(result.path, passed=True, note=f"{result.status.value}: nothing to verify")
    command = build_command(options)
    if isinstance(command, str):
        return Verification(result.path, passed=False, failure=command)
    docker = command[0]
    token = uuid.uuid4().hex[:12]
    tags = {"original": f"migrator-verify-original:{token}", "migrated": f"migrator-verify-migrated:{token}"}
    built: list[str] = []
    with tempfile.TemporaryDirectory(prefix="migrator-verify-") as scratch:
        root = Path(scratch)
        try:
            return _verify_in(result, Path(context_dir), options, command, docker, root, token, tags, built)
        except (OSError, subprocess.SubprocessError) as exc:
            return Verification(result.path, passed=False, failure=f"verification could not run: {exc}")
        finally:
            remove_images(docker, built)


def _verify_in(
    result: FileResult,
    context_dir: Path,
    options: VerifyOptions,
    command: list[str],
    docker: str,
    root: Path,
    token: str,
    tags: dict[str, str],
    built: list[str],
) -> Verification:
    contexts = {"original": root / "context-original"}
    copy_context(context_dir, contexts["original"])
    if result.extra_files:
        contexts["migrated"] = root / "context-migrated"
        copy_context(context_dir, contexts["migrated"])
        write_extra_files(contexts["migrated"], result)
    else:
        contexts["migrated"] = contexts["original"]
    dockerfiles = {
        "original": root / f"Dockerfile.original-{token}",
        "migrated": root / f"Dockerfile.migrated-{token}",
    }
    dockerfiles["original"].write_bytes(encode(result.original))
    dockerfiles["migrated"].write_bytes(encode(result.migrated))

    first: dict[str, Build] = {}
    for side in ("original", "migrated"):
        build = docker_build(command, contexts[side], dockerfiles[side], tags[side], options)
        if build.ok:
            built.append(tags[side])
        first[side] = build
    if not first["original"].ok:
        return Verification(
            result.path,
            False,
            f"the original does not build, so there is nothing to compare:\n{first['original'].failure}",
        )
    if not first["migrated"].ok:
        return Verification(result.path, False, f"the migrated Dockerfile does not build:\n{first['migrated'].failure}")

    smoke_matched = None
    failure = None
    if options.smoke:
        runs = {side: smoke_run(docker, tags[side], options.smoke, options.network) for side in tags}
        smoke_matched = (runs["original"].exit_code, runs["original"].stdout) == (
            runs["migrated"].exit_code,
            runs["migrated"].stdout,
        )
        if not smoke_matched:
            failure = (
                f"--smoke {options.smoke!r} answers differently: original exit {runs['original'].exit_code}, "
                f"migrated exit {runs['migrated'].exit_code}\n"
                f"  original: {runs['original'].stdout.strip()[-400:]!r} {runs['original'].stderr.strip()[-400:]!r}\n"
                f"  migrated: {runs['migrated'].stdout.strip()[-400:]!r} {runs['migrated'].stderr.strip()[-400:]!r}"
            )

    sizes = {side: image_size(docker, tags[side]) for side in tags}
    users = {side: image_user(docker, tags[side]) for side in tags}
    edited = None
    rebuilds: dict[str, Build] = {}
    for context in {id(c): c for c in contexts.values()}.values():
        source = pick_source_file(context)
        if source is not None:
            with source.open("a", encoding="utf-8", newline="") as handle:
                # Unique: BuildKit's cache is content-addressed, and an edit an earlier
                # run made would come from the cache and prove nothing.
                handle.write(f"\n# migrator --verify: source-only edit {token}\n")
            edited = source.relative_to(context).as_posix()
    if edited is not None:
        for side in ("original", "migrated"):
            # A tag of its own, so that the first image is not left behind untagged.
            rebuild_tag = f"{tags[side]}-rebuild"
            rebuilds[side] = docker_build(command, contexts[side], dockerfiles[side], rebuild_tag, options)
            if rebuilds[side].ok:
                built.append(rebuild_tag)
        if failure is None and not rebuilds["migrated"].ok:
            failure = (
                f"the migrated Dockerfile does not rebuild after a source-only edit:\n{rebuilds['migrated'].failure}"
            )

    figures = {
        side: ImageFigures(
            build_seconds=first[side].seconds,
            rebuild_seconds=rebuilds[side].seconds if side in rebuilds else None,
            rebuilt=rebuilt_steps(list(rebuilds[side].steps)) if side in rebuilds else (),
            dependencies_cached=_cached(dependency_install_step(list(rebuilds[side].steps)))
            if side in rebuilds
            else None,
            size_bytes=sizes[side],
            user=users[side][0],
            uid=users[side][1],
        )
        for side in tags
    }
    return Verification(
        result.path,
        passed=failure is None,
        failure=failure,
        original=figures["original"],
        migrated=figures["migrated"],
        smoke_matched=smoke_matched,
        source_edited=edited,
    )


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


def render(verifications, console) -> None:
    """A table of the verdicts and figures, then each failure in full."""
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
        verdict = "[green]passed[/green]" if item.passed else "[red]failed[/red]"
        if item.failure:
            failures.append(item)
        original, migrated = item.original, item.migrated
        if original is None or migrated is None:
            table.add_row(escape(item.path), verdict, "", "", "", "", "")
            continue
        table.add_row(
            escape(item.path),
            verdict,
            _pair(_seconds(original.build_seconds), _seconds(migrated.build_seconds)),
            _pair(_seconds(original.rebuild_seconds), _seconds(migrated.rebuild_seconds)),
            _pair(_yes_no(original.dependencies_cached), _yes_no(migrated.dependencies_cached)),
            _pair(_megabytes(original.size_bytes), _megabytes(migrated.size_bytes)),
            _pair(original.uid or "?", migrated.uid or "?"),
        )
    console.print(table)
    for item in failures:
        console.print(f"[red]{escape(item.path)}[/red]: {escape(item.failure)}", highlight=False)
