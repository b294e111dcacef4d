"""One Dockerfile where it lives: the edge between the files and the pure pipeline.

Data flows one way. This module reads the Dockerfile and its build context, runs the
project-side part of `--uv` (migrator.uv_project converts pyproject.toml and the lock
in a scratch folder), calls the pipeline once with what it found, and hands back one
FileResult for the writer (migrator.files) or the report. Nothing here writes a file,
and neither the pipeline nor uv_project imports this module.
"""

from __future__ import annotations

from pathlib import Path

from migrator.model import ParseError
from migrator.pipeline import SKIP_FILE_RE, FileResult, Status, migrate_source
from migrator.project import ProjectContext, read_context
from migrator.record import replace
from migrator.source import decode
from migrator.transform import Note, Settings


def migrate_path(path: Path, settings: Settings, context_dir: Path | None = None) -> FileResult:
    """Read the file and its build context (its folder, or ``context_dir``) and migrate it."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(str(path), Status.FAILED, error=f"cannot be read: {exc.strerror or exc}")
    return migrate_data(str(path), data, settings, context_for(path, context_dir))


def context_for(path: Path | None, context_dir: Path | None) -> ProjectContext:
    if path is None:
        return read_context(context_dir)
    root = context_dir if context_dir is not None else path.parent
    context = read_context(root)
    # Where the Dockerfile sits in the context: a devcontainer.json names the one it builds by path.
    try:
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return context
    return replace(context, dockerfile=relative)


def migrate_data(name: str, data: bytes, settings: Settings, project: ProjectContext) -> FileResult:
    """Migrate bytes already read (a file, or stdin); with --uv, the project files change too or nothing does."""
    if not settings.uv:
        return migrate_source(name, data, settings, project)
    return _migrate_with_uv(name, data, settings, project)


def _migrate_with_uv(name: str, data: bytes, settings: Settings, project: ProjectContext) -> FileResult:
    """The pipeline once, with the project already converted; a refusal anywhere leaves everything as it was."""
    from migrator.transforms.switch_to_uv import REFUSED
    from migrator.uv_project import prepare, settings_for

    try:
        text = decode(data)
    except ParseError:
        return migrate_source(name, data, settings, project)  # says why, as for any file

    def unchanged(reason: str) -> FileResult:
        return FileResult(name, Status.SKIPPED, original=text, migrated=text, reason=reason)

    if SKIP_FILE_RE.search(text) or "poetry" not in text.lower():
        # Nothing of Poetry to switch in this Dockerfile: the pipeline says why on its own.
        return migrate_source(name, data, settings, project)
    if project.root is None:
        return unchanged("--uv needs the build context to convert pyproject.toml and the lock (use --context)")
    plan = prepare(project.root, settings)
    if plan.refusal:
        return unchanged(plan.refusal)
    result = migrate_source(name, data, settings_for(plan, settings), project)
    for warning in result.warnings:
        if warning.code == "MIG006" and warning.message.startswith(REFUSED):
            where = f"line {warning.line}: " if warning.line else ""
            return unchanged(where + warning.message)
    switched = any(change.code == "MIG006" for change in result.changes)
    if result.status is Status.MIGRATED and not switched and plan.extra_files:
        return unchanged("no Poetry install that switch-to-uv can rewrite; the project was left on Poetry")
    if not switched:
        return result
    notes = tuple(Note("MIG006", None, warning) for warning in plan.warnings)
    return replace(result, extra_files=result.extra_files + plan.extra_files, warnings=result.warnings + notes)
