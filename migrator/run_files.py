"""The small files of the build context that say how the image is run, read once at the edge.

A Dockerfile's ENTRYPOINT is often a script it copies from the context, and whether
the image may run as a non-root user can depend on what that script does (drop
privileges with gosu, chown a volume at start) or on who builds and runs the image
(a GitHub Actions container action, a dev container). Transforms are pure, so the
texts they may want are gathered here: entrypoint and start scripts, action.yml /
action.yaml and devcontainer.json. Reading is bounded in count and size, so that a
huge context never slows a bulk run; a file that cannot be read is simply absent.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

# Scripts a Dockerfile may COPY and run: any shell script, and extension-less or shell
# files named like an entrypoint or a start/run script.
SCRIPT_NAME_RE = re.compile(
    r"(\.(sh|bash)$)|(^(docker-entrypoint|entrypoint|start|run)[\w.-]*?(\.(sh|bash))?$)", re.IGNORECASE
)
NAMED_FILES = (
    "action.yml",
    "action.yaml",
    "devcontainer.json",
    ".devcontainer.json",
    ".devcontainer/devcontainer.json",
)
MAX_FILE_CHARS = 64 * 1024  # more than any entrypoint needs; the rest of a larger file is not read
MAX_FILES = 40


def is_run_file(relative: str) -> bool:
    if relative.endswith("/"):
        return False
    if relative in NAMED_FILES:
        return True
    name = posixpath.basename(relative)
    return bool(SCRIPT_NAME_RE.search(name)) and (name.endswith((".sh", ".bash")) or "." not in name)


def read_run_files(root: Path, files: frozenset[str] | set[str]) -> dict[str, str]:
    """Relative path -> text of the files that say how the image runs (bounded)."""
    wanted = sorted((f for f in files if is_run_file(f)), key=lambda f: (f not in NAMED_FILES, f.count("/"), f))
    texts: dict[str, str] = {}
    for relative in wanted[:MAX_FILES]:
        try:
            with open(root / relative, "rb") as handle:
                data = handle.read(MAX_FILE_CHARS)
        except OSError:
            continue
        if b"\0" in data:
            continue  # a binary, not a script
        texts[relative] = data.decode("utf-8", errors="replace")
    return texts
