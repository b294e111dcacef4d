"""The `migrate` command end to end: modes, exit codes, stdin, what survives a write."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator import cli as cli_module
from migrator import console
from migrator.options import cli
from migrator.pipeline import FileResult, Status
from migrator.transform import ExtraFile, Note

# Cache mounts (MIG004) change this; the other transforms may change more as they land.
NAIVE = 'FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\nCMD ["python", "-m", "app"]\n'
NOT_POETRY = 'FROM python:3.11-slim\nRUN pip install flask\nCMD ["flask", "run"]\n'
BROKEN = "RUN poetry install\n"  # no FROM
PYPROJECT = '[tool.poetry]\nname = "app"\nversion = "0.1.0"\npackage-mode = false\n'


def migrate(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def project(folder: Path, dockerfile: str = NAIVE, name: str = "Dockerfile") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(PYPROJECT)
    path = folder / name
    path.write_text(dockerfile)
    return path


@pytest.fixture
def naive(tmp_path: Path) -> Path:
    return project(tmp_path / "svc")


@pytest.fixture
def good(tmp_path: Path) -> Path:
    """A file the pipeline leaves alone: it is already its own output."""
    path = project(tmp_path / "good")
    result = migrate("--write", str(path))
    assert result.exit_code == 0, result.output
    return path


# --- modes and exit codes ----------------------------------------------------------------


def test_diff_is_the_default_and_exits_1_when_a_file_would_change(naive: Path):
    result = migrate(str(naive))
    assert result.exit_code == 1
    assert f"--- {naive}\n+++ {naive}\n" in result.stdout and f"+++ {naive}" in result.stdout
    assert "+RUN --mount=type=cache" in result.stdout
    assert f"would migrate {naive}" in result.stderr
    assert "1 file would be migrated" in result.stderr
    assert naive.read_text() == NAIVE, "--diff must not write"


def test_check_prints_no_diff(naive: Path):
    result = migrate("--check", str(naive))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "1 file would be migrated" in result.stderr


def test_check_with_diff_prints_the_diff(naive: Path):
    result = migrate("--check", "--diff", str(naive))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"--- {naive}\n+++ {naive}\n")


def test_write_exits_0_and_a_second_run_finds_nothing(naive: Path):
    result = migrate("--write", str(naive))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 file migrated" in result.stderr
    written = naive.read_text()
    assert written != NAIVE and "--mount=type=cache" in written
    again = migrate("--check", str(naive))
    assert again.exit_code == 0
    assert "1 file left unchanged" in again.stderr
    assert naive.read_text() == written


def test_already_good_file_exits_0_with_empty_stdout(good: Path):
    before = good.read_bytes()
    result = migrate(str(good))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "1 file left unchanged" in result.stderr
    assert good.read_bytes() == before


def test_a_file_that_does_not_use_poetry_is_skipped(tmp_path: Path):
    path = project(tmp_path, NOT_POETRY)
    result = migrate("-v", str(path))
    assert result.exit_code == 0
    assert "skipped: does not use Poetry" in result.stderr
    assert "1 file skipped" in result.stderr


def test_a_broken_file_is_one_line_naming_file_and_line_and_exits_123(tmp_path: Path):
    path = project(tmp_path, BROKEN)
    result = migrate(str(path))
    assert result.exit_code == 123
    errors = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert errors == [f"{path}:1: no FROM instruction: this is not a complete Dockerfile"]
    assert "Traceback" not in result.stderr
    assert "1 file failed" in result.stderr


def test_mixed_tree_writes_the_good_files_keeps_the_broken_and_exits_123(tmp_path: Path):
    first = project(tmp_path / "a")
    broken = project(tmp_path / "b", BROKEN)
    second = project(tmp_path / "c")
    result = migrate("--write", str(tmp_path))
    assert result.exit_code == 123
    assert "--mount=type=cache" in first.read_text()
    assert "--mount=type=cache" in second.read_text()
    assert broken.read_text() == BROKEN
    assert result.stderr.rstrip().endswith("2 files migrated, 1 file failed")


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param([], "no PATH given", id="no-path"),
        pytest.param(["--select", "MIG999", "x"], "unknown transform 'MIG999'", id="unknown-select"),
        pytest.param(["--ignore", "no-such-name", "x"], "unknown transform 'no-such-name'", id="unknown-ignore"),
        pytest.param(["--write", "--check", "x"], "--write cannot be combined", id="write-and-check"),
        pytest.param(["-q", "-v", "x"], "cannot be combined", id="quiet-and-verbose"),
        pytest.param(["--user", "root", "x"], "--user", id="user-without-uid"),
        pytest.param(["--user", "app:0", "x"], "0 is root", id="user-root-id"),
        pytest.param(["--poetry-version", "latest", "x"], "--poetry-version", id="bad-poetry-version"),
        pytest.param(["--smoke", "true", "x"], "need --verify", id="smoke-without-verify"),
        pytest.param(["--explain", "MIG999"], "unknown transform", id="explain-unknown"),
        pytest.param(["-", "x"], "stdin", id="stdin-and-paths"),
        pytest.param(["does-not-exist"], "does-not-exist: no such file or folder", id="missing-path"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = migrate(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_no_dockerfiles_found_is_not_an_error(tmp_path: Path):
    result = migrate(str(tmp_path))
    assert result.exit_code == 0
    assert "no Dockerfiles found" in result.stderr


def test_select_and_ignore_choose_the_transforms(naive: Path):
    selected = migrate("--check", "-v", "--select", "cache-mounts", str(naive))
    assert selected.exit_code == 1
    assert {line.split()[1] for line in selected.stderr.splitlines() if line.startswith("  ")} == {"MIG004"}
    ignored = migrate("--ignore", "MIG004", "--select", "MIG004", str(naive))
    assert ignored.exit_code == 0 and ignored.stdout == ""


def test_quiet_prints_only_errors(tmp_path: Path):
    project(tmp_path / "a")
    broken = project(tmp_path / "b", BROKEN)
    result = migrate("-q", "--check", str(tmp_path))
    assert result.exit_code == 123
    assert result.stderr.splitlines() == [f"{broken}:1: no FROM instruction: this is not a complete Dockerfile"]


def test_verbose_shows_each_change_with_its_reason(naive: Path):
    result = migrate("-v", "--check", str(naive))
    assert "MIG004 cache mount for pip" in result.stderr
    assert "(why: " in result.stderr


def test_internal_error_is_one_line_and_its_traceback_needs_v(naive: Path, monkeypatch):
    monkeypatch.setattr("migrator.pipeline.selected_transforms", lambda settings: [_crashing_transform()])
    quiet = migrate("--check", str(naive))
    assert quiet.exit_code == 123
    assert "internal error (RuntimeError: boom)" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    verbose = migrate("-v", "--check", str(naive))
    assert "Traceback" in verbose.stderr


def _crashing_transform():
    from migrator.transform import Safety, Transform

    def apply(doc, project, settings):
        raise RuntimeError("boom")

    return Transform("MIG999", "crash", "a test", Safety.SAFE, apply, "")


def test_list_and_explain():
    listed = migrate("--list")
    assert listed.exit_code == 0
    for code in ("MIG001", "MIG004", "cache-mounts", "switch-to-uv"):
        assert code in listed.stdout
    explained = migrate("--explain", "cache-mounts")
    assert explained.exit_code == 0
    assert explained.stdout.startswith("MIG004 cache-mounts (safe)")
    assert migrate("--explain", "mig004").stdout == explained.stdout


# --- stdin -------------------------------------------------------------------------------


def test_stdin_diff_is_named_stdin():
    result = migrate("-", input=NAIVE.encode())
    assert result.exit_code == 1
    assert result.stdout.startswith("--- <stdin>\n+++ <stdin>\n")


def test_stdin_write_prints_the_migrated_file(tmp_path: Path):
    result = migrate("--write", "-", input=NAIVE.encode())
    assert result.exit_code == 0
    assert "--mount=type=cache" in result.stdout
    again = migrate("--write", "-", input=result.stdout_bytes)
    assert again.stdout_bytes == result.stdout_bytes


def test_stdin_write_of_an_unchanged_file_prints_it_back_byte_for_byte():
    data = NOT_POETRY.replace("\n", "\r\n").encode()
    result = migrate("--write", "-", input=data)
    assert result.exit_code == 0
    assert result.stdout_bytes == data


def test_stdin_failure_exits_123():
    result = migrate("--check", "-", input=BROKEN.encode())
    assert result.exit_code == 123
    assert "<stdin>:1: no FROM instruction" in result.stderr


def test_stdin_uses_context_when_given(tmp_path: Path, monkeypatch):
    seen = {}
    import migrator.migrate_file as migrate_file

    original = migrate_file.migrate_data

    def spy(name, data, settings, project):
        seen["root"] = project.root
        return original(name, data, settings, project)

    monkeypatch.setattr(migrate_file, "migrate_data", spy)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    migrate("--check", "--context", str(tmp_path), "-", input=NAIVE.encode())
    assert seen["root"] == tmp_path.resolve()
    migrate("--check", "-", input=NAIVE.encode())
    assert seen["root"] is None


# --- bytes that must survive a write ----------------------------------------------------


@pytest.mark.parametrize(
    "prefix, newline",
    [
        pytest.param(b"", b"\r\n", id="crlf"),
        pytest.param(b"\xef\xbb\xbf", b"\n", id="bom"),
        pytest.param(b"\xef\xbb\xbf", b"\r\n", id="bom-crlf"),
    ],
)
def test_line_endings_and_bom_survive_a_write(tmp_path: Path, prefix: bytes, newline: bytes):
    path = project(tmp_path)
    path.write_bytes(prefix + NAIVE.encode().replace(b"\n", newline))
    assert migrate("--write", str(path)).exit_code == 0
    data = path.read_bytes()
    assert data.startswith((prefix + b"# syntax", prefix + b"FROM"))
    body = data[len(prefix) :]
    assert body.count(newline) == body.count(b"\n"), "every line keeps the file's line ending"
    assert b"--mount=type=cache" in data


def test_latin1_comment_bytes_survive_a_write(tmp_path: Path):
    path = project(tmp_path)
    path.write_bytes(b"# caf\xe9 au lait\n" + NAIVE.encode())
    result = migrate("--write", str(path))
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes().count(b"# caf\xe9 au lait\n") == 1


def test_mode_survives_a_write(naive: Path):
    os.chmod(naive, 0o640)
    assert migrate("--write", str(naive)).exit_code == 0
    assert (naive.stat().st_mode & 0o777) == 0o640


def test_symlink_is_written_through_and_kept(tmp_path: Path):
    target = project(tmp_path / "real")
    link = tmp_path / "real" / "Dockerfile.link"
    link.symlink_to("Dockerfile")
    result = migrate("--write", str(link))
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "Dockerfile"
    assert "--mount=type=cache" in target.read_text()


def test_a_file_changed_on_disk_during_the_run_is_not_overwritten(naive: Path, monkeypatch):
    real_run_job = cli_module.run_job

    def edit_while_migrating(job):
        result = real_run_job(job)
        job.path.write_text(NAIVE + "# edited by someone else\n")
        return result

    monkeypatch.setattr(cli_module, "run_job", edit_while_migrating)
    result = migrate("--write", str(naive))
    assert result.exit_code == 123
    assert naive.read_text() == NAIVE + "# edited by someone else\n"
    assert f"{naive}: changed on disk since it was read" in result.stderr


# --- project files that change with the Dockerfile (--uv) --------------------------------


def _with_extra_files(monkeypatch, extra: tuple[ExtraFile, ...]):
    def fake(job):
        text = job.path.read_text()
        return FileResult(
            str(job.path),
            Status.MIGRATED,
            text,
            text.replace("poetry", "uv"),
            (Note("MIG006", 2, "uv"),),
            extra_files=extra,
        )

    monkeypatch.setattr(cli_module, "run_job", fake)


def test_extra_files_are_shown_in_the_diff_and_written_together(naive: Path, monkeypatch):
    (naive.parent / "poetry.lock").write_text("lock\n")
    extra = (
        ExtraFile("pyproject.toml", PYPROJECT, PYPROJECT + "[tool.uv]\n"),
        ExtraFile("uv.lock", None, "version = 1\n"),
        ExtraFile("poetry.lock", "lock\n", None),
    )
    _with_extra_files(monkeypatch, extra)
    shown = migrate(str(naive))
    assert f"+++ {naive.parent}/pyproject.toml" in shown.stdout
    assert f"--- /dev/null\n+++ {naive.parent}/uv.lock" in shown.stdout
    assert f"--- {naive.parent}/poetry.lock\n+++ /dev/null" in shown.stdout
    written = migrate("--write", str(naive))
    assert written.exit_code == 0, written.stderr
    assert (naive.parent / "pyproject.toml").read_text().endswith("[tool.uv]\n")
    assert (naive.parent / "uv.lock").read_text() == "version = 1\n"
    assert not (naive.parent / "poetry.lock").exists()
    assert "uv install" in naive.read_text()


def test_extra_files_are_written_all_or_none(naive: Path, monkeypatch):
    (naive.parent / "uv.lock").write_text("someone else's lock\n")  # the migration expects no uv.lock
    _with_extra_files(
        monkeypatch, (ExtraFile("pyproject.toml", PYPROJECT, "changed\n"), ExtraFile("uv.lock", None, "new\n"))
    )
    result = migrate("--write", str(naive))
    assert result.exit_code == 123
    assert "uv.lock: appeared since it was read" in result.stderr
    assert naive.read_text() == NAIVE
    assert (naive.parent / "pyproject.toml").read_text() == PYPROJECT


def test_stdin_refuses_to_write_extra_files(monkeypatch):
    import migrator.migrate_file as migrate_file

    def fake(name, data, settings, project):
        return FileResult(name, Status.MIGRATED, data.decode(), "x\n", extra_files=(ExtraFile("uv.lock", None, "v\n"),))

    monkeypatch.setattr(migrate_file, "migrate_data", fake)
    result = migrate("--write", "-", input=NAIVE.encode())
    assert result.exit_code == 123
    assert "run migrate on the Dockerfile's path" in result.stderr
    assert result.stdout == ""


# --- JSON ----------------------------------------------------------------------------------


def test_json_report_schema(tmp_path: Path):
    changed = project(tmp_path / "a")
    broken = project(tmp_path / "b", BROKEN)
    skipped = project(tmp_path / "c", NOT_POETRY)
    report_file = tmp_path / "report.json"
    result = migrate("--format", "json", "--report", str(report_file), str(tmp_path))
    assert result.exit_code == 123
    document = json.loads(result.stdout)
    assert document == json.loads(report_file.read_text())
    assert document["version"] == 1 and document["mode"] == "diff"
    assert document["summary"] == {
        "migrated": 1,
        "unchanged": 0,
        "skipped": 1,
        "failed": 1,
        "transforms": document["summary"]["transforms"],
    }
    assert document["summary"]["transforms"]["MIG004"] == 1
    records = {r["path"]: r for r in document["files"]}
    assert set(records) == {str(changed), str(broken), str(skipped)}
    assert set(records[str(changed)]) == {
        "path",
        "status",
        "written",
        "applied",
        "changes",
        "warnings",
        "error",
        "reason",
        "extra_files",
        "verification",
        "diff",
        "diff_masked",
    }
    assert records[str(changed)]["status"] == "migrated"
    assert "MIG004" in records[str(changed)]["applied"]
    assert all(set(change) == {"code", "line", "message"} for change in records[str(changed)]["changes"])
    assert any(change["code"] == "MIG004" and change["line"] for change in records[str(changed)]["changes"])
    assert records[str(changed)]["diff"].startswith(f"--- {changed}\n")
    assert records[str(broken)]["error"] == {
        "line": 1,
        "message": "no FROM instruction: this is not a complete Dockerfile",
    }
    assert records[str(skipped)]["reason"] == "does not use Poetry"


def test_the_report_file_is_replaced_whole(tmp_path: Path):
    naive = project(tmp_path / "svc")
    reports = tmp_path / "reports"
    reports.mkdir()
    report_file = reports / "svc.json"
    report_file.write_text("{ half a report from an earlier run")
    result = migrate("--write", "--report", str(report_file), str(naive))
    assert result.exit_code == 0, result.stderr
    assert json.loads(report_file.read_text())["files"][0]["written"] is True
    assert sorted(p.name for p in reports.iterdir()) == ["svc.json"], "no temporary file left behind"


def test_a_report_that_cannot_be_written_is_one_line_and_exits_123(tmp_path: Path):
    naive = project(tmp_path / "svc")
    report_file = tmp_path / "missing" / "report.json"
    result = migrate("--check", "--report", str(report_file), str(naive))
    assert result.exit_code == 123
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"the report cannot be written: {report_file}: ") and last.endswith("nothing was written")
    assert "Traceback" not in result.stderr


def test_json_and_diffs_mask_credentials(tmp_path: Path):
    path = project(
        tmp_path,
        NAIVE.replace(
            "RUN pip install poetry", "RUN pip install --index-url https://bob:hunter2@pypi.example.com/simple poetry"
        ),
    )
    diff = migrate(str(path))
    as_json = migrate("--format", "json", str(path))
    for output in (diff.stdout, as_json.stdout):
        assert "hunter2" not in output
        assert "bob:****@" in output
    assert "hunter2" not in diff.stderr
    assert json.loads(as_json.stdout)["files"][0]["diff_masked"] is True
    assert "the diff shows sensitive values as ****; apply it with --write" in diff.stderr
    assert "sensitive values" not in migrate(str(project(tmp_path / "plain"))).stderr


# --- config --------------------------------------------------------------------------------


def test_config_in_pyproject_applies_and_the_command_line_wins(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.migrator]\nselect = ["cache-mounts"]\nignore = "MIG004"\n')
    path = project(tmp_path / "svc")
    assert migrate("--check", str(path)).exit_code == 0, "the table above the Dockerfile selects nothing"
    overridden = migrate("--check", "-v", "--ignore", "MIG001", str(path))
    assert overridden.exit_code == 1, "--ignore replaces the table's ignore; its select still holds"
    assert {line.split()[1] for line in overridden.stderr.splitlines() if line.startswith("  ")} == {"MIG004"}


def test_bad_config_fails_only_the_files_it_covers(tmp_path: Path):
    bad = project(tmp_path / "bad")
    (bad.parent / "pyproject.toml").write_text(PYPROJECT + '[tool.migrator]\nuser = "root"\n')
    fine = project(tmp_path / "fine")
    result = migrate("--write", str(tmp_path))
    assert result.exit_code == 123
    assert "[tool.migrator] 'root' is not NAME:UID" in result.stderr
    assert bad.read_text() == NAIVE
    assert "--mount=type=cache" in fine.read_text()


# --- verification ----------------------------------------------------------------------------


def _fake_verify(monkeypatch, passes: bool, problem: str | None = None):
    """migrator.verify with the engine faked: its options, verdicts and rendering stay real."""
    import migrator.verify as real

    module = types.ModuleType("migrator.verify")
    module.__dict__.update(real.__dict__)
    calls = []

    def verify(result, context_dir, options):
        calls.append((result.path, Path(context_dir), options))
        failure = None if passes else "RUN poetry install exited 1"
        return real.Verification(result.path, passes, failure, verdict=real.PASSED if passes else real.BUILD_FAILED)

    module.docker_problem = lambda options: problem
    module.verify = verify
    module.render = lambda verifications, console: console.print(f"{len(verifications)} verified")
    monkeypatch.setitem(sys.modules, "migrator.verify", module)
    import migrator

    monkeypatch.setattr(migrator, "verify", module, raising=False)  # once imported, the package holds it too
    return calls


def test_verify_passes_options_and_writes_only_files_that_pass(naive: Path, monkeypatch):
    calls = _fake_verify(monkeypatch, passes=False)
    result = migrate(
        "--write", "--verify", "--smoke", "app --help", "--build-arg", "A=1", "--network", "host", str(naive)
    )
    assert result.exit_code == 123
    assert naive.read_text() == NAIVE
    assert f"{naive}: not verified: build failed: RUN poetry install exited 1" in result.stderr
    ((path, context, options),) = calls
    assert (options.smoke, options.build_args, options.network) == ("app --help", ("A=1",), "host")
    assert context == naive.parent


def test_verify_that_passes_writes(naive: Path, monkeypatch):
    _fake_verify(monkeypatch, passes=True)
    result = migrate("--write", "--verify", str(naive))
    assert result.exit_code == 0, result.stderr
    assert "--mount=type=cache" in naive.read_text()
    assert "1 verified" in result.stderr


def test_verify_without_docker_is_a_usage_error(naive: Path, monkeypatch):
    _fake_verify(monkeypatch, passes=True, problem="docker: not found on PATH; install Docker or pass --docker")
    result = migrate("--verify", str(naive))
    assert result.exit_code == 2
    assert "docker: not found on PATH" in result.stderr


# --- processes ---------------------------------------------------------------------------------


def _python_m_migrate(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args], cwd=cwd, input=input, capture_output=True, timeout=120
    )


def test_jobs_keep_the_input_order(tmp_path: Path):
    names = [f"s{number:03}" for number in range(cli_module.PARALLEL_FROM + 7)]
    for number, name in enumerate(reversed(names)):
        project(tmp_path / name, BROKEN if number % 10 == 3 else NAIVE)
    serial = _python_m_migrate("--jobs", "1", ".", cwd=tmp_path)
    parallel = _python_m_migrate("--jobs", "2", ".", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 123
    assert parallel.stdout == serial.stdout
    assert parallel.stderr == serial.stderr
    mentioned = [
        line.split(":")[0].split()[-1] for line in parallel.stderr.decode().splitlines() if "/Dockerfile" in line
    ]
    assert mentioned == sorted(mentioned)


def test_many_files_are_migrated_in_worker_processes(tmp_path: Path, monkeypatch):
    import concurrent.futures

    started = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counting_pool(*args, **kwargs):
        started.append(kwargs.get("max_workers"))
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counting_pool)
    for number in range(cli_module.PARALLEL_FROM):
        project(tmp_path / f"s{number:03}")
    result = migrate("--check", "--jobs", "2", str(tmp_path))
    assert result.exit_code == 1
    assert started == [2]
    assert f"{cli_module.PARALLEL_FROM} files would be migrated" in result.stderr
    migrate("--check", "--jobs", "2", str(tmp_path / "s000"))
    assert started == [2], "one file is migrated in this process"


def test_python_m_migrator_exit_codes_and_streams(tmp_path: Path):
    path = project(tmp_path)
    diff = _python_m_migrate("Dockerfile", cwd=tmp_path)
    assert diff.returncode == 1 and diff.stdout.startswith(b"--- a/Dockerfile")
    assert b"1 file would be migrated" in diff.stderr
    written = _python_m_migrate("--write", "Dockerfile", cwd=tmp_path)
    assert written.returncode == 0 and written.stdout == b""
    again = _python_m_migrate("--check", "Dockerfile", cwd=tmp_path)
    assert again.returncode == 0
    stdin = _python_m_migrate("--write", "--context", ".", "-", cwd=tmp_path, input=NAIVE.encode())
    assert stdin.returncode == 0 and stdin.stdout == path.read_bytes()


# --- the plain command line, read without click ----------------------------------------------

PLAIN_WORDS = ["--check", "--write", "--diff", "-q", "--quiet", "-v", "--verbose", "a/Dockerfile", "svc", "x y"]
OTHER_WORDS = ["-", "--", "-qv", "--jobs", "2", "--format", "json", "--help", "--version", "--check=1", "--chec", "-x"]


@settings(max_examples=300, deadline=None)
@given(args=st.lists(st.sampled_from(PLAIN_WORDS + OTHER_WORDS), max_size=6))
def test_a_plain_command_line_reads_as_click_reads_it(args):
    options = console.plain_options(args)
    if options is None:
        plain = all(a in console.PLAIN_FLAGS or not a.startswith("-") for a in args)
        assert not (plain and any(not a.startswith("-") for a in args)), "a plain command line was left to click"
        return
    context = cli.make_context("migrate", list(args), resilient_parsing=False)
    assert options == cli_module.Options(**context.params)


def _main(args: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit:
        console.main(args)
    captured = capsys.readouterr()
    return exit.value.code, captured.out, captured.err


@pytest.mark.parametrize(
    "args",
    [["--check"], ["--diff"], ["--write"], ["--check", "-v"], ["-q", "--diff"], ["--check", "--diff"]],
    ids=" ".join,
)
def test_the_plain_path_answers_as_click_does(tmp_path: Path, capsys, args):
    """Same streams and exit code as through click (--format text forces click here)."""
    answers = []
    for through_click in (False, True):
        folder = tmp_path / ("click" if through_click else "plain")
        path = project(folder / "svc")
        project(folder / "good", dockerfile=NOT_POETRY)
        (folder / "broken").mkdir()
        (folder / "broken" / "Dockerfile").write_text(BROKEN)
        extra = ["--format", "text"] if through_click else []
        code, out, err = _main([*args, *extra, str(folder)], capsys)
        answers.append((code, out.replace(str(folder), "<tree>"), err.replace(str(folder), "<tree>"), path.read_text()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 123  # the broken file


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(
            ["--write", "--check", "x"],
            "Error: --write cannot be combined with --check or --diff",
            id="write-and-check",
        ),
        pytest.param(["-q", "-v", "x"], "Error: -q and -v cannot be combined", id="quiet-and-verbose"),
        pytest.param(["does-not-exist"], "Error: does-not-exist: no such file or folder", id="missing-path"),
    ],
)
def test_usage_errors_on_the_plain_path_are_clicks(args, message, capsys):
    code, out, err = _main(args, capsys)
    assert code == 2
    assert err.startswith("Usage: migrate [OPTIONS] PATH...\nTry 'migrate --help' for help.\n")
    assert message in err and out == ""


def test_help_and_version_go_through_click(capsys):
    code, out, _ = _main(["--help"], capsys)
    assert code == 0 and "--poetry-version" in out
    code, out, _ = _main(["--version"], capsys)
    assert code == 0 and out.startswith("migrate, version ")


def test_a_closed_stdout_stops_quietly(tmp_path: Path):
    """`migrate --diff . | head`: no internal error, no broken-pipe noise, exit 1."""
    for number in range(3):
        project(tmp_path / f"s{number}")
    # `true` reads nothing and is gone long before Python has started: the first write fails.
    command = f"{shlex.quote(sys.executable)} -m migrator --diff {shlex.quote(str(tmp_path))} | true"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "", "a reader that stops early is no error worth a word"


# --- interrupts, tables, colour --------------------------------------------------------------


def test_ctrl_c_stops_reports_and_exits_130_with_every_file_old_or_new(tmp_path: Path, monkeypatch):
    first = project(tmp_path / "a")
    second = project(tmp_path / "b")
    real_run_job = cli_module.run_job

    def interrupted_on_the_second(job):
        if job.path == second:
            raise KeyboardInterrupt
        return real_run_job(job)

    monkeypatch.setattr(cli_module, "run_job", interrupted_on_the_second)
    result = migrate("--write", "--jobs", "1", str(tmp_path))
    assert result.exit_code == 130
    assert "interrupted after 1 of 2 files" in result.stderr
    assert "--mount=type=cache" in first.read_text()
    assert second.read_text() == NAIVE


def test_many_files_get_a_summary_table_with_v(tmp_path: Path):
    for number in range(cli_module.MANY_FILES):
        project(tmp_path / f"s{number:02}")
    result = migrate("--check", "-v", "--jobs", "1", str(tmp_path))
    assert "Transforms applied" in result.stderr
    assert "MIG004" in result.stderr
    plain = migrate("--check", "--jobs", "1", str(tmp_path))
    assert "Transforms applied" not in plain.stderr, "not on a pipe without -v"


def test_diffs_are_coloured_only_on_a_terminal(naive: Path, monkeypatch):
    plain = migrate(str(naive))
    assert "\x1b[" not in plain.stdout
    monkeypatch.setattr(cli_module, "_is_terminal", lambda stream: True)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = migrate(str(naive))
    assert "\x1b[" in coloured.stdout
    assert "--mount=type=cache" in coloured.stdout


def test_a_single_file_does_not_start_worker_processes_or_import_rich(naive: Path):
    code = (
        "import sys\n"
        "from migrator.console import main\n"
        "try:\n"
        f"    main(['--check', {str(naive)!r}])\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 1, exit.code\n"
        "assert 'rich' not in sys.modules, 'rich imported'\n"
        "assert 'click' not in sys.modules, 'click imported: the plain command line should not need it'\n"
        "assert 'concurrent.futures.process' not in sys.modules, 'process pool imported'\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr


def test_uv_switch_writes_the_dockerfile_and_the_project_files_together(tmp_path: Path):
    """The real MIG006 and uv_project on corpus/uv-fastapi: uv locks against the sandbox mirror."""
    import shutil

    corpus = Path(__file__).parent.parent / "corpus" / "uv-fastapi"
    if not (corpus.is_dir() and shutil.which("uv")):
        pytest.skip("needs corpus/uv-fastapi and uv")
    repo = tmp_path / "repo"
    shutil.copytree(corpus, repo, ignore=shutil.ignore_patterns("expected.Dockerfile", "e2e.toml"))
    shown = migrate("--uv", str(repo / "Dockerfile"))
    if shown.exit_code == 123:
        pytest.skip(f"uv cannot lock here: {shown.stderr.strip()}")
    assert shown.exit_code == 1
    headers = [line for line in shown.stdout.splitlines() if line.startswith(("--- ", "+++ "))]
    assert f"--- {repo}/poetry.lock" in headers and "+++ /dev/null" in headers
    assert f"+++ {repo}/uv.lock" in headers
    written = migrate("--uv", "--write", str(repo / "Dockerfile"))
    assert written.exit_code == 0, written.stderr
    assert (repo / "uv.lock").is_file() and not (repo / "poetry.lock").exists()
    assert "uv sync" in (repo / "Dockerfile").read_text()
    assert migrate("--uv", "--check", str(repo / "Dockerfile")).exit_code == 0


# --- --uv without the uv extra -----------------------------------------------------------------

INSTALL_UV = "pip install 'dockerfile-migrator[uv]'"


def _hide_uv_extra(monkeypatch) -> None:
    import migrator.uv_project as uv_project

    monkeypatch.setattr(uv_project, "find_uv", lambda: None)
    monkeypatch.setattr(uv_project, "find_migrate_to_uv", lambda: None)


@pytest.mark.parametrize("mode", ["--write", "--check", "--diff"])
def test_uv_without_the_extra_is_a_usage_error_naming_the_install(naive: Path, monkeypatch, mode):
    _hide_uv_extra(monkeypatch)
    result = migrate(mode, "--uv", str(naive))
    assert result.exit_code == 2, result.output
    assert f"--uv needs uv and migrate-to-uv, which are not installed: {INSTALL_UV}" in result.stderr
    assert result.stdout == "" and naive.read_text() == NAIVE


def test_uv_from_the_settings_without_the_extra_is_a_usage_error_too(naive: Path, monkeypatch):
    _hide_uv_extra(monkeypatch)
    (naive.parent / "pyproject.toml").write_text(PYPROJECT + "\n[tool.migrator]\nuv = true\n")
    result = migrate("--write", str(naive))
    assert result.exit_code == 2
    assert f"uv = true in [tool.migrator] needs uv and migrate-to-uv, which are not installed: {INSTALL_UV}" in (
        result.stderr
    )
    assert naive.read_text() == NAIVE


def test_uv_from_stdin_without_the_extra_is_a_usage_error(monkeypatch):
    _hide_uv_extra(monkeypatch)
    result = migrate("--uv", "-", input=NAIVE.encode())
    assert result.exit_code == 2 and INSTALL_UV in result.stderr and result.stdout == ""


def test_no_uv_runs_without_the_extra(naive: Path, monkeypatch):
    _hide_uv_extra(monkeypatch)
    assert migrate("--check", "--no-uv", str(naive)).exit_code == 1


def _environment_without_the_uv_extra(root: Path) -> Path:
    """A virtual environment with migrator and its own dependencies, and nothing of the uv extra."""
    import importlib.util
    import venv

    venv.create(root, with_pip=False)
    (site,) = root.glob("lib/python*/site-packages")
    for name in ("migrator", "click", "rich", "markdown_it", "mdurl", "pygments", "tomlkit"):
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.submodule_search_locations, name
        (site / name).symlink_to(list(spec.submodule_search_locations)[0])
    return root / "bin" / "python"


def test_uv_without_the_extra_in_a_real_environment(tmp_path: Path):
    """No monkeypatching: an environment where `import uv` fails and no migrate-to-uv or uv is on PATH."""
    python = _environment_without_the_uv_extra(tmp_path / "env")
    path = project(tmp_path / "svc")
    env = {**os.environ, "PATH": str(python.parent)}
    env.pop("VIRTUAL_ENV", None)
    probe = subprocess.run(
        [python, "-c", "import importlib.util as u, shutil; print(u.find_spec('uv'), shutil.which('uv'))"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout == "None None\n", probe.stderr
    completed = subprocess.run(
        [python, "-m", "migrator", "--write", "--uv", str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.endswith(f"Error: --uv needs uv and migrate-to-uv, which are not installed: {INSTALL_UV}\n")
    assert path.read_text() == NAIVE
    completed = subprocess.run(
        [python, "-m", "migrator", "--check", str(path)], env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 1, "without --uv the same environment migrates: " + completed.stderr


def test_ctrl_c_while_writing_counts_the_file_it_finished(tmp_path: Path, monkeypatch):
    import signal

    import migrator.files as files

    first = project(tmp_path / "a")
    second = project(tmp_path / "b")
    real_write_all = files.write_all

    def signalled(replacements):
        signal.raise_signal(signal.SIGINT)
        real_write_all(replacements)

    monkeypatch.setattr(files, "write_all", signalled)
    result = migrate("--write", "--jobs", "1", str(tmp_path))
    assert result.exit_code == 130
    assert "interrupted after 1 of 2 files: 1 file migrated" in result.stderr
    assert "--mount=type=cache" in first.read_text()
    assert second.read_text() == NAIVE


def test_a_bug_at_the_edge_is_one_line_and_exits_123(naive: Path, monkeypatch):
    def broken(*args):
        raise RuntimeError("edge bug")

    monkeypatch.setattr(cli_module, "_close", broken)
    result = migrate("--check", str(naive))
    assert result.exit_code == 123
    assert (
        result.stderr.splitlines()[-1]
        == "migrate: internal error (RuntimeError: edge bug); run with -v for the traceback and please report it"
    )
    assert "Traceback" not in result.stderr
    assert "Traceback" in migrate("-v", "--check", str(naive)).stderr


def test_a_progress_bar_only_on_a_terminal_with_many_files(tmp_path: Path, monkeypatch):
    import migrator.report as report

    bars = []

    class RecordingBar:
        def __init__(self, total, stream):
            bars.append(total)

        def advance(self):
            bars.append("advance")

        def stop(self):
            bars.append("stop")

    monkeypatch.setattr(report, "ProgressBar", RecordingBar)
    for number in range(cli_module.MANY_FILES):
        project(tmp_path / f"s{number:02}")
    migrate("--check", "--jobs", "1", str(tmp_path))
    assert bars == [], "stderr is not a terminal"
    monkeypatch.setattr(cli_module, "_is_terminal", lambda stream: True)
    migrate("--check", "-q", "--jobs", "1", str(tmp_path))
    assert bars == [], "-q draws nothing"
    migrate("--check", "--jobs", "1", str(tmp_path))
    assert bars == [cli_module.MANY_FILES] + ["advance"] * cli_module.MANY_FILES + ["stop"]


def test_the_diff_applies_with_git_apply_and_equals_write(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    crlf = project(tmp_path / "crlf")
    crlf.write_bytes(NAIVE.replace("\n", "\r\n").encode())
    no_newline = project(tmp_path / "eof")
    no_newline.write_text(NAIVE.rstrip("\n"))
    plain = project(tmp_path / "svc")
    subprocess.run(["git", "init", "-q"], check=True)
    diff = migrate(".")
    assert diff.exit_code == 1
    assert "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n" in diff.stdout
    (tmp_path / "change.diff").write_bytes(diff.stdout_bytes)
    subprocess.run(["git", "apply", "change.diff"], check=True, capture_output=True)
    applied = {path: path.read_bytes() for path in (crlf, no_newline, plain)}
    for path in applied:
        path.write_bytes(
            NAIVE.replace("\n", "\r\n").encode()
            if path == crlf
            else NAIVE.rstrip("\n").encode()
            if path == no_newline
            else NAIVE.encode()
        )
    assert migrate("--write", ".").exit_code == 0
    assert {path: path.read_bytes() for path in applied} == applied


def test_ctrl_c_before_any_file_exits_130_not_1(tmp_path: Path, monkeypatch):
    import migrator.discovery as discovery

    def interrupted(paths):
        raise KeyboardInterrupt

    monkeypatch.setattr(discovery, "find_dockerfiles", interrupted)
    result = migrate("--write", str(tmp_path))
    assert result.exit_code == 130
    assert "interrupted: nothing was written" in result.stderr
