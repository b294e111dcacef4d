"""The model against BuildKit's own parser, and its editing primitives.

BuildKit's parser (the ``dockerfile`` package wraps moby/buildkit's Go code) is the
reference: for every case the model must see the same instructions on the same
lines, with the same flags and heredocs, and must give the input back byte for byte.
"""

from __future__ import annotations

import dockerfile
import pytest

from migrator import shell
from migrator.model import (
    BOM,
    EditConflict,
    Instruction,
    ParseError,
    apply_edits,
    delete,
    insert_before,
    parse,
    replace,
)

CASES = [
    # parser directives
    pytest.param("# syntax=docker/dockerfile:1\nFROM python:3.12\n", id="syntax-directive"),
    pytest.param(
        "#syntax=docker/dockerfile:1.7\n#escape=`\nFROM python:3.12\nRUN echo a `\n  && echo b\n",
        id="directives-without-blanks",
    ),
    pytest.param(
        "# escape=`\nFROM python:3.12\nRUN pip install poetry `\n    && poetry --version\n", id="escape-backtick"
    ),
    pytest.param("# ESCAPE=`\nFROM python:3.12\nRUN a `\n b\n", id="escape-upper-case-key"),
    pytest.param("#  escape = `  \nFROM python:3.12\nRUN a `\n b\n", id="escape-with-blanks"),
    pytest.param(
        "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo done\n",
        id="escape-backtick-keeps-backslash",
    ),
    pytest.param(
        "# escape=`\nFROM python:3.12\nRUN a `\n  # comment `\n  b\n", id="escape-backtick-comment-in-continuation"
    ),
    pytest.param("# escape=\\\nFROM python:3.12\nRUN a \\\n  b\n", id="escape-backslash-explicit"),
    pytest.param("# foo=bar\n# escape=`\nFROM python:3.12\nRUN a \\\n b\n", id="unknown-directive-then-escape"),
    pytest.param("\n# escape=`\nFROM python:3.12\nRUN a \\\n b\n", id="directive-after-blank-is-comment"),
    pytest.param("FROM python:3.12\n# escape=`\nRUN a \\\n b\n", id="directive-after-instruction-is-comment"),
    pytest.param(
        "# syntax=docker/dockerfile:1\n# check=skip=JSONArgsRecommended\nFROM python:3.12\n", id="check-directive"
    ),
    pytest.param("\t# escape=`\nFROM python:3.12\nRUN a `\n b\n", id="indented-directive"),
    pytest.param(BOM + "  # escape=`\nFROM python:3.12\nRUN a `\n b\n", id="bom-then-indented-directive"),
    pytest.param("#\tescape\t=\t`\nFROM python:3.12\nRUN a `\n b\n", id="directive-with-tabs"),
    # heredocs
    pytest.param("FROM python:3.12\nRUN <<EOF\npip install poetry\npoetry install\nEOF\n", id="heredoc-run"),
    pytest.param("FROM python:3.12\nRUN <<-EOF\n\tpip install poetry\n\tEOF\n", id="heredoc-chomp"),
    pytest.param('FROM python:3.12\nRUN cat <<-"EOF"\n\tx\n\t\tEOF\n', id="heredoc-chomp-quoted-deep-tabs"),
    pytest.param("FROM python:3.12\nRUN <<'EOF' bash\necho $HOME\nEOF\n", id="heredoc-single-quoted"),
    pytest.param("FROM python:3.12\nRUN <<\"EOF\" python3\nprint('hi')\nEOF\n", id="heredoc-double-quoted"),
    pytest.param('FROM python:3.12\nRUN <<E"OF"\nx\nEOF\n', id="heredoc-partly-quoted"),
    pytest.param('FROM python:3.12\nRUN <<"E O" cat\nx\nE O\n', id="heredoc-name-with-space"),
    pytest.param("FROM python:3.12\nRUN <<EOF1 <<EOF2 cat\na\nEOF1\nb\nEOF2\n", id="heredoc-two-on-one-line"),
    pytest.param("FROM python:3.12\nRUN <<EOF <<EOF\na\nEOF\nb\nEOF\n", id="heredoc-same-name-twice"),
    pytest.param("FROM python:3.12\nRUN 3<<EOF cat <&3\nx\nEOF\n", id="heredoc-file-descriptor"),
    pytest.param("FROM python:3.12\nCOPY <<EOF /etc/app.conf\nkey=value\nEOF\n", id="heredoc-copy"),
    pytest.param("FROM python:3.12\nCOPY <<a.txt <<b.txt /dst/\nA\na.txt\nB\nb.txt\n", id="heredoc-copy-two-files"),
    pytest.param("FROM python:3.12\nADD <<EOF /x\nhi\nEOF\n", id="heredoc-add"),
    pytest.param(
        "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache <<EOF\npip install x\nEOF\n",
        id="heredoc-after-flag",
    ),
    pytest.param("FROM python:3.12\nRUN <<EOF\n#not a comment\n\nEOF\n", id="heredoc-body-comment-and-blank"),
    pytest.param("FROM python:3.12\nRUN <<EOF\nhi\n EOF\nEOF\n", id="heredoc-indented-delimiter-is-body"),
    pytest.param("FROM python:3.12\nRUN cat <<EOF\nx\\\nEOF\n", id="heredoc-body-ending-in-escape"),
    pytest.param("FROM python:3.12\nRUN echo \\\n <<EOF\nx\nEOF\n", id="heredoc-after-continuation"),
    pytest.param("FROM python:3.12\nRUN <<EOF \\\n cat\nx\nEOF\n", id="heredoc-before-continuation"),
    pytest.param("FROM python:3.12\nRUN <<EOF\nEOF\n", id="heredoc-empty"),
    pytest.param("FROM python:3.12\nRUN <<EOF\nhi\nEOF", id="heredoc-no-final-newline"),
    pytest.param("FROM python:3.12\r\nRUN <<EOF\r\nhi\r\nEOF\r\n", id="heredoc-crlf"),
    pytest.param('FROM python:3.12\nRUN echo "<<EOF"\n', id="heredoc-in-quotes-is-not"),
    pytest.param('FROM python:3.12\nRUN ["<<EOF"]\n', id="heredoc-in-json-is-not"),
    pytest.param("FROM python:3.12\nCMD <<EOF\n", id="heredoc-on-cmd-is-not"),
    pytest.param("FROM python:3.12\nRUN <<\\EOF\nhi $HOME\nEOF\n", id="heredoc-backslash-quoted"),
    pytest.param("FROM python:3.12\nRUN <<-\\EOF\n\thi\n\tEOF\n", id="heredoc-chomp-backslash-quoted"),
    pytest.param("FROM python:3.12\nRUN <<E\\OF\nhi\nEOF\n", id="heredoc-escape-inside-name"),
    pytest.param('FROM python:3.12\nRUN <<"E\\"F"\nhi\nE"F\n', id="heredoc-escaped-quote-in-name"),
    pytest.param("FROM python:3.12\nRUN <<'E'\"O\"F\nhi\nEOF\n", id="heredoc-name-in-two-quotes"),
    pytest.param('FROM python:3.12\nRUN <<"EOF\nhi\nEOF\n', id="heredoc-unterminated-quote-is-not"),
    pytest.param("FROM python:3.12\nRUN echo '<<EOF\nhi\nEOF\n", id="heredoc-after-open-quote-is-not"),
    pytest.param("FROM python:3.12\nRUN echo a\\ <<EOF\nhi\nEOF\n", id="heredoc-glued-by-escaped-blank-is-not"),
    pytest.param('FROM python:3.12\nRUN echo "x <<EOF" <<B\nhi\nB\n', id="heredoc-after-quoted-marker"),
    pytest.param("FROM python:3.12\nRUN <<${EOF\nhi\nEOF\n", id="heredoc-open-variable-is-not"),
    pytest.param('FROM python:3.12\nRUN <<"${EOF"\nhi\nEOF\n', id="heredoc-open-variable-in-quotes-is-not"),
    pytest.param("FROM python:3.12\nRUN <<${EOF}\nhi\n${EOF}\n", id="heredoc-named-by-a-variable"),
    pytest.param("FROM python:3.12\nRUN echo ${A:-x y} <<EOF\nhi\nEOF\n", id="heredoc-after-variable-with-blank"),
    # JSON and shell forms
    pytest.param('FROM python:3.12\nCMD ["uvicorn", "app:app"]\n', id="json-cmd"),
    pytest.param('FROM python:3.12\nENTRYPOINT [ "python" , "-m", "app" ]\n', id="json-entrypoint-spaced"),
    pytest.param("FROM python:3.12\nCMD uvicorn app:app --host 0.0.0.0\n", id="shell-cmd"),
    pytest.param("FROM python:3.12\nCMD [\"a\", 'b']\n", id="json-invalid-is-shell"),
    pytest.param('FROM python:3.12\nRUN ["sh", "-c", \\\n  "echo hi"]\n', id="json-continued"),
    pytest.param('FROM python:3.12\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n', id="json-shell"),
    # flags
    pytest.param(
        "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n", id="flag-mount"
    ),
    pytest.param(
        "FROM python:3.12\nRUN --mount=type=cache,target=/a --mount=type=secret,id=tok,env=TOKEN poetry install\n",
        id="flag-two-mounts",
    ),
    pytest.param('FROM python:3.12\nRUN --mount="type=cache,target=/a b" echo\n', id="flag-quoted"),
    pytest.param("FROM python:3.12\nrun --MOUNT=type=cache,target=/a echo\n", id="flag-upper-case"),
    pytest.param("FROM python:3.12\nRUN --network=none --security=insecure echo\n", id="flag-network-security"),
    pytest.param("FROM python:3.12\nCOPY --from=build --chown=1:1 --chmod=755 --link a b\n", id="flag-copy-all"),
    pytest.param("FROM python:3.12\nCOPY --link . .\n", id="flag-bare"),
    pytest.param("FROM python:3.12\nRUN -- --not-a-flag\n", id="flag-double-dash-ends-flags"),
    pytest.param(
        "FROM python:3.12\nRUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b \\\n    pip install x\n",
        id="flag-continued",
    ),
    pytest.param("FROM --platform=$BUILDPLATFORM python:3.12 AS build\n", id="flag-platform"),
    pytest.param(
        "FROM python:3.12\nHEALTHCHECK --interval=5s --timeout=3s CMD curl -f http://localhost/\n",
        id="flag-healthcheck",
    ),
    # FROM and ARG
    pytest.param(
        "FROM python:3.12-slim AS build\nFROM python:3.12-slim as runtime\nCOPY --from=build /app /app\n",
        id="from-as-name",
    ),
    pytest.param(
        "ARG PYTHON_VERSION=3.12\nFROM python:${PYTHON_VERSION}-slim\nARG PYTHON_VERSION\n", id="arg-before-from"
    ),
    pytest.param("ARG A=1 B=2\nFROM python:3.12\n", id="arg-two-keys"),
    # case and whitespace
    pytest.param('from python:3.12\nrun pip install poetry\ncmd ["python"]\n', id="lower-case"),
    pytest.param("From python:3.12\nRuN echo\n", id="mixed-case"),
    pytest.param("FROM python:3.12\n  RUN   echo  \n", id="indented-and-trailing-blanks"),
    pytest.param("FROM python:3.12\n\tRUN\techo\n", id="tabs"),
    pytest.param("FROM python:3.12\nRUN  \t echo\n", id="blanks-after-keyword"),
    pytest.param("FROM python:3.12\nRUN\n", id="keyword-alone"),
    pytest.param("FROM python:3.12\nRUN a\x0cb\n", id="form-feed-inside"),
    pytest.param("FROM python:3.12\nRUN a\rb\n", id="lone-cr-inside"),
    pytest.param("FROM python:3.12\n \x0c\nRUN echo\n", id="blank-line-with-form-feed"),
    pytest.param("FROM python:3.12\nRUN\u00a0pip install poetry\n", id="non-breaking-space-after-keyword"),
    pytest.param("FROM python:3.12\nRUN pip\u00a0install poetry\n", id="non-breaking-space-in-arguments"),
    pytest.param("FROM python:3.12\n\x0bRUN --mount=type=cache,target=/a echo\n", id="vertical-tab-before-keyword"),
    pytest.param("FROM python:3.12\n\u00a0\n\u00a0RUN a\n\u2003# comment\n", id="unicode-blanks-before-lines"),
    pytest.param("FROM python:3.12\nRUN a \\\n\u00a0\n\u00a0# c\n b\n", id="unicode-blank-lines-in-continuation"),
    pytest.param("FROM python:3.12\nRUN echo\u00a0<<EOF\nhi\nEOF\n", id="heredoc-after-non-breaking-space"),
    pytest.param("FROM python:3.12\n\x1c\n", id="ascii-separator-is-not-blank"),
    # continuations
    pytest.param("FROM python:3.12\nRUN apt-get update \\\n    && apt-get install -y gcc\n", id="continuation"),
    pytest.param("FROM python:3.12\nRUN a \\\n    # a comment\n    b\n", id="comment-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a \\\n  # c \\\n  # d\n b\n", id="comments-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a \\\n # ends in escape \\\n\n  b\n", id="comment-ending-in-escape"),
    pytest.param("FROM python:3.12\nRUN a \\\n\t# tab comment\n b\n", id="tab-comment-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a \\\n\n\n  b\n", id="empty-lines-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a \\\n   \n b\n", id="blank-line-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a \\  \n b\n", id="blanks-after-escape"),
    pytest.param("FROM python:3.12\nRUN a \\\t\n b\n", id="tab-after-escape"),
    pytest.param("FROM python:3.12\nRUN a \\ b\n", id="escape-mid-line"),
    pytest.param("FROM python:3.12\nRUN   \\\n  echo\n", id="continuation-right-after-keyword"),
    pytest.param("FROM python:3.12\nRUN \\\n  echo\n", id="continuation-first-line-keyword-only"),
    pytest.param("FROM python:3.12\nRUN a \\\n\\\n b\n", id="escape-alone-on-line"),
    pytest.param("FROM python:3.12\nRUN echo a\\\\\n b\n", id="escaped-escape-does-not-continue"),
    pytest.param("FROM python:3.12\nRUN echo a\\\\\\\n b\n", id="three-escapes-do-not-continue"),
    pytest.param("FROM python:3.12\nRUN echo a\\\\ \\\n b\n", id="escaped-escape-then-escape-continues"),
    pytest.param("# escape=`\nFROM python:3.12\nRUN echo a``\n b\n", id="escaped-backtick-does-not-continue"),
    pytest.param("\\\\\nFROM python:3.12\n", id="line-of-two-escapes"),
    pytest.param('FROM python:3.12\nRUN echo "a \\" b"\n', id="escaped-quote"),
    pytest.param("FROM python:3.12\nRUN echo #not a comment\n", id="hash-after-command"),
    # line endings, BOM, final newline
    pytest.param("FROM python:3.12\r\nRUN a \\\r\n b\r\n", id="crlf"),
    pytest.param("FROM python:3.12\r\nRUN a \\\r\n # c\r\n\r\n b\r\n", id="crlf-comment-in-continuation"),
    pytest.param("FROM python:3.12\nRUN a\r\nCMD b\n", id="mixed-line-endings"),
    pytest.param(BOM + "FROM python:3.12\nRUN echo\n", id="bom"),
    pytest.param(BOM + "# escape=`\nFROM python:3.12\nRUN a `\n b\n", id="bom-then-directive"),
    pytest.param("FROM python:3.12\nRUN echo", id="no-final-newline"),
    pytest.param("FROM python:3.12\nRUN a \\\n b", id="no-final-newline-continued"),
    pytest.param("FROM python:3.12\n\n\n", id="trailing-blank-lines"),
    pytest.param("# just a comment\n", id="comment-only"),
    pytest.param("", id="empty"),
    # other instructions
    pytest.param("FROM python:3.12\nMAINTAINER me\nFOO bar\nONBUILD RUN echo\n", id="unknown-and-deprecated"),
    pytest.param('FROM python:3.12\nENV A=1 B="two words" \\\n    C=3\n', id="env-multi"),
    pytest.param("FROM python:3.12\nENV LEGACY the rest of the line\n", id="env-legacy"),
    pytest.param('FROM python:3.12\nENV A=a\\ b C="x y" D=\'p q\' E="x\\" y"\n', id="env-quotes-and-escapes"),
    pytest.param("# escape=`\nFROM python:3.12\nENV A=a` b\n", id="env-backtick-escaped-blank"),
    pytest.param("FROM python:3.12\nENV A=1 \\\n  # comment\n  B=2\n", id="env-comment-in-continuation"),
    pytest.param("FROM python:3.12\nENV\n", id="env-alone"),
    pytest.param('FROM python:3.12\nLABEL a=b "c d"=e\n', id="label-quoted-key"),
    pytest.param("FROM python:3.12\nLABEL a b\n", id="label-legacy"),
    pytest.param(
        'FROM python:3.12\nLABEL a=b\nEXPOSE 8000/tcp\nVOLUME ["/data"]\nSTOPSIGNAL SIGTERM\nUSER 1000:1000\nWORKDIR /app\n',
        id="runtime-instructions",
    ),
]


def buildkit_commands(text: str) -> list:
    try:
        return list(dockerfile.parse_string(text))
    except dockerfile.GoParseError as exc:
        if "file with no instructions" in str(exc):
            return []
        raise


def buildkit_view(text: str) -> list[tuple]:
    view = []
    for command in buildkit_commands(text):
        flags = []
        for flag in command.flags:
            name, sep, value = flag[2:].partition("=")
            flags.append((name.lower(), value if sep else None))
        first_line = command.original.split("\n", 1)[0] if command.heredocs else command.original
        view.append(
            (
                command.cmd.upper(),
                command.start_line,
                command.end_line,
                tuple(flags),
                tuple((h.name, h.content) for h in command.heredocs),
                first_line.strip(),
            )
        )
    return view


def model_view(text: str) -> list[tuple]:
    return [
        (
            i.keyword,
            i.start_line,
            i.end_line,
            tuple((f.name, f.value) for f in i.flags),
            tuple((h.name, h.content) for h in i.heredocs),
            i.logical.strip(),
        )
        for i in parse(text).instructions
    ]


@pytest.mark.parametrize("text", CASES)
def test_model_sees_what_buildkit_sees(text):
    assert model_view(text) == buildkit_view(text)


@pytest.mark.parametrize("text", CASES)
def test_round_trip_is_byte_for_byte(text):
    doc = parse(text)
    assert doc.render() == text
    assert "".join(n.raw for n in doc.nodes) == text.removeprefix(BOM)


@pytest.mark.parametrize("text", CASES)
def test_exec_form_matches_buildkit(text):
    ours = [i.json_args is not None for i in parse(text).instructions]
    theirs = [c.json for c in buildkit_commands(text)]
    assert ours == theirs


@pytest.mark.parametrize("text", CASES)
def test_every_byte_has_one_node_on_its_lines(text):
    doc = parse(text)
    line = 1
    for node in doc.nodes:
        assert node.start_line == line
        line = node.end_line + 1


def test_directives_are_read():
    doc = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n")
    assert doc.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert doc.escape == "`"
    assert [n.kind for n in doc.nodes[:2]] == ["directive", "directive"]


def test_bom_and_newline_are_remembered():
    doc = parse(BOM + "FROM x\r\nRUN y\r\n")
    assert doc.bom and doc.newline == "\r\n"
    assert not doc.text.startswith(BOM)


def test_stage_names_and_global_args():
    doc = parse("ARG V=3.12\nFROM python:$V AS build\nRUN a\nFROM python:$V as runtime\nCMD b\n")
    assert [s.name for s in doc.stages] == ["build", "runtime"]
    assert [a.logical for a in doc.global_args] == ["ARG V=3.12"]
    assert [i.keyword for i in doc.stages[1].instructions] == ["CMD"]


# --- what the model refuses --------------------------------------------------

REFUSED = [
    pytest.param("FROM x\nRUN <<EOF\nhi\n", 2, id="unterminated-heredoc"),
    pytest.param("FROM x\nRUN <<EOF\nhi\n EOF\n", 2, id="heredoc-closed-only-by-indented-line"),
    pytest.param("# escape=\\\n# escape=`\nFROM x\n", 2, id="two-escape-directives"),
    pytest.param("# escape=x\nFROM x\n", 1, id="invalid-escape"),
    pytest.param("\t# syntax=a\n# syntax=b\nFROM x\n", 2, id="indented-directive-counts-as-one"),
    pytest.param("FROM x\nENV A=1 B\n", 2, id="env-word-without-equals"),
    pytest.param("FROM x\nenv A\n", 2, id="env-name-without-value"),
    pytest.param("FROM x\nENV A  \t\n", 2, id="env-name-and-blanks"),
    pytest.param("FROM x\nENV A\u00a0B=1\n", 2, id="env-non-breaking-space-is-no-separator"),
    pytest.param('FROM x\nENV A=1 ""\n', 2, id="env-empty-quoted-word"),
    pytest.param("# escape=`\nFROM x\nENV A=1 \\\n    B=2\n", 3, id="env-continued-with-the-wrong-escape"),
    # BuildKit accepts these and silently ends the instruction; anything the tool
    # inserted after them would be glued onto the RUN, so the tool refuses them.
    pytest.param("FROM x\nRUN a \\\n", 2, id="dangling-continuation"),
    pytest.param("FROM x\nRUN a \\", 2, id="dangling-continuation-no-newline"),
    pytest.param("FROM x\nRUN a \\\n# c\n\n", 2, id="dangling-continuation-then-comment"),
]


@pytest.mark.parametrize(("text", "line"), [p for p in REFUSED if "dangling" not in p.id])
def test_buildkit_refuses_them_too(text, line):
    with pytest.raises(dockerfile.GoParseError):
        dockerfile.parse_string(text)


@pytest.mark.parametrize(("text", "line"), REFUSED)
def test_refused_with_the_line(text, line):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert info.value.line == line
    assert "\n" not in str(info.value)


# --- editing one instruction ---------------------------------------------------


def only_instruction(text: str) -> Instruction:
    (instruction,) = [i for i in parse(text).instructions if i.keyword != "FROM"]
    return instruction


SPLICES = [
    pytest.param(
        "RUN pip install --no-cache-dir poetry\n", "--no-cache-dir ", "", "RUN pip install poetry\n", id="drop-word"
    ),
    pytest.param(
        "RUN a \\\n  # keep me\n  && b\n", "&& b", "&& c", "RUN a \\\n  # keep me\n  && c\n", id="across-comment"
    ),
    pytest.param(
        "RUN apt-get update \\\n    && apt-get install gcc\n",
        "update     && apt-get",
        "update && apt-get",
        "RUN apt-get update && apt-get install gcc\n",
        id="across-continuation",
    ),
    pytest.param("RUN a \\\r\n  b\r\n", "b", "c", "RUN a \\\r\n  c\r\n", id="crlf"),
    pytest.param("RUN a `\n  b\n", "b", "c", "RUN a `\n  c\n", id="backtick"),
]


@pytest.mark.parametrize(("run", "old", "new", "expected"), SPLICES)
def test_splice_keeps_layout(run, old, new, expected):
    escape = "# escape=`\n" if "`" in run else ""
    instruction = only_instruction(escape + "FROM x\n" + run)
    start = instruction.logical.index(old)
    assert instruction.splice(start, start + len(old), new) == expected


def test_splice_many_applies_all():
    instruction = only_instruction("FROM x\nRUN a \\\n  # c\n  b \\\n  c\n")
    logical = instruction.logical
    edits = [(logical.index("a"), logical.index("a") + 1, "A"), (logical.index("c"), logical.index("c") + 1, "C")]
    assert instruction.splice_many(edits) == "RUN A \\\n  # c\n  b \\\n  C\n"


FLAG_ADDITIONS = [
    pytest.param(
        "RUN pip install poetry\n", "RUN --mount=type=cache,target=/root/.cache/pip pip install poetry\n", id="plain"
    ),
    pytest.param(
        "run pip install poetry\n",
        "run --mount=type=cache,target=/root/.cache/pip pip install poetry\n",
        id="lower-case",
    ),
    pytest.param(
        "  RUN \\\n  pip install poetry\n",
        "  RUN --mount=type=cache,target=/root/.cache/pip \\\n  pip install poetry\n",
        id="indented-continued",
    ),
    pytest.param(
        "RUN <<EOF\npip install poetry\nEOF\n",
        "RUN --mount=type=cache,target=/root/.cache/pip <<EOF\npip install poetry\nEOF\n",
        id="heredoc",
    ),
]


@pytest.mark.parametrize(("run", "expected"), FLAG_ADDITIONS)
def test_with_flags_added(run, expected):
    instruction = only_instruction("FROM x\n" + run)
    new_raw = instruction.with_flags_added("--mount=type=cache,target=/root/.cache/pip")
    assert new_raw == expected
    assert parse("FROM x\n" + new_raw).instructions[1].flag("mount").value == "type=cache,target=/root/.cache/pip"


FLAG_REMOVALS = [
    pytest.param("COPY --link . .\n", "link", "COPY . .\n", id="bare"),
    pytest.param("COPY --chown=1:1 --link a b\n", "chown", "COPY --link a b\n", id="first-of-two"),
    pytest.param(
        "RUN --mount=type=cache,target=/a \\\n    pip install x\n", "mount", "RUN pip install x\n", id="continued"
    ),
]


@pytest.mark.parametrize(("text", "name", "expected"), FLAG_REMOVALS)
def test_without_flag(text, name, expected):
    instruction = only_instruction("FROM x\n" + text)
    assert instruction.without_flag(instruction.flag(name)) == expected


# --- shell commands --------------------------------------------------------------

COMMANDS = [
    pytest.param(
        "RUN apt-get update && apt-get install -y gcc\n",
        [["apt-get", "update"], ["apt-get", "install", "-y", "gcc"]],
        id="and-chain",
    ),
    pytest.param("RUN a; b || c | d\n", [["a"], ["b"], ["c"], ["d"]], id="operators"),
    pytest.param('RUN echo "a && b" && c\n', [["echo", "a && b"], ["c"]], id="operator-in-quotes"),
    pytest.param("RUN a \\\n  # comment && x\n  && b\n", [["a"], ["b"]], id="comment-in-continuation"),
    pytest.param(
        "RUN POETRY_VIRTUALENVS_CREATE=false poetry install\n",
        [["POETRY_VIRTUALENVS_CREATE=false", "poetry", "install"]],
        id="assignment-prefix",
    ),
    pytest.param('RUN ["poetry", "install"]\n', [], id="exec-form"),
    pytest.param("RUN pip install poetry # && poetry install\n", [["pip", "install", "poetry"]], id="shell-comment"),
    pytest.param(
        "RUN a \\\n    # not a shell comment: docker drops it\n    && b # --no-dev \\\n    && c\n",
        [["a"], ["b"]],
        id="shell-comment-runs-to-the-end",
    ),
    pytest.param("RUN echo a#b && c\n", [["echo", "a#b"], ["c"]], id="hash-inside-a-word"),
    pytest.param(
        "RUN X=$(echo a && echo b) poetry install\n",
        [["X=$(echo a && echo b)", "poetry", "install"]],
        id="command-substitution",
    ),
    pytest.param(
        'RUN X="$(cat "/run/secrets/a b")" poetry install\n',
        [['X=$(cat "/run/secrets/a b")', "poetry", "install"]],
        id="quoted-substitution",
    ),
    pytest.param("RUN x=$(a $(b || c) d) y; z\n", [["x=$(a $(b || c) d)", "y"], ["z"]], id="nested-substitution"),
    pytest.param("RUN a `b && c` | d\n", [["a", "`b && c`"], ["d"]], id="backticks"),
    pytest.param('RUN echo "a\\"b" c\\ d\n', [["echo", 'a"b', "c d"]], id="escapes"),
]


@pytest.mark.parametrize(("run", "argvs"), COMMANDS)
def test_run_commands(run, argvs):
    assert [c.argv for c in shell.run_commands(only_instruction("FROM x\n" + run))] == argvs


REMOVALS = [
    pytest.param("RUN a && b && c\n", {1}, "RUN a && c\n", id="middle"),
    pytest.param("RUN a && b && c\n", {0}, "RUN b && c\n", id="first"),
    pytest.param("RUN a && b && c\n", {2}, "RUN a && b\n", id="last"),
    pytest.param("RUN a && b && c\n", {0, 1}, "RUN c\n", id="first-two"),
    pytest.param("RUN a && b && c\n", {0, 2}, "RUN b\n", id="both-ends"),
    pytest.param(
        "RUN apt-get update \\\n    && apt-get install -y gcc \\\n    # why\n    && rm -rf /var/lib/apt/lists/*\n",
        {2},
        "RUN apt-get update \\\n    && apt-get install -y gcc\n",
        id="last-of-continued",
    ),
    pytest.param(
        "RUN pip cache purge \\\n    && pip install x\n",
        {0},
        "RUN pip install x\n",
        id="first-of-continued",
    ),
    pytest.param("RUN a && b\n", {0, 1}, None, id="all"),
]


@pytest.mark.parametrize(("run", "indexes", "expected"), REMOVALS)
def test_remove_commands(run, indexes, expected):
    instruction = only_instruction("FROM x\n" + run)
    new_raw = shell.remove_commands(instruction, indexes)
    assert new_raw == expected
    if new_raw is not None:
        assert parse("FROM x\n" + new_raw).render() == "FROM x\n" + new_raw


# --- apply_edits -------------------------------------------------------------------

EDITS = [
    pytest.param(
        "FROM x\nRUN a",
        lambda d: [insert_before(len(d.nodes), "CMD b\n")],
        "FROM x\nRUN a\nCMD b",
        id="append-without-final-newline",
    ),
    pytest.param(
        "FROM x\nRUN a\n",
        lambda d: [insert_before(len(d.nodes), "CMD b\n")],
        "FROM x\nRUN a\nCMD b\n",
        id="append-with-final-newline",
    ),
    pytest.param(
        "FROM x\r\nRUN a\r\n",
        lambda d: [insert_before(1, "ENV A=1 \\\n    B=2\n")],
        "FROM x\r\nENV A=1 \\\r\n    B=2\r\nRUN a\r\n",
        id="crlf-conversion",
    ),
    pytest.param(
        "FROM x\r\nRUN a",
        lambda d: [insert_before(2, "CMD b\n")],
        "FROM x\r\nRUN a\r\nCMD b",
        id="crlf-append-without-final-newline",
    ),
    pytest.param(
        BOM + "FROM x\nRUN a\n",
        lambda d: [insert_before(0, "# syntax=docker/dockerfile:1\n")],
        BOM + "# syntax=docker/dockerfile:1\nFROM x\nRUN a\n",
        id="bom-stays-first",
    ),
    pytest.param(
        "FROM x\nRUN a\nRUN b\n",
        lambda d: [replace(d.nodes[1], "RUN c\n"), delete(d.nodes[2])],
        "FROM x\nRUN c\n",
        id="replace-and-delete",
    ),
    pytest.param(
        "FROM x\nRUN a\n",
        lambda d: [insert_before(1, "ENV A=1\n"), replace(d.nodes[1], "RUN b\n")],
        "FROM x\nENV A=1\nRUN b\n",
        id="insert-before-replaced-node",
    ),
    pytest.param(
        "FROM x\nRUN a\n",
        lambda d: [insert_before(1, "ENV A=1\n"), insert_before(1, "ENV B=2\n")],
        "FROM x\nENV A=1\nENV B=2\nRUN a\n",
        id="two-inserts-keep-order",
    ),
]


@pytest.mark.parametrize(("text", "make_edits", "expected"), EDITS)
def test_apply_edits(text, make_edits, expected):
    doc = parse(text)
    assert apply_edits(doc, make_edits(doc)) == expected


def test_apply_edits_without_edits_is_identity():
    text = BOM + "FROM x\r\nRUN a \\\r\n # c\r\n b"
    assert apply_edits(parse(text), []) == text


def test_overlapping_edits_are_refused():
    doc = parse("FROM x\nRUN a\nRUN b\n")
    with pytest.raises(EditConflict):
        apply_edits(doc, [replace(doc.nodes[1], "RUN c\n"), delete(doc.nodes[1])])
