"""Compose files and start scripts read from the build context (migrator/launchers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.launchers import Launchers, Service, _services, read_launchers

COMPOSE = """\
version: "3.8"
services:
  web:
    build: .
    image: myapp
    command: poetry run uvicorn app:app --reload   # dev server
    volumes:
      - .:/app
      - type: bind
        source: ./data
        target: /srv/data
      - pgdata:/var/lib/postgresql/data
  worker:
    image: myapp
    entrypoint: ["poetry", "run", "celery"]
  other:
    build:
      context: ./other
    command: poetry run other
  db:
    image: postgres:15
    command: postgres -c fsync=off
volumes:
  pgdata:
"""


def test_services_that_run_the_image_built_here():
    services = _services("docker-compose.yml", COMPOSE, ".")
    assert [(s.name, s.command, s.entrypoint, s.binds) for s in services] == [
        ("web", "poetry run uvicorn app:app --reload", None, ((".", "/app"), ("./data", "/srv/data"))),
        ("worker", None, "poetry run celery", ()),
    ]
    assert all(s.runs_poetry() for s in services)


def test_a_compose_file_in_the_parent_folder_names_the_context_by_its_path():
    assert [s.name for s in _services("../docker-compose.yml", COMPOSE, "other")] == ["other"]


@pytest.mark.parametrize(
    ("text", "binds", "poetry"),
    [
        pytest.param(
            "x-app: &app\n  build: .\nservices:\n  web:\n    <<: *app\n    volumes:\n      - ./:/code\n",
            (("./", "/code"),),
            False,
            id="anchors-read-as-text",
        ),
        pytest.param(
            "services:\n\tweb:\n\t\tcommand: poetry run x\n",
            (),
            True,
            id="tabs-read-as-text",
        ),
    ],
)
def test_what_the_reader_does_not_follow_counts_in_full(text, binds, poetry):
    (service,) = _services("compose.yml", text, ".")
    assert service.loose and service.binds == binds and service.runs_poetry() is poetry


def test_named_volume_hides_nothing():
    services = _services("compose.yml", "services:\n  web:\n    build: .\n    volumes: [venv:/app/.venv]\n", ".")
    assert services[0].binds == ()


def test_hidden_by_bind_and_scripts():
    launchers = Launchers(
        services=(Service("compose.yml", "web", binds=((".", "/app"),)),), poetry_scripts=("docker/entrypoint.sh",)
    )
    assert launchers.hidden_by_bind("/app/.venv") == (launchers.services[0], ".", "/app")
    assert launchers.hidden_by_bind("/opt/venv") is None
    assert launchers.script_running_poetry(["/entrypoint.sh"]) == "docker/entrypoint.sh"
    assert launchers.script_running_poetry(["sh", "-c", "./start.sh && exit"]) is None


def test_read_from_a_context(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    backend = tmp_path / "backend"
    backend.mkdir()
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    build: ./backend\n    command: poetry run serve\n", encoding="utf-8"
    )
    (backend / "entrypoint.sh").write_text('#!/bin/sh\n# poetry is not here\nexec "$@"\n', encoding="utf-8")
    (backend / "start.sh").write_text("#!/bin/sh\nexec poetry run serve\n", encoding="utf-8")
    files = frozenset({"entrypoint.sh", "start.sh"})
    launchers = read_launchers(backend, files)
    assert [(s.file, s.name) for s in launchers.services] == [("../docker-compose.yml", "api")]
    assert launchers.poetry_scripts == ("start.sh",)


def test_a_makefile_that_runs_poetry_in_the_container(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Makefile").write_text(
        "shell:\n\tdocker exec -it app_django /bin/bash\n"
        "migrate:\n\tdocker exec -it app_django poetry run python manage.py migrate  # apply\n",
        encoding="utf-8",
    )
    (service,) = read_launchers(tmp_path, frozenset({"Makefile"})).services
    assert (service.file, service.command) == (
        "Makefile",
        "docker exec -it app_django poetry run python manage.py migrate",
    )
    assert service.runs_poetry()
    assert service.describe() == "runs `docker exec -it app_django poetry run python manage.py migrate`"


def test_a_makefile_that_runs_poetry_on_the_host_does_not_count(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "Makefile").write_text("test:\n\tpoetry run pytest\nup:\n\tdocker compose up -d\n", encoding="utf-8")
    assert read_launchers(tmp_path, frozenset({"Makefile"})).services == ()


def test_block_sequences_at_their_keys_indentation():
    text = (
        "services:\n  web:\n    build: .\n    command:\n    - poetry\n    - run\n    - serve\n"
        "    volumes:\n    - .:/app\n    - type: bind\n      source: ./data\n      target: /data\n  db:\n    image: postgres\n"
    )
    (service,) = _services("compose.yml", text, ".")
    assert (service.command, service.binds, service.loose) == (
        "poetry run serve",
        ((".", "/app"), ("./data", "/data")),
        False,
    )


PIECES = [
    "services:",
    "  web:",
    "    build: .",
    "    command: [a, b",
    "    - .:/app",
    "  - x",
    "\t",
    "<<: *a",
    ":",
    "- ",
    "'",
    '"',
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=12))
def test_any_text_is_read_without_raising(lines):
    for service in _services("compose.yml", "\n".join(lines), "."):
        assert isinstance(service.binds, tuple)


def test_a_service_s_user_is_read():
    text = COMPOSE.replace("    image: myapp\n    command:", '    image: myapp\n    user: "1000:1000"\n    command:', 1)
    assert [(s.name, s.user) for s in _services("docker-compose.yml", text, ".")] == [
        ("web", "1000:1000"),
        ("worker", None),
    ]


def test_read_only_binds_are_told_apart():
    text = (
        "services:\n  web:\n    build: .\n    volumes:\n      - ./db.sqlite3:/app/db.sqlite3\n"
        "      - ./settings.toml:/app/settings.toml:ro\n      - type: bind\n        source: ./certs\n"
        "        target: /certs\n        read_only: true\n"
    )
    (service,) = _services("docker-compose.yml", text, ".")
    assert service.binds == (
        ("./db.sqlite3", "/app/db.sqlite3"),
        ("./settings.toml", "/app/settings.toml"),
        ("./certs", "/certs"),
    )
    assert service.read_only == ("/app/settings.toml", "/certs")
    flow = _services("c.yml", "services:\n  web:\n    build: .\n    volumes: ['./a:/a:ro', './b:/b']\n", ".")
    assert flow[0].read_only == ("/a",)


@pytest.mark.parametrize(
    ("script", "image", "tags"),
    [
        ("docker build -t owner/app .\n", "owner/app", ["owner/app:latest"]),
        ("docker build \\\n  --build-arg X=1 \\\n  --tag owner/app:2 .\n", "owner/app:2", ["owner/app:2"]),
        (
            "docker buildx build --tag=docker.io/library/app -f Dockerfile $(pwd) && docker push app\n",
            "app",
            ["app:latest"],
        ),
        ("docker build -t owner/worker ./worker\n", "owner/worker", []),  # another folder's image
        ("docker build -t owner/$NAME .\n", "owner/$NAME", []),  # a name this reader cannot know
        ("# docker build -t owner/commented .\n", "owner/commented", []),
        ("echo ok # docker build -t owner/commented .\n", "owner/commented", []),
    ],
)
def test_a_script_at_the_top_ties_an_image_only_service_to_this_build(tmp_path, script, image, tags):
    (tmp_path / "build").write_text(f"#!/bin/sh\n{script}", encoding="utf-8")
    (tmp_path / "compose.yml").write_text(
        f"services:\n  bot:\n    image: {image}\n    volumes:\n      - ./db.sqlite3:/app/db.sqlite3\n",
        encoding="utf-8",
    )
    services = read_launchers(tmp_path, frozenset({"build", "compose.yml"})).services
    if tags:
        (service,) = services
        assert service.binds == (("./db.sqlite3", "/app/db.sqlite3"),)
        assert service.via == f"image {tags[0]}, which `build` builds from this folder"
    else:
        assert services == ()


def test_a_script_in_a_subfolder_does_not_tie_an_image(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "build.sh").write_text("docker build -t owner/app .\n", encoding="utf-8")
    (tmp_path / "compose.yml").write_text("services:\n  bot:\n    image: owner/app\n", encoding="utf-8")
    assert read_launchers(tmp_path, frozenset({"scripts/", "scripts/build.sh", "compose.yml"})).services == ()


def test_named_volumes_are_read_and_read_only_ones_left_out():
    text = (
        "services:\n  web:\n    build: .\n    volumes:\n"
        "      - static_value:/app/static/\n      - media:/app/media:ro\n      - ./src:/app/src\n"
        "      - /var/run/docker.sock:/var/run/docker.sock\n"
    )
    (service,) = _services("compose.yml", text, ".")
    assert service.volumes == (("static_value", "/app/static"),)
    assert ("./src", "/app/src") in service.binds


def test_image_only_services_of_a_namespaced_image_are_kept_aside(tmp_path: Path):
    """django_Liis: `web` runs `image: ilmo/posts`, with no build: nor script tying it here."""
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  db:\n    image: postgres:13.4\n    volumes:\n      - pg:/var/lib/postgresql/data\n"
        "  web:\n    image: ilmo/posts:latest\n    volumes:\n      - static_value:/app/static/\n"
        "  proxy:\n    image: nginx:1.19.3\n    volumes:\n      - static_value:/var/html/static/\n"
    )
    launchers = read_launchers(tmp_path, frozenset({"docker-compose.yml"}))
    assert launchers.services == ()
    assert [(s.name, s.via, s.volumes) for s in launchers.image_only] == [
        ("web", "image ilmo/posts:latest", (("static_value", "/app/static"),))
    ]
