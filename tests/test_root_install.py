"""Which Poetry a file runs, what the lock provides, and when `poetry run X` may become `X`."""

from __future__ import annotations

import pytest

from migrator.model import parse
from migrator.poetry_lock import locked_names
from migrator.project import read_context
from migrator.root_install import covers, missing_root_handling, poetry_named, poetry_version
from tests.support import run_pipeline


@pytest.mark.parametrize(
    ("lines", "version"),
    [
        pytest.param("RUN pip install poetry\n", None, id="unpinned-is-the-newest"),
        pytest.param("RUN pip install poetry==1.1.15\n", (1, 1, 15), id="exact"),
        pytest.param('RUN pip install "poetry<2"\n', (1, 99), id="capped-below-2"),
        pytest.param("RUN pip install 'poetry~=1.8'\n", (1, 8), id="compatible"),
        pytest.param('ENV POETRY_VERSION=2.2.1\nRUN pip install "poetry==$POETRY_VERSION"\n', (2, 2, 1), id="env"),
        pytest.param(
            "ARG POETRY_VERSION=1.8.3\nRUN curl -sSL https://install.python-poetry.org | python3 -\n",
            (1, 8, 3),
            id="curl-arg",
        ),
        pytest.param("ARG POETRY_VERSION\nRUN pip install poetry==${POETRY_VERSION}\n", None, id="arg-without-default"),
        pytest.param(
            "RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.1.13\n",
            (1, 1, 13),
            id="curl-version-option",
        ),
        pytest.param("", None, id="from-the-base-image"),
    ],
)
def test_poetry_version(lines, version):
    doc = parse(f"FROM python:3.11\n{lines}RUN poetry install\n")
    stage = doc.stages[0]
    assert poetry_version(doc, stage, stage.instructions[-1].index) == version


def test_poetry_version_of_a_parent_stage():
    doc = parse("FROM python:3.11 AS base\nRUN pip install poetry==1.8.3\nFROM base AS build\nRUN poetry install\n")
    stage = doc.stages[1]
    assert poetry_version(doc, stage, stage.instructions[-1].index) == (1, 8, 3)


def test_locked_names_are_normalised_and_ignore_other_tables():
    lock = (
        '[[package]]\nname = "Flask_SQLAlchemy"\nversion = "3"\n\n[package.dependencies]\nname = "not-a-package"\n\n'
        '[[package]]\nname = "uvicorn"\n\n[metadata]\nname = "nope"\n'
    )
    assert locked_names(lock) == frozenset({"flask-sqlalchemy", "uvicorn"})


@pytest.mark.parametrize(
    ("copy", "path", "covered"),
    [
        ("COPY . .", "src/shelf", True),
        ("COPY src/ ./src/", "src/shelf", True),
        ("COPY src ./src", "src/shelf", True),
        ("COPY src/ .", "src/shelf", False),  # its content lands in /srv: shelf/ is not where the project expects it
        ("COPY README.md ./", "README.md", True),
        ("COPY README.md /srv/README.md", "README.md", True),
        ("COPY README.md docs/", "README.md", False),
        ("COPY --from=build /srv/src ./src", "src/shelf", False),
    ],
)
def test_covers(tmp_path, copy, path, covered):
    (tmp_path / "src" / "shelf").mkdir(parents=True)
    (tmp_path / "README.md").write_text("")
    (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\n')
    context = read_context(tmp_path)
    doc = parse(f"FROM python:3.12\nWORKDIR /srv\n{copy}\n")
    stage = doc.stages[0]
    assert covers(stage, [stage.instructions[-1]], path, "", "/srv", context.files) is covered


# --- `poetry run X` in the runtime stage, through the whole pipeline -----------------------------

PYPROJECT = '[tool.poetry]\nname = "svc"\nversion = "1"\npackage-mode = false\n'
NO_ROOT = (
    "FROM python:3.12-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n"
    'RUN poetry install --no-root\nCOPY . .\nCMD ["poetry", "run", "{program}", "--port", "80"]\n'
)


def context_with(tmp_path, lock_names):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "poetry.lock").write_text("".join(f'[[package]]\nname = "{n}"\n\n' for n in lock_names))
    return read_context(tmp_path)


@pytest.mark.parametrize(
    ("program", "lock"),
    [
        pytest.param("uvicorn", ["uvicorn"], id="locked-package"),
        pytest.param("django-admin", ["Django"], id="script-named-otherwise"),
        pytest.param("python3.12", [], id="python"),
        pytest.param("sh", [], id="a-shell-of-the-base-image"),
    ],
)
def test_poetry_run_dropped_when_the_program_will_be_in_the_venv(tmp_path, program, lock):
    result = run_pipeline(NO_ROOT.replace("{program}", program), context_with(tmp_path, lock))
    assert f'CMD ["{program}", "--port", "80"]' in result and "AS runtime" in result


def test_poetry_run_of_an_unknown_program_holds_the_split_back(tmp_path):
    from migrator.pipeline import migrate_text
    from migrator.transform import Settings

    text = NO_ROOT.replace("{program}", "svc-admin")
    result = migrate_text(text, context_with(tmp_path, ["uvicorn"]), Settings())
    assert "AS runtime" not in result.text and '"poetry", "run", "svc-admin"' in result.text
    [warning] = [w for w in result.warnings if w.code == "MIG003" and w.message.startswith("not split")]
    assert warning.line == 7
    assert "svc-admin is neither a script of the project nor a dependency it declares or locks" in warning.message


def test_poetry_run_of_a_declared_dependency_with_an_empty_lock(tmp_path):
    context = context_with(tmp_path, [])
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + '[tool.poetry.dependencies]\nGunicorn = "^22"\n')
    result = run_pipeline(NO_ROOT.replace("{program}", "gunicorn"), read_context(tmp_path))
    assert 'CMD ["gunicorn", "--port", "80"]' in result and context.locked == {"": frozenset()}


def test_poetry_run_without_context_and_without_root_holds_the_split_back():
    from migrator.pipeline import migrate_text
    from migrator.project import EMPTY_CONTEXT
    from migrator.transform import Settings

    result = migrate_text(NO_ROOT.replace("{program}", "svc"), EMPTY_CONTEXT, Settings())
    assert "AS runtime" not in result.text
    assert any("cannot tell whether svc is a script of the project" in w.message for w in result.warnings)


@pytest.mark.parametrize(
    ("version", "handling", "named"),
    [
        pytest.param(None, "fails", "the newest Poetry", id="unpinned"),
        pytest.param((2, 1, 3), "fails", "Poetry 2.1.3", id="2"),
        pytest.param((1, 8, 5), "warns", "Poetry 1.8.5", id="1.8"),
        pytest.param((1, 7), "warns", "Poetry 1.7", id="1.7"),
        # `except ModuleOrPackageNotFound: return 0` up to 1.6.1 (python-poetry#8369 added the warning in 1.7.0)
        pytest.param((1, 6, 1), "skips", "Poetry 1.6.1", id="1.6"),
        pytest.param((1, 0, 0), "skips", "Poetry 1.0.0", id="1.0"),
        pytest.param((0, 12, 17), "skips", "Poetry 0.12.17", id="0.12"),
        pytest.param((1, 99), "warns", "the newest Poetry 1.x", id="below-2"),
        pytest.param((1,), "warns", "the newest Poetry 1.x", id="1.*"),
    ],
)
def test_what_each_poetry_did_with_a_missing_root(version, handling, named):
    assert missing_root_handling(version) == handling
    assert poetry_named(version) == named
