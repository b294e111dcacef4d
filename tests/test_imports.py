"""Data flows one way: no module of the package imports one that imports it back.

The imports are read from the source with ast, wherever they are: at the top, inside a
function (a lazy import is still an import, only a later one) and under
``if TYPE_CHECKING``. ``from migrator.transforms import copy_order`` counts as an import
of the submodule. A package's ``__init__`` importing its own modules is how a package
lists them, so the parent package that Python loads first is not counted as an edge.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "migrator"


def module_names(root: Path) -> dict[str, Path]:
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``module`` imports anywhere in its source."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in known)
    found.discard(module)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    names = module_names(root)
    return {module: imports_of(module, path, set(names)) for module, path in names.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (as a path that ends where it starts) per strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm; the package is small enough to recurse
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(group)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return [_path_through(graph, sorted(group)) for group in groups]


def _path_through(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """A shortest way from the group's first module back to itself, for the failure message."""
    start = group[0]
    paths = {start: [start]}
    queue = [start]
    for module in queue:
        for target in sorted(graph[module] & set(group)):
            if target == start:
                return paths[module] + [start]
            if target not in paths:
                paths[target] = paths[module] + [target]
                queue.append(target)
    return group


def test_no_module_imports_one_that_imports_it_back():
    found = cycles(import_graph(PACKAGE))
    assert not found, "import cycles: " + "; ".join(" -> ".join(cycle) for cycle in found)


def test_the_edge_and_the_pipeline_are_where_the_design_says():
    graph = import_graph(PACKAGE)
    assert "migrator.uv_project" not in graph["migrator.pipeline"]
    assert "migrator.pipeline" not in graph["migrator.uv_project"]
    assert {"migrator.pipeline", "migrator.uv_project"} <= graph["migrator.migrate_file"]
    assert "migrator.options" not in graph["migrator.cli"]


@pytest.mark.parametrize(
    "files, expected",
    [
        pytest.param(
            {"a.py": "from pkg import b\n", "b.py": "def f():\n    from pkg.a import x\n"},
            [["pkg.a", "pkg.b", "pkg.a"]],
            id="lazy-import-back",
        ),
        pytest.param(
            {"a.py": "from . import b\n", "b.py": "from .c import y\n", "c.py": "import pkg.a\n"},
            [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]],
            id="relative-three-modules",
        ),
        pytest.param(
            {
                "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
                "b.py": "import pkg.a\n",
            },
            [["pkg.a", "pkg.b", "pkg.a"]],
            id="type-checking-import-back",
        ),
        pytest.param(
            {"__init__.py": "from pkg import a\n", "a.py": "from pkg.b import x\n", "b.py": "import os\n"},
            [],
            id="package-init-listing-its-modules",
        ),
    ],
)
def test_the_cycle_finder_finds_planted_cycles(tmp_path: Path, files: dict[str, str], expected: list[list[str]]):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name, source in files.items():
        (package / name).write_text(source)
    assert cycles(import_graph(package)) == expected
