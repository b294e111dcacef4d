"""MIG004 cache-mounts: BuildKit cache mounts on the pip, Poetry and apt steps.

What it does
    Adds ``--mount=type=cache`` to every RUN that pip-installs (``/root/.cache/pip``),
    runs ``poetry install``/``poetry sync`` (``/root/.cache/pypoetry``, or the literal
    ``POETRY_CACHE_DIR`` the stage sets or inherits through ``FROM <stage>``) or runs
    ``apt-get update`` and then installs (``sharing=locked``; see apt below), in every stage. In those
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

apt (issue 11): Debian and Ubuntu bases ship ``/etc/apt/apt.conf.d/docker-clean``, which
deletes every downloaded package after each install, so a ``/var/cache/apt`` mount alone
caches nothing. In a stage that does not ship (the build stage), the first mounted apt
step removes it as Docker's documentation shows (``rm -f .../docker-clean``, then
``Binary::apt::APT::Keep-Downloaded-Packages "true";`` written to ``.../keep-cache``) and gets
``/var/cache/apt`` and ``/var/lib/apt``. The final stage keeps the base's apt configuration
(it ships, and later ``apt-get install``s in images built on it must stay clean), so it
gets only ``/var/lib/apt/lists`` and keeps its ``apt-get clean``. When any apt install of a
stage, or of a stage built FROM it, has no ``apt-get update`` before it in its own RUN, it
reads the lists an earlier RUN left in the image: a mount would hide them and the install
would fail, so no apt step of that stage is mounted, and a warning names that install.
A mount is never nested inside or around an existing mount (``/root/.cache`` already
mounted: no ``/root/.cache/pip``).

Left alone: exec-form RUNs, apk (``apk add --no-cache`` keeps no cache), a RUN that
already mounts that target, steps run by a non-root USER (the cache belongs to root:
a warning says so), and a mount that an ``rm`` which
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
from migrator.patterns import lazy_compile
from migrator.record import dataclass
from migrator.shell import SimpleCommand, merge_spans, run_commands, split_commands
from migrator.transform import Note, Outcome, Safety, Transform

CODE = "MIG004"
SYNTAX_LINE = "# syntax=docker/dockerfile:1\n"
APT_TARGETS = ("/var/cache/apt", "/var/lib/apt")
APT_LISTS = "/var/lib/apt/lists"
DOCKER_CLEAN = "/etc/apt/apt.conf.d/docker-clean"
# Docker's own recipe for an apt cache mount on Debian/Ubuntu bases: without it the
# base image's docker-clean deletes every downloaded package after each install.
KEEP_DOWNLOADS = (
    f"rm -f {DOCKER_CLEAN} \\\n    && echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' "
    "> /etc/apt/apt.conf.d/keep-cache \\\n    && "
)
# Tools whose caches also live under ~/.cache: never delete that folder under them.
OTHER_CACHE_USERS = frozenset({"uv", "uvx", "pipx", "pdm", "hatch", "conda", "mamba", "micromamba"})
RM_OPTION_RE = lazy_compile(r"^-[rRfdv]+$|^--(recursive|force|verbose|dir)$")


@dataclass(frozen=True)
class CacheKind:
    """One cache: the folders to mount, and which paths a cleanup of it may name."""

    name: str  # "pip" | "poetry" | "apt"
    targets: tuple[str, ...]
    cleanup_paths: frozenset[str]
    options: str = ""  # appended to each mount, e.g. ",sharing=locked"
    # Sets of mounted targets that already do the job (the first is ``targets``).
    enough: tuple[frozenset[str], ...] = ()
    prefix: str = ""  # commands put before the RUN's own (apt: keep the downloaded packages)

    def mounts(self, present: set[str]) -> list[str]:
        return [f"type=cache,target={t}{self.options}" for t in self.targets if not _overlaps(t, present)]

    def satisfied_by(self, present: set[str]) -> bool:
        if any(group <= present for group in (frozenset(self.targets), *self.enough)):
            return True
        # A mount inside or around an existing one would nest: the existing one stays the only one.
        return all(_overlaps(t, present) for t in self.targets)


def _overlaps(target: str, present: set[str]) -> bool:
    return any(_within(target, p) or _within(p, target) for p in present)


@dataclass(frozen=True)
class AptChoice:
    """How the apt steps of one stage are mounted.

    ``lists_needed_at``: the line of an apt install that uses package lists an earlier
    RUN left in the image (a mount on them would hide them), or None.
    ``final``: the stage is the image that ships, whose apt configuration stays as the
    base has it, so only the package lists are mounted there.
    ``docker_clean_gone``: an earlier step already removed the base's docker-clean.
    """

    lists_needed_at: int | None = None
    final: bool = True
    docker_clean_gone: bool = False


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
    # thousands of RUNs must not be read again for each of them. A stage built FROM an
    # earlier stage starts with what that stage set (POETRY_CACHE_DIR, PIP_CACHE_DIR...).
    env, venv_config, docker_clean_gone = _inherited(doc, stage)
    lists_needed_at = _apt_lists_needed_at(doc, stage)
    final = stage is doc.stages[-1]
    if lists_needed_at is not None and any(_apt_mountable(i) for i in stage.find("RUN")):
        warnings.append(
            Note(
                CODE,
                lists_needed_at,
                "no apt cache mount in this stage: this apt-get install uses the package lists an earlier RUN "
                "left in the image, which a mount on /var/lib/apt would hide",
            )
        )
    for instruction in stage.instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction))
        if instruction.keyword != "RUN":
            continue
        _read_venv_config(instruction, venv_config)
        present = _mount_targets(instruction)
        apt = AptChoice(lists_needed_at, final, docker_clean_gone)
        docker_clean_gone = docker_clean_gone or _removes_docker_clean(instruction)
        needed = _kinds_needed(instruction, env, venv_config, apt)
        missing = [k for k in needed if not k.satisfied_by(present)]
        narrowed = _narrowed(instruction, needed, present)
        if narrowed is not None and _user_at(doc, stage, instruction.index) is None:
            raw, around, target = narrowed
            edits.append(replace(instruction, raw))
            changes.append(
                Note(
                    CODE,
                    instruction.start_line,
                    f"cache mount on {around} narrowed to {target}, the only cache this step fills "
                    "(a mount inside it would nest)",
                )
            )
            continue
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
                    f"no cache mount for {kind.name}: `rm` of {path} stays in this RUN "
                    "and would fail on the mount or empty it",
                )
            )
        if not plan.kinds:
            continue
        edits.append(replace(instruction, _mounted(doc, instruction, plan, present)))
        if any(k.prefix for k in plan.kinds):
            docker_clean_gone = True
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


def _inherited(doc: Dockerfile, stage: Stage) -> tuple[dict[str, str], dict[str, str], bool]:
    """ENV, `poetry config virtualenvs.*` and docker-clean's removal from the stages a stage is built FROM."""
    parent = _parent(doc, stage)
    if parent is None:
        return {}, {}, False
    env, venv_config, gone = _inherited(doc, parent)
    for instruction in parent.instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction))
        elif instruction.keyword == "RUN":
            _read_venv_config(instruction, venv_config)
            gone = gone or _removes_docker_clean(instruction)
    return env, venv_config, gone


def _parent(doc: Dockerfile, stage: Stage) -> Stage | None:
    return next(
        (s for s in doc.stages[: stage.number] if s.name and s.name.lower() == stage.base_image.lower()),
        None,
    )


def _removes_docker_clean(instruction: Instruction) -> bool:
    return any(c.program == "rm" and DOCKER_CLEAN in c.argv[1:] for group in _command_lists(instruction) for c in group)


def _apt_mountable(instruction: Instruction) -> bool:
    return instruction.json_args is None and any(_updates_then_installs(g) for g in _command_lists(instruction))


def _apt_lists_needed_at(doc: Dockerfile, stage: Stage) -> int | None:
    """The line of an apt install in the stage, or in a stage built FROM it, that has no
    `apt-get update` before it in its own RUN: it reads the lists an earlier RUN left."""
    for other in doc.stages[stage.number :]:
        ancestor: Stage | None = other
        while ancestor is not None and ancestor is not stage:
            ancestor = _parent(doc, ancestor)
        if ancestor is None:
            continue
        for instruction in other.find("RUN"):
            for group in _command_lists(instruction):
                updated = False
                for command in group:
                    sub = _apt_subcommand(command)
                    if sub == "update":
                        updated = True
                    elif sub in APT_INSTALLS and not updated:
                        return instruction.start_line
    return None


def _apt_kind(apt: AptChoice, heredoc: bool) -> CacheKind:
    cleanup = frozenset({APT_LISTS, "/var/cache/apt", "/var/cache/apt/archives"})
    both = frozenset(APT_TARGETS)
    if apt.final or heredoc:
        # docker-clean stays: a /var/cache/apt mount would cache nothing, so only the lists.
        return CacheKind(
            "apt",
            (APT_LISTS,),
            cleanup - {"/var/cache/apt", "/var/cache/apt/archives"},
            options=",sharing=locked",
            enough=(both,),
        )
    return CacheKind(
        "apt",
        APT_TARGETS,
        cleanup,
        options=",sharing=locked",
        enough=(frozenset({APT_LISTS, "/var/cache/apt"}),),
        prefix="" if apt.docker_clean_gone else KEEP_DOWNLOADS,
    )


def _kinds_needed(
    instruction: Instruction, env: dict[str, str], venv_config: dict[str, str], apt: AptChoice | None = None
) -> list[CacheKind]:
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
    apt = apt or AptChoice()
    if apt.lists_needed_at is None and any(_updates_then_installs(group) for group in command_lists):
        kinds.append(_apt_kind(apt, bool(instruction.heredocs)))
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


def _narrowed(instruction: Instruction, needed: list[CacheKind], present: set[str]) -> tuple[str, str, str] | None:
    """(raw, old target, new target) when one cache mount holds the one cache the step fills.

    ``--mount=type=cache,target=/root/.cache`` on a pip step becomes ``target=/root/.cache/pip``:
    the same cache, which hadolint's DL3042 recognises, instead of a second mount nested in it.
    Only when nothing else in the RUN could fill the wider folder.
    """
    if len(needed) != 1 or needed[0].name != "pip" or needed[0].satisfied_by(present) is False:
        return None  # only pip: hadolint's DL3042 wants its own folder; a wider Poetry mount may serve more
    target = needed[0].targets[0]
    commands = [c for group in _command_lists(instruction) for c in group]
    if {c.program for c in commands} & OTHER_CACHE_USERS:
        return None
    if any(poetry_subcommand(c) for c in commands):
        return None
    around = [f for f in instruction.flags if f.name == "mount" and _mount_target(f.value or "") in _ancestors(target)]
    if len(around) != 1 or len(present) != 1:
        return None
    flag = around[0]
    value = flag.value or ""
    parts = [
        (key + "=" + target) if key in ("target", "dst", "destination") else part
        for part in value.split(",")
        for key in [part.partition("=")[0]]
    ]
    if any(p.partition("=")[0] == "type" and p.partition("=")[2] != "cache" for p in parts):
        return None
    text = instruction.logical[flag.start : flag.end]
    return instruction.splice(flag.start, flag.end, text.replace(value, ",".join(parts))), _mount_target(value), target


def _mount_target(value: str) -> str:
    options = dict(part.partition("=")[::2] for part in value.split(","))
    target = options.get("target") or options.get("dst") or options.get("destination") or ""
    return posixpath.normpath(target) if target else ""


def _ancestors(path: str) -> set[str]:
    found = set()
    while path not in ("/", ""):
        path = posixpath.dirname(path)
        found.add(path)
    return found


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
        elif sub in APT_INSTALLS and updated:
            return True
    return False


APT_INSTALLS = frozenset({"install", "upgrade", "dist-upgrade", "full-upgrade"})


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
    parent = _parent(doc, stage)
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
    # `apt-get clean` empties /var/cache/apt: it goes only where that folder is a mount.
    if "/var/cache/apt" in cleanup and _apt_subcommand(command) in ("clean", "autoclean"):
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
    prefix = "".join(k.prefix for k in plan.kinds).replace("\\\n", doc.escape + "\n")
    raw, comments = _without_defeaters(instruction, plan, prefix)
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


def _without_defeaters(instruction: Instruction, plan: Plan, prefix: str = "") -> tuple[str, list[str]]:
    """The RUN without the planned commands and words (``prefix`` put before its first
    command), and the comment lines they took along.

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
    if not spans and not prefix:
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
    if prefix:
        merged.append((commands[0].start, commands[0].start, prefix))
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
