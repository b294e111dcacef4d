"""Reading Dockerfiles and writing them back without ever leaving half a file.

A bulk run touches thousands of repositories unattended, so a write must be all or
nothing: new bytes go to a temporary file in the same folder, are fsynced, and only
``os.replace`` publishes them. A Dockerfile and the project files its migration
changes (pyproject.toml, uv.lock, a removed poetry.lock) are published together or
not at all. A file edited by someone else since it was read is never overwritten.
"""

from __future__ import annotations

import os
import signal
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from migrator.pipeline import FileResult
from migrator.record import dataclass
from migrator.source import encode

TEMP_SUFFIX = ".migrator-tmp"


class WriteError(Exception):
    """One line for the user: the file, what went wrong and what to do. Nothing was changed."""


@dataclass(frozen=True)
class Replacement:
    """One file to publish: what must be on disk now, and what to put there."""

    path: Path  # as the user named it; a symlink is written through to its target
    expected: bytes | None  # None: the file must not exist yet
    new: bytes | None  # None: remove the file
    exact: bool = True  # False: a change of line endings alone is not a conflict


def read_source(path: Path) -> bytes:
    return Path(path).read_bytes()


def replacements_for(result: FileResult, path: Path, context_dir: Path | None) -> list[Replacement]:
    """The Dockerfile and every project file its migration changes."""
    changes = [Replacement(Path(path), encode(result.original), encode(result.migrated))]
    if not result.extra_files:
        return changes
    if context_dir is None:
        raise WriteError(
            f"{path}: the migration also changes project files but there is no build context; pass --context"
        )
    for extra in result.extra_files:
        changes.append(
            Replacement(
                Path(context_dir) / extra.path,
                None if extra.original is None else encode(extra.original),
                None if extra.migrated is None else encode(extra.migrated),
                exact=False,  # project files are read as text by the project reader
            )
        )
    return changes


def write_all(replacements: Sequence[Replacement]) -> None:
    """Publish every replacement, or none of them. Raises WriteError with nothing changed."""
    resolved = [(r, _resolve(r.path)) for r in replacements]
    # Every file of the group must be as it was read, even one whose bytes stay the same.
    for replacement, target in resolved:
        _check_unchanged(replacement, target)
    targets = [(r, target) for r, target in resolved if r.new != r.expected]
    if not targets:
        return
    staged: dict[Path, str] = {}
    backups: dict[Path, str] = {}
    try:
        for replacement, target in targets:
            if replacement.new is not None:
                staged[target] = _stage(target, replacement.new)
            if len(targets) > 1 and replacement.expected is not None:
                backups[target] = _backup(target, replacement.expected)
        with interrupts_deferred():
            for replacement, target in targets:
                _check_unchanged(replacement, target)
            _publish(targets, staged, backups)
    finally:
        for leftover in list(staged.values()) + list(backups.values()):
            _remove_quietly(leftover)
    for directory in {target.parent for _, target in targets}:
        _fsync_directory(directory)


def write_file(path: Path, expected: bytes, new: bytes) -> None:
    write_all([Replacement(Path(path), expected, new)])


def write_whole(path: Path, data: bytes) -> None:
    """Create or replace a file of our own (a JSON report) in one step, whatever was there.

    A dashboard or a runner reading the report meanwhile sees the old one or the new
    one, never half of either. Raises WriteError.
    """
    target = _resolve(path)
    temp = _stage(target, data)
    try:
        os.replace(temp, target)
    except OSError as exc:
        _remove_quietly(temp)
        raise WriteError(f"{path}: cannot be replaced ({exc.strerror or exc}); nothing was written") from exc
    _fsync_directory(target.parent)


def _resolve(path: Path) -> Path:
    # Writing through a symlink keeps the link: the target gets the new bytes.
    return Path(os.path.realpath(path))


def _check_unchanged(replacement: Replacement, target: Path) -> None:
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        current = None
    except OSError as exc:
        raise WriteError(
            f"{replacement.path}: cannot be read back ({exc.strerror or exc}); nothing was written"
        ) from exc
    if current == replacement.expected:
        return
    if (
        not replacement.exact
        and current is not None
        and replacement.expected is not None
        and current.replace(b"\r\n", b"\n") == replacement.expected.replace(b"\r\n", b"\n")
    ):
        return
    if current is None:
        what = "was removed"
    elif replacement.expected is None:
        what = "appeared"
    else:
        what = "changed on disk"
    raise WriteError(f"{replacement.path}: {what} since it was read; nothing was written, run migrate again")


def _stage(target: Path, data: bytes) -> str:
    import tempfile  # only a write needs it; a --check run stays lean

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise WriteError(
            f"{target}: cannot create a temporary file next to it ({exc.strerror or exc}); nothing was written"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        _copy_metadata(target, temp)
    except BaseException as exc:
        _remove_quietly(temp)
        if isinstance(exc, OSError):
            raise WriteError(f"{target}: cannot be written ({exc.strerror or exc}); nothing was written") from exc
        raise
    return temp


def _copy_metadata(target: Path, temp: str) -> None:
    try:
        info = os.stat(target)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        return
    os.chmod(temp, stat.S_IMODE(info.st_mode))
    temp_info = os.stat(temp)
    if (temp_info.st_uid, temp_info.st_gid) != (info.st_uid, info.st_gid):
        try:
            os.chown(temp, info.st_uid, info.st_gid)
        except OSError:
            pass  # only root may give a file away; the mode is what matters to builds


def _backup(target: Path, current: bytes) -> str:
    """A second name for the current file, so that a group can be rolled back."""
    import tempfile

    name = tempfile.mktemp(prefix=f".{target.name}.", suffix=".migrator-old", dir=target.parent)
    try:
        os.link(target, name)
        return name
    except OSError:
        pass  # a filesystem without hard links: keep a copy instead
    return _stage(target, current)


def _publish(targets: Sequence[tuple[Replacement, Path]], staged: dict[Path, str], backups: dict[Path, str]) -> None:
    published: list[Path] = []
    try:
        for replacement, target in targets:
            if replacement.new is None:
                os.unlink(target)
            else:
                os.replace(staged[target], target)
                del staged[target]
            published.append(target)
    except BaseException as exc:
        _roll_back(published, backups)
        if isinstance(exc, OSError):
            name = targets[len(published)][0].path if len(published) < len(targets) else exc.filename
            raise WriteError(f"{name}: cannot be replaced ({exc.strerror or exc}); nothing was written") from exc
        raise


def _roll_back(published: list[Path], backups: dict[Path, str]) -> None:
    for target in reversed(published):
        backup = backups.pop(target, None)
        try:
            if backup is not None:
                os.replace(backup, target)
            else:
                os.unlink(target)  # it did not exist before
        except OSError:
            pass


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Ctrl-C inside the block takes effect when the block is complete.

    Publishing a group of files, and recording that it was published, must not be cut
    in half. Nested blocks hand a deferred Ctrl-C on to the enclosing one.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        if callable(previous):
            previous(signal.SIGINT, None)  # the default handler raises KeyboardInterrupt
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass
