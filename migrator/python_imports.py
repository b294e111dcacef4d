"""What a project's own Python code imports, and what its poetry.lock installs: read at the edge.

MIG001 moves a `virtualenvs.create false` install into a venv only when the venv will
hold everything the code imports; an import the lock does not provide may have come
from the system interpreter (its setuptools, or Poetry's own dependencies installed
beside it). Import lines are read with a regular expression (parsing every file with `ast` cost
seconds on large contexts); nothing is executed.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

from migrator.patterns import lazy_compile
from migrator.record import dataclass

MAX_FILES = 3000  # bounds, so that a huge context never slows a bulk run
MAX_BYTES = 512_000
MAX_TOTAL_BYTES = 32_000_000
MAX_DEPTH = 8
SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "env", "node_modules", "__pycache__", ".tox", ".mypy_cache", "site-packages", "build"}
)
# Code that does not run in the container: tests and docs import test tools.
TEST_DIRS = frozenset({"tests", "test", "testing", "docs", "doc", "examples"})


@dataclass(frozen=True)
class ImportSite:
    module: str  # the top-level name, `yaml` for `import yaml.loader`
    path: str  # relative to the build context
    line: int


@dataclass(frozen=True)
class ProjectImports:
    sites: tuple[ImportSite, ...]  # the first import per file of each name the system Python may give
    own: frozenset[str]  # top-level names the project's own files provide
    locked: frozenset[str] | None  # normalised names of the main-group packages in poetry.lock; None: no lock


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def read_imports(root: Path, directories: Iterable[str]) -> dict[str, ProjectImports]:
    """For each project folder (relative to the context, "" for the root)."""
    return {directory: _read_project(root, directory) for directory in directories}


def _read_project(root: Path, directory: str) -> ProjectImports:
    base = root / directory if directory else root
    locked = _locked(base / "poetry.lock")
    if locked is None:
        return ProjectImports((), frozenset(), None)  # nothing to compare with: no need to read the code
    sites: list[ImportSite] = []
    own: set[str] = set()
    budget = MAX_TOTAL_BYTES
    for path in _python_files(base):
        relative = path.relative_to(base)
        top = relative.parts[0]
        if top == "src" and len(relative.parts) > 1:
            top = relative.parts[1]
        own.add(top.removesuffix(".py"))
        try:
            size = path.stat().st_size
            if size > MAX_BYTES or size > budget:
                continue
            budget -= size
            data = path.read_bytes()
        except OSError:
            continue
        sites += _imports_of(data, path.relative_to(root).as_posix())
    return ProjectImports(tuple(sites), frozenset(own), locked)


def _python_files(base: Path) -> Iterator[Path]:
    count = 0
    for folder, dirs, files in os.walk(base):
        depth = len(Path(folder).relative_to(base).parts)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and d not in TEST_DIRS
            and not d.startswith(".")
            and depth < MAX_DEPTH
            and not (Path(folder) / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("test_") or name.endswith("_test.py"):
                continue
            if name in ("conftest.py", "setup.py", "noxfile.py"):
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield Path(folder) / name


def _imports_of(data: bytes, relative: str) -> list[ImportSite]:
    """Import statements, read line by line: faster than parsing, and a line that only looks
    like one (in a docstring) can only make the check keep the system install."""
    seen: dict[str, int] = {}
    for match in IMPORT_LINE_RE.finditer(data):
        if match.group("names") is not None:
            names = [part.strip().split()[0] for part in match.group("names").decode("utf-8", "replace").split(",")]
        else:
            names = [match.group("module").decode("utf-8", "replace")]
        for name in names:
            top = name.split(".", 1)[0]
            if top in SETUPTOOLS_IMPORTS or top in POETRY_DEPENDENCY_IMPORTS:
                seen.setdefault(top, data.count(b"\n", 0, match.start()) + 1)
    return [ImportSite(module, relative, line) for module, line in sorted(seen.items(), key=lambda kv: kv[1])]


def _locked(lock: Path) -> frozenset[str] | None:
    """The packages `poetry install --only main` installs (every package when the lock has no groups)."""
    try:
        data = tomllib.loads(lock.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    names = set()
    for package in data.get("package", []) or []:
        if not isinstance(package, dict) or "name" not in package:
            continue
        groups = package.get("groups") or [package.get("category", "main")]
        if "main" in groups:
            names.add(normalise(str(package["name"])))
    return frozenset(names)


# What the base image's interpreter has besides the standard library: setuptools, in the
# official python images up to 3.11 (3.12 and later ship none).
SETUPTOOLS_IMPORTS = frozenset({"pkg_resources", "setuptools", "_distutils_hack"})
# Poetry's own runtime dependencies (the main group of Poetry's poetry.lock at 1.1.15,
# 1.5.1 and 2.2.1, Linux only), importable by the app when Poetry is pip-installed into
# the same interpreter: import name -> distribution.
POETRY_DEPENDENCY_IMPORTS = {
    "anyio": "anyio",
    "attr": "attrs",
    "attrs": "attrs",
    "build": "build",
    "cachecontrol": "cachecontrol",
    "cachy": "cachy",
    "certifi": "certifi",
    "cffi": "cffi",
    "chardet": "chardet",
    "charset_normalizer": "charset-normalizer",
    "cleo": "cleo",
    "clikit": "clikit",
    "crashtest": "crashtest",
    "cryptography": "cryptography",
    "distlib": "distlib",
    "dulwich": "dulwich",
    "fastjsonschema": "fastjsonschema",
    "filelock": "filelock",
    "findpython": "findpython",
    "h11": "h11",
    "html5lib": "html5lib",
    "httpcore": "httpcore",
    "httpx": "httpx",
    "idna": "idna",
    "importlib_metadata": "importlib-metadata",
    "installer": "installer",
    "jaraco": "jaraco.classes",
    "jeepney": "jeepney",
    "jsonschema": "jsonschema",
    "keyring": "keyring",
    "lockfile": "lockfile",
    "more_itertools": "more-itertools",
    "msgpack": "msgpack",
    "packaging": "packaging",
    "pastel": "pastel",
    "pbs_installer": "pbs-installer",
    "pexpect": "pexpect",
    "pkginfo": "pkginfo",
    "platformdirs": "platformdirs",
    "poetry": "poetry",
    "ptyprocess": "ptyprocess",
    "pycparser": "pycparser",
    "pylev": "pylev",
    "pyparsing": "pyparsing",
    "pyproject_hooks": "pyproject-hooks",
    "pyrsistent": "pyrsistent",
    "rapidfuzz": "rapidfuzz",
    "requests": "requests",
    "requests_toolbelt": "requests-toolbelt",
    "secretstorage": "secretstorage",
    "shellingham": "shellingham",
    "six": "six",
    "sniffio": "sniffio",
    "tomlkit": "tomlkit",
    "trove_classifiers": "trove-classifiers",
    "urllib3": "urllib3",
    "virtualenv": "virtualenv",
    "webencodings": "webencodings",
    "zipp": "zipp",
    "zstandard": "zstandard",
}


def provided_by(module: str, locked: frozenset[str]) -> bool:
    """Whether a lock's packages give this top-level import (normalised names; jaraco.* is a namespace)."""
    name = normalise(module)
    if name in locked:
        return True
    if module in SETUPTOOLS_IMPORTS:
        return "setuptools" in locked
    dist = POETRY_DEPENDENCY_IMPORTS.get(module)
    if dist is not None and normalise(dist) in locked:
        return True
    return module == "jaraco" and any(n.startswith("jaraco_") for n in locked)


IMPORT_LINE_RE = lazy_compile(
    rb"^[ \t]*(?:import[ \t]+(?P<names>[A-Za-z_][\w. \t,]*)|from[ \t]+(?P<module>[A-Za-z_][\w.]*)[ \t]+import\b)",
    re.MULTILINE,
)
