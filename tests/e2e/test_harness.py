"""The e2e cases and the harness's own judgement, checked without an engine."""

from __future__ import annotations

import tomllib

import pytest

from migrator.verify import parse_build_log
from tests.e2e.harness import MIRROR_URL, cache_disturbed, load_cases, resolves_dependencies, uv_sync_report

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_is_complete(case):
    assert (case.directory / "Dockerfile").is_file()
    assert (case.directory / "poetry.lock").is_file(), "run `poetry lock` against the mirror"
    assert (case.directory / case.source_edit).is_file(), "source_edit must name a file of the project"
    assert case.source_edit not in ("pyproject.toml", "poetry.lock")
    assert case.kind in ("http", "command")
    if case.kind == "http":
        assert case.port and case.expected_body is not None
    else:
        assert case.expected_stdout is not None


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_installs_from_the_mirror_only(case):
    pyproject = tomllib.loads((case.directory / "pyproject.toml").read_text(encoding="utf-8"))
    sources = pyproject["tool"]["poetry"]["source"]
    assert [(s["url"], s["priority"]) for s in sources] == [(MIRROR_URL, "primary")]
    lock = (case.directory / "poetry.lock").read_text(encoding="utf-8")
    assert "files.pythonhosted.org" not in lock


def test_ports_do_not_clash():
    ports = [c.port for c in CASES if c.kind == "http"]
    assert len(ports) == len(set(ports))


def steps(*lines: str):
    return parse_build_log("".join(f"#{n} {line}\n#{n} DONE 1.0s\n" for n, line in enumerate(lines, start=1)))


@pytest.mark.parametrize(
    "ran",
    [
        pytest.param(
            ('[build 2/6] RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==2.2.1"',),
            id="poetry-reinstalled",
        ),
        pytest.param(("[build 4/6] COPY pyproject.toml poetry.lock ./",), id="manifests-copied-again"),
    ],
)
def test_cache_disturbed(ran):
    assert cache_disturbed(steps(*ran))


@pytest.mark.parametrize(
    "ran",
    [
        pytest.param(
            ("[build 6/6] COPY . .", "[build 7/7] RUN poetry install --only main"), id="source-and-root-install"
        ),
        pytest.param(("[3/5] COPY . /worker", "[5/5] RUN poetry install --no-root"), id="source-copied-first"),
        pytest.param(("[runtime 4/4] COPY --from=build --chown=10001:10001 /app /app",), id="copy-from-build"),
        pytest.param(("[2/2] RUN pip install -r requirements.txt poetry-plugin-export",), id="requirements-not-poetry"),
    ],
)
def test_cache_not_disturbed(ran):
    assert not cache_disturbed(steps(*ran))


def build_log(*lines: tuple[str, str]):
    """A plain-progress log from (step, status) pairs, status "CACHED" or "DONE"."""
    text = ""
    for number, (line, status) in enumerate(lines, start=1):
        text += f"#{number} {line}\n#{number} {'CACHED' if status == 'CACHED' else 'DONE 1.0s'}\n"
    return parse_build_log(text)


def test_source_copies_after_a_cached_install_are_the_edit():
    log = build_log(
        ("[build 4/8] COPY pyproject.toml poetry.lock ./", "CACHED"),
        ("[build 5/8] RUN poetry install --only main --no-root", "CACHED"),
        ("[build 6/8] COPY src/ ./src/", "DONE"),
        ("[build 7/8] COPY README.md ./", "DONE"),
        ("[build 8/8] RUN poetry install --only-root", "DONE"),
    )
    assert not cache_disturbed(log)


def test_a_step_before_a_cached_install_that_ran_again_means_a_pruned_cache():
    log = build_log(
        ("[build 3/6] RUN apt-get update && apt-get install -y gcc", "DONE"),
        ("[build 5/6] RUN poetry install --no-root", "CACHED"),
        ("[build 6/6] COPY . .", "DONE"),
    )
    assert cache_disturbed(log)


def run_step(instruction: str, *output: str):
    """One RUN step as plain progress shows it: its instruction, its output lines, done."""
    text = f"#9 [build 7/8] {instruction}\n" + "".join(f"#9 0.{n} {line}\n" for n, line in enumerate(output, 1))
    return parse_build_log(text + "#9 DONE 1.0s\n")[0]


# What uv 0.13's `uv sync --frozen` prints when the dependencies are already in the venv.
UV_PROJECT_ONLY = (
    "   Building console-app @ file:///code",
    "      Built console-app @ file:///code",
    "Prepared 1 package in 520ms",
    "Installed 1 package in 1ms",
    " + console-app==0.1.0 (from file:///code)",
    "Bytecode compiled 3 files in 30ms",
)


@pytest.mark.parametrize(
    ("instruction", "resolving"),
    [
        ("RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --only-root", False),
        ("RUN poetry install --only main", True),
        ("RUN poetry sync --no-root", True),
        ("RUN pip install -r requirements.txt", True),
        ("RUN uv sync --locked --no-install-project", True),
        ("COPY . .", False),
        ("RUN python manage.py collectstatic --noinput", False),
    ],
)
def test_what_resolves_dependencies(instruction, resolving):
    assert resolves_dependencies(run_step(instruction)) is resolving


def test_a_uv_sync_that_installed_only_the_project_resolves_nothing():
    step = run_step("RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-editable", *UV_PROJECT_ONLY)
    assert uv_sync_report(step).names() == {"console-app"}
    assert not resolves_dependencies(step, "Console_App")


@pytest.mark.parametrize(
    "output",
    [
        pytest.param((*UV_PROJECT_ONLY, " + requests==2.32.3"), id="a-dependency-installed-too"),
        pytest.param(("Prepared 2 packages in 1s", " + console-app==0.1.0"), id="a-second-package-built"),
        pytest.param(("Downloading numpy (15.2MiB)", " + console-app==0.1.0"), id="a-download"),
        pytest.param((" - idna==3.7", " + console-app==0.1.0"), id="a-dependency-removed"),
        pytest.param(("Resolved 12 packages in 1ms", *UV_PROJECT_ONLY), id="the-lock-resolved-again-with-locked"),
    ],
)
def test_a_uv_sync_that_installed_more_than_the_project_resolves(output):
    assert resolves_dependencies(run_step("RUN uv sync --locked --no-editable", *output), "console-app")


def test_a_uv_sync_of_a_project_that_is_no_package_may_install_nothing():
    quiet = run_step("RUN uv sync --frozen", "Audited 4 packages in 0.1ms")
    assert not resolves_dependencies(quiet, None)
    assert resolves_dependencies(run_step("RUN uv sync --frozen", " + console-app==0.1.0"), None)


def test_verify_differences_name_each_check_that_is_not_the_same():
    from migrator.behaviour import DIFFERS, ORIGINAL_FAILS, SAME, Check
    from tests.e2e.harness import CaseRun

    run = CaseRun(CASES[0])
    assert run.verify_differences == ()  # not run: the e2e test fails on the missing checks instead
    run.verify_checks = (
        Check("own command", "exited 0", "exited 0", SAME),
        Check("build", "1.0s", "1.0s", ""),  # a figure, not compared
        Check("imports", "2 of 2 ok", "1 of 2 ok", DIFFERS, ("import app: ok in the original, fails",)),
        Check("PATH", "x (not found)", "x", ORIGINAL_FAILS, ()),
    )
    assert run.verify_differences == ("import app: ok in the original, fails", "PATH: original fails")


def test_engine_crash_names_the_panic_only_since_the_engine_last_started(tmp_path, monkeypatch):
    from tests.e2e import sandbox

    log = tmp_path / "dockerd.log"
    log.write_text(
        'panic: an old one\nlevel=info msg="Daemon has completed initialization"\npanic: failed to get edge\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(sandbox, "ENGINE_LOG", log)
    unreachable = "failed to dial gRPC: cannot connect to the Docker daemon"
    assert "panic: failed to get edge" in sandbox.engine_crash(unreachable)
    assert sandbox.engine_crash("step [3/5] RUN pip install failed") is None
    log.write_text('panic: an old one\nlevel=info msg="Daemon has completed initialization"\n', encoding="utf-8")
    assert sandbox.engine_crash(unreachable) is None
