"""Preflight: does the original Dockerfile build and start as written?

What it does
    Reads the parsed original (and the project context) and lists its *breaks*:
    lines that make ``docker build`` fail or the container fail to start, each with
    the line, a one-line reason with what to do, and whether a transform fixes it by
    its nature. ``checked`` is the pipeline's hook: a file with a break no transform
    fixes is refused (FAILED, left unchanged, one line naming the line); a break a
    transform fixes lets the migration through, with a note naming the line, once
    the migrated text is checked to be free of it.

Why
    About one in five real Poetry Dockerfiles cannot build or start as written. A
    pull request that polishes such a file (stages, caches, a user) hides the break
    behind a large diff, and its maintainer cannot tell whether the migration or the
    original broke the build. One line naming the break is the useful answer.

Example
    FROM python:3.11-slim
    RUN pip install poetry
    COPY . .
    RUN poetry install
    CMD ['python', 'app/main.py']

    -> Dockerfile:5: CMD ['python', 'app/main.py'] is not JSON (single quotes), so
       /bin/sh runs `[python,` and the container cannot start (write CMD ["python",
       "app/main.py"])

Use instead
    Fix the line the message names, then run the migration again.

The rules, each conservative (a false "cannot build" blocks a good pull request, so
a rule that cannot be sure says nothing):

- invalid-json: CMD/ENTRYPOINT/RUN/SHELL written as a JSON array that is not JSON
  (single quotes, missing commas). BuildKit's parser then falls back to the shell
  form, so /bin/sh runs a first word such as ``[python,``. ``RUN [ -f x ] && ...``
  (the ``[`` command) and bash's ``[[`` are shell form on purpose and never flagged;
  text after a valid array is ignored by BuildKit (``CMD ["a"]  # note`` is exec form).
- exec-with-spaces: an exec form whose program contains blanks
  (``CMD ["poetry run python main.py"]``): exec of a program by that name. A CMD is
  only judged when no ENTRYPOINT can take it as arguments (``ENTRYPOINT ["sh", "-c"]``
  makes that CMD right).
- json-not-strings: ``CMD ["python", 3]``: BuildKit's parser refuses the file.
- unknown-flag: a flag COPY/ADD/RUN/FROM does not know (``--chwon``): BuildKit stops
  with "Unknown flag".
- swallowed-instruction: a trailing ``\\`` whose next line (blank and comment lines
  between do not stop a continuation) starts with an instruction keyword: that
  instruction becomes words of the one above.
- no-pyproject: ``poetry install`` where no pyproject.toml can be in its folder or a
  parent (Poetry searches upwards): nothing copied, bind-mounted, fetched or made
  there before it, from a base image known to hold no project.
- no-poetry: Poetry run in a stage that never installs it, from a plain python,
  Debian or Ubuntu image (none has Poetry).
- no-dev-poetry-2: ``--no-dev`` with a Poetry 2 install (pinned, or unpinned on a
  Python that resolves to Poetry 2): Poetry 2 removed the option. MIG001 rewrites
  ``--no-dev`` by its nature, so the migration goes ahead and says so.
- removed-poetry-option: ``poetry source add --default`` (or ``--secondary``) with a Poetry 2
  install, pinned or unpinned as for ``--no-dev``: Poetry 2.0 removed both (``--priority=primary``
  / ``--priority=supplemental`` replace them). No transform rewrites it.
- python-outside-constraint: ``poetry install`` on an official python image whose X.Y no patch
  release of the project's ``python =`` / ``requires-python`` allows (with the project context;
  every pyproject.toml of the context must exclude it). Poetry checks the constraint before it
  reads ``virtualenvs.create`` and then looks for a python3.X on PATH, so only images with no
  other Python count: slim ones, or full ones whose Debian python3 (buildpack-deps brings it
  with mercurial) is excluded too, from a tag naming the release; nothing before may add a
  Python (apt, uv, pyenv, conda, a script) or another project (git clone, COPY --from, ADD).
  ``!=`` clauses are left out and pre-releases make the constraint unknown: never a false alarm.
- apt-without-update: ``apt-get install``/``apt install`` with no ``apt-get update`` before it in
  the RUN or an earlier one of the stage (or its parents): official python, Debian and Ubuntu
  images ship no package lists, so apt finds only what is installed. Judged only for packages
  no such image holds (build tools too on slim and distribution images), and only when nothing
  before may have fetched the lists (any ``update`` word, a script, a cache mount on /var/lib/apt).
- archived-release: ``apt-get update``/``apt update`` on a python or Debian image of stretch or an
  older release (``python:3.7.7-stretch``, ``debian:9``): its packages moved to archive.debian.org,
  so apt finds no Release file and exits 100. Not when anything before may point apt elsewhere
  (sources.list, archive.debian.org, /etc/apt, a script, a COPY/ADD).
- sudo: ``sudo`` on a plain python, Debian or Ubuntu image, which have none.
- bashism: ``source``, ``[[``, ``pushd``, ``popd``, ``shopt``, ``declare`` or
  ``set -o pipefail`` under the default ``/bin/sh``, which is dash on Debian and
  Ubuntu images (dash 0.5.12 in bookworm, trixie and noble has none of them; alpine's
  busybox sh has ``source``, so alpine is never judged). ``.`` works; a SHELL
  naming bash before the RUN makes them fine.

- venv-not-on-path: with the project context only, an exec-form CMD naming an app
  server (uvicorn, gunicorn, ...) that only `poetry install` installed, into a venv
  no ENV puts on PATH. MIG001 (an in-project venv) and MIG003 (the runtime stage puts
  it on PATH) fix it by their nature.

A command that fails only breaks its RUN when its status reaches the end of the
command list: ``source x; pip install y`` builds (the last status wins), ``|| true``
hides it, ``&&`` carries it. A RUN with shell control structures is not judged.
Only the stages the final image needs are judged (an unknown flag fails the parse
of any stage). The migrated text is held to the same rules, so a migration that would
bring a break in is refused too, and a second run never refuses what a first wrote.
"""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re
import shlex
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from migrator.analysis import env_pairs, pip_program, poetry_subcommand
from migrator.model import Dockerfile, Instruction, ParseError, Stage, parse
from migrator.patterns import lazy_compile
from migrator.poetry_releases import LATEST, POETRY_REQUIREMENT_RE, image_python
from migrator.record import dataclass, replace
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import DEFAULT_POETRY_VERSION, Note

if TYPE_CHECKING:
    from migrator.project import ProjectContext


class Migrated(Protocol):
    """What `checked` reads of a pipeline.Migration (the pipeline imports this module, not the reverse)."""

    @property
    def text(self) -> str: ...
    @property
    def warnings(self) -> tuple[Note, ...]: ...
    @property
    def skipped(self) -> str | None: ...


M = TypeVar("M", bound=Migrated)

KEYWORDS = frozenset(
    {
        "FROM",
        "RUN",
        "CMD",
        "LABEL",
        "MAINTAINER",
        "EXPOSE",
        "ENV",
        "ADD",
        "COPY",
        "ENTRYPOINT",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
    }
)
# Every flag any BuildKit frontend release accepts (labs ones included): a superset,
# so that only a flag no Docker knows is reported.
KNOWN_FLAGS = {
    "COPY": frozenset({"from", "chown", "chmod", "link", "parents", "exclude"}),
    "ADD": frozenset({"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"}),
    "RUN": frozenset({"mount", "network", "security", "device"}),
    "FROM": frozenset({"platform"}),
}
SHELL_KEYWORDS = frozenset(
    {"if", "then", "elif", "else", "fi", "for", "while", "until", "do", "done", "case", "esac", "{", "}", "!"}
)
DASH_MISSING = {
    "source": "use `. FILE` instead",
    "[[": "use `[ ... ]` instead",
    "pushd": "use `cd` instead",
    "popd": "use `cd` instead",
    "shopt": "drop it",
    "declare": "use plain assignments instead",
}
POSIX_SHELLS = frozenset({None, "sh", "dash", "bash", "ash", "zsh", "ksh"})  # None: the default /bin/sh
BASH_SHELL = 'or put SHELL ["/bin/bash", "-c"] above it'
FILE_EXTENSIONS = frozenset(
    {"toml", "lock", "py", "txt", "md", "rst", "cfg", "ini", "json", "yaml", "yml", "sh", "conf", "env", "in"}
)
ARCHIVE_RE = lazy_compile(r"\.(tar|tgz|tbz2?|txz|tar\.(gz|bz2|xz|zst))$")
VAR_RE = lazy_compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")
PYTHON_TAG_RE = lazy_compile(r"^(\d+)\.(\d+)")
CURRENT_PYTHON = (3, 13)  # what `python:3`, `python:slim` and `python:latest` run: anything from 3.9 on will do
RUN_RULE_WORDS = lazy_compile(r"poetry|sudo|source|\[\[|pushd|popd|shopt|declare|pipefail|apt")
ASSIGNMENT_RE = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Programs that may put files (a project, a Poetry) where a later step looks for them.
FETCHERS = frozenset({"git", "curl", "wget", "tar", "unzip", "cp", "mv", "ln", "rsync", "gsutil", "aws", "scp"})


@dataclass(frozen=True)
class Break:
    """One reason the original cannot build or start."""

    rule: str  # stable id: "invalid-json", "no-dev-poetry-2", ...
    line: int
    reason: str  # what breaks, and how
    todo: str  # what to do about it
    fixed_by: str | None = None  # the transform that fixes it by its nature (checked on the output)

    @property
    def fixable(self) -> bool:
        return self.fixed_by is not None

    @property
    def message(self) -> str:
        """The one line a user reads: the break, then what to do."""
        return f"{self.reason} ({self.todo})"


class CannotBuild(ParseError):
    """The original cannot build or start; the file is reported as failed, unchanged."""


# --- the pipeline's hook ------------------------------------------------------


def checked(text: str, migration: M, project: ProjectContext) -> M:
    """The migration of ``text``, or CannotBuild when the original cannot build or start.

    A break a transform fixes by its nature passes once the migrated text is free of
    it; it is then named in a note. The migrated text is held to the same rules: a
    break the migration would bring in refuses the file too, unchanged (a second run
    would refuse the output anyway). ``migration`` is a pipeline.Migration.
    """
    if migration.skipped:
        return migration
    breaks = find_breaks(parse(text), project)
    unfixable = [b for b in breaks if not b.fixable]
    if unfixable:
        raise CannotBuild(unfixable[0].line, unfixable[0].message + _also(unfixable[1:]))
    if migration.text == text:
        return migration
    after = find_breaks(parse(migration.text), project)
    left = {b.rule for b in after}
    unfixed = [b for b in breaks if b.rule in left]
    if unfixed:
        raise CannotBuild(unfixed[0].line, unfixed[0].message + _also(unfixed[1:]))
    brought = [b for b in after if b.rule not in {o.rule for o in breaks}]
    if brought:
        # Line numbers of the migrated text, which the user does not have: named in the message.
        raise CannotBuild(
            None,  # type: ignore[arg-type]
            f"the migration would break line {brought[0].line} of its output ({brought[0].reason}); "
            "the file is left unchanged: please report it",
        )
    notes = tuple(
        Note("preflight", b.line, f"the original as written fails here: {b.reason}; fixed by {b.fixed_by}")
        for b in breaks
    )
    return replace(migration, warnings=notes + tuple(migration.warnings))


def _also(more: list[Break]) -> str:
    if not more:
        return ""
    return f"; also line{'s' if len(more) > 1 else ''} {', '.join(str(b.line) for b in more)}"


def find_breaks(doc: Dockerfile, project: ProjectContext | None = None) -> list[Break]:
    """Every break of the file, in line order (one per line)."""
    if not doc.stages:
        return []
    found: list[Break] = []
    needed = needed_stages(doc)
    for stage in doc.stages:
        for instruction in (stage.from_instruction, *stage.instructions):
            found.extend(_unknown_flags(instruction))
            found.extend(_not_strings(instruction))
    for instruction in doc.global_args:
        found.extend(_swallowed(doc, instruction))
    for stage in doc.stages:
        if stage.number not in needed:
            continue
        scope = StageScope(doc, stage, project)
        for instruction in (stage.from_instruction, *stage.instructions):
            found.extend(_swallowed(doc, instruction))
            if instruction.keyword == "SHELL" or (
                instruction.keyword == "RUN" and scope.state(instruction.index)[2] in POSIX_SHELLS
            ):
                found.extend(_invalid_json(instruction))
            if instruction.keyword == "RUN":
                found.extend(_exec_with_spaces(instruction))
                found.extend(scope.run_breaks(instruction))
    found.extend(_start_breaks(doc))
    found.extend(_venv_not_on_path(doc, project))
    # One break a line; one no transform fixes wins over one a transform fixes.
    by_line: dict[int, Break] = {}
    for item in found:
        if item.line not in by_line or (by_line[item.line].fixable and not item.fixable):
            by_line[item.line] = item
    return sorted(by_line.values(), key=lambda b: b.line)


# --- stages -------------------------------------------------------------------


def parent_of(doc: Dockerfile, stage: Stage) -> Stage | None:
    base = stage.base_image.lower()
    for earlier in doc.stages[: stage.number]:
        if (earlier.name or "").lower() == base or str(earlier.number) == base:
            return earlier
    return None


def chain(doc: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, farthest first."""
    stages = [stage]
    while (parent := parent_of(doc, stages[0])) is not None and parent not in stages:
        stages.insert(0, parent)
    return stages


def _stage_ref(doc: Dockerfile, name: str, before: int) -> Stage | None:
    for stage in doc.stages[:before]:
        if (stage.name or "").lower() == name.lower() or str(stage.number) == name:
            return stage
    return None


def needed_stages(doc: Dockerfile) -> set[int]:
    """The final stage and every stage it needs (FROM, COPY --from, RUN --mount from=)."""
    needed: set[int] = set()
    todo = [doc.stages[-1]]
    while todo:
        stage = todo.pop()
        if stage.number in needed:
            continue
        needed.add(stage.number)
        refs = [stage.base_image]
        for instruction in stage.instructions:
            refs.extend(instruction.flag_values("from"))
            for mount in instruction.flag_values("mount"):
                refs.extend(v for k, v in _mount_options(mount).items() if k == "from")
        for ref in refs:
            found = _stage_ref(doc, ref, stage.number)
            if found is not None:
                todo.append(found)
    return needed


def base_image(doc: Dockerfile, stage: Stage) -> str | None:
    """The external image at the root of the stage's chain, global ARG defaults filled in."""
    root = chain(doc, stage)[0]
    defaults: dict[str, str] = {}
    for instruction in doc.global_args:
        defaults.update((k, v) for k, v in env_pairs(instruction) if v)
    return expand(root.base_image, defaults)


# Debian releases whose packages are only on archive.debian.org (moved there in 2023 and before).
ARCHIVED_DEBIAN = ("stretch", "jessie", "wheezy", "squeeze")
ARCHIVED_DEBIAN_NUMBERS = {"9": "stretch", "8": "jessie", "7": "wheezy", "6": "squeeze"}


def plain_image(image: str | None) -> str | None:
    """ "python", "debian" or "ubuntu" for an official image of those (not alpine), else None."""
    if not image:
        return None
    name = image.lower().split("@", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        name = name.removeprefix(prefix)
    repo, _, tag = name.partition(":")
    if repo not in ("python", "debian", "ubuntu"):
        return None
    if any(word in tag for word in ("alpine", "windows", "nanoserver")):
        return None
    return repo


def python_version(image: str | None) -> tuple[int, int] | None:
    """The Python of an official python image's tag; a tag without a version is today's 3.x."""
    if image is None or plain_image(image) != "python":
        return None
    tag = image.lower().split("@", 1)[0].partition(":")[2]
    match = PYTHON_TAG_RE.match(tag)
    if match:
        return int(match[1]), int(match[2])
    if tag == "" or tag == "3" or tag.startswith(("3-", "latest", "slim", "bookworm", "trixie")):
        return CURRENT_PYTHON
    return None


def expand(value: str, env: dict[str, str]) -> str | None:
    """$VAR, ${VAR} and ${VAR:-default} filled in; None when one is unknown."""
    unknown = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match[1] or match[3]
        if env.get(name):
            return env[name]
        if match[2] is not None:
            return match[2]
        unknown = True
        return ""

    result = VAR_RE.sub(fill, value)
    return None if unknown else result


# --- shell --------------------------------------------------------------------


def _mount_options(value: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for part in value.split(","):
        key, sep, val = part.partition("=")
        options[key.strip().lower()] = val.strip() if sep else "true"
    return options


def simple_list(instruction: Instruction) -> list[SimpleCommand] | None:
    """The RUN's commands when it is a plain list (no control structures, no `&`)."""
    if instruction.heredocs or instruction.json_args is not None:
        return None
    commands = run_commands(instruction)
    for command in commands:
        argv = _argv(command)
        if not argv or argv[0] in SHELL_KEYWORDS or argv[0].startswith("(") or argv[0].endswith("()"):
            return None
        if "&" in argv or any(word.endswith(")") and word.startswith("(") for word in argv[:1]):
            return None
    return commands


def status_reaches_end(commands: list[SimpleCommand], failing: int) -> bool:
    """Whether the RUN exits non-zero when command ``failing`` fails and the others succeed.

    `&&` and `||` skip what follows by the last status, `;` runs on, and a pipeline's
    status is its last command's (/bin/sh has no pipefail).
    """
    pipelines: list[tuple[str | None, list[int]]] = []
    for k, command in enumerate(commands):
        if command.operator == "|" and pipelines:
            pipelines[-1][1].append(k)
        else:
            pipelines.append((command.operator, [k]))
    status = 0
    for operator, members in pipelines:
        if operator == "&&" and status != 0:
            continue
        if operator == "||" and status == 0:
            continue
        status = 1 if members[-1] == failing else 0
    return status != 0


def _argv(command: SimpleCommand) -> list[str]:
    """The command's words, kept on the command: every rule asks for them again."""
    cached = command.__dict__.get("_argv")
    if cached is None:
        cached = command.__dict__["_argv"] = command.argv
    return cached


def _program_index(command: SimpleCommand) -> int | None:
    for k, word in enumerate(_argv(command)):
        if ASSIGNMENT_RE.match(word):
            continue
        return k
    return None


def _program(command: SimpleCommand) -> str:
    k = _program_index(command)
    return _argv(command)[k] if k is not None else ""


def _is_poetry(command: SimpleCommand) -> bool:
    program = _program(command)
    if program.rsplit("/", 1)[-1] == "poetry":
        return True
    k = _program_index(command)
    argv = _argv(command)[k:] if k is not None else []
    return (
        len(argv) >= 3
        and re.fullmatch(r"python[0-9.]*", argv[0].rsplit("/", 1)[-1]) is not None
        and argv[1:3]
        == [
            "-m",
            "poetry",
        ]
    )


# --- rules on one instruction --------------------------------------------------


def _unknown_flags(instruction: Instruction) -> list[Break]:
    known = KNOWN_FLAGS.get(instruction.keyword)
    if known is None:
        return []
    for flag in instruction.flags:
        if flag.name not in known:
            import difflib  # only a misspelt flag needs it: kept out of every run's start-up

            close = difflib.get_close_matches(flag.name, sorted(known), n=1)
            hint = (
                f"did you mean --{close[0]}?"
                if close
                else f"{instruction.keyword} knows " + ", ".join(f"--{k}" for k in sorted(known))
            )
            return [
                Break(
                    "unknown-flag",
                    instruction.start_line,
                    f'{instruction.keyword} has no flag --{flag.name}: Docker stops with "Unknown flag: {flag.name}"',
                    hint,
                )
            ]
    return []


def _not_strings(instruction: Instruction) -> list[Break]:
    """A JSON array of something else than strings: BuildKit's parser refuses the file."""
    if instruction.keyword not in ("CMD", "ENTRYPOINT", "RUN", "SHELL") or not instruction.arguments.startswith("["):
        return []
    value = _first_json_value(instruction.arguments)
    if not isinstance(value, list) or all(isinstance(v, str) for v in value):
        return []
    return [
        Break(
            "json-not-strings",
            instruction.start_line,
            f"{instruction.keyword} {shorten(instruction.arguments)} holds something else than strings: Docker stops "
            'with "when using JSON array syntax, arrays must be comprised of strings only"',
            "quote every element",
        )
    ]


def _continuation_lines(instruction: Instruction) -> list[tuple[int, int]]:
    """(line number, logical position) where each continued line's text begins."""
    starts: list[tuple[int, int]] = []
    if "\n" not in instruction.raw.rstrip("\r\n"):
        return starts
    line_of = [0] * (len(instruction.raw) + 1)
    line = instruction.start_line
    for pos, ch in enumerate(instruction.raw):
        line_of[pos] = line
        if ch == "\n":
            line += 1
    previous = instruction.start_line
    for pos, offset in enumerate(instruction.offsets):
        current = line_of[offset]
        if current != previous:
            starts.append((current, pos))
            previous = current
    return starts


def _inside_quotes(text: str, end: int, escape: str) -> bool:
    quote = ""
    pos = 0
    while pos < end:
        ch = text[pos]
        if ch == escape and quote != "'":
            pos += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        pos += 1
    return bool(quote)


def _swallowed(doc: Dockerfile, instruction: Instruction) -> list[Break]:
    """A continued line that starts with an instruction keyword: the `\\` above swallowed it."""
    lines = instruction.raw.split("\n")
    previous = instruction.start_line
    for number, pos in _continuation_lines(instruction):
        text = lines[number - instruction.start_line].lstrip(" \t")
        word = re.match(r"[A-Z]+(?=\s|$)", text)
        if word and word[0] in KEYWORDS and not _inside_quotes(instruction.logical, pos, doc.escape):
            shown = text.rstrip("\r").removesuffix(doc.escape).strip()
            return [
                Break(
                    "swallowed-instruction",
                    previous,
                    f"the '{doc.escape}' ending line {previous} continues into line {number}, so "
                    f"`{shorten(shown)}` is part of this {instruction.keyword}, not an instruction of its own",
                    f"remove the '{doc.escape}' at the end of line {previous}",
                )
            ]
        previous = number
    return []


def shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _invalid_json(instruction: Instruction) -> list[Break]:
    """A JSON-looking array that is not JSON: BuildKit runs it as a shell command."""
    text = instruction.arguments
    if not text.startswith("["):
        return []
    if isinstance(_first_json_value(text), list):
        return []
    first = text.split(None, 1)[0]
    if first in ("[", "[["):
        return []  # the test command, or bash's [[: shell form on purpose
    keyword = instruction.keyword
    if keyword == "SHELL":
        consequence = 'Docker stops with "SHELL requires the arguments to be in JSON form"'
    elif keyword == "RUN":
        consequence = f"/bin/sh runs `{_shell_first_word(text)}` and this RUN fails"
    else:
        consequence = f"/bin/sh runs `{_shell_first_word(text)}` and the container cannot start"
    why = _why_not_json(text)
    suggestion = _json_suggestion(text)
    todo = f"write {keyword} {suggestion}" if suggestion else "write it as a JSON array with double quotes"
    return [
        Break(
            "invalid-json",
            instruction.start_line,
            f"{keyword} {shorten(text)} is not JSON ({why}), so {consequence}",
            todo,
        )
    ]


def _first_json_value(text: str) -> Any:
    """The JSON value the text starts with, as BuildKit's parser reads it: text after it is ignored
    (`CMD ["python", "app.py"]  # start` is the exec form of python app.py)."""
    try:
        return json.JSONDecoder().raw_decode(text)[0]
    except ValueError:
        return None


def _why_not_json(text: str) -> str:
    return "single quotes" if "'" in text else "not a JSON array"


def _shell_first_word(text: str) -> str:
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    return words[0] if words else text


def _json_suggestion(text: str) -> str | None:
    candidate = text.replace("'", '"')
    try:
        value = json.loads(candidate)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return json.dumps(value)
    return None


def _exec_with_spaces(instruction: Instruction) -> list[Break]:
    args = instruction.json_args
    if not args or not re.search(r"\s", args[0]):
        return []
    where = "this RUN fails" if instruction.keyword == "RUN" else "the container cannot start"
    program = args[0]
    if re.search(r"[&|;<>$`*]", program) or len(args) > 1:
        todo = "split it into one word per element" if len(args) > 1 else f"use {json.dumps(['sh', '-c', program])}"
    else:
        try:
            todo = f"split it into words: {json.dumps(shlex.split(program))}"
        except ValueError:
            todo = "split it into one word per element"
    return [
        Break(
            "exec-with-spaces",
            instruction.start_line,
            f"{instruction.keyword} {shorten(instruction.arguments)} is the exec form of one program named "
            f"{json.dumps(program)}, which does not exist, so {where}",
            todo,
        )
    ]


def _start_breaks(doc: Dockerfile) -> list[Break]:
    """The final image's CMD and ENTRYPOINT, as the container starts them."""
    final = doc.stages[-1]
    stages = chain(doc, final)
    entrypoint = cmd = None
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword == "ENTRYPOINT":
                entrypoint = instruction
            elif instruction.keyword == "CMD":
                cmd = instruction
    found: list[Break] = []
    if entrypoint is not None:
        found += _exec_with_spaces(entrypoint)
        if not any(i.keyword == "SHELL" for stage in stages for i in stage.instructions):
            found += _invalid_json(entrypoint)
    starts_itself = plain_image(base_image(doc, final)) is not None  # official images set no ENTRYPOINT
    if any(i.keyword == "SHELL" for stage in stages for i in stage.instructions):
        return found  # a shell form then runs in a shell this check does not know
    if cmd is not None and entrypoint is None and starts_itself:
        found += _invalid_json(cmd) + _exec_with_spaces(cmd)
    return found


APP_PROGRAMS = frozenset(
    {
        "uvicorn",
        "gunicorn",
        "hypercorn",
        "daphne",
        "granian",
        "waitress-serve",
        "flask",
        "fastapi",
        "streamlit",
        "celery",
        "alembic",
        "dramatiq",
        "rq",
        "scrapy",
        "sanic",
        "litestar",
    }
)  # servers and CLIs an app runs by name, none of them in a python image or among Poetry's own dependencies
PACKAGING_TOOLS = lazy_compile(r"^(poetry([=<>~!\[].*)?|poetry-plugin-[\w-]+([=<>~!].*)?|pip|setuptools|wheel)$")


def _venv_not_on_path(doc: Dockerfile, project: ProjectContext | None) -> list[Break]:
    """CMD runs an app server by name that `poetry install` put into a venv off PATH.

    Judged only when everything is known: a python base image, the project context
    (its poetry.toml may turn the venv off), no other install that could bring the
    program (pip, apt, copies, scripts), no ENV or `poetry config` about the venv.
    """
    final = doc.stages[-1]
    if project is None or project.root is None or not project.projects:
        return []
    if any(p.virtualenvs_create is False for p in project.projects.values()):
        return []
    if python_version(base_image(doc, final)) is None:
        return []
    stages = chain(doc, final)
    instructions = [i for stage in stages for i in stage.instructions]
    if any(i.keyword in ("ENTRYPOINT", "SHELL", "ADD", "ONBUILD") for i in instructions):
        return []
    cmds = [i for i in instructions if i.keyword == "CMD"]
    argv = cmds[-1].json_args if cmds else None
    if not argv or argv[0] not in APP_PROGRAMS:
        return []
    installs = False
    for instruction in instructions:
        if instruction.keyword == "COPY" and (instruction.flag("from") or instruction.heredocs):
            return []
        if instruction.keyword == "ENV" and any(
            k in ("PATH", "VIRTUAL_ENV") or "VIRTUALENVS" in k and k != "POETRY_VIRTUALENVS_IN_PROJECT"
            for k, _ in env_pairs(instruction)
        ):
            return []
        if instruction.keyword != "RUN":
            continue
        commands = simple_list(instruction)
        if commands is None:
            return []
        for command in commands:
            words = _argv(command)
            sub = poetry_subcommand(command)
            if sub:
                if sub[0] in ("install", "sync"):
                    installs = True
                elif sub[0] == "config" and any(
                    w.startswith("virtualenvs.") and w != "virtualenvs.in-project" for w in words
                ):
                    return []
                elif sub[0] not in ("config", "--version", "self", "lock", "check", "show", "env", "export", "build"):
                    return []
                continue
            args = pip_program(command)
            if args is not None and "install" in args:
                packages = [a for a in args[args.index("install") + 1 :] if not a.startswith("-")]
                if all(PACKAGING_TOOLS.match(p) for p in packages) and not any(
                    a.startswith(("-r", "-e", "--req")) for a in args
                ):
                    continue
                return []
            if _may_install_programs(command, argv[0]) or _program(command) in (
                "apt-get",
                "apt",
                "apk",
                "conda",
                "pipx",
                "uv",
                "ln",
                "cp",
                "mv",
                "install",
            ):
                return []
    if not installs:
        return []
    return [
        Break(
            "venv-not-on-path",
            cmds[-1].start_line,
            f"CMD runs `{argv[0]}` by name, but `poetry install` put it into a virtual environment that is not on "
            'PATH, so the container cannot start ("executable file not found")',
            f"put the venv's bin folder on PATH, or run it with `poetry run {argv[0]}`",
            fixed_by="MIG001 and MIG003",  # an in-project venv at a fixed path, put on PATH in the runtime stage
        )
    ]


# --- rules that follow a stage from its base image ------------------------------


class StageScope:
    """What a stage has before each of its RUNs: files, Poetry, sudo, its shell."""

    def __init__(self, doc: Dockerfile, stage: Stage, project: ProjectContext | None = None):
        self.doc = doc
        self.stage = stage
        self.project = project
        self.stages = chain(doc, stage)
        self.image = base_image(doc, stage)
        self.family = plain_image(self.image)

        self.order = [i for s in self.stages for i in s.instructions]
        self.position = {i.index: n for n, i in enumerate(self.order)}
        self.states = self._states()

    def before(self, node_index: int) -> list[Instruction]:
        """Instructions of the chain that run before an instruction of this stage."""
        return self.order[: self.position[node_index]]

    def state(self, node_index: int) -> tuple[dict[str, str], str | None, str | None]:
        """ENV/ARG values, the working directory (None: unknown) and SHELL program before an instruction."""
        return self.states[self.position[node_index]]

    def _states(self) -> list[tuple[dict[str, str], str | None, str | None]]:
        global_defaults = {k: v for arg in self.doc.global_args for k, v in env_pairs(arg) if v}
        env: dict[str, str] = {}
        workdir: str | None = "/"
        shell: str | None = None
        states = []
        for instruction in self.order:
            states.append((dict(env), workdir, shell))
            if instruction.keyword == "ENV":
                for key, value in env_pairs(instruction):
                    env[key] = expand(value, env) or ""
            elif instruction.keyword == "ARG":
                for key, value in env_pairs(instruction):
                    env[key] = (expand(value, env) or "") if value else global_defaults.get(key, "")
            elif instruction.keyword == "WORKDIR" and instruction.words:
                target = expand(instruction.words[0], env)
                joined = posixpath.join(workdir, target) if target and workdir else None
                workdir = posixpath.normpath(joined) if joined else None
            elif instruction.keyword == "SHELL":
                args = instruction.json_args
                shell = args[0].rsplit("/", 1)[-1] if args else "unknown"
        return states

    def run_breaks(self, instruction: Instruction) -> list[Break]:
        if not RUN_RULE_WORDS.search(instruction.logical):
            return []  # most RUNs: none of the programs these rules are about
        commands = simple_list(instruction)
        if commands is None:
            return []
        env, workdir, shell = self.state(instruction.index)
        found: list[Break] = []
        if shell in (None, "sh", "dash"):
            found += self._bashisms(instruction, commands)
        found += self._sudo(instruction, commands)
        found += self._apt_without_lists(instruction, commands)
        found += self._archived_release(instruction, commands)
        found += self._poetry(instruction, commands, env, workdir)
        return found

    def _archived_release(self, instruction: Instruction, commands: list[SimpleCommand]) -> list[Break]:
        """`apt-get update` on a Debian release whose packages left deb.debian.org (TP-Taller-II:
        `python:3.7.7-stretch`): apt finds no Release file there and exits 100. Not when anything
        before may point apt elsewhere (sources.list, archive.debian.org, a copy into /etc)."""
        if self.family not in ("python", "debian"):
            return []
        tag = (self.image or "").lower().split("@", 1)[0].partition(":")[2]
        release = next((r for r in ARCHIVED_DEBIAN if re.search(rf"(^|-){r}(-|$)", tag)), None)
        if self.family == "debian" and release is None:
            release = ARCHIVED_DEBIAN_NUMBERS.get(tag.split(".")[0].split("-")[0])
        if release is None:
            return []
        earlier = [i for i in self.before(instruction.index) if i.keyword in ("RUN", "COPY", "ADD", "ONBUILD")]
        for k, command in enumerate(commands):
            argv = _argv(command)
            program = _program(command).rsplit("/", 1)[-1]
            if program not in ("apt-get", "apt") or "update" not in argv[1:]:
                continue
            text = " ".join(i.logical for i in earlier) + " " + " ".join(" ".join(_argv(c)) for c in commands[:k])
            if re.search(r"sources\.list|archive\.debian\.org|/etc/apt|\.sh\b", text) or any(
                i.keyword != "RUN" for i in earlier
            ):
                return []
            if not status_reaches_end(commands, k):
                return []
            return [
                Break(
                    "archived-release",
                    instruction.start_line,
                    f"{self.image} is Debian {release}, whose packages moved from deb.debian.org to archive.debian.org, "
                    f"so `{program} update` finds no Release file and fails",
                    "use a tag of a supported Debian release (bookworm, trixie), or point /etc/apt/sources.list "
                    "at archive.debian.org first",
                )
            ]
        return []

    # sudo, bash-isms

    def _earlier_commands(self, instruction: Instruction) -> list[SimpleCommand]:
        found: list[SimpleCommand] = []
        for earlier in self.before(instruction.index):
            if earlier.keyword == "RUN":
                found.extend(run_commands(earlier))
        return found

    def _sudo(self, instruction: Instruction, commands: list[SimpleCommand]) -> list[Break]:
        if self.family is None:
            return []
        for k, command in enumerate(commands):
            if _program(command) != "sudo":
                continue
            earlier = self._earlier_commands(instruction) + commands[:k]
            if any(_may_install_programs(c, "sudo") for c in earlier) or self._may_have_copied_programs(instruction):
                return []
            if not status_reaches_end(commands, k):
                return []
            return [
                Break(
                    "sudo",
                    instruction.start_line,
                    f'`sudo` is not installed in {self.image}, so this RUN fails with "sudo: not found"',
                    "drop `sudo`: RUN steps run as root unless a USER line says otherwise",
                )
            ]
        return []

    def _apt_without_lists(self, instruction: Instruction, commands: list[SimpleCommand]) -> list[Break]:
        """`apt-get install` of a package the image lacks, with no `apt-get update` before it.

        Official python, Debian and Ubuntu images ship without package lists: apt then knows
        only what is installed (`apt-get install tzdata` passes) and stops on anything else.
        Judged only for packages no such image has (NOT_PREINSTALLED; on slim and distribution
        images also the usual build tools), when nothing before may have fetched the lists
        (an `update` anywhere, a script, a cache mount on /var/lib/apt, a copy from elsewhere).
        """
        if self.family is None or self._apt_lists_possible(instruction, []):
            return []
        missing = NOT_PREINSTALLED
        tag = (self.image or "").lower().partition(":")[2]
        if self.family != "python" or "slim" in tag:
            missing = missing | NOT_IN_SLIM
        for k, command in enumerate(commands):
            if self._apt_lists_possible(instruction, commands[:k]):
                return []
            packages = _apt_install_packages(command)
            absent = [p for p in packages if p in missing]
            if not absent or not status_reaches_end(commands, k):
                continue
            program = _program(command).rsplit("/", 1)[-1]
            return [
                Break(
                    "apt-without-update",
                    instruction.start_line,
                    f"`{program} install {absent[0]}` runs with no `apt-get update` before it, and {self.image} ships "
                    f'no package lists, so apt stops with "Unable to locate package {absent[0]}"',
                    f"run `apt-get update && {program} install ...` in the same RUN",
                )
            ]
        return []

    def _apt_lists_possible(self, instruction: Instruction, same_run: list[SimpleCommand]) -> bool:
        """Whether the package lists may be there when the RUN's next command starts (yes when unsure)."""
        for before in [*self.before(instruction.index), instruction]:
            if before.keyword in ("ADD", "ONBUILD") or (
                before.keyword == "COPY" and (before.flag("from") or before.heredocs)
            ):
                return True
            if before.keyword == "RUN" and (before.heredocs or before.json_args is not None):
                return True
            if any("/var/lib/apt" in mount for mount in before.flag_values("mount")):
                return True
        for command in self._earlier_commands(instruction) + same_run:
            program = _program(command).rsplit("/", 1)[-1]
            argv = _argv(command)
            if any("update" in word for word in argv) or "add-apt-repository" in argv:
                return True
            if program in ("sh", "bash", "make", "source", ".", "eval", "exec", "xargs", "install_packages"):
                return True
            if program.endswith(".sh") or (_program(command).startswith(("./", "/")) and program not in APT_PROGRAMS):
                return True
        return False

    def _may_have_copied_programs(self, instruction: Instruction) -> bool:
        """Whether an instruction before the RUN may have put a program where it runs from.

        Copies from other stages and images, ADD, heredoc and exec-form RUNs, and copies
        from the context into a folder on PATH (or holding one) or the interpreter's.
        """
        program_dirs = set(STANDARD_PATH_DIRS) | {"/usr/local/lib", "/usr/lib"}
        for before in self.before(instruction.index):
            env = {"PATH": ":".join(STANDARD_PATH_DIRS)} | self.state(before.index)[0]
            if before.keyword == "ENV":
                for key, value in env_pairs(before):
                    if key == "PATH":
                        expanded = expand(value, env)
                        if expanded is None:
                            return True
                        program_dirs.update(d for d in expanded.split(":") if d.startswith("/"))
        for before in self.before(instruction.index):
            if before.keyword == "ONBUILD" or (
                before.keyword == "RUN" and (before.heredocs or before.json_args is not None)
            ):
                return True  # a trigger or a script that may put anything anywhere
            if before.keyword == "ADD" or (before.keyword == "COPY" and (before.flag("from") or before.heredocs)):
                return True
            if before.keyword != "COPY":
                continue
            _, workdir, _ = self.state(before.index)
            targets = _copy_targets(before, workdir)
            if targets is None:
                return True
            for _, dest, _ in targets:
                dest = posixpath.normpath(dest)
                if any(_under(d, dest) or _under(dest, d) for d in program_dirs):
                    return True
        return False

    def _bashisms(self, instruction: Instruction, commands: list[SimpleCommand]) -> list[Break]:
        if self.family is None:
            return []
        for k, command in enumerate(commands):
            program = _program(command)
            argv = _argv(command)
            if program in DASH_MISSING and status_reaches_end(commands, k):
                return [
                    Break(
                        "bashism",
                        instruction.start_line,
                        f"`{program}` does not exist in /bin/sh (dash in {self.image}), which runs this RUN, "
                        f'so it fails with "{program}: not found"',
                        f"{DASH_MISSING[program]}, {BASH_SHELL}",
                    )
                ]
            if program == "set" and any(
                re.fullmatch(r"-[A-Za-z]*o", a) and b == "pipefail" for a, b in zip(argv, argv[1:], strict=False)
            ):
                # `set` is a special builtin: its error ends the shell whatever follows.
                return [
                    Break(
                        "bashism",
                        instruction.start_line,
                        f"/bin/sh (dash in {self.image}) has no `set -o pipefail`, so this RUN fails with "
                        '"Illegal option -o pipefail"',
                        'put SHELL ["/bin/bash", "-o", "pipefail", "-c"] above it',
                    )
                ]
        return []

    # Poetry

    def _poetry(
        self, instruction: Instruction, commands: list[SimpleCommand], env: dict[str, str], workdir: str | None
    ) -> list[Break]:
        cwd = workdir
        for k, command in enumerate(commands):
            program = _program(command)
            if program == "cd":
                target = _argv(command)[-1] if len(_argv(command)) > 1 else None
                target = expand(target, env) if target and not target.startswith(("-", "~")) else None
                cwd = posixpath.normpath(posixpath.join(cwd, target)) if cwd and target else None
                continue
            if not _is_poetry(command):
                continue
            if not status_reaches_end(commands, k):
                continue
            if self.family is not None and not self._poetry_installed(instruction, commands[:k]):
                return [
                    Break(
                        "no-poetry",
                        instruction.start_line,
                        f"Poetry is never installed in this stage ({self.image} has none), so this RUN fails with "
                        '"poetry: not found"',
                        f'install it first: RUN pip install "poetry=={DEFAULT_POETRY_VERSION}"',
                    )
                ]
            sub = poetry_subcommand(command)
            if sub and sub[0] == "source" and sub[1][:1] == ["add"]:
                removed = self._removed_source_option(instruction, sub[1], commands[:k], env)
                if removed:
                    return removed
            if not sub or sub[0] not in ("install", "sync"):
                continue
            outside = self._python_outside(instruction, commands[:k], env)
            if outside:
                return outside
            # A break a transform fixes must not hide one it does not: both are listed.
            found = self._no_dev(instruction, command, commands[:k], env)
            where = _poetry_directory(sub[1], cwd, env)
            if where and self.family is not None and not self._pyproject_possible(instruction, commands[:k], where):
                return [
                    *found,
                    Break(
                        "no-pyproject",
                        instruction.start_line,
                        f"`poetry {sub[0]}` runs in {where}, where no pyproject.toml was copied (nor in a folder "
                        'above), so Poetry stops with "could not find a pyproject.toml file"',
                        f"copy pyproject.toml and poetry.lock into {where} before it",
                    ),
                ]
            if found:
                return found
        return []

    def _python_outside(
        self, instruction: Instruction, same_run: list[SimpleCommand], env: dict[str, str]
    ) -> list[Break]:
        """The image's Python is outside the project's `python` constraint, and no other Python can be found.

        Poetry checks the constraint before it reads `virtualenvs.create` and looks for another
        interpreter (python3.X on PATH); none found, it stops with "The currently activated Python
        version ... is not supported by the project". Judged only when everything is known: an
        official python image with X.Y in its tag, every project of the context excluding every
        patch release of X.Y, nothing before that may bring another Python or another project.
        """
        if self.project is None or self.project.root is None or not self.project.projects:
            return []
        if plain_image(self.image) != "python" or self.image is None:
            return []
        python, _ = image_python(self.image)
        if python is None or python == LATEST or len(python) < 2:
            return []
        others = _other_pythons(self.image)
        if others is None:
            return []
        constraints = []
        poetry_2_only = False
        for poetry_project in self.project.projects.values():
            ranges = _project_python(poetry_project.raw)
            if ranges is None:
                return []
            constraints.append(ranges[:2])
            poetry_2_only = poetry_2_only or ranges[2]
        if poetry_2_only:
            # Poetry 1 reads no [project] table: requires-python alone binds only Poetry 2.
            version, _ = self._poetry_version(instruction, same_run, env)
            if version is None or version < (2,):
                return []
        minor = (python[0], python[1])
        candidates = [minor, *others]
        if any(_allows_minor(ranges, candidate) for ranges, _ in constraints for candidate in candidates):
            return []
        if self._may_add_python_or_project(instruction, same_run):
            return []
        root = chain(self.doc, self.stage)[0].from_instruction
        shown = "; ".join(dict.fromkeys(text for _, text in constraints))
        suggestion = _allowed_minor([r for r, _ in constraints], minor)
        instead = "a Python it allows"
        if suggestion:
            # The same variant with the nearest allowed release: python:3.11-slim -> python:3.12-slim.
            variant = re.sub(r"^\d+\.\d+(\.\d+)?", "", self.image.split("@", 1)[0].rpartition(":")[2])
            instead = f"python:{suggestion[0]}.{suggestion[1]}{variant}"
        return [
            Break(
                "python-outside-constraint",
                instruction.start_line,
                f"{self.image} (line {root.start_line}) runs Python {python[0]}.{python[1]}, which pyproject.toml's "
                f"{shown} excludes, and the image has no other Python, so `poetry install` fails with "
                '"The currently activated Python version ... is not supported by the project"',
                f"use {instead} on line {root.start_line}, or widen the constraint",
            )
        ]

    def _may_add_python_or_project(self, instruction: Instruction, same_run: list[SimpleCommand]) -> bool:
        """Whether anything before may have added a Python, or a project other than the context's."""
        for before in self.before(instruction.index):
            if before.keyword in ("ADD", "ONBUILD") or (
                before.keyword == "COPY" and (before.flag("from") or before.heredocs)
            ):
                return True
            if before.keyword == "RUN" and (before.heredocs or before.json_args is not None):
                return True
        for command in self._earlier_commands(instruction) + same_run:
            program = _program(command).rsplit("/", 1)[-1]
            argv = _argv(command)
            if program in PYTHON_PROVIDERS or program.endswith(".sh") or _program(command).startswith("./"):
                return True
            if program in PACKAGE_MANAGERS and any("python" in w.lower() or "pypy" in w.lower() for w in argv):
                return True
            if program in ("sh", "bash") and not any(w == "-" or w.startswith("-") for w in argv[1:2]):
                return True  # a script file: may do anything
            if any("pyproject" in w.lower() for w in argv) or (program == "git" and "clone" in argv):
                return True
            sub = poetry_subcommand(command)
            if sub and sub[0] in ("env", "new", "init", "python"):
                return True
        return False

    def _poetry_installed(self, instruction: Instruction, same_run: list[SimpleCommand]) -> bool:
        """Whether anything before may have installed Poetry (conservative: yes when unsure)."""
        earlier = self._earlier_commands(instruction) + same_run
        if any(_may_install_programs(command, "poetry") for command in earlier):
            return True
        return self._may_have_copied_programs(instruction)

    def _no_dev(
        self, instruction: Instruction, command: SimpleCommand, same_run: list[SimpleCommand], env: dict[str, str]
    ) -> list[Break]:
        if "--no-dev" not in _argv(command):
            return []
        return self._removed_in_poetry_2(
            instruction,
            same_run,
            env,
            Break(
                "no-dev-poetry-2",
                instruction.start_line,
                "`--no-dev` fails: Poetry 2 removed it",
                "use `--only main`",
                fixed_by="MIG001",  # its nature: `--no-dev` -> `--without dev` / `--only main`
            ),
        )

    def _removed_source_option(
        self, instruction: Instruction, args: list[str], same_run: list[SimpleCommand], env: dict[str, str]
    ) -> list[Break]:
        """`poetry source add --default`/`--secondary` under Poetry 2, which removed both (no transform rewrites it)."""
        option = next((a for a in args if a in REMOVED_SOURCE_OPTIONS), None)
        if option is None:
            return []
        return self._removed_in_poetry_2(
            instruction,
            same_run,
            env,
            Break(
                "removed-poetry-option",
                instruction.start_line,
                f"`poetry source add {option}` fails: Poetry 2 removed {option}",
                f"use `{REMOVED_SOURCE_OPTIONS[option]}`, or pin Poetry 1.8.5",
            ),
        )

    def _removed_in_poetry_2(
        self, instruction: Instruction, same_run: list[SimpleCommand], env: dict[str, str], broken: Break
    ) -> list[Break]:
        """``broken`` (what Poetry 2 removed) when the Poetry installed before is 2 or later, saying how it gets there."""
        version, how = self._poetry_version(instruction, same_run, env)
        if version is None or version < (2,):
            return []
        return [replace(broken, reason=f"{broken.reason} and {how}")]

    def _poetry_version(
        self, instruction: Instruction, same_run: list[SimpleCommand], env: dict[str, str]
    ) -> tuple[tuple[int, ...] | None, str]:
        """The major Poetry version installed before a command, and how the file gets it."""
        result: tuple[tuple[int, ...] | None, str] = (None, "")
        python = python_version(self.image)
        latest = python is not None and python >= (3, 9)
        installer = False
        for command in self._earlier_commands(instruction) + same_run:
            piped_installer, installer = installer and command.operator == "|", False
            sub = poetry_subcommand(command)
            if sub and sub[0] == "self" and sub[1][:1] == ["update"]:
                wanted = [a for a in sub[1][1:] if not a.startswith("-")]
                version = _version(expand(wanted[0], env)) if wanted else ((2,) if latest else None)
                result = (version, "`poetry self update` installs Poetry 2" if version else "")
                continue
            args = pip_program(command)
            if args is None and _argv(command)[:2] == ["pipx", "install"]:
                args = _argv(command)[1:]
            if args is not None and "install" in args:
                for word in args:
                    match = POETRY_REQUIREMENT_RE.match(word)
                    if not match:
                        continue
                    spec = (match["spec"] or "").strip()
                    if not spec or re.fullmatch(r">=?\s*[\d.]+", spec):
                        result = ((2,) if latest else None, f"the unpinned `{word}` installs Poetry 2 today")
                    elif spec.startswith("=="):
                        pinned = expand(spec[2:].strip(), env)
                        version = _version(pinned)
                        result = (version, f"Poetry {pinned} is installed") if version else (None, "")
                    else:
                        result = (None, "")
            elif "install.python-poetry.org" in " ".join(_argv(command)):
                result = ((2,) if latest else None, "the unpinned official installer installs Poetry 2 today")
                installer = True
            elif piped_installer and re.fullmatch(r"python[0-9.]*", _program(command).rsplit("/", 1)[-1]):
                pinned = _installer_pin(command, env)
                if pinned:
                    result = (_version(pinned), f"the official installer installs Poetry {pinned}")
        return result

    def _pyproject_possible(self, instruction: Instruction, same_run: list[SimpleCommand], folder: str) -> bool:
        """Whether a pyproject.toml may be in ``folder`` or above when the RUN starts its Poetry."""
        for command in self._earlier_commands(instruction) + same_run:
            sub = poetry_subcommand(command)
            if _may_install_programs(command, "pyproject") or (sub and sub[0] in ("new", "init")):
                return True
        for mount in instruction.flag_values("mount"):
            options = _mount_options(mount)
            kind = options.get("type", "bind")
            if kind in ("cache", "tmpfs", "ssh"):
                continue
            target = options.get("target") or options.get("dst") or options.get("destination")
            if not target:
                return True
            _, workdir, _ = self.state(instruction.index)
            if workdir is None:
                return True
            target = posixpath.normpath(posixpath.join(workdir, target))
            source = options.get("source") or options.get("src") or "."
            holds = "tree" if options.get("from") or kind != "bind" else _could_hold_pyproject(source)
            if _pyproject_possible_at(folder, target, False, holds):
                return True
        for before in self.before(instruction.index):
            if before.keyword == "ONBUILD" or (
                before.keyword == "RUN" and (before.heredocs or before.json_args is not None)
            ):
                return True  # a trigger or a script that may put anything anywhere
            if before.keyword not in ("COPY", "ADD"):
                continue
            if before.heredocs or before.flag("from") or before.flag("parents"):
                return True
            _, workdir, _ = self.state(before.index)
            targets = _copy_targets(before, workdir)
            if targets is None:
                return True
            for source, dest, many in targets:
                if "$" in source or _pyproject_possible_at(folder, dest, many, _could_hold_pyproject(source)):
                    return True
        return False


APT_PROGRAMS = frozenset({"apt-get", "apt"})
# Packages no official python, Debian or Ubuntu image holds (buildpack-deps, under the full
# python images, installs compilers, -dev libraries, curl, wget, git and imagemagick, but
# none of these): `apt-get install` of one needs the package lists.
NOT_PREINSTALLED = frozenset(
    {"ffmpeg", "tesseract-ocr", "chromium", "chromium-driver", "firefox-esr", "libreoffice", "nodejs", "npm"}
    | {"postgresql", "postgresql-client", "redis-server", "redis-tools", "nginx", "supervisor", "cron", "vim"}
    | {"nano", "htop", "poppler-utils", "default-jre", "default-jdk", "jq", "gosu", "tini", "pandoc"}
    | {"wkhtmltopdf", "build-essential", "portaudio19-dev", "sqlite3"}
)
# ... and build tools the slim python images and plain debian/ubuntu ones lack too.
NOT_IN_SLIM = frozenset(
    {"gcc", "g++", "make", "git", "curl", "wget", "libpq-dev", "pkg-config", "unzip", "libffi-dev", "libssl-dev"}
)
APT_VALUE_OPTIONS = frozenset({"-o", "-t", "-c", "--option", "--target-release", "--config-file"})
# `poetry source add` options Poetry 2.0 removed (its source/add.py has only --priority), and their replacements.
REMOVED_SOURCE_OPTIONS = {"--default": "--priority=primary", "--secondary": "--priority=supplemental"}
# Programs that may bring another Python (or run a script that does); package managers
# bring one when a word names it (apt-get install python3.12).
PYTHON_PROVIDERS = frozenset(
    {"pyenv", "uv", "uvx", "conda", "mamba", "micromamba", "asdf", "rye", "pixi", "mise", "pdm", "hatch", "nix"}
    | {"spack", "make", "tar", "unzip", "source", ".", "eval", "exec", "xargs", "cp", "mv", "ln", "rsync"}
)
PACKAGE_MANAGERS = frozenset({"apt", "apt-get", "aptitude", "apk", "yum", "dnf", "microdnf", "add-apt-repository"})
# The python3 of each Debian release a full (non-slim) python image is built on: buildpack-deps
# installs mercurial, which brings it, and Poetry may pick it (python3.X on PATH).
DEBIAN_PYTHON = {"jessie": (3, 4), "stretch": (3, 5), "buster": (3, 7), "bullseye": (3, 9), "bookworm": (3, 11)}
DEBIAN_PYTHON["trixie"] = (3, 13)
PYTHON_PIN_RE = lazy_compile(r"^(===|==|!=|~=|<=|>=|<|>|\^|~)?\s*(\d+(?:\.\d+){0,2})(\.\*)?$")


def _other_pythons(image: str) -> list[tuple[int, int]] | None:
    """Other Pythons a python image may hold (Debian's python3 in the full ones); None when unsure."""
    tag = image.lower().split("@", 1)[0].rpartition(":")[2]
    if any(word in tag for word in ("windows", "nanoserver", "alpine")):
        return None
    if "slim" in tag:
        return []
    releases = [release for release in DEBIAN_PYTHON if release in tag]
    if releases:
        return [DEBIAN_PYTHON[releases[0]]]
    return list(DEBIAN_PYTHON.values())  # the tag names no release: any of them


Bound = tuple[tuple[int, ...], bool]  # a version and whether it is included
Range = tuple[Bound | None, Bound | None]  # lower, upper (None: unbounded)


def _project_python(data: dict[str, Any]) -> tuple[list[Range], str, bool] | None:
    """The Python versions a pyproject.toml allows, as ranges, and how it says so; None when unsure.

    Poetry 1 reads `[tool.poetry.dependencies] python`, Poetry 2 also `[project] requires-python`:
    with both, a version must be outside both to be sure; with requires-python alone, only
    Poetry 2 is bound (the last item says so).
    """
    tool = ((data.get("tool") or {}).get("poetry") or {}) if isinstance(data.get("tool"), dict) else {}
    poetry_python = (tool.get("dependencies") or {}).get("python") if isinstance(tool, dict) else None
    requires = (data.get("project") or {}).get("requires-python") if isinstance(data.get("project"), dict) else None
    found: list[tuple[list[Range], str]] = []
    for value, shown in ((poetry_python, "python = {!r}"), (requires, "requires-python = {!r}")):
        if value is None:
            continue
        ranges = parse_python_constraint(value) if isinstance(value, str) else None
        if ranges is None:
            return None
        found.append((ranges, shown.format(value).replace("'", '"')))
    if not found:
        return None
    ranges = [r for ranges, _ in found for r in ranges]
    return ranges, " and ".join(text for _, text in found), poetry_python is None


def parse_python_constraint(text: str) -> list[Range] | None:
    """A Poetry (or PEP 440) constraint as ranges whose union it allows; None when unsure.

    ``^3.8``, ``~3.8``, ``~=3.8``, ``>=3.8,<4``, ``>=3.8 <4``, ``3.8.*``, ``==3.8``, ``*`` and
    ``||`` between them. A ``!=`` only narrows, so it is left out (the ranges then allow more:
    never a false alarm); anything else (pre-releases, ``===``) makes the whole unknown.
    """
    ranges: list[Range] = []
    for alternative in re.split(r"\s*\|\|?\s*", text.strip()):
        lower: Bound | None = None
        upper: Bound | None = None
        clauses = re.sub(r"(===|==|!=|~=|<=|>=|<|>|\^|~)\s+", r"\1", alternative.strip())
        for clause in (c for c in re.split(r"[,\s]+", clauses) if c):
            if clause in ("*", "x", "X"):
                continue
            match = PYTHON_PIN_RE.match(clause)
            if match is None:
                return None
            op, number, star = match.groups()
            version = tuple(int(p) for p in number.split("."))
            if op == "!=":
                continue
            if op == "===" or (star and op not in (None, "==")):
                return None
            new: list[tuple[str, Bound]] = []
            if star or op in ("^", "~", "~="):
                if op == "^":
                    first = next((i for i, p in enumerate(version) if p != 0), len(version) - 1)
                    top = version[:first] + (version[first] + 1,)
                elif op == "~=":
                    if len(version) < 2:
                        return None
                    top = version[:-2] + (version[-2] + 1,)
                elif op == "~":
                    top = (version[0] + 1,) if len(version) == 1 else (version[0], version[1] + 1)
                else:  # X.Y.*
                    top = version[:-1] + (version[-1] + 1,)
                new = [(">", (version, True)), ("<", (top, False))]
            elif op in (None, "=="):
                new = [(">", (version, True)), ("<", (version, True))]
            elif op in (">=", ">"):
                new = [(">", (version, op == ">="))]
            else:
                new = [("<", (version, op == "<="))]
            for side, bound in new:
                if side == ">":
                    lower = bound if lower is None or _pad(bound[0]) > _pad(lower[0]) else lower
                else:
                    upper = bound if upper is None or _pad(bound[0]) < _pad(upper[0]) else upper
        ranges.append((lower, upper))
    return ranges


def _pad(version: tuple[int, ...]) -> tuple[int, ...]:
    return (version + (0, 0, 0))[:3]


def _allows_minor(ranges: list[Range], minor: tuple[int, int]) -> bool:
    """Whether some patch release of Python X.Y may be inside the ranges (versions taken as dense)."""
    low, high = _pad(minor), _pad((minor[0], minor[1] + 1))
    for lower, upper in ranges:
        start, start_in = (low, True) if lower is None or _pad(lower[0]) < low else (_pad(lower[0]), lower[1])
        if upper is None or _pad(upper[0]) > high:
            end, end_in = high, False
        else:
            end, end_in = _pad(upper[0]), upper[1] and _pad(upper[0]) < high
        if start < end or (start == end and start_in and end_in):
            return True
    return False


def _allowed_minor(constraints: list[list[Range]], current: tuple[int, int]) -> tuple[int, int] | None:
    """The Python 3 release nearest above the image's that every constraint allows, for the message."""
    for minor in range(current[1] + 1, 15):
        if all(_allows_minor(ranges, (3, minor)) for ranges in constraints):
            return (3, minor)
    return None


STANDARD_PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def _apt_install_packages(command: SimpleCommand) -> list[str]:
    """The package names an `apt-get install`/`apt install` asks for (literal ones only)."""
    if _program(command).rsplit("/", 1)[-1] not in APT_PROGRAMS:
        return []
    words: list[str] = []
    skip = False
    for word in _argv(command)[(_program_index(command) or 0) + 1 :]:
        if skip:
            skip = False
        elif word in APT_VALUE_OPTIONS:
            skip = True
        elif not word.startswith("-"):
            words.append(word)
    if words[:1] != ["install"]:
        return []  # another subcommand (`apt-get update`, `apt-get remove`)
    return [w.split("=", 1)[0] for w in words[1:] if re.fullmatch(r"[a-z0-9][a-z0-9.+-]*(=\S+)?", w)]


def _version(text: str | None) -> tuple[int, ...] | None:
    match = re.match(r"^(\d+)(?:\.(\d+))?", text or "")
    return tuple(int(g) for g in match.groups() if g is not None) if match else None


def _installer_pin(command: SimpleCommand, env: dict[str, str]) -> str | None:
    argv = _argv(command)
    for i, word in enumerate(argv):
        if word == "--version" and i + 1 < len(argv):
            return expand(argv[i + 1], env)
        if word.startswith("--version="):
            return expand(word.split("=", 1)[1], env)
        if word.startswith("POETRY_VERSION="):
            return expand(word.split("=", 1)[1], env)
    return env.get("POETRY_VERSION") or None


def _may_install_programs(command: SimpleCommand, name: str) -> bool:
    """A command that may have installed the program ``name`` (or fetched a project):
    one naming it (`pip install poetry`, `apt-get install sudo`), a script, a download."""
    program = _program(command).rsplit("/", 1)[-1]
    argv = _argv(command)
    if program == name or (name == "poetry" and _is_poetry(command)):
        return False
    if any(name in word.lower() for word in argv):
        return True
    if program in FETCHERS or program in ("sh", "bash", "make", "source", ".", "eval", "exec", "env", "xargs"):
        return True
    if program.endswith(".sh") or _program(command).startswith(("./", "/")):
        return True
    args = pip_program(command)
    if args is not None or program in ("pipx", "uv", "conda", "mamba", "micromamba"):
        return any(a.startswith(("-r", "--requirement")) or a in (".", "-e") or "/" in a for a in argv)
    return False


def _poetry_directory(args: list[str], cwd: str | None, env: dict[str, str]) -> str | None:
    """The folder Poetry looks for pyproject.toml from (-C/--directory/-P/--project), None when unknown."""
    if cwd is None:
        return None
    for i, word in enumerate(args):
        for option in ("-C", "--directory", "-P", "--project"):
            value = None
            if word == option and i + 1 < len(args):
                value = args[i + 1]
            elif word.startswith(option + "="):
                value = word.split("=", 1)[1]
            if value is not None:
                value = expand(value, env)
                return posixpath.normpath(posixpath.join(cwd, value)) if value else None
    return cwd


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _file_like(source: str) -> bool:
    base = source.rstrip("/").rsplit("/", 1)[-1]
    if source.endswith("/") or base in ("", ".", ".."):
        return False
    ext = base.rsplit(".", 1)[-1].lower() if "." in base[1:] else ""
    return ext in FILE_EXTENSIONS


def _could_hold_pyproject(source: str) -> str:
    """ "file" when the source may be pyproject.toml itself, "tree" when it may hold one, "" when neither."""
    base = source.rstrip("/").rsplit("/", 1)[-1]
    if ARCHIVE_RE.search(base.lower()) or "://" in source or source.startswith("git@"):
        return "tree"
    if re.search(r"[*?\[]", base):
        if fnmatch.fnmatchcase("pyproject.toml", base):
            return "file"
        return "" if _file_like(base) else "tree"
    if base == "pyproject.toml":
        return "file"
    return "" if _file_like(source) else "tree"


def _pyproject_possible_at(folder: str, dest: str, many: bool, kind: str) -> bool:
    """Whether a copy of one source to ``dest`` may leave a pyproject.toml in ``folder`` or above."""
    if kind == "file":
        # A file copied into a folder (dest ends in / or several sources), or to a path.
        target_dir = dest if (many or dest.endswith("/")) else posixpath.dirname(dest)
        if not many and not dest.endswith("/") and posixpath.basename(dest) != "pyproject.toml":
            target_dir = dest  # `COPY pyproject.toml /app` with /app an existing folder
        return _under(folder, posixpath.normpath(target_dir))
    if kind == "tree":
        return _under(folder, posixpath.normpath(dest))
    return False


def _copy_targets(instruction: Instruction, workdir: str | None) -> list[tuple[str, str, bool]] | None:
    """(source, absolute destination, several sources) of a COPY/ADD; None when unknown."""
    args = instruction.json_args if instruction.json_args is not None else instruction.words
    if len(args) < 2 or workdir is None:
        return None
    *sources, dest = args
    if "$" in dest:
        return None
    absolute = dest if dest.startswith("/") else posixpath.join(workdir, dest)
    if dest.endswith("/") or dest in (".", "./"):
        absolute = absolute.rstrip("/") + "/"
    return [(source, absolute, len(sources) > 1) for source in sources]


def python_excluded(data: dict[str, Any], minor: tuple[int, int]) -> tuple[str, tuple[int, int] | None] | None:
    """(how pyproject.toml says it, the nearest allowed X.Y above) when its Python constraint excludes
    every patch release of `minor`; None when it allows one, or when unsure (for MIG001's warning)."""
    found = _project_python(data)
    if found is None or _allows_minor(found[0], minor):
        return None
    return found[1], _allowed_minor([found[0]], minor)
