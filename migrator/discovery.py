"""Finding the Dockerfiles under the paths given on the command line.

Files named explicitly are taken whatever their name; folders are searched
recursively for the names Docker and Podman use, passing over version control,
virtual environments, dependencies and devcontainers. The order is sorted and stable,
so that two runs over the same tree print the same thing in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        # A devcontainer's Dockerfile builds an editor's environment (its own user, the
        # workspace mounted in), not an image that ships: splitting it would break it.
        ".devcontainer",
    }
)
# A folder holding this is a virtual environment (venv/, env/...): installed packages
# may carry Dockerfiles of their own, and walking site-packages is slow.
VENV_MARKER = "pyvenv.cfg"
STDIN = "-"


class DiscoveryError(Exception):
    """A path given on the command line that cannot be used; one line for the user."""


def is_dockerfile_name(name: str) -> bool:
    lowered = name.lower()
    if lowered.endswith(".dockerignore"):
        return False  # Dockerfile.dockerignore is the ignore file that goes with a Dockerfile
    return (
        name in ("Dockerfile", "Containerfile", "dockerfile")  # docker build falls back to lower case
        or name.startswith("Dockerfile.")
        or name.endswith((".Dockerfile", ".dockerfile"))
    )


def find_dockerfiles(paths: Iterable[str]) -> list[Path]:
    """Every Dockerfile named or found under the given paths, each once, in a stable order."""
    found: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            candidates = _walk(path)
        elif path.is_file():
            candidates = [path]
        elif path.is_symlink():
            raise DiscoveryError(f"{given}: a symbolic link to a file that does not exist")
        else:
            raise DiscoveryError(f"{given}: no such file or folder")
        for candidate in candidates:
            # The same file reached twice (a link, or a folder and a file inside it) is migrated once.
            key = os.path.realpath(candidate)
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for directory, subdirectories, names in os.walk(root):
        if VENV_MARKER in names and directory != str(root):
            subdirectories[:] = []
            continue
        subdirectories[:] = sorted(d for d in subdirectories if d not in SKIP_DIRS)
        base = Path(directory)
        found.extend(base / name for name in names if is_dockerfile_name(name) and (base / name).is_file())
    return sorted(found, key=lambda p: p.parts)
