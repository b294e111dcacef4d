"""The project's own importable modules, found in the build context as Python would find them.

`migrate --verify` imports each of them in both images (migrator.behaviour): a module
that imports in the original and fails in the migrated image names a dependency the
migration lost. Python imports from a folder on sys.path (the WORKDIR, where the
context usually lands, or the installed project):

- a module `name.py` and a regular package `name/__init__.py` by their names;
- a PEP 420 namespace package, a folder of Python without `__init__.py`: importing the
  folder runs no code and proves nothing, so its modules are imported instead
  (`app/main.py` is `app.main`, `app/api/v1/__init__.py` is `app.api.v1`);
- what pyproject's `packages = [{include = "x", from = "src"}]` names, looked for in
  its `from` folder (`src` is looked in anyway, as most src layouts do not say so).

What is not the app is left out: tests (their tools are often not installed, and
.dockerignore often drops them), docs, examples, scripts, database migrations,
virtual environments and build output, and files such as setup.py or conftest.py
that are run by tools rather than imported.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from migrator.patterns import lazy_compile

MAX_MODULES = 25
NAMESPACE_DEPTH = 3  # folders below a namespace folder still searched for modules
# Folders whose modules are not the app: importing tests may need test tools, and
# they are often left out of the image by .dockerignore.
NOT_APP_FOLDERS = frozenset(
    {
        "tests",
        "test",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "notebooks",
        "scripts",
        "migrations",
        "alembic",
        "venv",
        "env",
        "node_modules",
        "site-packages",
        "build",
        "dist",
        "htmlcov",
        "__pycache__",
    }
)
NOT_APP_MODULES = frozenset(
    {"setup", "conftest", "noxfile", "fabfile", "tasks", "gunicorn_conf", "gunicorn.conf", "__init__", "__main__"}
)
IDENTIFIER_RE = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TEST_NAME_RE = lazy_compile(r"^(tests?_.*|.*_tests?|tests?)$")


def project_modules(context: Path) -> tuple[str, ...]:
    """Importable modules of the project, most likely the app first, at most MAX_MODULES."""
    names: list[str] = []
    declared = _pyproject_packages(context / "pyproject.toml")
    src = context / "src"
    # A src folder without __init__.py is a folder on sys.path (the installed layout), not a package.
    src_layout = src.is_dir() and not (src / "__init__.py").is_file()
    # The folders pyproject installs packages `from` are put on sys.path, not imported through.
    skip = {folder.split("/")[0] for _, folder in declared if folder}
    names += _modules_in(context, skip=skip | ({"src"} if src_layout else set()))
    if src_layout:
        names += _modules_in(src)
    for name, folder in declared:
        located = (context / folder if folder else context) / Path(*name.split("."))
        if _is_namespace(located):
            names += _portions(located, name, NAMESPACE_DEPTH)
        else:
            names.append(name)
    return tuple(dict.fromkeys(names))[:MAX_MODULES]


def _modules_in(root: Path, skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Top-level modules and packages of one folder on sys.path; a namespace folder by its modules."""
    if not root.is_dir():
        return []
    modules, namespaces = [], []
    for entry in sorted(root.iterdir()):
        if entry.name in skip:
            continue
        if entry.is_file() and entry.suffix == ".py" and _app_name(entry.stem):
            modules.append(entry.stem)
        elif entry.is_dir() and _app_name(entry.name) and not _is_venv(entry):
            if (entry / "__init__.py").is_file():
                modules.append(entry.name)
            elif _is_namespace(entry):
                namespaces += _portions(entry, entry.name, NAMESPACE_DEPTH)
    # Regular packages and modules first: they are the app's entry points more often.
    return modules + namespaces


def _app_name(name: str) -> bool:
    return (
        bool(IDENTIFIER_RE.match(name))
        and name not in NOT_APP_FOLDERS
        and name not in NOT_APP_MODULES
        and not TEST_NAME_RE.match(name)
    )


def _is_venv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def _is_namespace(folder: Path) -> bool:
    """A folder Python imports as a namespace package that holds code: no __init__.py, Python inside."""
    if not folder.is_dir() or (folder / "__init__.py").is_file():
        return False
    return bool(_portions(folder, folder.name, NAMESPACE_DEPTH))


def _portions(folder: Path, dotted: str, depth: int) -> list[str]:
    """The modules of a namespace folder, dotted (`app.main`); nested namespace folders up to `depth`."""
    found, nested = [], []
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        if entry.is_file() and entry.suffix == ".py" and _app_name(entry.stem):
            found.append(f"{dotted}.{entry.stem}")
        elif entry.is_dir() and _app_name(entry.name) and not _is_venv(entry):
            if (entry / "__init__.py").is_file():
                found.append(f"{dotted}.{entry.name}")
            elif depth > 1 and entry.name != "src":  # a src folder is put on sys.path, not imported through
                nested += _portions(entry, f"{dotted}.{entry.name}", depth - 1)
    return found + nested


def _pyproject_packages(pyproject: Path) -> list[tuple[str, str]]:
    """(dotted name, `from` folder or "") of each package pyproject's [tool.poetry] packages names."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    packages = ((data.get("tool") or {}).get("poetry") or {}).get("packages") or []
    found = []
    for package in packages if isinstance(packages, list) else []:
        include = package.get("include") if isinstance(package, dict) else None
        folder = package.get("from") if isinstance(package, dict) else None
        if not isinstance(include, str) or not isinstance(folder, str | None):
            continue
        # A pattern (`*.py`, `app/**/*.py`) names its literal leading folders only.
        parts = []
        for part in include.strip("/").split("/"):
            if any(c in part for c in "*?["):
                break
            parts.append(part.removesuffix(".py"))
        if parts and all(IDENTIFIER_RE.match(p) for p in parts):
            found.append((".".join(parts), (folder or "").strip("/")))
    return found
