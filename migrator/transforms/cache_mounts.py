"""MIG004 cache-mounts: BuildKit cache mounts on the pip, Poetry and apt steps.

What it does
    Adds ``--mount=type=cache`` to every RUN that pip-installs (``/root/.cache/pip``),
    runs ``poetry install``/``poetry sync`` (``/root/.cache/pypoetry``, or the literal
    ``POETRY_CACHE_DIR`` the stage sets) or runs ``apt-get update`` and then installs
    (``/var/cache/apt`` and ``/var/lib/apt``, ``sharing=locked``), in every stage. In those
    RUNs it removes what defeats the cache: ``--no-cache-dir``, ``pip cache purge``,
    ``rm -rf`` of the cache folders, ``apt-get clean`` and ``rm -rf /var/lib/apt/lists/*``;
    and it drops ``ENV PIP_NO_CACHE_DIR`` from a stage whose pip steps get the mount.
    A file that uses mounts gets ``# syntax=docker/dockerfile:1`` as its first line.

Why
    Without a cache, every change to the lock file downloads every wheel and every
    Debian package again. A cache mount keeps them between builds and out of the
    image, so the image stays as small as the ``--no-cache-dir``/``rm -rf`` version.

Example
    ``RUN pip install --no-cache-dir poetry==2.2.1``

Use instead
    ``RUN --mount=type=cache,target=/root/.cache/pip pip install poetry==2.2.1``

Left alone: exec-form RUNs, apk (``apk add --no-cache`` keeps no cache), a RUN that
already mounts that target, steps run by a non-root USER (the cache belongs to root:
a warning says so), and apt installs whose ``apt-get update`` ran in an earlier RUN
(the mount would hide the lists that RUN left in the image). Heredoc RUNs get all their
mounts on the RUN line, before ``<<EOF``, and their scripts are never edited.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from migrator.analysis import env_at, env_pairs, is_poetry_install, pip_program
from migrator.contract import ROOT_USERS
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, insert_before, replace, split_words
from migrator.shell import SimpleCommand, run_commands, split_commands
from migrator.transform import Note, Outcome, Safety, Transform

CODE = "MIG004"
SYNTAX_LINE = "# syntax=docker/dockerfile:1\n"
APT_TARGETS = ("/var/cache/apt", "/var/lib/apt")
# Tools whose caches also live under ~/.cache: never delete that folder under them.
OTHER_CACHE_USERS = frozenset({"uv", "uvx", "pipx", "pdm", "hatch", "conda", "mamba", "micromamba"})
RM_OPTION_RE = re.compile(r"^-[rRfdv]+$|^--(recursive|force|verbose|dir)$")


@dataclass(frozen=True)
class CacheKind:
    """One cache: where it lives and which paths a cleanup of it may name."""

    name: str  # "pip" | "poetry" | "apt"
    mounts: tuple[str, ...]
    cleanup_paths: frozenset[str]


def apply(doc: Dockerfile, project, settings) -> Outcome:
    edits: list[Edit] = []
    changes: list[Note] = []
    warnings: list[Note] = []
    for stage in doc.stages:
        stage_edits, stage_changes, stage_warnings = _mount_stage(doc, stage)
        edits += stage_edits
        changes += stage_changes
        warnings += stage_warnings
    uses_mounts = bool(edits) or any(
        i.heredocs or "mount" in {f.name for f in i.flags} for i in doc.instructions
    )
    if uses_mounts and settings.syntax_directive and "syntax" not in doc.directives and doc.nodes:
        # Node 0 is the first line: after the BOM (kept by render) and before `# escape=`.
        edits.append(insert_before(0, SYNTAX_LINE))
        changes.append(Note(CODE, 1, "added '# syntax=docker/dockerfile:1' for BuildKit cache mounts"))
    return Outcome(edits=tuple(edits), changes=tuple(changes), warnings=tuple(warnings))


def _mount_stage(doc: Dockerfile, stage: Stage) -> tuple[list[Edit], list[Note], list[Note]]:
    edits: list[Edit] = []
    changes: list[Note] = []
    warnings: list[Note] = []
    pip_mounted_after: int | None = None  # node index of the first RUN given a pip mount
    for instruction in stage.find("RUN"):
        kinds = _kinds_needed(stage, instruction)
        missing = [k for k in kinds if not _has_mounts(instruction, k)]
        if not missing:
            continue
        user = _user_at(doc, stage, instruction.index)
        if user is not None:
            warnings.append(
                Note(
                    CODE,
                    instruction.start_line,
                    f"no cache mount for {', '.join(k.name for k in missing)}: the step runs as USER {user}, "
                    "and the cache would belong to root; run it before USER or add uid= to a mount by hand",
                )
            )
            continue
        edits.append(replace(instruction, _mounted(doc, instruction, missing)))
        names = " and ".join(k.name for k in missing)
        changes.append(Note(CODE, instruction.start_line, f"cache mount for {names}"))
        if any(k.name == "pip" for k in missing) and pip_mounted_after is None:
            pip_mounted_after = instruction.index
    if pip_mounted_after is not None:
        for instruction in stage.find("ENV"):
            if instruction.index < pip_mounted_after:
                edit = _without_pip_no_cache_dir(instruction)
                if edit is not None:
                    edits.append(edit)
                    changes.append(Note(CODE, instruction.start_line, "removed PIP_NO_CACHE_DIR: the pip cache is a mount now"))
    return edits, changes, warnings


# --- which caches a RUN uses ---------------------------------------------------


def _kinds_needed(stage: Stage, instruction: Instruction) -> list[CacheKind]:
    if instruction.json_args is not None:
        return []
    command_lists = [run_commands(instruction)]
    for heredoc in instruction.heredocs:
        # A heredoc script runs its lines in order, like one chain of commands.
        command_lists.append([c for line in heredoc.content.splitlines() for c in split_commands(line)])
    commands = [c for group in command_lists for c in group]
    env = env_at(stage, instruction.index)
    home = "/root"
    cache_home = env.get("XDG_CACHE_HOME") or f"{home}/.cache"
    kinds: list[CacheKind] = []
    if any(_is_pip_install(c) for c in commands):
        target = env.get("PIP_CACHE_DIR") or f"{cache_home}/pip"
        if _literal(target):
            kinds.append(CacheKind("pip", (f"type=cache,target={target}",), _cache_paths(target, "pip")))
    if any(is_poetry_install(c) for c in commands):
        target = env.get("POETRY_CACHE_DIR") or f"{cache_home}/pypoetry"
        if _literal(target):
            paths = _cache_paths(target, "pypoetry") | {"$POETRY_CACHE_DIR", "${POETRY_CACHE_DIR}"}
            kinds.append(CacheKind("poetry", (f"type=cache,target={target}",), paths))
    if any(_updates_then_installs(group) for group in command_lists):
        kinds.append(
            CacheKind(
                "apt",
                tuple(f"type=cache,target={t},sharing=locked" for t in APT_TARGETS),
                frozenset({"/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apt/archives"}),
            )
        )
    if {c.program for c in commands} & OTHER_CACHE_USERS:
        kinds = [_without_generic_cache(k) for k in kinds]
    return kinds


def _literal(path: str) -> bool:
    return path.startswith("/") and "$" not in path


def _cache_paths(target: str, tool_folder: str) -> frozenset[str]:
    paths = {target, f"~/.cache/{tool_folder}", f"$HOME/.cache/{tool_folder}", f"${{HOME}}/.cache/{tool_folder}"}
    if target == f"/root/.cache/{tool_folder}":
        # The whole of ~/.cache holds nothing else once pip and Poetry are mounted.
        paths |= {"/root/.cache", "~/.cache", "$HOME/.cache", "${HOME}/.cache"}
    return frozenset(paths)


def _without_generic_cache(kind: CacheKind) -> CacheKind:
    generic = {"/root/.cache", "~/.cache", "$HOME/.cache", "${HOME}/.cache"}
    return CacheKind(kind.name, kind.mounts, kind.cleanup_paths - generic)


def _is_pip_install(command: SimpleCommand) -> bool:
    args = pip_program(command)
    if not args:
        return False
    positional = [a for a in args if not a.startswith("-")]
    return positional[:1] == ["install"]


def _apt_subcommand(command: SimpleCommand) -> str | None:
    if command.program not in ("apt-get", "apt"):
        return None
    argv = command.argv
    start = next((i for i, w in enumerate(argv) if w.rsplit("/", 1)[-1] in ("apt-get", "apt")), 0)
    for word in argv[start + 1 :]:
        if not word.startswith("-"):
            return word
    return None


def _updates_then_installs(commands: list[SimpleCommand]) -> bool:
    """An install after an update in the same RUN: the lists never come from an earlier layer."""
    updated = False
    for command in commands:
        sub = _apt_subcommand(command)
        if sub == "update":
            updated = True
        elif sub in ("install", "upgrade", "dist-upgrade", "full-upgrade") and updated:
            return True
    return False


def _mount_targets(instruction: Instruction) -> set[str]:
    targets = set()
    for value in instruction.flag_values("mount"):
        options = dict(part.partition("=")[::2] for part in value.split(","))
        if options.get("type") != "cache":
            continue
        target = options.get("target") or options.get("dst") or options.get("destination")
        if target:
            targets.add(posixpath.normpath(target))
    return targets


def _has_mounts(instruction: Instruction, kind: CacheKind) -> bool:
    present = _mount_targets(instruction)
    wanted = {posixpath.normpath(m.split(",")[1].removeprefix("target=")) for m in kind.mounts}
    return wanted <= present


def _user_at(doc: Dockerfile, stage: Stage, node_index: int) -> str | None:
    """The non-root USER in effect at a node, or None for root (the default).

    A stage built FROM an earlier stage starts as that stage's last USER.
    """
    user = None
    parent = next(
        (s for s in doc.stages[: stage.number] if s.name and s.name.lower() == stage.base_image.lower()),
        None,
    )
    if parent is not None:
        user = _user_at(doc, parent, parent.end_node)
    for instruction in stage.find("USER"):
        if instruction.index < node_index and instruction.words:
            user = instruction.words[0]
    return None if user is None or user in ROOT_USERS else user


# --- the edits -------------------------------------------------------------------


def _mounted(doc: Dockerfile, instruction: Instruction, kinds: list[CacheKind]) -> str:
    """The RUN's raw text with mount flags after the keyword and the cache's defeaters removed."""
    # A heredoc script is never edited: only the flags change. Removals only touch
    # text after the first command word, so the keyword's end stays where it was.
    raw = instruction.raw if instruction.heredocs else _without_defeaters(instruction, kinds)
    flags = [f"--mount={m}" for k in kinds for m in k.mounts]
    if instruction.heredocs:
        # hadolint and other parsers lose a heredoc that starts on a continuation line.
        return instruction.with_flags_added(*flags)
    args_at = instruction.raw_span(instruction.args_start, instruction.args_start)[0]
    flags_on_own_lines = bool(instruction.flags) and "\n" in instruction.raw[instruction.keyword_end : args_at]
    return _with_flag_lines(instruction.keyword_end, raw, flags, doc.escape, flags_on_own_lines)


def _with_flag_lines(pos: int, raw: str, flags: list[str], escape: str, own_lines: bool = False) -> str:
    """One flag inline; two or more (or next to flags already one per line) each on a line of its own."""
    head, rest = raw[:pos], raw[pos:]
    if own_lines:
        return head + "".join(f" {flag} {escape}\n   " for flag in flags) + rest
    if len(flags) == 1:
        return head + " " + flags[0] + rest
    joined = f" {escape}\n    ".join(flags)
    blank = len(rest) - len(rest.lstrip(" \t"))
    if re.match(re.escape(escape) + r"[ \t]*\r?\n", rest[blank:]):
        return head + " " + joined + rest  # the arguments already start on the next line
    return head + " " + joined + f" {escape}\n    " + rest[blank:]


def _without_defeaters(instruction: Instruction, kinds: list[CacheKind]) -> str:
    commands = run_commands(instruction)
    names = {k.name for k in kinds}
    cleanup = frozenset().union(*(k.cleanup_paths for k in kinds))
    remove: set[int] = set()
    spans: list[tuple[int, int, str]] = []
    for k, command in enumerate(commands):
        if not _removable(commands, k):
            whole = False
        else:
            whole = _defeats_entirely(command, names, cleanup)
        if whole:
            remove.add(k)
            continue
        for word_index in _defeating_words(command, names, cleanup):
            word = command.words[word_index]
            spans.append((command.words[word_index - 1].end, word.end, ""))
    if len(remove) == len(commands):
        remove = set()
    spans += _command_spans(commands, remove)
    if not spans:
        return instruction.raw
    return instruction.splice_many(spans)


def _removable(commands: list[SimpleCommand], k: int) -> bool:
    """Only commands chained by && or ; go: dropping one from `a || b` or a pipe changes the rest."""
    own = commands[k].operator
    following = commands[k + 1].operator if k + 1 < len(commands) else None
    return own in (None, "&&", ";") and following in (None, "&&", ";")


def _defeats_entirely(command: SimpleCommand, names: set[str], cleanup: frozenset[str]) -> bool:
    argv = command.argv
    if "pip" in names:
        args = pip_program(command)
        if args is not None and [a for a in args if not a.startswith("-")][:2] == ["cache", "purge"]:
            return True
    if "apt" in names and _apt_subcommand(command) in ("clean", "autoclean"):
        return True
    if command.program == "rm" and argv[0] == "rm":
        targets = [a for a in argv[1:] if not RM_OPTION_RE.match(a)]
        return bool(targets) and all(_names_cache(t, cleanup) for t in targets)
    return False


def _defeating_words(command: SimpleCommand, names: set[str], cleanup: frozenset[str]) -> list[int]:
    """Indexes (never 0) of words to drop from a command that otherwise stays."""
    argv = command.argv
    found: list[int] = []
    if "pip" in names and pip_program(command) is not None:
        found += [i for i, w in enumerate(argv) if i and w == "--no-cache-dir"]
        found += [i for i, w in enumerate(argv) if i and w.startswith("PIP_NO_CACHE_DIR=") and i < _program_index(argv)]
    if "poetry" in names and is_poetry_install(command):
        found += [i for i, w in enumerate(argv) if i and w == "--no-cache"]
    if command.program == "rm" and argv[0] == "rm":
        found += [i for i, w in enumerate(argv) if i and not RM_OPTION_RE.match(w) and _names_cache(w, cleanup)]
    return sorted(set(found))


def _program_index(argv: list[str]) -> int:
    for i, word in enumerate(argv):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
            return i
    return len(argv)


def _names_cache(path: str, cleanup: frozenset[str]) -> bool:
    trimmed = path
    while trimmed.endswith(("/*", "/")) and len(trimmed) > 1:
        trimmed = trimmed[:-2] if trimmed.endswith("/*") else trimmed[:-1]
    return trimmed in cleanup


def _command_spans(commands: list[SimpleCommand], indexes: set[int]) -> list[tuple[int, int, str]]:
    """The logical spans shell.remove_commands cuts, merged; combinable with word edits."""
    keep = [k for k in range(len(commands)) if k not in indexes]
    spans: list[tuple[int, int, str]] = []
    for k in sorted(indexes):
        if any(j < k for j in keep):
            spans.append((commands[k - 1].end, commands[k].end, ""))
        else:
            spans.append((commands[k].start, commands[k + 1].start, ""))
    merged: list[tuple[int, int, str]] = []
    for start, end, text in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), "")
        else:
            merged.append((start, end, text))
    return merged


def _without_pip_no_cache_dir(instruction: Instruction) -> Edit | None:
    pairs = env_pairs(instruction)
    if not any(key == "PIP_NO_CACHE_DIR" for key, _ in pairs):
        return None
    if len(pairs) == 1:
        return delete(instruction)
    words = split_words(instruction.logical, instruction.args_start)
    k = next(i for i, w in enumerate(words) if w.text.partition("=")[0] == "PIP_NO_CACHE_DIR")
    if k > 0:
        span = (words[k - 1].end, words[k].end)
    else:
        span = (words[k].start, words[k + 1].start)
    return replace(instruction, instruction.splice(*span, ""))


TRANSFORM = Transform(
    code=CODE,
    name="cache-mounts",
    reason="pip, Poetry and apt downloads are cached between builds and kept out of the image",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
