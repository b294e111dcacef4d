"""How the container is started from outside the Dockerfile, read once at the edge.

A Dockerfile without CMD, or with an ENTRYPOINT script, does not say what the
container runs: docker-compose*.yml / compose*.yml do (`command:`, `entrypoint:`), or
the script does. They also say whether the source is bind-mounted over the WORKDIR
(`.:/app`), which hides whatever the image put there. MIG003 reads this to keep Poetry
where the real command runs it, and a venv where a bind mount would hide it.

Compose files are read with a small reader for the few keys that matter here, not a
YAML library (the project keeps its dependencies few). What it cannot follow (anchors,
aliases, `extends`, odd layouts) is not guessed at: the file is then read as text, and
any `poetry` or `<host>:<path>` volume in it counts, so the answer errs on holding back.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from migrator.patterns import lazy_compile
from migrator.record import dataclass
from migrator.run_files import MAX_READ_BYTES, ContextTexts

EMPTY: Mapping[str, str] = {}
COMPOSE_RE = lazy_compile(r"^(docker-)?compose([.-][\w.-]*)?\.ya?ml$")
# Task files whose recipes run commands in the container: `docker exec app poetry run ...`.
TASK_FILES = frozenset({"Makefile", "makefile", "GNUmakefile", "justfile", "Justfile", "Taskfile.yml"})
DOCKER_POETRY_RE = lazy_compile(
    r"\bdocker(?:-compose|\s+compose)?\b[^\n#]*?\s(?:run|exec)\s[^\n#]*?(?<![\w.-])poetry\s+run\b[^\n#]*"
)
SCRIPT_NAMES = frozenset({"entrypoint", "docker-entrypoint", "start", "run", "boot", "startup", "cmd"})
MAX_FILE_BYTES = MAX_READ_BYTES
MAX_SCRIPTS = 100
PARENT_LEVELS = 2  # compose files at the repository root, for a Dockerfile in backend/ or services/api/
POETRY_RE = lazy_compile(r"(?<![\w.-])poetry(?![\w-])")
# `docker build -t NAME .` in a script at the context's top: a compose service that
# names only `image: NAME` (no `build:`) runs this build.
DOCKER_BUILD_RE = lazy_compile(r"\bdocker(?:\s+buildx)?\s+build\b([^\n]*)")
# The build's own folder as a script run from it names it.
HERE_CONTEXTS = frozenset({".", "./", "$PWD", "${PWD}", "$(pwd)", '"$PWD"', '"${PWD}"', '"$(pwd)"'})
LOOSE_VOLUME_RE = lazy_compile(r"""^\s*-\s*["']?(\.{1,2}(?:/[^\s:"']*)?|\$\{?PWD\}?[^\s:"']*):(/[^\s:"']*)""", re.M)


@dataclass(frozen=True)
class Service:
    """One compose service that runs the image built from this context."""

    file: str  # the compose file, as found from the context ("docker-compose.yml", "../compose.yaml")
    name: str
    command: str | None = None  # `command:` as one line of text
    entrypoint: str | None = None
    binds: tuple[tuple[str, str], ...] = ()  # (host source, container path) of bind mounts
    loose: bool = False  # read as text: the file had what the reader does not follow
    user: str | None = None  # `user:`, which overrides the image's USER (MIG005 leaves the user to it)
    read_only: tuple[str, ...] = ()  # container paths of the binds mounted read-only (`:ro`, `read_only: true`)
    via: str | None = None  # how a service with no `build:` is tied to this context (a script's `docker build -t`)
    # (name, container path) of the named volumes mounted writable: they outlive the image,
    # so what a root container wrote there stays root's
    volumes: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        if self.loose:
            return "mentions `poetry` (and is not plain enough to read)"
        run = " ".join(t for t in (self.entrypoint, self.command) if t)
        return f"runs `{run}`" + ("" if self.name.startswith("(") else f" in service {self.name}")

    def writable_binds(self) -> list[tuple[str, str]]:
        return [(source, target) for source, target in self.binds if target not in self.read_only]

    def runs_poetry(self) -> bool:
        return any(POETRY_RE.search(text or "") for text in (self.command, self.entrypoint))


@dataclass(frozen=True)
class Launchers:
    services: tuple[Service, ...] = ()
    poetry_scripts: tuple[str, ...] = ()  # context-relative shell scripts that run `poetry`
    # Services with no `build:` that run a namespaced image (`owner/app`, a registry's) nothing
    # here ties to this context: maybe this image built elsewhere (CI), maybe not. MIG005 counts
    # one only where it mounts inside this image's app folder.
    image_only: tuple[Service, ...] = ()

    def hidden_by_bind(self, path: str) -> tuple[Service, str, str] | None:
        """The service and bind mount (source, target) that covers ``path``, if any."""
        for service in self.services:
            for source, target in service.binds:
                if path == target or path.startswith(target.rstrip("/") + "/"):
                    return service, source, target
        return None

    def script_running_poetry(self, words: list[str]) -> str | None:
        names = {posixpath.basename(p): p for p in self.poetry_scripts}
        for word in words:
            for part in re.split(r"[\s;&|]+", word):
                base = posixpath.basename(part.strip("\"'"))
                if base in names:
                    return names[base]
        return None


NO_LAUNCHERS = Launchers()


class DeferredLaunchers(Launchers):
    """Launchers read from the build context the first time a transform asks, then kept.

    Most files a bulk run meets never ask (no Poetry, or skipped), and the compose files
    sit in parent folders: reading them for every Dockerfile was a share of a one-file
    run. What a transform sees is the same as with read_launchers called up front (the
    context does not change during a run); only when the edge reads it moves.
    """

    def __init__(self, read: Callable[[], Launchers]) -> None:
        self.__dict__["_read"] = read

    def _found(self) -> Launchers:
        found: Launchers | None = self.__dict__.get("_launchers")
        if found is None:
            found = self.__dict__["_launchers"] = self.__dict__["_read"]()
        return found

    @property
    def services(self) -> tuple[Service, ...]:
        return self._found().services

    @property
    def poetry_scripts(self) -> tuple[str, ...]:
        return self._found().poetry_scripts

    @property
    def image_only(self) -> tuple[Service, ...]:
        return self._found().image_only


def read_launchers(root: Path, files: frozenset[str], reader: ContextTexts | None = None) -> Launchers:
    """``reader``: the scripts' texts, shared with migrator.run_files so each is read once."""
    try:
        return _read_launchers(root, files, reader or ContextTexts(root))
    except OSError:  # a parent folder we may not read: what the context alone says
        return Launchers()


def _read_launchers(root: Path, files: frozenset[str], reader: ContextTexts) -> Launchers:
    services: list[Service] = []
    image_only: list[Service] = []
    tagged: dict[str, str] | None = None
    for label, path in _compose_files(root, files):
        text = _read(path)
        if text is None:
            continue
        if tagged is None:
            tagged = _images_tagged_by_scripts(files, reader)
        context = _relative_context(path.parent, root)
        services.extend(_services(label, text, context, tagged, image_only))
    for label, path in _task_files(root, files):
        text = _read(path)
        for match in DOCKER_POETRY_RE.finditer(text or ""):
            services.append(Service(label, "(docker run/exec)", command=match.group(0).strip()))
            break
    return Launchers(tuple(services), _poetry_scripts(files, reader), tuple(image_only))


def _task_files(root: Path, files: frozenset[str]) -> list[tuple[str, Path]]:
    found = [(name, root / name) for name in sorted(files) if name in TASK_FILES]
    for prefix, folder in _parent_folders(root):
        found += [(prefix + name, folder / name) for name in sorted(TASK_FILES) if (folder / name).is_file()]
    return found


def _parent_folders(root: Path) -> list[tuple[str, Path]]:
    """The folders above the context ("../", "../../"...), up to the repository's root or PARENT_LEVELS."""
    folders = []
    folder = root.resolve()
    prefix = ""
    for _ in range(PARENT_LEVELS):
        if (folder / ".git").exists() or folder.parent == folder:
            break
        folder = folder.parent
        prefix += "../"
        folders.append((prefix, folder))
    return folders


def _compose_files(root: Path, files: frozenset[str]) -> list[tuple[str, Path]]:
    found = [(name, root / name) for name in sorted(files) if "/" not in name and COMPOSE_RE.match(name)]
    for prefix, folder in _parent_folders(root):
        try:
            names = _compose_names(folder)
        except OSError:
            break
        found += [(prefix + name, folder / name) for name in names]
    return found


# folder -> (its mtime, the compose files in it). A bulk run migrates many Dockerfiles
# below one parent folder (a monorepo, a checkout of many repositories): listing that
# folder for each of them cost more than migrating some. A new or removed entry changes
# the folder's mtime, so a listing is never stale.
_COMPOSE_NAMES: dict[str, tuple[int, tuple[str, ...]]] = {}


def _compose_names(folder: Path) -> tuple[str, ...]:
    mtime = folder.stat().st_mtime_ns
    known = _COMPOSE_NAMES.get(str(folder))
    if known is not None and known[0] == mtime:
        return known[1]
    # Names first (no Path for each of a thousand entries), then is_file for the few that match.
    names = tuple(sorted(n for n in os.listdir(folder) if COMPOSE_RE.match(n) and (folder / n).is_file()))
    _COMPOSE_NAMES[str(folder)] = (mtime, names)
    return names


def _relative_context(compose_dir: Path, root: Path) -> str:
    """The build context as a path relative to the compose file's folder ("." when it is that folder)."""
    try:
        relative = root.resolve().relative_to(compose_dir.resolve())
    except ValueError:
        return "."
    return relative.as_posix() or "."


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _poetry_scripts(files: frozenset[str], reader: ContextTexts) -> tuple[str, ...]:
    found = []
    candidates = [
        f
        for f in sorted(files)
        if not f.endswith("/") and (f.endswith((".sh", ".bash")) or posixpath.basename(f).lower() in SCRIPT_NAMES)
    ]
    for relative, text in _script_texts(candidates, reader):
        lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
        if any(POETRY_RE.search(line) for line in lines):
            found.append(relative)
    return tuple(found)


def _script_texts(candidates: list[str], reader: ContextTexts) -> Iterator[tuple[str, str]]:
    """(path, text) of the first MAX_SCRIPTS candidates that can be read whole; larger files are skipped."""
    for relative in candidates[:MAX_SCRIPTS]:
        data = reader.head(relative)
        if data is not None and len(data) <= MAX_FILE_BYTES:
            yield relative, data.decode("utf-8", errors="replace")


def _images_tagged_by_scripts(files: frozenset[str], reader: ContextTexts) -> dict[str, str]:
    """Image names that a script or task file at the context's top builds from the context, and which file.

    A repository whose compose file runs `image: owner/app` and whose `build` script runs
    `docker build -t owner/app .` ties that service to this Dockerfile as firmly as a
    `build: .` would. Only files at the top are read: a script's `.` is the folder it is
    run from, which for a script in a subfolder cannot be told.
    """
    names: dict[str, str] = {}
    candidates = [
        f for f in sorted(files) if "/" not in f and (f in TASK_FILES or f.endswith((".sh", ".bash")) or "." not in f)
    ]
    for relative, text in _script_texts(candidates, reader):
        if "docker" not in text:
            continue
        for line in text.replace("\\\n", " ").splitlines():
            for match in DOCKER_BUILD_RE.finditer(_strip_comment(line)):
                for name in _built_tags(match.group(1)):
                    names.setdefault(name, relative)
    return names


def _built_tags(arguments: str) -> list[str]:
    """The -t/--tag names of one `docker build` whose context is the current folder."""
    words = arguments.split(";")[0].split("&&")[0].split("|")[0].split()
    if not words or words[-1] not in HERE_CONTEXTS:
        return []
    tags = []
    for i, word in enumerate(words):
        value = None
        if word in ("-t", "--tag") and i + 1 < len(words):
            value = words[i + 1]
        elif word.startswith("--tag="):
            value = word.removeprefix("--tag=")
        elif word.startswith("-t") and len(word) > 2 and not word.startswith("--"):
            value = word[2:]
        if value:
            value = value.strip("\"'")
            if value and "$" not in value:
                tags.append(image_reference(value))
    return tags


def image_reference(name: str) -> str:
    """``name`` as the engine resolves it: Docker Hub's default host and namespace and `:latest` made explicit."""
    last = name.rsplit("/", 1)[-1]
    if "@" not in last and ":" not in last:
        name += ":latest"
    for prefix in ("docker.io/library/", "docker.io/", "library/"):
        if name.startswith(prefix):
            name = name.removeprefix(prefix)
            break
    return name


# --- a reader for the compose keys that matter ---------------------------------------


class Unreadable(Exception):
    """The file uses YAML this reader does not follow."""


def _services(
    label: str, text: str, context: str, tagged: Mapping[str, str] = EMPTY, image_only: list[Service] | None = None
) -> list[Service]:
    try:
        return _parsed_services(label, text, context, tagged, image_only)
    except (Unreadable, ValueError, IndexError, KeyError):  # whatever the reader cannot follow: read as text
        return [_loose_service(label, text)]


def _loose_service(label: str, text: str) -> Service:
    """The whole file as one service: any `poetry` and any relative bind mount counts."""
    binds = tuple((m.group(1), posixpath.normpath(m.group(2))) for m in LOOSE_VOLUME_RE.finditer(text))
    command = "poetry" if POETRY_RE.search(_without_comments(text)) else None
    return Service(label, "?", command=command, binds=binds, loose=True)


def _without_comments(text: str) -> str:
    return "\n".join(_strip_comment(line) for line in text.splitlines())


def _strip_comment(line: str) -> str:
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _lines(text: str) -> list[tuple[int, str]]:
    """(indent, content) of the lines that carry something."""
    out = []
    for raw in text.splitlines():
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise Unreadable("tab indentation")
        line = _strip_comment(raw)
        if not line.strip() or line.strip() in ("---", "..."):
            continue
        out.append((len(line) - len(line.lstrip(" ")), line.strip()))
    return out


def _block(lines: list[tuple[int, str]], start: int) -> tuple[list[tuple[int, str]], int]:
    """The lines indented deeper than line ``start``, and the index after them."""
    indent = lines[start][0]
    end = start + 1
    while end < len(lines) and lines[end][0] > indent:
        end += 1
    return lines[start + 1 : end], end


def _mapping(lines: list[tuple[int, str]]) -> dict[str, tuple[str, list[tuple[int, str]]]]:
    """key -> (inline value, nested lines) for one level of a block mapping."""
    if not lines:
        return {}
    indent = lines[0][0]
    result: dict[str, tuple[str, list[tuple[int, str]]]] = {}
    i = 0
    while i < len(lines):
        level, content = lines[i]
        if level != indent:
            raise Unreadable("unexpected indentation")
        match = re.match(r"""^("[^"]*"|'[^']*'|[^:\s][^:]*?)\s*:(?:\s+(.*))?$""", content)
        if not match:
            raise Unreadable(f"not a mapping entry: {content}")
        key = match.group(1).strip("\"'")
        value = (match.group(2) or "").strip()
        if key == "<<" or value.startswith(("*", "&")) or "*" in value.split("#")[0][:1]:
            raise Unreadable("anchors and aliases")
        nested, i = _block(lines, i)
        if not value and not nested:
            # A block sequence may sit at its key's own indentation: `volumes:` then `- .:/app`.
            while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
                item, i = _block(lines, i)
                nested += [(indent + 2, lines[i - len(item) - 1][1])] + [(lv + 2, c) for lv, c in item]
        result[key] = (value, nested)
    return result


def _scalar(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _text_value(value: str, nested: list[tuple[int, str]]) -> str | None:
    """A command as one line: a scalar, a flow list, a block list or a block scalar."""
    if value.startswith("["):
        if not value.endswith("]"):
            raise Unreadable("flow list over several lines")
        return " ".join(_scalar(p.strip()) for p in _split_flow(value[1:-1]))
    if value[:1] in ("|", ">"):
        return " ".join(content for _, content in nested)
    if value:
        return _scalar(value)
    if nested and all(content.startswith("-") for level, content in nested if level == nested[0][0]):
        return " ".join(_scalar(content[1:].strip()) for _, content in nested)
    if nested:
        return " ".join(content for _, content in nested)  # a plain scalar folded over lines
    return None


def _split_flow(text: str) -> list[str]:
    parts, current, quote = [], "", None
    for char in text:
        if quote:
            current += char
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current += char
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current)
    return parts


Mounts = tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[tuple[str, str], ...]]


def _mounts(value: str, nested: list[tuple[int, str]]) -> Mounts:
    """A service's `volumes:`: its host binds, the container paths of those mounted read-only,
    and its writable named volumes in short syntax (`data:/app/data`)."""
    found: list[tuple[str, str]] = []
    read_only: list[str] = []
    named: list[tuple[str, str]] = []

    def short(item: str) -> None:
        bind = _short_bind(item)
        if bind:
            found.append(bind)
            if _short_read_only(item):
                read_only.append(bind[1])
        elif (volume := _short_named_volume(item)) is not None:
            named.append(volume)

    if value.startswith("["):
        for part in _split_flow(value[1:-1] if value.endswith("]") else ""):
            short(_scalar(part.strip()))
        return tuple(found), tuple(read_only), tuple(named)
    if not nested:
        return (), (), ()
    indent = nested[0][0]
    i = 0
    while i < len(nested):
        level, content = nested[i]
        if level != indent or not content.startswith("-"):
            raise Unreadable("volumes")
        item, i = _block(nested, i)
        rest = content[1:].strip()
        if re.match(r"^[\w-]+\s*:(\s|$)", rest):  # long syntax: `- type: bind` then source/target
            entry_lines = [(level + 2, rest)] + [(lv, c) for lv, c in item]
            entry = {k: _scalar(v) for k, (v, _) in _mapping(_reindented(entry_lines)).items()}
            if entry.get("type", "bind") == "bind" and entry.get("source") and entry.get("target"):
                found.append((entry["source"], posixpath.normpath(entry["target"])))
                if str(entry.get("read_only", "")).lower() == "true":
                    read_only.append(found[-1][1])
        else:
            short(_scalar(rest))
    return tuple(found), tuple(read_only), tuple(named)


def _short_named_volume(item: str) -> tuple[str, str] | None:
    """(name, container path) of `data:/app/data` mounted writable; None for anything else."""
    parts = item.split(":")
    if len(parts) < 2 or not parts[1].startswith("/") or _short_read_only(item):
        return None
    if not re.match(r"^[A-Za-z0-9][\w.-]*$", parts[0]):  # a host path, not a name
        return None
    return parts[0], posixpath.normpath(parts[1])


def _short_read_only(item: str) -> bool:
    """Whether `./src:/app:ro` (or `:ro,z`) mounts read-only."""
    parts = item.split(":")
    return len(parts) >= 3 and "ro" in parts[2].split(",")


def _reindented(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """A long-syntax volume's keys at one level: the first key shares the line of its dash."""
    if len(lines) < 2:
        return [(0, lines[0][1])] if lines else []
    indent = lines[1][0]
    return [(indent, lines[0][1])] + lines[1:]


def _short_bind(item: str) -> tuple[str, str] | None:
    """(source, target) of `./src:/app[:ro]` when the source is a host path (not a named volume)."""
    parts = item.split(":")
    if len(parts) < 2 or not parts[1].startswith("/"):
        return None
    source = parts[0]
    if not source.startswith((".", "/", "~", "$")):
        return None  # a named volume: it starts as a copy of the image's folder, so nothing is hidden
    return source, posixpath.normpath(parts[1])


def _parsed_services(
    label: str, text: str, context: str, tagged: Mapping[str, str] = EMPTY, image_only: list[Service] | None = None
) -> list[Service]:
    top = _mapping(_lines(text))
    if "services" not in top:
        if any(k in top for k in ("version", "volumes", "networks")):
            return []
        raise Unreadable("no services")
    value, nested = top["services"]
    if value:
        raise Unreadable("services inline")
    services = _mapping(nested)
    ours: list[Service] = []
    built_images: set[str] = set()
    others: list[tuple[str, dict[str, Any]]] = []
    for name, (inline, body) in services.items():
        if inline:
            raise Unreadable("service inline")
        keys = _mapping(body)
        if "extends" in keys:
            raise Unreadable("extends")
        build = keys.get("build")
        if build is None:
            others.append((name, keys))
            continue
        if not _builds_context(build, context):
            continue
        if "image" in keys:
            built_images.add(image_reference(_scalar(keys["image"][0])))
        ours.append(_service(label, name, keys))
    for name, keys in others:
        image = image_reference(_scalar(keys["image"][0])) if "image" in keys else None
        if image in built_images:  # another service of the image a `build:` makes
            ours.append(_service(label, name, keys))
        elif image is not None and image in tagged:  # the image a script here builds from this context
            ours.append(
                _service(label, name, keys, via=f"image {image}, which `{tagged[image]}` builds from this folder")
            )
        elif image is not None and image_only is not None and "/" in image.split(":", 1)[0]:
            # Official images (postgres, nginx, node) have no namespace: never this Dockerfile's.
            image_only.append(_service(label, name, keys, via=f"image {image}"))
    return ours


def _builds_context(build: tuple[str, list[tuple[int, str]]], context: str) -> bool:
    value, nested = build
    path = _scalar(value) if value else _scalar(_mapping(nested).get("context", (".", []))[0] or ".")
    if "$" in path or "://" in path:
        return True  # cannot tell: count it
    return posixpath.normpath(path) == posixpath.normpath(context)


def _service(label: str, name: str, keys: dict[str, Any], via: str | None = None) -> Service:
    command = keys.get("command")
    entrypoint = keys.get("entrypoint")
    volumes = keys.get("volumes")
    user = keys.get("user")
    binds, read_only, named = _mounts(*volumes) if volumes else ((), (), ())
    return Service(
        label,
        name,
        command=_text_value(*command) if command else None,
        entrypoint=_text_value(*entrypoint) if entrypoint else None,
        binds=binds,
        user=(_scalar(user[0]) or None) if user else None,
        read_only=read_only,
        via=via,
        volumes=named,
    )
