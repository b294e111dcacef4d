"""What a built image does when it runs, found without input from the user, and compared.

`migrate --verify` used to compare only a `--smoke` command the user had to think of.
On real apps the behaviour changes a migration can bring were each visible by simply
running the image: its own command exited where it had run (a missing
`pkg_resources`), printed a traceback (an undeclared dependency the old image got from
Poetry's own environment), could not write where it writes (a folder owned by root),
or could not find its program (a console script no longer on PATH). So each image is
asked the same questions, as its own user and with the user's `--env`:

- *own command*: run as `docker run` would run it, for a bounded time; still running,
  or its exit code, and the tail of its output;
- *imports*: each top-level module and package of the project, with the interpreter
  the image's command uses;
- *writable places*: the WORKDIR, each VOLUME and HOME;
- *programs*: every program the CMD/ENTRYPOINT names resolves on PATH (`poetry run X`:
  in Poetry's environment, or among the scripts of the pyproject.toml it reads);
- the user's `--smoke` command and `--probe-http` request, when given.

`compare` turns two images' answers into one row per check and one line per
difference. The original failing in the same way is not a difference; the original
failing where the migrated image works is "the original fails", never a pass and
never a migration failure.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import subprocess
import threading
import time
import uuid
from pathlib import Path

from migrator.patterns import lazy_compile
from migrator.record import dataclass

OUTPUT_TAIL_LINES = 15
LOG_LINES_READ = 2000
IMPORT_TIMEOUT_SECONDS = 15
PROBE_TIMEOUT_SECONDS = 120
HTTP_READY_SECONDS = 60
SMOKE_TIMEOUT_SECONDS = 300
SHELLS = frozenset({"sh", "bash", "dash", "ash", "/bin/sh", "/bin/bash", "/bin/dash", "/usr/bin/env"})


# --- what the image declares ------------------------------------------------------------------


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image's config that say how it runs."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""
    volumes: tuple[str, ...] = ()

    @property
    def argv(self) -> tuple[str, ...]:
        """What `docker run IMAGE` executes: the ENTRYPOINT with CMD as its arguments."""
        return self.entrypoint + self.cmd


def read_config(docker: str, tag: str) -> ImageConfig:
    done = subprocess.run(
        [docker, "image", "inspect", "-f", "{{json .Config}}", tag], capture_output=True, text=True, timeout=60
    )
    try:
        config = json.loads(done.stdout) if done.returncode == 0 else {}
    except ValueError:
        config = {}
    config = config or {}
    return ImageConfig(
        entrypoint=tuple(config.get("Entrypoint") or ()),
        cmd=tuple(config.get("Cmd") or ()),
        user=config.get("User") or "",
        workdir=config.get("WorkingDir") or "",
        volumes=tuple(sorted(config.get("Volumes") or {})),
    )


def named_programs(argv: tuple[str, ...]) -> tuple[str, ...]:
    """The programs a command line runs: argv[0], the commands of a `sh -c` script, and X in `poetry run X`.

    A program run by `poetry run` is written `poetry run X`: it is looked up in
    Poetry's environment, not on PATH.
    """
    if not argv:
        return ()
    words = list(argv)
    if words[0] in SHELLS and "-c" in words[1:3]:
        script = words[words.index("-c") + 1] if words.index("-c") + 1 < len(words) else ""
        return tuple(dict.fromkeys(_script_programs(script)))
    if words[0] == "/usr/bin/env" and len(words) > 1:
        words = words[1:]
    return tuple(dict.fromkeys(_command_programs(words)))


def _script_programs(script: str) -> list[str]:
    try:
        lexer = shlex.shlex(script, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        tokens = list(lexer)
    except ValueError:
        return []
    programs: list[str] = []
    command: list[str] = []
    for token in [*tokens, ";"]:
        if token and set(token) <= set(";&|"):
            programs += _command_programs(command)
            command = []
        else:
            command.append(token)
    return programs


def _command_programs(words: list[str]) -> list[str]:
    words = list(words)
    while words and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]) or words[0] in ("exec", "env")):
        words = words[1:]
    if not words or "$" in words[0] or words[0] in ("cd", "export", "set", "true", ":", "[", "test", "echo"):
        return []
    if words[0] == "poetry" and len(words) > 2 and words[1] == "run":
        return ["poetry", f"poetry run {words[2]}"]
    return [words[0]]


def interpreter_hint(argv: tuple[str, ...]) -> str:
    """How to reach the Python the image's command uses: `poetry run`, or a program whose shebang names it."""
    for program in named_programs(argv):
        if program.startswith("poetry run "):
            return "poetry-run"
    programs = [p for p in named_programs(argv) if p != "poetry"]
    return programs[0] if programs else "python3"


# --- asking a running image -----------------------------------------------------------------


@dataclass(frozen=True)
class RunSettings:
    """What every `docker run` of the verification gets, as production would give it."""

    docker: str = "docker"
    env: tuple[str, ...] = ()  # KEY=VALUE
    env_files: tuple[str, ...] = ()
    run_seconds: float = 10.0

    def run_args(self) -> list[str]:
        args: list[str] = []
        for item in self.env:
            args += ["--env", item]
        for path in self.env_files:
            args += ["--env-file", str(Path(path).resolve())]
        return args


@dataclass(frozen=True)
class CommandRun:
    """The image's own command after run_seconds: still running, or its exit code; the tail of its output."""

    running: bool
    exit_code: int | None
    tail: str
    errors: tuple[str, ...] = ()  # tracebacks, ModuleNotFoundError, PermissionError, exec not found
    watched_seconds: float | None = None  # how long it was watched, when longer than run_seconds

    def describe(self, seconds: float) -> str:
        watched = self.watched_seconds or seconds
        state = f"still running after {watched:.0f}s" if self.running else f"exited {self.exit_code}"
        return f"{state} ({self.errors[0]})" if self.errors else state

    @property
    def works(self) -> bool:
        return self.running or self.exit_code == 0


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None
    body: str
    problem: str | None = None

    def describe(self) -> str:
        return f"no answer ({self.problem})" if self.problem else f"{self.status}, {len(self.body)} bytes"

    @property
    def works(self) -> bool:
        return self.status is not None and self.status < 500


@dataclass(frozen=True)
class SmokeRun:
    exit_code: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Probe:
    """What the image's user finds inside: imports, writable places, programs, uid."""

    imports: tuple[tuple[str, str], ...] = ()  # (module, "ok" | "ExcType: message" | "timed out")
    writable: tuple[tuple[str, str, str], ...] = ()  # (label, path, "writable" | "denied" | "missing")
    programs: tuple[tuple[str, str], ...] = ()  # (program, resolved path, "" when not found)
    uid: str | None = None
    problem: str | None = None  # the probe could not run (no /bin/sh in the image)
    # Imports ran with python3 from PATH: the command names no Python (a shell script,
    # say), which may well activate another environment first.
    guessed_python: bool = False
    # Programs a command given from outside may run, looked up when the image declares
    # no command of its own: (program, resolved path, "" when not found).
    offered: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Behaviour:
    config: ImageConfig
    command: CommandRun | None = None
    http: HttpAnswer | None = None
    probe: Probe | None = None
    smoke: SmokeRun | None = None


NAMED_ERROR_RES = (
    lazy_compile(r"exec: \"?([^\"]+)\"?: executable file not found in \$PATH"),
    lazy_compile(r"^\S*sh: (?:\d+: )?(?:exec: )?(?:line \d+: )?(\S+): (?:command )?not found$"),
    lazy_compile(r"^(ModuleNotFoundError: .*)$"),
    lazy_compile(r"^(PermissionError: .*)$"),
    # A PermissionError a program reports without its type: Poetry prints only
    # `[Errno 13] Permission denied: '/root/.config/pypoetry/config.toml'`.
    lazy_compile(r"^(\[Errno 13\] Permission denied: .*)$"),
)
EXCEPTION_LINE_RE = lazy_compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\b:?.*)$")


def named_errors(output: str) -> tuple[str, ...]:
    """The errors worth naming in a verdict, in the order printed, each once."""
    found: list[str] = []
    lines = output.splitlines()
    in_traceback = False
    for raw in lines:
        line = raw.strip()
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
            continue
        for pattern in NAMED_ERROR_RES:
            match = pattern.search(line)
            if match:
                found.append(_named(pattern, match, line))
                in_traceback = False
                break
        else:
            if in_traceback and raw[:1] not in (" ", "\t", "") and EXCEPTION_LINE_RE.match(line):
                found.append(f"Traceback: {line}")
                in_traceback = False
    return tuple(dict.fromkeys(e[:300] for e in found))


def _named(pattern: re.Pattern[str], match: re.Match[str], line: str) -> str:
    if pattern is NAMED_ERROR_RES[0]:
        return f'exec: "{match.group(1)}": executable file not found in $PATH'
    if pattern is NAMED_ERROR_RES[1]:
        return f"{match.group(1)}: not found"
    if pattern is NAMED_ERROR_RES[4]:
        return f"PermissionError: {match.group(1)}"
    return str(match.group(1))


def _tail(text: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    kept = [line.rstrip() for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _docker(settings: RunSettings, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([settings.docker, *args], capture_output=True, text=True, timeout=timeout, errors="replace")


GRACE_FACTOR = 3  # how much longer a command is watched when the other image's has exited


class Race:
    """Tells each image's watch what the other image's command did: exited already, printed which errors.

    A command still running after run_seconds while the other's exited is watched up
    to GRACE_FACTOR times as long: a slow start (`poetry run` on a loaded machine) that
    ends in the same exit is no difference, and a server that keeps running stays one.
    The same holds for an error the other image printed while both run: a slower start
    that reaches the same error (a database that is not there) is no difference either.
    `sides` names the images watched together; a watch alone waits for nobody.
    """

    def __init__(self, sides: tuple[str, ...] = ()) -> None:
        self._sides = frozenset(sides)
        self._exited: set[str] = set()
        self._errors: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self._reported = threading.Condition(self._lock)

    def exited(self, side: str) -> None:
        with self._lock:
            self._exited.add(side)

    def other_exited(self, side: str) -> bool:
        with self._lock:
            return bool(self._exited - {side})

    def report(self, side: str, errors: tuple[str, ...]) -> None:
        """The errors one image's command printed by the end of its first watch."""
        with self._reported:
            self._errors[side] = errors
            self._reported.notify_all()

    def other_errors(self, side: str, timeout: float) -> set[str]:
        """What the other images printed, waiting up to `timeout` for each of them to report."""
        others = self._sides - {side}
        with self._reported:
            self._reported.wait_for(lambda: others <= set(self._errors), timeout)
            return {error for other in others for error in self._errors.get(other, ())}


def run_own_command(
    settings: RunSettings,
    tag: str,
    http_port: int | None = None,
    http_path: str = "/",
    race: Race | None = None,
    side: str = "",
) -> tuple[CommandRun, HttpAnswer | None]:
    """Start the image as `docker run` would, watch it for run_seconds, ask it over HTTP if asked.

    The container gets its own network namespace (Docker's default network): a
    privileged port, a sysctl or a bind address behaves as in production, not as on
    the host. For the HTTP probe the port is published on a free port of 127.0.0.1.
    """
    race = race or Race()
    name = f"migrator-verify-{uuid.uuid4().hex[:12]}"
    args = ["run", "-d", "--name", name, *settings.run_args()]
    if http_port is not None:
        args += ["--publish", f"127.0.0.1::{http_port}"]
    try:
        started = _docker(settings, *args, tag)
        begun = time.monotonic()
        if started.returncode != 0:
            race.exited(side)
            output = started.stderr + started.stdout
            race.report(side, named_errors(output))
            answer = HttpAnswer(None, "", "the container did not start") if http_port is not None else None
            return CommandRun(False, started.returncode, _tail(output), named_errors(output)), answer
        answer = None
        if http_port is not None:
            answer = _ask_http(settings, name, http_port, http_path)
        running, exit_code = _watch(settings, name, begun + settings.run_seconds)
        watched = None
        if running and race.other_exited(side):
            running, exit_code = _watch(settings, name, begun + GRACE_FACTOR * settings.run_seconds)
            watched = time.monotonic() - begun if running else None
        if not running:
            race.exited(side)
        logs = _logs(settings, name)
        race.report(side, named_errors(logs))
        deadline = begun + GRACE_FACTOR * settings.run_seconds
        if running:
            missing = race.other_errors(side, timeout=max(0.0, deadline - time.monotonic())) - set(named_errors(logs))
            while missing and running and time.monotonic() < deadline:
                time.sleep(1)
                running, exit_code = _state(settings, name)
                logs = _logs(settings, name)
                missing -= set(named_errors(logs))
                watched = time.monotonic() - begun
        return CommandRun(running, exit_code, _tail(logs), named_errors(logs), watched if running else None), answer
    finally:
        _docker(settings, "rm", "-f", "-v", name, timeout=120)


def _logs(settings: RunSettings, name: str) -> str:
    return subprocess.run(
        [settings.docker, "logs", "--tail", str(LOG_LINES_READ), name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=60,
    ).stdout


def _state(settings: RunSettings, name: str) -> tuple[bool, int | None]:
    done = _docker(settings, "inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", name)
    words = done.stdout.split()
    if done.returncode != 0 or len(words) != 2:
        return False, None
    return words[0] == "true", (int(words[1]) if words[1].lstrip("-").isdigit() else None)


def _watch(settings: RunSettings, name: str, deadline: float) -> tuple[bool, int | None]:
    while True:
        running, exit_code = _state(settings, name)
        if not running:
            return False, exit_code
        if time.monotonic() >= deadline:
            return True, None
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def _ask_http(settings: RunSettings, name: str, port: int, path: str) -> HttpAnswer:
    published = _docker(settings, "port", name, f"{port}/tcp").stdout.split()
    if not published:
        return HttpAnswer(None, "", f"port {port} was not published")
    host, _, host_port = published[0].rpartition(":")
    deadline = time.monotonic() + HTTP_READY_SECONDS
    last_error = ""
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host or "127.0.0.1", int(host_port), timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read().decode("utf-8", "replace")
            connection.close()
            return HttpAnswer(response.status, body)
        except (OSError, http.client.HTTPException) as exc:
            last_error = str(exc) or type(exc).__name__
        running, exit_code = _state(settings, name)
        if not running:
            return HttpAnswer(None, "", f"the container exited ({exit_code}) before answering")
        time.sleep(0.5)
    return HttpAnswer(None, "", f"nothing answered on port {port} within {HTTP_READY_SECONDS}s ({last_error})")


# Run by /bin/sh inside the image as its user. Arguments: the interpreter hint, the Python
# import checker, then `place` LABEL PATH, `program` NAME, `offer` NAME and `module` NAME words.
PROBE_SCRIPT = r"""
hint=$1; checker=$2; shift 2
if [ "$hint" = outside ]; then
  # No command of its own: the one given from outside most likely runs Poetry's environment when there is
  # one. A guess all the same (a caller may run python3): imports failing only in the original are not blamed.
  if command -v poetry >/dev/null 2>&1; then hint=poetry-run; else hint=python3; fi
  printf 'X\tfallback\n'
fi
printf 'U\t%s\n' "$(id -u 2>/dev/null)"
# Exits 0 when `name` is a key of [tool.poetry.scripts] or [project.scripts] (Poetry 2 reads both).
scripts_awk='
/^[ \t]*\[/ { inside = ($0 ~ /^[ \t]*\[(tool\.poetry\.scripts|project\.scripts)\][ \t]*(#.*)?$/); next }
inside && /=/ { key = $0; sub(/=.*/, "", key); gsub("[ \t\"\047]", "", key); if (key == name) found = 1 }
END { exit !found }'
modules=""
while [ $# -gt 0 ]; do
  case "$1" in
    place)
      label=$2; dir=$3; shift 3
      [ "$dir" = '$HOME' ] && dir=$HOME
      probe="$dir/.migrator-verify-write-$$"
      if [ -z "$dir" ]; then state=missing
      elif ( : > "$probe" ) 2>/dev/null; then rm -f "$probe"; state=writable
      elif [ -d "$dir" ]; then state=denied
      else state=missing; fi
      printf 'W\t%s\t%s\t%s\n' "$label" "$dir" "$state" ;;
    program)
      name=$2; shift 2
      case "$name" in
        "poetry run "*)
          script=${name#poetry run }
          found=$(poetry run sh -c 'command -v "$1"' sh "$script" 2>/dev/null | tail -n 1)
          # `poetry run X` runs a script of the pyproject.toml it finds first, installed or not
          # (`--no-root` leaves none on PATH): one named there is found.
          if [ -z "$found" ] && [ -f pyproject.toml ] && command -v poetry >/dev/null 2>&1 &&
            awk -v name="$script" "$scripts_awk" pyproject.toml 2>/dev/null; then found="pyproject.toml scripts"; fi ;;
        *) found=$(command -v "$name" 2>/dev/null) ;;
      esac
      printf 'P\t%s\t%s\n' "$name" "$found" ;;
    offer)
      name=$2; shift 2
      printf 'O\t%s\t%s\n' "$name" "$(command -v "$name" 2>/dev/null)" ;;
    module) modules="$modules $2"; shift 2 ;;
    *) shift ;;
  esac
done
[ -z "$modules" ] && exit 0
python=""
if [ "$hint" = poetry-run ]; then
  if ! command -v poetry >/dev/null 2>&1; then
    printf 'I\t*\tno Python to import with: poetry is not found\n'; exit 0
  fi
  python="poetry run python"
else
  found=$(command -v "$hint" 2>/dev/null)
  case "${found##*/}" in python*) python=$found ;; esac
  if [ -z "$python" ] && [ -f "$found" ]; then
    first=$(head -n 1 "$found" 2>/dev/null)
    case "$first" in '#!'*python*) python=${first#??} ;; esac
  fi
  if [ -z "$python" ]; then
    python=$(command -v python3 || command -v python)
    printf 'X\tfallback\n'
  fi
fi
if [ -z "$python" ]; then printf 'I\t*\tno Python interpreter found\n'; exit 0; fi
$python -c "$checker" $modules
"""

IMPORT_CHECKER = f"""
import subprocess, sys
code = "import importlib, sys; importlib.import_module(sys.argv[1])"
for name in sys.argv[1:]:
    # Twice at most: a first import may spend its time compiling bytecode on a busy machine.
    for attempt in (1, 2):
        try:
            done = subprocess.run([sys.executable, "-c", code, name],
                                  capture_output=True, text=True, timeout={IMPORT_TIMEOUT_SECONDS}, errors="replace")
        except subprocess.TimeoutExpired:
            result = "timed out"
            continue
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        result = "ok" if done.returncode == 0 else (lines[-1] if lines else "exit %d" % done.returncode)
        break
    print("I", name, result.replace("\\t", " ")[:300], sep="\\t", flush=True)
"""


# What a command given from outside (compose's `command:`, CI, a README's `docker run
# IMAGE poetry run python main.py`) may run when the Dockerfile declares none: a migration
# that leaves Poetry out of the image breaks it, and running the image's own command
# (the base image's python3) cannot show that.
OUTSIDE_PROGRAMS = ("poetry",)


def probe_image(
    settings: RunSettings, tag: str, config: ImageConfig, modules: tuple[str, ...], outside: bool = False
) -> Probe:
    words: list[str] = []
    words += ["place", "WORKDIR", config.workdir or "/"]
    for volume in config.volumes:
        words += ["place", f"VOLUME {volume}", volume]
    words += ["place", "HOME", "$HOME"]
    for program in named_programs(config.argv):
        words += ["program", program]
    for program in OUTSIDE_PROGRAMS if outside else ():
        words += ["offer", program]
    for module in modules:
        words += ["module", module]
    args = ["run", "--rm", *settings.run_args(), "--entrypoint", "/bin/sh", tag, "-c", PROBE_SCRIPT, "probe"]
    args += ["outside" if outside else interpreter_hint(config.argv), IMPORT_CHECKER, *words]
    timeout = PROBE_TIMEOUT_SECONDS + 2 * IMPORT_TIMEOUT_SECONDS * len(modules)
    try:
        done = _docker(settings, *args, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Probe(problem=f"the checks did not finish within {timeout}s")
    return parse_probe(done.stdout, done.returncode, done.stderr)


def parse_probe(stdout: str, returncode: int = 0, stderr: str = "") -> Probe:
    imports, writable, programs, offered, uid, guessed = [], [], [], [], None, False
    for line in stdout.splitlines():
        fields = line.split("\t")
        if fields == ["X", "fallback"]:
            guessed = True
        elif fields[0] == "U" and len(fields) == 2:
            uid = fields[1] if fields[1].isdigit() else None
        elif fields[0] == "W" and len(fields) == 4:
            writable.append((fields[1], fields[2], fields[3]))
        elif fields[0] == "P" and len(fields) == 3:
            programs.append((fields[1], fields[2]))
        elif fields[0] == "O" and len(fields) == 3:
            offered.append((fields[1], fields[2]))
        elif fields[0] == "I" and len(fields) == 3:
            imports.append((fields[1], fields[2]))
    problem = None
    if uid is None and not writable and returncode != 0:
        problem = f"the checks could not run in the image: {_tail(stderr, 1) or f'exit {returncode}'}"
    return Probe(tuple(imports), tuple(writable), tuple(programs), uid, problem, guessed, tuple(offered))


def smoke_run(settings: RunSettings, tag: str, command: str) -> SmokeRun:
    args = ["run", "--rm", *settings.run_args(), "--entrypoint", "/bin/sh", tag, "-c", command]
    try:
        done = _docker(settings, *args, timeout=SMOKE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return SmokeRun(-1, "", f"timed out after {SMOKE_TIMEOUT_SECONDS}s")
    return SmokeRun(done.returncode, done.stdout, done.stderr)


def observe(
    settings: RunSettings,
    tag: str,
    modules: tuple[str, ...],
    smoke: str | None = None,
    http: tuple[int, str] | None = None,
    race: Race | None = None,
    side: str = "",
    outside: bool = False,
) -> Behaviour:
    """Every check on one image; `outside`: the Dockerfile declares no command, the caller gives it."""
    config = read_config(settings.docker, tag)
    http_port, http_path = http if http is not None else (None, "/")
    command, answer = run_own_command(settings, tag, http_port, http_path, race=race, side=side)
    probe = probe_image(settings, tag, config, modules, outside)
    smoked = smoke_run(settings, tag, smoke) if smoke else None
    return Behaviour(config, command, answer, probe, smoked)


# --- comparing two images ---------------------------------------------------------------------

SAME, DIFFERS, ORIGINAL_FAILS = "same", "differs", "original fails"


@dataclass(frozen=True)
class Sides:
    """How the lines a reader sees name the two images and the files they were built from.

    A migration compares "the original" with "the migrated image"; `--baseline OLD PATH`
    compares two files the user wrote, which are named by their file names instead.
    """

    original: str = "the original"
    migrated: str = "the migrated image"
    original_file: str = "the original Dockerfile"
    migrated_file: str = "the migrated Dockerfile"

    @classmethod
    def of_files(cls, old: str, new: str) -> Sides:
        """`--baseline OLD NEW`: each side by its file name, or by its path when both names are the same."""
        old_name, new_name = Path(old).name, Path(new).name
        if old_name == new_name:
            old_name, new_name = old, new
        return cls(old_name, new_name, old_name, new_name)


MIGRATION = Sides()


@dataclass(frozen=True)
class Check:
    """One row of the verification table: what each image did, and what that means."""

    name: str
    original: str
    migrated: str
    outcome: str  # "same" | "differs" | "original fails" | "" (a figure, not compared)
    lines: tuple[str, ...] = ()  # one line per difference (or per thing the original fails at)
    detail: str = ""  # the tails of output worth reading under the line


def compare(original: Behaviour, migrated: Behaviour, run_seconds: float, sides: Sides = MIGRATION) -> list[Check]:
    checks: list[Check] = []
    if original.command is not None and migrated.command is not None:
        checks.append(_compare_command(original.command, migrated.command, run_seconds, sides))
    if original.http is not None and migrated.http is not None:
        checks.append(_compare_http(original.http, migrated.http, sides))
    if original.probe is not None and migrated.probe is not None:
        checks += _compare_probes(original.probe, migrated.probe, sides)
    if original.smoke is not None and migrated.smoke is not None:
        checks.append(_compare_smoke(original.smoke, migrated.smoke, sides))
    return checks


def _outcome(lines: list[str], original_fails: list[str], sides: Sides) -> tuple[str, tuple[str, ...]]:
    if lines:
        return DIFFERS, tuple(lines)
    if original_fails:
        return ORIGINAL_FAILS, tuple(f"{sides.original} fails: {line}" for line in original_fails)
    return SAME, ()


def _compare_command(original: CommandRun, migrated: CommandRun, seconds: float, sides: Sides) -> Check:
    same_state = (original.running and migrated.running) or (
        not original.running and not migrated.running and original.exit_code == migrated.exit_code
    )
    only_migrated = [e for e in migrated.errors if e not in original.errors]
    lines: list[str] = []
    original_fails: list[str] = []
    if not same_state:
        said = f"{sides.original} {original.describe(seconds)}, {sides.migrated} {migrated.describe(seconds)}"
        if not original.works and migrated.works:
            original_fails.append(
                f"own command {original.describe(seconds)}; {sides.migrated} {migrated.describe(seconds)}"
            )
        else:
            lines.append(f"own command: {said}")
    elif only_migrated and original.works:
        # While both run (or both exit 0), a new traceback is a crash the exit code hides
        # (gunicorn restarting workers that die at boot).
        lines.append(f"own command: only {sides.migrated} prints {only_migrated[0]}")
    elif lost := _lost_kind(original.errors, only_migrated):
        # Both exited with the same failing code, mostly the original failing the same way
        # whatever each printed. But a module, a permission or a program the original never
        # missed is the migration's: the app now dies before it reaches where the original
        # failed (Hoon9901: pkg_resources gone, where the original only lacked its token file).
        was = f"; {sides.original} prints {original.errors[0]}" if original.errors else ""
        lines.append(f"own command: both exit {migrated.exit_code}, but only {sides.migrated} prints {lost}{was}")
    outcome, found = _outcome(lines, original_fails, sides)
    detail = ""
    if outcome != SAME:
        detail = (
            f"{sides.original} output:\n{_indent(original.tail)}\n{sides.migrated} output:\n{_indent(migrated.tail)}"
        )
    return Check("own command", original.describe(seconds), migrated.describe(seconds), outcome, found, detail)


# Errors a migration causes (a dependency, a permission or a program lost), by kind.
LOST_KINDS = ("ModuleNotFoundError", "PermissionError", "not found")


def _error_kind(error: str) -> str | None:
    for kind in LOST_KINDS:
        if error.startswith(kind) or error.endswith(kind) or f"{kind} in $PATH" in error:
            return kind
    return None


def _lost_kind(original: tuple[str, ...], only_migrated: list[str]) -> str | None:
    """The first error of a kind in LOST_KINDS that the migrated image prints and the original never does."""
    had = {_error_kind(error) for error in original}
    return next((e for e in only_migrated if _error_kind(e) is not None and _error_kind(e) not in had), None)


def _compare_http(original: HttpAnswer, migrated: HttpAnswer, sides: Sides) -> Check:
    lines, original_fails = [], []
    if (original.status, original.body, original.problem is None) != (
        migrated.status,
        migrated.body,
        migrated.problem is None,
    ):
        said = f"{sides.original} answers {original.describe()}, {sides.migrated} {migrated.describe()}"
        if not original.works and migrated.works:
            original_fails.append(f"HTTP probe: {said}")
        elif original.status == migrated.status and original.problem is None and migrated.problem is None:
            lines.append(
                f"HTTP probe: the body differs (status {original.status} in both): "
                f"{_first_difference(original.body, migrated.body)}"
            )
        else:
            lines.append(f"HTTP probe: {said}")
    outcome, found = _outcome(lines, original_fails, sides)
    return Check("HTTP probe", original.describe(), migrated.describe(), outcome, found)


def _first_difference(a: str, b: str) -> str:
    index = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at byte {index}: {a[index : index + 40]!r} became {b[index : index + 40]!r}"


def _compare_probes(original: Probe, migrated: Probe, sides: Sides) -> list[Check]:
    if original.problem or migrated.problem:
        text = {False: "ran", True: "could not run"}
        lines = [] if original.problem else [f"checks: {migrated.problem} ({sides.migrated})"]
        return [
            Check(
                "imports, writes, PATH",
                text[bool(original.problem)],
                text[bool(migrated.problem)],
                DIFFERS if lines else SAME,
                tuple(lines),
            )
        ]
    return [
        _compare_imports(original, migrated, sides),
        _compare_writable(original, migrated, sides),
        _compare_programs(original, migrated, sides),
    ]


def _exception(result: str) -> str:
    return "ok" if result == "ok" else result.split(":", 1)[0]


def _compare_imports(original: Probe, migrated: Probe, sides: Sides) -> Check:
    before, after = dict(original.imports), dict(migrated.imports)
    lines, original_fails = [], []
    if "*" in before or "*" in after:  # no Python to import with, on one side or both
        if "*" in after and "*" not in before:
            lines.append(f"imports: {after['*']} in {sides.migrated}")
        elif "*" in before and "*" not in after:
            original_fails.append(f"imports: {before['*']} in {sides.original}")
    else:
        for module in dict.fromkeys([*before, *after]):
            was, now = before.get(module, "not checked"), after.get(module, "not checked")
            if _exception(was) == _exception(now) or "timed out" in (was, now):
                continue  # a timeout says nothing either way: the row still shows it
            said = f"import {module}: {_said(was)} in {sides.original}, {_said(now)} in {sides.migrated}"
            if now == "ok" or (_error_kind(was) is not None and _error_kind(now) is None):
                # The migrated image imports it, or gets further than the original's missing
                # module or permission (x6vital1: gspread missing, then credentials.json).
                original_fails.append(said)
            else:
                lines.append(said)
    if original.guessed_python:
        # The original's command may set up its environment before Python runs: python3
        # from PATH failing there says nothing about the original.
        original_fails = []
    outcome, found = _outcome(lines, original_fails, sides)
    return Check("imports", _count_ok(before), _count_ok(after), outcome, found)


def _said(result: str) -> str:
    return result if result in ("ok", "timed out", "not checked") else f"fails with {result}"


def _count_ok(results: dict[str, str]) -> str:
    if not results:
        return "none found"
    if "*" in results:
        return results["*"]
    return f"{sum(r == 'ok' for r in results.values())} of {len(results)} ok"


def _compare_writable(original: Probe, migrated: Probe, sides: Sides) -> Check:
    before = {label: (path, state) for label, path, state in original.writable}
    after = {label: (path, state) for label, path, state in migrated.writable}
    lines = []
    for label, (path, state) in before.items():
        now_path, now = after.get(label, (path, "not checked"))
        if state == "writable" and now != "writable":
            where = label if label.startswith("VOLUME") else f"{label} {now_path}"
            lines.append(
                f"{where}: writable in {sides.original}, {now} for uid {migrated.uid or '?'} in {sides.migrated}"
            )
    outcome, found = _outcome(lines, [], sides)
    return Check("writable", _writable_list(before), _writable_list(after), outcome, found)


def _writable_list(places: dict[str, tuple[str, str]]) -> str:
    parts = [
        label if label.startswith("VOLUME") else f"{label} {path}"
        for label, (path, state) in places.items()
        if state == "writable"
    ]
    return ", ".join(parts) if parts else "nothing"


def _compare_programs(original: Probe, migrated: Probe, sides: Sides) -> Check:
    before, after = dict(original.programs), dict(migrated.programs)
    lines: list[str] = []
    original_fails: list[str] = []
    original_resolves = all(before.values())
    for program, found in after.items():
        if found:
            continue
        if original_resolves:
            lines.append(
                f"PATH: {program} is not found in {sides.migrated} "
                f"({sides.original} finds {', '.join(before) or 'its programs'})"
            )
        elif program in before and not before[program]:
            continue  # missing from both: the same failure
        else:
            lines.append(f"PATH: {program} is not found in {sides.migrated}")
    gone = dict(migrated.offered)
    for program, found in original.offered:
        if found and not gone.get(program):
            lines.append(
                f"PATH: {program} is not found in {sides.migrated} ({sides.original} has it at {found}); "
                "neither declares a command, so one given from outside (compose, CI, a README) may run it"
            )
    if not lines and all(after.values()):
        original_fails = [
            f"PATH: {p} is not found in {sides.original}" for p, resolved in before.items() if not resolved
        ]
    outcome, named = _outcome(lines, original_fails, sides)
    offered = {side: dict(probe.offered) for side, probe in (("original", original), ("migrated", migrated))}
    return Check(
        "PATH",
        _programs_list(before, offered["original"]),
        _programs_list(after, offered["migrated"]),
        outcome,
        named,
    )


def _programs_list(programs: dict[str, str], offered: dict[str, str] | None = None) -> str:
    named = [name if found else f"{name} (not found)" for name, found in programs.items()]
    # Programs looked up for a command from outside: shown only when there, as most images lack them.
    named += [f"{name} (for a command from outside)" for name, found in (offered or {}).items() if found]
    return ", ".join(named) if named else "none named"


def _compare_smoke(original: SmokeRun, migrated: SmokeRun, sides: Sides) -> Check:
    lines, original_fails = [], []
    if (original.exit_code, original.stdout) != (migrated.exit_code, migrated.stdout):
        if original.exit_code != 0 and migrated.exit_code == 0:
            original_fails.append(f"--smoke exits {original.exit_code}; {sides.migrated} exits 0")
        elif original.exit_code == migrated.exit_code:
            lines.append(
                f"--smoke: the output differs (exit {original.exit_code} in both): "
                f"{_first_difference(original.stdout, migrated.stdout)}"
            )
        else:
            lines.append(
                f"--smoke: exit {original.exit_code} in {sides.original}, {migrated.exit_code} in {sides.migrated}"
            )
    outcome, found = _outcome(lines, original_fails, sides)
    detail = ""
    if outcome != SAME:
        detail = (
            f"{sides.original} output:\n{_indent(_tail(original.stdout + original.stderr))}\n"
            f"{sides.migrated} output:\n{_indent(_tail(migrated.stdout + migrated.stderr))}"
        )
    return Check("--smoke", f"exit {original.exit_code}", f"exit {migrated.exit_code}", outcome, found, detail)


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in (text or "(no output)").splitlines())
