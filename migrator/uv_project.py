"""Switch a Poetry project's own files to uv, at the edge (this module does I/O).

`migrate --uv` changes three things together: the Dockerfile (MIG006, a pure
transform), pyproject.toml (Poetry tables -> PEP 621 [project], [dependency-groups],
[[tool.uv.index]], a uv_build backend) and the lock (poetry.lock -> uv.lock with the
same versions). This module does the last two, in a scratch copy of the manifests, and
hands back the new texts as ExtraFiles; nothing in the project is written here.

The conversion itself is migrate-to-uv's (PyPI, a self-contained binary): it covers
the long tail of Poetry's dependency syntax (caret/tilde/wildcard, markers, python
restrictions, extras, git/path/url sources, `packages` mapped onto uv_build) and locks
with `uv lock` constrained by the versions in poetry.lock. We add what a bulk run
needs on top: refusals in one line (plugins, credentials, an out-of-date lock, a
version that moved), the pinned uv binary (its version pins the uv image in the
Dockerfile), `uv lock --check` and a package-by-package version comparison before
anything is handed back, the comments that migrate-to-uv drops with [tool.poetry]
(carried to what their keys became), and a .dockerignore allow-list that now lets
uv.lock in.

The build backend becomes uv_build (migrate-to-uv's choice, kept): it maps Poetry's
`packages` (including `from = "src"`) onto its module settings, it is versioned with
the uv that wrote the lock, and it leaves no Poetry in the project; keeping
poetry-core would need [tool.poetry] kept too.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from migrator.patterns import lazy_compile
from migrator.record import dataclass, replace
from migrator.transform import ExtraFile, Settings

LOCK_TIMEOUT_SECONDS = 600
INSTALL_UV_EXTRA = "pip install 'dockerfile-migrator[uv]'"  # the extra that pins uv and migrate-to-uv
CREDENTIAL_ENV_RE = lazy_compile(r"POETRY_(HTTP_BASIC|PYPI_TOKEN|CERTIFICATES)_[A-Z0-9_]+")


@dataclass(frozen=True)
class UvPlan:
    """What switching the project to uv changes besides the Dockerfile, or why it cannot."""

    extra_files: tuple[ExtraFile, ...] = ()
    uv_version: str | None = None
    refusal: str | None = None  # one line; set means: change nothing
    warnings: tuple[str, ...] = ()


def refuse(reason: str) -> UvPlan:
    return UvPlan(refusal=reason)


def prepare(context_dir: Path, settings: Settings) -> UvPlan:
    """Convert the project at the root of the build context; never raises for a user error."""
    context_dir = Path(context_dir)
    pyproject_path = context_dir / "pyproject.toml"
    if not pyproject_path.is_file():
        return refuse(
            f"{pyproject_path}: not found; --uv converts the project at the build context root (use --context)"
        )
    try:
        pyproject_text = read_text(pyproject_path)
        data = tomllib.loads(pyproject_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return refuse(f"{pyproject_path}: cannot be read ({exc}); fix it before switching to uv")
    uv_binary = find_uv()
    if uv_binary is None:
        return refuse(f"uv is not installed: {INSTALL_UV_EXTRA}")
    uv_version = tool_version(uv_binary)
    tool_poetry = data.get("tool", {}).get("poetry") or {}
    backend = str((data.get("build-system") or {}).get("build-backend") or "")
    # Poetry 2 projects may be plain PEP 621 with only poetry.lock and poetry-core to show for it.
    is_poetry = bool(tool_poetry) or backend.startswith("poetry") or (context_dir / "poetry.lock").is_file()
    if not is_poetry:
        if "project" in data and (context_dir / "uv.lock").is_file():
            return UvPlan(uv_version=uv_version)  # already uv: only the Dockerfile changes
        return refuse(f"{pyproject_path}: neither a Poetry project nor a uv-locked one; nothing to switch")
    reason = poetry_refusal(context_dir, tool_poetry)
    if reason:
        return refuse(reason)
    ignore_change, reason = dockerignore_change(context_dir)
    if reason:
        return refuse(reason)
    converter = find_migrate_to_uv()
    if converter is None:
        return refuse(f"migrate-to-uv is not installed: {INSTALL_UV_EXTRA}")
    converted = convert_in_scratch(context_dir, tool_poetry, converter, uv_binary)
    if isinstance(converted, str):
        return refuse(converted)
    new_pyproject, new_lock = converted
    poetry_lock = read_text(context_dir / "poetry.lock")
    mismatch = version_mismatch(poetry_lock, new_lock, project_name(data))
    if mismatch:
        return refuse(f"{context_dir / 'uv.lock'}: {mismatch}; refusing to change the locked versions")
    new_pyproject, unplaced = carry_comments(pyproject_text, keep_leading_comments(pyproject_text, new_pyproject))
    warnings: tuple[str, ...] = ()
    if unplaced:
        warnings = (
            f"pyproject.toml: {len(unplaced)} comment(s) of [tool.poetry] found no place in the new tables: {' / '.join(unplaced)}",
        )
    extra = [
        ExtraFile("pyproject.toml", pyproject_text, same_line_endings(pyproject_text, new_pyproject)),
        ExtraFile("uv.lock", read_optional(context_dir / "uv.lock"), new_lock),
        ExtraFile("poetry.lock", poetry_lock, None),
    ]
    if (context_dir / "poetry.toml").is_file():
        extra.append(ExtraFile("poetry.toml", read_text(context_dir / "poetry.toml"), None))
    if ignore_change:
        extra.append(ignore_change)
    return UvPlan(extra_files=tuple(extra), uv_version=uv_version, warnings=warnings)


def convert_in_scratch(
    context_dir: Path, tool_poetry: dict[str, Any], converter: str, uv_binary: str
) -> tuple[str, str] | str:
    """(new pyproject.toml, new uv.lock) from migrate-to-uv on copies of the manifests, or why not."""
    pyproject_path = context_dir / "pyproject.toml"
    with tempfile.TemporaryDirectory(prefix="migrator-uv-") as scratch:
        work = Path(scratch)
        for name in ("pyproject.toml", "poetry.lock", "poetry.toml", *readme_files(tool_poetry)):
            if (context_dir / name).is_file() and "/" not in name and ".." not in name:
                shutil.copyfile(context_dir / name, work / name)
        failure = run_converter(converter, uv_binary, work)
        if failure:
            return converter_failure(context_dir, failure)
        if not (work / "uv.lock").is_file():
            return f"{pyproject_path}: no uv.lock was written; the project was left as it is"
        stale = lock_is_stale(uv_binary, work)
        if stale:
            return f"{pyproject_path}: the new uv.lock does not match the new pyproject.toml ({stale}); please report this project"
        return read_text(work / "pyproject.toml"), read_text(work / "uv.lock")


def dockerignore_change(context_dir: Path) -> tuple[ExtraFile | None, str | None]:
    """An allow-list that lets poetry.lock in now lets uv.lock in; (change, refusal)."""
    ignore_text = read_optional(context_dir / ".dockerignore")
    if ignore_text is None:
        return None, None
    new_ignore = ignore_text
    for negation in ("!poetry.lock", "!/poetry.lock", "!./poetry.lock", "!poetry.lock*"):
        new_ignore = re.sub(rf"(?m)^([ \t]*){re.escape(negation)}([ \t]*)(\r?)$", r"\1!uv.lock\2\3", new_ignore)
    if excludes(new_ignore, "uv.lock"):
        return (
            None,
            f"{context_dir / '.dockerignore'}: it keeps uv.lock out of the build; let it in (`!uv.lock`) and run again",
        )
    if new_ignore == ignore_text:
        return None, None
    return ExtraFile(".dockerignore", ignore_text, new_ignore), None


def poetry_refusal(
    context_dir: Path, tool_poetry: dict[str, Any], environ: Mapping[str, str] | None = None
) -> str | None:
    """Why this Poetry project cannot be switched safely, in one line; None when it can."""
    where = context_dir / "pyproject.toml"
    environ = os.environ if environ is None else environ
    plugins = tool_poetry.get("requires-plugins") or {}
    if plugins:
        return f"{where}: the build relies on Poetry plugins ({', '.join(plugins)}) that uv cannot run; switch by hand"
    if not (context_dir / "poetry.lock").is_file():
        return f"{where}: no poetry.lock; run `poetry lock` first so that uv keeps the same versions"
    for source in tool_poetry.get("source", []) or []:
        url = str(source.get("url", ""))
        variable = re.sub(r"[^A-Z0-9]", "_", str(source.get("name", "")).upper())
        if any(k.startswith((f"POETRY_HTTP_BASIC_{variable}_", f"POETRY_PYPI_TOKEN_{variable}")) for k in environ):
            return (
                f"{where}: source {source.get('name')!r} takes credentials from POETRY_HTTP_BASIC_{variable}_*; "
                f"uv reads UV_INDEX_{variable}_USERNAME/PASSWORD: switch by hand"
            )
        if "@" in url.split("//", 1)[-1].split("/", 1)[0]:
            return f"{where}: source {source.get('name')!r} has credentials in its URL; move them to a secret first"
    poetry_toml = context_dir / "poetry.toml"
    if poetry_toml.is_file():
        try:
            config = tomllib.loads(poetry_toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            return f"{poetry_toml}: cannot be read ({exc})"
        if config.get("http-basic") or config.get("pypi-token") or config.get("certificates"):
            return f"{poetry_toml}: a source needs Poetry's credentials; give uv an index with credentials by hand"
    for dependency in _all_dependencies(tool_poetry):
        if isinstance(dependency, dict) and "path" in dependency:
            return f"{where}: path dependencies ({dependency['path']}) need a uv workspace; switch by hand"
    return None


def _all_dependencies(tool_poetry: dict[str, Any]) -> list[Any]:
    found = list((tool_poetry.get("dependencies") or {}).values())
    found += list((tool_poetry.get("dev-dependencies") or {}).values())
    for group in (tool_poetry.get("group") or {}).values():
        found += list(((group or {}).get("dependencies") or {}).values())
    flat = []
    for dependency in found:
        flat.extend(dependency if isinstance(dependency, list) else [dependency])
    return flat


def missing_tools() -> list[str]:
    """The programs of the uv extra that cannot be found; checked before a --uv run starts."""
    found = {"uv": find_uv(), "migrate-to-uv": find_migrate_to_uv()}
    return [name for name, path in found.items() if path is None]


def find_uv() -> str | None:
    """The uv that `dockerfile-migrator[uv]` pins, before any other uv on PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def find_migrate_to_uv() -> str | None:
    beside = Path(sysconfig.get_path("scripts")) / "migrate-to-uv"
    if beside.is_file():
        return str(beside)
    beside = Path(sys.executable).parent / "migrate-to-uv"
    if beside.is_file():
        return str(beside)
    return shutil.which("migrate-to-uv")


def tool_version(binary: str) -> str | None:
    try:
        output = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\b(\d+\.\d+\.\d+)\b", output)
    return match.group(1) if match else None


def run_converter(converter: str, uv_binary: str, work: Path) -> str | None:
    """Run migrate-to-uv in the scratch folder; its error output, or None."""
    env = dict(os.environ)
    # migrate-to-uv runs `uv` from PATH: make it the pinned one, whose version the Dockerfile pins.
    env["PATH"] = str(Path(uv_binary).parent) + os.pathsep + env.get("PATH", "")
    env.pop("VIRTUAL_ENV", None)  # (not UV_NO_CONFIG: it would also hide [tool.uv] and its index)
    try:
        completed = subprocess.run(
            [converter, "--quiet", "--package-manager", "poetry", str(work)],
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            env=env,
            cwd=work,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {LOCK_TIMEOUT_SECONDS} s"
    except OSError as exc:
        return str(exc)
    if completed.returncode != 0:
        return (completed.stderr + completed.stdout).strip() or f"exit status {completed.returncode}"
    return None


def converter_failure(context_dir: Path, output: str) -> str:
    """migrate-to-uv's (and uv's) error output as one line saying what to do."""
    errors = [
        line.strip().removeprefix("error: ")
        for line in output.splitlines()
        if line.strip().startswith(("error:", "cause:", "Caused by:"))
    ]
    first = errors[0] if errors else output.strip().splitlines()[-1]
    if re.search(r"\b(401|403)\b|Unauthorized|Forbidden", output):
        return (
            f"{context_dir / 'pyproject.toml'}: an index needs credentials uv does not have ({first}); switch by hand"
        )
    if "Could not lock" in output:
        return f"{context_dir / 'poetry.lock'}: uv cannot lock the versions it pins ({first}); is it out of date? run `poetry lock`"
    return f"{context_dir / 'pyproject.toml'}: migrate-to-uv failed ({first}); the project was left as it is"


def lock_is_stale(uv_binary: str, work: Path) -> str | None:
    """What `uv sync --locked` in the image would say, checked before anything is written."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    try:
        completed = subprocess.run(
            [uv_binary, "lock", "--check", "--quiet"],
            capture_output=True,
            text=True,
            timeout=LOCK_TIMEOUT_SECONDS,
            env=env,
            cwd=work,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if completed.returncode != 0:
        lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
        return lines[0] if lines else f"exit status {completed.returncode}"
    return None


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_name(data: dict[str, Any]) -> str:
    name = (data.get("project") or {}).get("name") or data.get("tool", {}).get("poetry", {}).get("name") or ""
    return normalise(str(name))


def locked_versions(lock_text: str) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for package in tomllib.loads(lock_text).get("package", []):
        if "name" in package and "version" in package:
            versions.setdefault(normalise(package["name"]), set()).add(str(package["version"]))
    return versions


def version_mismatch(poetry_lock: str, uv_lock: str, root_name: str) -> str | None:
    """One line naming the first package whose locked version differs, or None."""
    before = locked_versions(poetry_lock)
    after = locked_versions(uv_lock)
    after.pop(root_name, None)
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) != after.get(name):
            old = ", ".join(sorted(before.get(name, set())))
            new = ", ".join(sorted(after.get(name, set())))
            if not old:
                return f"uv would lock {name} {new}, which poetry.lock does not lock"
            if not new:
                return f"uv would not lock {name}, which poetry.lock locks at {old}"
            return f"uv would lock {name} {new} where poetry.lock has {old}"
    return None


def keep_leading_comments(original: str, converted: str) -> str:
    """Comments above the first table belong to the file, not to [tool.poetry]: keep them."""
    lead = []
    for line in original.splitlines(keepends=True):
        if line.lstrip().startswith("#") or not line.strip():
            lead.append(line)
        else:
            break
    header = "".join(lead)
    if not header.strip() or converted.startswith(header):
        return converted
    return header.rstrip("\n") + "\n\n" + converted.lstrip("\n") if not header.endswith("\n\n") else header + converted


ANCHOR_ALIASES = {"python": "requires-python", "dev-dependencies": "dev"}


def poetry_comments(text: str) -> list[tuple[list[str], str]]:
    """Comments in the [tool.poetry...] tables, each with the key or table it sits above."""
    found: list[tuple[list[str], str]] = []
    in_poetry = seen_table = False
    pending: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            header = stripped.strip("[]").strip()
            if header.startswith("tool.poetry"):
                if pending and seen_table:  # above the first table: the file's, kept by keep_leading_comments
                    found.append((pending, _table_anchor(header)))
                in_poetry = True
            else:
                in_poetry = False
            seen_table = True
            pending = []
        elif stripped.startswith("#"):
            pending.append(stripped)
        elif not stripped:
            continue
        else:
            key = stripped.split("=", 1)[0].strip().strip('"')
            trailing = _trailing_comment(line)
            if in_poetry and (pending or trailing):
                found.append((pending + ([trailing] if trailing else []), key))
            pending = []
    return found


TABLE_ANCHORS = {"poetry": "project", "source": "index", "extras": "optional-dependencies"}


def _table_anchor(header: str) -> str:
    """What a [tool.poetry...] table is called after the conversion."""
    parts = header.split(".")
    if parts[-1] == "dependencies" and len(parts) > 3:
        return parts[-2]  # [tool.poetry.group.dev.dependencies] -> the "dev" group
    return TABLE_ANCHORS.get(parts[-1], parts[-1])


def _trailing_comment(line: str) -> str | None:
    quote = ""
    for position, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[position:].strip()
    return None


def carry_comments(original: str, converted: str) -> tuple[str, list[str]]:
    """Put the [tool.poetry] comments above what their key became; the ones that found no place."""
    lines = converted.splitlines(keepends=True)
    unplaced: list[str] = []
    insertions: dict[int, list[str]] = {}
    for comments, anchor in poetry_comments(original):
        anchor = ANCHOR_ALIASES.get(anchor, anchor)
        wanted = normalise(anchor)
        target = None
        for number, line in enumerate(lines):
            body = line.strip()
            if body.startswith("#"):
                continue
            key = body.split("=", 1)[0].strip().strip('"') if "=" in body and not body.startswith('"') else None
            header = body.strip("[]").rsplit(".", 1)[-1] if body.startswith("[") else None
            names = re.findall(r'"([A-Za-z0-9][A-Za-z0-9._-]*)', body.split("=", 1)[-1] if key else body)
            if (
                (key and normalise(key) == wanted)
                or (header and normalise(header) == wanted)
                or wanted in {normalise(n) for n in names}
            ):
                target = number
                break
        if target is None:
            unplaced.extend(comments)
            continue
        indent = lines[target][: len(lines[target]) - len(lines[target].lstrip())]
        insertions.setdefault(target, []).extend(indent + c + "\n" for c in comments)
    result = "".join("".join(insertions.get(n, [])) + line for n, line in enumerate(lines))
    try:
        if tomllib.loads(result) != tomllib.loads(converted):
            return converted, [c for comments, _ in poetry_comments(original) for c in comments]
    except tomllib.TOMLDecodeError:
        return converted, [c for comments, _ in poetry_comments(original) for c in comments]
    return result, unplaced


def readme_files(tool_poetry: dict[str, Any]) -> list[str]:
    readme = tool_poetry.get("readme") or []
    return [readme] if isinstance(readme, str) else [str(r) for r in readme]


def excludes(dockerignore: str, name: str) -> bool:
    """Whether .dockerignore keeps a file at the context root out (the last matching pattern wins)."""
    excluded = False
    for line in dockerignore.splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip().removeprefix("./").strip("/")
        if pattern.startswith("**/"):
            pattern = pattern[3:]
        if fnmatch.fnmatchcase(name, pattern) or pattern in ("**", "**/*"):
            excluded = not negated
    return excluded


def read_text(path: Path) -> str:
    """The file's text with its own line endings (no newline translation)."""
    return path.read_bytes().decode("utf-8")


def same_line_endings(original: str, converted: str) -> str:
    converted = converted.replace("\r\n", "\n")
    if original.count("\r\n") > original.count("\n") // 2:
        return converted.replace("\n", "\r\n")
    return converted


def read_optional(path: Path) -> str | None:
    try:
        return read_text(path)
    except FileNotFoundError:
        return None


def settings_for(plan: UvPlan, settings: Settings) -> Settings:
    return replace(settings, uv_version=plan.uv_version or settings.uv_version, uv_project_ready=True)
