"""What a stage's command runs: its words, and the context scripts it copies and runs.

Pure questions several transforms ask about CMD/ENTRYPOINT; the scripts' texts come
from ProjectContext.run_files, read at the edge (migrator.run_files).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Mapping

from migrator.model import Instruction, Stage, split_words
from migrator.patterns import lazy_compile

# `#!/bin/sh -l`, `#!/bin/bash --login`, `#!/usr/bin/env -S bash -l`
LOGIN_SHEBANG_RE = lazy_compile(r"^#!\s*\S*(?:env\s+(?:-S\s+)?)?\S*\b(?:ba|da|z|k)?sh\b.*\s(-l\w*|--login)\b")
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash"})


def command_words(instruction: Instruction) -> list[str]:
    """The words of a CMD/ENTRYPOINT; an exec-form argument with blanks (`sh -c "..."`) is split too."""
    if instruction.json_args is not None:
        return [w for arg in instruction.json_args for w in (arg.split() if " " in arg else [arg])]
    return [w.text for w in split_words(instruction.logical, instruction.args_start)]


def commands(chain: list[Stage]) -> list[Instruction]:
    """The ENTRYPOINT and CMD in effect: the nearest stage's, through FROM <stage>."""
    found: dict[str, Instruction] = {}
    for stage in chain:
        for keyword in ("ENTRYPOINT", "CMD"):
            instruction = stage.last(keyword)
            if instruction is not None and keyword not in found:
                found[keyword] = instruction
    return [found[k] for k in ("ENTRYPOINT", "CMD") if k in found]


def scripts_run(chain: list[Stage], instruction: Instruction, run_files: Mapping[str, str]) -> list[str]:
    """Context files the command runs: a word naming a script a stage copies from the context."""
    names = {w.rsplit("/", 1)[-1] for w in command_words(instruction) if w and not w.startswith("-")}
    sources = [
        posixpath.normpath(word)
        for stage in chain
        for copy in stage.instructions
        if copy.keyword in ("COPY", "ADD") and copy.flag("from") is None
        for word in (copy.json_args or copy.words)[:-1]
    ]
    found = []
    for path in sorted(run_files):
        if posixpath.basename(path) not in names:
            continue
        if any(s == "." or s == path or path.startswith(s + "/") or fnmatch.fnmatch(path, s) for s in sources):
            found.append(path)
    return found


def login_shell(chain: list[Stage], run_files: Mapping[str, str]) -> tuple[Instruction, str] | None:
    """The command (and how) when the container's command runs in a login shell.

    A login shell reads /etc/profile, which on Debian and Alpine sets PATH afresh: a
    venv reached only through ENV PATH is not on it there.
    """
    for instruction in commands(chain):
        words = command_words(instruction)
        for shell, option in zip(words, words[1:], strict=False):
            if shell.rsplit("/", 1)[-1] in SHELLS and (
                option == "--login" or (re.fullmatch(r"-[a-zA-Z]+", option) and "l" in option)
            ):
                return instruction, f"`{shell} {option}`"
        for script in scripts_run(chain, instruction, run_files):
            first = run_files[script].split("\n", 1)[0].rstrip("\r")
            if LOGIN_SHEBANG_RE.match(first):
                return instruction, f"{script}: `{first}`"
    return None
