"""``[tool.migrator]`` in pyproject.toml: per-repository defaults for the command line.

The table is looked up from the Dockerfile's folder upwards, stopping at the git
root, so a monorepo can set defaults once at the top and a service can override
them next to its Dockerfile. Options given on the command line win over the file.

    [tool.migrator]
    select = ["MIG001", "cache-mounts"]   # or "MIG001,cache-mounts"
    ignore = ["non-root-user"]
    user = "app:10001"
    poetry-version = "2.2.1"
    uv = false
    context = "."                          # relative to this pyproject.toml
    syntax-directive = true
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migrator.patterns import lazy_compile
from migrator.record import dataclass, fields, replace
from migrator.transform import Settings

# Patterns, not compiled here: re compiles them when --user or --poetry-version is given.
USER_PATTERN = r"^(?P<name>[a-z_][a-z0-9_-]{0,31}):(?P<uid>[0-9]{1,10})$"
VERSION_PATTERN = r"^[0-9]+(\.[0-9]+){0,3}([a-z]+[0-9]*)?(\.post[0-9]+|\.dev[0-9]+)?$"
KEYS = ("select", "ignore", "user", "poetry-version", "uv", "context", "syntax-directive")
TABLE_HEADER_RE = lazy_compile(r"^[ \t]*\[\s*tool\s*\.\s*migrator\s*\]", re.MULTILINE)


class ConfigError(Exception):
    """A bad value in [tool.migrator]; one line naming the file and the key."""


@dataclass(frozen=True)
class Overrides:
    """Settings named explicitly, by the command line or by a [tool.migrator] table; None: not given."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] | None = None
    user_name: str | None = None
    uid: int | None = None
    poetry_version: str | None = None
    uv: bool | None = None
    context: Path | None = None
    syntax_directive: bool | None = None

    def over(self, other: Overrides) -> Overrides:
        """These values where given, the other's elsewhere."""
        return replace(
            other, **{f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}
        )

    def settings(self, base: Settings = Settings()) -> Settings:
        changes: dict[str, Any] = {}
        if self.select is not None:
            changes["select"] = self.select
        if self.ignore is not None:
            changes["ignore"] = self.ignore
        if self.user_name is not None:
            changes["user_name"] = self.user_name
        if self.uid is not None:
            changes["uid"] = self.uid
        if self.poetry_version is not None:
            # An explicit version, wherever it comes from, also replaces existing pins.
            changes["poetry_version"] = self.poetry_version
            changes["poetry_version_explicit"] = True
        if self.uv is not None:
            changes["uv"] = self.uv
        if self.syntax_directive is not None:
            changes["syntax_directive"] = self.syntax_directive
        return replace(base, **changes)


def split_codes(values: str | Iterable[object]) -> frozenset[str]:
    """'MIG001,cache-mounts' or a list of those, as one set of codes and names."""
    if isinstance(values, str):
        values = [values]
    return frozenset(part.strip() for value in values for part in str(value).split(",") if part.strip())


def parse_user(value: str) -> tuple[str, int]:
    """'app:10001' as ('app', 10001); ValueError with what is expected."""
    match = re.match(USER_PATTERN, value.strip())
    if not match:
        raise ValueError(f"{value!r} is not NAME:UID (a lower-case user name and a numeric id, e.g. app:10001)")
    uid = int(match["uid"])
    if not 1 <= uid <= 2**31 - 1:
        raise ValueError(f"{value!r}: the id must be between 1 and 2147483647 (0 is root)")
    return match["name"], uid


def check_version(value: str) -> str:
    if not re.match(VERSION_PATTERN, value.strip()):
        raise ValueError(f"{value!r} is not a Poetry version such as 2.2.1")
    return value.strip()


class ConfigFinder:
    """Finds the [tool.migrator] table that applies to a folder, reading each pyproject.toml once."""

    def __init__(self) -> None:
        self._by_folder: dict[Path, Overrides] = {}

    def for_folder(self, folder: Path) -> Overrides:
        """The nearest table at or above ``folder`` up to the git root; empty if there is none."""
        folder = Path(folder).resolve()
        visited: list[Path] = []
        found = Overrides()
        current: Path | None = folder
        while current is not None:
            if current in self._by_folder:
                found = self._by_folder[current]
                break
            visited.append(current)
            table = load(current / "pyproject.toml")
            if table is not None:
                found = table
                break
            if (current / ".git").exists() or current.parent == current:
                break
            current = current.parent
        for seen in visited:
            self._by_folder[seen] = found
        return found


def load(pyproject: Path) -> Overrides | None:
    """The [tool.migrator] table of one pyproject.toml; None when it has none."""
    try:
        data = pyproject.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise ConfigError(f"{pyproject}: cannot be read ({exc.strerror or exc})") from exc
    if b"migrator" not in data:
        return None  # most pyproject.toml files: no need to parse them
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        if TABLE_HEADER_RE.search(data.decode("utf-8", "replace")):
            raise ConfigError(f"{pyproject}: is not valid TOML ({exc}); fix it or remove [tool.migrator]") from exc
        return None  # a broken pyproject.toml without our table is the project reader's concern
    table = document.get("tool", {}).get("migrator")
    if table is None:
        return None
    return parse_table(table, pyproject)


def parse_table(table: dict[str, Any], pyproject: Path) -> Overrides:
    line = _table_line(pyproject)
    where = f"{pyproject}:{line}" if line else str(pyproject)
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.migrator] must be a table")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} in [tool.migrator]; known keys: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    try:
        for key in ("select", "ignore"):
            if key in table:
                value = table[key]
                if not isinstance(value, (str, list)) or (
                    isinstance(value, list) and not all(isinstance(v, str) for v in value)
                ):
                    raise ValueError(f"{key} must be a list of transform codes or names")
                values[key] = split_codes(value)
        if "user" in table:
            values["user_name"], values["uid"] = parse_user(_string(table, "user"))
        if "poetry-version" in table:
            values["poetry_version"] = check_version(_string(table, "poetry-version"))
        if "uv" in table:
            values["uv"] = _boolean(table, "uv")
        if "syntax-directive" in table:
            values["syntax_directive"] = _boolean(table, "syntax-directive")
        if "context" in table:
            values["context"] = (pyproject.parent / _string(table, "context")).resolve()
    except ValueError as exc:
        raise ConfigError(f"{where}: [tool.migrator] {exc}") from exc
    return Overrides(**values)


def _string(table: dict[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


def _boolean(table: dict[str, Any], key: str) -> bool:
    value = table[key]
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def _table_line(pyproject: Path) -> int | None:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    match = TABLE_HEADER_RE.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None
