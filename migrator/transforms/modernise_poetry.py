"""MIG001 modernise-poetry: one pinned, pip-installed Poetry with an in-project venv.

What it does
    On every stage that uses Poetry: installs Poetry with
    `pip install "poetry==$POETRY_VERSION"` instead of the curl installer,
    get-poetry.py, pipx or an unpinned/ranged pip install; puts one
    `ENV POETRY_VERSION / POETRY_NO_INTERACTION / POETRY_VIRTUALENVS_IN_PROJECT`
    block (only the missing keys) before that install; rewrites options Poetry
    removed (`--no-dev`, `install --sync`, `lock --no-update`); replaces
    `virtualenvs.create false` with the in-project venv; replaces
    `poetry export` + `pip install -r` with `poetry install --no-root`.

Why
    An unpinned Poetry changes under the build (Poetry 2 removed `--no-dev` and
    moved `export` to a plugin); the curl installer is a second, unpinned download;
    `virtualenvs.create false` installs into the interpreter Poetry itself runs in,
    and a venv at a fixed path is what a runtime stage can copy.

Example
    RUN pip install poetry
    RUN poetry config virtualenvs.create false && poetry install --no-dev

Use instead
    ENV POETRY_VERSION=2.2.1 \\
        POETRY_NO_INTERACTION=1 \\
        POETRY_VIRTUALENVS_IN_PROJECT=true
    RUN pip install "poetry==$POETRY_VERSION"
    RUN poetry install --only main --compile

Notes (defects found on real projects)
    - A pin the base image's Python can run: Poetry 2.0-2.2 needs Python >= 3.9, 2.3+
      >= 3.10, 1.6-1.8 >= 3.8, 1.2-1.5 >= 3.7 (migrator/poetry_releases.py has the table
      and its source). The Python is read from the FROM tag (`python:3.8`,
      `...:python3.8`, ARG defaults, a `python3.X` that runs the installer, Ubuntu and
      Debian's python3); the pin is the newest release that Python runs, said in a note.
      When the tag says nothing, an unpinned install is left as it is, with a warning.
    - Options only the pinned Poetry knows: `--only main` needs 1.2 (1.1 keeps
      `--no-dev`), `--compile` 1.4, `poetry sync` 2.0.
    - A maintainer's pin stays: `poetry==1.1.13` and `POETRY_VERSION=1.1.13` are kept, a
      range (`poetry<2`, `~=1.7.0`) gets its newest release, and get-poetry.py or
      install-poetry.py (which only ever installed 1.x) stay on 1.x; only
      `--poetry-version` moves across a major version. The exception is a pin pip can no
      longer install in working order: 1.1.0-1.1.4 require poetry-core with no upper bound,
      pip pairs them with poetry-core 1.9 today and `poetry` dies at start (a real file
      pinned 1.1.3), so they move to 1.1.15, the last of their line, and the change says why.
    - `--no-dev` -> `--only main` is exact: Poetry 1.2 and later read it that way
      (`--without dev` would add other non-optional groups).
    - `--compile` on each dependency install where the pinned Poetry knows it: Poetry 1.4+
      installs without compiling bytecode (pip, which Poetry 1.1-1.3 used, compiled), so
      without it every new container compiles its packages on first import.
    - A system install moves into a venv only when the venv holds what the code imports:
      an import of the project's own code (migrator/python_imports.py reads them) that
      poetry.lock does not provide and that the system Python gives today (the base
      image's setuptools for pkg_resources, or Poetry's own dependencies such as requests
      when Poetry was pip-installed beside the app) keeps `virtualenvs.create false`, with
      one line naming the import, its file and line, and `poetry add` to declare it.
      What the lock's own packages import cannot be read here (their code is not in
      the build context).
    - Beside a kept system install Poetry goes into a venv of its own,
      $POETRY_HOME/venv (python -m venv + pip, as Poetry's docs recommend), after the
      system Python on PATH, so installing the app cannot change Poetry's dependencies; the
      config becomes ENV POETRY_VIRTUALENVS_CREATE=false, which a second install sees
      without repeating it. Not when the code imports Poetry's own dependencies: they must
      stay where the app finds them.
    - Installer swaps leave nothing behind: get-poetry.py and install-poetry.py (their
      downloads are gone since 2023) are replaced, with the PATH entries, `source
      $HOME/.poetry/env` and `ln -s .../bin/poetry` that served them; the official
      installer and pipx stay, pinned, when a later line (or a base stage's PATH) uses
      where they put Poetry. An externally managed Python (PEP 668: Ubuntu 23.04+, Debian
      12+) never gets Poetry pip-installed into it: a venv of its own instead.
    - Messages agree with what was done: no POETRY_VIRTUALENVS_IN_PROJECT where no venv is
      made, each ENV key's note says what it is for, every kept or left-alone line says why.
    - The installer's paths count in the rest of its own RUN too (`curl ... | python3 - &&
      /root/.local/bin/poetry config ...`, seen on a real devcontainer whose build pip
      would break): the installer stays, pinned by its own `--version` (no POETRY_VERSION
      beside it). A legacy installer's `ln -s .../bin/poetry` in its own RUN goes with it,
      and an `ENV POETRY_HOME` that only told the replaced installer where to go is removed.
    - No POETRY_VIRTUALENVS_IN_PROJECT (nor its warning) in an image where neither the stage
      nor one built from it runs `poetry install`/`sync`: in a dev shell it would only move
      the developer's own venv into their mounted checkout.
    - An export's output is matched through WORKDIR (`--output requirements.txt`, then
      `pip install -r /code/requirements.txt`); `pip install --target/--prefix/--root/--user`
      keeps the export, saying so (poetry install cannot put packages there); "Poetry 2 needs
      a plugin" only where Poetry 2 is pinned.
    - A dev container keeps its system install (`virtualenvs.create false`): its editor,
      postCreateCommand and the developer's own `poetry install` in the mounted workspace use
      the system Python (seen on a real devcontainer image, where the venv moved packages away
      from the tools and put a `.venv` into the host checkout). migrator/devcontainer.py
      tells, as MIG005 does for the user.
    - `poetry update`, `add` or `remove` in the stage keep `virtualenvs.create false`: they
      install too, and only around install/sync does this transform set up the venv (a real
      Django image's `RUN poetry update` went into a venv under /root/.cache that its start
      script's system Python never saw).
    - An image whose Python is outside pyproject's constraint keeps `virtualenvs.create false`:
      Poetry installs into that system Python without a word but refuses to make a venv of it.
      `POETRY_VIRTUALENVS_CREATE` is read as Poetry reads it: anything but true/1 is false, so
      the legacy `ENV POETRY_VIRTUALENVS_CREATE = false` (value "= false") counts (module24).
    - A Poetry 2 venv keeps the setuptools the original's environment had: Poetry 2 never seeds
      its venvs with it (python-poetry/poetry#9331 removed `virtualenvs.options.no-setuptools`),
      while Poetry 1 did on Python < 3.12 and the official images' system Python has it there.
      Seen on a real bot whose dependency (nextcord) does `from pkg_resources import ...`
      undeclared: it died at start. Where the original installed into the system Python, or
      its Poetry (its pin, else the Poetry that wrote poetry.lock) was 1.x, on an official
      python image below 3.12 and with no setuptools in the lock, `RUN python -m venv <venv>`
      before the install gives the in-project venv the setuptools Python ships (ensurepip);
      Poetry installs into the venv it finds. Where one RUN installs Poetry and then the
      project (`pip3 install poetry && poetry install`), the venv is made inside that RUN,
      after Poetry: made before it, the venv is first on PATH and pip would put Poetry into
      the app's venv (a real build then broke: the lock downgraded Poetry's own
      dependencies). A venv outside the project gets a warning instead.
    - A python image outside the project's Python constraint is named in one warning (the FROM,
      its Python, the constraint, the nearest allowed tag): on a full image preflight cannot
      refuse it (Debian's python3, which buildpack-deps brings with mercurial, may satisfy
      it, and Poetry 1.5+ and 2 look for a python3.X that does), so the build may work, with the
      venv on that other Python, or, with `virtualenvs.create false`, the packages installed
      into the excluded Python anyway (Poetry 1.5.1 EnvManager.create_venv). Seen on two real
      files (`python:3.7` with `^3.8`, `python:3.9` with `^3.11`) migrated without a word.
    - A `cd DIR` that only served a removed legacy `ln -s .../bin/poetry` goes with it, when
      nothing after it in the RUN (up to the next `cd`) depends on the folder (a real
      `cd /usr/local/bin && ln -s /opt/poetry/bin/poetry && poetry config ...` kept the `cd`).
    - "create false kept" names what a later stage copies from this one, rather than guessing
      it is the system site-packages (a real `COPY --from=builder /app /app`).
    - No pull request for POETRY_NO_INTERACTION alone: when adding it is this transform's only
      change, nothing is changed and a warning says why (`docker build` gives Poetry no terminal,
      so it never prompts there; a real devcontainer got a one-line PR of just this).
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Sequence

from migrator import poetry_releases as releases
from migrator import preflight, python_imports
from migrator.analysis import (
    CommandAt,
    commands_in,
    env_pairs,
    expanded_base_image,
    image_repository,
    pip_program,
    poetry_subcommand,
    workdir_at,
)
from migrator.devcontainer import devcontainer_use
from migrator.entrypoints import login_shell
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, insert_before, replace, split_words
from migrator.patterns import lazy_compile
from migrator.project import ProjectContext
from migrator.record import dataclass
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import Note, Outcome, Safety, Settings, Transform
from migrator.transforms.copy_order import copied_project_dir

POETRY_REQUIREMENT_RE = releases.POETRY_REQUIREMENT_RE
EXACT_PIN_RE = lazy_compile(r"^==\s*(?P<version>\d+(\.\d+)*([a-z]+\d*)?)$")
FED_BY_VARIABLE_RE = lazy_compile(r"^==\s*\$\{?POETRY_VERSION\}?$")
# Where the curl installer, get-poetry.py and pipx put Poetry: a later use of these
# paths would break once Poetry is pip-installed into /usr/local instead.
INSTALLER_PATH_MARKERS = (".poetry/", "/.local/share/pypoetry", "/.local/pipx", "$POETRY_HOME", "${POETRY_HOME}")
BIN_POETRY_RE = lazy_compile(r"(^|/)bin/poetry$")
INSTALLER_URL_MARKERS = ("install.python-poetry.org", "get-poetry.py", "install-poetry.py")
LEGACY_INSTALLERS = ("get-poetry.py", "install-poetry.py")
# Poetry's own venv, laid out as its official installer does ($POETRY_HOME/venv): Poetry
# before 1.8 recognises it as its own only under POETRY_HOME (EnvManager.get_system_env),
# and its bin folder, with python and pip in it, never shadows the system ones.
POETRY_HOME = "/opt/poetry"
POETRY_VENV = f"{POETRY_HOME}/venv"
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def _poetry_reads_false(value: str) -> bool:
    """How Poetry reads a boolean setting from the environment: anything but "true" or "1" is
    false (its config's boolean_normalizer), so the legacy `ENV POETRY_VIRTUALENVS_CREATE = false`,
    whose value is "= false", turns venvs off too (module24). A variable is not read."""
    return "$" not in value and value.strip().lower() not in ("true", "1")


SYSTEM_PROGRAM_RE = lazy_compile(r"/usr/(local/)?bin/(?!poetry\b)")
EXPLICIT_VENV_KEYS = ("VIRTUAL_ENV", "POETRY_VIRTUALENVS_PATH")
# What may run after the dependency install without needing the packages in the
# system interpreter; anything else (python, a console script) would lose them once
# Poetry installs into a venv that is not yet on PATH.
VENV_NEUTRAL_PROGRAMS = frozenset(
    {
        "poetry",
        "apt-get",
        "apt",
        "apk",
        "rm",
        "mkdir",
        "chown",
        "chmod",
        "groupadd",
        "useradd",
        "addgroup",
        "adduser",
        "ln",
        "cp",
        "mv",
        "echo",
        "true",
        "touch",
        "find",
        "ls",
        "cat",
        "curl",
        "wget",
        "tar",
        "sed",
        "cd",
        "npm",
        "yarn",
        "node",
        "git",
        "printf",
        "test",
        "[",
    }
)
EXPORT_DROPPED_OPTIONS = frozenset({"--without-hashes", "--without-urls", "--with-credentials"})
EXPORT_DROPPED_WITH_VALUE = frozenset({"-f", "--format", "-o", "--output"})
EXPORT_KEPT_WITH_VALUE = frozenset({"--with", "--without", "--only", "-E", "--extras"})


@dataclass(frozen=True)
class Installer:
    """The commands that install Poetry, and how."""

    kind: str  # "pip" | "pipx" | "curl"
    commands: tuple[CommandAt, ...]  # one, or the `curl ... | python -` pair
    pin: str | None  # an exact version the input already chose
    fed: bool  # already `pip install "poetry==$POETRY_VERSION"`
    spec: str = ""  # a range the input gave (`poetry<2`, `poetry~=1.8`)
    legacy_installer: bool = False  # get-poetry.py / install-poetry.py: Poetry 1.x only

    @property
    def instruction(self) -> Instruction:
        return self.commands[0].instruction


class EditCollector:
    """Splices, command removals and insertions, merged into one Edit per node."""

    def __init__(self) -> None:
        self.splices: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
        self.removed: dict[int, set[int]] = defaultdict(set)
        self.instructions: dict[int, Instruction] = {}
        self.deleted: set[int] = set()
        self.inserted: dict[int, list[str]] = defaultdict(list)

    def splice(self, instruction: Instruction, start: int, end: int, text: str) -> None:
        self.instructions[instruction.index] = instruction
        self.splices[instruction.index].append((start, end, text))

    def remove_command(self, at: CommandAt) -> None:
        self.instructions[at.instruction.index] = at.instruction
        self.removed[at.instruction.index].add(at.position)

    def delete(self, instruction: Instruction) -> None:
        self.instructions[instruction.index] = instruction
        self.deleted.add(instruction.index)

    def insert_before(self, node_index: int, text: str) -> None:
        self.inserted[node_index].append(text)

    def touched(self, instruction: Instruction) -> bool:
        return instruction.index in self.instructions

    def edits(self) -> list[Edit]:
        edits = [insert_before(index, "".join(texts)) for index, texts in self.inserted.items()]
        for index, instruction in self.instructions.items():
            if index in self.deleted:
                edits.append(delete(instruction))
                continue
            spans = list(self.splices.get(index, []))
            gone = self.removed.get(index, set())
            kept_comments = ""
            if gone:
                commands = run_commands(instruction)
                every = len(gone) == len(commands)
                removals = [(commands[0].start, commands[-1].end, "")] if every else _removal_spans(commands, gone)
                # A comment inside a removed command's lines still says something: keep it above the RUN.
                kept_comments = "".join(
                    f"{c}\n" for start, end, _ in removals for c in _comments_in(instruction, start, end)
                )
                if every:
                    edits.append(replace(instruction, kept_comments) if kept_comments else delete(instruction))
                    continue
                spans = [s for s in spans if not _inside_removed(s, commands, gone)] + removals
            edits.append(replace(instruction, kept_comments + instruction.splice_many(_merge(spans))))
        return edits


def _comments_in(instruction: Instruction, start: int, end: int) -> list[str]:
    raw_start, raw_end = instruction.raw_span(start, end)
    lines = instruction.raw[raw_start:raw_end].split("\n")[1:]  # the first piece is the command itself
    return [line.strip() for line in lines if line.strip().startswith("#")]


def _inside_removed(span: tuple[int, int, str], commands: list[SimpleCommand], gone: set[int]) -> bool:
    return any(commands[k].start <= span[0] and span[1] <= commands[k].end for k in gone)


def _removal_spans(commands: list[SimpleCommand], gone: set[int]) -> list[tuple[int, int, str]]:
    """As shell.remove_commands: a removed command goes with the operator tying it in."""
    keep = [k for k in range(len(commands)) if k not in gone]
    spans = []
    for k in sorted(gone):
        if any(j < k for j in keep):
            spans.append((commands[k - 1].end, commands[k].end, ""))
        else:
            spans.append((commands[k].start, commands[k + 1].start, ""))
    return spans


def _compiles(words) -> bool:
    return any(w.text == "--compile" for w in words)


def _by_name(command) -> bool:
    """Whether a command names its program bare (looked up on PATH), not by a path."""
    for word in command.argv:
        if "=" in word and not word.startswith("-") and word.split("=", 1)[0].isidentifier():
            continue  # VAR=value before the program
        return "/" not in word
    return False


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, text in sorted(spans):
        if merged and start < merged[-1][1]:
            # A removal swallows a splice inside it.
            last = merged[-1]
            merged[-1] = (last[0], max(end, last[1]), last[2] if last[1] >= end else "")
        else:
            merged.append((start, end, text))
    return merged


def parse_version(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def keyword_case(instruction: Instruction, keyword: str) -> str:
    written = instruction.logical.lstrip().split(None, 1)[0]
    return keyword.lower() if written.islower() else keyword


# --- what the stage does ------------------------------------------------------


def parent_stages(doc: Dockerfile, stage: Stage) -> list[Stage]:
    """The earlier stages this one is built FROM (`FROM build AS test`), nearest first."""
    parents: list[Stage] = []
    current = stage
    while True:
        base = current.base_image.lower()
        found = next(
            (s for s in doc.stages[: current.number] if (s.name or "").lower() == base or str(s.number) == base),
            None,
        )
        if found is None or found in parents:
            return parents
        parents.append(found)
        current = found


def stage_env(doc: Dockerfile, stage: Stage, before: int | None = None) -> dict[str, str]:
    """ENV and ARG values in effect (inherited from parent stages too), before a node."""
    global_defaults = dict(pair for arg in doc.global_args for pair in env_pairs(arg))
    values: dict[str, str] = {}
    for source in reversed([stage, *parent_stages(doc, stage)]):
        for instruction in source.instructions:
            if source is stage and before is not None and instruction.index >= before:
                break
            if instruction.keyword == "ENV":
                values.update(env_pairs(instruction))
            elif instruction.keyword == "ARG":
                # A stage's bare `ARG X` takes the default of a global `ARG X=...`.
                values.update((k, v or global_defaults.get(k, "")) for k, v in env_pairs(instruction))
    return values


def find_installers(stage: Stage) -> list[Installer]:
    found: list[Installer] = []
    commands = commands_in(stage)
    for number, at in enumerate(commands):
        command = at.command
        args = pip_program(command)
        kind = "pip"
        if args is None and command.argv[:2] == ["pipx", "install"]:
            args, kind = command.argv[1:], "pipx"
        if args is not None and "install" in args:
            requirement = next((m for a in args if (m := POETRY_REQUIREMENT_RE.match(a))), None)
            if requirement is not None:
                spec = requirement.group("spec") or ""
                pin = EXACT_PIN_RE.match(spec.strip())
                fed = kind == "pip" and bool(FED_BY_VARIABLE_RE.match(spec.strip()))
                ranged = "" if pin or fed or "$" in spec else spec.strip()
                found.append(Installer(kind, (at,), pin.group("version") if pin else None, fed, ranged))
            continue
        if command.program in ("curl", "wget") and any(
            marker in word for word in command.argv for marker in INSTALLER_URL_MARKERS
        ):
            following = commands[number + 1] if number + 1 < len(commands) else None
            if (
                following is not None
                and following.instruction is at.instruction
                and following.command.operator == "|"
                and re.fullmatch(r"python[0-9.]*", following.command.program)
            ):
                legacy = any(m in word for word in command.argv for m in LEGACY_INSTALLERS)
                found.append(
                    Installer("curl", (at, following), _installer_version(following.command), False, "", legacy)
                )
    return found


def _installer_version(command: SimpleCommand) -> str | None:
    argv = command.argv
    for i, word in enumerate(argv):
        if word == "--version" and i + 1 < len(argv):
            return argv[i + 1]
        if word.startswith("--version="):
            return word.split("=", 1)[1]
        if word.startswith("POETRY_VERSION="):
            return word.split("=", 1)[1] or None
    return None


def version_definitions(stage: Stage, before: int) -> list[Instruction]:
    return [
        i
        for i in stage.instructions
        if i.keyword in ("ENV", "ARG") and i.index < before and any(k == "POETRY_VERSION" for k, _ in env_pairs(i))
    ]


def env_word(instruction: Instruction, key: str):
    """The `KEY=value` word of an ENV/ARG (None for the legacy `ENV KEY value`)."""
    for word in split_words(instruction.logical, instruction.args_start):
        if word.text.split("=", 1)[0] == key:
            return word
    return None


# --- the transform ----------------------------------------------------------


def apply(doc: Dockerfile, project: ProjectContext, settings: Settings) -> Outcome:
    collector = EditCollector()
    changes: list[Note] = []
    warnings: list[Note] = []
    added: dict[int, dict[str, str]] = {}  # ENV keys given to each stage, which child stages inherit
    for stage in doc.stages:
        moderniser = StageModerniser(doc, stage, project, settings, collector, changes, warnings)
        for parent in parent_stages(doc, stage):
            moderniser.inherited.update(added.get(parent.number, {}))
        added[stage.number] = moderniser.run()
    if changes and all(c.message.startswith(LONE_NO_INTERACTION) for c in changes):
        # sthorsten: a pull request whose only change is this line. `docker build` gives Poetry
        # no terminal, so it never prompts there anyway: the line alone is not worth a PR.
        lone = TRANSFORM.note(
            changes[0].line,
            "POETRY_NO_INTERACTION not added: it would be this transform's only change, and `docker build` "
            "gives Poetry no terminal to prompt on",
        )
        return Outcome((), (), (*warnings, lone))
    return Outcome(tuple(collector.edits()), tuple(changes), tuple(warnings))


LONE_NO_INTERACTION = "ENV POETRY_NO_INTERACTION added:"


class StageModerniser:
    def __init__(self, doc, stage, project, settings, collector, changes, warnings):
        self.doc: Dockerfile = doc
        self.stage: Stage = stage
        self.project: ProjectContext = project
        self.settings: Settings = settings
        self.out: EditCollector = collector
        self.changes: list[Note] = changes
        self.warnings: list[Note] = warnings
        self.commands = commands_in(stage)
        self.poetry_commands = [c for c in self.commands if poetry_subcommand(c.command)]
        self.new_env: list[tuple[str, str]] = []
        self.inherited: dict[str, str] = {}
        self.moved_into_venv: list[Instruction] = []  # RUNs whose packages now land in the venv
        self.later_runs_need_path = False  # a later RUN runs a program by name that now lives in the venv
        self.plugin_written = False  # poetry-plugin-export added to Poetry's install
        self.exports_replaced = 0  # `poetry export` + `pip install -r` pairs now `poetry install`
        self.installer: Installer | None = None
        self.isolating = False  # Poetry goes into a venv of its own (POETRY_VENV)
        self.uses_poetry_dependencies = False  # the app imports what pip installed beside Poetry
        self.version_edited = False  # an existing POETRY_VERSION set to another version
        self.version: str | None = None  # the Poetry pinned (or inherited); None when unknown

    def change(self, instruction: Instruction, message: str) -> None:
        self.changes.append(TRANSFORM.note(instruction.start_line, message))

    def warn(self, instruction: Instruction, message: str) -> None:
        self.warnings.append(TRANSFORM.note(instruction.start_line, message))

    def run(self) -> dict[str, str]:
        """Modernise the stage; returns the ENV keys it added."""
        installers = find_installers(self.stage)
        if not installers and not self.poetry_commands:
            return {}
        installer = installers[0] if installers else None
        candidates = [installer.instruction] if installer else []
        candidates += [c.instruction for c in self.poetry_commands[:1]]
        anchor = min(candidates, key=lambda i: i.index)  # before whatever runs Poetry first
        env = self.inherited | stage_env(self.doc, self.stage)
        version = self.target_version(installer) if installer else self.inherited_version()
        self.installer, self.version = installer, version
        mode = self.switch_to_venv(env)
        exports_left = self.replace_export(mode, version)
        if installer and version is not None:
            modern = (parse_version(version) or (0,)) >= (2,)
            plugin = exports_left and modern and "poetry-plugin-export" not in self.doc.text
            managed = self.base_python(installer)[1]
            # Poetry in a venv of its own wherever the app's packages go into the system Python
            # (or that Python is externally managed, PEP 668): never beside them.
            self.isolating = managed or (
                mode == "system"
                and not self.uses_poetry_dependencies
                and (self.shares_interpreter() or installer.kind != "pip")
            )
            by_name = _by_name(installer.commands[0].command)  # not already a venv's own pip
            self.pin_poetry(installer, version, plugin, isolate=self.isolating and installer.kind == "pip" and by_name)
        self.rewrite_options(version)
        added = self.add_env_block(anchor, env, mode == "venv")
        self.put_venv_on_path(env)
        if mode == "venv" and installer is not None and version is not None:
            self.keep_setuptools(installer, version, env | added)
        self.warn_python_excluded(mode)
        return added

    # Poetry itself

    def inherited_version(self) -> str | None:
        if self.inherited.get("POETRY_VERSION"):
            return self.inherited["POETRY_VERSION"]
        for parent in parent_stages(self.doc, self.stage):
            for installer in find_installers(parent):
                return installer.pin or stage_env(self.doc, parent).get("POETRY_VERSION") or None
        return None

    def root_stage(self) -> Stage:
        """The stage whose FROM names an image (this one, or the base stage it is built from)."""
        return ([self.stage, *parent_stages(self.doc, self.stage)])[-1]

    def base_python(self, installer: Installer | None) -> tuple[releases.Version | None, bool, Instruction]:
        """The Python that runs Poetry's installer, read from the base image's tag (through
        global ARG defaults and parent stages), whether it is externally managed, and the FROM line."""
        root = self.root_stage()
        image = expanded_base_image(self.doc, root)
        program = None
        if installer is not None:
            command = installer.commands[-1].command
            program = next((w for w in command.argv if "=" not in w), None)
        version, managed = releases.image_python(image, program)
        return version, managed, root.from_instruction

    def target_version(self, installer: Installer) -> str | None:
        """The Poetry to pin; None keeps the file's own unpinned install (its Python is unknown)."""
        defined = stage_env(self.doc, self.stage, installer.instruction.index).get("POETRY_VERSION")
        python, _, from_line = self.base_python(installer)
        if self.settings.poetry_version_explicit:
            wanted = parse_version(self.settings.poetry_version) or (0,)
            if python is not None and not releases.runs_on(wanted, python):
                self.warn(
                    installer.instruction,
                    f"Poetry {self.settings.poetry_version} (--poetry-version) needs Python >= "
                    f"{releases.show(releases.python_floor(wanted) or ())}; line {from_line.start_line} "
                    f"gives Python {releases.show(python)}",
                )
            return self.settings.poetry_version
        own = installer.pin or (defined if defined and "$" not in defined else None)
        if own:
            return self.working_pin(installer, own)  # the maintainer's own pin
        spec = installer.spec
        if installer.legacy_installer and not spec:
            spec = "<2"  # get-poetry.py and install-poetry.py only ever installed Poetry 1.x
        if python is None:
            self.warn(
                installer.instruction,
                f"Poetry left as installed: cannot tell which Python the base image on line {from_line.start_line} "
                f"({expanded_base_image(self.doc, self.root_stage())}) has, so no pin is known to install there; "
                "pass --poetry-version",
            )
            return None
        default = parse_version(self.settings.poetry_version)
        chosen = releases.newest(python, spec, at_most=default)
        if chosen is None:
            self.warn(
                installer.instruction,
                f"Poetry left as installed: no release within {spec or 'any version'} runs on "
                f"Python {releases.show(python)} (line {from_line.start_line})",
            )
            return None
        version = releases.show(chosen)
        if version != self.settings.poetry_version:
            why = []
            if spec:
                why.append(
                    f"within {spec}"
                    + (
                        " (the installer only ever installed 1.x)"
                        if installer.legacy_installer and not installer.spec
                        else ""
                    )
                )
            if python != releases.LATEST and default is not None and not releases.runs_on(default, python):
                why.append(
                    f"the newest that Python {releases.show(python)} of line {from_line.start_line} can run "
                    f"(Poetry {self.settings.poetry_version} needs Python >= "
                    f"{releases.show(releases.python_floor(default) or ())})"
                )
            self.change(
                installer.instruction,
                f"Poetry pinned to {version}: " + ", ".join(why or ["the newest release that fits"]),
            )
        return version

    def working_pin(self, installer: Installer, pin: str) -> str:
        """The maintainer's pin, or where pip can no longer install it in working order, the last
        release of its minor line: a smaller step than Poetry 2, and the only way it builds today."""
        pinned = parse_version(pin)
        working = releases.working_release(pinned) if pinned and installer.kind in ("pip", "pipx") else None
        if working is None:
            return pin
        self.change(
            installer.instruction,
            f"Poetry {pin} -> {releases.show(working)}: pip now pairs {pin} with poetry-core 1.9, which it cannot "
            f"import (`poetry` fails at start); {releases.show(working)} is the last {releases.show(working[:2])} release",
        )
        return releases.show(working)

    def pin_poetry(self, installer: Installer, version: str, plugin: bool, isolate: bool = False) -> None:
        definitions = version_definitions(self.stage, installer.instruction.index)
        current = stage_env(self.doc, self.stage, installer.instruction.index).get("POETRY_VERSION")
        if definitions:
            self.version_edited = current != version
            self.edit_definition(definitions[-1], version, current)
        elif current != version:  # a parent stage may define it already
            self.new_env.append(("POETRY_VERSION", version))
        if not (isolate and self.isolate_poetry(installer, plugin)) and not installer.fed:
            self.replace_installer(installer, plugin)
        if self.plugin_written:
            export = next(c.instruction for c in self.poetry_commands if is_export(c.command))
            self.change(
                installer.instruction,
                f"poetry-plugin-export installed beside Poetry: Poetry {version} has no `poetry export` of its own, "
                f"which line {export.start_line} runs",
            )

    def isolate_poetry(self, installer: Installer, plugin: bool) -> bool:
        """Poetry into a venv of its own at /opt/poetry, as Poetry's docs recommend, so that
        installing the app into the system Python cannot change Poetry's own dependencies."""
        at = installer.commands[0]
        command = at.command
        args = pip_program(command) or []
        others = [
            a for a in args[args.index("install") + 1 :] if not a.startswith("-") and not POETRY_REQUIREMENT_RE.match(a)
        ]
        if others:
            why = "it installs other packages too"
            self.warn(
                installer.instruction,
                f"Poetry left in the system Python beside the app's packages ({why}); "
                f"install it into a venv of its own ({self.poetry_venv()}) so the app cannot change its dependencies",
            )
            return False
        program = next(w for w in command.argv if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w))
        python = re.sub(r"^pip", "python", program) if program.startswith("pip") else program
        dropped = ("--user", "--break-system-packages")  # neither means anything in a venv of its own
        options = [a for a in args[args.index("install") + 1 :] if a.startswith("-") and a not in dropped]
        self.out.splice(at.instruction, command.start, command.end, self.venv_install(python, plugin, options))
        self.change(
            at.instruction,
            f"Poetry installed into a venv of its own at {self.poetry_venv()}: the app's packages go into the system Python, "
            "where installing them could change Poetry's own dependencies",
        )
        return True

    def poetry_venv(self) -> str:
        """$POETRY_HOME/venv: under a POETRY_HOME the file sets, else under /opt/poetry."""
        home = self.inherited.get("POETRY_HOME") or stage_env(self.doc, self.stage).get("POETRY_HOME", "")
        home = home.strip().strip('"').rstrip("/")
        return f"{home}/venv" if home.startswith("/") and "$" not in home else POETRY_VENV

    def venv_install(self, python: str, plugin: bool, options: Sequence[str] = ()) -> str:
        """`python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==..."`, and its ENV."""
        env = self.inherited | stage_env(self.doc, self.stage)
        venv = self.poetry_venv()
        if "POETRY_HOME" not in env:
            # Poetry before 1.8 installs into its own venv, not the system Python, unless
            # that venv is under POETRY_HOME (EnvManager.get_system_env).
            self.new_env.append(("POETRY_HOME", POETRY_HOME))
        self.new_env.append(("PATH", f'"$PATH:{venv}/bin"'))  # after the system python, which runs the app
        requirement = '"poetry==$POETRY_VERSION"' + (" poetry-plugin-export" if plugin else "")
        self.plugin_written |= plugin
        return f"{python} -m venv {venv} && {venv}/bin/pip install {' '.join([*options, requirement])}"

    def edit_definition(self, instruction: Instruction, version: str, current: str | None) -> None:
        if current == version:
            return
        word = env_word(instruction, "POETRY_VERSION")
        if word is None:  # legacy `ENV POETRY_VERSION 1.8.3`
            start = split_words(instruction.logical, instruction.args_start)[0].end
            self.out.splice(instruction, start, len(instruction.logical.rstrip()), f" {version}")
        else:
            self.out.splice(instruction, word.start, word.end, f"POETRY_VERSION={version}")
        self.change(instruction, f"POETRY_VERSION set to {version}, the version Poetry is pinned to")

    def replace_installer(self, installer: Installer, plugin: bool) -> None:
        instruction = installer.instruction
        requirement = '"poetry==$POETRY_VERSION"' + (" poetry-plugin-export" if plugin else "")
        hard_path, path_entries = self.poetry_path_references(installer)
        first = installer.commands[0].command
        if installer.kind == "pip":
            words = list(first.words)
            for word in words:
                if POETRY_REQUIREMENT_RE.match(word.text):
                    self.out.splice(instruction, word.start, word.end, requirement)
                    self.plugin_written |= plugin
                elif word.text == "--user" and not hard_path and not path_entries:
                    # A --user install lands in ~/.local/bin, which may not be on PATH.
                    self.drop_word(instruction, words, word)
            self.change(
                instruction,
                "Poetry installed at the pinned $POETRY_VERSION: an unpinned or ranged Poetry changes under the build",
            )
            return
        used = hard_path or (path_entries[0].start_line if path_entries else None)
        if not installer.legacy_installer and (used or "python" not in self.stage.base_image.lower()):
            # Keeping the installer is the smaller change: what depends on where it puts
            # Poetry keeps working, and it reads the version to install from POETRY_VERSION.
            why = (
                f"line {used} uses where it puts Poetry"
                if used
                else "the base image may have no pip to install Poetry with"
            )
            if installer.kind == "pipx":
                word = next(w for w in first.words if POETRY_REQUIREMENT_RE.match(w.text))
                self.out.splice(instruction, word.start, word.end, '"poetry==$POETRY_VERSION"')
                self.change(instruction, f"pipx kept, installing the pinned $POETRY_VERSION: {why}")
            elif installer.pin is not None and not self.version_edited:
                # Its own `--version` pins it: a POETRY_VERSION beside it would say nothing more.
                self.new_env = [p for p in self.new_env if p[0] != "POETRY_VERSION"]
            elif installer.pin is None and any(k == "POETRY_VERSION" for k, _ in self.new_env) or self.version_edited:
                # Only when this transform sets the version it now reads.
                self.change(
                    instruction, f"Poetry's installer kept, pinned through POETRY_VERSION (which it reads): {why}"
                )
            return
        if hard_path:
            self.warn(
                instruction,
                f"Poetry's install left alone: line {hard_path} uses where this installer puts Poetry; use `poetry` from PATH there",
            )
            return
        last = installer.commands[-1].command
        if self.isolating:
            python = last.program if installer.kind == "curl" else "python3"
            self.out.splice(instruction, first.start, last.end, self.venv_install(python, plugin))
        else:
            self.out.splice(instruction, first.start, last.end, "pip install " + requirement)
            self.plugin_written |= plugin
        if installer.kind == "pipx":
            self.remove_pipx_setup(installer)
        for entry in path_entries:
            self.remove_path_entries(entry, installer)
        if not self.isolating:
            self.remove_poetry_home(installer)
        how = "pipx" if installer.kind == "pipx" else "its curl installer"
        if installer.legacy_installer:
            how = "get-poetry.py/install-poetry.py, which Poetry removed in 2023 (#8059)"
        where = f"into a venv of its own at {self.poetry_venv()}" if self.isolating else "with pip"
        gone = (
            f" (its PATH entry on line {', '.join(str(e.start_line) for e in path_entries)} removed)"
            if path_entries
            else ""
        )
        self.change(instruction, f"Poetry installed {where} at the pinned $POETRY_VERSION instead of {how}{gone}")

    def remove_poetry_home(self, installer: Installer) -> None:
        """ENV POETRY_HOME told the replaced installer where to put Poetry; pip ignores it."""
        if re.search(r"\$\{?POETRY_HOME\b", self.doc.text):
            return  # a line reads it
        for instruction in self.stage.instructions:
            if instruction.keyword == "ENV" and instruction.index < installer.instruction.index:
                if any(k == "POETRY_HOME" for k, _ in env_pairs(instruction)):
                    self.remove_env_key(instruction, "POETRY_HOME")
                    self.change(
                        instruction,
                        "POETRY_HOME removed: it told the replaced installer where to put Poetry, which pip does not read",
                    )

    def remove_pipx_setup(self, installer: Installer) -> None:
        """`pip install pipx` and `pipx ensurepath` only served the pipx install of Poetry."""
        pipx_uses = [c for c in self.commands if c.command.program == "pipx" and c != installer.commands[0]]
        setup = [c for c in pipx_uses if c.command.argv[1:] == ["ensurepath"]]
        if len(setup) != len(pipx_uses):
            return
        for at in self.commands:
            args = pip_program(at.command)
            if args and [a for a in args if not a.startswith("-")] == ["install", "pipx"]:
                setup.append(at)
        for at in setup:
            self.out.remove_command(at)

    def installer_markers(self, installer: Installer) -> tuple[str, ...]:
        home = stage_env(self.doc, self.stage, installer.instruction.index + 1).get("POETRY_HOME")
        # `curl ... | POETRY_HOME=/opt/poetry python -`: set for the installer alone.
        inline = [
            w.split("=", 1)[1] for at in installer.commands for w in at.command.argv if w.startswith("POETRY_HOME=")
        ]
        home = inline[-1].strip('"') if inline else home
        return INSTALLER_PATH_MARKERS + ((home.rstrip("/"),) if home and "$" not in home else ())

    def poetry_path_references(self, installer: Installer) -> tuple[int | None, list[Instruction]]:
        """A later line that uses a path only the old installer creates, and the ENV PATH entries pointing there.

        `source $HOME/.poetry/env` and `ln -s .../bin/poetry` are such uses, which only a
        legacy installer (whose download is gone) makes worth removing: see remove_uses.
        """
        markers = self.installer_markers(installer)
        hard: int | None = None
        entries: list[Instruction] = []
        for parent in parent_stages(self.doc, self.stage):  # a PATH set up in a base stage
            for instruction in parent.instructions:
                path = dict(env_pairs(instruction)).get("PATH", "") if instruction.keyword == "ENV" else ""
                if any(self.installer_path_entry(p, markers) for p in path.split(":")):
                    hard = hard or instruction.start_line  # other stages may need that PATH: not removed here
        # The rest of the installer's own RUN (`... | python3 - && /root/.local/bin/poetry config ...`).
        own = [
            c
            for c in self.commands
            if c.instruction is installer.instruction and c.position > installer.commands[-1].position
        ]
        removed: set[int] = set()
        for at in own:
            if installer.legacy_installer and self.removable_use(at, markers):
                self.out.remove_command(at)
                removed.add(at.position)
                self.change(
                    at.instruction,
                    f"`{' '.join(at.command.argv)}` removed: it served the old installer's Poetry, which is on PATH now",
                )
                continue
            if any(self.installer_path_word(w, markers) for w in at.command.argv):
                hard = hard or installer.instruction.start_line
        self.remove_cd_for_removed(own, removed)
        for stage in self.doc.stages[self.stage.number :]:
            for instruction in stage.instructions:
                if instruction.keyword == "ARG" or instruction.index == installer.instruction.index:
                    continue
                if instruction.index < installer.instruction.index and instruction.keyword != "ENV":
                    continue
                if instruction.keyword == "ENV":  # before the install too: PATH set up for it
                    path = dict(env_pairs(instruction)).get("PATH", "")
                    if any(self.installer_path_entry(p, markers) for p in path.split(":")):
                        entries.append(instruction)
                    continue
                if installer.legacy_installer and self.remove_uses(instruction, markers):
                    continue
                for word in instruction.json_args or instruction.words:
                    if self.installer_path_word(word, markers):
                        hard = hard or instruction.start_line
        return hard, entries

    def remove_cd_for_removed(self, own: list[CommandAt], removed: set[int]) -> None:
        """A `cd DIR` that only served a removed `ln -s` goes too (Ariulis: `cd /usr/local/bin && ln -s ...`):
        when the removed command follows it and nothing after it, up to the next `cd`, depends on the folder."""
        for k, at in enumerate(own):
            if at.command.program != "cd" or at.position in removed:
                continue
            rest = own[k + 1 :]
            following = rest[: next((j for j, r in enumerate(rest) if r.command.program == "cd"), len(rest))]
            if not following or following[0].position not in removed:
                continue
            if all(r.position in removed or self.folder_free(r.command) for r in following):
                self.out.remove_command(at)
                self.change(
                    at.instruction, f"`{' '.join(at.command.argv)}` removed: it only served the removed `ln -s`"
                )

    @staticmethod
    def folder_free(command: SimpleCommand) -> bool:
        """A command whose effect does not depend on the current folder."""
        sub = poetry_subcommand(command)
        if sub is not None:
            return sub[0] == "config" and "--local" not in sub[1]
        return command.program in ("echo", "true")

    @staticmethod
    def installer_path_word(word: str, markers: tuple[str, ...]) -> bool:
        return any(m in word for m in markers) or (
            BIN_POETRY_RE.search(word) is not None and "/usr/local/bin/" not in word
        )

    @staticmethod
    def removable_use(at: CommandAt, markers: tuple[str, ...]) -> bool:
        """`source .../.poetry/env` or `ln -s .../bin/poetry ...`: they only served the old installer."""
        argv = at.command.argv
        if not any(any(m in w for m in markers) for w in argv):
            return False
        return (at.command.program in ("source", ".") and argv[1:2] != [] and argv[1].endswith("/env")) or (
            at.command.program == "ln" and any(BIN_POETRY_RE.search(w) for w in argv)
        )

    @staticmethod
    def installer_path_entry(entry: str, markers: tuple[str, ...]) -> bool:
        entry = entry.strip().strip('"')
        return entry.endswith(("/.local/bin", "/.poetry/bin")) or (
            entry.endswith("/bin") and any(m.rstrip("/") in entry for m in markers)
        )

    def remove_uses(self, instruction: Instruction, markers: tuple[str, ...]) -> bool:
        """Remove `source .../.poetry/env` and `ln -s .../bin/poetry ...`; True when nothing else uses the paths."""
        if instruction.keyword != "RUN":
            return False
        ats = [c for c in self.commands if c.instruction is instruction]
        if not ats:
            return False
        uses = [c for c in ats if any(any(m in w for m in markers) for w in c.command.argv)]
        removable = [c for c in uses if self.removable_use(c, markers)]
        if not uses or len(removable) != len(uses):
            return False
        for at in removable:
            self.out.remove_command(at)
        self.change(instruction, "what served the old installer's Poetry removed: Poetry is on PATH now")
        return True

    def remove_path_entries(self, instruction: Instruction, installer: Installer) -> None:
        """Drop the old installer's folder from an ENV PATH (the whole key when nothing else is left)."""
        markers = self.installer_markers(installer)
        word = env_word(instruction, "PATH")
        if word is None:
            return
        value = dict(env_pairs(instruction))["PATH"]
        kept = [p for p in value.split(":") if not self.installer_path_entry(p, markers)]
        if all(re.fullmatch(r"\$\{?PATH\}?", p) for p in kept):
            self.remove_env_key(instruction, "PATH")
            return
        quote = '"' if word.text.split("=", 1)[1].startswith('"') else ""
        self.out.splice(instruction, word.start, word.end, f"PATH={quote}{':'.join(kept)}{quote}")

    # Options Poetry removed

    def rewrite_options(self, version: str | None) -> None:
        parsed = parse_version(version)
        modern = parsed is not None and parsed >= (2,)
        old_pin = parsed is not None and parsed < (1, 2)
        for at in self.poetry_commands:
            sub, _ = poetry_subcommand(at.command) or ("", [])  # poetry_commands all have one
            words = at.command.words
            instruction = at.instruction
            if sub in ("install", "sync") and any(w.text == "--no-dev" for w in words):
                if old_pin:
                    self.warn(
                        instruction,
                        f"--no-dev kept: Poetry {version} predates --only main; pass --poetry-version to move to Poetry 2",
                    )
                else:
                    word = next(w for w in words if w.text == "--no-dev")
                    self.out.splice(instruction, word.start, word.end, "--only main")
                    self.change(
                        instruction,
                        "--no-dev -> --only main: the same selection (Poetry 1.2 and later read --no-dev as --only main), and Poetry 2 removed --no-dev",
                    )
            if sub == "install" and modern and any(w.text == "--sync" for w in words):
                install = next(w for w in words if w.text == "install")
                sync = next(w for w in words if w.text == "--sync")
                self.out.splice(instruction, install.start, install.end, "sync")
                self.drop_word(instruction, words, sync)
                self.change(instruction, "poetry install --sync -> poetry sync: the option is deprecated in Poetry 2")
            if sub == "lock" and modern and any(w.text == "--no-update" for w in words):
                self.drop_word(instruction, words, next(w for w in words if w.text == "--no-update"))
                self.change(
                    instruction,
                    "poetry lock --no-update -> poetry lock: Poetry 2 removed the option (it is the default)",
                )
            if sub in ("install", "sync") and releases.supports(parsed, "--compile") and not _compiles(words):
                self.out.splice(instruction, words[-1].end, words[-1].end, " --compile")
                self.change(
                    instruction,
                    f"--compile added: Poetry {version} installs without compiling bytecode, so every new container would compile the packages on first import",
                )

    def drop_word(self, instruction: Instruction, words, word) -> None:
        position = words.index(word)
        previous = words[position - 1]
        self.out.splice(instruction, previous.end, word.end, "")

    # The venv's setuptools

    def keep_setuptools(self, installer: Installer, version: str, env: dict[str, str]) -> None:
        """Seed the venv with the setuptools the original's environment had (Hoon9901: nextcord's
        `from pkg_resources import` failed at start in a Poetry 2 venv).

        Poetry 2 never puts setuptools into the venvs it makes (it removed
        `virtualenvs.options.no-setuptools`, python-poetry/poetry#9331); Poetry 1 seeded every venv
        with it on Python < 3.12, and the official images' system Python has it below 3.12. A
        dependency that imports pkg_resources without declaring it worked there. `python -m venv`
        before the install seeds the venv the way Python itself ships it (ensurepip: pip and, below
        3.12, setuptools), and Poetry installs into the venv it finds in the project.
        """
        if (parse_version(version) or (0,)) < (2,):
            return  # Poetry 1 seeds its venvs itself
        # Where Poetry makes the venv: a `poetry install`/`sync`, or an export this transform replaced
        # (an export kept with its pip install puts the packages in the system Python: no venv).
        installs = [
            c
            for c in self.commands
            if (poetry_subcommand(c.command) or ("",))[0] in ("install", "sync")
            or (self.exports_replaced and is_export(c.command) and c.instruction in self.moved_into_venv)
        ]
        if not installs:
            return
        first = installs[0]
        sub = poetry_subcommand(first.command)
        if sub is not None and (sub[0] == "sync" or "--sync" in sub[1]):
            return  # a sync removes what the lock does not name, setuptools too
        moved = any(a.split("=", 1)[0] in ("-C", "--directory", "-P", "--project") for a in (sub[1] if sub else []))
        if moved or any(
            c.instruction is first.instruction and c.position < first.position and c.command.program in ("cd", "pushd")
            for c in self.commands
        ):
            return  # the project (and its .venv) is elsewhere than WORKDIR
        python, _, _ = self.base_python(installer)
        repository = image_repository(expanded_base_image(self.doc, self.root_stage()))
        if python is None or python >= (3, 12) or repository.rsplit("/", 1)[-1] != "python":
            return  # only the official images' Python is known to ship setuptools (below 3.12)
        project_dir = (self.project_dir() or "").strip("/")
        if "setuptools" in self.project.locked.get(project_dir, frozenset()):
            return  # Poetry installs it from the lock
        if self.python_excluded() is not None:
            return  # Poetry looks for another Python: a venv of this one would be refused
        shown = releases.show(python)
        if self.moved_into_venv:
            had = f"the system Python {shown} the packages went into has it"
        else:
            original = installer.pin or stage_env(self.doc, self.stage, installer.instruction.index).get(
                "POETRY_VERSION", ""
            )
            written = parse_version(original) if original and "$" not in original else None
            if written is None and not original:
                written = self.project.lock_writers.get(project_dir)
            if written is None or written >= (2,):
                return  # the original's own Poetry 2 made the same venv (or its Poetry is unknown)
            who = "the file pinned" if original else "wrote poetry.lock"
            release = releases.show(written) + (".x" if len(written) == 1 else "")  # the lock's format tells the major
            had = f"the Poetry {release} that {who} seeded every venv with it on Python {shown}"
        lost = (
            f"Poetry {version} makes venvs without setuptools, while {had}; "
            "a dependency that imports pkg_resources without declaring setuptools would fail at start"
        )
        in_project = str(env.get("POETRY_VIRTUALENVS_IN_PROJECT", "")).strip().lower() in ("true", "1") or any(
            is_in_project_config(c.command) for c in self.poetry_commands
        )
        if not in_project:
            self.warn(first.instruction, f"{lost} (declare it, `poetry add setuptools`, if one does)")
            return
        venv = posixpath.join(workdir_at(self.stage, first.instruction.index), ".venv")
        if any("venv" in i.arguments and ".venv" in i.arguments for i in self.stage.find("RUN")):
            return  # the file makes the venv itself
        installs_poetry_first = any(
            c.instruction is first.instruction and c.position < first.position for c in installer.commands
        )
        if installs_poetry_first:
            # `pip install poetry && poetry install` in one RUN: a venv made before that RUN
            # is first on PATH, so pip would put Poetry into the app's venv, where the lock
            # then downgrades Poetry's own dependencies (a real build broke on the next
            # `poetry` call). The venv is made inside the RUN, after Poetry is installed.
            at = first.command.start
            self.out.splice(first.instruction, at, at, f"python -m venv {venv} && ")
        else:
            self.out.insert_before(
                self.doc.leading_comments(first.instruction.index),
                f"{keyword_case(first.instruction, 'RUN')} python -m venv {venv}\n",
            )
        self.change(
            first.instruction,
            f"{venv} made with `python -m venv` before the install, with the setuptools Python {shown} ships: {lost}",
        )

    def python_excluded(self) -> tuple[str, tuple[int, int] | None] | None:
        """The project's Python constraint (and the nearest X.Y it allows) when it excludes the image's Python."""
        python = self.base_python(self.installer)[0]
        project_dir = self.project_dir()
        local = self.project.project(project_dir) if project_dir is not None else None
        if python is None or python == releases.LATEST or len(python) < 2 or local is None or not local.raw:
            return None
        return preflight.python_excluded(local.raw, (python[0], python[1]))

    def warn_python_excluded(self, mode: str) -> None:
        """A python image outside the project's constraint that preflight could not refuse (a full
        image may hold Debian's python3, which Poetry then finds): say so, naming the FROM (DucNgn, KVarman)."""
        excluded = self.python_excluded()
        install = next((c.instruction for c in self.commands if is_dependency_install(c.command)), None)
        if excluded is None or install is None:
            return
        shown, allowed = excluded
        python, _, from_line = self.base_python(self.installer)
        if python is None:
            return
        image = expanded_base_image(self.doc, self.root_stage())
        variant = re.sub(r"^\d+\.\d+(\.\d+)?", "", image.split("@", 1)[0].rpartition(":")[2])
        instead = f"python:{allowed[0]}.{allowed[1]}{variant}" if allowed else "a Python it allows"
        where = (
            f"and with virtualenvs.create false installs into Python {releases.show(python)} anyway"
            if mode == "system"
            else "and the venv then runs that Python"
        )
        self.warn(
            install,
            f"{image} (line {from_line.start_line}) runs Python {releases.show(python)}, which pyproject.toml's {shown} "
            f"excludes: Poetry goes on only if it finds another Python in the image (the Debian python3 full images "
            f"may carry), {where}; use {instead} on line {from_line.start_line}",
        )

    # Where the packages go

    def create_false_sources(self, env: dict[str, str]):
        commands = [c for c in self.poetry_commands if is_create_false(c.command)]
        env_instructions = [
            i
            for i in self.stage.instructions
            if i.keyword == "ENV"
            and any(k == "POETRY_VIRTUALENVS_CREATE" and _poetry_reads_false(v) for k, v in env_pairs(i))
        ]
        project_dir = self.project_dir()
        local = self.project.project(project_dir) if project_dir is not None else None
        from_poetry_toml = local is not None and local.virtualenvs_create is False
        if env.get("POETRY_VIRTUALENVS_CREATE", "").strip().lower() in ("true", "1"):
            from_poetry_toml = False  # the environment overrides poetry.toml
        return commands, env_instructions, from_poetry_toml

    def project_dir(self) -> str | None:
        for instruction in self.stage.instructions:
            folder = copied_project_dir(instruction, self.project)
            if folder is not None:
                return folder
        return "" if self.stage.find("COPY") else None

    def switch_to_venv(self, env: dict[str, str]) -> str:
        """Where Poetry installs after this transform: "venv" (in-project), "explicit" or "system"."""
        commands, env_instructions, from_poetry_toml = self.create_false_sources(env)
        explicit = next((k for k in EXPLICIT_VENV_KEYS if k in env), None)
        create_false = bool(commands or env_instructions or from_poetry_toml)
        first_line = (
            commands[0].instruction
            if commands
            else env_instructions[0]
            if env_instructions
            else self.stage.from_instruction
        )
        if explicit:
            if create_false:
                self.warn(
                    first_line,
                    f"virtualenvs.create false kept: the stage sets {explicit}, so Poetry installs into that venv",
                )
            return "explicit"
        if not create_false:
            return "venv"
        blocker = self.venv_blocker()
        if blocker:
            # On the install, a line that stays whatever this transform rewrites around it.
            install = next((c.instruction for c in self.commands if is_dependency_install(c.command)), first_line)
            self.warn(install, f"virtualenvs.create false kept: {blocker}")
            self.create_false_as_env(commands, env_instructions)
            return "system"
        self.moved_into_venv += [c.instruction for c in self.commands if is_dependency_install(c.command)][:1]
        for at in commands:
            self.out.remove_command(at)
            self.change(
                at.instruction,
                "poetry config virtualenvs.create false removed: Poetry installs into an in-project venv at a fixed path instead of the system Python",
            )
        for instruction in env_instructions:
            self.remove_env_key(instruction, "POETRY_VIRTUALENVS_CREATE")
            self.change(
                instruction,
                "POETRY_VIRTUALENVS_CREATE=false removed: Poetry installs into an in-project venv at a fixed path instead of the system Python",
            )
        if from_poetry_toml:
            self.new_env.append(("POETRY_VIRTUALENVS_CREATE", "true"))
        return "venv"

    def create_false_as_env(self, commands: list[CommandAt], env_instructions: list[Instruction]) -> None:
        """`poetry config virtualenvs.create false` -> ENV POETRY_VIRTUALENVS_CREATE=false: one setting
        that every install sees, so that an install MIG002 adds does not repeat the config."""
        # Only beside an install: that RUN is the one MIG002 copies for the root install.
        installs = {c.instruction.index for c in self.commands if is_dependency_install(c.command)}
        global_config = [at for at in commands if "--local" not in at.command.argv and at.instruction.index in installs]
        if self.installer is None or not global_config or len(global_config) != len(commands):
            return  # one setting left where it was would still decide; keep them all
        for at in global_config:
            self.out.remove_command(at)
            self.change(
                at.instruction,
                "poetry config virtualenvs.create false -> ENV POETRY_VIRTUALENVS_CREATE=false: "
                "the same setting, seen by every install without repeating it",
            )
        if not env_instructions:
            self.new_env.append(("POETRY_VIRTUALENVS_CREATE", "false"))

    def in_project_venv_hidden(self) -> str | None:
        """Why an in-project venv would be hidden at run time (issue 11 item 6), or None."""
        install = next((c for c in self.commands if is_dependency_install(c.command)), None)
        if install is None:
            return None
        venv = posixpath.join(workdir_at(self.stage, install.instruction.index), ".venv")
        hidden = self.project.launchers.hidden_by_bind(venv)
        if hidden is None:
            return None
        service, source, target = hidden
        return f"{service.file} bind-mounts {source} over {target} (service {service.name}), hiding a venv there"

    def venv_blocker(self) -> str | None:
        """Why the packages must stay in the system Python, if they must."""
        # First, also because it decides whether Poetry may leave the system Python.
        system_import = self.import_from_the_system()
        if system_import:
            return system_import
        excluded = self.python_excluded()
        if excluded is not None:
            # Poetry installs into an excluded system Python without a word, but refuses to make
            # a venv of it (module24: python:3.9 with `^3.10` built only because create stayed false).
            return (
                f"the image's Python is outside pyproject.toml's {excluded[0]}, which Poetry accepts only with "
                "virtualenvs.create false: it would refuse to make a venv of it"
            )
        devcontainer = devcontainer_use(self.project)
        if devcontainer is not None:  # an editor's environment: its tools expect the packages in the system Python
            return f"{devcontainer}, whose tools and the developer's own installs use the system Python"
        for at in self.commands:
            sub = poetry_subcommand(at.command)
            if sub is not None and sub[0] in INSTALLING_ELSEWISE:
                # `poetry update`/`add`/`remove` install too, where create false says; this
                # transform sets up the venv only around install/sync (a real Django app's
                # `RUN poetry update` went to a venv under /root/.cache its startup.sh never used).
                return f"line {at.instruction.start_line} runs `poetry {sub[0]}`, which installs where virtualenvs.create says"
        user = used_by_other_stage(self.doc, self.stage)
        if user is not None:
            # Name what it takes (cognitedata: `COPY --from=builder /app /app` was called "maybe the
            # system site-packages"); a stage built FROM this one inherits the system Python itself.
            taker = next(
                i for s in self.doc.stages for i in (s.from_instruction, *s.instructions) if i.start_line == user
            )
            if taker.keyword == "COPY" and taker.json_args is None and len(taker.words) >= 2:
                taken = ", ".join(taker.words[:-1])
                return f"line {user} copies {taken} from this stage, so where this stage installs is left as it is"
            if taker.keyword == "FROM":
                return f"line {user} builds on this stage, whose system Python then holds the packages"
            return f"line {user} takes files from this stage, so where this stage installs is left as it is"
        if not self.stage.find("CMD") and not self.stage.find("ENTRYPOINT"):
            return "the image's command comes from the base image and runs the system Python"
        login = login_shell([self.stage], self.project.run_files)
        if login is not None:  # issue 11: /etc/profile resets PATH, so ENV PATH cannot reach a venv there
            return f"line {login[0].start_line} runs in a login shell ({login[1]}), whose PATH from /etc/profile finds the system Python's programs, not a venv's"
        for instruction in self.stage.instructions:
            if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK") and SYSTEM_PROGRAM_RE.search(
                instruction.arguments
            ):
                return f"line {instruction.start_line} runs a program by its system path"
        installs = [i for i, c in enumerate(self.commands) if is_dependency_install(c.command)]
        if not installs:
            return None
        hidden = self.in_project_venv_hidden()  # issue 11 item 6: compose's bind mount over the project folder
        if hidden is not None:
            return hidden
        for at in self.commands[installs[0] + 1 :]:
            program = at.command.program
            if program and program not in VENV_NEUTRAL_PROGRAMS and not is_dependency_install(at.command):
                if _by_name(at.command) and self.stage is self.doc.stages[-1]:
                    # `python manage.py collectstatic`, a console script: found through
                    # PATH, so with the venv first on PATH they run from the venv.
                    self.later_runs_need_path = True
                    continue
                return (
                    f"line {at.instruction.start_line} runs {program}, which expects the packages in the system Python"
                )
        return None

    def shares_interpreter(self) -> bool:
        """Whether Poetry is pip-installed into the interpreter the app's packages go to."""
        installer = self.installer
        if installer is None:
            return False
        # `--user` too: root's user site is on the system Python's path.
        return installer.kind == "pip" and _by_name(installer.commands[0].command)

    def import_from_the_system(self) -> str | None:
        """An import of the project's code that only the system interpreter provides today."""
        project_dir = self.project_dir()
        local = self.project.imports.get(project_dir.strip("/")) if project_dir is not None else None
        if local is None or local.locked is None:
            return None
        python = self.base_python(self.installer)[0]
        # Poetry 1.x seeds its venvs with the newest setuptools, which has no pkg_resources
        # since 82 (seen in a real build): a venv never stands in for the image's setuptools.
        system_setuptools = python is None or python < (3, 12)
        beside_poetry = self.installer is None or self.shares_interpreter()
        found: list[str] = []
        for site in local.sites:
            module = site.module
            if module in local.own or python_imports.provided_by(module, local.locked):
                continue
            if module in python_imports.SETUPTOOLS_IMPORTS and system_setuptools:
                source, dist = "the base image's setuptools", "setuptools"
            elif module in python_imports.POETRY_DEPENDENCY_IMPORTS and beside_poetry:
                source, dist = "Poetry's own dependencies", python_imports.POETRY_DEPENDENCY_IMPORTS[module]
                # Poetry stays beside the app too: a venv of its own would take the import away.
                self.uses_poetry_dependencies = True
            else:
                continue
            found.append(
                f"{site.path}:{site.line} imports {module}, which poetry.lock does not provide "
                f"(it comes from {source} in the system Python); declare it (`poetry add {dist}`) to move to a venv"
            )
        if not found:
            return None
        also = [f"{m.split(' imports ', 1)[1].split(',', 1)[0]} ({m.split(' imports ', 1)[0]})" for m in found[1:]]
        return found[0] + (f"; also {', '.join(also)}" if also else "")

    def remove_env_key(self, instruction: Instruction, key: str) -> None:
        words = split_words(instruction.logical, instruction.args_start)
        pairs = env_pairs(instruction)
        if len(pairs) <= 1:
            self.out.delete(instruction)
            return
        position = next(i for i, w in enumerate(words) if w.text.split("=", 1)[0] == key)
        if position + 1 < len(words):
            self.out.splice(instruction, words[position].start, words[position + 1].start, "")
        else:
            self.out.splice(instruction, words[position - 1].end, words[position].end, "")

    def put_venv_on_path(self, env: dict[str, str]) -> None:
        """Programs that ran from the system Python now live in the venv: put it first on PATH."""
        if not self.moved_into_venv or self.stage is not self.doc.stages[-1]:
            return
        if not self.later_runs_need_path and not any(
            needs_path(i) for i in self.stage.instructions if i.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK")
        ):
            return
        first = min(self.moved_into_venv, key=lambda i: i.index)
        venv = posixpath.join(workdir_at(self.stage, first.index), ".venv")
        if f"{venv}/bin" in env.get("PATH", ""):
            return
        self.out.insert_before(
            self.doc.leading_comments(first.index), f'{keyword_case(first, "ENV")} PATH="{venv}/bin:$PATH"\n'
        )
        self.change(
            first,
            f"{venv}/bin put first on PATH: the image's commands ran from the system Python, and the packages are in the venv now",
        )

    # poetry export | pip install

    def replace_export(self, mode: str, version: str | None) -> bool:
        """Replace each export + pip pair; True when an export is left (it needs the plugin)."""
        left = False
        for number, at in enumerate(self.commands):
            sub = poetry_subcommand(at.command)
            if sub is not None and sub[0] == "export":
                left |= not self.replace_one_export(number, at, mode, version)
        return left

    def replace_one_export(self, number: int, export: CommandAt, mode: str, version: str | None) -> bool:
        options, output = export_options(export.command)
        instruction = export.instruction
        if options is None:
            self.warn(
                instruction,
                "poetry export left alone: an option this tool does not know; replace it with `poetry install --no-root` by hand",
            )
            return False
        later = self.commands[number + 1 :]
        piped = later[0] if later and later[0].instruction is instruction and later[0].command.operator == "|" else None
        if piped is not None:
            pip = piped if reads_requirements(piped.command, ("/dev/stdin", "-")) else None
        elif output:
            # `--output requirements.txt` under WORKDIR /code, then `pip install -r /code/requirements.txt`.
            written = posixpath.join(workdir_at(self.stage, instruction.index), output)
            pip = next(
                (
                    c
                    for c in later
                    if reads_requirements(c.command, (output,))
                    or reads_requirements(c.command, (written,), workdir_at(self.stage, c.instruction.index))
                ),
                None,
            )
        else:
            pip = None
        if pip is None:
            elsewhere = next((c for c in later if installs_elsewhere(c.command)), None) if output else None
            if elsewhere is not None:
                option = next(a for a in elsewhere.command.argv if a.split("=", 1)[0] in PIP_LOCATION_OPTIONS)
                why = f"line {elsewhere.instruction.start_line} installs its requirements with {option}, which poetry install cannot do"
            else:
                why = "no pip install -r of its output follows in this stage"
            self.warn(instruction, f"poetry export left alone: {why}")
            return False
        blocker = self.venv_blocker() if mode == "venv" else None
        if blocker:
            # pip put the packages in the system Python; a venv would hide them.
            self.warn(instruction, f"poetry export left alone: {blocker}")
            return False
        # Up to the next export, which writes the file afresh.
        lifetime = next((k for k, c in enumerate(later) if is_export(c.command)), len(later))
        others = [
            c
            for c in later[:lifetime]
            if c is not pip and output and any(output == w or w.endswith("/" + output) for w in c.command.argv)
        ]
        removable = [c for c in others if c.command.program == "rm"]
        if len(removable) != len(others):
            self.warn(
                others[0].instruction,
                f"poetry export left alone: line {others[0].instruction.start_line} uses {output}",
            )
            return False
        if releases.supports(parse_version(version), "--compile"):
            options = [*options, "--compile"]  # pip compiled what it installed; Poetry 1.4+ does not unless asked
        text = "poetry install --no-root " + " ".join(options)
        if pip is piped:
            self.out.splice(instruction, export.command.start, pip.command.end, text.rstrip())
        else:
            self.out.splice(instruction, export.command.start, export.command.end, text.rstrip())
            self.out.remove_command(pip)
        for at in removable:
            self.out.remove_command(at)
        self.moved_into_venv.append(instruction)
        self.exports_replaced += 1
        why = (
            "Poetry 2 needs a plugin to export"
            if (parse_version(version) or (99,)) >= (2,)
            else "one step installs the same locked packages"
        )
        where = "the venv carries the packages" if mode == "venv" else "into the same Python as before"
        self.change(instruction, f"poetry export + pip install -r -> poetry install --no-root: {why}, {where}")
        return True

    # The ENV block

    def makes_a_venv(self) -> bool:
        """Whether this stage, or one built FROM it, runs `poetry install`/`sync` (an export replaced too).

        A dev-shell image that installs nothing gets no POETRY_VIRTUALENVS_IN_PROJECT: it would
        only move the venv of the developer's own `poetry install` into their mounted checkout.
        """
        stages = [s for s in self.doc.stages if s is self.stage or self.stage in parent_stages(self.doc, s)]
        for stage in stages:
            for at in commands_in(stage):
                sub = poetry_subcommand(at.command)
                if sub is not None and sub[0] in ("install", "sync"):
                    return True
            for instruction in stage.find("RUN"):
                # A heredoc's script is not parsed into commands: read it as text.
                body = instruction.raw
                if instruction.heredocs and re.search(r"\bpoetry\s+(install|sync)\b", body):
                    if not re.search(r"virtualenvs\.create\s+(false|0)\b", body):
                        return True
        return bool(self.exports_replaced)

    def add_env_block(self, anchor: Instruction, env: dict[str, str], venv: bool) -> dict[str, str]:
        pairs = [p for p in self.new_env if p[0] == "POETRY_VERSION"]
        if "POETRY_NO_INTERACTION" not in env:
            pairs.append(("POETRY_NO_INTERACTION", "1"))
        in_project_configured = any(is_in_project_config(c.command) for c in self.poetry_commands)
        if venv and "POETRY_VIRTUALENVS_IN_PROJECT" not in env and not in_project_configured and self.makes_a_venv():
            hidden = self.in_project_venv_hidden()
            if hidden is None:
                pairs.append(("POETRY_VIRTUALENVS_IN_PROJECT", "true"))
            else:
                self.warn(
                    anchor, f"POETRY_VIRTUALENVS_IN_PROJECT not set: {hidden}; the venv stays where Poetry puts it"
                )
        pairs += [p for p in self.new_env if p[0] != "POETRY_VERSION"]
        if not pairs:
            return {}
        keyword = keyword_case(anchor, "ENV")
        lines = [f"{key}={value}" for key, value in pairs]
        keys = {k for k, _ in pairs}
        why = [
            what
            for key, what in (
                ("POETRY_VERSION", "Poetry pinned"),
                ("POETRY_NO_INTERACTION", "it never prompts"),
                ("POETRY_VIRTUALENVS_IN_PROJECT", "the app's venv at a fixed path"),
                ("POETRY_VIRTUALENVS_CREATE", "the same venv setting for every install"),
                ("POETRY_HOME", "the folder Poetry before 1.8 looks for its own venv in"),
                ("PATH", f"Poetry's own venv at {self.poetry_venv()} on PATH, after the system Python"),
            )
            if key in keys
        ]
        text = f"{keyword} " + f" {self.doc.escape}\n    ".join(lines) + "\n"
        self.out.insert_before(self.doc.leading_comments(anchor.index), text)
        self.change(anchor, f"ENV {', '.join(k for k, _ in pairs)} added: {'; '.join(dict.fromkeys(why))}")
        return dict(pairs)


# Poetry commands that install packages besides install/sync.
INSTALLING_ELSEWISE = frozenset({"update", "add", "remove"})


def used_by_other_stage(doc: Dockerfile, stage: Stage) -> int | None:
    """The line of a later FROM, COPY --from or RUN --mount from= naming this stage."""
    names = {str(stage.number), (stage.name or str(stage.number)).lower()}
    for later in doc.stages[stage.number + 1 :]:
        if later.base_image.lower() in names:
            return later.from_instruction.start_line
        for instruction in later.instructions:
            sources = instruction.flag_values("from") + [
                part.split("=", 1)[1]
                for mount in instruction.flag_values("mount")
                for part in mount.split(",")
                if part.startswith("from=")
            ]
            if any(source.lower() in names for source in sources):
                return instruction.start_line
    return None


def needs_path(instruction: Instruction) -> bool:
    """Whether a CMD/ENTRYPOINT/HEALTHCHECK finds programs through PATH rather than `poetry run`."""
    text = instruction.arguments
    if instruction.keyword == "HEALTHCHECK":
        match = re.search(r"\bCMD\s+(.*)$", text, re.IGNORECASE | re.DOTALL)
        if match is None:  # HEALTHCHECK NONE
            return False
        text = match.group(1)
    argv = re.sub(r'[\[\]",]', " ", text).split()
    return bool(argv) and argv[:2] != ["poetry", "run"]


def is_export(command: SimpleCommand) -> bool:
    sub = poetry_subcommand(command)
    return sub is not None and sub[0] == "export"


def is_create_false(command: SimpleCommand) -> bool:
    sub = poetry_subcommand(command)
    if sub is None or sub[0] != "config":
        return False
    args = [a for a in sub[1] if not a.startswith("-")]
    return len(args) == 2 and args[0] == "virtualenvs.create" and args[1].lower() in FALSE_WORDS


def is_in_project_config(command: SimpleCommand) -> bool:
    sub = poetry_subcommand(command)
    if sub is None or sub[0] != "config":
        return False
    args = [a for a in sub[1] if not a.startswith("-")]
    return len(args) == 2 and args[0] == "virtualenvs.in-project" and args[1].lower() in ("true", "1")


def is_dependency_install(command: SimpleCommand) -> bool:
    sub = poetry_subcommand(command)
    if sub is not None:
        return sub[0] in ("install", "sync", "export")
    args = pip_program(command)
    return args is not None and "install" in args and any(a.startswith(("-r", "--requirement")) for a in args)


def export_options(command: SimpleCommand) -> tuple[list[str] | None, str | None]:
    """The `poetry install` options selecting the same groups (None: unknown), and the file written."""
    _, args = poetry_subcommand(command) or ("", [])
    kept: list[str] = []
    output: str | None = None
    selects_groups = False
    value: str | None  # an option's value; None when the command ends before it
    words = iter(args)
    for arg in words:
        name, has_value, value = arg.partition("=")
        if arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2:
            name, has_value, value = "-o", "=", arg[2:]
        if arg.startswith(">"):
            output = arg[1:] or next(words, None)
        elif name in EXPORT_DROPPED_WITH_VALUE:
            value = value if has_value else next(words, None)
            if name in ("-o", "--output"):
                output = value
        elif name in EXPORT_KEPT_WITH_VALUE:
            value = value if has_value else next(words, None)
            if value is None:
                return None, output
            selects_groups |= name in ("--with", "--without", "--only")
            kept += [arg] if has_value else [name, value]
        elif arg == "--dev":
            kept += ["--with", "dev"]
            selects_groups = True
        elif arg in ("--all-extras", "--all-groups"):
            selects_groups |= arg == "--all-groups"
            kept.append(arg)
        elif arg not in EXPORT_DROPPED_OPTIONS and arg != "--no-dev":  # export leaves dev out anyway
            return None, output
    if not selects_groups:
        kept = ["--only", "main", *kept]
    return kept, output


# pip options that put packages somewhere `poetry install` cannot.
PIP_LOCATION_OPTIONS = frozenset({"--target", "-t", "--prefix", "--root", "--user"})


def installs_elsewhere(command: SimpleCommand) -> bool:
    args = pip_program(command)
    return args is not None and "install" in args and any(a.split("=", 1)[0] in PIP_LOCATION_OPTIONS for a in args)


def reads_requirements(command: SimpleCommand, files: tuple[str, ...], workdir: str | None = None) -> bool:
    """`pip install -r FILE` with nothing else to install (FILE taken from ``workdir`` when given)."""
    args = pip_program(command)
    if args is None or "install" not in args:
        return False
    rest = args[args.index("install") + 1 :]
    found = False
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("-r", "--requirement") and i + 1 < len(rest):
            found |= _same_file(rest[i + 1], files, workdir)
            i += 2
            continue
        if arg.startswith("--requirement=") or (arg.startswith("-r") and len(arg) > 2):
            found |= _same_file(arg.split("=", 1)[1] if "=" in arg else arg[2:], files, workdir)
        elif not arg.startswith("-"):
            return False  # installs something besides the exported requirements
        elif arg.split("=", 1)[0] in PIP_LOCATION_OPTIONS:
            return False  # `--target=/app`: the packages go where poetry install cannot put them
        i += 1
    return found


def _same_file(path: str, files: tuple[str, ...], workdir: str | None = None) -> bool:
    if workdir is not None:
        return any(posixpath.normpath(posixpath.join(workdir, path)) == posixpath.normpath(f) for f in files)
    return any(path == f or path.removeprefix("./") == f.removeprefix("./") for f in files)


TRANSFORM = Transform(
    code="MIG001",
    name="modernise-poetry",
    reason="a pinned Poetry with an in-project venv builds the same way every time and gives the runtime stage one folder to copy",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
