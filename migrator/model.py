"""A lossless model of a Dockerfile.

Parsing follows BuildKit's own parser (moby/buildkit, frontend/dockerfile/parser):
parser directives at the top, a configurable escape character, line continuations
that skip comment and empty lines, heredocs on RUN/COPY/ADD, and instruction flags.
Every byte of the input belongs to exactly one node, so joining the nodes' ``raw``
text gives the input back; transforms replace whole nodes (or splice inside one)
and never re-serialise what they did not change.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from typing import Literal

from migrator.patterns import lazy_compile
from migrator.record import dataclass, field

BOM = "\ufeff"
DIRECTIVE_RE = lazy_compile(r"^#[ \t\f]*([a-zA-Z][a-zA-Z0-9]*)[ \t\f]*=[ \t\f]*(.+?)[ \t\f]*$")
KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
HEREDOC_KEYWORDS = frozenset({"RUN", "COPY", "ADD"})
HEREDOC_WORD_RE = lazy_compile(r"^(\d*)<<(-?)([^<]*)$")


class ParseError(ValueError):
    """The input is not a Dockerfile this tool can model; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Flag:
    name: str  # without the leading dashes: "mount", "from", "link"
    value: str | None  # None for a bare flag such as --link
    start: int  # span of the flag word in Instruction.logical
    end: int


@dataclass(frozen=True)
class Heredoc:
    name: str
    chomp: bool  # <<- strips leading tabs
    quoted: bool  # <<"EOF" / <<'EOF': no variable expansion
    content: str


@dataclass(frozen=True)
class Trivia:
    """A blank line, a comment line or a parser directive, outside any instruction."""

    kind: str  # "blank" | "comment" | "directive"
    raw: str
    start_line: int
    index: int

    @property
    def end_line(self) -> int:
        return self.start_line

    @property
    def is_instruction(self) -> Literal[False]:  # a Literal lets type checkers tell the node kinds apart
        return False


@dataclass(frozen=True, eq=False)
class Instruction:
    """One instruction with its exact source text.

    ``logical`` is the instruction as BuildKit sees it: continuation lines joined,
    comment and empty lines inside the continuation dropped, heredoc bodies left out.
    ``offsets[i]`` is the position in ``raw`` of ``logical[i]``, so any span of the
    logical text maps back to the source for layout-preserving edits.
    """

    raw: str
    keyword: str  # upper case, whatever the source's case
    start_line: int
    end_line: int
    index: int
    logical: str
    offsets: tuple[int, ...]
    args_start: int  # where the arguments (after keyword and flags) begin in ``logical``
    flags: tuple[Flag, ...]
    heredocs: tuple[Heredoc, ...] = ()

    @property
    def is_instruction(self) -> Literal[True]:
        return True

    @property
    def arguments(self) -> str:
        return self.logical[self.args_start :].strip()

    @cached_property
    def json_args(self) -> list[str] | None:
        """The exec-form arguments, or None for shell form (including invalid JSON)."""
        text = self.arguments
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None

    @cached_property
    def words(self) -> list[str]:
        """Whitespace-separated arguments with quotes removed (not a full shell lexer)."""
        return [w.text for w in split_words(self.logical, self.args_start)]

    def flag(self, name: str) -> Flag | None:
        for f in self.flags:
            if f.name == name:
                return f
        return None

    def flag_values(self, name: str) -> list[str]:
        return [f.value or "" for f in self.flags if f.name == name]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``logical`` to the matching span of ``raw``."""
        if start >= len(self.logical):
            raw_start = self.offsets[-1] + 1 if self.offsets else 0
        else:
            raw_start = self.offsets[start]
        if end <= start:
            return raw_start, raw_start
        return raw_start, self.offsets[end - 1] + 1

    def splice(self, start: int, end: int, text: str) -> str:
        """The raw text with logical[start:end] replaced by ``text``; layout elsewhere kept."""
        raw_start, raw_end = self.raw_span(start, end)
        return self.raw[:raw_start] + text + self.raw[raw_end:]

    def splice_many(self, edits: list[tuple[int, int, str]]) -> str:
        """Several non-overlapping logical-span replacements applied at once."""
        raw = self.raw
        for start, end, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            raw_start, raw_end = self.raw_span(start, end)
            raw = raw[:raw_start] + text + raw[raw_end:]
        return raw

    @property
    def keyword_end(self) -> int:
        """Position in ``raw`` just after the keyword as written."""
        leading = len(self.logical) - len(go_lstrip(self.logical))
        keyword_len = len(keyword_word(self.logical))
        return self.offsets[leading + keyword_len - 1] + 1

    def with_flags_added(self, *flag_texts: str) -> str:
        """Raw text with flags inserted right after the keyword, e.g. ``--mount=...``."""
        pos = self.keyword_end
        return self.raw[:pos] + "".join(" " + f for f in flag_texts) + self.raw[pos:]

    def without_flag(self, flag: Flag) -> str:
        """Raw text with one flag (and the blank after it) removed."""
        end = flag.end
        while end < len(self.logical) and self.logical[end] in " \t":
            end += 1
        return self.splice(flag.start, end, "")


Node = Trivia | Instruction


@dataclass(frozen=True)
class Stage:
    """A FROM and the instructions up to the next FROM."""

    number: int
    from_instruction: Instruction
    instructions: tuple[Instruction, ...]  # after the FROM
    start_node: int  # node index of the FROM
    end_node: int  # node index of the next FROM, or len(nodes)

    @property
    def base_image(self) -> str:
        words = self.from_instruction.words
        return words[0] if words else ""

    @property
    def name(self) -> str | None:
        words = self.from_instruction.words
        if len(words) >= 3 and words[1].lower() == "as":
            return words[2]
        return None

    def find(self, keyword: str) -> list[Instruction]:
        return list(self._by_keyword.get(keyword, ()))

    @cached_property
    def _by_keyword(self) -> dict[str, list[Instruction]]:
        # Transforms ask per instruction; a scan each time made large files quadratic.
        grouped: dict[str, list[Instruction]] = {}
        for instruction in self.instructions:
            grouped.setdefault(instruction.keyword, []).append(instruction)
        return grouped

    def last(self, keyword: str) -> Instruction | None:
        found = self.find(keyword)
        return found[-1] if found else None


@dataclass(frozen=True)
class Dockerfile:
    nodes: tuple[Node, ...]
    bom: bool = False
    newline: str = "\n"
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The file's text without the BOM: exactly the input for an unedited model."""
        return "".join(n.raw for n in self.nodes)

    def render(self) -> str:
        return (BOM if self.bom else "") + self.text

    @cached_property
    def instructions(self) -> tuple[Instruction, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Instruction))

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        froms = [i for i in self.instructions if i.keyword == "FROM"]
        bodies: list[list[Instruction]] = [[] for _ in froms]
        current = -1
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                current += 1
            elif current >= 0:
                bodies[current].append(instruction)
        stages = []
        for number, from_instruction in enumerate(froms):
            end = froms[number + 1].index if number + 1 < len(froms) else len(self.nodes)
            stages.append(Stage(number, from_instruction, tuple(bodies[number]), from_instruction.index, end))
        return tuple(stages)

    @cached_property
    def global_args(self) -> tuple[Instruction, ...]:
        """ARG instructions before the first FROM (usable in any FROM line)."""
        first_from = self.stages[0].start_node if self.stages else len(self.nodes)
        return tuple(i for i in self.instructions if i.keyword == "ARG" and i.index < first_from)

    def leading_comments(self, node_index: int) -> int:
        """Index of the first comment line directly above a node (no blank line between)."""
        start = node_index
        while start > 0:
            prev = self.nodes[start - 1]
            if isinstance(prev, Trivia) and prev.kind == "comment":
                start -= 1
            else:
                break
        return start

    def line_count(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)


# --- parsing ---------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    """Lines with their endings; only \\n ends a line (a lone \\r stays inside it)."""
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result


def _content(line: str) -> str:
    """A line without its ending (\\n or \\r\\n), as BuildKit's trimNewline."""
    if line.endswith("\n"):
        line = line[:-1]
    return line.rstrip("\r\n")


def _is_comment(content: str) -> bool:
    return go_lstrip(content).startswith("#")


def _continues(content: str, escape: str) -> int | None:
    """If the line ends in the escape character (plus blanks), where that escape starts."""
    stripped = content.rstrip(" \t")
    # BuildKit: an escaped escape ("\\\\" at the end) does not continue the line.
    if stripped.endswith(escape) and not stripped.endswith(escape * 2):
        return len(stripped) - 1
    return None


def detect_newline(text: str) -> str:
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def parse(source: str) -> Dockerfile:
    """Parse Dockerfile text (a leading BOM is remembered and kept out of the nodes)."""
    bom = source.startswith(BOM)
    text = source[1:] if bom else source
    lines = _split_lines(text)
    nodes: list[Node] = []
    directives: dict[str, str] = {}
    escape = "\\"
    looking_for_directives = True
    i = 0
    while i < len(lines):
        line = lines[i]
        content = _content(line)
        line_no = i + 1
        if looking_for_directives:
            # BuildKit strips leading blanks first: "  # escape=`" is a directive too.
            match = DIRECTIVE_RE.match(go_lstrip(content))
            if match and match.group(1).lower() in KNOWN_DIRECTIVES:
                key, value = match.group(1).lower(), match.group(2)
                if key in directives:
                    raise ParseError(line_no, f"only one '{key}' parser directive can be used")
                if key == "escape":
                    if value not in ("\\", "`"):
                        raise ParseError(line_no, f"invalid escape token '{value}': use \\ or `")
                    escape = value
                directives[key] = value
                nodes.append(Trivia("directive", line, line_no, len(nodes)))
                i += 1
                continue
            looking_for_directives = False
        if not go_lstrip(content):
            nodes.append(Trivia("blank", line, line_no, len(nodes)))
            i += 1
            continue
        if _is_comment(content):
            nodes.append(Trivia("comment", line, line_no, len(nodes)))
            i += 1
            continue
        instruction, i = _parse_instruction(lines, i, escape, len(nodes))
        if instruction.keyword in NAME_VALUE_KEYWORDS:
            _check_name_values(instruction, escape)
        nodes.append(instruction)
    return Dockerfile(
        nodes=tuple(nodes),
        bom=bom,
        newline=detect_newline(text),
        escape=escape,
        directives=directives,
    )


def _parse_instruction(lines: list[str], first: int, escape: str, index: int) -> tuple[Instruction, int]:
    logical: list[str] = []
    offsets: list[int] = []
    raw_parts: list[str] = []
    raw_len = 0
    i = first
    while True:
        if i >= len(lines):
            raise ParseError(
                first + 1,
                "the line continuation never ends (the file ends after a trailing "
                f"'{escape}'): finish or remove the continued instruction",
            )
        line = lines[i]
        content = _content(line)
        is_first = i == first
        if not is_first and (_is_comment(content) or not go_lstrip(content)):
            # BuildKit drops comment and empty lines inside a continuation.
            raw_parts.append(line)
            raw_len += len(line)
            i += 1
            continue
        start = 0
        if is_first:
            start = len(content) - len(go_lstrip(content))
        cut = _continues(content, escape)
        end = cut if cut is not None else len(content)
        for pos in range(start, end):
            logical.append(content[pos])
            offsets.append(raw_len + pos)
        raw_parts.append(line)
        raw_len += len(line)
        i += 1
        if cut is None:
            break
    logical_text = "".join(logical)
    keyword_text = keyword_word(logical_text)
    keyword = keyword_text.upper()
    args_from = len(logical_text) - len(go_lstrip(logical_text)) + len(keyword_text)
    flags, args_start = _extract_flags(logical_text, args_from)
    heredocs: list[Heredoc] = []
    json_form = False
    rest = logical_text[args_start:].strip()
    if rest.startswith("["):
        try:
            json_form = isinstance(json.loads(rest), list)
        except ValueError:
            json_form = False
    if keyword in HEREDOC_KEYWORDS and not json_form and "<<" in logical_text:
        for word in _heredoc_line_words(logical_text):
            match = HEREDOC_WORD_RE.match(word)
            if not match or not match.group(3):
                continue
            name_word = match.group(3)
            name, quoted = _heredoc_name(name_word)
            if not name:
                continue
            chomp = match.group(2) == "-"
            body: list[str] = []
            terminated = False
            while i < len(lines):
                line = lines[i]
                raw_parts.append(line)
                raw_len += len(line)
                i += 1
                candidate = _content(line)
                if chomp:
                    candidate = candidate.lstrip("\t")
                if candidate == name:
                    terminated = True
                    break
                # BuildKit keeps a CRLF body line's "\r" in the heredoc content.
                body.append(line if line.endswith("\n") else line + "\n")
            if not terminated:
                raise ParseError(
                    first + 1,
                    f"the heredoc '<<{name_word}' is never closed: add a line '{name}' after its body",
                )
            heredocs.append(Heredoc(name, chomp, quoted, "".join(body)))
    raw = "".join(raw_parts)
    end_line = first + raw.count("\n") + (0 if raw.endswith("\n") else 1)
    return (
        Instruction(
            raw=raw,
            keyword=keyword,
            start_line=first + 1,
            end_line=end_line,
            index=index,
            logical=logical_text,
            offsets=tuple(offsets),
            args_start=args_start,
            flags=tuple(flags),
            heredocs=tuple(heredocs),
        ),
        i,
    )


def _heredoc_line_words(line: str) -> list[str]:
    """Words as BuildKit's shell lexer splits a line when it looks for heredocs: quotes
    and backslash escapes stay in the word. A quote never closed means no heredoc at all."""
    words: list[str] = []
    word: list[str] = []
    in_word = False
    pos = 0
    n = len(line)
    while pos < n:
        ch = line[pos]
        if _is_go_space(ch):
            if in_word:
                words.append("".join(word))
                word, in_word = [], False
            pos += 1
            continue
        in_word = True
        if ch == "\\":
            word.append(line[pos : pos + 2])
            pos += 2
            continue
        if ch in "'\"":
            end = pos + 1
            while end < n and line[end] != ch:
                end += 2 if ch == '"' and line[end] == "\\" else 1
            if end >= n or (ch == '"' and _open_brace(line[pos:end])):
                return []
            word.append(line[pos : end + 1])
            pos = end + 1
            continue
        if line.startswith("${", pos):
            end = line.find("}", pos)
            if end < 0:
                return []
            word.append(line[pos : end + 1])
            pos = end + 1
            continue
        word.append(ch)
        pos += 1
    if in_word:
        words.append("".join(word))
    return words


def _open_brace(text: str) -> bool:
    """A ``${`` with no ``}`` after it: BuildKit's lexer gives up on the line."""
    start = text.find("${")
    return start >= 0 and text.find("}", start) < 0


def _heredoc_name(word: str) -> tuple[str, bool]:
    """The delimiter after ``<<`` with quotes and escapes removed, and whether it was quoted."""
    name: list[str] = []
    quoted = False
    pos = 0
    n = len(word)
    while pos < n:
        ch = word[pos]
        if ch == "\\":
            name.append(word[pos + 1 : pos + 2])
            pos += 2
        elif ch == "'":
            end = word.index("'", pos + 1)
            name.append(word[pos + 1 : end])
            quoted, pos = True, end + 1
        elif ch == '"':
            quoted = True
            pos += 1
            while pos < n and word[pos] != '"':
                if word[pos] == "\\" and word[pos + 1 : pos + 2] in ('"', "\\", "$"):
                    pos += 1
                name.append(word[pos])
                pos += 1
            pos += 1
        else:
            name.append(ch)
            pos += 1
    return "".join(name), quoted


NAME_VALUE_KEYWORDS = frozenset({"ENV", "LABEL"})


def _is_go_space(ch: str) -> bool:
    """Go's unicode.IsSpace: Python's isspace() without the ASCII separators 0x1c-0x1f."""
    return ch.isspace() and not "\x1c" <= ch <= "\x1f"


def go_lstrip(text: str) -> str:
    """Leading blanks removed as BuildKit's trimLeadingWhitespace does (a non-breaking
    space counts; the 0x1c-0x1f separators do not)."""
    start = 0
    while start < len(text) and _is_go_space(text[start]):
        start += 1
    return text[start:]


def _check_name_values(instruction: Instruction, escape: str) -> None:
    """Refuse what BuildKit's parseNameVal refuses: ``ENV A=1 B`` or ``ENV KEY`` alone."""
    rest = instruction.logical[instruction.args_start :]
    words = buildkit_words(rest, escape)
    if not words:
        return
    if "=" not in words[0]:
        if len(re.split(r"[\t\v\f\r ]+", rest.strip(), maxsplit=1)) < 2:
            raise ParseError(
                instruction.start_line,
                f"{instruction.keyword} needs a value: write {instruction.keyword} {words[0]}=<value>",
            )
        return
    for word in words:
        if "=" not in word:
            hint = f" (this file continues lines with '{escape}')" if word in ("\\", "`") else ""
            raise ParseError(
                instruction.start_line,
                f"{instruction.keyword} word {word!r} has no '=': every word must be name=value{hint}",
            )


def buildkit_words(rest: str, escape: str) -> list[str]:
    """Words as BuildKit's parseWords sees them: quotes and escapes kept in the word."""
    words: list[str] = []
    word = ""
    quote = ""
    in_word = False
    blank_ok = False
    pos = 0
    n = len(rest)
    while pos < n:
        ch = rest[pos]
        if not in_word and not quote:
            if _is_go_space(ch):
                pos += 1
                continue
            in_word = True
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape and quote != "'":
                if pos + 1 == n:
                    pos += 1
                    continue
                word += ch
                pos += 1
                ch = rest[pos]
            word += ch
            pos += 1
            continue
        if _is_go_space(ch):
            if blank_ok or word:
                words.append(word)
            word, blank_ok, in_word = "", False, False
            pos += 1
            continue
        if ch in "'\"":
            quote = ch
            blank_ok = True
        if ch == escape:
            if pos + 1 == n:
                pos += 1
                continue
            word += ch
            pos += 1
            ch = rest[pos]
        word += ch
        pos += 1
    if in_word and (blank_ok or word):
        words.append(word)
    return words


_KEYWORD_END_RE = lazy_compile(r"[\t\v\f\r ]")


def keyword_word(logical: str) -> str:
    """The instruction word as BuildKit splits it: only ASCII blanks end it, so a
    non-breaking space pasted after ``RUN`` makes an unknown instruction, as in Docker."""
    text = go_lstrip(logical)
    match = _KEYWORD_END_RE.search(text)
    return text[: match.start()] if match else text


def _extract_flags(line: str, pos: int) -> tuple[list[Flag], int]:
    """Leading ``--name[=value]`` words, as BuildKit's extractBuilderFlags reads them."""
    flags: list[Flag] = []
    n = len(line)
    while True:
        while pos < n and line[pos].isspace():
            pos += 1
        if not line.startswith("--", pos):
            return flags, pos
        start = pos
        word: list[str] = []
        quote = ""
        while pos < n:
            ch = line[pos]
            if quote:
                if ch == quote:
                    quote = ""
                elif ch == "\\" and quote != "'" and pos + 1 < n:
                    pos += 1
                    word.append(line[pos])
                else:
                    word.append(ch)
            elif ch.isspace():
                break
            elif ch in "'\"":
                quote = ch
            elif ch == "\\" and pos + 1 < n:
                pos += 1
                word.append(line[pos])
            else:
                word.append(ch)
            pos += 1
        text = "".join(word)
        if text == "--":
            return flags, pos
        body = text[2:]
        name, sep, value = body.partition("=")
        flags.append(Flag(name.lower(), value if sep else None, start, pos))


@dataclass(frozen=True)
class Word:
    text: str  # quotes removed
    start: int  # span in the text it was split from
    end: int


def split_words(text: str, start: int = 0) -> list[Word]:
    """Split on blanks outside quotes; quote characters are dropped from ``Word.text``."""
    words: list[Word] = []
    pos = start
    n = len(text)
    while pos < n:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        begin = pos
        chars: list[str] = []
        quote = ""
        while pos < n:
            ch = text[pos]
            if quote:
                if ch == quote:
                    quote = ""
                else:
                    chars.append(ch)
            elif ch.isspace():
                break
            elif ch in "'\"":
                quote = ch
            else:
                chars.append(ch)
            pos += 1
        words.append(Word("".join(chars), begin, pos))
    return words


# --- edits -------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """Replace nodes[start:end] with ``text``; start == end inserts before ``start``.

    Text written by transforms uses "\\n"; it is converted to the file's line ending.
    """

    start: int
    end: int
    text: str


def replace(node: Node, text: str) -> Edit:
    return Edit(node.index, node.index + 1, text)


def insert_before(node_index: int, text: str) -> Edit:
    return Edit(node_index, node_index, text)


def delete(node: Node) -> Edit:
    return Edit(node.index, node.index + 1, "")


class EditConflict(ValueError):
    pass


def apply_edits(doc: Dockerfile, edits: list[Edit]) -> str:
    """The new file text (with BOM) after applying non-overlapping edits."""
    if not edits:
        return doc.render()
    ordered = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[1].end > pair[1].start, pair[0]))
    parts: list[str] = []
    cursor = 0
    for _, edit in ordered:
        if edit.start < cursor:
            raise EditConflict(f"overlapping edits at node {edit.start}")
        parts.extend(n.raw for n in doc.nodes[cursor : edit.start])
        new_text = _to_newline(edit.text, doc.newline)
        if new_text and parts and parts[-1] and not parts[-1].endswith("\n"):
            # The file's last line had no newline and something now follows it.
            new_text = doc.newline + new_text
        parts.append(new_text)
        cursor = max(cursor, edit.end)
    parts.extend(n.raw for n in doc.nodes[cursor:])
    text = "".join(parts)
    # Keep a missing final newline missing, and never glue two lines together.
    original = doc.text
    if original and not original.endswith("\n"):
        if text.endswith(doc.newline):
            text = text[: -len(doc.newline)]
    return (BOM if doc.bom else "") + text


def _to_newline(text: str, newline: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", newline)


def with_newline(text: str, newline: str) -> str:
    return _to_newline(text, newline)
