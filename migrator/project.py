"""What the build context tells about the Poetry project, read once at the edge.

Transforms are pure, so everything they may want to know about files in the build
context is gathered here: the manifests of each project found (the context root and
subfolders a Dockerfile may copy from), which files exist, and .dockerignore.
Without any of it the tool still works from what the Dockerfile shows, conservatively.

What only some Dockerfiles need (start scripts and compose files, the imports of the
project's code) is read when a transform first looks at it (Deferred,
DeferredLaunchers), not up front: a one-file run paid for reading a project's whole
poetry.lock with tomllib (20 to 120 ms on real projects) to answer a question that only
a `virtualenvs.create false` install asks. Transforms still do no I/O of their own: they
read fields of the context, which are the same whichever moment the edge reads them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from migrator.launchers import NO_LAUNCHERS, DeferredLaunchers, Launchers, read_launchers
from migrator.poetry_lock import read_lock_writers, read_locked_names
from migrator.python_imports import ProjectImports, read_imports
from migrator.record import dataclass, field
from migrator.run_files import ContextTexts, read_run_files

_V = TypeVar("_V")

SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"})
MAX_DEPTH = 3  # monorepo subfolders a Dockerfile copies from: backend/, services/api/
MAX_ENTRIES = 4000  # a bound, so that a huge context never slows a bulk run


@dataclass(frozen=True)
class PoetryProject:
    """One pyproject.toml, relative to the build context ("" for the root)."""

    directory: str
    name: str | None = None
    package_mode: bool = True
    packages: tuple[str, ...] = ()  # [tool.poetry] packages "include" entries
    scripts: dict[str, str] = field(default_factory=dict)
    groups: tuple[str, ...] = ()  # dependency groups besides main
    extras: tuple[str, ...] = ()
    readme: tuple[str, ...] = ()
    python: str | None = None
    build_backend: str | None = None
    is_poetry: bool = False  # has [tool.poetry] or a poetry build backend
    is_pep621: bool = False  # has [project]
    has_poetry_lock: bool = False
    has_poetry_toml: bool = False
    has_uv_lock: bool = False
    workspace_members: tuple[str, ...] = ()  # path dependencies inside the context
    sources: tuple[dict[str, Any], ...] = ()  # [[tool.poetry.source]]
    plugins: tuple[str, ...] = ()  # [tool.poetry.requires-plugins]
    default_package_exists: bool = False  # a folder named after the project exists
    virtualenvs_create: bool | None = None  # poetry.toml [virtualenvs] create, None when unset
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def installs_root(self) -> bool:
        """Whether `poetry install` without --no-root would install something."""
        if not self.package_mode:
            return False
        return bool(self.packages or self.scripts or self.default_package_exists)

    def manifest_files(self) -> list[str]:
        """What dependency resolution needs, in the order to copy it."""
        names = ["pyproject.toml"]
        if self.has_poetry_lock:
            names.append("poetry.lock")
        if self.has_poetry_toml:
            names.append("poetry.toml")
        return names


@dataclass(frozen=True)
class ProjectContext:
    root: Path | None  # the build context; None when reading from stdin with no --context
    projects: dict[str, PoetryProject] = field(default_factory=dict)
    files: frozenset[str] = frozenset()  # relative paths seen (bounded, posix separators)
    dockerignore: tuple[str, ...] | None = None  # patterns, None when there is no .dockerignore
    warnings: tuple[str, ...] = ()
    launchers: Launchers = NO_LAUNCHERS  # compose services and scripts that start the container
    # Relative path -> text of entrypoint/start scripts, action.yml and devcontainer.json
    # (migrator.run_files): what the image runs and who runs it.
    run_files: Mapping[str, str] = field(default_factory=dict)
    # project folder -> normalised package names its poetry.lock provides (absent: unknown)
    locked: dict[str, frozenset[str]] = field(default_factory=dict)
    imports: Mapping[str, ProjectImports] = field(default_factory=dict)  # per project folder, as `projects`
    # The Dockerfile being migrated, relative to the context (posix); None when unknown or outside it.
    dockerfile: str | None = None
    # project folder -> the Poetry that wrote its poetry.lock (absent: unknown); MIG001 keeps
    # the setuptools a Poetry 1 venv was seeded with.
    lock_writers: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def known(self) -> bool:
        return self.root is not None and bool(self.projects)

    def project(self, directory: str = "") -> PoetryProject | None:
        return self.projects.get(directory.strip("/").removeprefix("./").strip("/"))

    def exists(self, relative: str) -> bool:
        return relative.strip("/").removeprefix("./") in self.files

    def ignores(self, name: str) -> bool:
        """A rough .dockerignore check, enough to tell whether `.venv` is kept out."""
        if self.dockerignore is None:
            return False
        wanted = name.strip("/")
        for pattern in self.dockerignore:
            p = pattern.strip().lstrip("/")
            if p.startswith("!"):
                continue
            if p.rstrip("/") in (wanted, f"**/{wanted}", f"{wanted}/**", f"**/{wanted}/**"):
                return True
        return False


EMPTY_CONTEXT = ProjectContext(root=None)


class Deferred(Mapping[str, _V]):
    """A mapping read from the build context the first time it is looked into, then kept."""

    def __init__(self, read: Callable[[], Mapping[str, _V]]) -> None:
        self._read: Callable[[], Mapping[str, _V]] | None = read
        self._found: Mapping[str, _V] = {}

    def _data(self) -> Mapping[str, _V]:
        if self._read is not None:
            self._found, self._read = self._read(), None
        return self._found

    def __getitem__(self, key: str) -> _V:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return f"Deferred({dict(self._data())!r})"


def read_context(root: Path | None) -> ProjectContext:
    if root is None:
        return EMPTY_CONTEXT
    root = Path(root)
    if not root.is_dir():
        return ProjectContext(root=None, warnings=(f"build context {root} is not a folder",))
    files: set[str] = set()
    _walk(root, "", 0, files)
    projects: dict[str, PoetryProject] = {}
    warnings: list[str] = []
    for rel in sorted(files):
        if rel == "pyproject.toml" or rel.endswith("/pyproject.toml"):
            directory = rel[: -len("pyproject.toml")].rstrip("/")
            try:
                projects[directory] = _read_pyproject(root, directory, files)
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                warnings.append(f"{rel}: cannot be read ({exc}); working from the Dockerfile alone")
    if "" not in projects:
        warnings.append(
            f"no pyproject.toml in {root}: working from the Dockerfile alone (use --context for the build context)"
        )
    texts = ContextTexts(root)  # the scripts both run_files and launchers read, once
    dockerignore = None
    ignore_file = root / ".dockerignore"
    if ignore_file.is_file():
        try:
            lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            dockerignore = tuple(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
        except OSError:
            dockerignore = None
    return ProjectContext(
        root=root,
        projects=projects,
        files=frozenset(files),
        dockerignore=dockerignore,
        warnings=tuple(warnings),
        launchers=DeferredLaunchers(lambda: read_launchers(root, frozenset(files), texts)),
        run_files=Deferred(lambda: read_run_files(root, files, texts)),
        locked=read_locked_names(root, [d for d, p in projects.items() if p.has_poetry_lock]),
        imports=Deferred(lambda: read_imports(root, [d for d, p in projects.items() if p.is_poetry])),
        lock_writers=Deferred(lambda: read_lock_writers(root, [d for d, p in projects.items() if p.has_poetry_lock])),
    )


def _walk(root: Path, prefix: str, depth: int, files: set[str]) -> None:
    if len(files) >= MAX_ENTRIES:
        return
    try:
        entries = sorted(os.scandir(root / prefix) if prefix else os.scandir(root), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        rel = f"{prefix}/{entry.name}" if prefix else entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            files.add(rel + "/")
            if depth < MAX_DEPTH and entry.name not in SKIP_DIRS:
                _walk(root, rel, depth + 1, files)
        else:
            files.add(rel)
        if len(files) >= MAX_ENTRIES:
            return


def _read_pyproject(root: Path, directory: str, files: set[str]) -> PoetryProject:
    base = f"{directory}/" if directory else ""
    with open(root / base / "pyproject.toml", "rb") as fh:
        data = tomllib.load(fh)
    tool_poetry = data.get("tool", {}).get("poetry", {}) or {}
    project = data.get("project", {}) or {}
    backend = (data.get("build-system", {}) or {}).get("build-backend")
    name = project.get("name") or tool_poetry.get("name")
    package_mode = bool(tool_poetry.get("package-mode", True))
    packages = tuple(
        str(p.get("include")) for p in tool_poetry.get("packages", []) or [] if isinstance(p, dict) and p.get("include")
    )
    scripts = dict(project.get("scripts", {}) or {})
    scripts.update(
        {
            k: str(v) if not isinstance(v, dict) else str(v.get("reference", ""))
            for k, v in (tool_poetry.get("scripts", {}) or {}).items()
        }
    )
    groups = tuple((tool_poetry.get("group", {}) or {}).keys())
    if "dev-dependencies" in tool_poetry and "dev" not in groups:
        groups = groups + ("dev",)
    groups = groups + tuple(g for g in (data.get("dependency-groups", {}) or {}) if g not in groups)
    extras = tuple((tool_poetry.get("extras", {}) or {}).keys()) + tuple(
        (project.get("optional-dependencies", {}) or {}).keys()
    )
    readme_value = project.get("readme", tool_poetry.get("readme"))
    readme: tuple[str, ...]
    if isinstance(readme_value, str):
        readme = (readme_value,)
    elif isinstance(readme_value, list):
        readme = tuple(str(r) for r in readme_value)
    elif isinstance(readme_value, dict) and "file" in readme_value:
        readme = (str(readme_value["file"]),)
    else:
        readme = ()
    python = None
    deps = tool_poetry.get("dependencies", {}) or {}
    if isinstance(deps.get("python"), str):
        python = deps["python"]
    python = project.get("requires-python", python)
    members = []
    for dep in list(deps.values()) + [
        d
        for g in (tool_poetry.get("group", {}) or {}).values()
        for d in ((g or {}).get("dependencies", {}) or {}).values()
    ]:
        if isinstance(dep, dict) and "path" in dep:
            members.append(str(dep["path"]))
    module = (name or "").replace("-", "_").replace(".", "_").lower()
    default_pkg = bool(module) and (
        f"{base}{module}/" in files or f"{base}src/{module}/" in files or f"{base}{module}.py" in files
    )
    return PoetryProject(
        directory=directory,
        name=name,
        package_mode=package_mode,
        packages=packages,
        scripts=scripts,
        groups=groups,
        extras=extras,
        readme=readme,
        python=python,
        build_backend=backend,
        is_poetry=bool(tool_poetry) or (backend or "").startswith("poetry"),
        is_pep621=bool(project),
        has_poetry_lock=f"{base}poetry.lock" in files,
        has_poetry_toml=f"{base}poetry.toml" in files,
        has_uv_lock=f"{base}uv.lock" in files,
        workspace_members=tuple(members),
        sources=tuple(s for s in tool_poetry.get("source", []) or [] if isinstance(s, dict)),
        plugins=tuple((tool_poetry.get("requires-plugins", {}) or {}).keys()),
        default_package_exists=default_pkg,
        virtualenvs_create=_virtualenvs_create(root, base, files),
        raw=data,
    )


def _virtualenvs_create(root: Path, base: str, files: set[str]) -> bool | None:
    """poetry.toml's virtualenvs.create: a project-local `false` puts packages in the system Python."""
    if f"{base}poetry.toml" not in files:
        return None
    try:
        with open(root / base / "poetry.toml", "rb") as fh:
            value = (tomllib.load(fh).get("virtualenvs", {}) or {}).get("create")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
        return None
    return value if isinstance(value, bool) else None
