"""The build context's scripts, compose files and imports are read when a transform asks, once."""

from pathlib import Path

from migrator import launchers as launchers_module
from migrator.launchers import DeferredLaunchers, Launchers
from migrator.migrate_file import migrate_path
from migrator.project import Deferred, read_context
from migrator.run_files import ContextTexts
from migrator.transform import Settings

LOCK = '[[package]]\nname = "uvicorn"\nversion = "0.30.0"\ngroups = ["main"]\n'
PYPROJECT = '[tool.poetry]\nname = "app"\npackage-mode = false\n[tool.poetry.dependencies]\npython = "^3.11"\n'


def project(tmp_path: Path, dockerfile: str) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (tmp_path / "poetry.lock").write_text(LOCK, encoding="utf-8")
    (tmp_path / "app.py").write_text("import yaml\n", encoding="utf-8")
    (tmp_path / "start.sh").write_text("#!/bin/sh\nexec poetry run uvicorn app:app\n", encoding="utf-8")
    (tmp_path / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    return tmp_path / "Dockerfile"


def test_nothing_is_read_before_a_transform_asks(tmp_path: Path, monkeypatch):
    project(tmp_path, "FROM python:3.11\n")
    asked = []
    monkeypatch.setattr("migrator.project.read_imports", lambda *a: asked.append("imports") or {})
    monkeypatch.setattr("migrator.project.read_run_files", lambda *a: asked.append("run_files") or {})
    monkeypatch.setattr("migrator.project.read_launchers", lambda *a: asked.append("launchers") or Launchers())
    context = read_context(tmp_path)
    assert isinstance(context.imports, Deferred) and isinstance(context.run_files, Deferred)
    assert isinstance(context.launchers, DeferredLaunchers)
    assert asked == []
    assert dict(context.imports) == {} and context.launchers.services == () and context.run_files.get("x") is None
    assert context.launchers.poetry_scripts == () and len(context.run_files) == 0
    assert sorted(asked) == ["imports", "launchers", "run_files"]  # each once, then kept


def test_a_dockerfile_without_poetry_reads_none_of_them(tmp_path: Path, monkeypatch):
    path = project(tmp_path, 'FROM python:3.11-slim\nRUN pip install flask\nCMD ["flask", "run"]\n')
    asked = []
    monkeypatch.setattr("migrator.project.read_imports", lambda *a: asked.append("imports") or {})
    monkeypatch.setattr("migrator.project.read_run_files", lambda *a: asked.append("run_files") or {})
    monkeypatch.setattr("migrator.project.read_launchers", lambda *a: asked.append("launchers") or Launchers())
    assert migrate_path(path, Settings()).reason == "does not use Poetry"
    assert asked == []


def test_the_imports_are_read_only_for_an_install_into_the_system_python(tmp_path: Path, monkeypatch):
    path = project(
        tmp_path,
        "FROM python:3.11-slim\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY . .\n"
        'RUN poetry install --no-root\nCMD ["poetry", "run", "uvicorn", "app:app"]\n',
    )
    asked = []
    monkeypatch.setattr("migrator.project.read_imports", lambda *a: asked.append("imports") or {})
    migrate_path(path, Settings())
    assert asked == []
    path.write_text(
        "FROM python:3.11-slim\nRUN pip install poetry==1.8.5\nWORKDIR /app\nCOPY . .\n"
        "RUN poetry config virtualenvs.create false && poetry install --no-root\n"
        'CMD ["uvicorn", "app:app"]\n',
        encoding="utf-8",
    )
    migrate_path(path, Settings())
    assert asked == ["imports"]


def test_run_files_and_launchers_read_a_script_once(tmp_path: Path, monkeypatch):
    project(tmp_path, "FROM python:3.11\n")
    opened = []
    real_open = open

    def counting_open(file, *args, **kwargs):
        opened.append(Path(file).name)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", counting_open)
    context = read_context(tmp_path)
    assert context.launchers.poetry_scripts == ("start.sh",)
    assert context.run_files["start.sh"].startswith("#!/bin/sh")
    assert opened.count("start.sh") == 1


def test_a_script_larger_than_the_launchers_bound_is_still_a_run_file(tmp_path: Path):
    (tmp_path / "entrypoint.sh").write_text("poetry run x\n" * 30_000, encoding="utf-8")
    texts = ContextTexts(tmp_path)
    assert launchers_module.read_launchers(tmp_path, frozenset({"entrypoint.sh"}), texts).poetry_scripts == ()
    from migrator.run_files import read_run_files

    assert len(read_run_files(tmp_path, {"entrypoint.sh"}, texts)["entrypoint.sh"]) == 64 * 1024


def test_a_parent_folder_is_listed_again_once_it_changes(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    context = tmp_path / "backend"
    context.mkdir()
    assert launchers_module.read_launchers(context, frozenset()).services == ()
    (tmp_path / "compose.yml").write_text("services:\n  api:\n    build: ./backend\n    command: poetry run serve\n")
    import os

    stat = tmp_path.stat()
    os.utime(tmp_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a coarse clock may not move
    assert [s.name for s in launchers_module.read_launchers(context, frozenset()).services] == ["api"]
