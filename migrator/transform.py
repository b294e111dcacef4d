"""The contract every transform follows, and the settings they read.

A transform is pure: ``apply(doc, project, settings) -> Outcome``. It reads the
parsed Dockerfile and the project context and returns edits plus what it did and
why; it never reads or writes files. The pipeline applies the edits, re-parses and
checks the result.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from migrator.model import Dockerfile, Edit
from migrator.record import dataclass, field

if TYPE_CHECKING:
    from migrator.project import ProjectContext

DEFAULT_POETRY_VERSION = "2.2.1"  # see README: newest 2.x verified on the e2e corpus
DEFAULT_USER = "app"
DEFAULT_UID = 10001


class Safety(str, Enum):
    SAFE = "safe"  # keeps the runtime contract; runs by default
    UNSAFE = "unsafe"  # changes more than the Dockerfile or needs review; opt-in only


@dataclass(frozen=True)
class Note:
    """One applied change or one warning, tied to a line of the input it saw."""

    code: str
    line: int | None
    message: str


@dataclass(frozen=True)
class ExtraFile:
    """Another file the migration changes with the Dockerfile (pyproject.toml, uv.lock).

    ``path`` is relative to the build context.
    """

    path: str
    original: str | None  # None: the file is new
    migrated: str | None  # None: the file is removed


@dataclass(frozen=True)
class Outcome:
    edits: tuple[Edit, ...] = ()
    changes: tuple[Note, ...] = ()
    warnings: tuple[Note, ...] = ()
    extra_files: tuple[ExtraFile, ...] = ()  # only the uv switch writes project files


NOTHING = Outcome()


@dataclass(frozen=True)
class Settings:
    select: frozenset[str] | None = None  # codes or names; None means every safe transform
    ignore: frozenset[str] = frozenset()
    user_name: str = DEFAULT_USER
    uid: int = DEFAULT_UID
    poetry_version: str = DEFAULT_POETRY_VERSION
    poetry_version_explicit: bool = False  # --poetry-version given: override existing pins too
    syntax_directive: bool = True
    uv: bool = False
    uv_version: str | None = None  # the uv that writes uv.lock; pins ghcr.io/astral-sh/uv
    uv_project_ready: bool = False  # uv_project.prepare converted pyproject.toml and the lock for this run
    inline_ignores: frozenset[str] = field(default_factory=frozenset)  # from "# migrator: ignore="


@dataclass(frozen=True)
class Transform:
    code: str  # stable, e.g. "MIG003"
    name: str  # kebab-case, e.g. "split-stages"
    reason: str  # one line: why the change is worth making
    safety: Safety
    apply: Callable[[Dockerfile, ProjectContext, Settings], Outcome]
    doc: str  # What it does / Why / Example / Use instead

    def note(self, line: int | None, message: str) -> Note:
        return Note(self.code, line, message)

    def selected_by(self, settings: Settings) -> bool:
        keys = {self.code.upper(), self.name.lower()}
        if keys & {
            k.upper() if k.upper().startswith("MIG") else k.lower() for k in settings.ignore | settings.inline_ignores
        }:
            return False
        if settings.select is None:
            if self.safety is Safety.UNSAFE:
                return self.name == "switch-to-uv" and settings.uv
            return True
        chosen = {k.upper() if k.upper().startswith("MIG") else k.lower() for k in settings.select}
        return bool(keys & chosen) or (self.name == "switch-to-uv" and settings.uv)
