"""Bad and unusual input: refused with one line naming the file and line, never lost.

Every case goes through the pipeline (migrate_source) and through the command line
(``python -m migrator``), because a bulk run meets these files through the CLI.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from migrator import pipeline
from migrator.pipeline import Status, migrate_source
from migrator.project import EMPTY_CONTEXT
from migrator.source import MAX_BYTES, encode
from migrator.transform import Settings

NAIVE = (
    b"FROM python:3.11-slim\n"
    b"RUN pip install poetry\n"
    b"WORKDIR /app\n"
    b"COPY . .\n"
    b"RUN poetry install --no-dev\n"
    b'CMD ["python", "-m", "app"]\n'
)

# (bytes, the line the refusal must name)
REFUSED = [
    pytest.param(b"FROM python:3.12\nRUN echo\x00\x01\x02\n", 2, id="binary-nul"),
    pytest.param(bytes(range(256)) * 4, 1, id="binary-all-bytes"),
    pytest.param("FROM python:3.12\nRUN poetry install\n".encode("utf-16"), 1, id="utf-16"),
    pytest.param(b"FROM python:3.12\nRUN echo caf\xe9\nRUN poetry install\n", 2, id="latin-1-in-instruction"),
    pytest.param(b"FROM python:3.12\nRUN <<EOF\npoetry install\n", 2, id="unterminated-heredoc"),
    pytest.param(b"FROM python:3.12\nRUN poetry install \\\n", 2, id="dangling-continuation"),
    pytest.param(
        b"FROM python:3.12\nRUN poetry install \\\n# only a comment follows\n", 2, id="dangling-continuation-comment"
    ),
    pytest.param(b'# a comment\nRUN poetry install\nCMD ["app"]\n', 2, id="no-from"),
    pytest.param(b"# escape=x\nFROM python:3.12\nRUN poetry install\n", 1, id="invalid-escape-directive"),
    pytest.param(
        b"FROM python:3.12\n" + b"RUN poetry install && echo padding padding padding\n" * 25_000,
        1,
        id="over-one-megabyte",
    ),
    pytest.param(
        b"".join(b"FROM python:3.12 AS s%d\nRUN poetry install\n" % i for i in range(3000)),
        201,
        id="thousands-of-stages",
    ),
]

LEFT_ALONE = [
    pytest.param(b"", id="empty"),
    pytest.param(b"\n\n", id="blank-lines"),
    pytest.param(b"# only a comment\n", id="comment-only"),
    pytest.param(b'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n', id="scratch"),
    pytest.param(b'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n', id="node"),
    pytest.param(b'FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN go build -o /app\nCMD ["/app"]\n', id="golang"),
    pytest.param(
        b'FROM python:3.12\nRUN pip install -r requirements.txt\nCMD ["python", "app.py"]\n', id="python-without-poetry"
    ),
    pytest.param(b"# migrator: skip-file\n" + NAIVE, id="skip-file"),
]


def run(data: bytes) -> pipeline.FileResult:
    return migrate_source("Dockerfile", data, Settings(), EMPTY_CONTEXT)


# --- through the pipeline ---------------------------------------------------------


@pytest.mark.parametrize(("data", "line"), REFUSED)
def test_refused_by_the_pipeline(data, line):
    result = run(data)
    assert result.status is Status.FAILED
    assert result.error and "\n" not in result.error
    assert result.error_line == line
    assert result.migrated == result.original  # nothing to write


@pytest.mark.parametrize("data", LEFT_ALONE)
def test_left_alone_by_the_pipeline(data):
    result = run(data)
    assert result.status in (Status.SKIPPED, Status.UNCHANGED)
    assert encode(result.migrated) == data


def test_a_large_file_is_refused_before_it_is_parsed(monkeypatch):
    def must_not_parse(text):
        raise AssertionError("a file over the size limit was parsed")

    monkeypatch.setattr(pipeline, "parse", must_not_parse)
    result = run(b"FROM python:3.12\n" + b"#" * MAX_BYTES)
    assert result.status is Status.FAILED and result.error_line == 1


def test_latin_1_comment_is_kept_byte_for_byte():
    comment = b"# Ma\xeftre d'\xe9quipe: caf\xe9\n"
    data = NAIVE.replace(b"WORKDIR /app\n", comment + b"WORKDIR /app\n")
    result = run(data)
    assert result.status is Status.MIGRATED
    output = encode(result.migrated)
    assert comment in output
    assert output != data


def test_latin_1_comment_inside_a_continuation_is_kept():
    data = NAIVE.replace(
        b"RUN poetry install --no-dev\n",
        b"RUN apt-get update \\\n    # d\xe9pendances\n    && poetry install --no-dev\n",
    )
    result = run(data)
    assert result.status is Status.MIGRATED
    assert b"    # d\xe9pendances\n" in encode(result.migrated)


def test_crlf_and_bom_survive_a_migration():
    data = b"\xef\xbb\xbf" + NAIVE.replace(b"\n", b"\r\n")
    output = encode(run(data).migrated)
    assert output.startswith(b"\xef\xbb\xbf") and output != data
    assert output.count(b"\n") == output.count(b"\r\n")


def test_missing_final_newline_stays_missing():
    data = NAIVE.rstrip(b"\n")
    output = encode(run(data).migrated)
    assert output != data and not output.endswith(b"\n")


# --- through the command line --------------------------------------------------------


def migrate(*args: str, stdin: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


def one_line_error(stderr: bytes, name: str, line: int) -> None:
    lines = [x for x in stderr.decode("utf-8", "replace").splitlines() if x.strip()]
    errors = [x for x in lines if x.startswith(f"{name}:")]
    assert len(errors) == 1, lines
    assert re.match(rf"^{re.escape(name)}:{line}: \S", errors[0]), errors[0]
    assert "Traceback" not in stderr.decode("utf-8", "replace")


@pytest.mark.parametrize(("data", "line"), REFUSED)
@pytest.mark.parametrize("mode", ["--write", "--check", "--diff"])
def test_refused_by_the_cli(tmp_path, data, line, mode):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(data)
    done = migrate(mode, str(dockerfile))
    assert done.returncode == 123, done.stderr
    one_line_error(done.stderr, str(dockerfile), line)
    assert dockerfile.read_bytes() == data


@pytest.mark.parametrize("data", LEFT_ALONE)
def test_left_alone_by_the_cli(tmp_path, data):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(data)
    done = migrate("--write", str(dockerfile))
    assert done.returncode == 0, done.stderr
    assert dockerfile.read_bytes() == data
    assert done.stdout == b""
    done = migrate("--check", str(dockerfile))
    assert done.returncode == 0, done.stderr


def test_good_files_are_written_and_bad_ones_kept(tmp_path):
    good = tmp_path / "good" / "Dockerfile"
    bad = tmp_path / "bad" / "Dockerfile"
    good.parent.mkdir()
    bad.parent.mkdir()
    good.write_bytes(NAIVE)
    bad.write_bytes(b"FROM python:3.12\nRUN <<EOF\npoetry install\n")
    done = migrate("--write", str(tmp_path))
    assert done.returncode == 123
    one_line_error(done.stderr, str(bad), 2)
    assert good.read_bytes() != NAIVE
    assert bad.read_bytes() == b"FROM python:3.12\nRUN <<EOF\npoetry install\n"


def test_symlinked_dockerfile_is_written_through(tmp_path):
    target = tmp_path / "docker" / "Dockerfile.real"
    target.parent.mkdir()
    target.write_bytes(NAIVE)
    link = tmp_path / "Dockerfile"
    link.symlink_to(target)
    done = migrate("--write", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_bytes() != NAIVE
    assert b"AS runtime" in target.read_bytes()


def test_file_mode_is_kept(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(NAIVE)
    dockerfile.chmod(0o640)
    done = migrate("--write", str(dockerfile))
    assert done.returncode == 0, done.stderr
    assert dockerfile.read_bytes() != NAIVE
    assert stat.S_IMODE(os.stat(dockerfile).st_mode) == 0o640


def test_latin_1_comment_survives_a_write(tmp_path):
    comment = b"# caf\xe9 cr\xe8me\n"
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_bytes(comment + NAIVE)
    done = migrate("--write", str(dockerfile))
    assert done.returncode == 0, done.stderr
    written = dockerfile.read_bytes()
    assert comment in written and written != comment + NAIVE


def test_stdin_is_migrated_to_stdout(tmp_path):
    done = migrate("--write", "-", stdin=NAIVE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert b"AS runtime" in done.stdout
    assert done.stdout == encode(run(NAIVE).migrated)


def test_stdin_refusal_is_one_line(tmp_path):
    done = migrate("--write", "-", stdin=b"FROM python:3.12\nRUN poetry install \\\n", cwd=tmp_path)
    assert done.returncode == 123
    lines = [x for x in done.stderr.decode().splitlines() if x.strip()]
    assert any(re.match(r"^(<stdin>|-):2: \S", x) for x in lines), lines
    assert b"Traceback" not in done.stderr
    assert b"RUN poetry install" not in done.stdout or done.stdout == b"FROM python:3.12\nRUN poetry install \\\n"


def test_empty_stdin(tmp_path):
    done = migrate("--write", "-", stdin=b"", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""


def test_unreadable_file_is_one_line(tmp_path):
    missing = tmp_path / "Dockerfile"
    done = migrate("--check", str(missing))
    assert done.returncode in (2, 123)
    assert b"Traceback" not in done.stderr


def test_a_shell_comment_after_a_command_is_not_edited():
    """`# --no-dev` after the command is a shell comment: nothing may be added inside it."""
    data = NAIVE.replace(b"RUN poetry install --no-dev\n", b"RUN poetry install # --no-dev && rm -rf /root/.cache\n")
    output = encode(run(data).migrated)
    assert b"poetry install --compile --no-root # --no-dev && rm -rf /root/.cache\n" in output
    assert b"# --without dev" not in output


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b"FROM --platform=linux/amd64\nWORKDIR /app\nCOPY . .\nRUN poetry install\n", id="from-without-image"
        ),
        pytest.param(
            b'FROM --"platform=$BUILDPLATFORM python:3.9\nWORKDIR /app\nRUN poetry install\n',
            id="from-flag-quote-left-open",
        ),
        pytest.param(b"FROM python:3.12\nWORKDIR /app\rENV A=1\nRUN poetry install\n", id="lone-carriage-return"),
    ],
)
def test_odd_but_parseable_files_never_cause_an_internal_error(data):
    result = run(data)
    assert result.detail is None, result.detail
    if result.status is Status.FAILED:
        assert result.error_line and "\n" not in result.error
