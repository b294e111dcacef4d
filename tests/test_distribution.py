"""The distribution's name is ours, and every install command the project prints or documents uses it.

`migrator` on PyPI is an unrelated database-migration package: `pip install migrator`
would install the wrong thing. The import package and the `migrate` command keep their names.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

from migrator.uv_project import INSTALL_UV_EXTRA

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
NAME = PROJECT["name"]
# `pip install migrator`, `pipx install migrator`, `pip install 'migrator[uv]'`: the other package.
WRONG_INSTALL = re.compile(r"\bpipx? install ['\"]?migrator\b")


def test_the_distribution_is_not_the_unrelated_migrator():
    assert NAME == "dockerfile-migrator"
    assert PROJECT["scripts"] == {"migrate": "migrator.console:main"}
    assert PROJECT["optional-dependencies"]["uv"], "the uv extra that --uv asks for"


def test_the_installed_distribution_provides_the_command_and_the_uv_extra():
    distribution = importlib.metadata.distribution(NAME)
    assert [(e.name, e.value) for e in distribution.entry_points.select(group="console_scripts")] == [
        ("migrate", "migrator.console:main")
    ]
    assert "uv" in (distribution.metadata.get_all("Provides-Extra") or [])


def test_install_commands_name_the_distribution():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"pip install {NAME} " in readme
    assert f"pip install '{NAME}[uv]'" in readme
    assert f"pipx install {NAME}" in (ROOT / "docs" / "runners.md").read_text(encoding="utf-8")
    assert NAME in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert INSTALL_UV_EXTRA == f"pip install '{NAME}[uv]'"


def test_nothing_tells_users_to_install_the_other_package():
    texts = [
        ROOT / "README.md",
        ROOT / ".pre-commit-hooks.yaml",
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("migrator/**/*.py"),
    ]
    wrong = [f"{path.relative_to(ROOT)}: {m[0]}" for path in texts for m in WRONG_INSTALL.finditer(path.read_text())]
    assert not wrong
    assert WRONG_INSTALL.search("pip install 'migrator[uv]'") and not WRONG_INSTALL.search(f"pip install {NAME}")
