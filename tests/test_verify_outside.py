"""An image with no command of its own is run by a command from outside: `poetry run ...` must survive.

tfandkusu/discord_atumaru_bot's Dockerfile has no CMD; its README runs
`docker-compose run bot poetry run python main.py`. A migration that left Poetry in
the build stage broke that, and the image's own command (the base image's python3,
exiting 0 in both) could not show it.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from migrator import behaviour
from migrator.verify import declares_no_command


@pytest.mark.parametrize(
    ("dockerfile", "expected"),
    [
        pytest.param("FROM python:3.11\nRUN pip install poetry\nRUN poetry install\n", True, id="no-command"),
        pytest.param('FROM python:3.11\nCMD ["python", "main.py"]\n', False, id="cmd"),
        pytest.param('FROM python:3.11\nentrypoint ["app"]\n', False, id="entrypoint-lower-case"),
        pytest.param('FROM python:3.11 AS base\nCMD ["x"]\nFROM base\nRUN true\n', False, id="inherited-cmd"),
        pytest.param("FROM python:3.11\nRUN echo \\\n  CMD\n", True, id="cmd-word-inside-a-run"),
    ],
)
def test_declares_no_command(dockerfile, expected):
    assert declares_no_command(dockerfile) is expected


def probe(offered, imports=(("main", "ok"),)):
    return behaviour.Probe(tuple(imports), (), (), "0", offered=tuple(offered))


def path_check(original, migrated, sides=behaviour.MIGRATION):
    checks = behaviour.compare(
        behaviour.Behaviour(behaviour.ImageConfig(), probe=original),
        behaviour.Behaviour(behaviour.ImageConfig(), probe=migrated),
        10,
        sides,
    )
    return next(check for check in checks if check.name == "PATH")


def test_poetry_gone_from_an_image_run_from_outside_is_a_difference():
    check = path_check(probe([("poetry", "/usr/local/bin/poetry")]), probe([("poetry", "")]))
    assert (check.outcome, check.lines) == (
        "differs",
        (
            "PATH: poetry is not found in the migrated image (the original has it at /usr/local/bin/poetry); "
            "neither declares a command, so one given from outside (compose, CI, a README) may run it",
        ),
    )
    assert (check.original, check.migrated) == ("poetry (for a command from outside)", "none named")


@pytest.mark.parametrize(
    ("original", "migrated"),
    [
        pytest.param([("poetry", "/usr/local/bin/poetry")], [("poetry", "/opt/poetry/bin/poetry")], id="both-have-it"),
        pytest.param([("poetry", "")], [("poetry", "")], id="neither-has-it"),
        # A baseline without Poetry compared with a file that adds it: nothing the original offered is lost.
        pytest.param([("poetry", "")], [("poetry", "/usr/local/bin/poetry")], id="only-the-new-one-has-it"),
        pytest.param([], [], id="the-image-declares-a-command"),
    ],
)
def test_no_difference_when_nothing_offered_is_lost(original, migrated):
    check = path_check(probe(original), probe(migrated))
    assert (check.outcome, check.lines) == ("same", ())


def test_a_baseline_names_its_files():
    sides = behaviour.Sides.of_files("old.Dockerfile", "Dockerfile")
    check = path_check(probe([("poetry", "/usr/local/bin/poetry")]), probe([("poetry", "")]), sides)
    assert check.lines[0].startswith(
        "PATH: poetry is not found in Dockerfile (old.Dockerfile has it at /usr/local/bin/poetry); "
    )


def run_probe_script(tmp_path, with_poetry: bool, *words: str) -> behaviour.Probe:
    """The probe's shell script, run by the host's /bin/sh with a PATH of stand-ins."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "python3"):
        (bin_dir / name).symlink_to(sys.executable)
    log = tmp_path / "poetry.log"
    if with_poetry:
        poetry = bin_dir / "poetry"
        # `poetry run X ...` runs X; each call is logged, to see which Python the imports used.
        poetry.write_text(f'#!/bin/sh\necho "$*" >> {log}\nshift\nexec "$@"\n')
        poetry.chmod(0o755)
    done = subprocess.run(
        ["/bin/sh", "-c", behaviour.PROBE_SCRIPT, "probe", *words],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return behaviour.parse_probe(done.stdout)


def test_the_probe_imports_with_poetry_run_when_run_from_outside_and_poetry_is_there(tmp_path):
    found = run_probe_script(tmp_path, True, "outside", behaviour.IMPORT_CHECKER, "offer", "poetry", "module", "json")
    assert found.offered == (("poetry", str(tmp_path / "bin" / "poetry")),)
    assert found.imports == (("json", "ok"),)
    assert (tmp_path / "poetry.log").read_text().startswith("run python -c ")
    assert found.guessed_python  # a command from outside may as well run python3: the original is not blamed


def test_the_probe_imports_with_python3_when_run_from_outside_without_poetry(tmp_path):
    found = run_probe_script(
        tmp_path, False, "outside", behaviour.IMPORT_CHECKER, "offer", "poetry", "module", "json", "module", "nosuch_x"
    )
    assert found.offered == (("poetry", ""),)
    assert found.imports == (("json", "ok"), ("nosuch_x", "ModuleNotFoundError: No module named 'nosuch_x'"))
    assert not (tmp_path / "poetry.log").exists()
    assert found.guessed_python


def test_the_probe_without_outside_keeps_the_command_s_python(tmp_path):
    found = run_probe_script(tmp_path, True, "python3", behaviour.IMPORT_CHECKER, "module", "json")
    assert (found.offered, found.imports) == ((), (("json", "ok"),))
    assert not (tmp_path / "poetry.log").exists()
    assert not found.guessed_python
