"""The project's modules `--verify` imports in both images, found as Python finds them (migrator.app_modules)."""

from __future__ import annotations

import pytest

from migrator.app_modules import project_modules


def tree(root, files, pyproject=None):
    for name in files:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject)
    return root


@pytest.mark.parametrize(
    ("files", "pyproject", "expected"),
    [
        pytest.param(
            ["app/main.py", "app/api/v1/__init__.py", "app/api/v1/users.py", "app/models/__init__.py"],
            None,
            ("app.main", "app.models", "app.api.v1"),
            id="pep420-namespace-folder",
        ),
        pytest.param(
            ["bot.py", "handlers/start.py", "config/config.py", "migrations/env.py", "tests/db.py"],
            None,
            ("bot", "config.config", "handlers.start"),
            id="namespace-folders-beside-a-script",
        ),
        pytest.param(
            ["src/svc/__init__.py", "src/tools/run.py", "src/tests/__init__.py", "main.py"],
            None,
            ("main", "svc", "tools.run"),
            id="src-layout-is-a-root",
        ),
        pytest.param(
            ["src/__init__.py", "src/helloworld.py"],
            None,
            ("src",),
            id="src-with-init-is-a-package",
        ),
        pytest.param(
            ["lib/company/product/core.py", "lib/company/product/api/__init__.py"],
            '[tool.poetry]\npackages = [{include = "company/product", from = "lib"}]\n',
            ("company.product.api", "company.product.core"),
            id="pyproject-namespace-from-folder",
        ),
        pytest.param(
            ["src/longest_word/game.py"],
            '[tool.poetry]\npackages = [{include = "longest_word", from = "src"}]\n',
            ("longest_word.game",),
            id="pyproject-namespace-in-src",
        ),
        pytest.param(
            ["lib/svc/__init__.py", "cli.py"],
            '[tool.poetry]\npackages = [{include = "svc", from = "lib"}, {include = "cli.py"}, '
            '{include = "app/**/*.py"}, {include = "*.py"}]\n',
            ("cli", "svc", "app"),
            id="pyproject-includes-and-patterns",
        ),
    ],
)
def test_modules_found_as_python_would(tmp_path, files, pyproject, expected):
    assert project_modules(tree(tmp_path, files, pyproject)) == expected


JUNK = [
    "setup.py",
    "conftest.py",
    "noxfile.py",
    "__init__.py",
    "__main__.py",
    "test.py",
    "test_app.py",
    "app_test.py",
    "my-script.py",
    "tests/test_x.py",
    "test/x.py",
    "testing/x.py",
    "docs/conf.py",
    "scripts/seed.py",
    "examples/demo.py",
    "notebooks/nb/helpers.py",
    "migrations/versions/001.py",
    "alembic/env.py",
    "venv/bin/activate_this.py",
    "myenv/pyvenv.cfg",
    "myenv/bin/activate_this.py",
    "build/lib/app/__init__.py",
    "dist/x.py",
    "node_modules/x/y.py",
    ".hidden/x.py",
    "static/",
    "templates/index.html",
    "data-files/x.py",
]


def test_what_is_not_the_app_is_not_imported(tmp_path):
    assert project_modules(tree(tmp_path, [*JUNK, "app.py"])) == ("app",)


def test_an_empty_folder_or_one_without_python_is_no_module(tmp_path):
    assert project_modules(tree(tmp_path, ["static/", "templates/base.html", "assets/css/x.css"])) == ()


def test_a_namespace_folder_is_searched_only_so_deep(tmp_path):
    files = ["ns/a/b/deep.py", "ns/a/b/c/too_deep.py", "ns/a/src/pkg/__init__.py"]
    assert project_modules(tree(tmp_path, files)) == ("ns.a.b.deep",)


def test_at_most_max_modules(tmp_path):
    names = project_modules(tree(tmp_path, [f"m{i:02}.py" for i in range(40)]))
    assert names == tuple(f"m{i:02}" for i in range(25))


def test_an_unreadable_pyproject_still_finds_the_source(tmp_path):
    assert project_modules(tree(tmp_path, ["app.py"], "[tool.poetry\n")) == ("app",)
