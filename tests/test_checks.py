"""CI and contributors run the same checks: the formatter, the linter and the type checker, before the tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ["python -m ruff format --check .", "python -m ruff check .", "python -m mypy"]


def test_ci_runs_the_checks_before_the_tests():
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    positions = [lines.index(check) for check in CHECKS]
    assert positions == sorted(positions)
    assert positions[-1] < lines.index("python -m pytest")
    assert lines.index("python -m pip install --quiet --disable-pip-version-check -e '.[test]'") < positions[0]


def test_the_test_extra_brings_the_pinned_checkers():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert f"{project['name']}[lint]" in extras["test"]
    assert sorted(requirement.split("==")[0] for requirement in extras["lint"]) == ["mypy", "ruff"]
    assert all("==" in requirement for requirement in extras["lint"]), "pinned: everyone formats alike"


def test_pre_commit_runs_the_same_checks_for_contributors():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert [hooks[name]["entry"] for name in ("ruff-format", "ruff-check", "mypy")] == [
        "ruff format",
        "ruff check",
        "mypy",
    ]
    assert hooks["mypy"]["pass_filenames"] is False, "the whole package, as CI checks it"
