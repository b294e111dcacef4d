"""migrate --verify: reading BuildKit's plain log, finding the engine, and one real run."""

from __future__ import annotations

import io
import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from migrator import app_modules, behaviour
from migrator import verify as verify_module
from migrator.migrate_file import migrate_path
from migrator.transform import Settings
from migrator.verify import (
    ImageFigures,
    Verification,
    VerifyOptions,
    dependency_install_step,
    docker_problem,
    failure_summary,
    parse_build_log,
    pick_source_file,
    rebuilt_steps,
    render,
    verify,
)

REPO = Path(__file__).resolve().parents[1]

# Shapes of real `--progress=plain` output from BuildKit (dockerd 20.10 and buildx).
CACHED_REBUILD = """\
#1 [internal] load build definition from Dockerfile
#1 sha256:47bd0c3fd948d5ee7cb39f510ebbfdcb41dc2c98c9a5dc1c4698f45dd31aee1a
#1 transferring dockerfile: 217B done
#1 DONE 0.0s

#4 [build 1/6] FROM docker.io/library/python:3.11-slim
#4 CACHED

#5 [build 2/6] RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
#5 CACHED

#6 [build 3/6] COPY pyproject.toml poetry.lock ./
#6 CACHED

#7 [build 4/6] RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root
#7 CACHED

#8 [build 5/6] COPY . .
#8 DONE 0.1s

#9 [build 6/6] RUN poetry install
#9 0.532 Installing the current project: app (0.1.0)
#9 DONE 1.2s

#10 [runtime 3/3] COPY --from=build /app /app
#10 DONE 0.3s

#11 exporting to image
#11 exporting layers 0.7s done
#11 DONE 0.7s
"""

FAILED_BUILD = """\
#5 [2/3] RUN echo one
#5 sha256:751d5442e53567f687309099febae5ab65634cf9601fbe720633fdc6db78087c
#5 0.037 one
#5 DONE 0.0s

#6 [3/3] RUN poetry install --no-root
#6 sha256:c9d9170e58c9a20b3d33ef9bc0d6270295afb44e803fb4b6eb4348074c751bbd
#6 0.053 Installing dependencies from lock file
#6 1.204 Readme path `/app/README.md` does not exist.
#6 ERROR: executor failed running [/bin/sh -c poetry install --no-root]: exit code: 1
------
 > [3/3] RUN poetry install --no-root:
------
executor failed running [/bin/sh -c poetry install --no-root]: exit code: 1
"""

BUILDX_FAILED = """\
#7 [build 4/5] RUN poetry install
#7 0.412 Installing dependencies from lock file
#7 ERROR: process "/bin/sh -c poetry install" did not complete successfully: exit code: 1
"""


def test_steps_keep_their_order_and_status():
    steps = parse_build_log(CACHED_REBUILD)
    assert [s.number for s in steps] == [1, 4, 5, 6, 7, 8, 9, 10, 11]
    assert [s.status for s in steps] == ["done", "cached", "cached", "cached", "cached", "done", "done", "done", "done"]
    assert steps[6].seconds == 1.2
    assert steps[6].log == ["Installing the current project: app (0.1.0)"]


def test_stage_and_instruction_of_a_step():
    step = parse_build_log(CACHED_REBUILD)[4]
    assert step.stage == "build"
    assert step.instruction == "RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root"
    assert parse_build_log(FAILED_BUILD)[0].stage is None


def test_rebuilt_steps_are_the_dockerfile_steps_that_ran():
    assert rebuilt_steps(parse_build_log(CACHED_REBUILD)) == (
        "COPY . .",
        "RUN poetry install",
        "COPY --from=build /app /app",
    )


@pytest.mark.parametrize(
    ("log", "number", "status"),
    [
        pytest.param(CACHED_REBUILD, 7, "cached", id="poetry-install-no-root-cached"),
        pytest.param(FAILED_BUILD, 6, "error", id="first-install-failed"),
        pytest.param("#3 [2/2] RUN pip install -r requirements.txt\n#3 DONE 4.0s\n", 3, "done", id="pip-requirements"),
        pytest.param(
            "#3 [2/3] RUN poetry export -o r.txt\n#3 DONE 1.0s\n#4 [3/3] RUN pip install -r r.txt\n#4 DONE 1.0s\n",
            3,
            "done",
            id="export-first",
        ),
    ],
)
def test_dependency_install_step(log, number, status):
    step = dependency_install_step(parse_build_log(log))
    assert (step.number, step.status) == (number, status)


@pytest.mark.parametrize(
    "log",
    [
        pytest.param("#3 [2/2] RUN pip install poetry\n#3 DONE 4.0s\n", id="installing-poetry-is-not-dependencies"),
        pytest.param("#3 [2/2] COPY poetry.lock ./\n#3 DONE 0.1s\n", id="copy"),
        pytest.param("", id="empty-log"),
    ],
)
def test_no_dependency_install_step(log):
    assert dependency_install_step(parse_build_log(log)) is None


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        pytest.param(
            FAILED_BUILD,
            [
                "step [3/3] RUN poetry install --no-root failed: executor failed running [/bin/sh -c poetry install --no-root]: exit code: 1",
                "  | Installing dependencies from lock file",
                "  | Readme path `/app/README.md` does not exist.",
            ],
            id="dockerd-20.10",
        ),
        pytest.param(
            BUILDX_FAILED,
            [
                'step [build 4/5] RUN poetry install failed: process "/bin/sh -c poetry install" did not complete successfully: exit code: 1',
                "  | Installing dependencies from lock file",
            ],
            id="buildx",
        ),
        pytest.param(
            "ERROR: failed to solve: python:3.99: not found\n",
            ["build failed:", "  | ERROR: failed to solve: python:3.99: not found"],
            id="no-step-failed",
        ),
    ],
)
def test_failure_names_the_step_and_its_last_lines(log, expected):
    assert failure_summary(log).splitlines() == expected


def test_failure_shows_only_the_tail_of_a_long_log():
    log = "#6 [2/2] RUN make\n" + "".join(f"#6 0.{i:03d} line {i}\n" for i in range(100)) + "#6 ERROR: exit code: 2\n"
    lines = failure_summary(log).splitlines()
    assert lines[-1] == "  | line 99"
    assert len(lines) == 16


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            ["pyproject.toml", "poetry.lock", "tests/test_a.py", "src/app/main.py"],
            "src/app/main.py",
            id="code-before-tests",
        ),
        pytest.param(["pyproject.toml", "README.md", ".env.py"], "README.md", id="no-python"),
        pytest.param(["pyproject.toml", "poetry.lock", "Dockerfile"], None, id="only-manifests"),
        pytest.param([".venv/lib/site.py", "app.py"], "app.py", id="venv-skipped"),
    ],
)
def test_pick_source_file(tmp_path, files, expected):
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    chosen = pick_source_file(tmp_path)
    assert (chosen.relative_to(tmp_path).as_posix() if chosen else None) == expected


def fake_docker(tmp_path: Path, script: str) -> str:
    path = tmp_path / "docker"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


ENGINE_20_10 = """\
case "$1" in
  version) echo '{"Client":{"Version":"20.10.24"},"Server":{"Version":"20.10.24+dfsg1"}}' ;;
  buildx) echo "docker: 'buildx' is not a docker command." >&2; exit 1 ;;
esac
"""


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        pytest.param(ENGINE_20_10, None, id="engine-20.10-with-buildkit"),
        pytest.param(
            'case "$1" in version) echo \'{"Client":{"Version":"28.2.2"},"Server":{"Version":"28.2.2"}}\' ;;'
            ' buildx) echo "github.com/docker/buildx v0.20.0" ;; esac\n',
            None,
            id="buildx-plugin",
        ),
        pytest.param(
            'echo \'{"Client":{"Version":"28.2.2"},"Server":null}\'\n'
            'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n',
            "no Docker engine reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
            "Is the docker daemon running?): start dockerd or set DOCKER_HOST",
            id="no-engine",
        ),
        pytest.param(
            'case "$1" in version) echo \'{"Client":{"Version":"28.2.2"},"Server":{"Version":"28.2.2"}}\' ;;'
            " buildx) exit 1 ;; esac\n",
            "the Docker CLI 28.2.2 needs the buildx plugin for BuildKit builds: install docker-buildx",
            id="new-cli-without-buildx",
        ),
        pytest.param(
            'case "$1" in version) echo \'{"Client":{"Version":"17.12.1"},"Server":{"Version":"17.12.1-ce"}}\' ;;'
            " buildx) exit 1 ;; esac\n",
            "the Docker engine 17.12.1-ce has no BuildKit (needs 18.09 or newer): upgrade it",
            id="engine-too-old",
        ),
    ],
)
def test_docker_problem(tmp_path, script, expected):
    assert docker_problem(VerifyOptions(docker=fake_docker(tmp_path, script))) == expected


def test_docker_problem_without_a_cli(tmp_path):
    missing = tmp_path / "bin" / "docker"
    assert docker_problem(VerifyOptions(docker=str(missing))) == (
        f"no Docker CLI '{missing}' found: install Docker or pass the path of its client"
    )


def test_verify_without_docker_fails_with_the_problem(tmp_path):
    result = migrate_path(REPO / "corpus" / "e2e-worker" / "Dockerfile", Settings())
    verification = verify(result, tmp_path, VerifyOptions(docker=str(tmp_path / "nodocker")))
    assert not verification.passed
    assert verification.failure.startswith("no Docker CLI")


def test_render_shows_figures_and_failures():
    figures = ImageFigures(20.0, 9.5, ("COPY . .", "RUN poetry install"), False, 284_000_000, "root", "0")
    migrated = ImageFigures(25.0, 1.5, ("COPY . .",), True, 150_000_000, "10001:10001", "10001")
    out = io.StringIO()
    render(
        [
            Verification("svc/Dockerfile", True, original=figures, migrated=migrated),
            Verification(
                "bad/Dockerfile", False, failure="the migrated Dockerfile does not build:\nstep [2/2] RUN x failed"
            ),
            Verification("same/Dockerfile", True, note="unchanged: nothing to verify"),
        ],
        Console(file=out, width=100, color_system=None),
    )
    text = out.getvalue()
    row = next(line for line in text.splitlines() if "svc/Dockerfile" in line)
    assert [cell.strip() for cell in row.split("│")[2:8]] == [
        "passed",
        "20s→25s",
        "10s→2s",
        "no→yes",
        "284→150",
        "0→10001",
    ]
    assert "bad/Dockerfile: the migrated Dockerfile does not build:\nstep [2/2] RUN x failed" in text
    assert "│ same/Dockerfile │ unchanged" in text


# --- the checks that need no input (migrator.behaviour) ---------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(("uvicorn", "app:app"), ("uvicorn",), id="exec-form"),
        pytest.param(("poetry", "run", "gunicorn", "app:app"), ("poetry", "poetry run gunicorn"), id="poetry-run"),
        pytest.param(
            ("/bin/sh", "-c", "alembic upgrade head && exec gunicorn -b :80 app:app"),
            ("alembic", "gunicorn"),
            id="shell-form-two-commands",
        ),
        pytest.param(
            ("/bin/sh", "-c", "PORT=80 exec python -m app | tee log"), ("python", "tee"), id="assignment-pipe"
        ),
        pytest.param(("/usr/bin/env", "python3", "main.py"), ("python3",), id="env"),
        pytest.param(("/bin/sh", "-c", "cd /app && $RUNNER"), (), id="variable-command-unknown"),
        pytest.param((), (), id="no-command"),
    ],
)
def test_named_programs(argv, expected):
    assert behaviour.named_programs(argv) == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(("poetry", "run", "python", "-m", "app"), "poetry-run", id="poetry-run"),
        pytest.param(("gunicorn", "app:app"), "gunicorn", id="console-script-shebang"),
        pytest.param((), "python3", id="nothing-named"),
    ],
)
def test_interpreter_hint(argv, expected):
    assert behaviour.interpreter_hint(argv) == expected


def test_project_modules_come_from_the_source_and_pyproject(tmp_path):
    for name in ("app/__init__.py", "src/lib/__init__.py", "main.py", "setup.py", "tests/__init__.py", "my-script.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "notapackage").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\npackages = [{include = "svc", from = "lib"}, {include = "*.py"}, {include = "app"}]\n'
    )
    assert app_modules.project_modules(tmp_path) == ("app", "main", "lib", "svc")


TRACEBACK = """\
[2026-12-01 10:00:00 +0000] [1] [INFO] Booting worker with pid: 7
Traceback (most recent call last):
  File "/app/.venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 609, in spawn_worker
    worker.init_process()
  File "/app/app.py", line 3, in <module>
    import requests
ModuleNotFoundError: No module named 'requests'
Traceback (most recent call last):
  File "/app/app.py", line 9, in <module>
    os.makedirs("instance")
PermissionError: [Errno 13] Permission denied: 'instance'
Traceback (most recent call last):
  File "/app/app.py", line 1, in <module>
KeyError: 'DATABASE_URL'
"""


def test_named_errors_name_each_kind_once():
    assert behaviour.named_errors(TRACEBACK + "ModuleNotFoundError: No module named 'requests'\n") == (
        "ModuleNotFoundError: No module named 'requests'",
        "PermissionError: [Errno 13] Permission denied: 'instance'",
        "Traceback: KeyError: 'DATABASE_URL'",
    )


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        pytest.param(
            "docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting "
            'container process caused: exec: "uvicorn": executable file not found in $PATH: unknown.',
            'exec: "uvicorn": executable file not found in $PATH',
            id="exec-form-runc",
        ),
        pytest.param("/bin/sh: 1: gunicorn: not found", "gunicorn: not found", id="shell-form-dash"),
        pytest.param("sh: line 1: celery: command not found", "celery: not found", id="shell-form-bash"),
    ],
)
def test_named_errors_program_not_found(output, expected):
    assert behaviour.named_errors(output) == (expected,)


PROBE_OUTPUT = "U\t10001\nW\tWORKDIR\t/app\tdenied\nW\tHOME\t/home/app\twritable\nP\tpython\t/app/.venv/bin/python\n"


def test_parse_probe():
    probe = behaviour.parse_probe(PROBE_OUTPUT + "I\tapp\tok\nI\tworker\tModuleNotFoundError: No module named 'x'\n")
    assert probe.uid == "10001"
    assert probe.writable == (("WORKDIR", "/app", "denied"), ("HOME", "/home/app", "writable"))
    assert probe.programs == (("python", "/app/.venv/bin/python"),)
    assert probe.imports == (("app", "ok"), ("worker", "ModuleNotFoundError: No module named 'x'"))
    assert probe.problem is None


def test_a_probe_that_could_not_run_says_why():
    probe = behaviour.parse_probe("", 127, 'exec: "/bin/sh": stat /bin/sh: no such file or directory\n')
    assert (
        probe.problem
        == 'the checks could not run in the image: exec: "/bin/sh": stat /bin/sh: no such file or directory'
    )


def seen(command=None, probe=None, http=None, smoke=None):
    return behaviour.Behaviour(behaviour.ImageConfig(), command, http, probe, smoke)


RUNNING = behaviour.CommandRun(True, None, "serving")
MISSING_REQUESTS = behaviour.CommandRun(
    False, 3, "ModuleNotFoundError: No module named 'requests'", ("ModuleNotFoundError: No module named 'requests'",)
)


def outcomes(checks):
    return {check.name: (check.outcome, check.lines) for check in checks}


def test_a_command_that_exits_where_it_ran_is_named():
    checks = behaviour.compare(seen(RUNNING), seen(MISSING_REQUESTS), 10)
    assert outcomes(checks) == {
        "own command": (
            "differs",
            (
                "own command: the original still running after 10s, the migrated image exited 3 "
                "(ModuleNotFoundError: No module named 'requests')",
            ),
        )
    }


def test_the_original_failing_the_same_way_is_not_a_difference():
    assert outcomes(behaviour.compare(seen(MISSING_REQUESTS), seen(MISSING_REQUESTS), 10))["own command"] == (
        "same",
        (),
    )


def test_the_original_failing_where_the_migrated_image_works_is_said_so():
    outcome, lines = outcomes(behaviour.compare(seen(MISSING_REQUESTS), seen(RUNNING), 10))["own command"]
    assert outcome == "original fails"
    assert lines == (
        "the original fails: own command exited 3 (ModuleNotFoundError: No module named 'requests'); "
        "the migrated image still running after 10s",
    )


def test_an_error_only_the_migrated_image_prints_is_a_difference_even_while_both_run():
    booting = behaviour.CommandRun(True, None, "Traceback", ("Traceback: KeyError: 'x'",))
    assert outcomes(behaviour.compare(seen(RUNNING), seen(booting), 10))["own command"] == (
        "differs",
        ("own command: only the migrated image prints Traceback: KeyError: 'x'",),
    )


def probe(imports=(), writable=(), programs=(), uid="0"):
    return behaviour.Probe(tuple(imports), tuple(writable), tuple(programs), uid)


def test_probe_differences_one_line_each():
    before = probe(
        [("app", "ok"), ("tests", "ModuleNotFoundError: No module named 'pytest'")],
        [("WORKDIR", "/app", "writable"), ("VOLUME /data", "/data", "writable"), ("HOME", "/root", "writable")],
        [("poetry", "/usr/local/bin/poetry"), ("poetry run uvicorn", "/root/.cache/venv/bin/uvicorn")],
    )
    after = probe(
        [("app", "ModuleNotFoundError: No module named 'pkg_resources'"), ("tests", "ModuleNotFoundError: x")],
        [("WORKDIR", "/app", "denied"), ("VOLUME /data", "/data", "denied"), ("HOME", "/home/app", "writable")],
        [("uvicorn", "")],
        uid="10001",
    )
    assert outcomes(behaviour.compare(seen(probe=before), seen(probe=after), 10)) == {
        "imports": (
            "differs",
            (
                "import app: ok in the original, fails with ModuleNotFoundError: No module named 'pkg_resources' "
                "in the migrated image",
            ),
        ),
        "writable": (
            "differs",
            (
                "WORKDIR /app: writable in the original, denied for uid 10001 in the migrated image",
                "VOLUME /data: writable in the original, denied for uid 10001 in the migrated image",
            ),
        ),
        "PATH": (
            "differs",
            ("PATH: uvicorn is not found in the migrated image (the original finds poetry, poetry run uvicorn)",),
        ),
    }


def test_a_place_only_the_migrated_image_can_write_is_no_difference():
    before = probe(writable=[("WORKDIR", "/app", "denied")])
    after = probe(writable=[("WORKDIR", "/app", "writable")])
    assert outcomes(behaviour.compare(seen(probe=before), seen(probe=after), 10))["writable"] == ("same", ())


def test_http_and_smoke_compare_status_and_output():
    ok = behaviour.HttpAnswer(200, '{"notes": []}')
    broken = behaviour.HttpAnswer(500, "Internal Server Error")
    gone = behaviour.HttpAnswer(None, "", "the container exited (1) before answering")
    assert outcomes(behaviour.compare(seen(http=ok), seen(http=broken), 10))["HTTP probe"] == (
        "differs",
        ("HTTP probe: the original answers 200, 13 bytes, the migrated image 500, 21 bytes",),
    )
    assert outcomes(behaviour.compare(seen(http=gone), seen(http=ok), 10))["HTTP probe"][0] == "original fails"
    smoke = behaviour.SmokeRun(0, "v1\n", "")
    other = behaviour.SmokeRun(0, "v2\n", "")
    assert outcomes(behaviour.compare(seen(smoke=smoke), seen(smoke=other), 10))["--smoke"] == (
        "differs",
        ("--smoke: the output differs (exit 0 in both): at byte 1: '1\\n' became '2\\n'",),
    )


# --- the verified recipe of docs/runners.md -----------------------------------------------------


def documented_files() -> dict[str, str]:
    text = (REPO / "docs" / "runners.md").read_text()
    return dict(re.findall(r"<!-- file: (\S+) -->\s*```\w*\n(.*?)```", text, re.DOTALL))


def test_the_verified_recipe_is_a_valid_script_that_verifies_and_writes():
    script = documented_files()["migrate-verified.sh"]
    assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0
    assert "exec migrate --write --verify " in script


def test_the_pr_body_carries_the_verification_table(tmp_path):
    verification = Verification(
        "Dockerfile",
        False,
        "WORKDIR /app: writable in the original, denied for uid 10001 in the migrated image",
        verdict="differs",
        checks=(
            behaviour.Check("own command", "still running after 10s", "still running after 10s", "same"),
            behaviour.Check(
                "writable",
                "WORKDIR /app, HOME /root",
                "HOME /home/app",
                "differs",
                ("WORKDIR /app: writable in the original, denied for uid 10001 in the migrated image",),
            ),
        ),
    )
    report = {
        "files": [
            {"path": "Dockerfile", "status": "migrated", "applied": ["MIG003"], "warnings": [], "verification": None},
            {
                "path": "svc/Dockerfile",
                "status": "migrated",
                "applied": ["MIG003"],
                "warnings": [],
                "verification": verification.record(),
            },
        ]
    }
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "pr_body.py").write_text(documented_files()["pr_body.py"])
    body = subprocess.run(
        [sys.executable, str(tmp_path / "pr_body.py"), str(tmp_path / "report.json")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first, second = body.split("### `svc/Dockerfile`")
    assert "Verified" not in first  # a file verified by nobody gets no table
    assert "Verified with `migrate --verify`: **differs**." in second
    assert "| own command | still running after 10s | still running after 10s | same |" in second
    assert "| writable | WORKDIR /app, HOME /root | HOME /home/app | differs |" in second
    assert "- WORKDIR /app: writable in the original, denied for uid 10001 in the migrated image" in second


# --- the command line: --baseline, the run options, --jobs ----------------------------------------

NAIVE = (
    "FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\n"
    'RUN poetry install --no-root\nCMD ["python", "-m", "app"]\n'
)


def cli(*args: str):
    from click.testing import CliRunner

    from migrator.options import cli as command

    return CliRunner().invoke(command, list(args), catch_exceptions=False)


@pytest.fixture
def pair(tmp_path):
    (tmp_path / "old.Dockerfile").write_text(NAIVE)
    (tmp_path / "Dockerfile").write_text(NAIVE.replace("3.11-slim", "3.12-slim"))
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "app"\nversion = "0.1.0"\npackage-mode = false\n')
    return tmp_path


def fake_pair(monkeypatch, verdict: str, lines=()):
    calls = []

    def verify_pair(path, original, migrated, context_dir, options=None, extra_files=(), baseline=None):
        calls.append((path, original, migrated, Path(context_dir), options, baseline))
        check = behaviour.Check("own command", "still running after 10s", "exited 1", "differs" if lines else "same")
        check = behaviour.Check(check.name, check.original, check.migrated, check.outcome, tuple(lines))
        failure = None if verdict == "passed" else "\n".join(lines) or "step [2/2] RUN x failed"
        return Verification(path, verdict == "passed", failure, verdict=verdict, checks=(check,), baseline=baseline)

    monkeypatch.setattr(verify_module, "verify_pair", verify_pair)
    return calls


@pytest.mark.parametrize(
    ("verdict", "lines", "code"),
    [
        pytest.param("passed", (), 0, id="same-behaviour"),
        pytest.param("differs", ("own command: the original still running after 10s, the migrated image exited 1",), 1),
        pytest.param("original fails", ("the original fails: import app: ...",), 1, id="original-fails"),
        pytest.param("build failed", (), 123, id="build-failed"),
    ],
)
def test_baseline_compares_the_pair_without_migrating(pair, monkeypatch, verdict, lines, code):
    calls = fake_pair(monkeypatch, verdict, lines)
    result = cli(
        "--verify",
        "--baseline",
        str(pair / "old.Dockerfile"),
        "--env",
        "TOKEN=x",
        "--env-file",
        str(pair / "pyproject.toml"),
        "--probe-http",
        "8000/health",
        "--run-seconds",
        "3",
        "--format",
        "json",
        str(pair / "Dockerfile"),
    )
    assert result.exit_code == code, result.output
    ((path, original, migrated, context, options, baseline),) = calls
    assert (original, migrated) == (NAIVE, NAIVE.replace("3.11-slim", "3.12-slim"))  # no transform ran
    assert context == pair and baseline == str(pair / "old.Dockerfile")
    assert (options.env, options.env_files, options.probe_http, options.run_seconds) == (
        ("TOKEN=x",),
        (str(pair / "pyproject.toml"),),
        "8000/health",
        3.0,
    )
    document = json.loads(result.stdout)
    assert document["mode"] == "baseline"
    record = document["files"][0]["verification"]
    assert (record["verdict"], record["differences"], record["baseline"]) == (verdict, list(lines), baseline)
    assert (pair / "Dockerfile").read_text() == NAIVE.replace("3.11-slim", "3.12-slim")


def test_baseline_uses_the_context_given(pair, monkeypatch, tmp_path_factory):
    calls = fake_pair(monkeypatch, "passed")
    elsewhere = tmp_path_factory.mktemp("context")
    result = cli(
        "--verify", "--baseline", str(pair / "old.Dockerfile"), "--context", str(elsewhere), str(pair / "Dockerfile")
    )
    assert result.exit_code == 0, result.output
    assert calls[0][3] == elsewhere
    assert f"{pair / 'Dockerfile'}: same behaviour" in result.stderr


def test_baseline_without_an_engine_exits_123(pair, tmp_path):
    result = cli(
        "--verify",
        "--docker",
        str(tmp_path / "nodocker"),
        "--baseline",
        str(pair / "old.Dockerfile"),
        str(pair / "Dockerfile"),
    )
    assert result.exit_code == 123
    assert "build failed: no Docker CLI" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--baseline", "{old}", "{new}"], "need --verify", id="baseline-without-verify"),
        pytest.param(["--env", "A=1", "{new}"], "need --verify", id="env-without-verify"),
        pytest.param(["--build-jobs", "2", "{new}"], "need --verify", id="build-jobs-without-verify"),
        pytest.param(["--no-rebuild", "{new}"], "need --verify", id="no-rebuild-without-verify"),
        pytest.param(["--verify", "--baseline", "{old}", "{new}", "{old}"], "exactly one file", id="two-paths"),
        pytest.param(["--verify", "--baseline", "{old}", "{dir}"], "exactly one file", id="a-folder"),
        pytest.param(["--verify", "--write", "--baseline", "{old}", "{new}"], "runs no transform", id="write"),
        pytest.param(
            ["--verify", "--probe-http", "web", "--baseline", "{old}", "{new}"], "is not PORT", id="bad-probe"
        ),
        pytest.param(
            ["--verify", "--env", "NOVALUE", "--baseline", "{old}", "{new}"], "is not KEY=VALUE", id="bad-env"
        ),
    ],
)
def test_baseline_usage_errors(pair, args, message):
    names = {"old": str(pair / "old.Dockerfile"), "new": str(pair / "Dockerfile"), "dir": str(pair)}
    result = cli(*[arg.format(**names) for arg in args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_verify_jobs_verifies_files_at_once_in_the_input_order(tmp_path, monkeypatch):
    import threading
    import time

    paths = []
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "Dockerfile").write_text(NAIVE)
        paths.append(tmp_path / name / "Dockerfile")
    running, most = [0], [0]
    lock = threading.Lock()

    def fake_verify(result, context_dir, options=None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.3 if "/a/" in result.path else 0.05)
        with lock:
            running[0] -= 1
        passed = "/b/" not in result.path
        return Verification(result.path, passed, None if passed else "x", verdict="passed" if passed else "differs")

    monkeypatch.setattr(verify_module, "verify", fake_verify)
    monkeypatch.setattr(verify_module, "docker_problem", lambda options: None)
    result = cli("--verify", "--write", "--jobs", "3", "--format", "json", str(tmp_path))
    assert result.exit_code == 123
    records = json.loads(result.stdout)["files"]
    assert [Path(r["path"]).parent.name for r in records] == ["a", "b", "c"]
    assert [r["written"] for r in records] == [True, False, True]  # exactly the ones that pass
    assert most[0] > 1
    assert (tmp_path / "b" / "Dockerfile").read_text() == NAIVE


def test_no_python_to_import_with_is_one_line():
    before = probe([("notes", "ok")])
    after = probe([("*", "no Python to import with: poetry is not found")])
    assert outcomes(behaviour.compare(seen(probe=before), seen(probe=after), 10))["imports"] == (
        "differs",
        ("imports: no Python to import with: poetry is not found in the migrated image",),
    )
    assert outcomes(behaviour.compare(seen(probe=after), seen(probe=after), 10))["imports"] == ("same", ())


def test_an_import_failing_with_a_guessed_python_in_the_original_is_not_blamed_on_it():
    before = behaviour.parse_probe("U\t0\nX\tfallback\nI\tapp\tModuleNotFoundError: No module named 'flask'\n")
    after = probe([("app", "ok")])
    assert before.guessed_python
    assert outcomes(behaviour.compare(seen(probe=before), seen(probe=after), 10))["imports"] == ("same", ())


def test_a_command_watched_longer_says_how_long():
    race = behaviour.Race()
    race.exited("migrated")
    assert race.other_exited("original") and not race.other_exited("migrated")
    longer = behaviour.CommandRun(True, None, "serving", watched_seconds=30.4)
    assert outcomes(behaviour.compare(seen(longer), seen(MISSING_REQUESTS), 10))["own command"][1] == (
        "own command: the original still running after 30s, the migrated image exited 3 "
        "(ModuleNotFoundError: No module named 'requests')",
    )


def test_both_failing_with_the_same_code_is_the_same_whatever_each_prints():
    original = behaviour.CommandRun(False, 1, "/usr/bin/python3: No module named flask")
    migrated = behaviour.CommandRun(
        False, 1, "...", ("Traceback: ImportError: cannot import name 'soft_unicode' from 'markupsafe'",)
    )
    assert outcomes(behaviour.compare(seen(original), seen(migrated), 10))["own command"] == ("same", ())


def test_an_import_that_timed_out_is_no_difference():
    before = probe([("db", "ok")])
    after = probe([("db", "timed out")])
    assert outcomes(behaviour.compare(seen(probe=before), seen(probe=after), 10))["imports"] == ("same", ())


@pytest.mark.parametrize(("flags", "rebuild"), [((), True), (("--no-rebuild",), False)])
def test_no_rebuild_reaches_the_verification(pair, monkeypatch, flags, rebuild):
    from migrator import verify as verifying

    seen = []

    def fake_verify_pair(path, old, new, context, options, baseline=None):
        seen.append(options)
        raise SystemExit(0)

    monkeypatch.setattr(verifying, "verify_pair", fake_verify_pair)
    cli("--verify", *flags, "--baseline", str(pair / "old.Dockerfile"), str(pair / "Dockerfile"))
    assert [options.rebuild for options in seen] == [rebuild]
