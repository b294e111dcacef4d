"""Just enough shell to find and edit the commands of a shell-form RUN.

A RUN such as ``apt-get update && apt-get install -y gcc \\`` is a list of simple
commands joined by operators. Spans are positions in ``Instruction.logical``, so an
edit maps back onto the source and keeps its continuations and comments.
"""

from __future__ import annotations

import re

from migrator.model import Instruction, Word
from migrator.record import dataclass

OPERATORS = ("&&", "||", ";", "|")


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[Word, ...]  # spans in Instruction.logical, quotes removed from .text
    operator: str | None  # the operator joining it to the previous command

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]

    @property
    def start(self) -> int:
        return self.words[0].start

    @property
    def end(self) -> int:
        return self.words[-1].end

    @property
    def program(self) -> str:
        """The command name without a path: ``/usr/bin/pip3`` -> ``pip3``."""
        for word in self.words:
            if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word.text):
                continue  # leading VAR=value assignments
            return word.text.rsplit("/", 1)[-1]
        return ""

    def has_word(self, *texts: str) -> bool:
        return any(w.text in texts for w in self.words)


def run_commands(instruction: Instruction) -> list[SimpleCommand]:
    """The simple commands of a shell-form RUN (empty for exec form)."""
    # Every transform asks again for every RUN; instructions are immutable, so the answer
    # is kept on the instance, as functools.cached_property keeps its values (records
    # compare and hash their fields only, so it changes nothing else).
    cached = instruction.__dict__.get("_run_commands")
    if cached is None:
        if instruction.json_args is not None:
            cached = ()
        else:
            cached = tuple(split_commands(instruction.logical, instruction.args_start))
        instruction.__dict__["_run_commands"] = cached
    return list(cached)


def split_commands(text: str, start: int = 0) -> list[SimpleCommand]:
    commands: list[SimpleCommand] = []
    words: list[Word] = []
    operator: str | None = None
    pos = start
    n = len(text)

    def flush(next_operator: str | None) -> None:
        nonlocal words, operator
        if words:
            commands.append(SimpleCommand(tuple(words), operator))
        words = []
        operator = next_operator

    while pos < n:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch == "#":
            break  # a shell comment: the rest of the (joined) line is not run
        op = next((o for o in OPERATORS if text.startswith(o, pos)), None) if ch in "&|;" else None
        if op:
            flush(op)
            pos += len(op)
            continue
        begin = pos
        chars, pos = _read_word(text, pos)
        words.append(Word("".join(chars), begin, pos))
    flush(None)
    return commands


def _read_word(text: str, pos: int) -> tuple[list[str], int]:
    """One word from ``pos``, quotes removed. ``$(...)`` and backticks stay whole (with
    their quotes), so blanks and operators inside a command substitution do not split it."""
    n = len(text)
    chars: list[str] = []
    stack: list[str] = []  # open quotes and substitutions: "'", '"', "$(", "`"
    while pos < n:
        ch = text[pos]
        top = stack[-1] if stack else ""
        if top == "'":
            if ch == "'":
                stack.pop()
                if _substituting(stack):
                    chars.append(ch)
            else:
                chars.append(ch)
            pos += 1
            continue
        if top == '"':
            if ch == '"':
                stack.pop()
                if _substituting(stack):
                    chars.append(ch)
                pos += 1
            elif ch == "\\" and pos + 1 < n:
                if _substituting(stack):
                    chars.append(ch)
                chars.append(text[pos + 1])
                pos += 2
            elif text.startswith("$(", pos):
                stack.append("$(")
                chars.append("$(")
                pos += 2
            else:
                if ch == "`":
                    stack.append("`")
                chars.append(ch)
                pos += 1
            continue
        if ch == "\\" and pos + 1 < n:
            if top:
                chars.append(ch)
            chars.append(text[pos + 1])
            pos += 2
            continue
        if (top == "$(" and ch == ")") or (top == "`" and ch == "`"):
            stack.pop()
            chars.append(ch)
            pos += 1
            continue
        if text.startswith("$(", pos):
            stack.append("$(")
            chars.append("$(")
            pos += 2
            continue
        if ch == "`":
            stack.append("`")
            chars.append(ch)
            pos += 1
            continue
        if not top and (ch.isspace() or ch in ";|" or (ch == "&" and text.startswith("&&", pos))):
            break
        if ch in "'\"":
            stack.append(ch)
            if top:
                chars.append(ch)
        else:
            chars.append(ch)
        pos += 1
    return chars, pos


def _substituting(stack: list[str]) -> bool:
    return any(s in ("$(", "`") for s in stack)


def remove_command(instruction: Instruction, commands: list[SimpleCommand], k: int) -> str:
    """Raw text of the RUN without command ``k`` and the operator tying it in.

    The caller deletes the whole instruction when ``k`` is its only command.
    """
    if len(commands) < 2:
        raise ValueError("cannot remove the only command of a RUN")
    if k == 0:
        return instruction.splice(commands[0].start, commands[1].start, "")
    return instruction.splice(commands[k - 1].end, commands[k].end, "")


def remove_commands(instruction: Instruction, indexes: set[int]) -> str | None:
    """Raw text without the given commands; None when nothing would be left."""
    commands = run_commands(instruction)
    keep = [k for k in range(len(commands)) if k not in indexes]
    if not keep:
        return None
    edits: list[tuple[int, int, str]] = []
    for k in sorted(indexes):
        if any(j < k for j in keep):
            # A kept command comes before: drop the operator in front of this one.
            edits.append((commands[k - 1].end, commands[k].end, ""))
        else:
            # Leading commands go with the operator after them.
            edits.append((commands[k].start, commands[k + 1].start, ""))
    return instruction.splice_many(merge_spans(edits))


def merge_spans(edits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Removal spans sorted, overlapping or touching ones joined into one."""
    merged: list[tuple[int, int, str]] = []
    for start, end, text in sorted(edits):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), "")
        else:
            merged.append((start, end, text))
    return merged


def replace_word(instruction: Instruction, word: Word, text: str) -> str:
    return instruction.splice(word.start, word.end, text)
