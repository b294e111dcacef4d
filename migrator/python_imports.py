"""What a project's own Python code imports, and what its poetry.lock installs: read at the edge.

MIG001 moves a `virtualenvs.create false` install into a venv only when the venv will
hold everything the code imports; an import the lock does not provide may have come
from the system interpreter (its setuptools, or Poetry's own dependencies installed
beside it). The standard library's `ast` reads the imports; nothing is executed.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
from pathlib import Path

from migrator.record import dataclass

MAX_FILES = 2000  # a bound, so that a huge context never slows a bulk run
MAX_BYTES = 512_000
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
    sites: tuple[ImportSite, ...]  # the first import of each third-party top-level name per file
    own: frozenset[str]  # top-level names the project's own files provide
    locked: frozenset[str] | None  # normalised names of the main-group packages in poetry.lock; None: no lock


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def read_imports(root: Path, directories) -> dict[str, ProjectImports]:
    """For each project folder (relative to the context, "" for the root)."""
    return {directory: _read_project(root, directory) for directory in directories}


def _read_project(root: Path, directory: str) -> ProjectImports:
    base = root / directory if directory else root
    sites: list[ImportSite] = []
    own: set[str] = set()
    for path in _python_files(base):
        relative = path.relative_to(base)
        top = relative.parts[0]
        if top == "src" and len(relative.parts) > 1:
            top = relative.parts[1]
        own.add(top.removesuffix(".py"))
        sites += _imports_of(path, path.relative_to(root).as_posix())
    return ProjectImports(tuple(sites), frozenset(own), _locked(base / "poetry.lock"))


def _python_files(base: Path):
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


def _imports_of(path: Path, relative: str) -> list[ImportSite]:
    try:
        if path.stat().st_size > MAX_BYTES:
            return []
        tree = ast.parse(path.read_bytes(), filename=relative)
    except (OSError, SyntaxError, ValueError):
        return []
    seen: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".", 1)[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            if top not in seen or node.lineno < seen[top]:
                seen[top] = node.lineno
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
