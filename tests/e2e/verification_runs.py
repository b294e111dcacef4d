"""The `migrate --verify` runs that tests/e2e/test_verification.py reads, as pool jobs.

corpus/verify/notes is a small service (HTTP on NOTES_PORT, notes kept in a folder it
creates). corpus/verify/variants holds migrated Dockerfiles for it: one that behaves
the same and four broken on purpose, each compared with the naive original through
`migrate --verify --baseline`, as a user would. corpus/verify/fleet holds two naive
Dockerfiles whose migration passes and fails: `migrate --verify --write` over a tree
of them writes exactly the one that passes. The conftest starts these in the same
pool as the case builds; each is one CLI run whose exit code and JSON report the
tests read.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus" / "verify"
NOTES = CORPUS / "notes"
VARIANTS = CORPUS / "variants"
# The default: long enough for the service to start even on a loaded machine (the broken
# variant that exits must have exited by then).
RUN_SECONDS = "10"
COMMON = ("--verify", "--network", "host", "--run-seconds", RUN_SECONDS, "--format", "json")

# Only "same" reads the rebuild after a source-only edit; the others skip that second
# build of both images (--no-rebuild): on a cold engine it reinstalls the original's
# dependencies, the longest step of a run.
NO_REBUILD = ("--no-rebuild",)
BASELINES = {
    "same": ("notes/Dockerfile", "variants/same.Dockerfile", ("--probe-http", "8080/", "--smoke", "ls notes")),
    "missing-module": ("notes/Dockerfile", "variants/missing-module.Dockerfile", NO_REBUILD),
    "write-denied": ("notes/Dockerfile", "variants/write-denied.Dockerfile", NO_REBUILD),
    "not-on-path": ("notes/Dockerfile", "variants/not-on-path.Dockerfile", NO_REBUILD),
    "exits": ("notes/Dockerfile", "variants/exits.Dockerfile", NO_REBUILD),
    # The same pair the other way round: the baseline is the broken one.
    "original-fails": ("variants/missing-module.Dockerfile", "variants/same.Dockerfile", NO_REBUILD),
}
FLEET = ("user", "volume")
# The runs that skip the rebuild, one at a time: beside the pool's build slot, at most two builds run at once.
VERIFY_SLOT = threading.Lock()


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
    return migrate("--write", *COMMON, *NO_REBUILD, "--jobs", "2", str(root), cwd=root)


def run(name: str, tree: Path) -> subprocess.CompletedProcess:
    """One run by name: a BASELINES pair, or "fleet" over `tree` (made by fleet_tree).

    The run builds in its own process. "same" reads the rebuild after the edit, so it
    holds one of the pool's build slots throughout (see harness.BUILD_SLOTS): no other
    job's layers come between its builds and its rebuilds. The others skip the rebuild;
    they take turns among themselves and build beside the slot's one build.
    """
    from tests.e2e.harness import BUILD_SLOTS

    rebuilds = name != "fleet" and BASELINES[name][2] != NO_REBUILD
    with BUILD_SLOTS if rebuilds else VERIFY_SLOT:
        return fleet_run(tree) if name == "fleet" else compare(name)
