"""[tool.migrator]: where it is found, what it may say, and that the command line wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.config import ConfigError, ConfigFinder, Overrides, load, parse_user
from migrator.transform import DEFAULT_POETRY_VERSION, Settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


FULL = """\
[tool.poetry]
name = "app"

[tool.migrator]
select = ["MIG001", "cache-mounts"]
ignore = "MIG005,non-root-user"
user = "svc:2000"
poetry-version = "1.8.5"
uv = true
context = ".."
syntax-directive = false
"""


def test_every_key(tmp_path: Path):
    overrides = load(write(tmp_path / "svc" / "pyproject.toml", FULL))
    assert overrides == Overrides(
        select=frozenset({"MIG001", "cache-mounts"}),
        ignore=frozenset({"MIG005", "non-root-user"}),
        user_name="svc",
        uid=2000,
        poetry_version="1.8.5",
        uv=True,
        context=tmp_path.resolve(),
        syntax_directive=False,
    )
    settings = overrides.settings()
    assert (settings.user_name, settings.uid, settings.poetry_version) == ("svc", 2000, "1.8.5")
    assert settings.poetry_version_explicit and settings.uv and not settings.syntax_directive


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param('[tool.poetry]\nname = "app"\n', id="no-table"),
        pytest.param("[tool.poetry\nname = 'migrator'\n", id="broken-toml-without-our-table"),
    ],
)
def test_files_without_a_table_give_nothing(tmp_path: Path, text: str):
    assert load(write(tmp_path / "pyproject.toml", text)) is None


def test_an_empty_table_changes_nothing(tmp_path: Path):
    overrides = load(write(tmp_path / "pyproject.toml", "[tool.migrator]\n"))
    assert overrides == Overrides()
    assert overrides.settings() == Settings()


@pytest.mark.parametrize(
    "body, message",
    [
        pytest.param('selct = ["MIG001"]', "unknown key 'selct'", id="unknown-key"),
        pytest.param("select = 1", "select must be a list", id="select-not-a-list"),
        pytest.param('user = "root"', "is not NAME:UID", id="user-without-id"),
        pytest.param('user = "app:0"', "0 is root", id="user-root"),
        pytest.param("user = 10001", "user must be a string", id="user-number"),
        pytest.param('poetry-version = "latest"', "not a Poetry version", id="bad-version"),
        pytest.param('uv = "yes"', "uv must be true or false", id="uv-not-bool"),
        pytest.param("syntax-directive = 0", "syntax-directive must be true or false", id="directive-not-bool"),
        pytest.param("select = [", "is not valid TOML", id="broken-toml"),
    ],
)
def test_bad_values_are_one_line_naming_the_file_and_line(tmp_path: Path, body: str, message: str):
    path = write(tmp_path / "pyproject.toml", f'[tool.poetry]\nname = "x"\n\n[tool.migrator]\n{body}\n')
    with pytest.raises(ConfigError, match=message) as raised:
        load(path)
    text = str(raised.value)
    assert text.startswith(f"{path}")
    assert "\n" not in text
    if "TOML" not in message:
        assert text.startswith(f"{path}:4: ")


def test_the_nearest_table_wins_and_the_search_stops_at_the_git_root(tmp_path: Path):
    outside = write(tmp_path / "pyproject.toml", '[tool.migrator]\nuser = "outside:1"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write(repo / "pyproject.toml", '[tool.migrator]\nuser = "root-table:2"\n')
    write(repo / "services" / "api" / "pyproject.toml", '[tool.poetry]\nname = "api"\n')  # no table: keep looking
    write(repo / "services" / "web" / "pyproject.toml", '[tool.migrator]\nuser = "web:3"\n')
    finder = ConfigFinder()
    assert finder.for_folder(repo / "services" / "api").user_name == "root-table"
    assert finder.for_folder(repo / "services" / "web").user_name == "web"
    assert finder.for_folder(repo / "services").user_name == "root-table"
    (repo / "pyproject.toml").unlink()
    assert ConfigFinder().for_folder(repo / "services" / "api") == Overrides(), f"{outside} is outside the repository"


def test_command_line_overrides_the_table():
    table = Overrides(select=frozenset({"MIG001"}), user_name="svc", uid=2000, uv=True)
    command_line = Overrides(user_name="app", uid=10001, uv=False)
    merged = command_line.over(table)
    assert merged == Overrides(select=frozenset({"MIG001"}), user_name="app", uid=10001, uv=False)


def test_nothing_given_keeps_the_defaults():
    settings = Overrides().settings()
    assert settings.poetry_version == DEFAULT_POETRY_VERSION
    assert not settings.poetry_version_explicit


@pytest.mark.parametrize("value, expected", [("app:10001", ("app", 10001)), ("_svc-1:1", ("_svc-1", 1))])
def test_parse_user(value: str, expected):
    assert parse_user(value) == expected
