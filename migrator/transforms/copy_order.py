"""MIG002 copy-manifests-first: copy the dependency manifests, install, then the source.

What it does
    In a stage that runs `poetry install`/`poetry sync` after copying the whole
    build context (`COPY . .`, `COPY . /app`, `ADD . .`, `COPY backend/ .`), puts a
    COPY of the manifests (pyproject.toml, poetry.lock, poetry.toml, with the same
    flags and destination) in its place, adds `--no-root` to the install, moves the
    whole-context COPY after it and, when the project installs something itself,
    adds the same install without `--no-root` after the source. An install of the
    root before the source is copied gets `--no-root` and the root install after it.

Why
    With the whole context copied first, any change to any file invalidates the
    layer cache of the dependency install, so every build reinstalls everything.
    Poetry 2 also refuses to install the root project before its readme exists.

Example
    COPY . .
    RUN poetry install --only main

Use instead
    COPY pyproject.toml poetry.lock ./
    RUN poetry install --only main --no-root
    COPY . .
    RUN poetry install --only main
"""

from __future__ import annotations

import posixpath
import re

from migrator.analysis import CommandAt, pip_program, poetry_installs, poetry_subcommand, workdir_at
from migrator.model import Dockerfile, Edit, Instruction, Stage, insert_before, replace
from migrator.project import ProjectContext
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import Note, Outcome, Safety, Settings, Transform

WHOLE_CONTEXT = frozenset({".", "./"})
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "dpkg", "update-ca-certificates", "pipx"})
HARMLESS = frozenset(
    {"true", "echo", "mkdir", "export", "set", "groupadd", "useradd", "addgroup", "adduser", "curl", "wget"}
)
POETRY_WITHOUT_SOURCE = frozenset({"config", "self", "lock", "check", "export", "env", "source", "install", "sync"})
CLEANED_UP_PATHS = ("/var/", "/tmp/", "/root/.cache", "~/.cache", "$HOME/.cache", "${HOME}/.cache")
PIP_OPTIONS_NEEDING_FILES = ("-r", "--requirement", "-e", "--editable", "-c", "--constraint")


def copied_project_dir(instruction: Instruction, project: ProjectContext) -> str | None:
    """The context folder a COPY/ADD copies whole ("" for the context itself), else None.

    A subfolder counts only when the context shows a pyproject.toml in it: without the
    context, `COPY src/ ./src/` cannot be told apart from `COPY backend/ .`.
    """
    source = _single_source(instruction)
    if source is None:
        return None
    if source in WHOLE_CONTEXT:
        return ""
    folder = _folder(source)
    if folder is not None and project.project(folder) is not None:
        return folder
    return None


def _single_source(instruction: Instruction) -> str | None:
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return None
    if instruction.json_args is not None or instruction.heredocs:
        return None
    words = instruction.words
    return words[0] if len(words) == 2 else None


def _folder(source: str) -> str | None:
    if any(ch in source for ch in "*?[$") or source.startswith(("/", "..", "http://", "https://")):
        return None
    folder = posixpath.normpath(source.removeprefix("./")).strip("/")
    if folder in ("", ".") or folder.startswith(".."):
        return None
    return folder


def apply(doc: Dockerfile, project: ProjectContext, settings: Settings) -> Outcome:
    edits: list[Edit] = []
    changes: list[Note] = []
    warnings: list[Note] = []
    for stage in doc.stages:
        installs = poetry_installs(stage)
        if installs:
            StageReorder(doc, stage, project, installs, edits, changes, warnings).run()
    return Outcome(tuple(edits), tuple(changes), tuple(warnings))


class StageReorder:
    def __init__(self, doc, stage, project, installs, edits, changes, warnings):
        self.doc: Dockerfile = doc
        self.stage: Stage = stage
        self.project: ProjectContext = project
        self.install: CommandAt = installs[0]
        self.later_installs: list[CommandAt] = installs[1:]
        self.edits: list[Edit] = edits
        self.changes: list[Note] = changes
        self.warnings: list[Note] = warnings

    def warn(self, instruction: Instruction, message: str) -> None:
        self.warnings.append(TRANSFORM.note(instruction.start_line, message))

    def change(self, instruction: Instruction, message: str) -> None:
        self.changes.append(TRANSFORM.note(instruction.start_line, message))

    @property
    def install_argv(self) -> list[str]:
        return self.install.command.argv

    def run(self) -> None:
        run = self.install.instruction
        if "--only-root" in self.install_argv:
            return
        before = [i for i in self.stage.instructions if i.index < run.index]
        after = [i for i in self.stage.instructions if i.index > run.index]
        source_copies = [i for i in before if self.project_dir(i, before) is not None]
        if len(source_copies) > 1:
            self.warn(
                source_copies[-1],
                f"the context is copied {len(source_copies)} times before the install: left alone; keep one copy",
            )
            return
        if source_copies:
            self.move_source_after_install(source_copies[0], before)
            return
        if "--no-root" in self.install_argv:
            return
        later_copy = next((i for i in after if self.project_dir(i, before) is not None), None)
        if later_copy is None:
            later_copy = self.partial_source_copy(after)
            known = self.project.project("")
            if later_copy is None or (known is not None and not known.installs_root):
                return  # only some files come later, and nothing of the project waits for them
        self.install_root_after_source(later_copy, before)

    def partial_source_copy(self, after: list[Instruction]) -> Instruction | None:
        """The last of the first COPYs of source into the project after the install (`COPY app ./app`)."""
        workdir = workdir_at(self.stage, self.install.instruction.index)
        found = None
        for instruction in after:
            if instruction.keyword not in ("COPY", "ADD"):
                if found is not None:
                    break
                continue
            if instruction.flag("from") is not None or instruction.json_args is not None or len(instruction.words) < 2:
                continue
            destination = posixpath.normpath(
                posixpath.join(workdir_at(self.stage, instruction.index), instruction.words[-1])
            )
            if destination == workdir or destination.startswith(workdir.rstrip("/") + "/"):
                found = instruction
        return found

    def project_dir(self, instruction: Instruction, before: list[Instruction]) -> str | None:
        source = _single_source(instruction)
        if source is None:
            return None
        # Only a copy into the folder the install runs in is the project being installed
        # (a path dependency copied to ./libs/common is not).
        destination = posixpath.normpath(
            posixpath.join(workdir_at(self.stage, instruction.index), instruction.words[1])
        )
        if destination != workdir_at(self.stage, self.install.instruction.index):
            return None
        folder = copied_project_dir(instruction, self.project)
        if folder is not None or self.project.root is not None:
            return folder
        # Without the context, a folder copied into the install's working directory with
        # no pyproject.toml copied before it must be where pyproject.toml comes from.
        folder = _folder(source)
        if folder is None or "." in posixpath.basename(folder):
            return None
        if any(self.copies_manifest(i) for i in before if i.index < instruction.index):
            return None
        return folder

    def copies_manifest(self, instruction: Instruction) -> bool:
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
            return False
        return any(posixpath.basename(w.rstrip("*")) == "pyproject.toml" for w in instruction.words[:-1])

    # `COPY . .` before the install

    def move_source_after_install(self, source_copy: Instruction, before: list[Instruction]) -> None:
        run = self.install.instruction
        between = [i for i in before if i.index > source_copy.index]
        for instruction in [*between, run]:
            if instruction.keyword == "WORKDIR":
                continue  # the copy goes to the install's folder anyway (checked in project_dir)
            reason = needs_source(instruction, self.install)
            if reason:
                self.warn(
                    instruction,
                    f"COPY of the whole context kept before the install: {reason}; move that step after the install to cache the dependencies",
                )
                return
        if "$" in source_copy.logical and any(i.keyword in ("ENV", "ARG") for i in between):
            self.warn(source_copy, "COPY of the whole context kept before the install: it uses a variable set after it")
            return
        folder = self.project_dir(source_copy, before)
        assert folder is not None, "source copies are the copies project_dir places"
        workdirs = [i for i in between if i.keyword == "WORKDIR"]
        comments_start = self.doc.leading_comments(source_copy.index)
        if workdirs:
            # `COPY . /app` then `WORKDIR /app`: the manifests go where the folder exists.
            manifests = self.manifest_copies(source_copy, folder, before, "./")
            self.edits.append(Edit(comments_start, source_copy.index + 1, ""))
            self.edits.append(insert_before(workdirs[-1].index + 1, manifests))
        else:
            manifests = self.manifest_copies(source_copy, folder, before)
            self.edits.append(Edit(comments_start, source_copy.index + 1, manifests))
        moved = "".join(n.raw for n in self.doc.nodes[comments_start : source_copy.index + 1])
        root = "" if self.root_installed_later(run) else self.root_install(folder)
        text = with_line_end(self.with_no_root(run)) + with_line_end(moved) + root
        self.edits.append(replace(run, text))
        self.change(
            source_copy,
            f"manifests copied before the dependency install and the source after it (line {run.start_line}): "
            "a source change no longer reinstalls every dependency",
        )

    def manifest_copies(
        self, source_copy: Instruction, folder: str, before: list[Instruction], destination: str | None = None
    ) -> str:
        keyword = "copy" if source_copy.logical.lstrip()[:1].islower() else "COPY"
        flags = "".join(source_copy.logical[f.start : f.end] + " " for f in source_copy.flags)
        destination = destination or source_copy.words[1]
        destination_dir = destination if destination.endswith("/") else destination + "/"
        base = f"{folder}/" if folder else ""
        known = self.project.project(folder)
        lines = []
        if not any(self.copies_manifest(i) for i in before if i.index < source_copy.index):
            names = known.manifest_files() if known else ["pyproject.toml", "poetry.lock*"]
            # A manifest that .dockerignore keeps out of the context would fail the COPY.
            paths = [base + n for n in names if n == "pyproject.toml" or not self.project.ignores(base + n)]
            lines.append(f"{keyword} {flags}{' '.join(paths)} {destination_dir}\n")
        for member in known.workspace_members if known else ():
            # Poetry builds path dependencies during the dependency install, so their
            # whole folders (not only their manifests) must be there before it.
            inside = posixpath.normpath(posixpath.join(folder or ".", member))
            relative = posixpath.relpath(inside, folder or ".")
            if relative.startswith("..") or relative == "." or f"{inside}/" not in self.project.files:
                continue
            lines.append(f"{keyword} {flags}{inside}/ {destination_dir}{relative}/\n")
        return "".join(lines)

    # the root installed before the source is there

    def install_root_after_source(self, later_copy: Instruction, before: list[Instruction]) -> None:
        run = self.install.instruction
        root = "" if self.root_installed_later(later_copy) else self.root_install(self.project_dir(later_copy, before))
        self.edits.append(replace(run, self.with_no_root(run)))
        if root:
            self.edits.append(insert_before(later_copy.index + 1, root))
        self.change(
            run,
            f"--no-root added: the project itself is installed after the source is copied (line {later_copy.start_line}); "
            "Poetry 2 cannot install it before its readme is there",
        )

    def root_installed_later(self, after: Instruction) -> bool:
        return any(c.instruction.index > after.index and "--no-root" not in c.command.argv for c in self.later_installs)

    # the texts

    def with_no_root(self, run: Instruction) -> str:
        command = self.install.command
        if "--no-root" in command.argv:
            return run.raw
        return run.splice(command.end, command.end, " --no-root")

    def root_install(self, folder: str | None) -> str:
        """The install again, now with the source: only when the project installs something."""
        if "--no-root" in self.install_argv:
            return ""
        known = self.project.project(folder or "")
        if known is not None and not known.installs_root:
            return ""
        run = self.install.instruction
        keyword = "run" if run.logical.lstrip()[:1].islower() else "RUN"
        flags = "".join(run.logical[f.start : f.end] + " " for f in run.flags)
        # What the install's RUN set up before it (exported variables, poetry config,
        # a cd) must hold for the root install too.
        setup = [c for c in run_commands(run)[: self.install.position] if sets_up_environment(c)]
        command = " && ".join(
            " ".join(run.logical[w.start : w.end] for w in c.words) for c in setup + [self.install.command]
        )
        return f"{keyword} {flags}{command}\n"


def sets_up_environment(command) -> bool:
    argv = command.argv
    if command.program in ("export", "cd", "source", ".", "set", "unset"):
        return True
    if argv and all("=" in word and not word.startswith("-") for word in argv):
        return True  # bare VAR=value assignments
    sub = poetry_subcommand(command)
    return sub is not None and sub[0] in ("config", "source")


def with_line_end(raw: str) -> str:
    return raw if raw.endswith("\n") else raw + "\n"


def needs_source(instruction: Instruction, install: CommandAt) -> str | None:
    """Why an instruction cannot run before the source is copied (None: it can)."""
    where = f"line {instruction.start_line}"
    if instruction.keyword in ("ENV", "ARG"):
        return None
    if instruction.keyword != "RUN":
        return f"{where} ({instruction.keyword}) may need the source"
    if instruction.heredocs or instruction.json_args is not None:
        return f"{where} runs a script this tool does not read"
    commands = run_commands(instruction)
    for number, command in enumerate(commands):
        if not runs_without_source(command, commands[number - 1] if number else None):
            return f"{where} runs {command.program or command.argv[0]}, which may need the source"
    if instruction is install.instruction and any(c.program == "cd" for c in commands):
        return f"{where} changes directory before the install"
    return None


def runs_without_source(command: SimpleCommand, previous: SimpleCommand | None) -> bool:
    program = command.program
    sub = poetry_subcommand(command)
    if sub is not None:
        return sub[0] in POETRY_WITHOUT_SOURCE
    pip_args = pip_program(command)
    if pip_args is not None:
        return not any(a.startswith(PIP_OPTIONS_NEEDING_FILES) or a.startswith((".", "/")) for a in pip_args)
    if program in PACKAGE_MANAGERS or program in HARMLESS:
        return True
    if re.fullmatch(r"python[0-9.]*", program):
        # `curl ... | python3 -` (Poetry's installer) and `python -m venv /opt/venv`
        return (
            command.operator == "|" and previous is not None and previous.program in ("curl", "wget")
        ) or command.argv[1:3] == ["-m", "venv"]
    if program == "rm":
        return all(a.startswith(("-", *CLEANED_UP_PATHS)) for a in command.argv[1:])
    return program == "cd"


TRANSFORM = Transform(
    code="MIG002",
    name="copy-manifests-first",
    reason="dependencies are installed from the manifests alone, so a source change keeps the install's layer cache",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
