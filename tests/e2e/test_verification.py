"""`migrate --verify` on the real engine: each kind of difference found by itself, and a fleet run.

The runs themselves (tests/e2e/verification_runs.py) start with every other e2e build
in the conftest's pool; the tests here read their exit codes and JSON reports.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.verification_runs import CORPUS, FLEET, NOTES, RUN_SECONDS

pytestmark = pytest.mark.e2e

# Which runs each test reads: the conftest starts only those of the selected tests.
NEEDS = {
    "test_the_same_behaviour_exits_0_with_every_check_shown": ("same",),
    "test_a_missing_module_is_named": ("missing-module",),
    "test_a_write_denied_is_named": ("write-denied",),
    "test_a_program_not_on_path_is_named": ("not-on-path",),
    "test_a_command_that_exits_where_it_ran_is_the_one_difference": ("exits",),
    "test_the_original_failing_where_the_new_file_works_is_said_so": ("original-fails",),
    "test_verify_write_over_a_tree_writes_exactly_the_files_that_pass": ("fleet",),
}


@pytest.fixture(scope="session")
def runs(verification_results) -> dict:
    return verification_results


@pytest.fixture(scope="session")
def tree(e2e_jobs) -> Path:
    return e2e_jobs.tree


def verification(run: subprocess.CompletedProcess, index: int = 0) -> dict:
    try:
        document = json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"no JSON report (exit {run.returncode}):\n{run.stderr[-3000:]}", pytrace=False)
    return document["files"][index]["verification"]


def differences(run: subprocess.CompletedProcess) -> list[str]:
    return verification(run)["differences"]


def outcome(run: subprocess.CompletedProcess, check: str) -> str:
    return next(c["outcome"] for c in verification(run)["checks"] if c["check"] == check)


def test_the_same_behaviour_exits_0_with_every_check_shown(runs):
    run = runs["same"]
    assert run.returncode == 0, run.stderr[-3000:]
    record = verification(run)
    assert record["verdict"] == "passed"
    checks = {c["check"]: c for c in record["checks"]}
    for name in ("own command", "HTTP probe", "imports", "writable", "PATH", "--smoke"):
        assert checks[name]["outcome"] == "same", checks[name]
    assert checks["own command"]["migrated"] == f"still running after {RUN_SECONDS}s"
    assert checks["imports"]["migrated"] == "1 of 1 ok"
    assert record["migrated"]["uid"] == "10001"
    assert record["migrated"]["dependencies_cached"] is True
    assert record["original"]["dependencies_cached"] is False
    assert record["migrated"]["size_bytes"] < record["original"]["size_bytes"]
    assert "variants/same.Dockerfile: same behaviour as Dockerfile" in run.stderr
    edited = NOTES / record["source_edited"]
    assert "migrator --verify" not in edited.read_text(), "the source-only edit reached the real project"


def test_a_missing_module_is_named(runs):
    run = runs["missing-module"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert (
        "import notes: ok in Dockerfile, fails with ModuleNotFoundError: No module named 'attrs' "
        "in missing-module.Dockerfile" in differences(run)
    )
    assert any(
        re.fullmatch(
            r"own command: Dockerfile still running after \d+s, missing-module.Dockerfile exited 1 "
            r"\(ModuleNotFoundError: No module named 'attrs'\)",
            line,
        )
        for line in differences(run)
    ), differences(run)


def test_a_write_denied_is_named(runs):
    run = runs["write-denied"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert "WORKDIR /srv/notes: writable in Dockerfile, denied for uid 10001 in write-denied.Dockerfile" in (
        differences(run)
    )
    assert any("PermissionError: [Errno 13] Permission denied: 'data'" in line for line in differences(run))
    assert outcome(run, "imports") == "same"


def test_a_program_not_on_path_is_named(runs):
    run = runs["not-on-path"]
    assert run.returncode == 1, run.stderr[-3000:]
    assert (
        "PATH: poetry is not found in not-on-path.Dockerfile (Dockerfile finds poetry, poetry run python)"
        in differences(run)
    )
    assert any('exec: "poetry": executable file not found in $PATH' in line for line in differences(run))


def test_a_command_that_exits_where_it_ran_is_the_one_difference(runs):
    run = runs["exits"]
    assert run.returncode == 1, run.stderr[-3000:]
    # The original is watched longer once the other exited (up to 3 x 10 s): it keeps running.
    [line] = differences(run)
    assert re.fullmatch(r"own command: Dockerfile still running after \d+s, exits.Dockerfile exited 0", line)
    assert "notes: NOTES_PORT is not set, nothing to serve" in verification(run)["failure"]


def test_the_original_failing_where_the_new_file_works_is_said_so(runs):
    run = runs["original-fails"]
    assert run.returncode == 1, run.stderr[-3000:]
    record = verification(run)
    assert record["verdict"] == "original fails"
    # --baseline names each side by its file: the baseline here is missing-module.Dockerfile.
    assert record["sides"] == {"original": "missing-module.Dockerfile", "migrated": "same.Dockerfile"}
    assert record["differences"] and all(
        line.startswith("missing-module.Dockerfile fails: ") for line in record["differences"]
    )


def test_verify_write_over_a_tree_writes_exactly_the_files_that_pass(runs, tree):
    run = runs["fleet"]
    assert run.returncode == 123, run.stderr[-3000:]  # one file did not pass
    document = json.loads(run.stdout)
    records = {Path(record["path"]).parent.name: record for record in document["files"]}
    assert set(records) == set(FLEET)
    for name, record in records.items():
        assert record["verification"] is not None, name
        assert record["written"] == record["verification"]["passed"], (name, record["verification"])
    assert records["user"]["written"], records["user"]["verification"]
    assert "AS runtime" in (tree / "user" / "Dockerfile").read_text()
    assert (tree / "volume" / "Dockerfile").read_bytes() == (CORPUS / "fleet" / "volume.Dockerfile").read_bytes()
    assert (
        "VOLUME /data: writable in the original, denied for uid 10001 in the migrated image"
        in (records["volume"]["verification"]["differences"])
    )
    assert f"{tree / 'volume' / 'Dockerfile'}: not verified: differs: " in run.stderr
