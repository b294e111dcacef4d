"""Generate a tree of repositories with naive Poetry Dockerfiles, for the benchmark.

Each repository gets a Dockerfile written the way people write them before anyone
has looked at build times or image size (one stage, `COPY . .` before the install,
Poetry from pip or the curl installer, `virtualenvs.create false`, `--no-dev`,
`poetry run` in CMD...), plus the project files the migration reads: pyproject.toml,
usually a poetry.lock, a package folder, sometimes a .dockerignore. A share of the
repositories do not use Poetry at all, as in any real fleet. The output depends only
on the seed, so two runs with the same arguments give the same bytes.

    python bench/generate.py --repos 1000 --seed 1 --out bench/out/tree

The templates live here on purpose: the corpus changes while the benchmark must not.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_REPOS = 1000
DEFAULT_SEED = 1
NON_POETRY_SHARE = 0.1
CRLF_SHARE = 0.1

PREFIXES = [
    "billing",
    "orders",
    "search",
    "auth",
    "inventory",
    "payments",
    "notify",
    "reports",
    "catalog",
    "users",
    "ledger",
    "shipping",
    "pricing",
    "audit",
    "gateway",
    "metrics",
    "profile",
    "checkout",
    "media",
    "chat",
]
SUFFIXES = ["api", "service", "worker", "app", "backend", "svc", "jobs", "web", "cli", "bot"]
TEAMS = ["platform", "payments", "growth", "data", "core", "infra"]


@dataclass
class Repo:
    name: str
    kind: str  # "poetry" (naive, to migrate) or "plain" (pip + requirements.txt: left alone)
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def dockerfiles(self) -> list[str]:
        return sorted(p for p in self.files if p.rsplit("/", 1)[-1].startswith("Dockerfile"))


@dataclass
class App:
    """What the service runs, which decides dependencies, port and command."""

    framework: str
    module: str
    port: int | None
    dependencies: dict[str, str]


def pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def make_app(rng: random.Random, module: str) -> App:
    framework = pick(rng, {"fastapi": 5, "flask": 2, "django": 2, "celery": 1, "cli": 1})
    deps = {
        "fastapi": {"fastapi": "^0.110.0", "uvicorn": "^0.29.0"},
        "flask": {"flask": "^3.0.0", "gunicorn": "^21.2.0"},
        "django": {"django": "^5.0", "gunicorn": "^21.2.0"},
        "celery": {"celery": "^5.3.6", "redis": "^5.0.1"},
        "cli": {"click": "^8.1.7"},
    }[framework]
    deps = dict(deps)
    if rng.random() < 0.5:
        deps["psycopg2"] = "^2.9.9"
    if rng.random() < 0.4:
        deps["pydantic-settings"] = "^2.2.1"
    if framework == "fastapi" and rng.random() < 0.3:
        deps["gunicorn"] = "^21.2.0"
    port = {"fastapi": 8000, "flask": 5000, "django": 8000, "celery": None, "cli": None}[framework]
    if port and rng.random() < 0.2:
        port = 8080
    return App(framework, module, port, deps)


# --- Dockerfile pieces -------------------------------------------------------------


def base_image(rng: random.Random) -> tuple[list[str], str]:
    version = pick(rng, {"3.9": 1, "3.10": 2, "3.11": 4, "3.12": 3, "3.13": 1})
    variant = pick(rng, {"-slim": 6, "": 2, "-slim-bookworm": 1, "-bookworm": 1})
    if rng.random() < 0.15:
        return [f"ARG PYTHON_VERSION={version}", f"FROM python:${{PYTHON_VERSION}}{variant}"], variant
    return [f"FROM python:{version}{variant}"], variant


def env_block(rng: random.Random) -> list[str]:
    style = pick(rng, {"none": 2, "one": 3, "legacy": 2, "block": 3})
    if style == "one":
        return ["ENV PYTHONUNBUFFERED=1"]
    if style == "legacy":
        return ["ENV PYTHONDONTWRITEBYTECODE 1", "ENV PYTHONUNBUFFERED 1"]
    if style == "block":
        lines = ["PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1"]
        if rng.random() < 0.5:
            lines.append("PIP_NO_CACHE_DIR=1")
        if rng.random() < 0.5:
            lines.append("PIP_DISABLE_PIP_VERSION_CHECK=1")
        return ["ENV " + " \\\n    ".join(lines)]
    return []


def apt_step(rng: random.Random, app: App, needs_curl: bool) -> list[str]:
    packages = []
    if "psycopg2" in app.dependencies:
        packages += pick(rng, {"gcc libpq-dev": 3, "build-essential libpq-dev": 2}).split()
    if needs_curl:
        packages.append("curl")
    if not packages and rng.random() < 0.7:
        return []
    if not packages:
        packages = ["git"]
    style = pick(rng, {"one-line": 3, "continued": 2, "commented": 2, "clean": 1})
    joined = " ".join(packages)
    if style == "one-line":
        return [f"RUN apt-get update && apt-get install -y {joined} && rm -rf /var/lib/apt/lists/*"]
    if style == "clean":
        return [f"RUN apt-get update && apt-get install -y {joined} && apt-get clean"]
    body = " \\\n        ".join(packages)
    if style == "commented":
        # A comment inside a continuation: Docker drops it, many tools choke on it.
        return [
            "RUN apt-get update \\\n"
            "    # system packages the Python dependencies compile against\n"
            f"    && apt-get install -y --no-install-recommends \\\n        {body} \\\n"
            "    && rm -rf /var/lib/apt/lists/*"
        ]
    return [
        f"RUN apt-get update && \\\n    apt-get install -y --no-install-recommends \\\n        {body} && \\\n    rm -rf /var/lib/apt/lists/*"
    ]


def poetry_setup(rng: random.Random) -> tuple[list[str], bool]:
    """Lines that install Poetry itself; the flag says whether curl is needed."""
    style = pick(rng, {"pip": 5, "pip-pinned": 2, "pip-env-version": 2, "pip-upgrade": 1, "curl": 3})
    if style == "pip":
        return [pick(rng, {"RUN pip install poetry": 3, "RUN pip install --no-cache-dir poetry": 1})], False
    if style == "pip-pinned":
        version = pick(rng, {"1.5.1": 1, "1.7.1": 2, "1.8.3": 3})
        return [f"RUN pip install poetry=={version}"], False
    if style == "pip-env-version":
        version = pick(rng, {"1.6.1": 1, "1.8.2": 2})
        return [f"ENV POETRY_VERSION={version}", 'RUN pip install "poetry==$POETRY_VERSION"'], False
    if style == "pip-upgrade":
        return ["RUN pip install --upgrade pip && pip install poetry"], False
    lines = ["ENV POETRY_HOME=/opt/poetry", 'ENV PATH="$POETRY_HOME/bin:$PATH"']
    lines.append(
        pick(
            rng,
            {
                "RUN curl -sSL https://install.python-poetry.org | python3 -": 3,
                "RUN curl -sSL https://install.python-poetry.org | POETRY_VERSION=1.8.3 python3 -": 1,
            },
        )
    )
    return lines, True


def install_step(rng: random.Random, workdir: str) -> list[str]:
    style = pick(rng, {"config-false": 5, "config-false-split": 2, "env-false": 2, "plain": 3, "export": 1})
    dev = pick(rng, {"--no-dev": 4, "--only main": 1, "--without dev": 1, "": 2})
    flags = " ".join(f for f in (dev, pick(rng, {"--no-interaction --no-ansi": 2, "--no-interaction": 2, "": 1})) if f)
    install = f"poetry install {flags}".rstrip()
    if style == "config-false":
        return [f"RUN poetry config virtualenvs.create false && {install}"]
    if style == "config-false-split":
        return [f"RUN poetry config virtualenvs.create false \\\n    && {install}"]
    if style == "env-false":
        return ["ENV POETRY_VIRTUALENVS_CREATE=false", f"RUN {install}"]
    if style == "export":
        return [
            "RUN poetry export -f requirements.txt --output requirements.txt --without-hashes \\\n"
            "    && pip install -r requirements.txt"
        ]
    return [f"RUN {install}"]


def copy_and_install(rng: random.Random, workdir: str, has_lock: bool) -> list[str]:
    copy_all = "COPY . ." if rng.random() < 0.8 else f"COPY . {workdir}"
    install = install_step(rng, workdir)
    if rng.random() < 0.15:
        # Half-way there: manifests first, but everything else still naive.
        lock = "poetry.lock" if has_lock else "poetry.lock*"
        return [f"COPY pyproject.toml {lock} ./", *install, copy_all]
    return [copy_all, *install]


def run_command(rng: random.Random, app: App) -> list[str]:
    m = app.module
    poetry_run = rng.random() < 0.5
    prefix = ["poetry", "run"] if poetry_run else []

    def exec_form(*argv: str) -> str:
        return "CMD [" + ", ".join(f'"{a}"' for a in (*prefix, *argv)) + "]"

    def shell_form(*argv: str) -> str:
        return "CMD " + " ".join((*prefix, *argv))

    form = exec_form if rng.random() < 0.75 else shell_form
    if app.framework == "fastapi":
        if "gunicorn" in app.dependencies:
            return [
                form("gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", f"0.0.0.0:{app.port}", f"{m}.main:app")
            ]
        return [form("uvicorn", f"{m}.main:app", "--host", "0.0.0.0", "--port", str(app.port))]
    if app.framework == "flask":
        return [form("gunicorn", "-b", f"0.0.0.0:{app.port}", f"{m}.app:app")]
    if app.framework == "django":
        return [form("gunicorn", f"{m}.wsgi:application", "--bind", f"0.0.0.0:{app.port}")]
    if app.framework == "celery":
        return [form("celery", "-A", f"{m}.worker", "worker", "--loglevel=info")]
    if rng.random() < 0.5:
        return ['ENTRYPOINT ["poetry", "run", "python", "-m", "' + m + '"]', 'CMD ["--help"]']
    return [form("python", "-m", m)]


def naive_dockerfile(rng: random.Random, app: App, name: str, has_lock: bool) -> str:
    lines: list[str] = []
    if rng.random() < 0.3:
        lines += [f"# {name}: container image", ""]
    from_lines, _ = base_image(rng)
    lines += from_lines
    if rng.random() < 0.2:
        lines.append(f'LABEL maintainer="{rng.choice(TEAMS)}@example.com"')
    lines += env_block(rng)
    setup, needs_curl = poetry_setup(rng)
    apt = apt_step(rng, app, needs_curl)
    if apt:
        lines += [""] if rng.random() < 0.5 else []
        lines += apt
    lines += [""] if rng.random() < 0.5 else []
    if rng.random() < 0.3:
        lines.append("# Install Poetry")
    lines += setup
    workdir = pick(rng, {"/app": 6, "/code": 2, "/usr/src/app": 1, "/srv/app": 1})
    lines.append(f"WORKDIR {workdir}")
    lines += [""] if rng.random() < 0.4 else []
    lines += copy_and_install(rng, workdir, has_lock)
    if app.framework == "django" and rng.random() < 0.5:
        lines.append("RUN python manage.py collectstatic --noinput")
    lines += [""] if rng.random() < 0.5 else []
    if app.port:
        lines.append(f"EXPOSE {app.port}")
        if rng.random() < 0.15:
            lines.append(
                f"HEALTHCHECK CMD python -c \"import urllib.request; urllib.request.urlopen('http://localhost:{app.port}/')\""
            )
    lines += run_command(rng, app)
    text = "\n".join(lines)
    return text if rng.random() < 0.05 else text + "\n"  # some editors leave no final newline


def plain_dockerfile(rng: random.Random, app: App) -> str:
    from_lines, _ = base_image(rng)
    command = run_command(rng, app)
    command = [c.replace('"poetry", "run", ', "").replace("poetry run ", "") for c in command]
    return (
        "\n".join(
            [
                *from_lines,
                "ENV PYTHONUNBUFFERED=1",
                "WORKDIR /app",
                "COPY requirements.txt .",
                "RUN pip install --no-cache-dir -r requirements.txt",
                "COPY . .",
                *([f"EXPOSE {app.port}"] if app.port else []),
                *command,
            ]
        )
        + "\n"
    )


# --- project files -------------------------------------------------------------


def pyproject(rng: random.Random, name: str, app: App) -> str:
    # Every base image drawn (3.9 to 3.13) satisfies it, as a working repository's does:
    # a constraint the image's Python misses cannot install, and the tool refuses such a file.
    python = pick(rng, {"^3.9": 3, ">=3.9,<4.0": 1, ">=3.9": 1})
    readme = rng.random() < 0.4
    if rng.random() < 0.3:
        # Poetry 2 style: PEP 621 metadata, Poetry only as the build backend.
        deps = "\n".join(f'    "{k} ({v.replace("^", ">=")})",' for k, v in app.dependencies.items())
        head = f'[project]\nname = "{name}"\nversion = "0.1.0"\ndescription = ""\nrequires-python = ">=3.9"\n'
        if readme:
            head += 'readme = "README.md"\n'
        text = head + f"dependencies = [\n{deps}\n]\n\n"
        if rng.random() < 0.3:
            text += "[tool.poetry]\npackage-mode = false\n\n"
        text += '[tool.poetry.group.dev.dependencies]\npytest = "^8.0.0"\n\n'
        return (
            text
            + '[build-system]\nrequires = ["poetry-core>=2.0.0,<3.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n'
        )
    lines = [
        "[tool.poetry]",
        f'name = "{name}"',
        'version = "0.1.0"',
        'description = ""',
        f'authors = ["{rng.choice(TEAMS).title()} Team <{rng.choice(TEAMS)}@example.com>"]',
    ]
    if readme:
        lines.append('readme = "README.md"')
    if rng.random() < 0.3:
        lines.append(f'packages = [{{ include = "{app.module}" }}]')
    lines += ["", "[tool.poetry.dependencies]", f'python = "{python}"']
    lines += [f'{k} = "{v}"' for k, v in app.dependencies.items()]
    dev_table = "[tool.poetry.dev-dependencies]" if rng.random() < 0.3 else "[tool.poetry.group.dev.dependencies]"
    lines += ["", dev_table, 'pytest = "^8.0.0"', 'ruff = "^0.3.0"']
    if app.framework == "cli" and rng.random() < 0.6:
        lines += ["", "[tool.poetry.scripts]", f'{name} = "{app.module}.__main__:main"']
    lines += ["", "[build-system]", 'requires = ["poetry-core"]', 'build-backend = "poetry.core.masonry.api"', ""]
    return "\n".join(lines)


def poetry_lock(rng: random.Random) -> str:
    # A stub: the migration only needs the file to exist; nothing here resolves it.
    generator = pick(rng, {"1.7.1": 1, "1.8.3": 2, "2.1.1": 1})
    digest = f"{rng.getrandbits(256):064x}"
    return (
        f"# This file is automatically @generated by Poetry {generator} and should not be changed by hand.\n"
        "package = []\n\n[metadata]\n"
        f'lock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "{digest}"\n'
    )


def source_files(app: App) -> dict[str, str]:
    m = app.module
    files = {f"{m}/__init__.py": ""}
    if app.framework == "fastapi":
        files[f"{m}/main.py"] = (
            'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/")\ndef root():\n    return {"ok": True}\n'
        )
    elif app.framework == "flask":
        files[f"{m}/app.py"] = (
            'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/")\ndef root():\n    return {"ok": True}\n'
        )
    elif app.framework == "django":
        files[f"{m}/wsgi.py"] = (
            "from django.core.wsgi import get_wsgi_application\n\napplication = get_wsgi_application()\n"
        )
        files["manage.py"] = (
            "import sys\n\nfrom django.core.management import execute_from_command_line\n\nexecute_from_command_line(sys.argv)\n"
        )
    elif app.framework == "celery":
        files[f"{m}/worker.py"] = 'from celery import Celery\n\napp = Celery(__name__, broker="redis://redis:6379/0")\n'
    else:
        files[f"{m}/__main__.py"] = (
            'import click\n\n\n@click.command()\ndef main():\n    click.echo("hello")\n\n\nif __name__ == "__main__":\n    main()\n'
        )
    files["tests/test_smoke.py"] = "def test_smoke():\n    assert True\n"
    return files


DOCKERIGNORES = [
    ".git\n.venv\n__pycache__\n*.pyc\n",
    ".git\n.gitignore\n.env\n**/__pycache__\n.pytest_cache\n",
    "# keep the image small\n.git\ntests/\n*.md\n!README.md\n",
]


def make_repo(index: int, seed: int) -> Repo:
    rng = random.Random(f"{seed}:{index}")
    name = f"{rng.choice(PREFIXES)}-{rng.choice(SUFFIXES)}-{index:04d}"
    app = make_app(rng, name.replace("-", "_"))
    crlf = rng.random() < CRLF_SHARE
    if rng.random() < NON_POETRY_SHARE:
        repo = Repo(name, "plain")
        repo.files["Dockerfile"] = plain_dockerfile(rng, app).encode()
        repo.files["requirements.txt"] = "".join(f"{k}\n" for k in app.dependencies).encode()
    else:
        repo = Repo(name, "poetry")
        has_lock = rng.random() < 0.9
        dockerfile = naive_dockerfile(rng, app, name, has_lock)
        if crlf:
            dockerfile = dockerfile.replace("\n", "\r\n")
        repo.files["Dockerfile"] = dockerfile.encode()
        repo.files["pyproject.toml"] = pyproject(rng, name, app).encode()
        if has_lock:
            repo.files["poetry.lock"] = poetry_lock(rng).encode()
    for path, text in source_files(app).items():
        repo.files[path] = text.encode()
    repo.files["README.md"] = f"# {name}\n\nOwned by the {rng.choice(TEAMS)} team.\n".encode()
    if rng.random() < 0.4:
        repo.files[".dockerignore"] = rng.choice(DOCKERIGNORES).encode()
    return repo


def generate(root: Path, count: int = DEFAULT_REPOS, seed: int = DEFAULT_SEED) -> list[Repo]:
    """Write `count` repositories under `root` (emptied first); returns what was written."""
    if root.exists():
        shutil.rmtree(root)
    repos = [make_repo(i, seed) for i in range(count)]
    for repo in repos:
        for relative, data in repo.files.items():
            path = root / repo.name / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return repos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=DEFAULT_REPOS, help="how many repositories (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed, same bytes (default %(default)s)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "tree", help="folder to (re)create")
    args = parser.parse_args(argv)
    repos = generate(args.out, args.repos, args.seed)
    poetry = sum(r.kind == "poetry" for r in repos)
    dockerfiles = sum(len(r.dockerfiles) for r in repos)
    print(
        f"{len(repos)} repositories ({poetry} Poetry, {len(repos) - poetry} plain pip), "
        f"{dockerfiles} Dockerfiles in {args.out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
