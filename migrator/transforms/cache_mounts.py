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

Poetry's default venvs live in ``<cache>/virtualenvs``: unless the stage makes the venv
in-project, elsewhere or not at all (ENV or ``poetry config virtualenvs.*``), only the
downloads (``<cache>/cache`` and ``<cache>/artifacts``) are mounted, so the venv stays in
the image. A comment inside a removed command's lines moves above the RUN.

Left alone: exec-form RUNs, apk (``apk add --no-cache`` keeps no cache), a RUN that
already mounts that target, steps run by a non-root USER (the cache belongs to root:
a warning says so), apt installs whose ``apt-get update`` ran in an earlier RUN (the
mount would hide the lists that RUN left in the image), and a mount that an ``rm`` which
must stay (guarded by ``||``, in a heredoc, or of a folder another tool also fills) would
hit: ``rm -rf`` of a mount point fails with "Device or resource busy". Heredoc RUNs get
all their mounts on the RUN line, before ``<<EOF``, and their scripts are never edited.
"""

from __future__ import annotations

import posixpath
import re

from migrator.analysis import env_at, env_pairs, is_poetry_install, pip_program, poetry_subcommand
from migrator.contract import ROOT_USERS
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, insert_before, replace, split_words
from migrator.record import dataclass
from migrator.shell import SimpleCommand, merge_spans, run_commands, split_commands
from migrator.transform import Note, Outcome, Safety, Transform

CODE = "MIG004"
SYNTAX_LINE = "# syntax=docker/dockerfile:1\n"
APT_TARGETS = ("/var/cache/apt", "/var/lib/apt")
# Tools whose caches also live under ~/.cache: never delete that folder under them.
OTHER_CACHE_USERS = frozenset({"uv", "uvx", "pipx", "pdm", "hatch", "conda", "mamba", "micromamba"})
RM_OPTION_RE = re.compile(r"^-[rRfdv]+$|^--(recursive|force|verbose|dir)$")


@dataclass(frozen=True)
class CacheKind:
    """One cache: the folders to mount, and which paths a cleanup of it may name."""

    name: str  # "pip" | "poetry" | "apt"
    targets: tuple[str, ...]
    cleanup_paths: frozenset[str]
    options: str = ""  # appended to each mount, e.g. ",sharing=locked"
    # Sets of mounted targets that already do the job (the first is ``targets``).
    enough: tuple[frozenset[str], ...] = ()

    def mounts(self, present: set[str]) -> list[str]:
        return [f"type=cache,target={t}{self.options}" for t in self.targets if t not in present]

    def satisfied_by(self, present: set[str]) -> bool:
        return any(group <= present for group in (frozenset(self.targets), *self.enough))


@dataclass(frozen=True)
class Plan:
    """What happens to one RUN: the mounts it gets and the commands or words it loses."""

    kinds: tuple[CacheKind, ...]
    removed_commands: frozenset[int]
    removed_words: frozenset[tuple[int, int]]  # (command index, word index)


def apply(doc: Dockerfile, project, settings) -> Outcome:
    edits: list[Edit] = []
    changes: list[Note] = []
    warnings: list[Note] = []
    for stage in doc.stages:
        stage_edits, stage_changes, stage_warnings = _mount_stage(doc, stage)
        edits += stage_edits
        changes += stage_changes
        warnings += stage_warnings
    uses_mounts = bool(edits) or any("mount" in {f.name for f in i.flags} for i in doc.instructions)
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
    # ENV and `poetry config virtualenvs.*` so far, kept up in one pass: a file with
    # thousands of RUNs must not be read again for each of them.
    env: dict[str, str] = {}
    venv_config: dict[str, str] = {}
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction))
        if instruction.keyword != "RUN":
            continue
        _read_venv_config(instruction, venv_config)
        present = _mount_targets(instruction)
        needed = _kinds_needed(instruction, env, venv_config)
        missing = [k for k in needed if not k.satisfied_by(present)]
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
        plan, blocked = _plan(stage, instruction, needed, missing, present)
        for kind, path in blocked:
            warnings.append(
                Note(
                    CODE,
                    instruction.start_line,
                    f"no cache mount for {kind.name}: `rm` of {path} stays in this RUN and would fail on the mount",
                )
            )
        if not plan.kinds:
            continue
        edits.append(replace(instruction, _mounted(doc, instruction, plan, present)))
        names = " and ".join(k.name for k in plan.kinds)
        changes.append(Note(CODE, instruction.start_line, f"cache mount for {names}"))
        if any(k.name == "pip" for k in plan.kinds) and pip_mounted_after is None:
            pip_mounted_after = instruction.index
    if pip_mounted_after is not None:
        for instruction in stage.find("ENV"):
            if instruction.index < pip_mounted_after:
                edit = _without_pip_no_cache_dir(instruction)
                if edit is not None:
                    edits.append(edit)
                    changes.append(
                        Note(CODE, instruction.start_line, "removed PIP_NO_CACHE_DIR: the pip cache is a mount now")
                    )
    return edits, changes, warnings


# --- which caches a RUN uses ---------------------------------------------------


def _command_lists(instruction: Instruction) -> list[list[SimpleCommand]]:
    lists = [run_commands(instruction)]
    for heredoc in instruction.heredocs:
        # A heredoc script runs its lines in order, like one chain of commands.
        lists.append([c for line in heredoc.content.splitlines() for c in split_commands(line)])
    return lists


def _kinds_needed(instruction: Instruction, env: dict[str, str], venv_config: dict[str, str]) -> list[CacheKind]:
    if instruction.json_args is not None:
        return []
    command_lists = _command_lists(instruction)
    commands = [c for group in command_lists for c in group]
    cache_home = env.get("XDG_CACHE_HOME") or "/root/.cache"
    kinds: list[CacheKind] = []
    if any(_is_pip_install(c) for c in commands):
        target = posixpath.normpath(env.get("PIP_CACHE_DIR") or f"{cache_home}/pip")
        if _literal(target):
            kinds.append(CacheKind("pip", (target,), _cache_paths(target, "pip")))
    if any(is_poetry_install(c) for c in commands):
        target = posixpath.normpath(env.get("POETRY_CACHE_DIR") or f"{cache_home}/pypoetry")
        if _literal(target):
            paths = _cache_paths(target, "pypoetry") | {"$POETRY_CACHE_DIR", "${POETRY_CACHE_DIR}"}
            downloads = frozenset({f"{target}/cache", f"{target}/artifacts"})
            if _venv_outside(venv_config, env, target):
                kinds.append(CacheKind("poetry", (target,), paths, enough=(downloads,)))
            else:
                # Poetry's default venvs live in <cache>/virtualenvs: mounting the whole
                # cache would leave the venv out of the image. Mount only the downloads.
                kinds.append(CacheKind("poetry", tuple(sorted(downloads)), paths, enough=(frozenset({target}),)))
    if any(_updates_then_installs(group) for group in command_lists):
        kinds.append(
            CacheKind(
                "apt",
                APT_TARGETS,
                frozenset({"/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apt/archives"}),
                options=",sharing=locked",
            )
        )
    return kinds


def _read_venv_config(run: Instruction, venv_config: dict[str, str]) -> None:
    """Add the `poetry config virtualenvs.*` settings a RUN makes."""
    for group in _command_lists(run):
        for command in group:
            sub = poetry_subcommand(command)
            if sub and sub[0] == "config":
                words = [a for a in sub[1] if not a.startswith("-")]
                if len(words) >= 2 and words[0].startswith("virtualenvs."):
                    venv_config[words[0].removeprefix("virtualenvs.")] = words[1]


def _venv_outside(venv_config: dict[str, str], env: dict[str, str], cache_dir: str) -> bool:
    """Whether Poetry puts the venv somewhere other than <cache>/virtualenvs (or makes none)."""
    settings = dict(venv_config)
    for key in ("create", "in-project", "path"):
        variable = "POETRY_VIRTUALENVS_" + key.upper().replace("-", "_")
        if variable in env:
            settings[key] = env[variable]
    if settings.get("create", "").lower() in ("false", "0"):
        return True
    if settings.get("in-project", "").lower() in ("true", "1"):
        return True
    path = settings.get("path", "")
    return _literal(path) and not _within(posixpath.normpath(path), cache_dir)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _literal(path: str) -> bool:
    return path.startswith("/") and "$" not in path


GENERIC_CACHE = frozenset({"/root/.cache", "~/.cache", "$HOME/.cache", "${HOME}/.cache"})


def _cache_paths(target: str, tool_folder: str) -> frozenset[str]:
    return frozenset(
        {target, f"~/.cache/{tool_folder}", f"$HOME/.cache/{tool_folder}", f"${{HOME}}/.cache/{tool_folder}"}
    )


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


# --- what a RUN loses, and what would stop a mount --------------------------------


def _plan(
    stage: Stage,
    instruction: Instruction,
    needed: list[CacheKind],
    missing: list[CacheKind],
    present: set[str],
) -> tuple[Plan, list[tuple[CacheKind, str]]]:
    """The mounts to add and the defeaters to drop, minus mounts an `rm` that stays would break.

    ``rm -rf`` of a mount point (or of a folder holding one) fails with "Device or
    resource busy", so a cleanup that cannot be removed rules its mount out.
    """
    env = env_at(stage, instruction.index)
    kinds = list(missing)
    blocked: list[tuple[CacheKind, str]] = []
    while True:
        already = {k.name for k in needed if k.satisfied_by(present)}
        plan = _removals(instruction, kinds, _generic_cleanup_ok(instruction, {k.name for k in kinds} | already))
        hit = _blocked_by_rm(instruction, plan, env)
        if hit is None:
            return plan, blocked
        kinds.remove(hit[0])
        blocked.append(hit)


def _generic_cleanup_ok(instruction: Instruction, mounted: set[str]) -> bool:
    """`rm -rf ~/.cache` may go only when every tool of the RUN that fills it is mounted."""
    commands = [c for group in _command_lists(instruction) for c in group]
    if {c.program for c in commands} & OTHER_CACHE_USERS:
        return False
    if any(pip_program(c) is not None for c in commands) and "pip" not in mounted:
        return False
    if any(poetry_subcommand(c) is not None for c in commands) and "poetry" not in mounted:
        return False
    return bool(mounted)


def _removals(instruction: Instruction, kinds: list[CacheKind], generic_ok: bool) -> Plan:
    if instruction.heredocs or not kinds:
        return Plan(tuple(kinds), frozenset(), frozenset())  # a heredoc script is never edited
    commands = run_commands(instruction)
    names = {k.name for k in kinds}
    cleanup = frozenset().union(*(k.cleanup_paths for k in kinds)) | (GENERIC_CACHE if generic_ok else frozenset())
    commands_gone: set[int] = set()
    words_gone: set[tuple[int, int]] = set()
    for k, command in enumerate(commands):
        if _defeats_entirely(command, names, cleanup):
            if _removable(commands, k):
                commands_gone.add(k)
            continue  # a guarded cleanup stays whole rather than as a bare `rm -rf`
        words_gone |= {(k, i) for i in _defeating_words(command, names, cleanup)}
    if len(commands_gone) == len(commands):
        commands_gone = set()
    return Plan(tuple(kinds), frozenset(commands_gone), frozenset(words_gone))


def _blocked_by_rm(instruction: Instruction, plan: Plan, env: dict[str, str]) -> tuple[CacheKind, str] | None:
    remaining: list[str] = []
    for number, group in enumerate(_command_lists(instruction)):
        for k, command in enumerate(group):
            if command.program != "rm" or command.argv[0] != "rm":
                continue
            if number == 0 and k in plan.removed_commands:
                continue
            remaining += [
                w
                for i, w in enumerate(command.argv)
                if i and not RM_OPTION_RE.match(w) and not (number == 0 and (k, i) in plan.removed_words)
            ]
    for word in remaining:
        path = _resolved(word, env)
        if not path.startswith("/"):
            continue
        for kind in plan.kinds:
            if any(_within(target, path) for target in kind.targets):
                return kind, word
    return None


def _resolved(word: str, env: dict[str, str]) -> str:
    path = _trimmed(word)
    for home in ("~", "$HOME", "${HOME}"):
        if path == home or path.startswith(home + "/"):
            path = "/root" + path[len(home) :]
    for variable in ("$POETRY_CACHE_DIR", "${POETRY_CACHE_DIR}"):
        if path.startswith(variable) and "POETRY_CACHE_DIR" in env:
            path = env["POETRY_CACHE_DIR"] + path[len(variable) :]
    return posixpath.normpath(path) if path.startswith("/") else path


def _trimmed(path: str) -> str:
    while path.endswith(("/*", "/")) and len(path) > 1:
        path = path[:-2] if path.endswith("/*") else path[:-1]
    return path


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
        return bool(targets) and all(_trimmed(t) in cleanup for t in targets)
    return False


def _defeating_words(command: SimpleCommand, names: set[str], cleanup: frozenset[str]) -> list[int]:
    """Indexes of words to drop from a command that otherwise stays."""
    argv = command.argv
    found: list[int] = []
    if "pip" in names and pip_program(command) is not None:
        program_at = _program_index(argv)
        found += [i for i, w in enumerate(argv) if i > program_at and w == "--no-cache-dir"]
        found += [i for i, w in enumerate(argv) if i < program_at and w.startswith("PIP_NO_CACHE_DIR=")]
    if "poetry" in names and is_poetry_install(command):
        found += [i for i, w in enumerate(argv) if i and w == "--no-cache"]
    if command.program == "rm" and argv[0] == "rm":
        found += [i for i, w in enumerate(argv) if i and not RM_OPTION_RE.match(w) and _trimmed(w) in cleanup]
    return sorted(set(found))


def _program_index(argv: list[str]) -> int:
    for i, word in enumerate(argv):
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word):
            return i
    return len(argv)


# --- the edits -------------------------------------------------------------------


def _mounted(doc: Dockerfile, instruction: Instruction, plan: Plan, present: set[str]) -> str:
    """The RUN's raw text with mount flags after the keyword and the cache's defeaters removed."""
    flags = [f"--mount={m}" for k in plan.kinds for m in k.mounts(present)]
    if instruction.heredocs:
        # hadolint and other parsers lose a heredoc that starts on a continuation line.
        return instruction.with_flags_added(*flags)
    # Removals only touch text after the first command word: the keyword's end stays put.
    raw, comments = _without_defeaters(instruction, plan)
    args_at = instruction.raw_span(instruction.args_start, instruction.args_start)[0]
    flags_on_own_lines = bool(instruction.flags) and "\n" in instruction.raw[instruction.keyword_end : args_at]
    return "".join(comments) + _with_flag_lines(instruction.keyword_end, raw, flags, doc.escape, flags_on_own_lines)


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


def _without_defeaters(instruction: Instruction, plan: Plan) -> tuple[str, list[str]]:
    """The RUN without the planned commands and words, and the comment lines they took along.

    A comment inside a removed span cannot stay where it was (a continuation would
    run on into it), so it goes above the RUN rather than being lost.
    """
    commands = run_commands(instruction)
    spans: list[tuple[int, int, str]] = []
    for k, i in plan.removed_words:
        words = commands[k].words
        if i > 0:
            spans.append((words[i - 1].end, words[i].end, ""))
        else:
            spans.append((words[0].start, words[1].start, ""))
    spans += _command_spans(commands, set(plan.removed_commands))
    if not spans:
        return instruction.raw, []
    merged = merge_spans(spans)
    comments: list[str] = []
    for start, end, _ in merged:
        raw_start, raw_end = instruction.raw_span(start, end)
        position = raw_start
        for line in instruction.raw[raw_start:raw_end].splitlines(keepends=True):
            if line.lstrip(" \t").startswith("#") and position + len(line) <= raw_end:
                comments.append(line.strip(" \t\r\n") + "\n")
            position += len(line)
    return instruction.splice_many(merged), comments


def _command_spans(commands: list[SimpleCommand], indexes: set[int]) -> list[tuple[int, int, str]]:
    """The logical spans shell.remove_commands cuts; combinable with word edits."""
    keep = [k for k in range(len(commands)) if k not in indexes]
    spans: list[tuple[int, int, str]] = []
    for k in sorted(indexes):
        if any(j < k for j in keep):
            spans.append((commands[k - 1].end, commands[k].end, ""))
        else:
            spans.append((commands[k].start, commands[k + 1].start, ""))
    return spans


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
