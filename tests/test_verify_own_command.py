"""Both images' own commands exit with the same failing code: when is that still a difference?"""

from __future__ import annotations

import pytest

from migrator import behaviour

TOKEN_MISSING = "Traceback: FileNotFoundError: [Errno 2] No such file or directory: 'token.secret'"
PKG_RESOURCES = "ModuleNotFoundError: No module named 'pkg_resources'"


def own_command(original: behaviour.CommandRun, migrated: behaviour.CommandRun, sides=behaviour.MIGRATION):
    (check,) = behaviour.compare(
        behaviour.Behaviour(behaviour.ImageConfig(), original),
        behaviour.Behaviour(behaviour.ImageConfig(), migrated),
        10,
        sides,
    )
    return check.outcome, check.lines


def exited(code: int, *errors: str) -> behaviour.CommandRun:
    return behaviour.CommandRun(False, code, "\n".join(errors), tuple(errors))


def test_a_module_only_the_migrated_image_misses_is_a_difference_though_both_exit_1():
    # Hoon9901/rss-feed-reader without its token file: the original gets as far as opening
    # it, the migrated image dies importing nextcord.
    assert own_command(exited(1, TOKEN_MISSING), exited(1, PKG_RESOURCES)) == (
        "differs",
        (
            "own command: both exit 1, but only the migrated image prints "
            "ModuleNotFoundError: No module named 'pkg_resources'; the original prints " + TOKEN_MISSING,
        ),
    )


def test_a_baseline_names_its_files():
    sides = behaviour.Sides.of_files("orig.Dockerfile", "old.Dockerfile")
    assert own_command(exited(1), exited(1, "PermissionError: [Errno 13] Permission denied: 'db.json'"), sides) == (
        "differs",
        (
            "own command: both exit 1, but only old.Dockerfile prints PermissionError: [Errno 13] Permission denied: "
            "'db.json'",
        ),
    )


@pytest.mark.parametrize(
    ("original", "migrated"),
    [
        pytest.param(exited(1, PKG_RESOURCES), exited(1, PKG_RESOURCES), id="the-same-error"),
        # The original already misses a module: it fails the same way, whichever module it is.
        pytest.param(
            exited(1, "ModuleNotFoundError: No module named 'flask'"), exited(1, PKG_RESOURCES), id="same-kind"
        ),
        # Not a kind a migration causes by losing something: the original is broken too.
        pytest.param(
            exited(1), exited(1, "Traceback: ImportError: cannot import name 'soft_unicode'"), id="other-kind"
        ),
        pytest.param(exited(1, "Traceback: KeyError: 'TOKEN'"), exited(1, "Traceback: KeyError: 'TOKEN'"), id="env"),
    ],
)
def test_the_original_failing_the_same_way_is_no_difference(original, migrated):
    assert own_command(original, migrated) == ("same", ())


def test_a_program_not_found_only_in_the_migrated_image_is_a_difference():
    outcome, lines = own_command(exited(127), exited(127, "poetry: not found"))
    assert (outcome, lines) == (
        "differs",
        ("own command: both exit 127, but only the migrated image prints poetry: not found",),
    )


def test_a_permission_error_printed_without_its_type_is_named():
    # b-munar/desarrollo-software-nube's kept `HOME=/root poetry run` under an added non-root user.
    output = "\n[Errno 13] Permission denied: '/root/.config/pypoetry/config.toml'\n"
    assert behaviour.named_errors(output) == (
        "PermissionError: [Errno 13] Permission denied: '/root/.config/pypoetry/config.toml'",
    )
    original = exited(1, PKG_RESOURCES)  # the sandbox's original, failing later for its own reason
    assert own_command(original, exited(1, *behaviour.named_errors(output))) == (
        "differs",
        (
            "own command: both exit 1, but only the migrated image prints PermissionError: [Errno 13] Permission "
            "denied: '/root/.config/pypoetry/config.toml'; the original prints " + PKG_RESOURCES,
        ),
    )


def imports(before: str, after: str):
    checks = behaviour.compare(
        behaviour.Behaviour(behaviour.ImageConfig(), probe=behaviour.Probe((("parser", before),), uid="0")),
        behaviour.Behaviour(behaviour.ImageConfig(), probe=behaviour.Probe((("parser", after),), uid="0")),
        10,
    )
    check = next(c for c in checks if c.name == "imports")
    return check.outcome, check.lines


GSPREAD = "ModuleNotFoundError: No module named 'gspread'"
CREDENTIALS = "FileNotFoundError: [Errno 2] No such file or directory: 'credentials.json'"


def test_an_import_getting_further_than_the_original_s_missing_module_is_the_original_failing():
    # x6vital1/tg_scrapper: the original's `poetry run python` as appuser misses gspread; the
    # migrated image imports it and stops at the missing credentials file, as the app would.
    assert imports(GSPREAD, CREDENTIALS) == (
        "original fails",
        (
            f"the original fails: import parser: fails with {GSPREAD} in the original, fails with {CREDENTIALS} "
            "in the migrated image",
        ),
    )


def test_an_import_stopping_earlier_at_a_missing_module_is_a_difference():
    assert imports(CREDENTIALS, GSPREAD) == (
        "differs",
        (f"import parser: fails with {CREDENTIALS} in the original, fails with {GSPREAD} in the migrated image",),
    )
