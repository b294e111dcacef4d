"""The project side of `--uv`: pyproject.toml to PEP 621, poetry.lock to uv.lock, refusals.

These run migrate-to-uv and `uv lock` for real against the sandbox's PyPI mirror,
on copies of corpus/uv-fastapi (whose poetry.lock pins versions older than the
newest, so a lock that ignored it would show).
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from migrator.migrate_file import migrate_path
from migrator.pipeline import Status
from migrator.transform import Settings
from migrator.uv_project import (
    carry_comments,
    converter_failure,
    keep_leading_comments,
    locked_versions,
    prepare,
    version_mismatch,
)

CORPUS = Path(__file__).parent.parent / "corpus" / "uv-fastapi"
UV = Settings(uv=True)
POST_PIPELINE_DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VERSION=2.2.1 \\
    POETRY_NO_INTERACTION=1 \\
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev

FROM python:3.11-slim AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
COPY --from=build /app /app
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="module")
def plain_plan(tmp_path_factory):
    """The corpus project converted once, for the tests that only read the result."""
    target = tmp_path_factory.mktemp("plain") / "project"
    shutil.copytree(CORPUS, target)
    return target, prepare(target, UV)


def files_of(plan) -> dict[str, tuple[str | None, str | None]]:
    return {f.path: (f.original, f.migrated) for f in plan.extra_files}


def edit_pyproject(project: Path, old: str, new: str) -> None:
    path = project / "pyproject.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_converts_poetry_tables_to_pep_621(plain_plan):
    _, plan = plain_plan
    assert plan.refusal is None
    pyproject = tomllib.loads(files_of(plan)["pyproject.toml"][1])
    assert "poetry" not in pyproject.get("tool", {})
    assert pyproject["project"]["name"] == "greeter"
    assert pyproject["project"]["requires-python"].startswith(">=3.11")
    assert "fastapi>=0.115,<0.116" in pyproject["project"]["dependencies"]
    assert "uvicorn>=0.32,<0.33" in pyproject["project"]["dependencies"]
    assert pyproject["project"]["optional-dependencies"] == {"probe": ["httpx>=0.27,<0.28"]}
    assert pyproject["project"]["scripts"] == {"greeter": "app.main:run"}
    assert pyproject["dependency-groups"] == {"dev": ["pytest>=8.3,<9"]}
    assert pyproject["tool"]["uv"]["index"] == [
        {"name": "mirror", "url": "http://127.0.0.1:3141/root/pypi/+simple/", "default": True}
    ]
    assert "poetry" not in pyproject["build-system"]["build-backend"]


def test_locks_the_versions_poetry_locked(plain_plan):
    project, plan = plain_plan
    files = files_of(plan)
    assert files["uv.lock"][0] is None  # new
    uv_lock = files["uv.lock"][1]
    poetry_lock = (project / "poetry.lock").read_text()
    assert locked_versions(uv_lock)["anyio"] == {"4.7.0"}  # older than the newest on the index
    assert version_mismatch(poetry_lock, uv_lock, "greeter") is None
    assert plan.uv_version and plan.uv_version.count(".") == 2
    # Locked against the project's own index, as `uv sync --locked` in the image will check.
    registries = {p["source"].get("registry") for p in tomllib.loads(uv_lock)["package"] if "registry" in p["source"]}
    assert registries == {"http://127.0.0.1:3141/root/pypi/+simple/"}


def test_removes_poetry_files_only_through_the_plan(project):
    (project / "poetry.toml").write_text("[virtualenvs]\nin-project = true\n")
    plan = prepare(project, UV)
    files = files_of(plan)
    assert files["poetry.lock"][1] is None and files["poetry.toml"][1] is None
    assert (project / "poetry.lock").is_file() and not (project / "uv.lock").exists()  # nothing written here


def test_keeps_the_files_leading_comments(project):
    edit_pyproject(project, "[tool.poetry]\n", "# Owned by the platform team.\n\n[tool.poetry]\n")
    plan = prepare(project, UV)
    assert files_of(plan)["pyproject.toml"][1].startswith("# Owned by the platform team.\n\n[project]\n")


def test_package_mode_false_becomes_uv_package_false(project):
    edit_pyproject(project, "[tool.poetry]\n", "[tool.poetry]\npackage-mode = false\n")
    plan = prepare(project, UV)
    assert tomllib.loads(files_of(plan)["pyproject.toml"][1])["tool"]["uv"]["package"] is False


def test_already_uv_needs_only_the_dockerfile(project):
    plan = prepare(project, UV)
    for path, (_, migrated) in files_of(plan).items():
        if migrated is None:
            (project / path).unlink()
        else:
            (project / path).write_text(migrated)
    again = prepare(project, UV)
    assert again.refusal is None and again.extra_files == ()


REFUSALS = [
    pytest.param(
        lambda p: edit_pyproject(
            p,
            "[tool.poetry.scripts]",
            '[tool.poetry.requires-plugins]\npoetry-plugin-export = ">=1.8"\n\n[tool.poetry.scripts]',
        ),
        "plugins",
        id="poetry-plugins",
    ),
    pytest.param(lambda p: (p / "poetry.lock").unlink(), "no poetry.lock", id="no-lock"),
    pytest.param(
        lambda p: (p / "poetry.toml").write_text('[http-basic.corp]\nusername = "ci"\n'),
        "credentials",
        id="http-basic-in-poetry-toml",
    ),
    pytest.param(
        lambda p: edit_pyproject(p, "http://127.0.0.1", "http://ci:secret@127.0.0.1"),
        "credentials in its URL",
        id="credentials-in-source-url",
    ),
    pytest.param(
        lambda p: edit_pyproject(p, 'uvicorn = "~0.32"', 'uvicorn = "~0.32"\nshared = { path = "../shared" }'),
        "path dependencies",
        id="path-dependency",
    ),
    pytest.param(
        # poetry.lock pins anyio 4.7.0: a constraint it no longer meets cannot keep the versions.
        lambda p: edit_pyproject(p, 'uvicorn = "~0.32"', 'uvicorn = "~0.32"\nanyio = ">=4.8"'),
        "out of date",
        id="lock-out-of-date",
    ),
    pytest.param(lambda p: (p / "pyproject.toml").unlink(), "not found", id="no-pyproject"),
    pytest.param(
        lambda p: edit_pyproject(p, "/root/pypi/+simple/", "/nobody/private/+simple/"),
        "",
        id="index-that-does-not-serve-the-locked-versions",
    ),
]


@pytest.mark.parametrize(("break_it", "why"), REFUSALS)
def test_refusals_are_one_line_and_change_nothing(project, break_it, why):
    break_it(project)
    plan = prepare(project, UV)
    assert plan.refusal is not None and why in plan.refusal
    assert "\n" not in plan.refusal
    assert plan.extra_files == ()


VERSION_CHECKS = [
    pytest.param(
        '[[package]]\nname = "A_b"\nversion = "1.0"\n',
        '[[package]]\nname = "a-b"\nversion = "1.0"\n',
        None,
        id="names-normalised",
    ),
    pytest.param(
        '[[package]]\nname = "a"\nversion = "1.0"\n',
        '[[package]]\nname = "a"\nversion = "1.1"\n',
        "uv would lock a 1.1 where poetry.lock has 1.0",
        id="newer",
    ),
    pytest.param('[[package]]\nname = "a"\nversion = "1.0"\n', "", "uv would not lock a", id="dropped"),
    pytest.param(
        "", '[[package]]\nname = "b"\nversion = "2"\n', "uv would lock b 2, which poetry.lock does not", id="added"
    ),
    pytest.param(
        "", '[[package]]\nname = "greeter"\nversion = "0.3.0"\n', None, id="the-root-project-is-not-a-dependency"
    ),
]


@pytest.mark.parametrize(("poetry_lock", "uv_lock", "expected"), VERSION_CHECKS)
def test_version_mismatch(poetry_lock, uv_lock, expected):
    found = version_mismatch(poetry_lock, uv_lock, "greeter")
    assert (found is None) if expected is None else (expected in found)


@pytest.mark.parametrize(
    ("original", "converted", "expected"),
    [
        pytest.param("[tool.poetry]\n", "[project]\n", "[project]\n", id="no-comments"),
        pytest.param("# a\n[tool.poetry]\n", "[project]\n", "# a\n\n[project]\n", id="comment"),
        pytest.param("# a\n[tool.poetry]\n", "# a\n[project]\n", "# a\n[project]\n", id="already-there"),
    ],
)
def test_keep_leading_comments(original, converted, expected):
    assert keep_leading_comments(original, converted) == expected


def test_migrate_path_switches_dockerfile_and_project_together(project):
    (project / "Dockerfile").write_text(POST_PIPELINE_DOCKERFILE)
    result = migrate_path(project / "Dockerfile", UV)
    assert result.status is Status.MIGRATED, result
    assert "poetry" not in result.migrated.lower()
    assert f"COPY --from=ghcr.io/astral-sh/uv:{prepare(project, UV).uv_version} /uv /uvx /bin/" in result.migrated
    assert {f.path for f in result.extra_files} == {"pyproject.toml", "uv.lock", "poetry.lock"}


def test_a_uv_run_converts_the_project_once_and_runs_the_pipeline_once(project, monkeypatch):
    """The edge (migrator.migrate_file) prepares the project, then calls the pure pipeline a single time."""
    import migrator.pipeline as pipeline
    import migrator.uv_project as uv_project

    calls: list[str] = []
    real_prepare, real_migrate_text = uv_project.prepare, pipeline.migrate_text

    def prepare(context_dir, settings):
        calls.append("prepare")
        return real_prepare(context_dir, settings)

    def migrate_text(text, context, settings):
        calls.append(f"pipeline (project converted: {settings.uv_project_ready})")
        return real_migrate_text(text, context, settings)

    monkeypatch.setattr(uv_project, "prepare", prepare)
    monkeypatch.setattr(pipeline, "migrate_text", migrate_text)
    (project / "Dockerfile").write_text(POST_PIPELINE_DOCKERFILE)
    result = migrate_path(project / "Dockerfile", UV)
    assert result.status is Status.MIGRATED, result
    assert calls == ["prepare", "pipeline (project converted: True)"]


def test_migrate_path_refusal_leaves_everything_unchanged(project):
    (project / "Dockerfile").write_text(
        # After Poetry's install: before it, the file could not build (preflight would refuse it first).
        POST_PIPELINE_DOCKERFILE.replace(
            "WORKDIR /app\nCOPY pyproject", "RUN poetry self add poetry-plugin-bundle\nWORKDIR /app\nCOPY pyproject"
        )
    )
    result = migrate_path(project / "Dockerfile", UV)
    assert result.status is Status.SKIPPED
    assert result.migrated == result.original and result.extra_files == ()
    assert "poetry self" in result.reason and "\n" not in result.reason


def test_migrate_path_again_after_writing_changes_nothing(project):
    (project / "Dockerfile").write_text(POST_PIPELINE_DOCKERFILE)
    first = migrate_path(project / "Dockerfile", UV)
    (project / "Dockerfile").write_text(first.migrated)
    for extra in first.extra_files:
        if extra.migrated is None:
            (project / extra.path).unlink()
        else:
            (project / extra.path).write_text(extra.migrated)
    second = migrate_path(project / "Dockerfile", UV)
    assert second.status is not Status.MIGRATED and second.extra_files == ()
    assert second.migrated == first.migrated


def test_skip_file_is_honoured_before_anything_is_converted(project):
    (project / "Dockerfile").write_text("# migrator: skip-file\n" + POST_PIPELINE_DOCKERFILE)
    result = migrate_path(project / "Dockerfile", UV)
    assert result.status is Status.SKIPPED and "skip-file" in result.reason and result.extra_files == ()


def test_comments_in_poetry_tables_follow_their_keys(project):
    edit_pyproject(project, 'fastapi = "^0.115"', 'fastapi = "^0.115"  # the web framework')
    edit_pyproject(
        project, "[tool.poetry.group.dev.dependencies]", "# test tools\n[tool.poetry.group.dev.dependencies]"
    )
    plan = prepare(project, UV)
    text = files_of(plan)["pyproject.toml"][1]
    assert '    # the web framework\n    "fastapi>=0.115,<0.116",\n' in text
    assert "# httpx is only needed by the health probe script\nprobe = [" in text
    assert "[dependency-groups]\n# test tools\ndev = [" in text
    assert plan.warnings == ()


COMMENT_PLACES = [
    pytest.param(
        "[tool.poetry]\n# gone\nfoo = 1\n",
        "[project]\nname = 'x'\n",
        "[project]\nname = 'x'\n",
        ["# gone"],
        id="no-place",
    ),
    pytest.param(
        "[tool.poetry.dependencies]\nrequests = '^2'  # http\n",
        "[project]\ndependencies = ['requests>=2,<3']\n",
        "[project]\ndependencies = ['requests>=2,<3']\n",
        ["# http"],
        id="single-quoted-names-are-not-found-so-nothing-is-misplaced",
    ),
    pytest.param(
        "[tool.poetry.dependencies]\n# pinned for the ORM\nSQLAlchemy = '^2'\n",
        '[project]\ndependencies = [\n    "sqlalchemy>=2,<3",\n]\n',
        '[project]\ndependencies = [\n    # pinned for the ORM\n    "sqlalchemy>=2,<3",\n]\n',
        [],
        id="names-compared-normalised",
    ),
]


@pytest.mark.parametrize(("original", "converted", "expected", "unplaced"), COMMENT_PLACES)
def test_carry_comments(original, converted, expected, unplaced):
    assert carry_comments(original, converted) == (expected, unplaced)


DOCKERIGNORES = [
    pytest.param(".venv\n__pycache__\n", None, id="nothing-to-do"),
    pytest.param("*\n!pyproject.toml\n!poetry.lock\n!app\n", "*\n!pyproject.toml\n!uv.lock\n!app\n", id="allow-list"),
    pytest.param(
        "# keep it small\n*\n  !poetry.lock*\n!app/\n", "# keep it small\n*\n  !uv.lock\n!app/\n", id="allow-list-glob"
    ),
]


@pytest.mark.parametrize(("before", "after"), DOCKERIGNORES)
def test_dockerignore_lets_uv_lock_in(project, before, after):
    (project / ".dockerignore").write_text(before)
    files = files_of(prepare(project, UV))
    assert files.get(".dockerignore") == (None if after is None else (before, after))


@pytest.mark.parametrize("ignore", ["*.lock\n", "*\n!pyproject.toml\n!app\n", "uv.lock\n"])
def test_refuses_when_dockerignore_keeps_uv_lock_out(project, ignore):
    (project / ".dockerignore").write_text(ignore)
    plan = prepare(project, UV)
    assert plan.refusal and ".dockerignore" in plan.refusal and plan.extra_files == ()


def test_crlf_pyproject_stays_crlf(project):
    path = project / "pyproject.toml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    plan = prepare(project, UV)
    original, migrated = files_of(plan)["pyproject.toml"]
    assert original.encode() == path.read_bytes()
    assert migrated.count("\r\n") == migrated.count("\n") > 0


def test_markers_python_restrictions_extras_and_optional_groups(tmp_path):
    target = tmp_path / "report"
    shutil.copytree(CORPUS.parent / "uv-report", target)
    plan = prepare(target, UV)
    pyproject = tomllib.loads(files_of(plan)["pyproject.toml"][1])
    assert pyproject["project"]["dependencies"] == [
        "pyyaml>=6.0,<7",  # ^6.0
        "tabulate~=0.9.0",  # ~0.9.0
        "requests[socks]>=2.32,<3",
        "tomli>=2.0,<3 ; python_full_version < '3.11'",
        "colorama>=0.4,<0.5 ; sys_platform == 'win32'",
    ]
    assert pyproject["tool"]["uv"] == {
        "package": False,  # package-mode = false
        "default-groups": ["dev"],  # lint is optional in Poetry: not installed by default
        "index": [{"name": "mirror", "url": "http://127.0.0.1:3141/root/pypi/+simple/", "default": True}],
    }
    assert pyproject["dependency-groups"] == {"dev": ["pytest>=8.3,<9"], "lint": ["ruff>=0.6,<0.7"]}


CONVERTER_FAILURES = [
    pytest.param(
        "error: Failed to fetch: `http://corp/simple/fastapi/`\n  Caused by: HTTP status client error (401 Unauthorized)\n"
        "error: Could not lock dependencies, aborting the migration.",
        "needs credentials",
        id="unauthorized",
    ),
    pytest.param(
        "error: No solution found when resolving dependencies\n  cause: Because anyio==4.7.0 ...\n"
        'error: Could not lock dependencies, aborting the migration. Consider using "--ignore-locked-versions"',
        "uv cannot lock the versions it pins (No solution found when resolving dependencies)",
        id="no-solution",
    ),
    pytest.param("Segmentation fault", "migrate-to-uv failed (Segmentation fault)", id="anything-else"),
]


@pytest.mark.parametrize(("output", "expected"), CONVERTER_FAILURES)
def test_converter_failures_are_one_line_saying_what_to_do(output, expected):
    message = converter_failure(Path("/ctx"), output)
    assert expected in message and "\n" not in message and "--ignore-locked-versions" not in message


def test_refuses_a_source_whose_credentials_come_from_the_environment(project, monkeypatch):
    monkeypatch.setenv("POETRY_HTTP_BASIC_MIRROR_PASSWORD", "secret")
    plan = prepare(project, UV)
    assert plan.refusal and "POETRY_HTTP_BASIC_MIRROR_" in plan.refusal and "secret" not in plan.refusal


POETRY_2_LOCK = """\
[[package]]
name = "tabulate"
version = "0.9.0"
description = "Pretty-print tabular data"
optional = false
python-versions = ">=3.7"
groups = ["main"]
files = []

[metadata]
lock-version = "2.1"
python-versions = ">=3.11"
content-hash = "767a4f85fb0bb8cdcd52182d1522bb63234c9f99f832cf8ad11977bf5927b64c"
"""


def test_a_poetry_2_project_without_tool_poetry_switches_too(tmp_path, monkeypatch):
    monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:3141/root/pypi/+simple/")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nversion = "1.0.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["tabulate (>=0.9,<0.10)"]\n\n'
        '[build-system]\nrequires = ["poetry-core>=2.0.0,<3.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    (tmp_path / "poetry.lock").write_text(POETRY_2_LOCK)
    plan = prepare(tmp_path, UV)
    assert plan.refusal is None
    files = files_of(plan)
    assert tomllib.loads(files["pyproject.toml"][1])["build-system"]["build-backend"] == "uv_build"
    assert locked_versions(files["uv.lock"][1])["tabulate"] == {"0.9.0"} and files["poetry.lock"][1] is None
