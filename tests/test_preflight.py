"""Preflight: originals that cannot build or start are named, and only those.

Two lists, as for a transform: files with a break (the rule and the line it names)
and files that look alike but build and start (a false "cannot build" blocks a good
pull request). BuildKit's own parser (the `dockerfile` package) confirms how Docker
reads each broken form; the shell behaviours (dash has no `source`, `[[` or
`set -o pipefail`; no official python image has sudo) were checked on the sandbox's
Debian image.
"""

from __future__ import annotations

import dockerfile
import pytest

from migrator.model import parse
from migrator.pipeline import Status, migrate_source
from migrator.preflight import find_breaks
from migrator.project import EMPTY_CONTEXT, read_context
from migrator.transform import Settings

SLIM = "FROM python:3.11-slim\n"
POETRY = SLIM + "RUN pip install poetry==1.8.3\nWORKDIR /app\n"

FLAGGED = [
    # invalid JSON: BuildKit falls back to the shell form
    pytest.param(
        POETRY + "COPY . .\nRUN poetry install\nCMD ['python', 'main.py']\n", "invalid-json", 6, id="cmd-single-quotes"
    ),
    pytest.param(POETRY + 'COPY . .\nCMD ["streamlit" "run" "web.py"]\n', "invalid-json", 5, id="cmd-missing-commas"),
    pytest.param(SLIM + "ENTRYPOINT ['uvicorn', 'app:app']\n", "invalid-json", 2, id="entrypoint-single-quotes"),
    pytest.param(SLIM + "RUN ['pip', 'install', 'poetry']\n", "invalid-json", 2, id="run-single-quotes"),
    pytest.param("FROM node:20\nSHELL ['/bin/bash', '-c']\n", "invalid-json", 2, id="shell-single-quotes"),
    pytest.param(SLIM + 'CMD ["python", 3]\n', "json-not-strings", 2, id="cmd-number"),
    # exec form of a program whose name has blanks
    pytest.param(POETRY + 'CMD ["poetry run python main.py"]\n', "exec-with-spaces", 4, id="cmd-one-string"),
    pytest.param(
        SLIM + 'ENTRYPOINT ["poetry run python", "-m", "app"]\n', "exec-with-spaces", 2, id="entrypoint-first-word"
    ),
    pytest.param(SLIM + 'RUN ["pip install poetry"]\n', "exec-with-spaces", 2, id="run-one-string"),
    pytest.param(
        'FROM python:3.11-slim AS base\nCMD ["python app.py"]\nFROM base\nRUN true\n',
        "exec-with-spaces",
        2,
        id="cmd-inherited-from-parent-stage",
    ),
    # unknown flags
    pytest.param(SLIM + "COPY --chwon=app:app . .\n", "unknown-flag", 2, id="copy-chwon"),
    pytest.param(
        SLIM + "RUN --mounts=type=cache,target=/root/.cache pip install x\n", "unknown-flag", 2, id="run-mounts"
    ),
    pytest.param(SLIM + "ADD --from=build /a /a\n", "unknown-flag", 2, id="add-from"),
    pytest.param(
        "FROM python:3.11-slim AS unused\nCOPY --chmown=1 a b\nFROM python:3.11-slim\nRUN true\n",
        "unknown-flag",
        2,
        id="unknown-flag-in-an-unused-stage-still-fails-the-parse",
    ),
    # a trailing backslash swallows the next instruction
    pytest.param(
        POETRY + "COPY pyproject.toml .\nRUN pip install x \\\n && poetry install \\\nCOPY bot .\n",
        "swallowed-instruction",
        6,
        id="backslash-before-copy",
    ),
    pytest.param(
        SLIM + "RUN apt-get update \\\n\nRUN pip install poetry\n",
        "swallowed-instruction",
        2,
        id="backslash-before-blank-line",
    ),
    pytest.param(
        SLIM + "RUN apt-get update \\\n# a comment\n    RUN pip install poetry\n",
        "swallowed-instruction",
        2,
        id="backslash-before-comment",
    ),
    # sudo where there is none
    pytest.param(SLIM + "RUN sudo pip install poetry\n", "sudo", 2, id="sudo-slim"),
    pytest.param(
        "FROM python:3.10\nRUN sudo apt-get update && sudo apt-get install -y gcc\n", "sudo", 2, id="sudo-full-python"
    ),
    pytest.param("FROM ubuntu:22.04\nRUN sudo apt-get update\n", "sudo", 2, id="sudo-ubuntu"),
    # bash-isms under dash
    pytest.param(
        SLIM + "RUN python -m venv /v\nRUN source /v/bin/activate && pip install x\n", "bashism", 3, id="source-and"
    ),
    pytest.param(SLIM + "RUN source /v/bin/activate\n", "bashism", 2, id="source-alone"),
    pytest.param(SLIM + "RUN [[ -f x ]] && echo yes\n", "bashism", 2, id="double-bracket"),
    pytest.param(SLIM + "RUN set -o pipefail && curl -s x | sh\n", "bashism", 2, id="pipefail"),
    pytest.param(SLIM + "RUN set -euxo pipefail; echo\n", "bashism", 2, id="pipefail-cluster-ends-the-shell"),
    pytest.param(
        'FROM python:3.11-slim AS a\nSHELL ["/bin/bash", "-c"]\nFROM python:3.11-slim\nRUN source x && y\n',
        "bashism",
        4,
        id="shell-of-another-stage-does-not-count",
    ),
    # Poetry 2 has no --no-dev (MIG001 fixes it)
    pytest.param(
        POETRY.replace("1.8.3", "2.1.1") + "COPY . .\nRUN poetry install --no-dev\n",
        "no-dev-poetry-2",
        5,
        id="pinned-2",
    ),
    pytest.param(
        SLIM + "RUN pip install poetry\nCOPY . .\nRUN poetry install --no-dev\n",
        "no-dev-poetry-2",
        4,
        id="unpinned-on-3.11",
    ),
    pytest.param(
        SLIM
        + 'ENV POETRY_VERSION=2.0.1\nRUN pip install "poetry==$POETRY_VERSION"\n'
        + "COPY . .\nRUN poetry install --no-dev\n",
        "no-dev-poetry-2",
        5,
        id="pinned-through-env",
    ),
    pytest.param(
        SLIM + "RUN curl -sSL https://install.python-poetry.org | python3 -\nCOPY . .\nRUN poetry install --no-dev\n",
        "no-dev-poetry-2",
        4,
        id="official-installer-unpinned",
    ),
    pytest.param(
        "FROM python:3-slim\nRUN pip install poetry\nCOPY . .\nRUN poetry install --no-dev\n",
        "no-dev-poetry-2",
        4,
        id="python-3-tag",
    ),
    # Poetry never installed
    pytest.param(SLIM + "WORKDIR /app\nCOPY . .\nRUN poetry install\n", "no-poetry", 4, id="never-installed"),
    pytest.param(
        SLIM + "ENV PATH=/opt/poetry/bin:$PATH\nCOPY . /app\nWORKDIR /app\nRUN poetry install\n",
        "no-poetry",
        5,
        id="path-names-poetry-home-nothing-installs-it",
    ),
    # no pyproject.toml where Poetry looks
    pytest.param(POETRY + "COPY poetry.lock ./\nRUN poetry install\n", "no-pyproject", 5, id="lock-only"),
    pytest.param(
        POETRY + "COPY requirements.txt .\nCOPY src/ ./src/\nRUN poetry install\n",
        "no-pyproject",
        6,
        id="source-subfolder-only",
    ),
    pytest.param(
        SLIM + "RUN pip install poetry\nCOPY pyproject.toml poetry.lock /app/\nRUN poetry install\n",
        "no-pyproject",
        4,
        id="copied-elsewhere-no-workdir",
    ),
    pytest.param(
        POETRY + "COPY pyproject.toml ./\nRUN cd /srv && poetry install\n",
        "no-pyproject",
        5,
        id="cd-elsewhere-in-the-run",
    ),
    pytest.param(
        "FROM debian:bookworm\nRUN apt-get install -y python3-poetry\nRUN poetry install\n",
        "no-pyproject",
        3,
        id="debian-nothing-copied",
    ),
    pytest.param(POETRY + "COPY . .\nRUN poetry install -C /src\n", "no-pyproject", 5, id="directory-option-elsewhere"),
]


@pytest.mark.parametrize("text, rule, line", FLAGGED)
def test_flagged(text, rule, line):
    breaks = find_breaks(parse(text))
    assert [(b.rule, b.line) for b in breaks][:1] == [(rule, line)], [b.message for b in breaks]
    assert "\n" not in breaks[0].message and breaks[0].message.endswith(")")


NOT_FLAGGED = [
    pytest.param(POETRY + 'COPY . .\nRUN poetry install\nCMD ["python", "main.py"]\n', id="good"),
    pytest.param(SLIM + "RUN [ -f /etc/os-release ] && echo debian\n", id="test-bracket-shell-form"),
    pytest.param(SLIM + 'CMD ["python", "app.py"]  # start the app\n', id="text-after-the-array-is-ignored"),
    pytest.param(SLIM + "CMD [ -f /x ] && python app.py\n", id="cmd-test-bracket"),
    pytest.param(
        SLIM + 'ENTRYPOINT ["/bin/bash", "-c"]\nCMD ["poetry run alembic upgrade head && poetry run uvicorn a:app"]\n',
        id="one-string-cmd-given-to-bash-c",
    ),
    pytest.param(
        SLIM + 'ENTRYPOINT ["sh", "-c"]\nCMD ["poetry run mlflow server"]\n', id="one-string-cmd-given-to-sh-c"
    ),
    pytest.param(
        'FROM tiangolo/uvicorn-gunicorn:python3.11\nCMD ["start app"]\n', id="one-string-cmd-base-may-have-entrypoint"
    ),
    pytest.param(SLIM + "CMD ['python', 'a.py']\nCMD [\"python\", \"a.py\"]\n", id="overridden-cmd"),
    pytest.param(SLIM + 'ENTRYPOINT python main.py\nCMD ["x y"]\n', id="shell-entrypoint-ignores-cmd"),
    pytest.param(
        SLIM + "COPY --chown=1:1 --chmod=644 --link . .\nADD --checksum=sha256:00 https://x/y /y\n", id="known-flags"
    ),
    pytest.param(SLIM + "RUN --mount=type=cache,target=/root/.cache --network=none true\n", id="known-run-flags"),
    pytest.param(SLIM + 'RUN psql -c "SELECT 1 \\\nFROM users"\n', id="keyword-inside-quotes"),
    pytest.param(
        SLIM + "RUN apt-get update && apt-get install -y \\\n    curl \\\n    git\n", id="ordinary-continuation"
    ),
    pytest.param(SLIM + "RUN echo a \\\n    run-parts x\n", id="lowercase-word-is-not-a-keyword"),
    pytest.param("FROM circleci/python:3.7\nRUN sudo pip install poetry\n", id="sudo-in-an-image-that-has-it"),
    pytest.param(SLIM + "RUN apt-get update && apt-get install -y sudo\nRUN sudo true\n", id="sudo-installed-first"),
    pytest.param(SLIM + "RUN sudo true || true\n", id="sudo-failure-hidden"),
    pytest.param(SLIM + "RUN sudo true; echo done\n", id="sudo-failure-not-last"),
    pytest.param(
        "FROM python:3.8-alpine\nRUN source /v/bin/activate && pip install x\n", id="alpine-busybox-has-source"
    ),
    pytest.param(SLIM + 'SHELL ["/bin/bash", "-c"]\nRUN source /v/bin/activate && pip install x\n', id="bash-shell"),
    pytest.param(
        'FROM python:3.11-slim AS base\nSHELL ["/bin/bash", "-c"]\nFROM base\nRUN source x && y\n',
        id="bash-shell-inherited-from-parent-stage",
    ),
    pytest.param(SLIM + "RUN . /v/bin/activate && pip install x\n", id="dot-works-in-dash"),
    pytest.param(SLIM + "RUN source /v/bin/activate; pip install x\n", id="source-status-not-last"),
    pytest.param(SLIM + "RUN bash -c 'source /v/bin/activate && pip install x'\n", id="source-inside-bash-c"),
    pytest.param(SLIM + "RUN if [ -f x ]; then source x; fi\n", id="control-structure-not-judged"),
    pytest.param("FROM node:20\nRUN source x && y\n", id="unknown-base-not-judged"),
    pytest.param(POETRY + "COPY . .\nRUN poetry install --no-dev\n", id="no-dev-with-poetry-1"),
    pytest.param(
        "FROM python:3.8\nRUN pip install poetry\nCOPY . .\nRUN poetry install --no-dev\n", id="unpinned-on-3.8-is-1.8"
    ),
    pytest.param(SLIM + "RUN pip install 'poetry<2'\nCOPY . .\nRUN poetry install --no-dev\n", id="capped-below-2"),
    pytest.param(
        SLIM + "RUN pip install -r requirements.txt\nCOPY . .\nRUN poetry install\n", id="poetry-from-requirements"
    ),
    pytest.param("FROM acidrain/python-poetry:3.11\nCOPY . .\nRUN poetry install\n", id="poetry-image"),
    pytest.param(
        "FROM python:3.11-slim AS poetry\nRUN pip install poetry\n"
        + "FROM poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install\n",
        id="poetry-from-parent-stage",
    ),
    pytest.param(
        SLIM + "COPY --from=poetry /usr/local /usr/local\nCOPY . .\nRUN poetry install\n",
        id="poetry-copied-from-an-image",
    ),
    pytest.param(
        SLIM
        + "RUN curl -sSL https://install.python-poetry.org | python3 -\n"
        + "COPY . .\nRUN /root/.local/bin/poetry install\n",
        id="curl-installer",
    ),
    pytest.param(
        "FROM debian:bookworm\nRUN apt-get install -y python3-poetry\nCOPY . /app\nWORKDIR /app\nRUN poetry install\n",
        id="apt-poetry",
    ),
    pytest.param(POETRY + "COPY pyproject.toml poetry.lock ./\nRUN poetry install --no-root\n", id="manifests-first"),
    pytest.param(POETRY + "COPY . .\nWORKDIR /app/src\nRUN poetry install\n", id="pyproject-in-a-parent-folder"),
    pytest.param(POETRY + "COPY backend/ ./\nRUN poetry install\n", id="folder-contents-may-hold-it"),
    pytest.param(POETRY + "COPY *.toml ./\nRUN poetry install\n", id="glob"),
    pytest.param(
        POETRY + "RUN --mount=type=bind,source=pyproject.toml,target=pyproject.toml poetry install\n", id="bind-mount"
    ),
    pytest.param(POETRY + "RUN --mount=type=bind,target=. poetry install\n", id="bind-mount-whole-context"),
    pytest.param(POETRY + "COPY pyproject.toml /app\nRUN poetry install\n", id="copy-into-existing-folder"),
    pytest.param(POETRY + "RUN git clone https://example.com/x.git . && poetry install\n", id="cloned"),
    pytest.param(POETRY + "RUN poetry init -n && poetry install\n", id="poetry-init"),
    pytest.param(POETRY + "COPY . .\nRUN poetry install -C $PROJECT_DIR\n", id="directory-option-unknown-target"),
    pytest.param(POETRY + "ADD app.tar.gz /app/\nRUN poetry install\n", id="archive"),
    pytest.param(
        "FROM python:3.11-slim AS base\nRUN pip install poetry\nONBUILD COPY . /app\nFROM base\nWORKDIR /app\n"
        "RUN poetry install\n",
        id="onbuild-trigger",
    ),
    pytest.param(
        "FROM myorg/app-base\nRUN pip install poetry\nWORKDIR /app\nRUN poetry install\n", id="base-may-hold-project"
    ),
    pytest.param(
        "FROM python:3.11-slim AS test\nRUN sudo x && source y\nFROM python:3.11-slim\nRUN pip install poetry\n",
        id="run-breaks-in-a-stage-the-final-image-does-not-need",
    ),
]


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_not_flagged(text):
    assert [b.message for b in find_breaks(parse(text))] == []


# --- BuildKit's parser confirms how Docker reads each broken form ----------------


def buildkit(text: str):
    return dockerfile.parse_string(text)


def test_buildkit_runs_single_quoted_json_as_shell_form():
    command = buildkit("CMD ['uvicorn', 'app:app']\n")[0]
    assert command.json is False and command.value == ("['uvicorn', 'app:app']",)
    assert buildkit('CMD ["streamlit" "run"]\n')[0].json is False


def test_buildkit_reads_a_one_string_exec_form_as_one_program():
    command = buildkit('CMD ["poetry run python main.py"]\n')[0]
    assert command.json is True and command.value == ("poetry run python main.py",)


def test_buildkit_ignores_text_after_a_json_array():
    command = buildkit('CMD ["python", "app.py"]  # start the app\n')[0]
    assert command.json is True and command.value == ("python", "app.py")


def test_buildkit_reads_the_test_bracket_as_shell_form():
    assert buildkit("RUN [ -f x ] && echo y\n")[0].json is False


def test_buildkit_refuses_json_arrays_of_other_things_than_strings():
    with pytest.raises(dockerfile.GoParseError):
        buildkit('CMD ["python", 3]\n')


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("RUN apt-get update \\\nCOPY . .\n", id="next-line"),
        pytest.param("RUN apt-get update \\\n\nCOPY . .\n", id="blank-line-between"),
        pytest.param("RUN apt-get update \\\n# comment\nCOPY . .\n", id="comment-between"),
    ],
)
def test_buildkit_joins_the_swallowed_instruction(text):
    commands = buildkit(SLIM + text)
    assert [c.cmd.upper() for c in commands] == ["FROM", "RUN"]
    assert commands[1].original.endswith("COPY . .")
    assert [b.rule for b in find_breaks(parse(SLIM + text))] == ["swallowed-instruction"]


def test_buildkit_parses_an_unknown_flag_and_leaves_it_to_the_build():
    # The parser keeps the flag; the build stops with "Unknown flag: chwon" (seen on the sandbox engine).
    command = buildkit("COPY --chwon=app:app . .\n")[0]
    assert command.flags == ("--chwon=app:app",)
    assert [f.name for f in parse(SLIM + "COPY --chwon=app:app . .\n").instructions[1].flags] == ["chwon"]


# --- in the pipeline ---------------------------------------------------------------


def run(text: str, settings: Settings | None = None):
    return migrate_source("Dockerfile", text.encode(), settings or Settings(), EMPTY_CONTEXT)


def test_a_file_that_cannot_start_fails_unchanged_with_one_line():
    text = POETRY + "COPY . .\nRUN poetry install\nCMD ['python', 'main.py']\n"
    result = run(text)
    assert result.status is Status.FAILED
    assert result.migrated == text
    assert result.error_line == 6
    assert result.error.startswith("CMD ['python', 'main.py'] is not JSON")
    assert result.error.endswith('(write CMD ["python", "main.py"])')


def test_further_breaks_are_named_by_line():
    text = SLIM + "RUN sudo pip install poetry\nCOPY --chwon=1 . .\nCMD ['python']\n"
    result = run(text)
    assert result.status is Status.FAILED and result.error_line == 2
    assert result.error.endswith("; also lines 3, 4")


def test_a_break_a_transform_fixes_lets_the_migration_through_with_a_note():
    text = POETRY.replace("1.8.3", "2.1.1") + 'COPY . .\nRUN poetry install --no-dev\nCMD ["python", "main.py"]\n'
    result = run(text)
    assert result.status is Status.MIGRATED
    assert "--no-dev" not in result.migrated
    notes = [n for n in result.warnings if n.code == "preflight"]
    assert [(n.line, n.message) for n in notes] == [
        (
            5,
            "the original as written fails here: `--no-dev` fails: Poetry 2 removed it and Poetry 2.1.1 is installed; "
            "fixed by MIG001",
        )
    ]


def test_a_fixable_break_the_selected_transforms_leave_in_place_fails():
    text = POETRY.replace("1.8.3", "2.1.1") + 'COPY . .\nRUN poetry install --no-dev\nCMD ["python", "main.py"]\n'
    result = run(text, Settings(select=frozenset({"MIG005"})))
    assert result.status is Status.FAILED and result.error_line == 5
    assert result.migrated == text
    assert "--no-dev" in result.error


def test_a_break_a_transform_fixes_does_not_hide_one_it_does_not():
    # No COPY at all: --no-dev is fixed by MIG001, the missing pyproject.toml by nothing.
    text = "FROM python:3.9\nRUN pip install poetry\nRUN poetry install --no-dev\n"
    assert [(b.rule, b.fixable) for b in find_breaks(parse(text))] == [("no-pyproject", False)]
    result = run(text)
    assert result.status is Status.FAILED and "pyproject.toml" in result.error


def test_a_break_the_migration_would_bring_in_refuses_the_file(monkeypatch):
    from migrator import pipeline
    from migrator.model import replace as replace_node
    from migrator.transform import Outcome, Safety, Transform

    def drop_the_manifests(doc, project, settings):
        copy = next((i for i in doc.instructions if i.keyword == "COPY"), None)
        return Outcome(edits=(replace_node(copy, ""),)) if copy else Outcome()

    broken = Transform("MIG990", "drop-copy", "test", Safety.SAFE, drop_the_manifests, "")
    monkeypatch.setattr(pipeline, "selected_transforms", lambda settings: [broken])
    text = POETRY + 'COPY pyproject.toml poetry.lock ./\nRUN poetry install\nCMD ["python", "-m", "app"]\n'
    result = run(text)
    assert result.status is Status.FAILED and result.migrated == text
    assert result.error.startswith("the migration would break line 4 of its output (`poetry install` runs in /app")
    assert result.error.endswith("the file is left unchanged: please report it")


def test_a_file_that_is_not_poetry_is_still_skipped():
    result = run("FROM python:3.11-slim\nRUN sudo apt-get update\n")
    assert result.status is Status.SKIPPED


# --- a venv off PATH: needs the project context (poetry.toml may turn the venv off) ----

VENV_CMD = POETRY + 'COPY . .\nRUN poetry install --no-root\nCMD ["uvicorn", "app.main:app"]\n'


@pytest.fixture
def context(tmp_path):
    def make(poetry_toml: str | None = None):
        (tmp_path / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\nversion = "0"\npackage-mode = false\n')
        if poetry_toml is not None:
            (tmp_path / "poetry.toml").write_text(poetry_toml)
        return read_context(tmp_path)

    return make


def test_a_server_in_a_venv_off_path_is_flagged_and_fixable(context):
    breaks = find_breaks(parse(VENV_CMD), context())
    assert [(b.rule, b.line, b.fixed_by) for b in breaks] == [("venv-not-on-path", 6, "MIG001 and MIG003")]


@pytest.mark.parametrize(
    "text, poetry_toml",
    [
        pytest.param(VENV_CMD, "[virtualenvs]\ncreate = false\n", id="poetry-toml-turns-the-venv-off"),
        pytest.param(
            VENV_CMD.replace("poetry install", "poetry config virtualenvs.create false && poetry install"),
            None,
            id="config-create-false",
        ),
        pytest.param(
            VENV_CMD.replace("WORKDIR", "ENV POETRY_VIRTUALENVS_CREATE=false\nWORKDIR"), None, id="env-create-false"
        ),
        pytest.param(VENV_CMD.replace("WORKDIR", 'ENV PATH="/app/.venv/bin:$PATH"\nWORKDIR'), None, id="venv-on-path"),
        pytest.param(
            VENV_CMD.replace("COPY . .", "RUN pip install uvicorn\nCOPY . ."), None, id="installed-by-pip-too"
        ),
        pytest.param(
            VENV_CMD.replace("COPY . .", "RUN pip install 'fastapi[standard]'\nCOPY . ."),
            None,
            id="pip-extra-may-bring-it",
        ),
        pytest.param(
            VENV_CMD.replace("COPY . .", "RUN apt-get install -y gunicorn\nCOPY . ."), None, id="apt-may-bring-it"
        ),
        pytest.param(VENV_CMD.replace('["uvicorn"', '["poetry", "run", "uvicorn"'), None, id="poetry-run"),
        pytest.param(VENV_CMD.replace("CMD", 'ENTRYPOINT ["/entrypoint.sh"]\nCMD'), None, id="entrypoint-may-activate"),
        pytest.param(VENV_CMD.replace('["uvicorn"', '["myapp"'), None, id="program-not-known-to-be-an-app-server"),
    ],
)
def test_a_server_that_may_be_on_path_is_not_flagged(context, text, poetry_toml):
    assert [b.message for b in find_breaks(parse(text), context(poetry_toml))] == []


def test_without_the_context_a_venv_off_path_is_not_judged():
    assert find_breaks(parse(VENV_CMD), EMPTY_CONTEXT) == []


# --- on the command line: a failed file, exit 123, the JSON report's error -----------


def test_the_command_line_names_the_break_exits_123_and_writes_nothing(tmp_path):
    import json

    from click.testing import CliRunner

    from migrator.options import cli

    text = POETRY + "COPY . .\nRUN poetry install\nCMD ['python', 'main.py']\n"
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["--write", str(path)], catch_exceptions=False)
    assert result.exit_code == 123
    assert f"{path}:6: CMD ['python', 'main.py'] is not JSON" in result.stderr
    assert "1 file failed" in result.stderr
    assert path.read_text() == text
    report = CliRunner().invoke(cli, ["--check", "--format", "json", str(path)], catch_exceptions=False)
    assert report.exit_code == 123
    record = json.loads(report.stdout)["files"][0]
    assert record["status"] == "failed" and record["diff"] is None
    assert record["error"]["line"] == 6 and record["error"]["message"].startswith("CMD ['python', 'main.py']")


# --- the image's Python outside the project's constraint (needs the project context) ----

CONSTRAINED = "FROM {image}\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\n"


def pyproject(python: str | None = None, requires: str | None = None) -> str:
    text = '[tool.poetry]\nname = "x"\nversion = "0"\n'
    if python is not None:
        text += f'[tool.poetry.dependencies]\npython = "{python}"\n'
    if requires is not None:
        text = f'[project]\nname = "x"\nrequires-python = "{requires}"\n' + text.replace('name = "x"\n', "", 1)
    return text


@pytest.fixture
def constrained(tmp_path):
    def make(text: str) -> object:
        (tmp_path / "pyproject.toml").write_text(text)
        return read_context(tmp_path)

    return make


@pytest.mark.parametrize(
    "image, toml",
    [
        pytest.param("python:3.11-slim", pyproject("^3.12"), id="caret-slim"),
        pytest.param("python:3.9-slim-bullseye", pyproject(">=3.10,<3.13"), id="range"),
        pytest.param("python:3.12-slim", pyproject("~3.11"), id="tilde-below"),
        pytest.param("python:3.8-slim", pyproject(">= 3.9, < 4.0"), id="spaced-range"),
        pytest.param("python:3.10-slim", pyproject("3.11.*"), id="wildcard"),
        pytest.param("python:3.10-slim", pyproject("~3.8 || ^3.11", ">=3.11"), id="both-exclude"),
        pytest.param("python:3.9-bullseye", pyproject("^3.11"), id="full-image-its-debian-python-excluded-too"),
    ],
)
def test_a_python_outside_the_constraint_is_flagged(constrained, image, toml):
    text = CONSTRAINED.format(image=image)
    breaks = find_breaks(parse(text), constrained(toml))
    assert [(b.rule, b.line, b.fixable) for b in breaks] == [("python-outside-constraint", 5, False)]
    assert f"{image} (line 1) runs Python" in breaks[0].message and "\n" not in breaks[0].message


def test_the_python_message_names_the_constraint_and_the_nearest_image(constrained):
    breaks = find_breaks(parse(CONSTRAINED.format(image="python:3.11-slim")), constrained(pyproject("^3.12")))
    assert breaks[0].message == (
        'python:3.11-slim (line 1) runs Python 3.11, which pyproject.toml\'s python = "^3.12" excludes, and the '
        'image has no other Python, so `poetry install` fails with "The currently activated Python version ... is '
        'not supported by the project" (use python:3.12-slim on line 1, or widen the constraint)'
    )


def test_requires_python_alone_binds_poetry_2_only(constrained):
    toml = pyproject(None, ">=3.8,<3.13")
    poetry_2 = CONSTRAINED.format(image="python:3.13-slim").replace("1.8.5", "2.1.1")
    breaks = find_breaks(parse(poetry_2), constrained(toml))
    assert [(b.rule, b.line) for b in breaks] == [("python-outside-constraint", 5)]
    assert 'requires-python = ">=3.8,<3.13" excludes' in breaks[0].message
    # Poetry 1 reads no [project] table, so it installs on 3.13 whatever requires-python says.
    assert find_breaks(parse(CONSTRAINED.format(image="python:3.13-slim")), constrained(toml)) == []


def test_the_python_is_read_through_an_arg_default(constrained):
    text = "ARG PY=3.10\n" + CONSTRAINED.format(image="python:${PY}-slim")
    breaks = find_breaks(parse(text), constrained(pyproject("^3.11")))
    assert [(b.rule, b.line) for b in breaks] == [("python-outside-constraint", 6)]
    assert breaks[0].message.startswith("python:3.10-slim (line 2) runs Python 3.10")


@pytest.mark.parametrize(
    "text, toml",
    [
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject("^3.11"), id="allowed"),
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject(">=3.11.4"), id="patch-unknown"),
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject("^3.12", ">=3.10"), id="one-allows"),
        pytest.param(
            CONSTRAINED.format(image="python:3.11-slim"), pyproject(">=3.10,!=3.11.*"), id="not-equal-left-out"
        ),
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject("*"), id="any"),
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject(">=3.12.0rc1"), id="pre-release-unsure"),
        pytest.param(CONSTRAINED.format(image="python:3.11-slim"), pyproject(), id="no-constraint"),
        pytest.param(CONSTRAINED.format(image="python:3.9"), pyproject("^3.11"), id="full-image-debian-python-may-do"),
        pytest.param(CONSTRAINED.format(image="python:3.7"), pyproject("^3.8"), id="full-image-release-unknown"),
        pytest.param(CONSTRAINED.format(image="python:3-slim"), pyproject("^3.14"), id="minor-unknown"),
        pytest.param(CONSTRAINED.format(image="python:slim"), pyproject("^3.14"), id="latest"),
        pytest.param(CONSTRAINED.format(image="python:3.10-alpine"), pyproject("^3.11"), id="alpine-not-judged"),
        pytest.param(CONSTRAINED.format(image="myorg/python:3.10"), pyproject("^3.11"), id="custom-image"),
        pytest.param(
            CONSTRAINED.format(image="python:3.10-slim").replace(
                "WORKDIR", "RUN apt-get update && apt-get install -y python3.11\nWORKDIR"
            ),
            pyproject("^3.11"),
            id="another-python-installed",
        ),
        pytest.param(
            CONSTRAINED.format(image="python:3.10-slim").replace("WORKDIR", "RUN uv python install 3.12\nWORKDIR"),
            pyproject("^3.11"),
            id="uv-python",
        ),
        pytest.param(
            CONSTRAINED.format(image="python:3.10-slim").replace("COPY . .", "RUN git clone https://x/y.git ."),
            pyproject("^3.11"),
            id="project-cloned-not-the-context",
        ),
        pytest.param(
            CONSTRAINED.format(image="python:3.10-slim").replace("COPY . .", "COPY --from=src /app ."),
            pyproject("^3.11"),
            id="copied-from-another-stage",
        ),
        pytest.param(
            CONSTRAINED.format(image="python:3.10-slim").replace("--no-root", "--no-root || true"),
            pyproject("^3.11"),
            id="failure-hidden",
        ),
    ],
)
def test_a_python_that_may_be_allowed_is_not_flagged(constrained, text, toml):
    assert [b.message for b in find_breaks(parse(text), constrained(toml))] == []


def test_without_the_context_the_python_constraint_is_not_judged():
    assert find_breaks(parse(CONSTRAINED.format(image="python:3.11-slim")), EMPTY_CONTEXT) == []


def test_python_constraints_parse_as_poetry_reads_them():
    from migrator.preflight import _allows_minor, parse_python_constraint

    def minors(text):
        ranges = parse_python_constraint(text)
        return None if ranges is None else [m for m in range(6, 15) if _allows_minor(ranges, (3, m))]

    assert minors("^3.8") == [8, 9, 10, 11, 12, 13, 14]
    assert minors("~3.8") == [8]
    assert minors("~=3.8") == [8, 9, 10, 11, 12, 13, 14]
    assert minors("~=3.8.1") == [8]
    assert minors(">=3.8,<3.11") == [8, 9, 10]
    assert minors(">=3.8 <3.11") == [8, 9, 10]
    assert minors("3.9.*") == minors("==3.9.*") == minors("3.9") == minors("==3.9") == [9]
    assert minors(">3.8") == [8, 9, 10, 11, 12, 13, 14]  # 3.8.1 > 3.8
    assert minors("<=3.8") == [6, 7, 8]
    assert minors("^3.8 || ~3.6") == [6, 8, 9, 10, 11, 12, 13, 14]
    assert minors(">=3.8,!=3.9.*") == [8, 9, 10, 11, 12, 13, 14]  # `!=` left out: allows more, never less
    assert minors("*") == [6, 7, 8, 9, 10, 11, 12, 13, 14]
    assert minors(">=3.8.0b1") is None and minors("===3.8") is None and minors("^3.x") is None


# --- options Poetry 2 removed, which no transform rewrites ----------------------------

SOURCE_ADD = (
    "FROM python:3.10\nWORKDIR /app\nCOPY . .\nRUN {install}\nRUN poetry source add {option} mirror https://x/simple\n"
)


@pytest.mark.parametrize(
    "install, option",
    [
        pytest.param("pip3 install poetry", "--default", id="unpinned-default"),
        pytest.param("pip install poetry==2.1.1", "--secondary", id="pinned-2-secondary"),
        pytest.param("curl -sSL https://install.python-poetry.org | python3 -", "--default", id="official-installer"),
    ],
)
def test_a_source_option_poetry_2_removed_is_flagged(install, option):
    breaks = find_breaks(parse(SOURCE_ADD.format(install=install, option=option)))
    assert [(b.rule, b.line, b.fixable) for b in breaks] == [("removed-poetry-option", 5, False)]
    assert breaks[0].message.startswith(f"`poetry source add {option}` fails: Poetry 2 removed {option}")


@pytest.mark.parametrize(
    "install, option",
    [
        pytest.param("pip install poetry==1.8.5", "--default", id="poetry-1-knows-it"),
        pytest.param("pip install 'poetry<2'", "--default", id="capped-below-2"),
        pytest.param("pip3 install poetry", "--priority=primary", id="the-poetry-2-spelling"),
        pytest.param("pip install poetry", "--priority primary", id="the-poetry-2-spelling-two-words"),
    ],
)
def test_a_source_option_the_poetry_knows_is_not_flagged(install, option):
    assert [b.message for b in find_breaks(parse(SOURCE_ADD.format(install=install, option=option)))] == []


def test_a_source_option_on_python_3_8_is_not_judged():
    # Unpinned on 3.8 installs Poetry 1.8.5, which still knows --default.
    text = SOURCE_ADD.format(install="pip install poetry", option="--default").replace("3.10", "3.8")
    assert find_breaks(parse(text)) == []


# --- apt-get install with no package lists -------------------------------------------

APT = "FROM {image}\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY . .\n{run}\nRUN poetry install\n"


@pytest.mark.parametrize(
    "image, run",
    [
        pytest.param("python:3.8", "RUN apt install ffmpeg -y", id="apt-ffmpeg-full-image"),
        pytest.param("python:3.11-slim", "RUN apt-get install -y --no-install-recommends gcc", id="gcc-on-slim"),
        pytest.param(
            "python:3.11-slim",
            "RUN DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold install -y git",
            id="options-and-assignment",
        ),
        pytest.param("debian:bookworm", "RUN apt-get install -y curl && rm -rf /var/lib/apt/lists/*", id="debian"),
        pytest.param("ubuntu:22.04", "RUN apt-get install -y build-essential", id="ubuntu"),
        pytest.param("python:3.11", "RUN apt-get install -y libpq5=15.* nodejs", id="one-absent-among-others"),
    ],
)
def test_apt_install_without_lists_is_flagged(image, run):
    text = APT.format(image=image, run=run)
    breaks = [b for b in find_breaks(parse(text)) if b.rule == "apt-without-update"]
    assert [(b.line, b.fixable) for b in breaks] == [(5, False)]
    assert "ships no package lists" in breaks[0].message and "Unable to locate package" in breaks[0].message


@pytest.mark.parametrize(
    "image, run",
    [
        pytest.param("python:3.8", "RUN apt-get update && apt-get install -y ffmpeg", id="update-first"),
        pytest.param("python:3.8", "RUN apt-get update -qq\nRUN apt install -y ffmpeg", id="update-in-an-earlier-run"),
        pytest.param("python:3.11", "RUN apt-get install -y gcc git curl", id="full-image-has-build-tools"),
        pytest.param("python:3.11-slim", "RUN apt-get install -y tzdata ca-certificates", id="installed-ones"),
        pytest.param("python:3.11-slim", "RUN apt-get install -y $PACKAGES", id="packages-unknown"),
        pytest.param("python:3.11-slim", "RUN apt-get install -y ./tool.deb", id="local-deb"),
        pytest.param("python:3.11-slim", "RUN apt-get install -y ffmpeg || true", id="failure-hidden"),
        pytest.param("python:3.11-slim", "RUN ./setup.sh && apt-get install -y ffmpeg", id="script-may-update"),
        pytest.param("python:3.11-slim", "RUN sh -c 'apt-get update' && apt-get install -y ffmpeg", id="sh-c-update"),
        pytest.param(
            "python:3.11-slim",
            "RUN --mount=type=cache,target=/var/lib/apt apt-get install -y ffmpeg",
            id="cache-mount-on-the-lists",
        ),
        pytest.param(
            "python:3.11-slim", "COPY --from=base /var/lib/apt /var/lib/apt\nRUN apt-get install -y ffmpeg", id="copied"
        ),
        pytest.param("python:3.11-alpine", "RUN apt-get install -y ffmpeg", id="alpine-not-judged"),
        pytest.param("myorg/python:3.11", "RUN apt-get install -y ffmpeg", id="custom-image-may-have-lists"),
        pytest.param("python:3.11-slim", "RUN apt-get remove -y gcc", id="other-subcommand"),
    ],
)
def test_apt_install_that_may_find_its_packages_is_not_flagged(image, run):
    breaks = find_breaks(parse(APT.format(image=image, run=run)))
    assert [b.message for b in breaks if b.rule == "apt-without-update"] == []


def test_apt_lists_fetched_in_a_parent_stage_count():
    text = "FROM python:3.11-slim AS base\nRUN apt-get update\nFROM base\nRUN apt-get install -y ffmpeg\n"
    assert find_breaks(parse(text)) == []


# --- archived Debian releases (TP-Taller-II: python:3.7.7-stretch + apt-get update) -----------


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        pytest.param("FROM python:3.7.7-stretch\nRUN apt-get update\n", 2, id="python-stretch"),
        pytest.param("FROM debian:9\nRUN apt-get update && apt-get install -y curl\n", 2, id="debian-9"),
        pytest.param("FROM debian:jessie-slim\nRUN apt update\n", 2, id="jessie"),
        pytest.param("FROM python:3.7-bullseye\nRUN apt-get update\n", None, id="bullseye"),
        pytest.param("FROM python:3.7.7-stretch\nRUN apt-get update || true\n", None, id="status-hidden"),
        pytest.param(
            "FROM python:3.7.7-stretch\n"
            "RUN sed -i s/deb.debian.org/archive.debian.org/ /etc/apt/sources.list && apt-get update\n",
            None,
            id="pointed-at-the-archive",
        ),
        pytest.param(
            "FROM python:3.7.7-stretch\nCOPY sources.list /etc/apt/\nRUN apt-get update\n", None, id="copied-sources"
        ),
        pytest.param("FROM myorg/stretch-base\nRUN apt-get update\n", None, id="unknown-image"),
    ],
)
def test_apt_update_on_an_archived_debian_release(text, flagged):
    breaks = [b for b in find_breaks(parse(text)) if b.rule == "archived-release"]
    assert [b.line for b in breaks] == ([flagged] if flagged else [])
    if flagged:
        assert "archive.debian.org" in breaks[0].message and "\n" not in breaks[0].message
