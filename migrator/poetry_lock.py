"""The package names a project's poetry.lock provides, read once at the edge.

Only the names are needed (does the lock provide `uvicorn`?), so the file is read
line by line rather than parsed whole: a lock of several megabytes costs a scan.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE_NAME_RE = re.compile(r'^name\s*=\s*"([^"]+)"\s*$')
MAX_LOCK_BYTES = 20 * 1024 * 1024


def normalize(name: str) -> str:
    """PEP 503 normalisation: `Flask_SQLAlchemy` and `flask-sqlalchemy` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_names(text: str) -> frozenset[str]:
    """The normalised names of every `[[package]]` table of a poetry.lock."""
    names = set()
    in_package = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_package = stripped == "[[package]]"
            continue
        if in_package:
            match = PACKAGE_NAME_RE.match(stripped)
            if match:
                names.add(normalize(match.group(1)))
                in_package = False
    return frozenset(names)


def read_locked_names(root: Path, directories: list[str]) -> dict[str, frozenset[str]]:
    """Project folder ("" for the context root) -> the names its poetry.lock provides.

    A folder without a readable poetry.lock is left out: absent means unknown.
    """
    found = {}
    for directory in directories:
        lock = root / directory / "poetry.lock" if directory else root / "poetry.lock"
        try:
            if not lock.is_file() or lock.stat().st_size > MAX_LOCK_BYTES:
                continue
            found[directory] = locked_names(lock.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    return found
