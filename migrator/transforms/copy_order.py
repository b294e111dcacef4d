"""MIG002 copy-manifests-first: copy the dependency manifests, install, then the source.

What it does
    In a stage that runs `poetry install`/`poetry sync` after copying the whole
    build context (`COPY . .`, `COPY . /app`, `ADD . .`, `COPY backend/ .`), puts a
    COPY of the manifests (pyproject.toml, poetry.lock, poetry.toml, with the same
    flags and destination) in its place, adds `--no-root` to the install and moves
    the whole-context COPY after it; copies of part of the source before the install
    (`COPY ./app ./app`, `COPY src/ src/`) move after it too. When the original
    installed its root project, `poetry install --only-root` follows the source.

Why
    With the source copied first, any change to any file invalidates the layer cache
    of the dependency install, so every build reinstalls everything.

Example
    COPY . .
    RUN poetry install --only main

Use instead
    COPY pyproject.toml poetry.lock ./
    RUN poetry install --only main --no-root
    COPY . .
    RUN poetry install --only-root

Notes on what real files do
    - Every source copy goes after the dependency install, not only `COPY . .`:
      `COPY ./app ./app` or `COPY ./data ./data` before it still reinstalled every
      dependency on each edit. A copy stays (with a warning naming its line) when a
      step before the install may need it, when a WORKDIR between changes where it
      lands, or when it brings source along with the manifests; path dependencies
      stay, as the install builds them.
    - The root install is the one the original really performed. An install that ran
      before the source was copied never installed the root (Poetry before 1.7 skipped it
      silently, 1.7 and 1.8 with a warning), so the migration installs dependencies only,
      adding `--no-root` when Poetry 2 runs (pinned, unpinned or unknown: it exits 1 where
      Poetry 1 skipped it) and the project is not `package-mode = false`. A root install is added
      only when something needs it: a `poetry run X` in CMD/ENTRYPOINT whose X is a
      console script of the project that no locked package provides (`poetry run`
      finds it without an install; MIG003 drops `poetry run`). Then the readme is
      copied first when the file never copies it, and the root install is held back
      with a warning when a package of the project is not copied.
    - The root install after the source is `poetry install --only-root`, without
      `--with/--without/--only/--all-groups` (Poetry refuses them with it; groups do
      not matter for the root) and without `--sync` (with no group selected it would
      remove every dependency; `poetry sync` becomes `poetry install`). Other options
      (`--compile`, `--no-interaction`, extras) are kept. Poetry before 1.2 has no
      `--only-root`: there the install is repeated without `--no-root`.
    - Every `--no-root` it adds has a note on the install's line saying why: the root
      installed after the source, a later install doing it, `package-mode = false`, or a
      project with no package (Poetry 2 fails on it). Seen on five real PRs without one.
      The note says what the pinned Poetry did with the missing root: five real notes said
      "Poetry 1 only warned" under Poetry 1.0.0, 1.1.11 and 1.5.1, which skipped it silently.
    - The export path too: where MIG001 keeps `poetry export` + `pip install -r` (a system
      install) and the manifests are copied on their own before it, the whole-context copy
      above the export moves after the pip install (a real `ADD . /code` before `COPY
      poetry.lock pyproject.toml /tmp/` and an export in /tmp reinstalled everything on each
      edit). It stays, with a warning naming the step, when a step between may need the source,
      or when a WORKDIR between would change where a relative copy lands.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re

from migrator.analysis import CommandAt, commands_in, pip_program, poetry_installs, poetry_subcommand, workdir_at
from migrator.model import Dockerfile, Edit, Instruction, Stage, insert_before, replace, split_words
from migrator.project import ProjectContext
from migrator.root_install import (
    covers,
    is_install_input,
    is_source_copy,
    knows_only_root,
    missing_root_handling,
    poetry_named,
    poetry_run_program,
    poetry_version,
    project_script,
    root_install_words,
    root_needs,
    stage_project,
)
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import Note, Outcome, Safety, Settings, Transform

WHOLE_CONTEXT = frozenset({".", "./"})
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "dpkg", "update-ca-certificates", "pipx"})
HARMLESS = frozenset(
    {"true", "echo", "mkdir", "export", "set", "groupadd", "useradd", "addgroup", "adduser", "curl", "wget"}
)
# Commands that may put files of the project in place without a COPY.
SOURCE_MAKERS = frozenset({"mkdir", "touch", "cp", "mv", "git", "curl", "wget", "tar", "unzip", "ln", "install"})
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
        else:
            reorder_export(doc, stage, project, edits, changes, warnings)
    return Outcome(tuple(edits), tuple(changes), tuple(warnings))


def reorder_export(
    doc: Dockerfile,
    stage: Stage,
    project: ProjectContext,
    edits: list[Edit],
    changes: list[Note],
    warnings: list[Note],
) -> None:
    """`poetry export` + `pip install -r` kept by MIG001: the source copy goes after them too.

    Only when the manifests are copied on their own before the export (the whole-context copy
    is not what the export reads), and nothing between needs the source (guilehm/pokemon-apps:
    `ADD . /code` above `COPY poetry.lock pyproject.toml /tmp/` and the export in /tmp).
    """
    commands = commands_in(stage)
    export = next((c for c in commands if (poetry_subcommand(c.command) or ("",))[0] == "export"), None)
    if export is None:
        return
    output = _export_output(export.command)
    pip = next(
        (
            c
            for c in commands
            if c.instruction.index >= export.instruction.index
            and c is not export
            and _reads_export(
                c.command, output, piped=c.command.operator == "|" and c.instruction is export.instruction
            )
        ),
        None,
    )
    if pip is None:
        return
    before = [i for i in stage.instructions if i.index < export.instruction.index]
    sources = [i for i in before if copied_project_dir(i, project) is not None]
    manifests = [i for i in before if i.keyword in ("COPY", "ADD") and not is_source_copy(i) and i.flag("from") is None]
    if len(sources) != 1 or not any("pyproject.toml" in i.logical for i in manifests):
        return  # several copies, or the export reads the manifests the source copy brings
    source = sources[0]
    blocker = _export_blocker(stage, source, export, pip)
    if blocker is not None:
        warnings.append(
            TRANSFORM.note(
                source.start_line,
                f"the source copy stays before the dependency install: {blocker}; move that step after the install "
                "to cache the dependencies",
            )
        )
        return
    start = doc.leading_comments(source.index)
    moved = with_line_end("".join(n.raw for n in doc.nodes[start : source.index]) + source.raw)
    edits.append(Edit(start, source.index + 1, ""))
    edits.append(insert_before(pip.instruction.index + 1, moved))
    changes.append(
        TRANSFORM.note(
            source.start_line,
            f"source copied after the dependency install (line {pip.instruction.start_line}) rather than before "
            "the export: the manifests are copied on their own, so a source change no longer reinstalls every dependency",
        )
    )


def _export_output(command: SimpleCommand) -> str | None:
    """The file `poetry export` writes (`-o`/`--output`), or None for stdout."""
    argv = command.argv
    for k, word in enumerate(argv):
        if word in ("-o", "--output") and k + 1 < len(argv):
            return argv[k + 1]
        if word.startswith("--output="):
            return word.split("=", 1)[1]
        if word.startswith("-o") and len(word) > 2:
            return word[2:]
        if word == ">" and k + 1 < len(argv):
            return argv[k + 1]
    return None


def _reads_export(command: SimpleCommand, output: str | None, piped: bool) -> bool:
    """A `pip install -r` of the export's output (its file by name, or stdin when piped)."""
    args = pip_program(command)
    if args is None or "install" not in args:
        return False
    files = [
        args[k + 1] if a in ("-r", "--requirement") and k + 1 < len(args) else a.split("=", 1)[1]
        for k, a in enumerate(args)
        if a in ("-r", "--requirement") or a.startswith("--requirement=")
    ]
    if piped:
        return any(f in ("-", "/dev/stdin") for f in files)
    return output is not None and any(posixpath.basename(f) == posixpath.basename(output) for f in files)


def _export_blocker(stage: Stage, source: Instruction, export: CommandAt, pip: CommandAt) -> str | None:
    """Why a step between the source copy and the pip install may need the source (None: none does)."""
    destination = source.words[1] if source.json_args is None and len(source.words) == 2 else None
    for instruction in stage.instructions:
        if not source.index < instruction.index <= pip.instruction.index:
            continue
        where = f"line {instruction.start_line}"
        if instruction.keyword in ("ENV", "ARG"):
            continue
        if instruction.keyword == "WORKDIR":
            if destination is None or not destination.startswith("/"):
                return f"{where} (WORKDIR) changes where it lands"
            continue
        if instruction.keyword in ("COPY", "ADD"):
            if is_source_copy(instruction) or instruction.flag("from") is not None:
                return f"{where} ({instruction.keyword}) may write over what it copies"
            continue
        if instruction.keyword != "RUN" or instruction.heredocs or instruction.json_args is not None:
            return f"{where} ({instruction.keyword}) may need the source"
        commands = run_commands(instruction)
        for number, command in enumerate(commands):
            if (instruction.index, number) in {
                (export.instruction.index, export.position),
                (pip.instruction.index, pip.position),
            }:
                continue
            if not runs_without_source(command, commands[number - 1] if number else None):
                return f"{where} runs {command.program or command.argv[0]}, which may need the source"
    return None


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
        self.version = poetry_version(doc, stage, self.install.instruction.index)
        self.staying: set[int] = set()  # copies of source that stay before the install

    def warn(self, instruction: Instruction, message: str) -> None:
        self.warnings.append(TRANSFORM.note(instruction.start_line, message))

    def change(self, instruction: Instruction, message: str) -> None:
        self.changes.append(TRANSFORM.note(instruction.start_line, message))

    @property
    def install_argv(self) -> list[str]:
        return self.install.command.argv

    @property
    def workdir(self) -> str:
        return workdir_at(self.stage, self.install.instruction.index)

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
        partial = self.movable_partial_copies(before, source_copies)
        if source_copies:
            self.move_source_after_install(source_copies[0], partial, before)
            return
        if partial:
            self.move_partial_copies(partial, before, after)
            return
        if any(is_source_copy(i) for i in before):
            return  # source that has to stay before the install (warned about above)
        self.install_before_source(before, after)

    # which copies of the source come before the install

    def movable_partial_copies(self, before: list[Instruction], whole: list[Instruction]) -> list[Instruction]:
        """Copies of part of the source before the install (`COPY ./app ./app`) that can move after it."""
        found = []
        members = self.member_paths()
        # From the install backwards: a copy that stays before the install keeps the copies
        # above it there too, since moving them after it could change which one writes last.
        for instruction in reversed(before):
            if instruction in whole or not is_source_copy(instruction) or instruction.heredocs:
                continue
            self.staying.add(instruction.index)
            if _single_source(instruction) in WHOLE_CONTEXT:
                continue  # the whole context, elsewhere than where the install runs: not a part of it
            sources = instruction.json_args[:-1] if instruction.json_args is not None else instruction.words[:-1]
            if any(is_install_input(s) for s in sources):
                self.warn(
                    instruction,
                    "this COPY brings source along with the manifests, so every source edit reinstalls the "
                    "dependencies; copy the manifests on their own before the install",
                )
                continue
            if any(posixpath.normpath(s.removeprefix("./")).strip("/") in members for s in sources):
                self.staying.discard(instruction.index)  # the same files as in the context: no harm
                continue  # a path dependency: the install builds it
            if stage_project(self.stage, self.project) is None:
                self.warn(
                    instruction,
                    "this COPY stays before the dependency install: without the project's pyproject.toml, it may "
                    "be a path dependency the install needs (use --context for the build context)",
                )
                continue
            blocked = self.blocker(instruction, whole=False)
            if blocked:
                _, reason = blocked
                advice = "" if "WORKDIR" in reason else "; move that step after the install to cache the dependencies"
                self.warn(instruction, f"this COPY stays before the dependency install: {reason}{advice}")
                continue
            self.staying.discard(instruction.index)
            found.append(instruction)
        return found[::-1]

    def member_paths(self) -> set[str]:
        known = self.project.project("")
        members = set()
        for project in self.project.projects.values():
            for member in project.workspace_members:
                base = project.directory or "."
                members.add(posixpath.normpath(posixpath.join(base, member)))
        return members if known is not None or self.project.projects else set()

    def blocker(self, copy: Instruction, whole: bool) -> tuple[Instruction, str] | None:
        """The step that keeps a copy before the install, and why (None: it can move after it)."""
        run = self.install.instruction
        between = [i for i in self.stage.instructions if copy.index < i.index < run.index]
        for instruction in [*between, run]:
            if instruction.keyword == "WORKDIR":
                # The whole context goes to the install's folder anyway (checked in project_dir);
                # another copy keeps its place through an absolute destination (moved_text).
                if whole or copy.json_args is None or copy.json_args[-1].startswith("/"):
                    continue
                return instruction, f"line {instruction.start_line} (WORKDIR) changes where it lands"
            if instruction.keyword in ("COPY", "ADD"):
                if instruction.flag("from") is not None or instruction.index in self.staying:
                    return instruction, f"line {instruction.start_line} (COPY) stays and may write over what it copies"
                continue
            reason = needs_source(instruction, self.install)
            if reason:
                return instruction, reason
        if "$" in copy.logical and any(i.keyword in ("ENV", "ARG") for i in between):
            return copy, "it uses a variable set after it"
        return None

    # `COPY . .` before the install

    def move_source_after_install(
        self, source_copy: Instruction, partial: list[Instruction], before: list[Instruction]
    ) -> None:
        run = self.install.instruction
        blocked = self.blocker(source_copy, whole=True)
        if blocked:
            instruction, reason = blocked
            advice = (
                "" if instruction is source_copy else "; move that step after the install to cache the dependencies"
            )
            self.warn(instruction, f"COPY of the whole context kept before the install: {reason}{advice}")
            return
        folder = self.project_dir(source_copy, before) or ""  # it is one: run() found it so
        between = [i for i in before if i.index > source_copy.index]
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
        moved_copies = sorted([*partial, source_copy], key=lambda i: i.index)
        for copy in partial:
            self.edits.append(Edit(self.doc.leading_comments(copy.index), copy.index + 1, ""))
        moved = "".join(self.moved_text(copy) for copy in moved_copies)
        performed = "--no-root" not in self.install_argv
        root = self.root_install_text(folder, performed, run, moved_copies)
        text = with_line_end(self.with_no_root(run)) + moved + root
        self.edits.append(replace(run, text))
        self.change(
            source_copy,
            f"manifests copied before the dependency install and the source after it (line {run.start_line}): "
            "a source change no longer reinstalls every dependency",
        )
        self.note_no_root(run, folder, bool(root))

    def moved_text(self, copy: Instruction) -> str:
        """A copy with the comments above it, its destination made absolute if a WORKDIR came between."""
        start = self.doc.leading_comments(copy.index)
        text = copy.raw
        here = workdir_at(self.stage, copy.index)
        if here != self.workdir and copy.json_args is None:
            last = split_words(copy.logical, copy.args_start)[-1]
            if not last.text.startswith("/"):
                absolute = posixpath.normpath(posixpath.join(here, last.text))
                trailing = "/" if last.text.endswith("/") or last.text in (".", "./") else ""
                text = copy.splice(last.start, last.end, absolute.rstrip("/") + trailing)
        comments = "".join(n.raw for n in self.doc.nodes[start : copy.index])
        return with_line_end(comments + text)

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

    # `COPY ./app ./app` before the install, no whole-context copy

    def move_partial_copies(
        self, partial: list[Instruction], before: list[Instruction], after: list[Instruction]
    ) -> None:
        run = self.install.instruction
        for copy in partial:
            self.edits.append(Edit(self.doc.leading_comments(copy.index), copy.index + 1, ""))
        moved = "".join(self.moved_text(copy) for copy in partial)
        # The original installed its root only when the packages were there (Poetry 1 warned
        # and went on without it, Poetry 2 fails): install it again only then.
        performed = "--no-root" not in self.install_argv and self.root_was_there(before)
        later = self.partial_source_copy(after)
        if later is None:
            root = self.root_install_text("", performed, run, partial)
            self.edits.append(replace(run, with_line_end(self.with_no_root(run)) + moved + root))
        else:
            root = self.root_install_text("", performed, later, [*partial, *self.copies_until(later, after)])
            self.edits.append(replace(run, with_line_end(self.with_no_root(run)) + moved))
            if root:
                self.edits.append(insert_before(later.index + 1, root))
        self.note_no_root(run, "", bool(root), performed)
        # "line N" each time: the pipeline maps every such number back to the user's file.
        lines = " and ".join(f"line {c.start_line}" for c in partial)
        self.change(
            partial[0],
            f"source copied after the dependency install (line {run.start_line}) rather than before it ({lines}): "
            "a source change no longer reinstalls every dependency",
        )

    def note_no_root(self, run: Instruction, folder: str, root_added: bool, performed: bool = True) -> None:
        """Say why the install that now runs before the source got `--no-root` (every change has its note)."""
        if "--no-root" in self.install_argv:
            return
        if root_added:
            how = "`poetry install --only-root`" if knows_only_root(self.version) else "the install repeated"
            why = f"the project itself is installed after the source ({how})"
        elif not performed:
            why = "the original installed it before its packages were copied, so it never installed the project itself"
        elif self.root_installed_later(run):
            why = "a later install, after the source, installs the project itself"
        else:
            known = self.project.project(folder)
            if known is not None and not known.package_mode:
                why = "the project sets package-mode = false, so there is no project to install"
            elif known is not None and not known.installs_root:
                why = (
                    "the project has no package Poetry could install (no packages, scripts or folder named after it), "
                )
                handling = missing_root_handling(self.version)
                if handling == "fails":
                    why += "which Poetry 2 fails on"
                else:  # Ariulis: "which Poetry 2 fails on" under a 1.8.5 pin
                    how = "only skips with a warning" if handling == "warns" else "skips silently"
                    why += f"which {poetry_named(self.version)} {how} (Poetry 2 fails on it)"
            else:
                why = "the dependencies install before the source"
        self.change(run, f"--no-root added to the dependency install: {why}")

    def copies_until(self, last: Instruction, after: list[Instruction]) -> list[Instruction]:
        return [i for i in after if i.index <= last.index and i.keyword in ("COPY", "ADD")]

    def root_was_there(self, before: list[Instruction]) -> bool:
        """Whether the packages of the root were copied when the original installed (context known)."""
        known = self.project.project("")
        if known is None:
            return True  # cannot tell: keep what the file did
        if not known.package_mode or not known.installs_root:
            return False
        packages, _ = root_needs(known, self.project.files)
        copies = [i for i in before if i.keyword in ("COPY", "ADD")]
        return bool(packages) and all(
            covers(self.stage, copies, p, "", self.workdir, self.project.files) for p in packages
        )

    # the install runs before any source is copied

    def install_before_source(self, before: list[Instruction], after: list[Instruction]) -> None:
        run = self.install.instruction
        known = self.project.project("")
        later_copy = next((i for i in after if self.project_dir(i, before) is not None), None)
        if later_copy is None:
            later_copy = self.partial_source_copy(after)
        needed = self.needed_script() if later_copy is not None else None
        no_root = "--no-root" not in self.install_argv and (known is None or known.package_mode)
        # Poetry 1 skipped the root where Poetry 2 fails; --no-root says what either really did (and
        # lets --uv sync the same: without it, uv builds a project whose source is not there yet).
        fails = {
            "fails": "Poetry 2 fails trying",
            "warns": f"{poetry_named(self.version)} only warned about it",
            # Bot-Rayado (1.0.0), DucNgn (1.5.1), k2bd (1.1.11): "Poetry 1 only warned", but before 1.7 it was silent
            "skips": f"{poetry_named(self.version)} skipped it silently",
        }[missing_root_handling(self.version)]
        if later_copy is None:
            if no_root and not self.may_create_source(before):
                self.edits.append(replace(run, self.with_no_root(run)))
                self.change(
                    run,
                    "--no-root added: no source is copied before the install, so the original never installed "
                    f"the project itself and {fails}",
                )
            return
        root = ""
        if needed and not self.root_installed_later(later_copy):
            root = self.root_install_text(
                self.project_dir(later_copy, before) or "", False, later_copy, self.copies_until(later_copy, after)
            )
        if no_root:
            self.edits.append(replace(run, self.with_no_root(run)))
            self.change(
                run,
                f"--no-root added: the install runs before the source is copied (line {later_copy.start_line}), so "
                f"the original never installed the project itself and {fails}",
            )
        if root:
            self.edits.append(insert_before(later_copy.index + 1, root))

    def may_create_source(self, before: list[Instruction]) -> bool:
        """Whether a step before the install may put files of the project in place (`mkdir app && touch ...`)."""
        commands = [c for i in before if i.keyword == "RUN" for c in run_commands(i)]
        commands += run_commands(self.install.instruction)[: self.install.position]
        return any(c.program in SOURCE_MAKERS for c in commands) or any(
            i.keyword == "RUN" and (i.heredocs or i.json_args is not None) for i in before
        )

    def needed_script(self) -> str | None:
        """A console script of the project that a CMD/ENTRYPOINT runs through `poetry run`."""
        known = stage_project(self.stage, self.project)
        if known is None or not known.package_mode or len(self.doc.stages) != 1:
            return None  # MIG003 drops `poetry run` only when it splits a single stage
        final = self.doc.stages[-1]
        for instruction in [*final.instructions, *self.stage.instructions]:
            program = poetry_run_program(instruction)
            if program is not None and project_script(program, known, self.project):
                return program
        return None

    def root_installed_later(self, after: Instruction) -> bool:
        return any(c.instruction.index > after.index and "--no-root" not in c.command.argv for c in self.later_installs)

    # the texts

    def with_no_root(self, run: Instruction) -> str:
        command = self.install.command
        if "--no-root" in command.argv:
            return run.raw
        return run.splice(command.end, command.end, " --no-root")

    def root_install_text(self, folder: str, performed: bool, anchor: Instruction, copies: list[Instruction]) -> str:
        """The root install after the source: when the original did it, or a console script needs it."""
        if self.root_installed_later(anchor):
            return ""
        known = self.project.project(folder or "")
        if known is not None and not known.installs_root:
            return ""
        script = self.needed_script()
        if not performed and script is None:
            return ""
        readme_copy = ""
        if known is not None and not performed:
            packages, readmes = root_needs(known, self.project.files)
            base = known.directory
            missing = [p for p in packages if not self.covered(p, base, copies) and not self.covered_before(p, base)]
            # Poetry 2 fails on a readme it cannot read: one the context lacks (names are case-sensitive
            # in the image) or .dockerignore keeps out.
            unreadable = [r for r in readmes if r not in self.project.files or self.dockerignored(r)]
            if missing or not packages or unreadable:
                if missing or not packages:
                    why = f"{missing[0]} is not copied into the image" if missing else "its package cannot be found"
                else:
                    why = f"the readme {unreadable[0]} that pyproject.toml names is not in the build context"
                self.warn(
                    anchor,
                    f"`poetry run {script}` needs the project installed, but {why}: the root install is not added",
                )
                return ""
            absent = [r for r in readmes if not self.covered(r, base, copies) and not self.covered_before(r, base)]
            if absent:
                keyword = "copy" if anchor.logical.lstrip()[:1].islower() else "COPY"
                readme_copy = f"{keyword} {' '.join(absent)} ./\n"
            self.change(
                anchor,
                f"the project installed after its source (`poetry install --only-root`): `{script}` replaces "
                f"`poetry run {script}` and exists only once the project is installed",
            )
        return readme_copy + self.root_install()

    def dockerignored(self, path: str) -> bool:
        """Whether .dockerignore keeps a file out of the context (the last matching pattern decides)."""
        ignored = False
        for pattern in self.project.dockerignore or ():
            keep = pattern.startswith("!")
            pattern = pattern.removeprefix("!").strip().lstrip("/").removeprefix("./")
            if fnmatch.fnmatchcase(path, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatchcase(posixpath.basename(path), pattern[3:])
            ):
                ignored = not keep
        return ignored

    def covered(self, path: str, base: str, copies: list[Instruction]) -> bool:
        return covers(self.stage, copies, path, base, self.workdir, self.project.files)

    def covered_before(self, path: str, base: str) -> bool:
        before = [i for i in self.stage.instructions if i.index < self.install.instruction.index]
        return covers(self.stage, before, path, base, self.workdir, self.project.files)

    def root_install(self) -> str:
        """`poetry install --only-root` with the install's own setup and options (Poetry < 1.2: the install again)."""
        run = self.install.instruction
        keyword = "run" if run.logical.lstrip()[:1].islower() else "RUN"
        flags = "".join(run.logical[f.start : f.end] + " " for f in run.flags)
        # What the install's RUN set up before it (exported variables, poetry config,
        # a cd) must hold for the root install too.
        setup = [c for c in run_commands(run)[: self.install.position] if sets_up_environment(c)]
        parts = [" ".join(run.logical[w.start : w.end] for w in c.words) for c in setup]
        only_root = knows_only_root(self.version)
        words = self.install.command.words
        kept = [words[n] for n in root_install_words(self.install_argv, only_root)]
        texts = [run.logical[w.start : w.end] for w in kept]
        if only_root:
            # `poetry sync --only-root` would remove every dependency, none being selected.
            if (poetry_subcommand(self.install.command) or ("",))[0] == "sync":
                texts[texts.index("sync")] = "install"
            texts.append("--only-root")
        parts.append(" ".join(texts))
        return f"{keyword} {flags}{' && '.join(parts)}\n"

    def partial_source_copy(self, after: list[Instruction]) -> Instruction | None:
        """The last of the first COPYs of source into the project after the install (`COPY app ./app`)."""
        workdir = self.workdir
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
        if destination != self.workdir:
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
