"""The bulk-runner contract of docs/runners.md, run as multi-gitter or turbolift would.

The per-repository script and the pull request body script are taken from the doc
itself, so the recipe and what is tested cannot drift apart. About thirty git
repositories are made from the benchmark's generator (naive Poetry ones, plain pip
ones), plus already-migrated, empty and broken ones; the script runs at each root in
a subprocess, and the exit code, `git status` and the JSON report are checked.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNNERS_DOC = REPO_ROOT / "docs" / "runners.md"
OWNER = "acme"
CODE_RE = re.compile(r"^MIG\d{3}$")

pytestmark = pytest.mark.skipif(
    not (shutil.which("git") and shutil.which("migrate")), reason="git and the migrate console script are needed"
)


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO_ROOT / "bench" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


generator = load_generator()


def documented_files() -> dict[str, str]:
    """The code blocks docs/runners.md marks with `<!-- file: NAME -->`."""
    blocks = re.findall(r"<!-- file: (\S+) -->\s*```\w*\n(.*?)```", RUNNERS_DOC.read_text(), re.DOTALL)
    return dict(blocks)


def generated(kind: str, count: int, start: int = 0) -> list[int]:
    """Indexes of the generator's repositories of one kind, deterministic for seed 1."""
    found = []
    index = start
    while len(found) < count:
        if generator.make_repo(index, 1).kind == kind:
            found.append(index)
        index += 1
    return found


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # naive | migrated | plain | empty | broken | mixed | subfolder
    index: int | None = None  # the generator's repository, when it comes from there


BROKEN_FILES = {
    "broken-no-from": b"RUN pip install poetry\nCOPY . .\nRUN poetry install\n",
    "broken-not-utf8": b'FROM python:3.11-slim\nRUN pip install poetry\nLABEL owner="Ren\xe9"\nRUN poetry install\n',
}

CASES = (
    [Case(f"naive-{i:04d}", "naive", i) for i in generated("poetry", 16)]
    + [Case(f"migrated-{i:04d}", "migrated", i) for i in generated("poetry", 4, start=500)]
    + [Case(f"plain-{i:04d}", "plain", i) for i in generated("plain", 5)]
    + [Case("empty-docs-only", "empty"), Case("empty-library", "empty")]
    + [Case(name, "broken") for name in BROKEN_FILES]
    + [Case("mixed-good-and-broken", "mixed", generated("poetry", 1, start=900)[0])]
    + [Case("built-from-root", "subfolder", generated("poetry", 1, start=950)[0])]
)
CHANGES_EXPECTED = {"naive", "mixed"}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "runner",
    "GIT_AUTHOR_EMAIL": "runner@example.com",
    "GIT_COMMITTER_NAME": "runner",
    "GIT_COMMITTER_EMAIL": "runner@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def make_repo(root: Path, case: Case) -> Path:
    repo = root / OWNER / case.name
    repo.mkdir(parents=True)
    if case.index is not None:
        for relative, data in generator.make_repo(case.index, 1).files.items():
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            (repo / relative).write_bytes(data)
    if case.kind == "empty":
        (repo / "README.md").write_text("# a library without a container\n")
    if case.kind == "broken":
        (repo / "Dockerfile").write_bytes(BROKEN_FILES[case.name])
    if case.kind == "mixed":
        (repo / "Dockerfile.dev").write_bytes(BROKEN_FILES["broken-no-from"])
    if case.kind == "subfolder":
        # docker build -f docker/Dockerfile . : the context is named in pyproject.toml, as docs/runners.md says
        (repo / "docker").mkdir()
        (repo / "Dockerfile").rename(repo / "docker" / "Dockerfile")
        with open(repo / "pyproject.toml", "a") as pyproject:
            pyproject.write('\n[tool.migrator]\ncontext = "."\n')
    if case.kind == "migrated":
        done = subprocess.run(["migrate", "--write", "-q", "."], cwd=repo, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


@dataclass(frozen=True)
class Run:
    repo: Path
    before: dict[str, bytes]
    returncode: int
    stderr: str
    status: list[str]
    report: Path


def run_script(script: Path, repo: Path, reports: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "MIGRATOR_REPORTS": str(reports), "REPOSITORY": f"{OWNER}/{repo.name}"}
    return subprocess.run(["sh", str(script)], cwd=repo, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def scripts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("recipes")
    files = documented_files()
    assert {"migrate.sh", "pr_body.py"} <= set(files), f"docs/runners.md documents {sorted(files)}"
    for name, text in files.items():
        (folder / name).write_text(text)
    return {name: folder / name for name in files}


@pytest.fixture(scope="module")
def runs(tmp_path_factory, scripts) -> dict[str, Run]:
    root = tmp_path_factory.mktemp("fleet")
    reports = root / "reports"
    results = {}
    for case in CASES:
        repo = make_repo(root / "work", case)
        before = {
            str(p.relative_to(repo)): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts
        }
        done = run_script(scripts["migrate.sh"], repo, reports)
        status = sorted(git(repo, "status", "--porcelain").splitlines())
        results[case.name] = Run(
            repo, before, done.returncode, done.stderr, status, reports / OWNER / f"{case.name}.json"
        )
    return results


def report_of(run: Run) -> dict:
    assert run.report.is_file(), f"no report at {run.report}; stderr: {run.stderr}"
    return json.loads(run.report.read_text())


def by_kind(*kinds: str) -> list[str]:
    return [case.name for case in CASES if case.kind in kinds]


def test_the_fleet_is_the_size_and_mix_documented():
    kinds = [case.kind for case in CASES]
    assert 28 <= len(CASES) <= 32
    assert {"naive", "migrated", "plain", "empty", "broken", "mixed", "subfolder"} == set(kinds)


@pytest.mark.parametrize("name", by_kind("naive"))
def test_naive_repositories_exit_0_with_only_the_dockerfile_changed(runs, name):
    run = runs[name]
    assert run.returncode == 0, run.stderr
    assert run.status == [" M Dockerfile"], run.status


@pytest.mark.parametrize("name", by_kind("migrated", "plain", "empty"))
def test_repositories_with_nothing_to_do_exit_0_and_stay_clean(runs, name):
    run = runs[name]
    assert run.returncode == 0, run.stderr
    assert run.status == [], run.status


@pytest.mark.parametrize("name", by_kind("broken"))
def test_a_broken_dockerfile_fails_the_repository_and_stays_untouched(runs, name):
    run = runs[name]
    assert run.returncode == 123, run.stderr
    assert run.status == []
    assert (run.repo / "Dockerfile").read_bytes() == run.before["Dockerfile"]
    assert re.search(r"Dockerfile:\d+: ", run.stderr), run.stderr  # one line naming file and line


def test_a_broken_file_fails_the_repository_even_when_another_was_migrated(runs):
    run = runs["mixed-good-and-broken"]
    # The runner commits nothing on a non-zero exit, so the written good file never reaches a PR.
    assert run.returncode == 123, run.stderr
    assert (run.repo / "Dockerfile.dev").read_bytes() == run.before["Dockerfile.dev"]
    assert run.status == [" M Dockerfile"], run.status


def test_a_dockerfile_built_from_the_repository_root_reads_the_project_there(runs):
    run = runs["built-from-root"]
    assert run.returncode == 0, run.stderr
    assert run.status == [" M docker/Dockerfile"], run.status
    [record] = report_of(run)["files"]
    assert not [w for w in record["warnings"] if "no pyproject.toml" in w["message"]], record["warnings"]


@pytest.mark.parametrize("name", [case.name for case in CASES])
def test_every_repository_gets_a_json_report_with_the_documented_fields(runs, name):
    report = report_of(runs[name])
    assert report["mode"] == "write"
    assert set(report["summary"]) >= {"migrated", "unchanged", "skipped", "failed", "transforms"}
    for record in report["files"]:
        assert set(record) >= {"path", "status", "written", "applied", "changes", "warnings", "error", "reason", "diff"}
        assert record["status"] in {"migrated", "unchanged", "skipped", "failed"}
        assert all(CODE_RE.match(code) for code in record["applied"])
        for note in record["changes"] + record["warnings"]:
            assert set(note) >= {"code", "line", "message"} and note["message"]


@pytest.mark.parametrize("name", by_kind("naive"))
def test_the_report_of_a_migrated_repository_says_what_was_applied_and_where(runs, name):
    report = report_of(runs[name])
    [record] = report["files"]
    assert (record["path"], record["status"], record["written"]) == ("Dockerfile", "migrated", True)
    assert record["applied"] and record["changes"] and record["diff"]
    assert report["summary"]["migrated"] == 1


@pytest.mark.parametrize("name", by_kind("broken"))
def test_the_report_of_a_broken_repository_names_the_line(runs, name):
    [record] = report_of(runs[name])["files"]
    assert record["status"] == "failed" and record["written"] is False
    assert record["error"]["line"] and record["error"]["message"]


@pytest.mark.parametrize("name", by_kind("plain"))
def test_plain_pip_repositories_are_reported_as_skipped_with_a_reason(runs, name):
    [record] = report_of(runs[name])["files"]
    assert record["status"] == "skipped" and record["reason"]


def pr_body(scripts, *reports: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(scripts["pr_body.py"]), *map(str, reports)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", by_kind("naive"))
def test_the_pr_body_names_each_applied_transform(runs, scripts, name):
    from migrator.transforms import BY_KEY

    run = runs[name]
    body = pr_body(scripts, run.report)
    assert body.strip()
    [record] = report_of(run)["files"]
    for code in record["applied"]:
        assert f"{code} {BY_KEY[code].name}" in body
    for note in record["warnings"]:
        assert note["message"] in body


def test_the_pr_body_says_so_when_nothing_changed(runs, scripts):
    body = pr_body(scripts, *(runs[name].report for name in by_kind("plain", "empty")))
    assert body == "migrator found nothing to change.\n"


@pytest.mark.parametrize("name", by_kind("naive"))
def test_every_dockerfile_a_pull_request_would_carry_parses_with_buildkit(runs, name):
    dockerfile = pytest.importorskip("dockerfile")
    text = (runs[name].repo / "Dockerfile").read_bytes().decode()
    commands = dockerfile.parse_string(text)
    # Not every migration splits stages (system-wide installs stay single-stage); each still starts with FROM.
    assert commands and commands[0].cmd == "FROM", text


def test_a_second_campaign_run_changes_nothing(runs, scripts, tmp_path):
    for name in by_kind("naive"):
        run = runs[name]
        git(run.repo, "commit", "-q", "-am", "migrator")
        again = run_script(scripts["migrate.sh"], run.repo, tmp_path / "reports")
        assert again.returncode == 0, again.stderr
        assert git(run.repo, "status", "--porcelain") == "", name
