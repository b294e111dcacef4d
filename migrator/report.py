"""What the user sees: diffs on stdout, one line per file event and a summary on stderr, JSON.

Everything goes through ``redact`` first: a Dockerfile that bakes a token into ARG
must not spread it into CI logs or pull requests. Rich is imported only when colour
or a table is actually drawn, so that a one-file run starts fast.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

from migrator.pipeline import FileResult, Status
from migrator.record import dataclass, field
from migrator.redact import redact
from migrator.transform import Note

if TYPE_CHECKING:
    from migrator.transform import Transform

JSON_REPORT_VERSION = 1
STDIN_NAME = "<stdin>"
STATUSES = (Status.MIGRATED, Status.UNCHANGED, Status.SKIPPED, Status.FAILED)


@dataclass(frozen=True)
class FileReport:
    """One file's result plus what the edge added: whether it was written, why a write or check failed."""

    result: FileResult
    context_label: str | None = None  # the folder extra files are relative to, as shown
    written: bool = False
    failure: str | None = None  # a write or verification failure: one line, already naming the file
    verification: Any = None  # migrator.verify.Verification when --verify ran

    @property
    def path(self) -> str:
        return self.result.path

    @property
    def status(self) -> Status:
        return Status.FAILED if self.failure else self.result.status


@dataclass
class Summary:
    counts: Counter[Status] = field(default_factory=Counter)
    applied: Counter[str] = field(default_factory=Counter)  # transform code -> files it changed

    def add(self, report: FileReport) -> None:
        self.counts[report.status] += 1
        if report.status is Status.MIGRATED:
            self.applied.update(report.result.applied)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --- diffs -----------------------------------------------------------------------------


def unified_diff(before: str | None, after: str | None, name: str, prefixes: bool = True) -> str:
    """A diff `git apply` and `patch -p1` accept; None on one side is a created or removed file."""
    import difflib

    old_lines = (before or "").splitlines(keepends=True)
    new_lines = (after or "").splitlines(keepends=True)
    from_name = "/dev/null" if before is None else f"a/{name}" if prefixes else name
    to_name = "/dev/null" if after is None else f"b/{name}" if prefixes else name
    lines = []
    for line in difflib.unified_diff(old_lines, new_lines, from_name, to_name):
        lines.append(line)
        if not line.endswith("\n"):
            lines.append("\n\\ No newline at end of file\n")
    return "".join(lines)


def file_diff(report: FileReport) -> str:
    """The Dockerfile's diff, then those of the project files its migration changes."""
    result = report.result
    if result.status is not Status.MIGRATED:
        return ""
    parts = [_diff(result.original, result.migrated, result.path)] if result.migrated != result.original else []
    for extra in result.extra_files:
        name = os.path.join(report.context_label, extra.path) if report.context_label else extra.path
        parts.append(_diff(extra.original, extra.migrated, name))
    return "".join(parts)


def _diff(before: str | None, after: str | None, path: str) -> str:
    # a/ and b/ make a patch `git apply` takes from the current folder; a path outside it,
    # and stdin, are named as they are (`patch -p0`).
    if path == STDIN_NAME:
        return unified_diff(before, after, path, prefixes=False)
    relative = os.path.normpath(path)
    if os.path.isabs(relative):
        try:
            relative = os.path.relpath(relative)
        except ValueError:
            pass
    if os.path.isabs(relative) or relative.startswith(".."):
        return unified_diff(before, after, os.path.normpath(path), prefixes=False)
    return unified_diff(before, after, relative)


def write_diff(text: str, stream: TextIO, colour: bool) -> None:
    text = redact(text)
    if not colour:
        write_exact(text, stream)
        return
    from rich.console import Console
    from rich.text import Text

    styles = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"), ("\\", "dim"))
    console = Console(file=stream, highlight=False, soft_wrap=True)
    for line in text.splitlines(keepends=True):
        style = next((s for prefix, s in styles if line.startswith(prefix)), "")
        console.print(Text(_printable(line).rstrip("\r\n"), style=style))


def write_exact(text: str, stream: TextIO) -> None:
    """Write text whose undecodable comment bytes ride along as surrogates, byte for byte."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(text.encode("utf-8", "surrogateescape"))
        buffer.flush()
    else:
        stream.write(_printable(text))
        stream.flush()


def _printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --- per-file messages (stderr) ---------------------------------------------------------


def location(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def failure_line(report: FileReport) -> str:
    if report.failure:
        return redact(report.failure)
    result = report.result
    return redact(f"{location(result.path, result.error_line)}: {result.error or 'failed'}")


def file_messages(report: FileReport, writing: bool, verbosity: int, reasons: dict[str, str]) -> list[str]:
    """The stderr lines for one file. verbosity: -1 quiet (errors only), 0 normal, 1 verbose."""
    result = report.result
    lines: list[str] = []
    if report.status is Status.FAILED:
        lines.append(failure_line(report))
        if verbosity > 0 and result.detail:
            lines.append(result.detail.rstrip("\n"))
        return lines
    if verbosity < 0:
        return lines
    if report.status is Status.MIGRATED:
        lines.append(f"migrated {result.path}" if writing else f"would migrate {result.path}")
    elif verbosity > 0:
        if report.status is Status.SKIPPED:
            lines.append(f"{result.path}: skipped: {result.reason or 'nothing to do'}")
        else:
            lines.append(f"{result.path}: already good, left unchanged")
    if verbosity > 0:
        for note in result.changes:
            why = reasons.get(note.code)
            lines.append(
                f"  {location(result.path, note.line)}: {note.code} {note.message}" + (f" (why: {why})" if why else "")
            )
    for note in result.warnings:
        lines.append(f"{location(result.path, note.line)}: warning: {_note_text(note)}")
    return [redact(line) for line in lines]


def _note_text(note: Note) -> str:
    return note.message if note.code == "context" else f"{note.code} {note.message}"


def summary_line(summary: Summary, writing: bool) -> str:
    counts = summary.counts
    if not summary.total:
        return "no Dockerfiles found"
    phrases = []
    for status, verb in (
        (Status.MIGRATED, "migrated" if writing else "would be migrated"),
        (Status.UNCHANGED, "left unchanged"),
        (Status.SKIPPED, "skipped"),
        (Status.FAILED, "failed"),
    ):
        if counts[status]:
            phrases.append(f"{_files(counts[status])} {verb}")
    return ", ".join(phrases)


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


# --- JSON -----------------------------------------------------------------------------


def json_document(reports: Iterable[FileReport], summary: Summary, mode: str) -> str:
    import json

    document = {
        "version": JSON_REPORT_VERSION,
        "mode": mode,
        "summary": {
            **{status.value: summary.counts[status] for status in STATUSES},
            "transforms": dict(sorted(summary.applied.items())),
        },
        "files": [file_record(report) for report in reports],
    }
    return json.dumps(_redacted(document), indent=2, ensure_ascii=False) + "\n"


def file_record(report: FileReport) -> dict[str, Any]:
    result = report.result
    error: dict[str, object] | None = None
    if report.status is Status.FAILED:
        if report.failure:
            error = {"line": None, "message": report.failure}
        else:
            error = {"line": result.error_line, "message": result.error or "failed"}
    verification = None
    if report.verification is not None:
        record = getattr(report.verification, "record", None)  # migrator.verify.Verification.record
        verification = (
            record()
            if record is not None
            else {"passed": bool(report.verification.passed), "failure": report.verification.failure}
        )
    diff = file_diff(report)
    return {
        "path": result.path,
        "status": report.status.value,
        "written": report.written,
        "applied": list(result.applied),
        "changes": [_note_record(n) for n in result.changes],
        "warnings": [_note_record(n) for n in result.warnings],
        "error": error,
        "reason": result.reason,
        "extra_files": [extra.path for extra in result.extra_files],
        "verification": verification,
        "diff": diff or None,
        "diff_masked": redact(diff) != diff,  # the diff shows **** for a value: do not apply it as a patch
    }


def _note_record(note: Note) -> dict[str, Any]:
    return {"code": note.code, "line": note.line, "message": note.message}


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(_printable(value))
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


# --- tables (rich, imported only here) --------------------------------------------------


def print_summary_table(summary: Summary, transforms: Iterable[Transform], stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    outcomes = Table(title="Files", title_justify="left")
    outcomes.add_column("outcome")
    outcomes.add_column("files", justify="right")
    for status in STATUSES:
        outcomes.add_row(status.value, str(summary.counts[status]))
    applied = Table(title="Transforms applied", title_justify="left")
    applied.add_column("code")
    applied.add_column("name")
    applied.add_column("files", justify="right")
    for transform in transforms:
        applied.add_row(transform.code, transform.name, str(summary.applied[transform.code]))
    console = Console(file=stream, highlight=False)
    console.print(outcomes)
    console.print(applied)


def print_transforms_table(transforms: Iterable[Transform], stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table()
    for column in ("code", "name", "safety", "reason"):
        table.add_column(column, overflow="fold")
    for transform in transforms:
        table.add_row(transform.code, transform.name, transform.safety.value, transform.reason)
    Console(file=stream, highlight=False).print(table)


class ProgressBar:
    """A transient bar on stderr while many files are migrated."""

    def __init__(self, total: int, stream: TextIO):
        from rich.console import Console
        from rich.progress import Progress

        self._progress = Progress(transient=True, console=Console(file=stream))
        self._task = self._progress.add_task("migrating", total=total)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def stop(self) -> None:
        self._progress.stop()
