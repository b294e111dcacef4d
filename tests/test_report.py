"""What is printed: diffs that apply, black-style summaries, messages per verbosity, JSON."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from migrator.pipeline import FileResult, Status
from migrator.report import (
    FileReport,
    Summary,
    failure_line,
    file_diff,
    file_messages,
    json_document,
    summary_line,
    unified_diff,
    write_diff,
)
from migrator.transform import ExtraFile, Note

BEFORE = "FROM python:3.11-slim\nRUN pip install poetry\n"
AFTER = "# syntax=docker/dockerfile:1\nFROM python:3.11-slim\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n"
MIGRATED = FileResult(
    "svc/Dockerfile",
    Status.MIGRATED,
    BEFORE,
    AFTER,
    changes=(Note("MIG004", 2, "cache mount for pip"),),
    warnings=(Note("MIG003", 5, "kept as is"),),
)
UNCHANGED = FileResult("ok/Dockerfile", Status.UNCHANGED, AFTER, AFTER)
SKIPPED = FileResult("js/Dockerfile", Status.SKIPPED, "FROM node\n", "FROM node\n", reason="does not use Poetry")
FAILED = FileResult(
    "bad/Dockerfile",
    Status.FAILED,
    error="no FROM instruction",
    error_line=3,
    detail="Traceback (most recent call last):\n  boom\n",
)
REASONS = {"MIG004": "downloads are cached"}


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(BEFORE, AFTER, id="changed"),
        pytest.param(BEFORE.rstrip("\n"), AFTER, id="newline-added-at-end"),
        pytest.param(BEFORE, AFTER.rstrip("\n"), id="no-newline-at-end"),
        pytest.param(BEFORE.replace("\n", "\r\n"), AFTER.replace("\n", "\r\n"), id="crlf"),
    ],
)
def test_diffs_apply_with_git(tmp_path: Path, before: str, after: str):
    (tmp_path / "Dockerfile").write_bytes(before.encode())
    (tmp_path / "change.diff").write_bytes(unified_diff(before, after, "Dockerfile").encode())
    subprocess.run(["git", "apply", "--unsafe-paths", "change.diff"], cwd=tmp_path, check=True, capture_output=True)
    assert (tmp_path / "Dockerfile").read_bytes() == after.encode()


def test_created_and_removed_files_diff_against_dev_null():
    assert unified_diff(None, "a\n", "uv.lock").startswith("--- /dev/null\n+++ b/uv.lock\n")
    assert unified_diff("a\n", None, "poetry.lock").startswith("--- a/poetry.lock\n+++ /dev/null\n")


def test_file_diff_includes_project_files_under_the_context():
    result = FileResult(
        "./svc/Dockerfile",
        Status.MIGRATED,
        BEFORE,
        AFTER,
        extra_files=(ExtraFile("pyproject.toml", "x\n", "y\n"), ExtraFile("uv.lock", None, "v\n")),
    )
    diff = file_diff(FileReport(result, context_label="svc"))
    headers = [line for line in diff.splitlines() if line.startswith(("---", "+++"))]
    assert headers == [
        "--- a/svc/Dockerfile",
        "+++ b/svc/Dockerfile",
        "--- a/svc/pyproject.toml",
        "+++ b/svc/pyproject.toml",
        "--- /dev/null",
        "+++ b/svc/uv.lock",
    ]


@pytest.mark.parametrize("result", [UNCHANGED, SKIPPED, FAILED], ids=["unchanged", "skipped", "failed"])
def test_no_diff_unless_migrated(result: FileResult):
    assert file_diff(FileReport(result)) == ""


def test_diffs_are_redacted_and_plain_when_not_coloured():
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    write_diff("+ARG PIP_INDEX_URL=https://bob:hunter2@example.com/simple\n", stream, colour=False)
    assert stream.buffer.getvalue() == b"+ARG PIP_INDEX_URL=https://bob:****@example.com/simple\n"


def test_coloured_diffs_are_redacted_too():
    stream = io.StringIO()
    write_diff("+ENV API_TOKEN=abc123secret\n", stream, colour=True)
    assert "abc123secret" not in stream.getvalue()
    assert "API_TOKEN=****" in stream.getvalue()


def summary_of(*results: FileResult) -> Summary:
    summary = Summary()
    for result in results:
        summary.add(FileReport(result))
    return summary


@pytest.mark.parametrize(
    "results, writing, expected",
    [
        pytest.param(
            (MIGRATED, MIGRATED, MIGRATED, UNCHANGED, FAILED),
            False,
            "3 files would be migrated, 1 file left unchanged, 1 file failed",
            id="check",
        ),
        pytest.param((MIGRATED, MIGRATED, SKIPPED), True, "2 files migrated, 1 file skipped", id="write"),
        pytest.param((UNCHANGED,), False, "1 file left unchanged", id="nothing-to-do"),
        pytest.param((), False, "no Dockerfiles found", id="no-files"),
    ],
)
def test_summary_line(results, writing: bool, expected: str):
    assert summary_line(summary_of(*results), writing) == expected


def test_summary_counts_transforms_per_migrated_file():
    summary = summary_of(MIGRATED, MIGRATED, UNCHANGED)
    assert summary.applied == {"MIG004": 2}


def test_a_write_failure_counts_as_failed():
    report = FileReport(MIGRATED, failure="svc/Dockerfile: changed on disk since it was read")
    assert report.status is Status.FAILED
    assert summary_line(summary_of(), False) == "no Dockerfiles found"
    assert failure_line(report) == "svc/Dockerfile: changed on disk since it was read"


@pytest.mark.parametrize(
    "result, writing, verbosity, expected",
    [
        pytest.param(
            MIGRATED,
            False,
            0,
            ["would migrate svc/Dockerfile", "svc/Dockerfile:5: warning: MIG003 kept as is"],
            id="migrated",
        ),
        pytest.param(
            MIGRATED, True, 0, ["migrated svc/Dockerfile", "svc/Dockerfile:5: warning: MIG003 kept as is"], id="written"
        ),
        pytest.param(MIGRATED, False, -1, [], id="migrated-quiet"),
        pytest.param(
            MIGRATED,
            False,
            1,
            [
                "would migrate svc/Dockerfile",
                "  svc/Dockerfile:2: MIG004 cache mount for pip (why: downloads are cached)",
                "svc/Dockerfile:5: warning: MIG003 kept as is",
            ],
            id="migrated-verbose",
        ),
        pytest.param(UNCHANGED, False, 0, [], id="unchanged"),
        pytest.param(UNCHANGED, False, 1, ["ok/Dockerfile: already good, left unchanged"], id="unchanged-verbose"),
        pytest.param(SKIPPED, False, 1, ["js/Dockerfile: skipped: does not use Poetry"], id="skipped-verbose"),
        pytest.param(FAILED, False, -1, ["bad/Dockerfile:3: no FROM instruction"], id="failed-quiet"),
        pytest.param(FAILED, False, 0, ["bad/Dockerfile:3: no FROM instruction"], id="failed"),
        pytest.param(
            FAILED,
            False,
            1,
            ["bad/Dockerfile:3: no FROM instruction", "Traceback (most recent call last):\n  boom"],
            id="failed-verbose",
        ),
    ],
)
def test_file_messages(result: FileResult, writing: bool, verbosity: int, expected: list[str]):
    assert file_messages(FileReport(result), writing, verbosity, REASONS) == expected


def test_json_document():
    reports = [FileReport(MIGRATED, context_label="svc"), FileReport(FAILED), FileReport(SKIPPED)]
    summary = Summary()
    for report in reports:
        summary.add(report)
    document = json.loads(json_document(reports, summary, "check"))
    assert document["version"] == 1 and document["mode"] == "check"
    assert document["summary"] == {
        "migrated": 1,
        "unchanged": 0,
        "skipped": 1,
        "failed": 1,
        "transforms": {"MIG004": 1},
    }
    migrated, failed, skipped = document["files"]
    assert migrated["changes"] == [{"code": "MIG004", "line": 2, "message": "cache mount for pip"}]
    assert migrated["warnings"] == [{"code": "MIG003", "line": 5, "message": "kept as is"}]
    assert migrated["diff"].startswith("--- a/svc/Dockerfile\n")
    assert failed["error"] == {"line": 3, "message": "no FROM instruction"} and failed["diff"] is None
    assert skipped["reason"] == "does not use Poetry" and skipped["status"] == "skipped"


def test_json_masks_credentials_and_survives_undecodable_bytes():
    secret = FileResult(
        "Dockerfile",
        Status.MIGRATED,
        "# caf\udce9\nARG GITHUB_TOKEN=ghp_abcdefghijklmnop\n",
        "# caf\udce9\nARG GITHUB_TOKEN=ghp_abcdefghijklmnop\nUSER 1\n",
    )
    text = json_document([FileReport(secret)], summary_of(secret), "diff")
    assert "ghp_abcdefghijklmnop" not in text
    assert "GITHUB_TOKEN=****" in json.loads(text)["files"][0]["diff"]


@pytest.mark.parametrize(
    "path, header",
    [
        pytest.param("svc/Dockerfile", "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n", id="relative"),
        pytest.param("./svc//Dockerfile", "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n", id="normalised"),
        pytest.param(
            "/elsewhere/svc/Dockerfile",
            "--- /elsewhere/svc/Dockerfile\n+++ /elsewhere/svc/Dockerfile\n",
            id="outside-the-folder",
        ),
        pytest.param("<stdin>", "--- <stdin>\n+++ <stdin>\n", id="stdin"),
    ],
)
def test_diff_headers(path: str, header: str, monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    result = FileResult(path, Status.MIGRATED, BEFORE, AFTER)
    assert file_diff(FileReport(result)).startswith(header)


def test_paths_under_the_current_folder_are_shown_relative(monkeypatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    result = FileResult(str(tmp_path / "svc" / "Dockerfile"), Status.MIGRATED, BEFORE, AFTER)
    assert file_diff(FileReport(result)).startswith("--- a/svc/Dockerfile\n")


def test_the_readme_shows_the_json_report_as_it_is(tmp_path: Path):
    """The README's sample report has the real document's keys and real messages."""
    import re
    import shutil
    import sys

    root = Path(__file__).resolve().parent.parent
    sample = json.loads(re.search(r"```json\n(.*?)```", (root / "README.md").read_text(), re.S).group(1))
    project = tmp_path / "svc"
    project.mkdir()
    for name in ("Dockerfile", "pyproject.toml", "poetry.lock"):
        shutil.copy(root / "corpus" / "e2e-fastapi" / name, project / name)
    (project / ".dockerignore").write_text("__pycache__\n")
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "migrator", "--write", "--report", str(report), "Dockerfile"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    real = json.loads(report.read_text())
    assert sample.keys() == real.keys() and sample["summary"] == real["summary"]
    shown, record = sample["files"][0], real["files"][0]
    assert list(shown) == list(record), "same fields, in the same order"
    assert (shown["path"], shown["status"], shown["written"]) == (record["path"], record["status"], record["written"])
    assert shown["applied"] == record["applied"]
    assert all(change in record["changes"] for change in shown["changes"])
    for warning in shown["warnings"]:
        prefix = warning["message"].removesuffix("...")
        assert any(
            w["code"] == warning["code"] and w["line"] == warning["line"] and w["message"].startswith(prefix)
            for w in record["warnings"]
        )
    assert record["diff"].startswith(shown["diff"].removesuffix("@@ ...") + "@@ ")
