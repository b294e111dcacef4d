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
    RUN poetry install --without dev
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

from migrator.analysis import CommandAt, commands_in, env_pairs, pip_program, poetry_subcommand, workdir_at
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, insert_before, replace, split_words
from migrator.project import ProjectContext
from migrator.record import dataclass
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import Note, Outcome, Safety, Settings, Transform
from migrator.transforms.copy_order import copied_project_dir

POETRY_REQUIREMENT_RE = re.compile(r"^poetry(\[[^\]]*\])?\s*(?P<spec>[=<>~!].*)?$")
EXACT_PIN_RE = re.compile(r"^==\s*(?P<version>\d+(\.\d+)*([a-z]+\d*)?)$")
FED_BY_VARIABLE_RE = re.compile(r"^==\s*\$\{?POETRY_VERSION\}?$")
# Where the curl installer, get-poetry.py and pipx put Poetry: a later use of these
# paths would break once Poetry is pip-installed into /usr/local instead.
INSTALLER_PATH_MARKERS = (".poetry/", "/.local/share/pypoetry", "/.local/pipx", "$POETRY_HOME", "${POETRY_HOME}")
BIN_POETRY_RE = re.compile(r"(^|/)bin/poetry$")
INSTALLER_URL_MARKERS = ("install.python-poetry.org", "get-poetry.py", "install-poetry.py")
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
SYSTEM_PROGRAM_RE = re.compile(r"/usr/(local/)?bin/(?!poetry\b)")
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
    parents = []
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
            requirement = next((a for a in args if POETRY_REQUIREMENT_RE.match(a)), None)
            if requirement is not None:
                spec = POETRY_REQUIREMENT_RE.match(requirement).group("spec") or ""
                pin = EXACT_PIN_RE.match(spec.strip())
                fed = kind == "pip" and bool(FED_BY_VARIABLE_RE.match(spec.strip()))
                found.append(Installer(kind, (at,), pin.group("version") if pin else None, fed))
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
                found.append(Installer("curl", (at, following), _installer_version(following.command), False))
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
    return Outcome(tuple(collector.edits()), tuple(changes), tuple(warnings))


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
        mode = self.switch_to_venv(env)
        exports_left = self.replace_export(mode)
        if installer:
            modern = (parse_version(version) or (0,)) >= (2,)
            plugin = exports_left and modern and "poetry-plugin-export" not in self.doc.text
            self.pin_poetry(installer, version, plugin)
        self.rewrite_options(version)
        added = self.add_env_block(anchor, env, mode == "venv")
        self.put_venv_on_path(env)
        return added

    # Poetry itself

    def inherited_version(self) -> str | None:
        if self.inherited.get("POETRY_VERSION"):
            return self.inherited["POETRY_VERSION"]
        for parent in parent_stages(self.doc, self.stage):
            for installer in find_installers(parent):
                return installer.pin or stage_env(self.doc, parent).get("POETRY_VERSION") or None
        return None

    def target_version(self, installer: Installer) -> str:
        defined = stage_env(self.doc, self.stage, installer.instruction.index).get("POETRY_VERSION")
        if self.settings.poetry_version_explicit:
            return self.settings.poetry_version
        if installer.pin:
            return installer.pin
        if defined and "$" not in defined:
            return defined
        return self.settings.poetry_version

    def pin_poetry(self, installer: Installer, version: str, plugin: bool) -> None:
        definitions = version_definitions(self.stage, installer.instruction.index)
        if definitions:
            current = stage_env(self.doc, self.stage, installer.instruction.index).get("POETRY_VERSION")
            self.edit_definition(definitions[-1], version, current)
        else:
            self.new_env.append(("POETRY_VERSION", version))
        if not installer.fed:
            self.replace_installer(installer, plugin)

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
        if installer.kind == "curl" and "python" not in self.stage.base_image.lower():
            hint = "" if installer.pin else "; pin it with the installer's --version"
            self.warn(
                instruction,
                f"Poetry's installer left alone: the base image may have no pip to install Poetry with{hint}",
            )
            return
        hard_path = self.poetry_path_reference(installer)
        first = installer.commands[0].command
        if installer.kind == "pip":
            words = list(first.words)
            for word in words:
                if POETRY_REQUIREMENT_RE.match(word.text):
                    self.out.splice(instruction, word.start, word.end, requirement)
                    if "<" in word.text and not self.settings.poetry_version_explicit:
                        self.warn(
                            instruction,
                            f"{word.text} capped Poetry's version; check the build with Poetry {self.settings.poetry_version} or pass --poetry-version",
                        )
                elif word.text == "--user" and not hard_path:
                    # A --user install lands in ~/.local/bin, which may not be on PATH.
                    self.drop_word(instruction, words, word)
            self.change(
                instruction,
                "Poetry installed at the pinned $POETRY_VERSION: an unpinned or ranged Poetry changes under the build",
            )
            return
        if hard_path:
            self.warn(
                instruction,
                f"Poetry's install left alone: line {hard_path} uses where this installer puts Poetry; use `poetry` from PATH there",
            )
            return
        last = installer.commands[-1].command
        self.out.splice(instruction, first.start, last.end, "pip install " + requirement)
        if installer.kind == "pipx":
            self.remove_pipx_setup(installer)
        how = "pipx" if installer.kind == "pipx" else "its curl installer"
        self.change(
            instruction,
            f"Poetry pip-installed at the pinned $POETRY_VERSION instead of {how}: one pinned download, on PATH",
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

    def poetry_path_reference(self, installer: Installer) -> int | None:
        """A later line that uses a path only the old installer creates (an ENV PATH entry is harmless)."""
        home = stage_env(self.doc, self.stage, installer.instruction.index + 1).get("POETRY_HOME")
        markers = INSTALLER_PATH_MARKERS + ((home.rstrip("/"),) if home and "$" not in home else ())
        for stage in self.doc.stages[self.stage.number :]:
            for instruction in stage.instructions:
                if instruction.index <= installer.instruction.index or instruction.keyword in ("ENV", "ARG"):
                    continue
                for word in instruction.json_args or instruction.words:
                    if any(m in word for m in markers) or (
                        BIN_POETRY_RE.search(word) and "/usr/local/bin/" not in word
                    ):
                        return instruction.start_line
        return None

    # Options Poetry removed

    def rewrite_options(self, version: str | None) -> None:
        parsed = parse_version(version)
        modern = parsed is not None and parsed >= (2,)
        old_pin = parsed is not None and parsed < (1, 2)
        for at in self.poetry_commands:
            sub, _ = poetry_subcommand(at.command)
            words = at.command.words
            instruction = at.instruction
            if sub in ("install", "sync") and any(w.text == "--no-dev" for w in words):
                if old_pin:
                    self.warn(
                        instruction,
                        f"--no-dev kept: Poetry {version} predates --without dev; pass --poetry-version to move to Poetry 2",
                    )
                else:
                    word = next(w for w in words if w.text == "--no-dev")
                    self.replace_no_dev(instruction, words, word)
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

    def replace_no_dev(self, instruction: Instruction, words, word) -> None:
        # Poetry 2 fails with "Group(s) not found: dev" on --without dev when the
        # project has no dev group, so the replacement depends on the project.
        project_dir = self.project_dir()
        local = self.project.project(project_dir) if project_dir is not None else None
        if local is None:
            self.out.splice(instruction, word.start, word.end, "--only main")
            self.change(
                instruction,
                "--no-dev -> --only main: --no-dev was removed in Poetry 2, and without the project at hand --without dev could name a group it lacks",
            )
            self.warn(
                instruction,
                "--only main also leaves out non-optional groups other than dev; run with the build context (--context) to keep them",
            )
        elif "dev" in local.groups:
            self.out.splice(instruction, word.start, word.end, "--without dev")
            self.change(instruction, "--no-dev -> --without dev: --no-dev was removed in Poetry 2")
        else:
            self.drop_word(instruction, words, word)
            self.change(
                instruction, "--no-dev removed: Poetry 2 dropped it, and this project has no dev group to leave out"
            )

    def drop_word(self, instruction: Instruction, words, word) -> None:
        position = words.index(word)
        previous = words[position - 1]
        self.out.splice(instruction, previous.end, word.end, "")

    # Where the packages go

    def create_false_sources(self, env: dict[str, str]):
        commands = [c for c in self.poetry_commands if is_create_false(c.command)]
        env_instructions = [
            i
            for i in self.stage.instructions
            if i.keyword == "ENV"
            and any(k == "POETRY_VIRTUALENVS_CREATE" and v.strip().lower() in FALSE_WORDS for k, v in env_pairs(i))
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
            self.warn(first_line, f"virtualenvs.create false kept: {blocker}")
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
        user = used_by_other_stage(self.doc, self.stage)
        if user is not None:
            return f"line {user} takes files from this stage, maybe the system site-packages"
        if not self.stage.find("CMD") and not self.stage.find("ENTRYPOINT"):
            return "the image's command comes from the base image and runs the system Python"
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

    def replace_export(self, mode: str) -> bool:
        """Replace each export + pip pair; True when an export is left (it needs the plugin)."""
        left = False
        for number, at in enumerate(self.commands):
            sub = poetry_subcommand(at.command)
            if sub is not None and sub[0] == "export":
                left |= not self.replace_one_export(number, at, mode)
        return left

    def replace_one_export(self, number: int, export: CommandAt, mode: str) -> bool:
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
            pip = next((c for c in later if reads_requirements(c.command, (output,))), None)
        else:
            pip = None
        if pip is None:
            self.warn(
                instruction, "poetry export left alone: its requirements are not installed with pip in this stage"
            )
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
        text = "poetry install --no-root " + " ".join(options)
        if pip is piped:
            self.out.splice(instruction, export.command.start, pip.command.end, text.rstrip())
        else:
            self.out.splice(instruction, export.command.start, export.command.end, text.rstrip())
            self.out.remove_command(pip)
        for at in removable:
            self.out.remove_command(at)
        self.moved_into_venv.append(instruction)
        self.change(
            instruction,
            "poetry export + pip install -r -> poetry install --no-root: Poetry 2 needs a plugin to export, and the venv carries the packages",
        )
        return True

    # The ENV block

    def add_env_block(self, anchor: Instruction, env: dict[str, str], venv: bool) -> dict[str, str]:
        pairs = [p for p in self.new_env if p[0] == "POETRY_VERSION"]
        if "POETRY_NO_INTERACTION" not in env:
            pairs.append(("POETRY_NO_INTERACTION", "1"))
        in_project_configured = any(is_in_project_config(c.command) for c in self.poetry_commands)
        if venv and "POETRY_VIRTUALENVS_IN_PROJECT" not in env and not in_project_configured:
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
        text = f"{keyword} " + f" {self.doc.escape}\n    ".join(lines) + "\n"
        self.out.insert_before(self.doc.leading_comments(anchor.index), text)
        self.change(
            anchor,
            f"ENV {', '.join(k for k, _ in pairs)} added: a pinned, non-interactive Poetry with its venv at a fixed path",
        )
        return dict(pairs)


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
    _, args = poetry_subcommand(command)
    kept: list[str] = []
    output: str | None = None
    selects_groups = False
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


def reads_requirements(command: SimpleCommand, files: tuple[str, ...]) -> bool:
    """`pip install -r FILE` with nothing else to install."""
    args = pip_program(command)
    if args is None or "install" not in args:
        return False
    rest = args[args.index("install") + 1 :]
    found = False
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg in ("-r", "--requirement") and i + 1 < len(rest):
            found |= _same_file(rest[i + 1], files)
            i += 2
            continue
        if arg.startswith("--requirement=") or (arg.startswith("-r") and len(arg) > 2):
            found |= _same_file(arg.split("=", 1)[1] if "=" in arg else arg[2:], files)
        elif not arg.startswith("-"):
            return False  # installs something besides the exported requirements
        i += 1
    return found


def _same_file(path: str, files: tuple[str, ...]) -> bool:
    return any(path == f or path.removeprefix("./") == f.removeprefix("./") for f in files)


TRANSFORM = Transform(
    code="MIG001",
    name="modernise-poetry",
    reason="a pinned Poetry with an in-project venv builds the same way every time and gives the runtime stage one folder to copy",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
