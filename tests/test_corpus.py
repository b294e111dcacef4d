"""The corpus: every corpus/<case>/Dockerfile through the whole pipeline.

The build context is the case folder. expected.Dockerfile is the hand-checked output
with default settings; without one the file must come back unchanged. A case whose
original cannot build or start has expected-failure.txt instead: the one line the
tool prints for it (`Dockerfile:LINE: message`), and the file stays unchanged. Besides the
output itself, each case checks what a bulk run relies on: the model agrees with
BuildKit's parser, a second run changes nothing, hadolint finds nothing new, and
line endings, BOM and final newline survive.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from functools import cache
from pathlib import Path

import dockerfile
import pytest

from migrator.migrate_file import migrate_path
from migrator.model import BOM, parse
from migrator.pipeline import Status, migrate_source
from migrator.project import read_context
from migrator.source import decode
from migrator.transform import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
CASES = sorted(p.parent for p in CORPUS.glob("*/Dockerfile"))
NEVER_ALLOWED = {"DL3002", "DL3042"}  # last USER root; pip cache kept in the image


def case_params():
    return [pytest.param(case, id=case.name) for case in CASES]


@cache
def migrated(case: Path):
    return migrate_path(case / "Dockerfile", Settings(), context_dir=case)


def input_text(case: Path) -> str:
    return decode((case / "Dockerfile").read_bytes())


def expected_failure(case: Path) -> str | None:
    path = case / "expected-failure.txt"
    return path.read_text(encoding="utf-8").rstrip("\n") if path.exists() else None


def failure_line(result) -> str:
    return f"Dockerfile:{result.error_line}: {result.error}"


def output_bytes(case: Path) -> bytes:
    return migrated(case).migrated.encode("utf-8", "surrogateescape")


def diff(expected: str, actual: str, expected_name: str, actual_name: str) -> str:
    lines = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        expected_name,
        actual_name,
    )
    return "".join(repr(line)[1:-1] + "\n" if "\r" in line or line.startswith(BOM) else line for line in lines)


def buildkit_instructions(text: str) -> list[tuple[str, int, int]]:
    commands = dockerfile.parse_string(text.removeprefix(BOM))
    return [(c.cmd.upper(), c.start_line, c.end_line) for c in commands]


def model_instructions(text: str) -> list[tuple[str, int, int]]:
    return [(i.keyword, i.start_line, i.end_line) for i in parse(text).instructions]


def hadolint_codes(text: str) -> set[str]:
    result = subprocess.run(
        ["hadolint", "--no-fail", "-f", "json", "-"],
        input=text.removeprefix(BOM).encode("utf-8", "surrogateescape"),
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"hadolint failed: {result.stderr.decode(errors='replace')}"
    return {finding["code"] for finding in json.loads(result.stdout or b"[]")}


def test_corpus_is_big_enough():
    own = [c for c in CASES if not c.name.startswith("e2e-")]
    assert len(own) >= 28, f"only {len(own)} unit corpus cases"


@pytest.mark.parametrize("case", case_params())
def test_model_round_trips_and_agrees_with_buildkit(case):
    data = (case / "Dockerfile").read_bytes()
    text = decode(data)
    assert parse(text).render().encode("utf-8", "surrogateescape") == data, "the model does not give the input back"
    assert model_instructions(text) == buildkit_instructions(text), "model and BuildKit disagree on the input"


@pytest.mark.parametrize("case", case_params())
def test_pipeline_does_not_fail(case):
    result = migrated(case)
    expected = expected_failure(case)
    if expected is not None:
        assert result.status is Status.FAILED, "the original cannot build, yet it was not reported as failed"
        assert failure_line(result) == expected
        assert not (case / "expected.Dockerfile").exists(), "a failed file stays unchanged: no expected.Dockerfile"
        return
    assert result.status is not Status.FAILED, f"{result.error} (line {result.error_line})\n{result.detail or ''}"


@pytest.mark.parametrize("case", case_params())
def test_output_is_expected(case):
    expected_path = case / "expected.Dockerfile"
    source = case / "Dockerfile"
    expected = (expected_path if expected_path.exists() else source).read_bytes()
    actual = output_bytes(case)
    if actual != expected:
        name = expected_path.name if expected_path.exists() else "Dockerfile (must stay unchanged)"
        text = diff(decode(expected), decode(actual), name, "migrated")
        pytest.fail(f"{case.name}: the output differs from {name}:\n{text}")


@pytest.mark.parametrize("case", case_params())
def test_second_run_changes_nothing(case):
    once = output_bytes(case)
    again = migrate_source(str(case / "Dockerfile"), once, Settings(), read_context(case))
    if expected_failure(case) is not None:
        assert failure_line(again) == expected_failure(case)
        return
    assert again.status is not Status.FAILED, again.error
    if again.migrated.encode("utf-8", "surrogateescape") != once:
        pytest.fail(
            "a second run changes the output:\n" + diff(decode(once), again.migrated, "first run", "second run")
        )


@pytest.mark.parametrize("case", case_params())
def test_output_parses_alike_in_buildkit_and_the_model(case):
    text = migrated(case).migrated
    assert model_instructions(text) == buildkit_instructions(text), "model and BuildKit disagree on the output"


@pytest.mark.parametrize("case", case_params())
def test_hadolint_finds_nothing_new(case):
    before = hadolint_codes(input_text(case))
    after = hadolint_codes(migrated(case).migrated)
    if migrated(case).changed:
        assert not after & NEVER_ALLOWED, f"hadolint: {sorted(after & NEVER_ALLOWED)} in the output"
    assert after <= before, f"hadolint finds new problems in the output: {sorted(after - before)}"


@pytest.mark.parametrize("case", case_params())
def test_line_endings_bom_and_final_newline_kept(case):
    original = input_text(case)
    output = migrated(case).migrated
    assert output.startswith(BOM) == original.startswith(BOM), "BOM added or lost"
    assert output.endswith("\n") == original.endswith("\n"), "final newline added or lost"
    crlf = original.count("\r\n")
    lf = original.count("\n") - crlf
    if lf == 0 and crlf:
        assert output.count("\n") == output.count("\r\n"), "a bare LF in a CRLF file"
    if crlf == 0:
        assert "\r\n" not in output, "a CRLF in an LF file"
