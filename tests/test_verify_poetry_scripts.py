"""`poetry run X` finds X among the pyproject.toml's scripts, installed or not: --verify's PATH check agrees."""

from __future__ import annotations

import pytest

from migrator import behaviour
from tests.test_verify_outside import run_probe_script

PYPROJECT = """\
[tool.poetry]
name = "shelf"

[tool.poetry.dependencies]
tabulate = "^0.9"

[tool.poetry.scripts]
shelf-check = "shelf.cli:main"

[project.scripts] # Poetry 2 reads these too
"shelf-report" = "shelf.cli:report"
"""


@pytest.mark.parametrize(
    ("program", "found"),
    [
        ("shelf-check", "pyproject.toml scripts"),
        ("shelf-report", "pyproject.toml scripts"),
        ("tabulate", ""),  # a dependency, not a script
        ("shelf", ""),  # a key of [tool.poetry], not a script
    ],
)
def test_poetry_run_finds_a_script_of_the_pyproject_not_on_path(tmp_path, program, found):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    probe = run_probe_script(tmp_path, True, "poetry-run", "", "program", f"poetry run {program}")
    assert probe.programs == ((f"poetry run {program}", found),)


def test_a_script_is_not_found_without_poetry(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    probe = run_probe_script(tmp_path, False, "python3", "", "program", "poetry run shelf-check")
    assert probe.programs == (("poetry run shelf-check", ""),)


def test_a_script_is_not_found_without_a_pyproject_in_the_workdir(tmp_path):
    probe = run_probe_script(tmp_path, True, "poetry-run", "", "program", "poetry run shelf-check")
    assert probe.programs == (("poetry run shelf-check", ""),)


def test_the_original_running_a_pyproject_script_is_not_said_to_fail():
    """e2e-script-without-root: `poetry run shelf-check` with --no-root, the migrated image runs shelf-check."""
    original = behaviour.Probe(
        programs=(("poetry", "/usr/local/bin/poetry"), ("poetry run shelf-check", "pyproject.toml scripts"))
    )
    migrated = behaviour.Probe(programs=(("shelf-check", "/srv/.venv/bin/shelf-check"),))
    checks = behaviour._compare_probes(original, migrated, behaviour.MIGRATION)
    assert [c.outcome for c in checks if c.name == "PATH"] == [behaviour.SAME]
