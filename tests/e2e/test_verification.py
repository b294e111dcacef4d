"""`migrate --verify` on the real engine: each kind of difference found by itself, and a fleet run.

corpus/verify/notes is a small service (HTTP on NOTES_PORT, notes kept in a folder it
creates). corpus/verify/variants holds migrated Dockerfiles for it: one that behaves
the same and four broken on purpose, each compared with the naive original through
`migrate --verify --baseline`, as a user would. corpus/verify/fleet holds two naive
Dockerfiles whose migration passes and fails: `migrate --verify --write` over a tree
of them writes exactly the one that passes.

All runs start at once (a few at a time) and share the build stage's cached layers;
the tests then read their exit codes and JSON reports.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus" / "verify"
NOTES = CORPUS / "notes"
VARIANTS = CORPUS / "variants"
# The default: long enough for the service to start even on a loaded machine (the broken
# variant that exits must have exited by then).
RUN_SECONDS = "10"
COMMON = ("--verify", "--network", "host", "--run-seconds", RUN_SECONDS, "--format", "json")
PARALLEL_RUNS = 3

BASELINES = {
    "same": ("notes/Dockerfile", "variants/same.Dockerfile", ("--probe-http", "8080/", "--smoke", "ls notes")),
    "missing-module": ("notes/Dockerfile", "variants/missing-module.Dockerfile", ()),
    "write-denied": ("notes/Dockerfile", "variants/write-denied.Dockerfile", ()),
    "not-on-path": ("notes/Dockerfile", "variants/not-on-path.Dockerfile", ()),
    "exits": ("notes/Dockerfile", "variants/exits.Dockerfile", ()),
    # The same pair the other way round: the baseline is the broken one.
    "original-fails": ("variants/missing-module.Dockerfile", "variants/same.Dockerfile", ()),
}
FLEET = ("user", "volume")


def migrate(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, capture_output=True, text=True, timeout=3600
    )


def compare(name: str) -> subprocess.CompletedProcess:
    baseline, path, extra = BASELINES[name]
    return migrate(*COMMON, *extra, "--baseline", baseline, "--context", "notes", path, cwd=CORPUS)


def fleet_tree(root: Path) -> Path:
    for name in FLEET:
        shutil.copytree(NOTES, root / name, ignore=shutil.ignore_patterns("Dockerfile", "__pycache__"))
        shutil.copyfile(CORPUS / "fleet" / f"{name}.Dockerfile", root / name / "Dockerfile")
    return root


def fleet_run(root: Path) -> subprocess.CompletedProcess:
    # --jobs 2 verifies both files at once; --build-jobs 1 (the default) still builds one image at a time.
    return migrate("--write", *COMMON, "--jobs", "2", str(root), cwd=root)


@pytest.fixture(scope="session")
def tree(tmp_path_factory) -> Path:
    return fleet_tree(tmp_path_factory.mktemp("fleet"))


@pytest.fixture(scope="session")
def runs(docker_sandbox, tree) -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=PARALLEL_RUNS) as pool:
        futures = {name: pool.submit(compare, name) for name in BASELINES}
        futures["fleet"] = pool.submit(fleet_run, tree)
        return {name: future.result() for name, future in futures.items()}


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
