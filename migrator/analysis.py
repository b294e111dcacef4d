"""Questions several transforms ask of a Dockerfile: where Poetry runs, which
folder the project lives in, what an ENV sets. Read-only; no edits here."""

from __future__ import annotations

import posixpath
import re

from migrator.model import Dockerfile, Instruction, Stage, split_words
from migrator.patterns import lazy_compile
from migrator.record import dataclass
from migrator.shell import SimpleCommand, run_commands

ENV_KEY_RE = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
BUILD_ONLY_ENV_PREFIXES = ("POETRY_", "PIP_", "UV_")


def env_pairs(instruction: Instruction) -> list[tuple[str, str]]:
    """KEY=value pairs of an ENV or ARG (values unquoted; ARG without default -> "")."""
    args = instruction.arguments
    words = split_words(args)
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0].text:
        # Legacy form: ENV KEY the rest of the line
        rest = args[words[0].end :].strip()
        return [(words[0].text, _unquote(rest))]
    pairs = []
    for word in words:
        key, sep, value = word.text.partition("=")
        pairs.append((key, value if sep else ""))
    return pairs


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def is_build_only_env(key: str) -> bool:
    return key.startswith(BUILD_ONLY_ENV_PREFIXES) or key in ("VIRTUAL_ENV",)


def env_at(stage: Stage, node_index: int) -> dict[str, str]:
    """ENV values set in the stage before a node (no expansion)."""
    values: dict[str, str] = {}
    for instruction in stage.instructions:
        if instruction.index >= node_index:
            break
        if instruction.keyword == "ENV":
            values.update(env_pairs(instruction))
    return values


def workdir_at(stage: Stage, node_index: int) -> str:
    """The working directory in effect at a node ("/" when none was set)."""
    current = "/"
    for instruction in stage.instructions:
        if instruction.index >= node_index:
            break
        if instruction.keyword == "WORKDIR" and instruction.words:
            target = instruction.words[0]
            current = posixpath.normpath(posixpath.join(current, target))
    return current


def final_workdir(stage: Stage) -> str | None:
    """The last WORKDIR of a stage, resolved; None when the stage sets none."""
    if not stage.find("WORKDIR"):
        return None
    return workdir_at(stage, stage.end_node)


@dataclass(frozen=True)
class CommandAt:
    """A simple command and the RUN it belongs to."""

    instruction: Instruction
    command: SimpleCommand
    position: int  # index among the RUN's commands


def commands_in(stage: Stage) -> list[CommandAt]:
    found = []
    for instruction in stage.find("RUN"):
        for position, command in enumerate(run_commands(instruction)):
            found.append(CommandAt(instruction, command, position))
    return found


def poetry_subcommand(command: SimpleCommand) -> tuple[str, list[str]] | None:
    """("install", [args...]) for `poetry install ...`, also via a path or `python -m poetry`."""
    argv = command.argv
    # skip VAR=value prefixes
    while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
        argv = argv[1:]
    if not argv:
        return None
    if argv[0].rsplit("/", 1)[-1] == "poetry":
        rest = argv[1:]
    elif len(argv) >= 3 and argv[0].rsplit("/", 1)[-1].startswith("python") and argv[1:3] == ["-m", "poetry"]:
        rest = argv[3:]
    else:
        return None
    # global options before the subcommand (e.g. `poetry -n install`, `poetry --no-ansi install`)
    while rest and rest[0].startswith("-"):
        rest = rest[1:]
    if not rest:
        return None
    return rest[0], rest[1:]


def is_poetry_install(command: SimpleCommand) -> bool:
    sub = poetry_subcommand(command)
    return sub is not None and sub[0] in ("install", "sync")


def poetry_installs(stage: Stage) -> list[CommandAt]:
    return [c for c in commands_in(stage) if is_poetry_install(c.command)]


def pip_program(command: SimpleCommand) -> list[str] | None:
    """The arguments after `pip`, for pip, pip3, pip3.11 and `python -m pip`."""
    argv = command.argv
    while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
        argv = argv[1:]
    if not argv:
        return None
    program = argv[0].rsplit("/", 1)[-1]
    if re.fullmatch(r"pip[0-9.]*", program):
        return argv[1:]
    if re.fullmatch(r"python[0-9.]*", program) and argv[1:3] == ["-m", "pip"]:
        return argv[3:]
    return None


def is_pip_install(command: SimpleCommand) -> bool:
    args = pip_program(command)
    if not args:
        return False
    return "install" in [a for a in args if not a.startswith("-")][:1]


def installs_poetry_itself(command: SimpleCommand) -> bool:
    """`pip install poetry`, `pipx install poetry`, and the like."""
    args = pip_program(command)
    if args is None:
        argv = command.argv
        if argv[:2] == ["pipx", "install"]:
            args = argv[1:]
        else:
            return False
    if not args or "install" not in args:
        return False
    return any(re.match(r"^poetry(\b|[=<>~!\[])", a) and not a.startswith("poetry-") for a in args)


def base_image_family(image: str) -> str:
    """ "alpine", "debian" (Debian/Ubuntu and images built on them) or "unknown"."""
    lowered = image.lower()
    if "alpine" in lowered:
        return "alpine"
    if any(key in lowered for key in ("distroless", "scratch", "chainguard", "wolfi")):
        return "unknown"
    return "debian"


# Images whose working folder is / until a Dockerfile sets one: the official python and
# distribution images set no WORKDIR (pytorch/pytorch, for one, sets /workspace).
ROOT_WORKDIR_IMAGES = frozenset({"python", "pypy", "debian", "ubuntu", "alpine"})


def image_repository(image: str) -> str:
    """``image`` without its tag and digest, lowercased, and without Docker Hub's default host
    and namespace: `docker.io/library/python:3.11@sha256:...` is `python`."""
    name = image.lower().split("@", 1)[0]
    repository = name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        repository = repository.removeprefix(prefix)
    return repository


def starts_in_root(image: str) -> bool:
    """Whether a stage FROM ``image`` with no WORKDIR of its own works in `/`."""
    return image_repository(image) in ROOT_WORKDIR_IMAGES


def is_python_stage(doc: Dockerfile, stage: Stage) -> bool:
    text = doc.text
    image = stage.base_image.lower()
    return "python" in image or "poetry" in text.lower()


def uses_poetry(doc: Dockerfile) -> bool:
    return any(
        "poetry" in instruction.logical.lower() or any("poetry" in h.content for h in instruction.heredocs)
        for instruction in doc.instructions
    )


TRUE_WORDS = frozenset({"true", "1", "yes", "on"})


def _poetry_config_before(stage: Stage, node_index: int, key: str) -> str | None:
    """The last `poetry config <key> <value>` in RUNs up to and including a node."""
    value = None
    for found in commands_in(stage):
        if found.instruction.index > node_index:
            break
        sub = poetry_subcommand(found.command)
        if sub and sub[0] == "config":
            args = [a for a in sub[1] if not a.startswith("-")]
            if len(args) >= 2 and args[0] == key:
                value = args[1]
    return value


def installs_into_system(stage: Stage, install_node_index: int) -> bool:
    """Whether `poetry install` at a node runs with virtualenvs.create false (and no VIRTUAL_ENV)."""
    env = env_at(stage, install_node_index)
    if env.get("VIRTUAL_ENV"):
        return False
    create = _poetry_config_before(stage, install_node_index, "virtualenvs.create")
    if create is None:
        create = env.get("POETRY_VIRTUALENVS_CREATE")
    return create is not None and create.lower() not in TRUE_WORDS


def venv_dir(stage: Stage, install_node_index: int) -> str | None:
    """Where `poetry install` at a node puts the virtual environment, when the file says.

    VIRTUAL_ENV set by ENV wins (Poetry uses an active venv); otherwise an in-project
    venv is `<workdir at the install>/.venv`. None when Poetry installs into the system
    (virtualenvs.create false) or into its cache folder, whose path has a hash in it.
    """
    env = env_at(stage, install_node_index)
    virtual_env = env.get("VIRTUAL_ENV")
    if virtual_env:
        expanded = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), m.group(0)), virtual_env)
        return None if "$" in expanded else posixpath.normpath(expanded)
    create = _poetry_config_before(stage, install_node_index, "virtualenvs.create")
    if create is None:
        create = env.get("POETRY_VIRTUALENVS_CREATE")
    if create is not None and create.lower() not in TRUE_WORDS:
        return None
    in_project = _poetry_config_before(stage, install_node_index, "virtualenvs.in-project")
    if in_project is None:
        in_project = env.get("POETRY_VIRTUALENVS_IN_PROJECT")
    if in_project is None or in_project.lower() not in TRUE_WORDS:
        return None
    return posixpath.join(workdir_at(stage, install_node_index), ".venv")


def expanded_base_image(doc: Dockerfile, stage: Stage) -> str:
    """The stage's base image with global ARG defaults filled in (`python:${PY}-slim` -> `python:3.11-slim`)."""
    defaults: dict[str, str] = {}
    for instruction in doc.global_args:
        defaults.update((key, value) for key, value in env_pairs(instruction) if value)
    return re.sub(
        r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}?",
        lambda m: defaults.get(m.group(1), m.group(2) if m.group(2) is not None else m.group(0)),
        stage.base_image,
    )


def _option(argv: list[str], short: str, long: str) -> str | None:
    for flag, value in zip(argv, argv[1:], strict=False):  # each word with the next
        if flag in (short, long):
            return value
    for word in argv:
        if word.startswith(long + "="):
            return word[len(long) + 1 :]
    return None


def created_user_id(doc: Dockerfile, name: str) -> str | None:
    """`uid:gid` (or `uid`) of a user the file creates with an explicit id."""
    groups: dict[str, str] = {}
    found = None
    for instruction in doc.instructions:
        if instruction.keyword != "RUN":
            continue
        for command in run_commands(instruction):
            argv = command.argv
            if command.program in ("groupadd", "addgroup") and argv:
                gid = _option(argv, "-g", "--gid")
                if gid and gid.isdigit():
                    groups[argv[-1]] = gid
            if command.program not in ("useradd", "adduser") or not argv or argv[-1] != name:
                continue
            uid = _option(argv, "-u", "--uid")
            if uid and uid.isdigit():
                group = _option(argv, "-g", "--gid") or _option(argv, "-G", "--ingroup")
                gid = group if group and group.isdigit() else groups.get(group or "")
                found = f"{uid}:{gid}" if gid else uid
    return found


def created_user_ids(doc: Dockerfile) -> set[str]:
    """The numeric `uid:gid` (or `uid`) of every user the file creates with an explicit id."""
    names: set[str] = set()
    for instruction in doc.instructions:
        if instruction.keyword == "RUN":
            names.update(
                c.argv[-1] for c in run_commands(instruction) if c.program in ("useradd", "adduser") and c.argv
            )
    return {ids for ids in (created_user_id(doc, name) for name in names) if ids is not None}
