"""How `--verify` names the two images: a migration's original and migrated image, or the two files of --baseline."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from migrator import behaviour
from migrator import verify as verify_module
from migrator.verify import ImageFigures, Verification, VerifyOptions, render, verdict_line

BASELINE = behaviour.Sides.of_files("before/old.Dockerfile", "svc/Dockerfile")

RUNNING = behaviour.CommandRun(True, None, "serving")
MISSING = behaviour.CommandRun(
    False, 1, "ModuleNotFoundError: No module named 'pkg_resources'", ("ModuleNotFoundError: No module named 'x'",)
)


def everything_differs(sides: behaviour.Sides) -> list[behaviour.Check]:
    """Every kind of line the comparison writes, each made to appear once."""
    before = behaviour.Probe(
        (("app", "ok"),),
        (("WORKDIR", "/app", "writable"),),
        (("gunicorn", "/usr/local/bin/gunicorn"),),
        "0",
    )
    after = behaviour.Probe(
        (("app", "ModuleNotFoundError: No module named 'x'"),),
        (("WORKDIR", "/app", "denied"),),
        (("gunicorn", ""),),
        "10001",
    )
    original = behaviour.Behaviour(
        behaviour.ImageConfig(), RUNNING, behaviour.HttpAnswer(200, "ok"), before, behaviour.SmokeRun(0, "", "")
    )
    migrated = behaviour.Behaviour(
        behaviour.ImageConfig(), MISSING, behaviour.HttpAnswer(500, "no"), after, behaviour.SmokeRun(2, "", "")
    )
    return behaviour.compare(original, migrated, 10, sides)


def lines_of(checks) -> list[str]:
    return [line for check in checks for line in check.lines]


def test_a_migration_speaks_of_the_original_and_the_migrated_image():
    assert lines_of(everything_differs(behaviour.MIGRATION)) == [
        "own command: the original still running after 10s, the migrated image exited 1 "
        "(ModuleNotFoundError: No module named 'x')",
        "HTTP probe: the original answers 200, 2 bytes, the migrated image 500, 2 bytes",
        "import app: ok in the original, fails with ModuleNotFoundError: No module named 'x' in the migrated image",
        "WORKDIR /app: writable in the original, denied for uid 10001 in the migrated image",
        "PATH: gunicorn is not found in the migrated image (the original finds gunicorn)",
        "--smoke: exit 0 in the original, 2 in the migrated image",
    ]


def test_a_baseline_names_the_two_files():
    assert lines_of(everything_differs(BASELINE)) == [
        "own command: old.Dockerfile still running after 10s, Dockerfile exited 1 "
        "(ModuleNotFoundError: No module named 'x')",
        "HTTP probe: old.Dockerfile answers 200, 2 bytes, Dockerfile 500, 2 bytes",
        "import app: ok in old.Dockerfile, fails with ModuleNotFoundError: No module named 'x' in Dockerfile",
        "WORKDIR /app: writable in old.Dockerfile, denied for uid 10001 in Dockerfile",
        "PATH: gunicorn is not found in Dockerfile (old.Dockerfile finds gunicorn)",
        "--smoke: exit 0 in old.Dockerfile, 2 in Dockerfile",
    ]
    details = "\n".join(check.detail for check in everything_differs(BASELINE))
    assert "old.Dockerfile output:" in details and "Dockerfile output:" in details
    assert "migrated" not in details and "original" not in details


def test_the_baseline_failing_where_the_other_file_works_is_named_by_its_file():
    (check,) = behaviour.compare(behaviour.Behaviour(behaviour.ImageConfig(), MISSING), _running(), 10, BASELINE)
    assert (check.outcome, check.lines) == (
        "original fails",
        (
            "old.Dockerfile fails: own command exited 1 (ModuleNotFoundError: No module named 'x'); "
            "Dockerfile still running after 10s",
        ),
    )


def _running() -> behaviour.Behaviour:
    return behaviour.Behaviour(behaviour.ImageConfig(), RUNNING)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param("old.Dockerfile", "app/Dockerfile", ("old.Dockerfile", "Dockerfile"), id="file-names"),
        pytest.param("a/Dockerfile", "b/Dockerfile", ("a/Dockerfile", "b/Dockerfile"), id="same-name-paths"),
    ],
)
def test_sides_of_files(old, new, expected):
    sides = behaviour.Sides.of_files(old, new)
    assert (sides.original, sides.migrated) == expected
    assert (sides.original_file, sides.migrated_file) == expected


def test_build_lines_name_the_files():
    def build(ok: bool) -> verify_module.Build:
        log = "#5 [2/2] RUN false\n#5 ERROR: process did not complete successfully: exit code: 1\n"
        return verify_module.Build(ok, 3.0, "" if ok else log, tuple(verify_module.parse_build_log(log)))

    only_new_fails = {"original": build(True), "migrated": build(False)}
    only_old_fails = {"original": build(False), "migrated": build(True)}
    assert verify_module._build_checks(only_new_fails, BASELINE)[0].lines == ("build: Dockerfile does not build",)
    assert verify_module._build_checks(only_old_fails, BASELINE)[0].lines == (
        "old.Dockerfile fails: it does not build",
    )
    assert verify_module._build_failure(only_new_fails, BASELINE).startswith("Dockerfile does not build:\n")
    assert verify_module._build_checks(only_new_fails, behaviour.MIGRATION)[0].lines == (
        "build: the migrated Dockerfile does not build",
    )


FIGURES = ImageFigures(20.0, None, (), None, 284_000_000, "root", "0")


def verification(verdict: str, sides: behaviour.Sides, baseline: str | None, lines=()) -> Verification:
    outcome = {"passed": "same", "differs": "differs", "original fails": "original fails"}[verdict]
    check = behaviour.Check("imports", "1 of 1 ok", "0 of 1 ok", outcome, tuple(lines))
    return Verification(
        "svc/Dockerfile",
        verdict == "passed",
        None if verdict == "passed" else "\n".join(lines),
        FIGURES,
        FIGURES,
        verdict=verdict,
        checks=(check,),
        baseline=baseline,
        sides=sides,
    )


@pytest.mark.parametrize(
    ("verdict", "lines", "migration", "baseline"),
    [
        pytest.param("passed", (), "passed", "same behaviour as old.Dockerfile", id="same"),
        pytest.param(
            "differs",
            ("import app: {o} ok, {m} fails",),
            "differs: import app: the original ok, the migrated image fails",
            "differs from old.Dockerfile: import app: old.Dockerfile ok, Dockerfile fails",
            id="differs",
        ),
        pytest.param(
            "original fails",
            ("{o} fails: import app: ...",),
            "the original fails: import app: ...",
            "old.Dockerfile fails: import app: ...",
            id="original-fails",
        ),
    ],
)
def test_the_exit_message_names_the_sides(verdict, lines, migration, baseline):
    def said(sides: behaviour.Sides, path: str | None) -> str:
        written = [line.format(o=sides.original, m=sides.migrated) for line in lines]
        return verdict_line(verification(verdict, sides, path, written))

    assert said(behaviour.MIGRATION, None) == migration
    assert said(BASELINE, "before/old.Dockerfile") == baseline


def rendered(item: Verification) -> str:
    out = io.StringIO()
    render([item], Console(file=out, width=140, color_system=None))
    return out.getvalue()


def test_the_table_heads_its_columns_with_the_two_files():
    text = rendered(verification("original fails", BASELINE, "before/old.Dockerfile", ["old.Dockerfile fails: x"]))
    header = next(line for line in text.splitlines() if line.startswith("┃ check"))
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "check",
        "old.Dockerfile",
        "Dockerfile",
        "result",
    ]
    assert "│ old.Dockerfile fails │" in text
    text = rendered(verification("original fails", behaviour.MIGRATION, None, ["the original fails: x"]))
    header = next(line for line in text.splitlines() if line.startswith("┃ check"))
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == ["check", "original", "migrated", "result"]
    assert "│ original fails │" in text


def test_the_json_report_says_what_each_side_is():
    record = verification("passed", BASELINE, "before/old.Dockerfile").record()
    assert record["sides"] == {"original": "old.Dockerfile", "migrated": "Dockerfile"}
    assert verification("passed", behaviour.MIGRATION, None).record()["sides"] == {
        "original": "the original",
        "migrated": "the migrated image",
    }
    table = verify_module.markdown_table(json.loads(json.dumps(record)))
    assert table.splitlines()[0] == "| check | old.Dockerfile | Dockerfile | result |"


def test_a_baseline_without_an_engine_still_names_its_sides(tmp_path):
    item = verify_module.verify_pair(
        "svc/Dockerfile",
        "FROM x\n",
        "FROM y\n",
        tmp_path,
        VerifyOptions(docker=str(tmp_path / "nodocker")),
        baseline="before/old.Dockerfile",
    )
    assert (item.verdict, item.sides) == ("build failed", BASELINE)
    assert verify_module.exit_code(item) == 123


def test_each_difference_stays_one_line_on_a_narrow_console():
    line = "import app: ok in old.Dockerfile, fails with ModuleNotFoundError: No module named 'pkg_resources' in Dockerfile"
    item = verification("differs", BASELINE, "before/old.Dockerfile", [line])
    out = io.StringIO()
    render([item], Console(file=out, width=60, color_system=None))
    assert f"svc/Dockerfile: {line}\n" in out.getvalue()
