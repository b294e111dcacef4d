"""Atomic writes: every file ends either as it was or fully new, never half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from migrator import files
from migrator.files import Replacement, WriteError, replacements_for, write_all, write_file
from migrator.pipeline import FileResult, Status
from migrator.transform import ExtraFile

OLD = b"FROM python:3.11-slim\r\nRUN pip install poetry\r\n"
NEW = b"# syntax=docker/dockerfile:1\r\nFROM python:3.11-slim\r\nRUN --mount=type=cache,target=/root/.cache/pip pip install poetry\r\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "migrator" in p.name)


@pytest.fixture
def dockerfile(tmp_path: Path) -> Path:
    path = tmp_path / "Dockerfile"
    path.write_bytes(OLD)
    return path


def test_write_replaces_the_bytes_exactly(dockerfile: Path):
    write_file(dockerfile, OLD, NEW)
    assert dockerfile.read_bytes() == NEW
    assert leftovers(dockerfile.parent) == []


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o755], ids=["0600", "0644", "0755"])
def test_write_keeps_the_mode(dockerfile: Path, mode: int):
    os.chmod(dockerfile, mode)
    write_file(dockerfile, OLD, NEW)
    assert dockerfile.stat().st_mode & 0o7777 == mode


def test_write_goes_through_a_symlink_and_keeps_it(tmp_path: Path, dockerfile: Path):
    link = tmp_path / "other" / "Dockerfile"
    link.parent.mkdir()
    link.symlink_to(dockerfile)
    write_file(link, OLD, NEW)
    assert link.is_symlink()
    assert os.readlink(link) == str(dockerfile)
    assert dockerfile.read_bytes() == NEW


def test_same_bytes_are_not_written(dockerfile: Path, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda *a: pytest.fail("nothing to publish"))
    write_file(dockerfile, OLD, OLD)


@pytest.mark.parametrize(
    "on_disk, message",
    [
        pytest.param(OLD + b"# edited\r\n", "changed on disk since it was read", id="edited"),
        pytest.param(OLD.replace(b"\r\n", b"\n"), "changed on disk since it was read", id="line-endings-changed"),
        pytest.param(None, "was removed since it was read", id="removed"),
    ],
)
def test_a_file_changed_since_it_was_read_is_refused_and_untouched(dockerfile: Path, on_disk, message):
    if on_disk is None:
        dockerfile.unlink()
    else:
        dockerfile.write_bytes(on_disk)
    with pytest.raises(WriteError, match=message) as raised:
        write_file(dockerfile, OLD, NEW)
    assert str(raised.value).startswith(f"{dockerfile}: ")
    assert "\n" not in str(raised.value)
    assert (dockerfile.read_bytes() if dockerfile.exists() else None) == on_disk


@pytest.mark.parametrize("failing", ["fsync", "write"])
def test_a_failure_mid_write_leaves_the_original_intact(dockerfile: Path, monkeypatch, failing: str):
    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if failing == "fsync":
        monkeypatch.setattr(files.os, "fsync", broken)
    else:
        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: _FailingHandle(fd))
    with pytest.raises(WriteError, match="No space left on device"):
        write_file(dockerfile, OLD, NEW)
    assert dockerfile.read_bytes() == OLD
    assert leftovers(dockerfile.parent) == []


class _FailingHandle:
    def __init__(self, fd: int):
        self.fd = fd

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

    def write(self, data):
        os.write(self.fd, data[: len(data) // 2])
        raise OSError(28, "No space left on device")


def _group(tmp_path: Path, dockerfile: Path) -> list[Replacement]:
    (tmp_path / "pyproject.toml").write_text("[tool.poetry]\n")
    (tmp_path / "poetry.lock").write_text("lock\n")
    return [
        Replacement(dockerfile, OLD, NEW),
        Replacement(tmp_path / "pyproject.toml", b"[tool.poetry]\n", b"[project]\n"),
        Replacement(tmp_path / "uv.lock", None, b"version = 1\n"),
        Replacement(tmp_path / "poetry.lock", b"lock\n", None),
    ]


def test_a_group_is_published_together(tmp_path: Path, dockerfile: Path):
    write_all(_group(tmp_path, dockerfile))
    assert dockerfile.read_bytes() == NEW
    assert (tmp_path / "pyproject.toml").read_bytes() == b"[project]\n"
    assert (tmp_path / "uv.lock").read_bytes() == b"version = 1\n"
    assert not (tmp_path / "poetry.lock").exists()
    assert leftovers(tmp_path) == []


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@pytest.mark.parametrize("fail_at", [1, 2, 3], ids=["second-file", "third-file", "removal"])
def test_a_group_that_fails_half_way_is_rolled_back(tmp_path: Path, dockerfile: Path, monkeypatch, fail_at: int):
    replacements = _group(tmp_path, dockerfile)
    before = _snapshot(tmp_path)
    real_replace, real_unlink = os.replace, os.unlink
    published: list[str] = []
    failed: list[bool] = []

    def counting(real):
        def step(path, *rest):
            publishing = str(path).endswith(files.TEMP_SUFFIX) if rest else ".migrator-" not in os.path.basename(path)
            if publishing and not failed and len(published) == fail_at:
                failed.append(True)
                raise OSError(5, "Input/output error", str(rest[0] if rest else path))
            if publishing and not failed:
                published.append(str(path))
            return real(path, *rest)

        return step

    monkeypatch.setattr(files.os, "replace", counting(real_replace))
    monkeypatch.setattr(files.os, "unlink", counting(real_unlink))
    with pytest.raises(WriteError, match="Input/output error"):
        write_all(replacements)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before


def test_ctrl_c_half_way_through_a_group_rolls_it_back(tmp_path: Path, dockerfile: Path, monkeypatch):
    replacements = _group(tmp_path, dockerfile)
    before = _snapshot(tmp_path)
    real_replace = os.replace
    calls = []

    def interrupted(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_all(replacements)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before


def test_a_group_is_refused_whole_when_one_file_changed(tmp_path: Path, dockerfile: Path):
    replacements = _group(tmp_path, dockerfile)
    (tmp_path / "uv.lock").write_text("someone else's\n")
    before = _snapshot(tmp_path)
    with pytest.raises(WriteError, match="uv.lock: appeared since it was read"):
        write_all(replacements)
    assert _snapshot(tmp_path) == before


def test_project_files_read_as_text_tolerate_crlf(tmp_path: Path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b"[tool.poetry]\r\n")
    write_all([Replacement(pyproject, b"[tool.poetry]\n", b"[project]\n", exact=False)])
    assert pyproject.read_bytes() == b"[project]\n"


def test_new_files_get_the_usual_mode(tmp_path: Path):
    target = tmp_path / "uv.lock"
    write_all([Replacement(target, None, b"v\n")])
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_replacements_for_a_result_with_project_files(tmp_path: Path):
    result = FileResult(
        str(tmp_path / "Dockerfile"),
        Status.MIGRATED,
        original="FROM a\n",
        migrated="FROM b\n",
        extra_files=(ExtraFile("pyproject.toml", "x\n", "y\n"), ExtraFile("poetry.lock", "z\n", None)),
    )
    assert replacements_for(result, tmp_path / "Dockerfile", tmp_path) == [
        Replacement(tmp_path / "Dockerfile", b"FROM a\n", b"FROM b\n"),
        Replacement(tmp_path / "pyproject.toml", b"x\n", b"y\n", exact=False),
        Replacement(tmp_path / "poetry.lock", b"z\n", None, exact=False),
    ]


def test_surrogates_from_undecodable_comments_are_written_back_as_the_original_bytes(tmp_path: Path):
    path = tmp_path / "Dockerfile"
    original = b"# caf\xe9\nFROM a\n"
    path.write_bytes(original)
    text = original.decode("utf-8", "surrogateescape")
    result = FileResult(str(path), Status.MIGRATED, original=text, migrated=text + "USER 1\n")
    write_all(replacements_for(result, path, tmp_path))
    assert path.read_bytes() == original + b"USER 1\n"


def test_a_ctrl_c_signal_while_publishing_waits_until_the_group_is_complete(
    tmp_path: Path, dockerfile: Path, monkeypatch
):
    import signal

    replacements = _group(tmp_path, dockerfile)
    real_replace = os.replace

    def signalled(source, target):
        signal.raise_signal(signal.SIGINT)
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", signalled)
    with pytest.raises(KeyboardInterrupt):
        write_all(replacements)
    monkeypatch.undo()
    assert dockerfile.read_bytes() == NEW
    assert (tmp_path / "uv.lock").read_bytes() == b"version = 1\n"
    assert not (tmp_path / "poetry.lock").exists()


def test_nested_deferral_hands_the_interrupt_to_the_outer_block():
    import signal

    completed = []
    with pytest.raises(KeyboardInterrupt):
        with files.interrupts_deferred():
            with files.interrupts_deferred():
                signal.raise_signal(signal.SIGINT)
                completed.append("inner")
            completed.append("outer")
    assert completed == ["inner", "outer"]


def test_a_group_rolls_back_on_a_filesystem_without_hard_links(tmp_path: Path, dockerfile: Path, monkeypatch):
    def no_links(source, target):
        raise OSError(1, "Operation not permitted")

    replacements = _group(tmp_path, dockerfile)
    os.chmod(tmp_path / "pyproject.toml", 0o600)
    before = _snapshot(tmp_path)
    real_replace = os.replace
    calls = []

    def fail_on_the_third(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(5, "Input/output error", str(target))
        return real_replace(source, target)

    monkeypatch.setattr(files.os, "link", no_links)
    monkeypatch.setattr(files.os, "replace", fail_on_the_third)
    with pytest.raises(WriteError):
        write_all(replacements)
    monkeypatch.undo()
    assert _snapshot(tmp_path) == before
    assert (tmp_path / "pyproject.toml").stat().st_mode & 0o777 == 0o600


def test_an_unchanged_member_of_a_group_that_was_edited_stops_the_group(tmp_path: Path, dockerfile: Path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b"edited\n")
    with pytest.raises(WriteError, match="pyproject.toml: changed on disk"):
        write_all([Replacement(dockerfile, OLD, NEW), Replacement(pyproject, b"[tool.poetry]\n", b"[tool.poetry]\n")])
    assert dockerfile.read_bytes() == OLD


@hypothesis_settings(max_examples=60, deadline=None)
@given(old=st.binary(max_size=300), new=st.binary(max_size=300))
def test_any_bytes_are_written_exactly(tmp_path_factory, old: bytes, new: bytes):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / "Dockerfile"
    path.write_bytes(old)
    write_file(path, old, new)
    assert path.read_bytes() == new
    assert leftovers(folder) == []
