"""Which files are Dockerfiles, and the stable order they are found in."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.discovery import DiscoveryError, find_dockerfiles, is_dockerfile_name

DOCKERFILES = [
    "Dockerfile",
    "dockerfile",
    "Containerfile",
    "Dockerfile.prod",
    "Dockerfile.dev.arm64",
    "api.Dockerfile",
    "api.dockerfile",
]
NOT_DOCKERFILES = [
    "containerfile",
    "Dockerfile.dockerignore",
    "api.Dockerfile.dockerignore",
    "Dockerfile-old",
    "MyDockerfile",
    "README.md",
    "docker-compose.yml",
    ".dockerignore",
]


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_names(name: str):
    assert is_dockerfile_name(name)


@pytest.mark.parametrize("name", NOT_DOCKERFILES)
def test_other_names(name: str):
    assert not is_dockerfile_name(name)


def touch(root: Path, *relative: str) -> None:
    for name in relative:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("FROM scratch\n")


def test_folders_are_searched_recursively_in_sorted_order(tmp_path: Path):
    touch(
        tmp_path, "z/Dockerfile", "a/b/Dockerfile", "a/Dockerfile", "a/api.Dockerfile", "Containerfile", "a/README.md"
    )
    found = find_dockerfiles([str(tmp_path)])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "Containerfile",
        "a/Dockerfile",
        "a/api.Dockerfile",
        "a/b/Dockerfile",
        "z/Dockerfile",
    ]


@pytest.mark.parametrize(
    "folder", [".git", ".venv", ".tox/py311", "node_modules", ".devcontainer", "svc/.devcontainer"]
)
def test_tool_folders_are_skipped(tmp_path: Path, folder: str):
    touch(tmp_path, f"{folder}/Dockerfile", f"{folder}/deep/Dockerfile", "Dockerfile")
    assert find_dockerfiles([str(tmp_path)]) == [tmp_path / "Dockerfile"]


def test_virtual_environments_are_skipped_whatever_their_name(tmp_path: Path):
    touch(
        tmp_path, "env/lib/python3.11/site-packages/tpl/Dockerfile", "env/pyvenv.cfg", "envoy/Dockerfile", "Dockerfile"
    )
    assert find_dockerfiles([str(tmp_path)]) == [tmp_path / "Dockerfile", tmp_path / "envoy/Dockerfile"]


def test_a_skipped_folder_named_on_the_command_line_is_searched(tmp_path: Path):
    """Naming it is asking for it: a devcontainer, or a virtual environment given as the root."""
    touch(tmp_path, ".devcontainer/Dockerfile", "venv/pyvenv.cfg", "venv/Dockerfile")
    assert find_dockerfiles([str(tmp_path / ".devcontainer")]) == [tmp_path / ".devcontainer/Dockerfile"]
    assert find_dockerfiles([str(tmp_path / ".devcontainer" / "Dockerfile")]) == [tmp_path / ".devcontainer/Dockerfile"]
    assert find_dockerfiles([str(tmp_path / "venv")]) == [tmp_path / "venv/Dockerfile"]


def test_a_file_named_explicitly_is_taken_whatever_its_name(tmp_path: Path):
    touch(tmp_path, "build/docker.txt")
    assert find_dockerfiles([str(tmp_path / "build/docker.txt")]) == [tmp_path / "build/docker.txt"]


def test_paths_keep_the_order_given_and_each_file_comes_once(tmp_path: Path):
    touch(tmp_path, "b/Dockerfile", "a/Dockerfile")
    (tmp_path / "a" / "Dockerfile.same").symlink_to("Dockerfile")
    found = find_dockerfiles([str(tmp_path / "b"), str(tmp_path / "a"), str(tmp_path / "b/Dockerfile"), str(tmp_path)])
    assert found == [tmp_path / "b/Dockerfile", tmp_path / "a/Dockerfile"]


def test_symlinked_folders_are_not_followed(tmp_path: Path):
    touch(tmp_path, "real/Dockerfile")
    (tmp_path / "real" / "loop").symlink_to(tmp_path)
    assert find_dockerfiles([str(tmp_path)]) == [tmp_path / "real/Dockerfile"]


@pytest.mark.parametrize("kind", ["missing", "dangling-link"])
def test_a_path_that_does_not_exist_is_an_error(tmp_path: Path, kind: str):
    path = tmp_path / "Dockerfile"
    if kind == "dangling-link":
        path.symlink_to(tmp_path / "gone")
    with pytest.raises(DiscoveryError, match=f"^{path}: "):
        find_dockerfiles([str(path)])
