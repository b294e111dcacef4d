"""MIG006 switch-to-uv: install the locked dependencies with uv instead of Poetry.

What it does
    In every stage that runs Poetry: copies the uv binaries from the pinned uv image
    (`COPY --from=ghcr.io/astral-sh/uv:X.Y.Z /uv /uvx /bin/`, the uv that wrote
    uv.lock), sets `UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=0`
    (plus `UV_PROJECT_ENVIRONMENT` when Poetry's venv is not `<workdir>/.venv`),
    turns `poetry install --no-root` into a cache- and bind-mounted
    `uv sync --locked --no-install-project`, the root install into
    `uv sync --locked --no-editable`, maps group options (`--without dev` ->
    `--no-dev`; `--only main` -> `--no-dev`, or `--no-default-groups` when the
    project has other groups; `--with X` -> `--group X`; `-E X` -> `--extra X`),
    turns `poetry run X` into `uv run --no-sync X` in RUN and into `X` in CMD and
    ENTRYPOINT (the venv is on PATH there), and removes everything else of Poetry:
    POETRY_* ENV/ARG, `pip install poetry` and the installer script,
    `poetry config`, copies of poetry.lock and poetry.toml, Poetry cache mounts.
    `--no-editable`: the root goes into the venv as a real install, so the venv
    does not depend on the source tree staying where it was built (the runtime
    stage copies the whole project folder today, so both would run; this one keeps
    working if it ever copies only the venv, as uv's Docker guide recommends).
    `--frozen` on that root install when a `uv sync --locked --no-install-project`
    of the same stage came before it: that sync already checked uv.lock against the
    same pyproject.toml (bind-mounted or copied from the same context), so the sync
    that re-runs after every source edit installs the project from the lock and
    resolves nothing (with `--locked` it resolves again to re-check the lock:
    "Resolved N packages" in its build log). A lone sync keeps `--locked`.
    `--reinstall-package NAME` beside `--no-editable`: uv keys its cached build of a
    local project on pyproject.toml (its default cache-keys), not on the source, so
    after a source-only edit a sync from the warm cache mount installed the wheel of
    the earlier build and the image ran the old code (seen in the e2e rebuild logs:
    "Installed 1 package" with no "Built"; astral-sh/uv#13685). Reinstalling the
    project by name rebuilds it from the copied source; a project whose name is not
    known is installed editable instead, which follows the copied source.
    Opt-in (`--uv`): pyproject.toml and the lock are converted with it
    (migrator/uv_project.py), so the Dockerfile alone never switches; selected by
    code without `--uv` it refuses unless the project already has a uv.lock.

Why
    uv installs the same locked versions several times faster than Poetry, needs no
    tool installed with pip in the image, and its cache mount makes rebuilds cheap.

Example
    RUN pip install "poetry==$POETRY_VERSION"
    COPY pyproject.toml poetry.lock ./
    RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev --no-root
    becomes
    COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/
    ENV UV_COMPILE_BYTECODE=1 ...
    RUN --mount=type=cache,target=/root/.cache/uv \\
        --mount=type=bind,source=uv.lock,target=uv.lock \\
        --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\
        uv sync --locked --no-install-project --no-dev

Notes
    - A venv MIG001 seeded with `python -m venv` (the setuptools a Poetry 1 venv or the
      system Python had, for a dependency's undeclared `import pkg_resources`) is synced with
      `--inexact`: an exact `uv sync` removes what the lock does not name.

Use instead
    Keep Poetry (leave out `--uv`) when the build relies on Poetry plugins
    (`poetry self add`) or on a private source whose credentials come from
    POETRY_HTTP_BASIC_* variables: the switch refuses those, in one line, and
    changes nothing.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Sequence

from migrator.analysis import (
    commands_in,
    env_pairs,
    installs_poetry_itself,
    pip_program,
    poetry_subcommand,
    venv_dir,
    workdir_at,
)
from migrator.model import Dockerfile, Edit, Flag, Instruction, Stage, Word, split_words
from migrator.patterns import lazy_compile
from migrator.project import ProjectContext
from migrator.record import dataclass, field
from migrator.shell import SimpleCommand, merge_spans, run_commands
from migrator.transform import NOTHING, Note, Outcome, Safety, Settings, Transform

REFUSED = "not switched to uv: "
DEFAULT_UV_VERSION = "0.13.9"  # the uv pinned by dockerfile-migrator[uv]; settings.uv_version wins
UV_IMAGE = "ghcr.io/astral-sh/uv"
UV_CACHE_MOUNT = "--mount=type=cache,target=/root/.cache/uv"
LOCK_MOUNT = "--mount=type=bind,source=uv.lock,target=uv.lock"
PYPROJECT_MOUNT = "--mount=type=bind,source=pyproject.toml,target=pyproject.toml"
POETRY_FILES = frozenset({"poetry.lock", "poetry.toml"})
ROOT_MANIFESTS = frozenset({"pyproject.toml", "poetry.lock", "poetry.toml"})
POETRY_INSTALLER_RE = lazy_compile(r"install\.python-poetry\.org|get-poetry\.py|install-poetry\.py")
CREDENTIALS_RE = lazy_compile(r"POETRY_(HTTP_BASIC|PYPI_TOKEN|CERTIFICATES)_")
# Subcommands that only set Poetry itself up: nothing to do once uv installs.
POETRY_ONLY = frozenset({"config", "--version", "-V", "version", "check", "about", "env", "cache", "debug", "lock"})
# Options of `poetry install` that change nothing uv needs to know.
IGNORED_OPTIONS = frozenset(
    {
        "--no-directory",
        "--no-interaction",
        "-n",
        "--no-ansi",
        "--ansi",
        "--sync",
        "--compile",
        "-q",
        "--quiet",
        "-v",
        "-vv",
        "-vvv",
        "--verbose",
        "--no-cache",
        "--no-plugins",
    }
)
VALUED_OPTIONS = frozenset({"--with", "--without", "--only", "-E", "--extras"})


class Refusal(Exception):
    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class StagePlan:
    """Raw-text replacements for one stage, keyed by node index; None deletes the node."""

    doc: Dockerfile
    replacements: dict[int, str | None] = field(default_factory=dict)
    changes: list[Note] = field(default_factory=list)
    first_poetry_node: int | None = None
    syncs: int = 0
    uv_runs: int = 0


def apply(doc: Dockerfile, project: ProjectContext, settings: Settings) -> Outcome:
    if not any(_mentions_poetry(i) for i in doc.instructions):
        return NOTHING
    try:
        _refuse_unswitchable(doc, project, settings)
        edits: list[Edit] = []
        changes: list[Note] = []
        global_plan = StagePlan(doc)
        for instruction in doc.global_args:
            _drop_poetry_variables(instruction, global_plan)
        edits.extend(_edits_of(global_plan))
        changes.extend(global_plan.changes)
        for stage in doc.stages:
            plan = _plan_stage(doc, stage, project, settings)
            edits.extend(_edits_of(plan))
            changes.extend(plan.changes)
        _refuse_leftovers(doc, {e.start for e in edits})
    except Refusal as refusal:
        return Outcome(warnings=(TRANSFORM.note(refusal.line, REFUSED + refusal.message),))
    return Outcome(edits=tuple(edits), changes=tuple(changes))


def _mentions_poetry(instruction: Instruction) -> bool:
    return "poetry" in instruction.logical.lower() or any("poetry" in h.content.lower() for h in instruction.heredocs)


def _refuse_unswitchable(doc: Dockerfile, project: ProjectContext, settings: Settings) -> None:
    root = project.project("") if project is not None else None
    if not settings.uv_project_ready and not (root is not None and root.has_uv_lock):
        # Without the project files (selected by code alone, or from stdin) the image would not build.
        raise Refusal(None, "run with --uv on the Dockerfile's path, so that pyproject.toml and poetry.lock switch too")
    if root is not None and root.plugins:
        raise Refusal(None, f"the build relies on Poetry plugins ({', '.join(root.plugins)}); keep Poetry")
    for instruction in doc.instructions:
        text = instruction.logical + "".join(h.content for h in instruction.heredocs)
        if CREDENTIALS_RE.search(text):
            raise Refusal(
                instruction.start_line,
                "a private source's credentials come from POETRY_HTTP_BASIC_*/POETRY_PYPI_TOKEN_*; "
                "give uv UV_INDEX_<NAME>_USERNAME/PASSWORD by hand",
            )
        if not _mentions_poetry(instruction):
            continue
        if instruction.heredocs:
            raise Refusal(instruction.start_line, "Poetry runs inside a heredoc; switch that step by hand")
        if instruction.keyword == "RUN" and instruction.json_args is not None:
            raise Refusal(instruction.start_line, "Poetry runs in an exec-form RUN; switch that step by hand")
        for command in run_commands(instruction) if instruction.keyword == "RUN" else []:
            sub = poetry_subcommand(command)
            if sub and sub[0] == "self":
                raise Refusal(instruction.start_line, "`poetry self` adds plugins the build relies on; keep Poetry")


def _plan_stage(doc: Dockerfile, stage: Stage, project: ProjectContext, settings: Settings) -> StagePlan:
    plan = StagePlan(doc)
    venv: str | None = None
    workdir = "/"
    for instruction in stage.instructions:
        if instruction.keyword in ("ENV", "ARG"):
            _drop_poetry_variables(instruction, plan)
        elif instruction.keyword in ("COPY", "ADD") and instruction.flag("from") is None:
            _drop_poetry_files(instruction, plan)
        elif instruction.keyword == "RUN" and _mentions_poetry(instruction):
            found = _switch_run(stage, instruction, plan, project)
            if found:
                venv = venv or venv_dir(stage, instruction.index)
                workdir = workdir_at(stage, instruction.index)
        elif instruction.keyword in ("CMD", "ENTRYPOINT") and _mentions_poetry(instruction):
            _drop_poetry_run(instruction, plan)
    if plan.uv_runs and not plan.syncs:
        raise Refusal(stage.from_instruction.start_line, "`poetry run` in a stage that does not install with Poetry")
    if plan.syncs:
        if venv is None:
            line = doc.nodes[plan.first_poetry_node].start_line if plan.first_poetry_node is not None else None
            if (
                "virtualenvs.create false" in " ".join(doc.text.split())
                or "POETRY_VIRTUALENVS_CREATE=false" in doc.text
            ):
                raise Refusal(
                    line,
                    "Poetry installs into the image's own Python (virtualenvs.create false); "
                    "uv would need UV_PROJECT_ENVIRONMENT set to that Python's prefix: switch by hand",
                )
            raise Refusal(
                line, "cannot tell where Poetry's virtual environment is (set POETRY_VIRTUALENVS_IN_PROJECT=true)"
            )
        _insert_uv(doc, stage, plan, settings, venv, workdir)
    return plan


def _insert_uv(doc: Dockerfile, stage: Stage, plan: StagePlan, settings: Settings, venv: str, workdir: str) -> None:
    version = settings.uv_version or DEFAULT_UV_VERSION
    lines = []
    if not any(UV_IMAGE in (i.flag_values("from") or [""])[0] for i in stage.find("COPY")):
        lines.append(f"COPY --from={UV_IMAGE}:{version} /uv /uvx /bin/\n")
    env = ["UV_COMPILE_BYTECODE=1", "UV_LINK_MODE=copy", "UV_PYTHON_DOWNLOADS=0"]
    if posixpath.normpath(venv) != posixpath.join(workdir, ".venv"):
        env.append(f"UV_PROJECT_ENVIRONMENT={venv}")
    lines.append("ENV " + " \\\n    ".join(env) + "\n")
    at = plan.first_poetry_node
    assert at is not None, "a stage with a Poetry install has a first Poetry node"
    current = plan.replacements.get(at, doc.nodes[at].raw)
    plan.replacements[at] = "".join(lines) + (current or "")
    plan.changes.append(TRANSFORM.note(doc.nodes[at].start_line, f"installs with uv {version} instead of Poetry"))


def _mark(plan: StagePlan, instruction: Instruction, raw: str | None) -> None:
    plan.replacements[instruction.index] = raw
    if raw is None:
        # A comment block right above a removed Poetry step explains that step: it goes with it.
        above = range(plan.doc.leading_comments(instruction.index), instruction.index)
        if any("poetry" in plan.doc.nodes[k].raw.lower() for k in above):
            for k in above:
                plan.replacements[k] = None
    if plan.first_poetry_node is None or instruction.index < plan.first_poetry_node:
        plan.first_poetry_node = instruction.index


def _without_words(instruction: Instruction, words: list[Word], drop: set[int]) -> str | None:
    """Raw text without some argument words (and the blanks tying them in); None if none are left."""
    keep = [k for k in range(len(words)) if k not in drop]
    if not keep:
        return None
    spans = []
    for k in sorted(drop):
        if any(j > k for j in keep):
            spans.append((words[k].start, words[k + 1].start))
        else:
            spans.append((words[k - 1].end, words[k].end))
    merged = merge_spans([(start, end, "") for start, end in spans])
    return _comments_in(instruction, merged) + instruction.splice_many(merged)


def _comments_in(instruction: Instruction, spans: list[tuple[int, int, str]]) -> str:
    """Comment lines inside removed spans, to keep above the instruction (one cannot end a continuation)."""
    moved = []
    for start, end, _ in spans:
        raw_start, raw_end = instruction.raw_span(start, end)
        moved += [
            line.lstrip()
            for line in instruction.raw[raw_start:raw_end].splitlines(keepends=True)
            if line.lstrip().startswith("#")
        ]
    return "".join(line if line.endswith("\n") else line + "\n" for line in moved)


def _is_poetry_variable(key: str, value: str) -> bool:
    return key.startswith("POETRY_") or (key == "PATH" and "poetry" in value.lower())


def _drop_poetry_variables(instruction: Instruction, plan: StagePlan) -> None:
    pairs = env_pairs(instruction)
    drop = {k for k, (key, value) in enumerate(pairs) if _is_poetry_variable(key, value)}
    if not drop:
        return
    words = split_words(instruction.logical, instruction.args_start)
    if len(words) != len(pairs):  # legacy `ENV KEY value with blanks`: one pair only
        _mark(plan, instruction, None)
    else:
        _mark(plan, instruction, _without_words(instruction, words, drop))
    plan.changes.append(TRANSFORM.note(instruction.start_line, "drops Poetry's settings"))


def _drop_poetry_files(instruction: Instruction, plan: StagePlan) -> None:
    if instruction.json_args is not None:
        if any(_is_poetry_file(s) for s in instruction.json_args[:-1]):
            raise Refusal(instruction.start_line, "an exec-form COPY copies Poetry's files; switch it by hand")
        return
    words = split_words(instruction.logical, instruction.args_start)
    sources = words[:-1]
    drop = {k for k, w in enumerate(sources) if _is_poetry_file(w.text)}
    if not drop:
        return
    nested = [
        w.text
        for w in sources
        if "/" in _manifest_name(w.text) and _manifest_name(w.text).rsplit("/", 1)[-1] in ROOT_MANIFESTS
    ]
    if nested:
        raise Refusal(
            instruction.start_line,
            f"the project is in a subfolder ({nested[0]}); --uv switches a project at the build context root only",
        )
    if all(_manifest_name(w.text) in ROOT_MANIFESTS for w in sources):
        # The uv sync after it bind-mounts pyproject.toml and uv.lock instead.
        _mark(plan, instruction, None)
    else:
        _mark(plan, instruction, _without_words(instruction, words, drop))
    plan.changes.append(TRANSFORM.note(instruction.start_line, "no longer copies Poetry's lock and config"))


def _manifest_name(source: str) -> str:
    """`./poetry.lock*` -> `poetry.lock`; a path into a subfolder keeps its folder."""
    return source.removeprefix("./").rstrip("*")


def _is_poetry_file(source: str) -> bool:
    return _manifest_name(source).rsplit("/", 1)[-1] in POETRY_FILES


def _switch_run(stage: Stage, instruction: Instruction, plan: StagePlan, project: ProjectContext) -> bool:
    """Rewrite one RUN's Poetry commands; True when it now runs `uv sync`."""
    commands = run_commands(instruction)
    removed: set[int] = set()
    replaced: dict[int, str] = {}
    for k, command in enumerate(commands):
        sub = poetry_subcommand(command)
        if installs_poetry_itself(command) or k - 1 in removed and command.operator == "|":
            removed.add(k)  # (with what the installer script is piped into)
        elif any(POETRY_INSTALLER_RE.search(word) for word in command.argv):
            removed.add(k)
        elif sub is None:
            if any("poetry" in w.lower() for w in command.argv):
                raise Refusal(instruction.start_line, f"`{' '.join(command.argv)}` needs Poetry; switch it by hand")
        elif sub[0] in ("install", "sync"):
            args = _with_dependency_selection(stage, sub[1])
            argv = _uv_sync(instruction, args, project, lock_checked=plan.syncs > 0)
            if sub[0] == "install" and _seeded_venv(stage, instruction):
                # MIG001 seeded the venv with setuptools the app may import; an exact sync would remove it.
                argv.append("--inexact")
            replaced[k] = " ".join(argv)
        elif sub[0] == "run":
            # Poetry ran it in the project's venv; `uv run --no-sync` does the same with the synced one.
            replaced[k] = "uv run --no-sync " + _after_poetry_run(instruction, command)
            plan.uv_runs += 1
        elif sub[0] in POETRY_ONLY:
            removed.add(k)
        else:
            raise Refusal(instruction.start_line, f"`poetry {sub[0]}` has no uv equivalent here; switch it by hand")
    syncs = [k for k, text in replaced.items() if text.startswith("uv sync")]
    if not removed and not replaced:
        return False
    if len(removed) == len(commands):
        _mark(plan, instruction, None)
        plan.changes.append(TRANSFORM.note(instruction.start_line, "no longer installs or configures Poetry"))
        return False
    runs_pip = any(pip_program(c) is not None for k, c in enumerate(commands) if k not in removed)
    drop_flags = [
        f
        for f in instruction.flags
        if _is_poetry_cache(f.value or "") or (not runs_pip and _is_pip_cache(f.value or ""))
    ]
    add_flags = []
    if syncs:
        if UV_CACHE_MOUNT.split("=", 1)[1] not in instruction.flag_values("mount"):
            add_flags.append(UV_CACHE_MOUNT)
        if not _copied_before(stage, instruction, plan, "uv.lock"):
            add_flags.append(LOCK_MOUNT)
        if not _copied_before(stage, instruction, plan, "pyproject.toml"):
            add_flags.append(PYPROJECT_MOUNT)
    if syncs and len(commands) == 1 and _plain_layout(instruction):
        kept = [instruction.logical[f.start : f.end] for f in instruction.flags if f not in drop_flags]
        ending = "\n" if instruction.raw.endswith("\n") else ""
        parts = kept + add_flags + [replaced[0]]
        raw = "RUN " + (" \\\n    " if len(parts) > 2 else " ").join(parts) + ending
    else:
        raw = _spliced_run(instruction, commands, removed, replaced, drop_flags, add_flags)
    _mark(plan, instruction, raw)
    plan.syncs += len(syncs)
    what = "installs with `uv sync`" if syncs else "runs without Poetry"
    plan.changes.append(TRANSFORM.note(instruction.start_line, what))
    return bool(syncs)


def _plain_layout(instruction: Instruction) -> bool:
    """No comment lines inside the continuation: rewriting the whole RUN loses nothing."""
    return not any(line.lstrip().startswith("#") for line in instruction.raw.splitlines()[1:])


def _spliced_run(
    instruction: Instruction,
    commands: Sequence[SimpleCommand],
    removed: set[int],
    replaced: dict[int, str],
    drop_flags: list[Flag],
    add_flags: list[str],
) -> str:
    spans: list[tuple[int, int, str]] = []
    keep = [k for k in range(len(commands)) if k not in removed]
    for k in sorted(removed):
        if any(j < k for j in keep):
            spans.append((commands[k - 1].end, commands[k].end, ""))
        else:
            spans.append((commands[k].start, commands[k + 1].start, ""))
    spans = merge_spans([(s, e, "") for s, e, _ in spans])
    moved = _comments_in(instruction, spans)
    for k, text in replaced.items():
        spans.append((commands[k].start, commands[k].end, text))
    for flag in drop_flags:
        end = flag.end
        while end < len(instruction.logical) and instruction.logical[end] in " \t":
            end += 1
        spans.append((flag.start, end, ""))
    if add_flags:
        leading = len(instruction.logical) - len(instruction.logical.lstrip())
        at = leading + len(instruction.logical.lstrip().split(None, 1)[0])
        spans.append((at, at, "".join(" " + f for f in add_flags)))
    return moved + instruction.splice_many(spans)


def _is_poetry_cache(mount: str) -> bool:
    return "type=cache" in mount and "poetry" in mount.lower()


def _is_pip_cache(mount: str) -> bool:
    return "type=cache" in mount and re.search(r"target=[^,]*/\.cache/pip\b", mount) is not None


def _copied_before(stage: Stage, instruction: Instruction, plan: StagePlan, name: str) -> bool:
    """Whether a COPY that survives the switch puts `name` in the build before this RUN."""
    for copy in stage.find("COPY"):
        if copy.index >= instruction.index:
            break
        if copy.flag("from") is not None or plan.replacements.get(copy.index, "") is None:
            continue
        sources = (copy.json_args or [w.text for w in split_words(copy.logical, copy.args_start)])[:-1]
        if any(s in (".", "./") or _manifest_name(s) == name for s in sources):
            return True
    return False


def _with_dependency_selection(stage: Stage, args: list[str]) -> list[str]:
    """`poetry install --only-root` (MIG002's root install) as the stage's dependency install with the project.

    uv has no project-only sync: the root install syncs the same groups and extras as the
    dependency install before it, which then finds everything already installed.
    """
    if "--only-root" not in args:
        return args
    for found in commands_in(stage):
        sub = poetry_subcommand(found.command)
        if sub and sub[0] in ("install", "sync") and "--only-root" not in sub[1]:
            return [a for a in sub[1] if a != "--no-root"]
    return [a for a in args if a != "--only-root"]


SEEDED_VENV_RE = lazy_compile(r"\bpython3?\s+-m\s+venv\s+\S*\.venv\b")


def _seeded_venv(stage: Stage, instruction: Instruction) -> bool:
    """Whether an earlier RUN of the stage makes the venv with `python -m venv` (and its setuptools)."""
    return any(
        i.index < instruction.index and SEEDED_VENV_RE.search(i.arguments)
        for i in stage.instructions
        if i.keyword == "RUN"
    )


def _uv_sync(
    instruction: Instruction, args: list[str], project: ProjectContext, lock_checked: bool = False
) -> list[str]:
    """`poetry install` options as `uv sync` options (groups, extras, root or not).

    `lock_checked`: an earlier `uv sync --locked` of this stage already checked uv.lock
    against the same pyproject.toml, so the project sync after the source COPY takes
    `--frozen` and installs from the lock without resolving again.
    """
    root = project.project("") if project is not None else None
    other_groups = [g for g in (root.groups if root else ()) if g != "dev"]
    no_project = False
    selection: list[str] = []
    k = 0
    while k < len(args):
        word = args[k]
        name, has_value, value = word.partition("=")
        if name in VALUED_OPTIONS:
            if not has_value:
                k += 1
                value = args[k] if k < len(args) else ""
            values = [v for v in re.split(r"[,\s]+", value) if v]
            selection += _selection(instruction, name, values, other_groups)
        elif name == "--no-root":
            no_project = True
        elif name == "--no-dev":
            selection.append("--no-dev")
        elif name in ("--all-extras", "--all-groups"):
            selection.append(name)
        elif name not in IGNORED_OPTIONS:
            raise Refusal(instruction.start_line, f"`poetry install {word}` has no uv equivalent; switch it by hand")
        k += 1
    argv = ["uv", "sync", "--frozen" if lock_checked and not no_project else "--locked"]
    if no_project:
        argv.append("--no-install-project")
    argv += selection
    if not no_project:
        if root is not None and root.package_mode and not root.name:
            # No name to rebuild by (see below): an editable install follows the copied source.
            return argv
        # The venv gets a real copy of the project, so it does not depend on where the source is.
        argv.append("--no-editable")
        if root is not None and root.package_mode and root.name:
            # uv keys its cached build of the project on pyproject.toml, not on the source: from
            # a warm cache mount it would install the wheel of an earlier build (stale code).
            argv += ["--reinstall-package", root.name]
    return argv


def _selection(instruction: Instruction, option: str, values: list[str], other_groups: list[str]) -> list[str]:
    if option in ("-E", "--extras"):
        return [f"--extra={v}" for v in values]
    if option == "--with":
        return [f"--group={v}" for v in values]
    if option == "--without":
        return ["--no-dev" if v == "dev" else f"--no-group={v}" for v in values]
    groups = [v for v in values if v != "main"]
    if "main" not in values:
        return ["--only-group=" + v for v in groups]
    if not groups and not other_groups:
        return ["--no-dev"]
    return ["--no-default-groups"] + [f"--group={v}" for v in groups]


def _after_poetry_run(instruction: Instruction, command: SimpleCommand) -> str:
    argv_words = list(command.words)
    for k, word in enumerate(argv_words):
        if word.text.rsplit("/", 1)[-1] == "poetry" and k + 1 < len(argv_words) and argv_words[k + 1].text == "run":
            if k + 2 >= len(argv_words):
                break
            return instruction.logical[argv_words[k + 2].start : command.end]
    raise Refusal(instruction.start_line, "`poetry run` without a command; switch it by hand")


def _drop_poetry_run(instruction: Instruction, plan: StagePlan) -> None:
    argv = instruction.json_args
    if argv is not None:
        if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] == "poetry" and argv[1] == "run":
            end = len(instruction.logical.rstrip())
            _mark(plan, instruction, instruction.splice(instruction.args_start, end, json.dumps(argv[2:])))
            plan.changes.append(TRANSFORM.note(instruction.start_line, "runs the command from the venv on PATH"))
        return
    commands = run_commands(instruction)
    subcommand = poetry_subcommand(commands[0]) if commands else None
    if subcommand and subcommand[0] == "run":
        words = commands[0].words
        _mark(plan, instruction, instruction.splice(words[0].start, words[2].start, ""))
        plan.changes.append(TRANSFORM.note(instruction.start_line, "runs the command from the venv on PATH"))


def _edits_of(plan: StagePlan) -> list[Edit]:
    return [Edit(index, index + 1, raw or "") for index, raw in sorted(plan.replacements.items())]


def _refuse_leftovers(doc: Dockerfile, edited: set[int]) -> None:
    for instruction in doc.instructions:
        if instruction.index not in edited and _mentions_poetry(instruction):
            excerpt = " ".join(instruction.logical.split())
            excerpt = excerpt if len(excerpt) <= 60 else excerpt[:57] + "..."
            raise Refusal(instruction.start_line, f"`{excerpt}` still needs Poetry; switch it by hand")


TRANSFORM = Transform(
    code="MIG006",
    name="switch-to-uv",
    reason="uv installs the locked dependencies several times faster, with no installer in the image",
    safety=Safety.UNSAFE,
    apply=apply,
    doc=__doc__,
)
