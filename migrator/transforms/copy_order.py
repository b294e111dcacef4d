"""PLACEHOLDER: copy-manifests-first is being written; it changes nothing yet."""

from __future__ import annotations

import posixpath

from migrator.model import Instruction
from migrator.project import ProjectContext
from migrator.transform import NOTHING, Safety, Transform

WHOLE_CONTEXT = frozenset({".", "./"})


def copied_project_dir(instruction: Instruction, project: ProjectContext) -> str | None:
    """The context folder a COPY/ADD copies whole ("" for the context itself), else None.

    A subfolder counts only when the context shows a pyproject.toml in it: without the
    context, `COPY src/ ./src/` cannot be told apart from `COPY backend/ .`.
    """
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return None
    if instruction.json_args is not None or instruction.heredocs:
        return None
    words = instruction.words
    if len(words) != 2:
        return None
    source = words[0]
    if source in WHOLE_CONTEXT:
        return ""
    if any(ch in source for ch in "*?[$") or source.startswith(("/", "..", "http://", "https://")):
        return None
    folder = posixpath.normpath(source.removeprefix("./")).strip("/")
    if folder in ("", ".") or folder.startswith(".."):
        return None
    if project.project(folder) is not None:
        return folder
    return None


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG002",
    name="copy-manifests-first",
    reason="(placeholder)",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
