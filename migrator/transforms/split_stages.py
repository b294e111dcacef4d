"""MIG003 split-stages: build in one stage, run from a clean one.

What it does:
    Turns a single-stage Dockerfile that runs `poetry install` into a build stage
    (`AS build`, everything as it was) and a runtime stage from the same image that
    gets the runtime ENV, the shared libraries the build's `-dev` packages stand for,
    `COPY --from=build <project dir> <project dir>` (the in-project venv comes along,
    at the path it was built at) and the instructions that only matter when the
    container runs (CMD, ENTRYPOINT, EXPOSE, HEALTHCHECK, VOLUME, STOPSIGNAL, LABEL,
    USER), moved with the comments above them. `poetry run X` becomes `X`, because
    the venv is first on PATH. In an already multi-stage file it only removes a copy
    of the venv that a copy of its parent folder repeats.

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
    base_image_family,
    env_at,
    expanded_base_image,
    installs_into_system,
    installs_poetry_itself,
    pip_program,
    poetry_installs,
    poetry_subcommand,
    venv_dir,
    workdir_at,
)
from migrator.contract import ROOT_USERS
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, replace, split_words
from migrator.packages import package_command, split_packages
from migrator.record import dataclass, field
from migrator.shell import SimpleCommand, run_commands
from migrator.transform import NOTHING, Note, Outcome, Safety, Transform

MOVED = frozenset({"CMD", "ENTRYPOINT", "EXPOSE", "HEALTHCHECK", "VOLUME", "STOPSIGNAL", "LABEL", "USER"})
USER_CREATION = frozenset({"useradd", "adduser", "groupadd", "addgroup"})
SYSTEM_PREP = frozenset({"mkdir", "chmod", "chown", "ln", "touch"}) | USER_CREATION
PACKAGE_MANAGERS = frozenset({"apt-get", "apt", "apk", "dpkg", "aptitude"})
HARMLESS_PIP_PACKAGES = re.compile(r"^(pip|pipx|setuptools|wheel|poetry[a-z0-9-]*)([=<>~!\[].*)?$", re.IGNORECASE)
VARIABLE_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
RUNTIME_TOOL_RE = re.compile(r"(?<![\w.-])(curl|wget)(?![\w.-])")


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
        return Outcome(warnings=(TRANSFORM.note(skip.line, skip.message),))
    return Outcome(tuple(plan.edits), tuple(plan.changes), tuple(plan.warnings))


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
        raise Skip(
            line,
            "not split: `poetry install` runs in / (set a WORKDIR such as /app before it, so the project can be copied on its own)",
        )
    if "$" in project_dir or "$" in final_dir:
        raise Skip(line, "not split: the WORKDIR uses a variable; write the path out so the runtime stage can copy it")
    user = _user_at(stage, install.index)
    if user is not None:
        raise Skip(line, f"not split: `poetry install` runs as USER {user}; the runtime copy's ownership would differ")
    venv = venv_dir(stage, install.index)
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

    moved = _moved(doc, stage, plan)
    repeated = _repeated(stage, project_dir, plan, moved_users=_moved_user_runs(doc, stage, plan, moved))
    for instruction, text in moved:
        command = _instruction_lines(text) if instruction.keyword in ("CMD", "ENTRYPOINT", "HEALTHCHECK") else ""
        if re.search(r"(?<![\w-])poetry(?![\w-])", command):
            raise Skip(
                instruction.start_line,
                "not split: this instruction still runs Poetry, which the runtime stage does not have",
            )
    _check_users_exist(stage, moved, repeated)

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
    if project.root is not None and venv.startswith(project_dir.rstrip("/") + "/") and not project.ignores(".venv"):
        context_copy = next(
            (
                i
                for i in stage.instructions
                if i.keyword in ("COPY", "ADD") and i.flag("from") is None and "." in i.words[:-1]
            ),
            None,
        )
        plan.warnings.append(
            TRANSFORM.note(
                context_copy.start_line if context_copy else None,
                ".dockerignore does not exclude .venv: a venv on the host would be copied over the built one; add `.venv` to .dockerignore",
            )
        )
    return plan


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


def _moved(doc: Dockerfile, stage: Stage, plan: Plan) -> list[tuple[Instruction, str]]:
    """(instruction, text) moved to the runtime stage, comments above included."""
    moved = []
    for instruction in stage.instructions:
        if instruction.keyword not in MOVED:
            continue
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


def _repeated(stage: Stage, project_dir: str, plan: Plan, moved_users: set[int]) -> list[str]:
    """COPY/ADD and system-prep RUNs outside the project dir, for the runtime stage too."""
    repeated = []
    for instruction in stage.instructions:
        if instruction.keyword in ("COPY", "ADD"):
            text = _copy_outside(stage, instruction, project_dir)
            if text is not None:
                repeated.append(text)
        elif instruction.keyword == "RUN" and instruction.index not in moved_users:
            text = _prep_run_outside(stage, instruction, project_dir, plan)
            if text is not None:
                repeated.append(text)
    return repeated


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
                    plan.warnings.append(
                        TRANSFORM.note(
                            instruction.start_line,
                            f"packages named by a variable ({name}) are not installed in the runtime stage; add the ones it needs",
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
    if not split.runtime:
        return None
    names = " ".join(split.runtime)
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
