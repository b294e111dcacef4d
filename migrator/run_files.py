"""The small files of the build context that say how the image is run, read once at the edge.

A Dockerfile's ENTRYPOINT is often a script it copies from the context, and whether
the image may run as a non-root user can depend on what that script does (drop
privileges with gosu, chown a volume at start) or on who builds and runs the image
(a GitHub Actions container action, a dev container). Transforms are pure, so the
texts they may want are gathered here: entrypoint and start scripts, action.yml /
action.yaml and devcontainer.json. Reading is bounded in count and size, so that a
huge context never slows a bulk run; a file that cannot be read is simply absent.

ContextTexts is the one reader of these files: MIG005 (through read_run_files) and
MIG003's check for scripts that run Poetry (migrator.launchers) each ask their own
question of the same bytes, which are read from disk once.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from migrator.patterns import lazy_compile

# Scripts a Dockerfile may COPY and run: any shell script, and extension-less or shell
# files named like an entrypoint or a start/run script.
SCRIPT_NAME_RE = lazy_compile(
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
MAX_READ_BYTES = 256_000  # the largest script migrator.launchers reads whole


class ContextTexts:
    """The first bytes of the build context's files, each read from disk once.

    Up to MAX_READ_BYTES + 1 bytes are kept, so a reader can tell a file that is larger
    than MAX_READ_BYTES (launchers skip it) from one that is not.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._read: dict[str, bytes | None] = {}

    def head(self, relative: str) -> bytes | None:
        """Up to MAX_READ_BYTES + 1 bytes of the file; None when it cannot be read."""
        if relative not in self._read:
            try:
                with open(self.root / relative, "rb") as handle:
                    self._read[relative] = handle.read(MAX_READ_BYTES + 1)
            except OSError:
                self._read[relative] = None
        return self._read[relative]


def is_run_file(relative: str) -> bool:
    if relative.endswith("/"):
        return False
    if relative in NAMED_FILES:
        return True
    name = posixpath.basename(relative)
    return bool(SCRIPT_NAME_RE.search(name)) and (name.endswith((".sh", ".bash")) or "." not in name)


def read_run_files(root: Path, files: frozenset[str] | set[str], reader: ContextTexts | None = None) -> dict[str, str]:
    """Relative path -> text of the files that say how the image runs (bounded)."""
    reader = reader or ContextTexts(root)
    wanted = sorted((f for f in files if is_run_file(f)), key=lambda f: (f not in NAMED_FILES, f.count("/"), f))
    texts: dict[str, str] = {}
    for relative in wanted[:MAX_FILES]:
        head = reader.head(relative)
        if head is None:
            continue
        data = head[:MAX_FILE_CHARS]
        if b"\0" in data:
            continue  # a binary, not a script
        texts[relative] = data.decode("utf-8", errors="replace")
    return texts
