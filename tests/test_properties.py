"""Properties of the whole pipeline on generated Dockerfiles (hypothesis).

The generator assembles files from the pieces real Poetry Dockerfiles are made of:
directives, FROM python tags, ARG/ENV, RUN chains with continuations and comments
inside them, heredocs, JSON and shell CMD, COPY . ., pip install poetry, poetry install
variants, apt installs, CRLF, lower-case keywords, odd whitespace, unknown instructions.

Properties, for an empty project context and for a small real one:
- a FileResult always comes back; FAILED only with a one-line error, and then the
  output is the input; never an internal error, also on damaged files (quotes, escapes,
  heredoc markers, line breaks inserted or cut out at random);
- whatever comes out parses with BuildKit's parser (and ours);
- a second run changes nothing;
- untouched bytes are identical: every comment, blank line, directive and every
  instruction no transform owns appears verbatim in the output (comments may move
  with the instruction they describe); every line difflib sees changed belongs to an
  instruction a transform owns, and a changed output always lists its changes;
- line endings, the BOM and a missing final newline are kept.

Runs: ``CI=1`` (or ``MIGRATOR_PROPERTIES=ci``) selects a derandomized profile with a fixed number of examples, so CI
sees the same files every time; otherwise fewer, random examples (about a minute).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from pathlib import Path

import dockerfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.analysis import env_pairs, is_build_only_env
from migrator.model import BOM, Instruction, ParseError, Trivia, parse
from migrator.pipeline import FileResult, Status, migrate_source
from migrator.project import EMPTY_CONTEXT, read_context
from migrator.redact import redact
from migrator.source import encode
from migrator.transform import Settings

settings.register_profile(
    "migrator-ci",
    max_examples=600,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "migrator-dev",
    max_examples=400,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(
    "migrator-ci" if os.environ.get("CI") or os.environ.get("MIGRATOR_PROPERTIES") == "ci" else "migrator-dev"
)

# Instructions some transform may rewrite; everything else must come back verbatim.
OWNED_KEYWORDS = frozenset({"FROM", "RUN", "ENV", "ARG", "COPY", "ADD", "CMD", "ENTRYPOINT", "WORKDIR", "USER"})

# "⏎" is a line continuation in whichever escape character the file uses.
CONT = "⏎"

TAGS = ["3.9", "3.10", "3.11", "3.12", "3.13", "3.14"]
VARIANTS = ["", "-slim", "-bookworm", "-slim-bookworm"]

APT = [
    "apt-get update && apt-get install -y gcc libpq-dev && rm -rf /var/lib/apt/lists/*",
    f"apt-get update {CONT}    && apt-get install -y --no-install-recommends build-essential {CONT}    && rm -rf /var/lib/apt/lists/*",
    "apt-get update && apt-get install -y curl && apt-get clean",
]
POETRY_INSTALLERS = [
    "pip install poetry",
    "pip install --no-cache-dir poetry==1.8.3",
    'pip install "poetry==$POETRY_VERSION"',
    "pip3 install -U pip poetry",
    "python -m pip install poetry",
    "curl -sSL https://install.python-poetry.org | python3 -",
    "pipx install poetry",
]
POETRY_STEPS = [
    "poetry install",
    "poetry install --no-dev",
    "poetry install --no-dev --no-interaction --no-ansi",
    "poetry install --without dev --no-root",
    "poetry install --only main",
    "poetry install --sync",
    "poetry config virtualenvs.create false",
    "poetry config virtualenvs.in-project true",
    "poetry export -f requirements.txt --output requirements.txt && pip install -r requirements.txt",
    "poetry export -f requirements.txt | pip install -r /dev/stdin",
    "poetry run python -m compileall .",
]
OTHER_COMMANDS = [
    "echo hello",
    "mkdir -p /app/data",
    "pip cache purge",
    "rm -rf /root/.cache",
    "useradd -m app",
    "chmod +x /app/start.sh",
    "python -m compileall -q .",
]
ENVS = [
    "ENV PYTHONUNBUFFERED=1",
    f"ENV PYTHONUNBUFFERED=1 {CONT}    PYTHONDONTWRITEBYTECODE=1 {CONT}    PIP_NO_CACHE_DIR=off",
    "ENV POETRY_VERSION=1.8.3",
    "ENV POETRY_HOME=/opt/poetry PATH=/opt/poetry/bin:$PATH",
    "ENV PIP_NO_CACHE_DIR=1",
    "ENV POETRY_VIRTUALENVS_CREATE=false",
    "ENV LEGACY_FORM some value",
    "ENV POETRY_HTTP_BASIC_CORP_PASSWORD=hunter2",
    "ARG PIP_INDEX_URL=https://me:hunter2@pypi.corp.example/simple",
    "ARG APP_ENV=production",
    "ARG POETRY_VERSION",
]
RUNTIME = [
    'CMD ["python", "-m", "app"]',
    'CMD ["poetry", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]',
    "CMD poetry run gunicorn app:app",
    'ENTRYPOINT ["python", "main.py"]',
    "EXPOSE 8000",
    "HEALTHCHECK --interval=30s CMD curl -f http://localhost:8000/ || exit 1",
    'LABEL org.opencontainers.image.source="https://example.com/repo"',
    "USER app",
    'VOLUME ["/data"]',
    "STOPSIGNAL SIGTERM",
]
FILES = [
    "WORKDIR /app",
    "WORKDIR /srv/app",
    "COPY . .",
    "COPY . /app",
    "COPY pyproject.toml poetry.lock ./",
    "ADD . /app",
    "COPY --chown=1000:1000 . .",
]
EXTRA = [
    "RUN --mount=type=cache,target=/root/.cache/pip pip install poetry",
    "RUN set -ex; pip install poetry; poetry install",
    "RUN poetry install || true",
    "RUN cd /app && poetry install --no-root && poetry build",
    "RUN pip install --user poetry",
    'RUN ["pip", "install", "poetry"]',
    'RUN ["poetry", "install"]',
    "RUN python -m venv /opt/venv && /opt/venv/bin/pip install poetry",
    "ENV VIRTUAL_ENV=/opt/venv",
    'ENV PATH="/app/.venv/bin:$PATH"',
    'ENV POETRY_HOME="/opt/poetry"',
    "ENV POETRY_CACHE_DIR=/tmp/poetry_cache",
    "WORKDIR app",
    "USER root",
    "USER 1000:1000",
    "ARG PORT=8000",
    "EXPOSE $PORT",
    "HEALTHCHECK NONE",
    "ENTRYPOINT poetry run python -m app",
    "COPY <<EOF /etc/app.conf\nkey=value\nEOF",
    "# migrator: ignore=MIG003",
    "RUN apk add --no-cache gcc musl-dev",
    "RUN pip install poetry==1.1.0 && poetry config virtualenvs.create false && poetry install --no-dev --no-interaction --no-ansi",
    "RUN pip install poetry \\  \n    && poetry install",
    f"ENV PYTHONUNBUFFERED=1 {CONT}    # why buffering is off{CONT}    POETRY_NO_INTERACTION=1",
    "ONBUILD RUN poetry install",
    "CMD poetry run python -m app",
    "USER nobody",
    "WORKDIR /",
    "COPY poetry.lock pyproject.toml /app/",
    "ENV POETRY_VIRTUALENVS_IN_PROJECT=true",
    "ENV GITHUB_TOKEN=ghp_notreallyatoken",
    "ARG NPM_TOKEN",
    "RUN --mount=type=secret,id=pip_conf,target=/etc/pip.conf pip install poetry",
    "RUN poetry install --no-root && rm -rf $POETRY_CACHE_DIR",
    "RUN pip install poetry && poetry install # --no-dev && rm -rf /root/.cache",
    "RUN export V=$(python -c 'import sys; print(sys.version)') && poetry install --no-dev",
    'RUN POETRY_VERSION="$(cat /version)" pip install "poetry==$POETRY_VERSION"',
    "RUN poetry install `echo --no-dev`",
]
ODD = [
    "MAINTAINER someone@example.com",
    "FOO bar baz",
    "ONBUILD RUN echo onbuild",
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    "# a comment",
    "#comment without blank",
    "",
]
COMMENTS_IN_CONTINUATION = ["    # why this step", "  #tight comment", "", "    # a comment ending in the escape {esc}"]


@st.composite
def run_instruction(draw) -> str:
    commands = draw(
        st.lists(
            st.sampled_from(APT + POETRY_INSTALLERS + POETRY_STEPS + OTHER_COMMANDS),
            min_size=1,
            max_size=4,
        )
    )
    text = "RUN " + commands[0]
    for command in commands[1:]:
        if draw(st.booleans()):
            text += " && " + command
        else:
            inside = draw(st.lists(st.sampled_from(COMMENTS_IN_CONTINUATION), max_size=2))
            text += f" {CONT}" + "".join(line + "\n" for line in inside) + "    && " + command
    return text


@st.composite
def heredoc_instruction(draw) -> str:
    body = draw(st.lists(st.sampled_from(POETRY_INSTALLERS + POETRY_STEPS + OTHER_COMMANDS), min_size=1, max_size=3))
    name = draw(st.sampled_from(["EOF", "SCRIPT", "'EOF'", '"EOF"']))
    plain = name.strip("'\"")
    dash = draw(st.sampled_from(["", "-"]))
    indent = "\t" if dash else ""
    return f"RUN <<{dash}{name}\n" + "".join(f"{indent}{line}\n" for line in ["set -e", *body]) + f"{indent}{plain}"


@st.composite
def dockerfiles(draw) -> str:
    esc = draw(st.sampled_from(["\\", "\\", "\\", "`"]))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# syntax=docker/dockerfile:1")
    if esc == "`":
        lines.append("# escape=`")
    if draw(st.booleans()):
        lines.append("ARG PYTHON_VERSION=3.11")
    image = "python:" + draw(st.sampled_from(TAGS)) + draw(st.sampled_from(VARIANTS + ["-alpine"]))
    stage = draw(st.sampled_from(["", " AS app", " as build"]))
    platform = draw(st.sampled_from(["", "", "", "--platform=$BUILDPLATFORM "]))
    lines.append(f"FROM {platform}{image}{stage}")
    pieces = st.one_of(
        st.sampled_from(ENVS),
        st.sampled_from(FILES),
        st.sampled_from(ODD),
        st.sampled_from(EXTRA),
        run_instruction(),
        heredoc_instruction(),
        st.sampled_from(["RUN " + c for c in POETRY_INSTALLERS]),
        st.sampled_from(["RUN " + c for c in POETRY_STEPS]),
    )
    body = draw(st.lists(pieces, min_size=1, max_size=12))
    tail = draw(st.lists(st.sampled_from(RUNTIME), max_size=3))
    if stage and draw(st.integers(0, 3)) == 0:
        name = stage.split()[-1]
        tail = [f"\nFROM {image} AS final", f"COPY --from={name} /app /app", *tail]
    for piece in body + tail:
        if piece and not piece.startswith("#") and draw(st.integers(0, 9)) == 0:
            keyword, _, rest = piece.partition(" ")
            piece = keyword.lower() + " " + rest
        if piece and draw(st.integers(0, 14)) == 0:
            piece = draw(st.sampled_from(["  ", "\t", " "])) + piece
        if piece and "\n" not in piece and draw(st.integers(0, 14)) == 0:
            piece += draw(st.sampled_from(["  ", "\t"]))
        lines.append(piece)
    text = "\n".join(lines).replace(CONT, esc + "\n").replace("{esc}", esc)
    if draw(st.integers(0, 5)):
        text += "\n"
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 6)) == 0:
        text = BOM + text
    return text


# Damage done to a generated file: what a bad merge or a hand edit leaves behind.
DAMAGE = [
    '"',
    "'",
    "\\",
    "`",
    "<<EOF",
    "<<",
    "#",
    "\n",
    "$(",
    "&&",
    "--mount=",
    "=",
    " ",
    "[",
    "]",
    "\r\n",
    "\t",
    "EOF\n",
    ";",
    "|",
    "${",
    "}",
    ")",
    "AS ",
    "FROM ",
    "\\\n",
    "\\\\\n",
    "\u00a0",
    "é",
    "# escape=`\n",
    "<<\\EOF",
]


@st.composite
def damaged_dockerfiles(draw) -> str:
    text = draw(dockerfiles())
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:pos] + draw(st.sampled_from(DAMAGE)) + text[pos:]
        else:
            text = text[:pos] + text[draw(st.integers(pos, min(len(text), pos + 10))) :]
    return text


def _small_project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="migrator-properties-"))
    (root / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = []\n'
        'packages = [{ include = "app" }]\n\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\n\n'
        '[tool.poetry.scripts]\napp = "app.main:run"\n\n'
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    (root / "poetry.lock").write_text("# empty lock for the properties\n")
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / ".dockerignore").write_text(".venv\n")
    return root


PROJECT = read_context(_small_project())


# --- the properties --------------------------------------------------------------


def nodes_of(text: str) -> list:
    return list(parse(text).nodes)


def check_pipeline(text: str, project) -> FileResult:
    data = encode(text)
    result = migrate_source("Dockerfile", data, Settings(), project)
    assert isinstance(result, FileResult)
    if result.status is Status.FAILED:
        assert result.error and "\n" not in result.error, result.error
        assert result.migrated == result.original
        assert not result.detail, f"internal error:\n{result.detail}"
        return result
    output = result.migrated
    if result.status in (Status.UNCHANGED, Status.SKIPPED):
        assert output == text
        return result

    # It parses, with BuildKit's parser (when the input did) and ours.
    parse(output)
    if _buildkit_parses(text):
        dockerfile.parse_string(output)

    # A second run changes nothing.
    again = migrate_source("Dockerfile", encode(output), Settings(), project)
    assert again.status in (Status.UNCHANGED, Status.SKIPPED), (again.status, again.error, again.migrated)
    assert again.migrated == output

    # Line endings, BOM, missing final newline.
    assert output.startswith(BOM) == text.startswith(BOM)
    body = output.removeprefix(BOM)
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        assert body.count("\r\n") == body.count("\n"), "a CRLF file got LF lines"
    if "\r\n" not in text:
        assert "\r\n" not in body, "an LF file got CRLF lines"
    assert body.endswith("\n") == text.removeprefix(BOM).endswith("\n") or not text.strip()

    # Credentials: never in a message, never in a runtime stage the split created.
    for note in result.changes + result.warnings:
        assert "hunter2" not in redact(note.message), note
    out_doc = parse(output)
    if len(out_doc.stages) > len(parse(text).stages):
        for instruction in out_doc.stages[-1].instructions:
            if instruction.keyword in ("ENV", "ARG"):
                for key, value in env_pairs(instruction):
                    # A runtime ENV may hold one (the image needs it); a build setting may not.
                    build_only = instruction.keyword == "ARG" or is_build_only_env(key)
                    assert not (build_only and "hunter2" in value), f"{key} reached the runtime stage"

    # Untouched bytes are identical.
    assert result.changes, "the output changed but no change was reported"
    output_nodes = [n.raw for n in nodes_of(output)]
    output_raw_set = set(output_nodes)
    for node in nodes_of(text):
        if isinstance(node, Trivia):
            if node.kind == "comment":
                assert _raw_in(node.raw, output_raw_set), f"comment lost: {node.raw!r}"
            elif node.kind == "directive":
                assert node.raw in output_raw_set, f"directive lost: {node.raw!r}"
        elif isinstance(node, Instruction) and node.keyword not in OWNED_KEYWORDS:
            assert _raw_in(node.raw, output_raw_set), f"{node.keyword} at line {node.start_line} changed: {node.raw!r}"
    _changed_lines_are_owned(text, output, output_raw_set)
    return result


def _changed_lines_are_owned(text: str, output: str, output_raws: set[str]) -> None:
    """Every input line difflib sees removed belongs to an instruction a transform owns,
    or to a node that reappears verbatim elsewhere (moved, as CMD to the runtime stage)."""
    doc = parse(text)
    owner = {}
    for node in doc.nodes:
        for line in range(node.start_line, node.end_line + 1):
            owner[line] = node
    before = _lines(doc.text)
    after = _lines(parse(output).text)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag not in ("delete", "replace"):
            continue
        for index in range(i1, i2):
            node = owner[index + 1]
            if isinstance(node, Instruction) and node.keyword in OWNED_KEYWORDS:
                continue
            assert _raw_in(node.raw, output_raws), (
                f"line {index + 1} changed, and no transform owns it: {before[index]!r}"
            )


def _lines(text: str) -> list[str]:
    """Lines as the model counts them: only "\n" ends one (str.splitlines also breaks on "\r")."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _buildkit_parses(text: str) -> bool:
    try:
        dockerfile.parse_string(text)
    except dockerfile.GoParseError:
        return False
    except UnicodeDecodeError:
        # BuildKit splits flags on single bytes, so a non-breaking space in one comes
        # back as broken UTF-8 the binding cannot decode: no usable answer.
        return False
    return True


def _raw_in(raw: str, output: set[str]) -> bool:
    """Verbatim, allowing only the line ending of the file's last line to differ."""
    return raw in output or raw.rstrip("\r\n") in {o.rstrip("\r\n") for o in output}


@PROFILE
@given(dockerfiles())
def test_model_round_trips_and_agrees_with_buildkit(text):
    try:
        doc = parse(text)
    except ParseError as exc:
        # Refused: BuildKit refuses it too, or it is the one deliberate difference
        # (a continuation still open at the end of the file; see tests/test_model.py).
        assert not _buildkit_parses(text) or "continuation never ends" in exc.message, exc
        return
    assert doc.render() == text
    if not doc.instructions:
        return  # BuildKit refuses a file without instructions; the pipeline skips it
    try:
        commands = dockerfile.parse_string(text)
    except UnicodeDecodeError:
        return  # see _buildkit_parses: the binding has no usable answer
    ours = [(i.keyword, i.start_line, i.end_line) for i in doc.instructions]
    theirs = [(c.cmd.upper(), c.start_line, c.end_line) for c in commands]
    assert ours == theirs


@PROFILE
@given(dockerfiles())
def test_pipeline_without_context(text):
    check_pipeline(text, EMPTY_CONTEXT)


@PROFILE
@given(dockerfiles())
def test_pipeline_with_a_small_project(text):
    check_pipeline(text, PROJECT)


@PROFILE
@given(damaged_dockerfiles())
def test_pipeline_on_damaged_files(text):
    check_pipeline(text, PROJECT)
