"""Questions about the root project that MIG002 and MIG003 both ask. Read-only.

Which Poetry the file runs (Poetry 2 refuses to install a root project it cannot
find; `--only-root` needs Poetry 1.2), which files the root install needs (its
packages and readme), whether the stage installs the root once its source is
there, and whether `X` of `poetry run X` will exist in the venv without Poetry:
`poetry run` finds `[tool.poetry.scripts]` entries without any install, while the
plain name exists only once the root is installed.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from migrator.analysis import env_pairs, pip_program, poetry_installs, workdir_at
from migrator.model import Dockerfile, Instruction, Stage, split_words
from migrator.patterns import lazy_compile
from migrator.poetry_lock import normalize
from migrator.project import PoetryProject, ProjectContext
from migrator.shell import SimpleCommand, run_commands

ONLY_ROOT_SINCE = (1, 2)  # `poetry install --only-root` first shipped in Poetry 1.2.0
# A root project `poetry install` cannot find: Poetry before 1.7.0 skipped it silently
# (`except ModuleOrPackageNotFound: return 0`), 1.7 and 1.8 warn (python-poetry#8369), 2 fails.
WARNS_MISSING_ROOT_SINCE = (1, 7)
POETRY_PIN_RE = lazy_compile(r"^poetry(\[[^\]]*\])?(?P<spec>[=<>~!].*)?$", re.IGNORECASE)
VARIABLE_RE = lazy_compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
PYTHON_RE = lazy_compile(r"^python(\d+(\.\d+)?)?$")
# Console scripts named otherwise than the distribution that installs them.
SCRIPT_DISTRIBUTIONS = {
    "django-admin": "django",
    "py.test": "pytest",
    "fastapi": "fastapi-cli",
    "huey_consumer": "huey",
    "jupyter-lab": "jupyterlab",
    "poe": "poethepoet",
}
# Programs every Debian-based Python image has: the runtime stage comes from the same image.
BASE_IMAGE_PROGRAMS = frozenset({"sh", "bash", "dash", "env"})
# Besides the manifests, what a dependency install may read (the readme only for
# metadata); none of it is the project's source.
INSTALL_INPUT_NAMES = frozenset({"pyproject.toml", "poetry.lock", "poetry.toml"})
INSTALL_INPUT_RE = lazy_compile(r"^(readme|license|licence|copying)([.-].*)?$|^poetry\.lock\*$", re.IGNORECASE)
# Options of `poetry install` that choose dependencies: meaningless for the root alone,
# and Poetry refuses --with/--without/--only/--all-groups next to --only-root.
GROUP_OPTIONS_WITH_VALUE = frozenset({"--with", "--without", "--only"})


# --- which Poetry ------------------------------------------------------------------


def parse_version(text: str) -> tuple[int, ...] | None:
    match = re.match(r"^\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?", text or "")
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def _spec_version(spec: str | None, env: dict[str, str]) -> tuple[int, ...] | None:
    """The Poetry a requirement's specifier installs, when it says (None: the newest)."""
    if not spec:
        return None
    spec = VARIABLE_RE.sub(lambda m: env.get(m.group(1), m.group(0)), spec.strip().strip("\"'"))
    if "$" in spec:
        return None
    exact = re.match(r"^===?\s*([0-9][0-9.]*)(\.\*)?$", spec)
    if exact:
        return parse_version(exact.group(1))
    compatible = re.match(r"^~=\s*([0-9][0-9.]*)$", spec)
    if compatible:
        return parse_version(compatible.group(1))
    below = re.search(r"<\s*(\d+)(?:\.0)*\s*(,|$)", spec)
    if below and int(below.group(1)) >= 1:
        return (int(below.group(1)) - 1, 99)  # `poetry<2`: the last 1.x
    return None


def _variables(doc: Dockerfile, stage: Stage, before: int) -> dict[str, str]:
    """ARG defaults (global ones the stage redeclares too) and ENV values up to a node."""
    values: dict[str, str] = {}
    for instruction in doc.global_args:
        values.update((k, v) for k, v in env_pairs(instruction) if v)
    for instruction in stage.instructions:
        if instruction.index >= before:
            break
        if instruction.keyword in ("ENV", "ARG"):
            for key, value in env_pairs(instruction):
                if value:
                    values[key] = VARIABLE_RE.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    return values


def poetry_version(doc: Dockerfile, stage: Stage, before: int) -> tuple[int, ...] | None:
    """The Poetry version the file pins for a stage up to a node; None: unpinned or unknown (the newest)."""
    values = _variables(doc, stage, before)
    pinned: tuple[int, ...] | None = None
    seen_installer = False
    for instruction in stage.find("RUN"):
        if instruction.index >= before:
            break
        for command in run_commands(instruction):
            spec = _pip_poetry_spec(command)
            if spec is None and "python-poetry" in instruction.logical and "--version" in command.argv[:-1]:
                # `curl ... | python3 - --version 1.8.3`: the official installer's own pin.
                seen_installer = True
                pinned = parse_version(command.argv[command.argv.index("--version") + 1])
                continue
            if spec is not None:
                seen_installer = True
                pinned = _spec_version(spec or None, values)
                if spec and "POETRY_VERSION" in spec and pinned is None:
                    pinned = parse_version(values.get("POETRY_VERSION", ""))
    if seen_installer:
        return pinned
    if values.get("POETRY_VERSION"):  # the curl installer and get-poetry.py read it
        return parse_version(values["POETRY_VERSION"])
    parent = next((s for s in doc.stages if s.name and s.name == stage.base_image and s.number < stage.number), None)
    if parent is not None:
        return poetry_version(doc, parent, parent.end_node)
    return None


def _pip_poetry_spec(command: SimpleCommand) -> str | None:
    """The specifier of a `pip install poetry...` ("" when unpinned), None for other commands."""
    args = pip_program(command)
    if args is None and command.argv[:2] == ["pipx", "install"]:
        args = command.argv[1:]
    if not args or "install" not in args:
        return None
    for word in args:
        match = POETRY_PIN_RE.match(word)
        if match:
            return match.group("spec") or ""
    return None


def is_poetry_2(version: tuple[int, ...] | None) -> bool:
    return version is None or version[0] >= 2


def knows_only_root(version: tuple[int, ...] | None) -> bool:
    return version is None or version[:2] >= ONLY_ROOT_SINCE


def missing_root_handling(version: tuple[int, ...] | None) -> str:
    """What `poetry install` did with a root project it could not find: "fails", "warns" or "skips" (silently)."""
    if version is None or version[0] >= 2:
        return "fails"
    # `poetry==1.*` pins (1,), `poetry<2` (1, 99): both install the newest 1.x, which warns.
    if len(version) < 2 or version[:2] >= WARNS_MISSING_ROOT_SINCE:
        return "warns"
    return "skips"


def poetry_named(version: tuple[int, ...] | None) -> str:
    """The Poetry a version stands for, as a note names it: "Poetry 1.5.1", "the newest Poetry 1.x"."""
    if version is None:
        return "the newest Poetry"
    if len(version) < 2 or version[1] == 99:  # `poetry==1.*`, `poetry<2`
        return f"the newest Poetry {version[0]}.x"
    return "Poetry " + ".".join(map(str, version))


# --- the root install's command ------------------------------------------------------


def root_install_words(argv: list[str], only_root: bool) -> list[int]:
    """Indexes of the install's words the root install keeps (then `--only-root` follows)."""
    kept = []
    skip_value = False
    for number, word in enumerate(argv):
        if skip_value:
            skip_value = False
            continue
        name = word.split("=", 1)[0]
        if word in ("--no-root", "--only-root", "--sync", "--remove-untracked"):
            continue
        if only_root and (name in GROUP_OPTIONS_WITH_VALUE or word in ("--no-dev", "--dev", "--all-groups")):
            skip_value = name in GROUP_OPTIONS_WITH_VALUE and "=" not in word
            continue
        kept.append(number)
    return kept


# --- the files a root install needs ------------------------------------------------------


def is_install_input(source: str) -> bool:
    """A file the dependency install may read that is not the project's source."""
    name = posixpath.basename(source.rstrip("/"))
    return name in INSTALL_INPUT_NAMES or bool(INSTALL_INPUT_RE.match(name))


def root_needs(project: PoetryProject, files: frozenset[str]) -> tuple[list[str], list[str]]:
    """(package paths, readme paths) the root install needs, context-relative."""
    base = f"{project.directory}/" if project.directory else ""
    packages = []
    tool_poetry = (project.raw.get("tool", {}) or {}).get("poetry", {}) or {}
    for entry in tool_poetry.get("packages", []) or []:
        if isinstance(entry, dict) and entry.get("include") and not _only_sdist(entry):
            origin = str(entry.get("from", "") or "").strip("/")
            include = str(entry["include"]).strip("/")
            packages.append(posixpath.normpath(posixpath.join(base + origin, include)))
    if not packages and project.name:
        module = project.name.replace("-", "_").replace(".", "_").lower()
        for candidate in (f"{base}{module}", f"{base}src/{module}", f"{base}{module}.py"):
            if candidate + "/" in files or candidate in files:
                packages.append(candidate)
                break
    readmes = [posixpath.normpath(base + r) for r in project.readme]
    return packages, readmes


def _only_sdist(entry: dict[str, Any]) -> bool:
    formats = entry.get("format")
    formats = [formats] if isinstance(formats, str) else formats or []
    return bool(formats) and "wheel" not in formats


def copy_targets(stage: Stage, instruction: Instruction) -> list[tuple[str, str, bool]] | None:
    """(context source, absolute target, into a folder) for each source of a COPY/ADD from the context.

    A directory's content lands in the target; a file lands in it when `into a folder`,
    else becomes it. None for copies this cannot read (another stage, variables, globs,
    heredocs).
    """
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None or instruction.heredocs:
        return None
    args = instruction.json_args if instruction.json_args is not None else instruction.words
    if len(args) < 2 or any("$" in a for a in args):
        return None
    *sources, destination = args
    target = posixpath.normpath(posixpath.join(workdir_at(stage, instruction.index), destination))
    into_folder = destination.endswith("/") or destination in (".", "./") or len(sources) > 1
    found = []
    for source in sources:
        if any(ch in source for ch in "*?[") and not source.endswith("poetry.lock*"):
            return None
        clean = posixpath.normpath(source.removeprefix("./")).strip("/")
        found.append(("" if clean == "." else clean, target, into_folder))
    return found


def covers(stage: Stage, copies: list[Instruction], path: str, base: str, workdir: str, files: frozenset[str]) -> bool:
    """Whether one of the copies puts context path `path` where the project at `workdir` expects it."""
    wanted = posixpath.normpath(posixpath.join(workdir, posixpath.relpath(path, base or ".")))
    for instruction in copies:
        for source, target, into_folder in copy_targets(stage, instruction) or []:
            if source and source + "/" not in files:  # a file
                landing = posixpath.join(target, posixpath.basename(source)) if into_folder else target
                if source == path and landing == wanted:
                    return True
                continue
            inside = posixpath.relpath(path, source or ".")
            if inside == ".." or inside.startswith("../"):
                continue
            if posixpath.normpath(posixpath.join(target, inside)) == wanted:
                return True
    return False


# --- what the stage installs, and the programs the venv will have ---------------------------


def is_source_copy(instruction: Instruction) -> bool:
    """A COPY/ADD from the context that brings more than the install's inputs."""
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    args = instruction.json_args if instruction.json_args is not None else instruction.words
    sources = [a for a in args[:-1] if not a.startswith(("http://", "https://", "git@"))]
    return len(args) >= 2 and bool(sources) and not all(is_install_input(a) for a in sources)


def stage_project(stage: Stage, context: ProjectContext) -> PoetryProject | None:
    """The project a stage builds: the folder its first pyproject.toml or whole-folder copy comes from."""
    for instruction in stage.instructions:
        for source, _, _ in copy_targets(stage, instruction) or []:
            if posixpath.basename(source) == "pyproject.toml":
                return context.project(posixpath.dirname(source))
            if context.project(source) is not None:
                return context.project(source)
    return context.project("")


def root_installed(stage: Stage, context: ProjectContext) -> bool:
    """Whether some `poetry install` of the stage installs the root after its source is copied."""
    project = stage_project(stage, context)
    if project is not None and not project.package_mode:
        return False
    for found in poetry_installs(stage):
        argv = found.command.argv
        if "--only-root" in argv:
            return True
        if "--no-root" in argv:
            continue
        if any(is_source_copy(i) for i in stage.instructions if i.index < found.instruction.index):
            return True
    return False


def poetry_run_program(instruction: Instruction) -> str | None:
    """X of a CMD/ENTRYPOINT `poetry run X ...` (exec or shell form), None for anything else."""
    if instruction.keyword not in ("CMD", "ENTRYPOINT"):
        return None
    if instruction.json_args is not None:
        args = instruction.json_args
        if len(args) >= 3 and args[0].rsplit("/", 1)[-1] == "poetry" and args[1] == "run":
            return args[2]
        return None
    words = split_words(instruction.logical, instruction.args_start)
    if len(words) >= 3 and words[0].text == "poetry" and words[1].text == "run":
        return words[2].text
    return None


def project_script(program: str, project: PoetryProject | None, context: ProjectContext) -> bool:
    """`program` is one of the project's own console scripts that no locked package provides."""
    if project is None or program not in project.scripts:
        return False
    return not lock_provides(program, project, context)


def lock_provides(program: str, project: PoetryProject | None, context: ProjectContext) -> bool:
    """A package of poetry.lock, or a dependency pyproject.toml declares, is named as the program."""
    if project is None:
        return False
    names = context.locked.get(project.directory, frozenset()) | declared_dependencies(project)
    return normalize(program) in names or normalize(SCRIPT_DISTRIBUTIONS.get(program, program)) in names


def declared_dependencies(project: PoetryProject) -> frozenset[str]:
    """Normalised names of the dependencies pyproject.toml declares, in any group."""
    tool_poetry = (project.raw.get("tool", {}) or {}).get("poetry", {}) or {}
    names = set((tool_poetry.get("dependencies", {}) or {}).keys())
    names.update((tool_poetry.get("dev-dependencies", {}) or {}).keys())
    for group in (tool_poetry.get("group", {}) or {}).values():
        names.update(((group or {}).get("dependencies", {}) or {}).keys())
    for requirement in (project.raw.get("project", {}) or {}).get("dependencies", []) or []:
        match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(requirement))
        if match:
            names.add(match.group(1))
    return frozenset(normalize(n) for n in names if n != "python")


def missing_program(doc: Dockerfile, stage: Stage, program: str, context: ProjectContext) -> str | None:
    """Why `program` may not exist in the stage's venv once `poetry run` is dropped (None: it will)."""
    name = program.rsplit("/", 1)[-1]
    if PYTHON_RE.match(name) or program.startswith("/") or name in BASE_IMAGE_PROGRAMS:
        return None
    project = stage_project(stage, context)
    installed = root_installed(stage, context)
    if lock_provides(name, project, context):
        return None
    if project is not None and name in project.scripts:
        return None if installed else f"{name} is a script of the project, whose root is never installed"
    if project is None:
        # Without the project, only an installed root shows that the original's `poetry run` target comes
        # from the venv (a dependency's script or the project's own) rather than from Poetry.
        return None if installed else f"cannot tell whether {name} is a script of the project (no pyproject.toml)"
    return f"{name} is neither a script of the project nor a dependency it declares or locks"
