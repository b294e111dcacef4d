"""MIG003 split-stages: build in one stage, run from a clean one.

What it does:
    Turns a single-stage Dockerfile that runs `poetry install` into a build stage
    (`AS build`, everything as it was) and a runtime stage from the same image that
    gets the runtime ENV, the shared libraries the build's `-dev` packages stand for,
    `COPY --from=build <project dir> <project dir>` (the in-project venv comes along,
    at the path it was built at) and the instructions that only matter when the
    container runs (CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK, VOLUME, STOPSIGNAL, LABEL,
    USER), moved with the comments above them; an ARG or ENV after the build stage's
    last step moves too when the runtime stage declares it word for word (nothing in
    the build stage uses it, and in both stages it read as a dead line). `poetry run X` becomes `X`, because
    the venv is first on PATH, when X will be in it: python, a package poetry.lock
    provides, or a script of the project whose root the build stage installs
    (`poetry run` finds `[tool.poetry.scripts]` without installing anything; the plain
    name exists only once the root is installed). Otherwise the file is not split and
    the warning names the line. In an already multi-stage file it only removes a copy
    of the venv that a copy of its parent folder repeats.

What the build stage made outside the project dir (issue 11):
    the runtime stage has only what is copied into it, so results of the build stage
    are carried over, or the split is held back. A curl/wget RUN whose files are known
    one by one (`-o`, `-O`, `mv`/`cp`/`install` to a path, `>` redirections) gets
    `COPY --from=build <file> <file>` in the runtime stage for each file it leaves outside
    the project dir and scratch folders; one piped into a shell or unpacked into a system
    folder cannot be carried file by file, so the file is not split. apt packages named
    by a variable (`apt-get install $PACKAGES`) are installed in the runtime stage too,
    where the ARG or ENV comes along. NLTK and Hugging Face data goes to the runtime
    stage from the folder the step names (`-d`, `cache_dir=`, HF_HOME); in root's home by
    default it is not split. A project poetry.toml with `virtualenvs.create = false`
    (which only the environment overrides) installs into the system Python: not split.

Held back (issue 11), with a warning naming the line:
    What starts the container from outside the Dockerfile (migrator/launchers.py reads it):
    a compose service built from this context whose `command:`/`entrypoint:` runs Poetry,
    or a start script the ENTRYPOINT/CMD or compose names that runs Poetry (the runtime
    stage has no Poetry); a compose bind mount of the source over the folder holding the
    venv (`.:/app` hides `/app/.venv` at run time); and an image with no CMD, no command
    in compose and the venv not on PATH, which is reached only through `poetry run`.
    Held back or split, an in-project venv that a later `COPY . .` could overwrite with the
    host's `.venv` (not in .dockerignore) gets the same warning (two real unsplit images had none),
    naming the copy that would bring it (`ADD ./ ./` went unnamed), and none when no copy of the
    whole context lands there (a file copying named folders was warned). Held back, only when
    something uses that venv afterwards (its bin on PATH, a later Poetry step, the command or a
    compose service running Poetry): a real action image that pip-installs its own wheel into the
    system Python and runs that was warned about a /.venv nothing used.

Why:
    Compilers, headers, Poetry and the pip/apt caches make up most of a naive image
    and widen its attack surface; none of them is needed to run the app.

Example:
    FROM python:3.11-slim
    RUN apt-get update && apt-get install -y gcc libpq-dev
    ...
    CMD ["poetry", "run", "uvicorn", "app.main:app"]

Use instead:
    FROM python:3.11-slim AS build
    RUN apt-get update && apt-get install -y gcc libpq-dev
    ...
    FROM python:3.11-slim AS runtime
    RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
    WORKDIR /app
    ENV PATH="/app/.venv/bin:$PATH"
    COPY --from=build /app /app
    CMD ["uvicorn", "app.main:app"]
"""

from __future__ import annotations

import posixpath
import re

from migrator.analysis import (
    BUILD_ONLY_ENV_PREFIXES,
    TRUE_WORDS,
    base_image_family,
    commands_in,
    env_at,
    expanded_base_image,
    installs_into_system,
    installs_poetry_itself,
    pip_program,
    poetry_installs,
    poetry_subcommand,
    starts_in_root,
    venv_dir,
    workdir_at,
)
from migrator.contract import ROOT_USERS
from migrator.launchers import NO_LAUNCHERS, Launchers
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, replace, split_words
from migrator.packages import package_command, split_packages
from migrator.patterns import lazy_compile
from migrator.record import dataclass, field
from migrator.root_install import missing_program, poetry_run_program
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import NOTHING, Note, Outcome, Safety, Transform

MOVED = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "LABEL", "USER"})
USER_CREATION = frozenset({"useradd", "adduser", "groupadd", "addgroup"})
SYSTEM_PREP = frozenset({"mkdir", "chmod", "chown", "ln", "touch"}) | USER_CREATION
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "dpkg", "aptitude"})
HARMLESS_PIP_PACKAGES = lazy_compile(r"^(pip|pipx|setuptools|wheel|poetry[a-z0-9-]*)([=<>~!\[].*)?$", re.IGNORECASE)
VARIABLE_RE = lazy_compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# A command that only keeps the container up: the work is done by `docker exec` from outside.
IDLE_RE = lazy_compile(r"^(tail -f /dev/null|sleep (infinity|inf|\d{4,})|cat|/bin/(ba)?sh|bash|sh)$")
RUNTIME_TOOL_RE = lazy_compile(r"(?<![\w.-])(curl|wget)(?![\w.-])")


class Skip(Exception):
    """The file cannot be split safely; the message says why and what to do."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Plan:
    edits: list[Edit] = field(default_factory=list)
    changes: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)


def apply(doc: Dockerfile, project, settings) -> Outcome:
    if len(doc.stages) > 1:
        return _drop_repeated_venv_copy(doc)
    if len(doc.stages) != 1 or not poetry_installs(doc.stages[0]):
        return NOTHING
    try:
        plan = _split(doc, doc.stages[0], project)
    except Skip as skip:
        return Outcome(warnings=(TRANSFORM.note(skip.line, skip.message), *_venv_overwritten(doc.stages[0], project)))
    return Outcome(tuple(plan.edits), tuple(plan.changes), tuple(plan.warnings))


def _venv_overwritten(stage: Stage, project) -> tuple[Note, ...]:
    """Not split, the same risk as a split image: an in-project venv, then the whole context copied
    over it with no `.venv` in .dockerignore (b-munar, cirno-4 got no warning where split images did)."""
    if getattr(project, "root", None) is None or project.ignores(".venv"):
        return ()
    if any(p.virtualenvs_create is False for p in project.projects.values()):
        return ()  # poetry.toml keeps the system Python: no venv to overwrite
    install = poetry_installs(stage)[0].instruction
    venv = venv_dir(stage, install.index)
    launchers = getattr(project, "launchers", NO_LAUNCHERS)
    if venv is None or launchers.hidden_by_bind(venv) is not None:
        return ()  # no in-project venv, or compose hides it anyway (said in the skip)
    copy = _host_venv_copy(stage, install, venv)
    # k2bd: the app ran from a wheel pip-installed into the system Python; nothing used /.venv.
    if copy is None or not _venv_used_after(stage, copy, venv, launchers):
        return ()
    return (TRANSFORM.note(copy.start_line, _host_venv_message(copy, install, venv)),)


# Poetry commands that do not run anything from the project's venv.
NO_VENV_SUBCOMMANDS = frozenset(
    {"build", "export", "config", "lock", "check", "version", "about", "self", "cache", "source", "publish"}
)
VENV_WORDS_RE = lazy_compile(r"\.venv\b|VIRTUAL_ENV\b")
POETRY_WORD_RE = lazy_compile(r"(?<![\w-])poetry(?![\w-])")


def _host_venv_copy(stage: Stage, install: Instruction, venv: str) -> Instruction | None:
    """The COPY/ADD of the whole context that would put the host's `.venv` where the image's venv is:
    the first after the install, else one before it; None when no copy brings it (ipHeaders copies
    named folders only, and was warned anyway, with no line)."""
    found = []
    for instruction in stage.instructions:
        if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
            continue
        words = instruction.json_args if instruction.json_args is not None else instruction.words
        if len(words) < 2 or not any(posixpath.normpath(s) == "." for s in words[:-1]):
            continue
        landed = posixpath.normpath(posixpath.join(workdir_at(stage, instruction.index), words[-1]))
        if posixpath.join(landed, ".venv") == posixpath.normpath(venv):
            found.append(instruction)
    after = [i for i in found if i.index > install.index]
    return next(iter(after or found), None)


def _host_venv_message(copy: Instruction, install: Instruction, venv: str) -> str:
    if copy.index > install.index:
        where = f"copied over the built one ({venv})"
    else:
        where = f"copied to {venv}, where the install (line {install.start_line}) builds the image's venv"
    return f".dockerignore does not exclude .venv: a venv on the host would be {where}; add `.venv` to .dockerignore"


def _venv_used_after(stage: Stage, copy: Instruction, venv: str, launchers: Launchers) -> bool:
    """Whether anything uses the venv once the copy has run: its bin on PATH (an ENV naming it), a
    later step running Poetry or naming the venv, or the command, a compose service or a start script
    running Poetry. Cheap and generous: unsure means used."""
    if stage.last("CMD") is None and stage.last("ENTRYPOINT") is None:
        return True  # the command comes from outside (docker run, CI), maybe through `poetry run` (tfandkusu)
    for instruction in stage.instructions:
        text = instruction.logical
        if instruction.keyword == "ENV" and (venv in text or VENV_WORDS_RE.search(text)):
            return True
        if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK"):
            words = instruction.json_args if instruction.json_args is not None else instruction.words
            if POETRY_WORD_RE.search(text) or VENV_WORDS_RE.search(text) or launchers.script_running_poetry(words):
                return True
        if instruction.keyword == "RUN" and instruction.index > copy.index:
            if VENV_WORDS_RE.search(text) or launchers.script_running_poetry(instruction.words):
                return True
            for command in run_commands(instruction):
                found = poetry_subcommand(command)
                if found is not None and found[0] not in NO_VENV_SUBCOMMANDS:
                    return True
    return any(service.runs_poetry() for service in launchers.services)


# --- the split ---------------------------------------------------------------


def _split(doc: Dockerfile, stage: Stage, project) -> Plan:
    install = poetry_installs(stage)[0].instruction
    line = install.start_line
    image = expanded_base_image(doc, stage)
    if base_image_family(image) == "unknown":
        raise Skip(
            stage.from_instruction.start_line,
            f"not split: cannot tell which packages the base image '{stage.base_image}' has",
        )
    project_dir = workdir_at(stage, install.index)
    final_dir = workdir_at(stage, stage.end_node)
    if project_dir == "/":
        where = "/" if starts_in_root(image) else f"the working folder {stage.base_image} sets, not one of this file's"
        raise Skip(
            line,
            f"not split: `poetry install` runs in {where}; set a WORKDIR such as /app before it, so the project can be copied on its own",
        )
    if "$" in project_dir or "$" in final_dir:
        raise Skip(line, "not split: the WORKDIR uses a variable; write the path out so the runtime stage can copy it")
    user = _user_at(stage, install.index)
    if user is not None:
        raise Skip(line, f"not split: `poetry install` runs as USER {user}; the runtime copy's ownership would differ")
    _check_poetry_toml(stage, install.index, project, line)
    venv = venv_dir(stage, install.index)
    launchers = getattr(project, "launchers", NO_LAUNCHERS)
    hidden = launchers.hidden_by_bind(posixpath.join(project_dir, ".venv"))
    if venv is None and hidden is not None:
        service, source, target = hidden
        raise Skip(
            line,
            f"not split: {service.file} bind-mounts {source} over {target} (service {service.name}), which would "
            "hide an in-project venv, so the packages stay where Poetry puts them",
        )
    if venv is None and _creates_no_venv(stage, install.index):
        raise Skip(
            line,
            "not split: Poetry installs into the system Python here (virtualenvs.create false), "
            "which the runtime stage would not have",
        )
    if venv is None:
        if installs_into_system(stage, install.index):
            # MIG001 keeps such an install only for a reason it names; do not contradict it.
            raise Skip(line, "not split: Poetry installs into the system Python (virtualenvs.create false)")
        raise Skip(
            line,
            "not split: cannot tell where Poetry puts the venv (set POETRY_VIRTUALENVS_IN_PROJECT=true, as MIG001 does)",
        )
    _check_system_pip(stage, venv)

    plan = Plan()
    build_name = stage.name or "build"
    lower = _written_lowercase(stage.from_instruction)
    if stage.name is None:
        from_ = stage.from_instruction
        end = len(from_.logical.rstrip())
        plan.edits.append(replace(from_, from_.splice(end, end, " as build" if lower else " AS build")))

    moved = _moved(doc, stage, plan, project)
    repeated = _repeated(stage, project_dir, plan, _moved_user_runs(doc, stage, plan, moved), build_name)
    for instruction, text in moved:
        command = _instruction_lines(text) if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK") else ""
        if re.search(r"(?<![\w-])poetry(?![\w-])", command):
            raise Skip(
                instruction.start_line,
                "not split: this instruction still runs Poetry, which the runtime stage does not have",
            )
    _check_users_exist(stage, moved, repeated)
    _check_launchers(stage, moved, venv, getattr(project, "launchers", NO_LAUNCHERS), line)

    def k(keyword: str) -> str:
        return keyword.lower() if lower else keyword

    moved_text = "".join(t for _, t in moved)
    env_lines = _runtime_env(stage, k, doc.escape)
    packages = _runtime_packages(stage, image, moved_text, plan, k)
    copies = [f"{k('COPY')} --from={build_name} {project_dir} {project_dir}\n"]
    if not _inside(venv, project_dir):
        copies.append(f"{k('COPY')} --from={build_name} {venv} {venv}\n")
    path_set = any(f"{venv}/bin" in t or "$VIRTUAL_ENV/bin" in t or "${VIRTUAL_ENV}/bin" in t for t in env_lines)
    body = list(env_lines)
    if packages:
        body.append(packages)
    body.append(f"{k('WORKDIR')} {project_dir}\n")
    if not path_set:
        body.append(f'{k("ENV")} PATH="{venv}/bin:$PATH"\n')
    body.extend(copies)
    body.extend(repeated)
    if final_dir != project_dir:
        body.append(f"{k('WORKDIR')} {final_dir}\n")
    body.append(moved_text)
    head = [_runtime_from(stage.from_instruction, lower)]
    head.extend(_runtime_args(doc, stage, "".join(body), k))
    _move_trailing_settings(doc, stage, head + env_lines, plan)
    shell = stage.last("SHELL")
    if shell is not None:
        head.append(_ensure_newline(shell.raw))
    _drop_trailing_blanks(doc, plan)
    plan.edits.append(Edit(len(doc.nodes), len(doc.nodes), "\n" + "".join(head + body)))
    plan.changes.append(
        TRANSFORM.note(
            stage.from_instruction.start_line,
            f"split into a build stage and a runtime stage that copies {project_dir} (with the venv) from it",
        )
    )
    # The runtime stage runs from the venv (first on PATH): a host `.venv` copied over it always matters.
    # Named by the copy that brings it (Hoon9901's `ADD ./ ./` went unnamed), and not given when no copy
    # does (ipHeaders copies named folders only).
    context_copy = _host_venv_copy(stage, install, venv) if project.root is not None else None
    if context_copy is not None and not project.ignores(".venv"):
        plan.warnings.append(TRANSFORM.note(context_copy.start_line, _host_venv_message(context_copy, install, venv)))
    return plan


def _check_launchers(
    stage: Stage, moved: list[tuple[Instruction, str]], venv: str, launchers: Launchers, line: int
) -> None:
    """What starts the container from outside the Dockerfile must still work after the split."""
    commands = [i for i, _ in moved if i.keyword in ("CMD", "ENTRYPOINT")]
    where = commands[-1].start_line if commands else line
    for service in launchers.services:
        if service.runs_poetry():
            what = service.describe()
            raise Skip(
                where, f"not split: {service.file} {what}, which needs Poetry; the runtime stage would not have it"
            )
    words = [w for i in commands for w in (i.json_args or i.words)]
    words += [t for s in launchers.services for t in (s.command or "", s.entrypoint or "")]
    script = launchers.script_running_poetry(words)
    if script is not None:
        raise Skip(
            where, f"not split: {script}, which starts the container, runs Poetry; the runtime stage would not have it"
        )
    hidden = launchers.hidden_by_bind(venv)
    if hidden is not None:
        service, source, target = hidden
        raise Skip(
            line,
            f"not split: {service.file} bind-mounts {source} over {target} (service {service.name}), hiding the venv "
            f"{venv} there at run time; put the venv outside {target} (ENV VIRTUAL_ENV=/opt/venv) first",
        )
    told = any(s.command or s.entrypoint for s in launchers.services)
    path = env_at(stage, stage.end_node).get("PATH", "")
    on_path = f"{venv}/bin" in path or "VIRTUAL_ENV" in path
    if not commands and not told and not on_path:
        raise Skip(
            line,
            f"not split: the image has no CMD, so its command comes from outside (docker run, CI) and reaches the "
            f"venv {venv} only through `poetry run`, which the runtime stage would not have; add a CMD or "
            f'ENV PATH="{venv}/bin:$PATH" to split',
        )
    idle = next((i for i in commands if IDLE_RE.match(" ".join(i.json_args or i.words))), None)
    if idle is not None and not told:
        raise Skip(
            idle.start_line,
            "not split: this only keeps the container running, so its real commands come from `docker exec` "
            "and may run `poetry run`, which the runtime stage would not have",
        )


def _instruction_lines(text: str) -> str:
    """The instruction lines of moved text, without the comments moved along with it."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


def _check_users_exist(stage: Stage, moved: list[tuple[Instruction, str]], repeated: list[str]) -> None:
    """A USER created by a RUN that stays in the build stage would not exist at run time."""
    moved_runs = {i.index for i, _ in moved if i.keyword == "RUN"}
    for user, _ in moved:
        if user.keyword != "USER" or not user.words:
            continue
        name = user.words[0].split(":")[0]
        creators = [r for r in stage.find("RUN") if name in _created_user(r)]
        if creators and not any(r.index in moved_runs or _ensure_newline(r.raw) in repeated for r in creators):
            raise Skip(
                creators[0].start_line,
                f"not split: this RUN creates user {name} along with other work; put the user creation in a RUN of its own",
            )


def _move_trailing_settings(doc: Dockerfile, stage: Stage, runtime_lines: list[str], plan: Plan) -> None:
    """ARG and ENV after the build stage's last step serve only the image, so when the
    runtime stage declares them word for word they leave the build stage rather than
    stand in both (a reviewer read `ARG GIT_COMMIT_HASH` / `ENV GIT_COMMIT_HASH ...`
    twice as dead lines). One with a comment above it, or one the runtime stage writes
    differently (PATH without Poetry's entry, Poetry's own settings), stays where it is."""
    steps = [i for i in stage.instructions if i.keyword not in MOVED and i.keyword not in ("ARG", "ENV", "FROM")]
    if not steps:
        return
    declared = set(runtime_lines)
    for instruction in stage.instructions:
        if (
            instruction.index > steps[-1].index
            and instruction.keyword in ("ARG", "ENV")
            and doc.leading_comments(instruction.index) == instruction.index
            and _ensure_newline(instruction.raw) in declared
        ):
            plan.edits.append(delete(instruction))


def _drop_trailing_blanks(doc: Dockerfile, plan: Plan) -> None:
    """Blank lines left at the end of the build stage by what moved out of it."""
    removed = {n for edit in plan.edits if edit.text == "" for n in range(edit.start, edit.end)}
    for index in range(len(doc.nodes) - 1, -1, -1):
        node = doc.nodes[index]
        if index in removed:
            continue
        if node.is_instruction or node.kind != "blank":
            return
        plan.edits.append(delete(node))


def _creates_no_venv(stage: Stage, install_index: int) -> bool:
    """`virtualenvs.create false` from ENV or `poetry config` before the install."""
    create = env_at(stage, install_index).get("POETRY_VIRTUALENVS_CREATE")
    for found in commands_in(stage):
        sub = poetry_subcommand(found.command)
        if found.instruction.index <= install_index and sub and sub[0] == "config":
            args = [a for a in sub[1] if not a.startswith("-")]
            if len(args) >= 2 and args[0] == "virtualenvs.create":
                create = args[1]
    return create is not None and create.strip().lower() not in TRUE_WORDS


def _check_poetry_toml(stage: Stage, install_index: int, project, line: int) -> None:
    """A poetry.toml with `virtualenvs.create = false` puts the packages in the system Python.

    Only the environment (POETRY_VIRTUALENVS_CREATE, or an active VIRTUAL_ENV) overrides a
    project's poetry.toml; `poetry config` without --local does not.
    """
    projects = getattr(project, "projects", {}) or {}
    sources = {
        w.strip("./").rstrip("/")
        for i in stage.instructions
        if i.keyword in ("COPY", "ADD") and i.flag("from") is None
        for w in (i.json_args or i.words)[:-1]
    }
    env = env_at(stage, install_index)
    if env.get("POETRY_VIRTUALENVS_CREATE", "").strip().lower() in TRUE_WORDS or env.get("VIRTUAL_ENV"):
        return
    for directory, found in sorted(projects.items()):
        if found.virtualenvs_create is False and (directory == "" or directory in sources):
            where = f"{directory}/poetry.toml" if directory else "poetry.toml"
            raise Skip(
                line,
                f"not split: {where} sets virtualenvs.create = false, so Poetry installs into the system Python, "
                "which the runtime stage would not have; set ENV POETRY_VIRTUALENVS_CREATE=true to split",
            )


def _user_at(stage: Stage, node_index: int) -> str | None:
    """The non-root user in effect at a node, or None for root."""
    current = None
    for instruction in stage.find("USER"):
        if instruction.index < node_index and instruction.words:
            current = None if instruction.words[0] in ROOT_USERS else instruction.words[0]
    return current


def _check_system_pip(stage: Stage, venv: str) -> None:
    """Packages pip-installed outside the venv would be missing from the runtime stage."""
    for instruction in stage.find("RUN"):
        for command in run_commands(instruction):
            args = pip_program(command)
            if args is None or "install" not in args or installs_poetry_itself(command):
                continue
            program = next(w for w in command.argv if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w))
            path = env_at(stage, instruction.index).get("PATH", "")
            if program.startswith(venv + "/") or path.startswith(f"{venv}/bin") or "VIRTUAL_ENV" in path.split(":")[0]:
                continue
            names = [a for a in args[args.index("install") + 1 :] if not a.startswith("-")]
            if "-r" in args or "--requirement" in args or any(not HARMLESS_PIP_PACKAGES.match(n) for n in names):
                raise Skip(
                    instruction.start_line,
                    "not split: pip installs packages outside the venv, which the runtime stage would not have; install them with Poetry",
                )


def _written_lowercase(instruction: Instruction) -> bool:
    return instruction.logical.lstrip().split(None, 1)[0].islower()


def _ensure_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def _runtime_from(from_: Instruction, lower: bool) -> str:
    keyword = from_.logical.lstrip().split(None, 1)[0]
    flags = from_.logical[from_.logical.index(keyword) + len(keyword) : from_.args_start].rstrip()
    image = split_words(from_.logical, from_.args_start)[0]
    words = from_.words
    taken = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else ""
    name = "final" if taken == "runtime" else "runtime"  # stage names must be unique
    return f"{keyword}{flags} {from_.logical[image.start : image.end]} {'as' if lower else 'AS'} {name}\n"


# --- what moves ----------------------------------------------------------------


def _moved(doc: Dockerfile, stage: Stage, plan: Plan, project) -> list[tuple[Instruction, str]]:
    """(instruction, text) moved to the runtime stage, comments above included."""
    moved = []
    for instruction in stage.instructions:
        if instruction.keyword not in MOVED:
            continue
        program = poetry_run_program(instruction)
        missing = missing_program(doc, stage, program, project) if program else None
        if missing:
            raise Skip(
                instruction.start_line,
                f"not split: `poetry run {program}` cannot become `{program}` in the runtime stage, which has no "
                f"Poetry: {missing}",
            )
        moved.append((instruction, _take(doc, instruction, _without_poetry_run(instruction), plan)))
    return moved


def _take(doc: Dockerfile, instruction: Instruction, text: str, plan: Plan) -> str:
    start = doc.leading_comments(instruction.index)
    plan.edits.append(Edit(start, instruction.index + 1, ""))
    return "".join(n.raw for n in doc.nodes[start : instruction.index]) + _ensure_newline(text)


def _without_poetry_run(instruction: Instruction) -> str:
    if instruction.keyword not in ("CMD", "ENTRYPOINT"):
        return instruction.raw
    logical = instruction.logical
    if instruction.json_args is not None:
        match = re.compile(r'\[\s*"(?:[^"]*/)?poetry"\s*,\s*"run"\s*,\s*').match(logical, instruction.args_start)
        if match and len(instruction.json_args) >= 3:
            return instruction.splice(match.start(), match.end(), "[")
        return instruction.raw
    words = split_words(logical, instruction.args_start)
    if len(words) >= 3 and words[0].text == "poetry" and words[1].text == "run":
        return instruction.splice(words[0].start, words[2].start, "")
    return instruction.raw


def _created_user(instruction: Instruction) -> set[str]:
    names = set()
    for command in run_commands(instruction):
        if command.program in USER_CREATION:
            operands = [w for w in command.argv[1:] if not w.startswith("-")]
            if operands:
                names.add(operands[-1])
    return names


def _moved_user_runs(doc: Dockerfile, stage: Stage, plan: Plan, moved: list[tuple[Instruction, str]]) -> set[int]:
    """RUNs creating the moved USER, when the build stage does not need that user itself."""
    users = {i.words[0].split(":")[0] for i, _ in moved if i.keyword == "USER" and i.words}
    chowns = {
        f.value.split(":")[0]
        for i in stage.instructions
        if i.keyword in ("COPY", "ADD")
        for f in i.flags
        if f.name == "chown" and f.value
    }
    found = set()
    for instruction in stage.find("RUN"):
        created = _created_user(instruction)
        commands = run_commands(instruction)
        if created & users and not created & chowns and all(c.program in SYSTEM_PREP for c in commands):
            found.add(instruction.index)
    if found:
        for instruction in stage.find("RUN"):
            if instruction.index in found:
                moved.append((instruction, _take(doc, instruction, instruction.raw, plan)))
        moved.sort(key=lambda pair: pair[0].index)
    return found


# --- what is repeated ----------------------------------------------------------


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _repeated(stage: Stage, project_dir: str, plan: Plan, moved_users: set[int], build_name: str) -> list[str]:
    """COPY/ADD and system-prep RUNs outside the project dir, for the runtime stage too."""
    repeated = []
    for instruction in stage.instructions:
        if instruction.keyword in ("COPY", "ADD"):
            text = _copy_outside(stage, instruction, project_dir)
            if text is not None:
                repeated.append(text)
        elif instruction.keyword == "RUN" and instruction.index not in moved_users:
            carried = _downloaded(stage, instruction, project_dir)
            if carried is None:
                carried = _model_data(stage, instruction, project_dir)
            if carried is not None:
                for path in carried:
                    repeated.append(
                        f"{_keyword_as_written(stage.from_instruction, 'COPY')} --from={build_name} {path} {path}\n"
                    )
                    plan.changes.append(
                        TRANSFORM.note(
                            instruction.start_line,
                            f"the runtime stage copies {path}, which this RUN downloads, from the build stage",
                        )
                    )
                continue
            text = _prep_run_outside(stage, instruction, project_dir, plan)
            if text is not None:
                repeated.append(text)
    return repeated


# Model data fetched at build time, and where it lands unless the step says otherwise.
NLTK_RE = lazy_compile(r"nltk\.download(er)?\b|\bnltk\b.*\bdownload\b")
HF_RE = lazy_compile(
    r"huggingface-cli\s+download|\bhf\s+download|from_pretrained|snapshot_download|hf_hub_download"
    r"|SentenceTransformer\(|\bpipeline\("
)
HF_HOMES = ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE", "SENTENCE_TRANSFORMERS_HOME")
# `playwright install` puts browsers in ~/.cache/ms-playwright unless PLAYWRIGHT_BROWSERS_PATH says
# otherwise ("0": inside the package, so in the venv); install-deps/--with-deps installs apt libraries.
PLAYWRIGHT_RE = lazy_compile(r"\bplaywright\s+install\b(?!-deps)")
PLAYWRIGHT_DEPS_RE = lazy_compile(r"\bplaywright\s+install-deps\b|\bplaywright\s+install\b.*--with-deps\b")
PLAYWRIGHT_PATH_RE = lazy_compile(r"\bPLAYWRIGHT_BROWSERS_PATH=(\S+)")
# Prisma Client Python downloads its engines into ~/.cache/prisma-python at `generate`/`py fetch`.
PRISMA_RE = lazy_compile(r"\bprisma\s+(generate|py\s+fetch)\b")
# Other tools that download into root's home at build time: (what, pattern, default folder, the
# variable that moves it, when there is one).
HOME_DOWNLOADS = (
    ("pyppeteer's Chromium", lazy_compile(r"\bpyppeteer-install\b"), "~/.local/share/pyppeteer", "PYPPETEER_HOME"),
    ("torch.hub models", lazy_compile(r"\btorch\.hub\.(load|download_url_to_file)\b"), "~/.cache/torch", "TORCH_HOME"),
    ("Whisper models", lazy_compile(r"\bwhisper\.load_model\b"), "~/.cache/whisper", None),
    ("Camoufox's browser", lazy_compile(r"\bcamoufox\s+fetch\b"), "~/.cache/camoufox", None),
)


def _model_data(stage: Stage, instruction: Instruction, project_dir: str) -> list[str] | None:
    """Folders NLTK or Hugging Face data a RUN downloads lands in, for the runtime stage to copy.

    None when the RUN downloads no model data, or only into the project dir. Raises Skip
    when the folder is not written in the file (NLTK picks the first writable folder of
    its search path, else ~/nltk_data; Hugging Face uses ~/.cache/huggingface).
    spaCy's `spacy download` pip-installs the model into the interpreter that runs it,
    the venv, which the runtime stage copies. Playwright's browsers go to the folder
    PLAYWRIGHT_BROWSERS_PATH names ("0": inside the package, in the venv), else root's
    ~/.cache/ms-playwright: not split; `playwright install-deps`/`--with-deps` apt-installs
    system libraries into the build stage only, and Prisma fetches its engines into root's
    ~/.cache/prisma-python: not split either. pyppeteer (PYPPETEER_HOME), torch.hub
    (TORCH_HOME), Whisper and Camoufox download into root's home too: carried from the
    folder the variable names, else not split.
    """
    text = instruction.logical + "".join(h.content for h in instruction.heredocs)
    env = env_at(stage, instruction.index)
    words = [w for c in run_commands(instruction) for w in c.argv]
    folders: list[str] = []
    if NLTK_RE.search(text):
        folder = _option_value(words, ("-d", "--dir")) or _call_keyword(text, "download_dir")
        if folder is None:
            raise Skip(
                instruction.start_line,
                "not split: this RUN downloads NLTK data into a folder NLTK picks at build time (~/nltk_data), "
                "which the runtime stage would not have; give the folder (`-d /usr/local/share/nltk_data`) to split",
            )
        folders.append(folder)
    if HF_RE.search(text):
        folder = (
            _option_value(words, ("--local-dir", "--cache-dir"))
            or _call_keyword(text, "cache_dir")
            or _call_keyword(text, "local_dir")
            or next((env[k] for k in HF_HOMES if env.get(k)), None)
        )
        if folder is None:
            raise Skip(
                instruction.start_line,
                "not split: this RUN downloads Hugging Face models into ~/.cache/huggingface, which the runtime "
                "stage would not have; set ENV HF_HOME to a folder of its own to split",
            )
        folders.append(folder)
    if PLAYWRIGHT_DEPS_RE.search(text):
        raise Skip(
            instruction.start_line,
            "not split: this RUN installs Playwright's system libraries with apt (install-deps/--with-deps), "
            "which the runtime stage would not have",
        )
    if PLAYWRIGHT_RE.search(text):
        inline = PLAYWRIGHT_PATH_RE.search(text)
        folder = inline.group(1).strip("'\"") if inline else env.get("PLAYWRIGHT_BROWSERS_PATH")
        if not folder:
            raise Skip(
                instruction.start_line,
                "not split: this RUN downloads Playwright browsers into ~/.cache/ms-playwright, which the runtime "
                "stage would not have; set ENV PLAYWRIGHT_BROWSERS_PATH to a folder of its own to split",
            )
        if folder != "0":  # "0": the browsers live inside the playwright package, in the venv
            folders.append(folder)
    for what, pattern, default, variable in HOME_DOWNLOADS:
        if not pattern.search(text):
            continue
        folder = env.get(variable) if variable else None
        if not folder:
            how = f"; set ENV {variable} to a folder of its own to split" if variable else ""
            raise Skip(
                instruction.start_line,
                f"not split: this RUN downloads {what} into {default}, which the runtime stage would not have{how}",
            )
        folders.append(folder)
    if PRISMA_RE.search(text):
        raise Skip(
            instruction.start_line,
            "not split: this RUN makes Prisma download its engines into ~/.cache/prisma-python, which the "
            "runtime stage would not have",
        )
    if not folders:
        return None
    workdir = workdir_at(stage, instruction.index)
    resolved = [posixpath.normpath(posixpath.join(workdir, f)) for f in folders]
    if any("$" in f or "~" in f for f in resolved):
        raise Skip(instruction.start_line, "not split: this RUN downloads model data into a folder from a variable")
    return [f for f in resolved if not _inside(f, project_dir)]


def _call_keyword(text: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\s*=\s*['\"]([^'\"]+)['\"]", text)
    return match.group(1) if match else None


DOWNLOADERS = frozenset({"curl", "wget"})
# What a download RUN may also do for its result to be known file by file.
FILE_STEPS = frozenset({"chmod", "chown", "mv", "cp", "install", "ln", "rm", "mkdir", "cd", "echo", "true", "set"})
FILE_STEPS |= frozenset({"test", "sha256sum", "sha512sum", "md5sum", "gunzip", "tar", "unzip"}) | DOWNLOADERS
BUILD_ONLY_INSTALLERS = lazy_compile(r"rustup|sh\.rustup\.rs|install\.python-poetry\.org|get-poetry", re.IGNORECASE)
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/root/.cache")


def _keyword_as_written(instruction: Instruction, keyword: str) -> str:
    return keyword.lower() if _written_lowercase(instruction) else keyword


def _downloaded(stage: Stage, instruction: Instruction, project_dir: str) -> list[str] | None:
    """Files a curl/wget RUN leaves outside the project dir, for the runtime stage to copy.

    None when the RUN downloads nothing (or only a build tool such as rustup, or only into
    the project dir or a scratch folder, which other rules cover). Raises Skip when it
    downloads outside the project dir in a way that cannot be carried file by file
    (a pipe into a shell or into tar, an unknown command, a path from a variable).
    """
    commands = run_commands(instruction)
    if instruction.heredocs or not any(c.program in DOWNLOADERS for c in commands):
        return None
    text = instruction.logical
    if BUILD_ONLY_INSTALLERS.search(text):
        return None  # a build tool (or Poetry's installer, which MIG001 replaces)
    cwd = workdir_at(stage, instruction.index)
    outputs: list[str] = []
    unknown: list[str] = []  # what cannot be told file by file, outside the project dir and scratch folders

    def resolve(path: str) -> str:
        return posixpath.normpath(posixpath.join(cwd, path))

    def add(path: str) -> None:
        if "$" in path or "`" in path:
            unknown.append(path)
        elif path not in outputs:
            outputs.append(path)

    for k, command in enumerate(commands):
        argv = [w for w in command.argv if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)]
        redirected = _redirect_targets(argv)
        argv = [w for w in argv if not _is_redirection(w)]
        for target in redirected:
            add(resolve(target))
        program = command.program
        piped_into = commands[k + 1].program if k + 1 < len(commands) and commands[k + 1].operator == "|" else None
        if program not in FILE_STEPS:
            if command.operator == "|" and commands[k - 1].program in DOWNLOADERS:
                unknown.append(f"what `{program}` makes of the download")
            elif program not in ("apt-get", "apt", "apk"):
                unknown.append(f"what `{program}` does")
            continue
        if program == "cd" and len(argv) > 1:
            cwd = resolve(argv[1])
        elif program in DOWNLOADERS:
            for path in _download_targets(program, argv, cwd, piped_into is not None):
                add(path)
        elif program in ("mv", "cp", "install", "ln"):
            operands = _operands(argv, {"-m", "--mode", "-o", "-g", "-t", "--target-directory"})
            if len(operands) < 2:
                continue
            *sources, destination = operands
            destination = resolve(destination)
            for source in sources:
                source = resolve(source)
                into_dir = argv[-1].endswith("/") or len(sources) > 1 or destination in _KNOWN_DIRS
                target = posixpath.join(destination, posixpath.basename(source)) if into_dir else destination
                if program == "mv" and source in outputs:
                    outputs.remove(source)
                add(target)
        elif program == "rm":
            for path in _operands(argv, set()):
                path = resolve(path)
                outputs[:] = [o for o in outputs if not _inside(o, path)]
        elif program in ("tar", "unzip", "gunzip"):
            folder = _option_value(argv, ("-C", "--directory", "-d")) if program != "gunzip" else None
            folder = resolve(folder) if folder else cwd
            if program == "tar" and not any(a.startswith("-") and "x" in a or a == "--extract" for a in argv):
                continue
            if _inside(folder, project_dir) or any(_inside(folder, d) for d in SCRATCH_DIRS):
                continue
            own_folder = re.match(r"^/opt/[^/]+", folder)
            if own_folder:
                # A tool's own folder under /opt (nothing else lives there in these images): carried whole.
                add(own_folder.group(0))
            else:
                unknown.append(f"the files `{program}` unpacks into {folder}")
    outside = [
        p
        for p in outputs
        if not _inside(p, project_dir) and not any(_inside(p, d) for d in SCRATCH_DIRS) and not p.startswith("/dev/")
    ]
    if unknown:
        raise Skip(
            instruction.start_line,
            f"not split: the runtime stage cannot be given what this download RUN leaves outside {project_dir} "
            f"file by file ({unknown[0]}); split by hand and repeat or copy it there",
        )
    return outside


_KNOWN_DIRS = frozenset({"/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/opt", "/usr/local"})


def _is_redirection(word: str) -> bool:
    return bool(re.match(r"^[0-9&]?>>?", word)) or word in (">", ">>")


def _redirect_targets(argv: list[str]) -> list[str]:
    targets = []
    for i, word in enumerate(argv):
        match = re.match(r"^(?:[0-9&]?)>>?(.*)$", word)
        if not match:
            continue
        target = match.group(1) or (argv[i + 1] if i + 1 < len(argv) else "")
        if target and not target.startswith(("/dev/", "&")):
            targets.append(target)
    return targets


def _operands(argv: list[str], with_value: set[str]) -> list[str]:
    operands = []
    skip = False
    for word in argv[1:]:
        if skip:
            skip = False
            continue
        if word in with_value:
            skip = True
            continue
        if word.startswith("-") and word != "-":
            continue
        operands.append(word)
    return operands


def _option_value(argv: list[str], names: tuple[str, ...]) -> str | None:
    for i, word in enumerate(argv):
        for name in names:
            if word == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word[len(name) + 1 :]
    return None


def _download_targets(program: str, argv: list[str], cwd: str, piped: bool) -> list[str]:
    """Where curl/wget writes: -o/-O FILE, a folder (-P), or the URL's own name in the cwd."""
    urls = [w for w in argv[1:] if re.match(r"^[a-z]+://", w)]
    output = None
    remote_name = False
    i = 1
    while i < len(argv):
        word = argv[i]
        if word in ("--output", "--output-document") and i + 1 < len(argv):
            output = argv[i + 1]
            i += 2
            continue
        if word.startswith(("--output=", "--output-document=")):
            output = word.split("=", 1)[1]
        elif word in ("--remote-name", "--remote-name-all"):
            remote_name = True
        elif re.match(r"^-[A-Za-z]+$", word):
            letter = "o" if program == "curl" else "O"
            if letter in word[1:]:
                attached = word[word.index(letter) + 1 :]
                if attached:
                    output = attached
                elif i + 1 < len(argv):
                    output = argv[i + 1]
                    i += 1
            if program == "curl" and "O" in word[1:]:
                remote_name = True
        elif re.match(r"^-[a-zA-Z]", word) and program == "curl" and word[1] == "o":
            output = word[2:]
        i += 1
    if output == "-":
        return []
    if output is not None:
        return [posixpath.normpath(posixpath.join(cwd, output))]
    folder = _option_value(argv, ("-P", "--directory-prefix")) if program == "wget" else None
    if program == "wget" and not piped:
        base = posixpath.join(cwd, folder) if folder else cwd
        return [posixpath.normpath(posixpath.join(base, _url_name(u))) for u in urls]
    if program == "curl" and remote_name:
        return [posixpath.normpath(posixpath.join(cwd, _url_name(u))) for u in urls]
    return []  # to stdout: the command it is piped into decides


def _url_name(url: str) -> str:
    return posixpath.basename(url.split("?", 1)[0].split("#", 1)[0].rstrip("/")) or "index.html"


def _copy_outside(stage: Stage, instruction: Instruction, project_dir: str) -> str | None:
    if instruction.json_args is not None:
        if len(instruction.json_args) < 2:
            return None
        destination = instruction.json_args[-1]
        workdir = workdir_at(stage, instruction.index)
        resolved = posixpath.normpath(posixpath.join(workdir, destination))
        if _inside(resolved, project_dir):
            return None
        if not destination.startswith("/"):
            return None  # exec-form relative destination: left to the build stage
        return _ensure_newline(instruction.raw)
    words = split_words(instruction.logical, instruction.args_start)
    if instruction.heredocs:
        words = [w for w in words if not w.text.startswith("<<")]
    if len(words) < 2 and not instruction.heredocs:
        return None
    if not words:
        return None
    last = words[-1]
    workdir = workdir_at(stage, instruction.index)
    resolved = posixpath.normpath(posixpath.join(workdir, last.text))
    if _inside(resolved, project_dir):
        return None
    if last.text.startswith("/"):
        return _ensure_newline(instruction.raw)
    absolute = resolved + ("/" if last.text.endswith(("/", ".")) and resolved != "/" else "")
    return _ensure_newline(instruction.splice(last.start, last.end, absolute))


def _creates_venv(command: SimpleCommand) -> bool:
    argv = command.argv
    return command.program == "virtualenv" or (
        len(argv) >= 3 and argv[0].rsplit("/", 1)[-1].startswith("python") and argv[1:3] == ["-m", "venv"]
    )


def _paths(command: SimpleCommand) -> list[str]:
    operands = [w for w in command.argv[1:] if not w.startswith("-")]
    if command.program in ("chown", "chmod"):
        return operands[1:]
    if command.program == "ln":
        return (
            operands[-1:]
            if "-s" in command.argv
            or any(a.startswith("-") and "s" in a and not a.startswith("--") for a in command.argv[1:])
            else operands
        )
    if command.program in USER_CREATION:
        return []
    return operands


def _prep_run_outside(stage: Stage, instruction: Instruction, project_dir: str, plan: Plan) -> str | None:
    commands = run_commands(instruction)
    words = [w for c in commands for w in c.argv]
    if any(c.program in PACKAGE_MANAGERS or pip_program(c) is not None or poetry_subcommand(c) for c in commands):
        return None
    if any("poetry" in w.lower() for w in words) or (commands and all(_creates_venv(c) for c in commands)):
        return None
    if commands and not instruction.heredocs and all(c.program in SYSTEM_PREP for c in commands):
        workdir = workdir_at(stage, instruction.index)
        paths = [posixpath.normpath(posixpath.join(workdir, p)) for c in commands for p in _paths(c)]
        outside = [p for p in paths if not _inside(p, project_dir)]
        if not paths or len(outside) == len(paths):
            return _ensure_newline(instruction.raw)
        if not outside:
            return None  # its effect is inside the project dir, which the runtime copies
    plan.warnings.append(
        TRANSFORM.note(
            instruction.start_line,
            f"this RUN stays in the build stage only; if the running container needs its effect outside {project_dir}, repeat it in the runtime stage",
        )
    )
    return None


# --- runtime ENV, ARG and packages ----------------------------------------------


def _poetry_path_entry(entry: str) -> bool:
    return "poetry" in entry.lower() or entry in ("/root/.local/bin", "$HOME/.local/bin", "${HOME}/.local/bin")


def _runtime_path(value: str) -> str | None:
    """PATH without the entries that only serve Poetry; None when only $PATH is left."""
    entries = [e for e in value.split(":") if not _poetry_path_entry(e)]
    if all(e in ("$PATH", "${PATH}") for e in entries):
        return None
    return ":".join(entries)


def _runtime_env(stage: Stage, k, escape: str) -> list[str]:
    lines = []
    for instruction in stage.find("ENV"):
        words = split_words(instruction.logical, instruction.args_start)
        if not words:
            continue
        if "=" not in words[0].text:  # legacy `ENV KEY value`
            key = words[0].text
            if key == "PATH":
                value = _runtime_path(instruction.logical[words[0].end :].strip().strip('"'))
                if value is not None:
                    lines.append(f'{k("ENV")} PATH="{value}"\n')
            elif not key.startswith(BUILD_ONLY_ENV_PREFIXES):
                lines.append(_ensure_newline(instruction.raw))
            continue
        kept = []
        changed = False
        for word in words:
            key, _, value = word.text.partition("=")
            if key.startswith(BUILD_ONLY_ENV_PREFIXES):
                changed = True
                continue
            if key == "PATH":
                runtime_value = _runtime_path(value)
                if runtime_value != value:
                    changed = True
                    if runtime_value is not None:
                        kept.append(f'PATH="{runtime_value}"')
                    continue
            kept.append(instruction.logical[word.start : word.end])
        if not changed:
            lines.append(_ensure_newline(instruction.raw))
        elif kept:
            lines.append(k("ENV") + " " + f" {escape}\n    ".join(kept) + "\n")
    return lines


def _runtime_args(doc: Dockerfile, stage: Stage, runtime_text: str, k) -> list[str]:
    used = set(VARIABLE_RE.findall(runtime_text))
    lines = []
    declared = set()
    for instruction in stage.find("ARG"):
        for key, _ in _arg_names(instruction):
            if key in used and key not in declared:
                declared.add(key)
                lines.append(
                    _ensure_newline(instruction.raw) if len(_arg_names(instruction)) == 1 else f"{k('ARG')} {key}\n"
                )
    for instruction in doc.global_args:
        for key, _ in _arg_names(instruction):
            if key in used and key not in declared:
                declared.add(key)
                lines.append(f"{k('ARG')} {key}\n")
    return lines


def _arg_names(instruction: Instruction) -> list[tuple[str, str]]:
    return [
        (w.text.partition("=")[0], w.text.partition("=")[2])
        for w in split_words(instruction.logical, instruction.args_start)
    ]


def _runtime_packages(stage: Stage, image: str, runtime_text: str, plan: Plan, k) -> str | None:
    installed: list[str] = []
    variables: list[str] = []
    removed: set[str] = set()
    groups: dict[str, list[str]] = {}
    manager = None
    for instruction in stage.find("RUN"):
        for command in run_commands(instruction):
            found = package_command(command.argv, command.program)
            if found is None:
                continue
            manager = found.manager
            if found.virtual:
                groups[found.virtual] = list(found.installed)
            for name in found.installed:
                if "$" in name:
                    # Whatever the build arg or ENV names may include a library the app loads:
                    # the runtime stage installs the same list (its ARG/ENV come along).
                    if name not in variables:
                        variables.append(name)
                        plan.changes.append(
                            TRANSFORM.note(
                                instruction.start_line,
                                f"the packages that {name} names are installed in the runtime stage too",
                            )
                        )
                elif name not in installed:
                    installed.append(name)
            for name in found.removed:
                removed.update(groups.get(name, [name]))
    if manager is None:
        return None
    family = "alpine" if manager == "apk" else "debian"
    tools = frozenset(RUNTIME_TOOL_RE.findall(runtime_text))
    split = split_packages([p for p in installed if p not in removed], family, image, tools)
    line = stage.from_instruction.start_line
    for name in split.unknown:
        plan.warnings.append(
            TRANSFORM.note(
                line,
                f"unknown package {name} is installed in the runtime stage too; drop it there if only the build needs it",
            )
        )
    for name in split.unmapped_headers:
        plan.warnings.append(
            TRANSFORM.note(
                line,
                f"{name} stays in the build stage; add its runtime library to the runtime stage if the app loads it",
            )
        )
    if split.release_guessed:
        plan.warnings.append(
            TRANSFORM.note(
                line,
                f"the Debian release of '{stage.base_image}' is a guess; check the runtime library names (or use a -bookworm/-trixie tag)",
            )
        )
    if not split.runtime and not variables:
        return None
    names = " ".join([*split.runtime, *variables])
    if family == "alpine":
        return f"{k('RUN')} apk add --no-cache {names}\n"
    return f"{k('RUN')} apt-get update && apt-get install -y --no-install-recommends {names} && rm -rf /var/lib/apt/lists/*\n"


# --- an already multi-stage file ----------------------------------------------------


def _copy_paths(stage: Stage, instruction: Instruction) -> tuple[str, str] | None:
    """(source, destination) of a one-source COPY, variables from ENV expanded, paths resolved."""
    args = instruction.json_args or [w.text for w in split_words(instruction.logical, instruction.args_start)]
    if len(args) != 2:
        return None
    env = env_at(stage, instruction.index)
    source, destination = (VARIABLE_RE.sub(lambda m: env.get(m.group(1), m.group(0)), a) for a in args)
    if "$" in source + destination:
        return None
    destination = posixpath.join(workdir_at(stage, instruction.index), destination)
    return posixpath.normpath(source), posixpath.normpath(destination)


def _drop_repeated_venv_copy(doc: Dockerfile) -> Outcome:
    """A venv copied on its own and again inside its parent folder lands in the image twice."""
    stage = doc.stages[-1]
    copies = [i for i in stage.find("COPY") if i.flag("from") is not None]
    edits = []
    changes = []
    warnings = []
    for venv_copy in copies:
        paths = _copy_paths(stage, venv_copy)
        if paths is None or paths[0] != paths[1] or posixpath.basename(paths[0]) not in (".venv", "venv"):
            continue
        for folder_copy in copies:
            other = _copy_paths(stage, folder_copy)
            if (
                folder_copy is venv_copy
                or other is None
                or not paths[0].startswith(other[0].rstrip("/") + "/")
                or folder_copy.flag_values("from") != venv_copy.flag_values("from")
            ):
                continue
            if other[0] == other[1] and folder_copy.flag_values("chown") == venv_copy.flag_values("chown"):
                edits.append(delete(venv_copy))
                changes.append(
                    TRANSFORM.note(
                        venv_copy.start_line,
                        f"removed the copy of {paths[0]}: the copy of {other[0]} on line {folder_copy.start_line} already brings it, so the venv landed in the image twice",
                    )
                )
            else:
                again = posixpath.join(other[1], posixpath.relpath(paths[0], other[0]))
                warnings.append(
                    TRANSFORM.note(
                        folder_copy.start_line,
                        f"this copy brings the venv {paths[0]} again, to {again}, so it lands in the image twice; copy only the source here",
                    )
                )
            break
    return Outcome(tuple(edits), tuple(changes), tuple(warnings))


TRANSFORM = Transform(
    code="MIG003",
    name="split-stages",
    reason="the running image needs neither compilers, headers, Poetry nor build caches",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
