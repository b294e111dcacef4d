"""Run the transforms in their explicit order, and check the result.

After each transform the new text is parsed again and the final stage's runtime
contract compared with the original's; a transform that breaks either is reverted
and named in a warning. The whole list runs again until nothing changes (a fixed
point); a file that keeps changing is reported as failed rather than written.
Per-file outcomes are values (FileResult), never exceptions.

This is the pure core: text (or bytes), the project context and the settings in, a
migration out. It reads and writes no file; migrator.migrate_file is the edge that
reads the Dockerfile and the project, and runs the project-side part of `--uv`.
"""

from __future__ import annotations

import re
from enum import Enum

from migrator import preflight
from migrator.analysis import created_user_id, created_user_ids, uses_poetry
from migrator.contract import RuntimeContract, runtime_contract
from migrator.model import Dockerfile, Edit, EditConflict, ParseError, apply_edits, parse
from migrator.patterns import lazy_compile
from migrator.project import ProjectContext
from migrator.record import dataclass, field, replace
from migrator.source import MAX_STAGES, InputError, decode
from migrator.transform import ExtraFile, Note, Settings, Transform

MAX_ROUNDS = 4
SKIP_FILE_RE = lazy_compile(r"^\s*#\s*migrator:\s*skip-file\b", re.MULTILINE)
INLINE_IGNORE_RE = lazy_compile(r"^\s*#\s*migrator:\s*ignore=([A-Za-z0-9_,\- ]+)", re.MULTILINE)


class Status(str, Enum):
    MIGRATED = "migrated"  # would change (or did, with --write)
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"  # left alone on purpose: not Poetry, skip-file, not Python
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    path: str
    status: Status
    original: str = ""
    migrated: str = ""
    changes: tuple[Note, ...] = ()
    warnings: tuple[Note, ...] = ()
    error: str | None = None
    error_line: int | None = None
    reason: str | None = None  # why a file was skipped
    detail: str | None = None  # traceback of an internal error, shown with -v
    extra_files: tuple[ExtraFile, ...] = ()

    @property
    def applied(self) -> tuple[str, ...]:
        return tuple(sorted({c.code for c in self.changes}))

    @property
    def changed(self) -> bool:
        return self.status is Status.MIGRATED


@dataclass(frozen=True)
class Migration:
    text: str
    changes: tuple[Note, ...] = ()
    warnings: tuple[Note, ...] = ()
    skipped: str | None = None
    extra_files: tuple[ExtraFile, ...] = field(default=())


def selected_transforms(settings: Settings) -> list[Transform]:
    from migrator.transforms import PIPELINE

    return [t for t in PIPELINE if t.selected_by(settings)]


def inline_settings(text: str, settings: Settings) -> Settings:
    codes: set[str] = set()
    for match in INLINE_IGNORE_RE.finditer(text):
        codes.update(c.strip() for c in match.group(1).split(",") if c.strip())
    if not codes:
        return settings
    return replace(settings, inline_ignores=frozenset(codes) | settings.inline_ignores)


def contract_breaks(
    before: RuntimeContract | None,
    after: RuntimeContract | None,
    settings: Settings,
    original: Dockerfile | None = None,
) -> list[str]:
    """Names of contract fields that changed in a way no transform may change them."""
    if before is None or after is None:
        return [] if before == after else ["stages"]
    broken = before.differences(after)
    if "user" in broken and before.user is None:
        # Running as root before and as the created non-root user now is the point.
        if after.user in (f"{settings.uid}:{settings.uid}", str(settings.uid), settings.user_name):
            broken.remove("user")
        elif original is not None and after.user in created_user_ids(original):
            # A user the file already creates, by its numeric ids (MIG005 reuses it rather than add a second).
            broken.remove("user")
    if "user" in broken and before.user is not None and original is not None:
        # The same user by the numeric ids the file gives it (runAsNonRoot needs numbers).
        if after.user == created_user_id(original, before.user.split(":")[0]):
            broken.remove("user")
    return broken


def migrate_text(text: str, project: ProjectContext, settings: Settings) -> Migration:
    """Migrate one Dockerfile's text. Raises ParseError for input it cannot model."""
    if SKIP_FILE_RE.search(text):
        return Migration(text, skipped="'# migrator: skip-file' in the file")
    doc = parse(text)
    if len(doc.stages) > MAX_STAGES:
        raise InputError(
            doc.stages[MAX_STAGES].from_instruction.start_line, f"more than {MAX_STAGES} stages: refusing to migrate"
        )
    if not doc.stages:
        if not doc.instructions:
            return Migration(text, skipped="empty: nothing to migrate")
        raise InputError(doc.instructions[0].start_line, "no FROM instruction: this is not a complete Dockerfile")
    for stage in doc.stages:
        if not stage.base_image:
            raise InputError(
                stage.from_instruction.start_line, "FROM names no image: give it one, e.g. FROM python:3.12-slim"
            )
    root_project = project.project("")
    if not uses_poetry(doc) and not (settings.uv and root_project is not None and root_project.is_poetry):
        return Migration(text, skipped="does not use Poetry")
    settings = inline_settings(text, settings)
    transforms = selected_transforms(settings)
    original = doc
    original_contract = runtime_contract(doc)
    changes: list[Note] = []
    warnings: list[Note] = []
    seen: set[Note] = set()
    origin = OriginLines(doc.text)
    extra: dict[str, ExtraFile] = {}

    def warn(note: Note) -> None:
        note = origin.to_user_file(note)
        if note not in seen:  # the same warning again in a later round
            seen.add(note)
            warnings.append(note)

    for round_number in range(MAX_ROUNDS):
        changed = False
        for transform in transforms:
            outcome = transform.apply(doc, project, settings)
            for note in outcome.warnings:
                warn(note)
            if not outcome.edits:
                continue
            try:
                new_text = apply_edits(doc, list(outcome.edits))
                new_doc = parse(new_text)
            except (ParseError, EditConflict) as exc:
                warn(transform.note(None, f"reverted: its output does not parse ({exc})"))
                continue
            if new_text == doc.render():
                continue
            broken = contract_breaks(original_contract, runtime_contract(new_doc), settings, original)
            if broken:
                warn(transform.note(None, f"reverted: it would change the runtime contract ({', '.join(broken)})"))
                continue
            if round_number == MAX_ROUNDS - 1:
                raise NotSettled(transform, outcome.changes)
            changes.extend(origin.to_user_file(note) for note in outcome.changes)
            origin = origin.advance(doc, list(outcome.edits), new_doc.text)
            doc = new_doc
            for extra_file in outcome.extra_files:
                extra[extra_file.path] = extra_file
            changed = True
        if not changed:
            break
    return Migration(doc.render(), tuple(changes), tuple(warnings), extra_files=tuple(extra.values()))


class OriginLines:
    """For each line of the text a transform sees, the line of the user's file it came from.

    Transforms number their notes by the text they were given, which after the first
    edit is no longer the user's file; users read line numbers against their own file.
    A line a transform wrote stands for the line it replaced, or the line above it.
    """

    LINE_IN_MESSAGE = lazy_compile(r"\b(lines?) (\d+)")
    ONCE_KEYWORDS = frozenset({"CMD", "ENTRYPOINT", "HEALTHCHECK", "STOPSIGNAL"})

    def __init__(self, text: str, origins: list[int] | None = None):
        self.origins = origins if origins is not None else list(range(1, text.count("\n") + 2))

    def line(self, line: int | None) -> int | None:
        return None if line is None else self.at(line)

    def at(self, line: int) -> int:
        if not self.origins:
            return line
        return self.origins[min(max(line, 1), len(self.origins)) - 1]

    def to_user_file(self, note: Note) -> Note:
        message = self.LINE_IN_MESSAGE.sub(lambda m: f"{m[1]} {self.at(int(m[2]))}", note.message)
        return Note(note.code, self.line(note.line), message)

    def advance(self, doc: Dockerfile, edits: list[Edit], new_text: str) -> OriginLines:
        """The origins of the lines of ``new_text``, which is ``doc`` with ``edits`` applied.

        Lines of nodes no edit touched keep their origin; written text stands for the
        first node it replaces, or for the line above it.
        """
        origins: list[int] = []

        def keep(first: int, last: int) -> None:
            for node in doc.nodes[first:last]:
                start = node.start_line - 1
                # The file's last line may lack its newline, and still is a line (jshimazu: `COPY . .`
                # on line 6 was named line 5, the origin of the line above).
                count = node.raw.count("\n") + (1 if node.raw and not node.raw.endswith("\n") else 0)
                origins.extend(self.origins[start : start + count])

        # A line that moved (deleted in one place, written in another) keeps its origin.
        removed: dict[str, int] = {}
        # A rewritten instruction of a kind the file has once (MIG003's `CMD ["poetry", "run", ...]`
        # -> `CMD [...]` in the runtime stage) stands for the line it rewrote, not the line above.
        rewritten: dict[str, set[int]] = {}
        for edit in edits:
            for node in doc.nodes[edit.start : edit.end]:
                for offset, line in enumerate(node.raw.split("\n")):
                    removed.setdefault(line.rstrip("\r"), self.at(node.start_line + offset))
                keyword = getattr(node, "keyword", None)
                if keyword in self.ONCE_KEYWORDS:
                    rewritten.setdefault(keyword, set()).add(self.at(node.start_line))
        cursor = 0
        for edit in sorted(edits, key=lambda e: (e.start, e.end > e.start)):
            keep(cursor, edit.start)
            if edit.start < len(doc.nodes) and edit.end > edit.start:
                anchor = self.at(doc.nodes[edit.start].start_line)
            else:
                anchor = origins[-1] if origins else 1
            written = edit.text.split("\n")
            if edit.end < len(doc.nodes) or written[-1] == "":
                # Only the file's last line may lack its newline (a file without a final newline).
                written = written[:-1]
            for line in written:
                origin = removed.get(line.rstrip("\r"))
                if origin is None and line.strip():
                    lines = rewritten.get(line.split(None, 1)[0].upper(), set())
                    origin = next(iter(lines)) if len(lines) == 1 else None
                origins.append(origin if origin is not None and line.strip() else anchor)
            cursor = max(cursor, edit.end)
        keep(cursor, len(doc.nodes))
        wanted = new_text.count("\n") + 1
        # A last line without a newline, or one added before an append, shifts the count by one.
        origins = (origins + [origins[-1] if origins else 1] * wanted)[:wanted]
        return OriginLines(new_text, origins)


class NotSettled(RuntimeError):
    def __init__(self, transform: Transform, changes: tuple[Note, ...]):
        where = f" (line {changes[0].line})" if changes and changes[0].line else ""
        super().__init__(
            f"{transform.code} {transform.name} keeps changing the file{where}: no fixed point; please report this file"
        )


def migrate_source(
    name: str,
    data: bytes,
    settings: Settings,
    project: ProjectContext,
) -> FileResult:
    """Migrate bytes already read; every outcome, including a crash, becomes a FileResult."""
    try:
        text = decode(data)
    except ParseError as exc:
        return FileResult(name, Status.FAILED, error=exc.message, error_line=exc.line)
    try:
        # An original that cannot build or start is refused, unchanged (preflight.CannotBuild is a ParseError).
        migration = preflight.checked(text, migrate_text(text, project, settings), project)
    except ParseError as exc:
        return FileResult(name, Status.FAILED, original=text, migrated=text, error=exc.message, error_line=exc.line)
    except NotSettled as exc:
        return FileResult(name, Status.FAILED, original=text, migrated=text, error=str(exc))
    except Exception as exc:  # a bug in a transform must not stop a bulk run
        return FileResult(
            name,
            Status.FAILED,
            original=text,
            migrated=text,
            error=f"internal error ({type(exc).__name__}: {exc}); run with -v for the traceback and please report it",
            detail=_traceback(),
        )
    context_warnings = tuple(Note("context", None, w) for w in project.warnings)
    if migration.skipped:
        return FileResult(name, Status.SKIPPED, original=text, migrated=text, reason=migration.skipped)
    status = Status.MIGRATED if migration.text != text or migration.extra_files else Status.UNCHANGED
    return FileResult(
        name,
        status,
        original=text,
        migrated=migration.text,
        changes=migration.changes,
        warnings=context_warnings + migration.warnings if status is Status.MIGRATED else migration.warnings,
        extra_files=migration.extra_files,
    )


def _traceback() -> str:
    import traceback  # only a bug needs it: linecache and tokenize stay out of a normal run's start-up

    return traceback.format_exc()
