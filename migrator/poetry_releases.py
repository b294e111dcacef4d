"""Which Poetry a base image's Python can run, and which options each Poetry knows.

Pure data and small questions about it, asked by MIG001 (and by any transform that
writes Poetry options): no I/O.
"""

from __future__ import annotations

import re

from migrator.patterns import lazy_compile

Version = tuple[int, ...]

# Every Poetry release since 1.0 by the oldest Python it installs on: the
# `requires-python` of each release's files on PyPI (the simple index's
# data-requires-python, PEP 503), read 2026-12-01:
#   1.0.x-1.1.x ">=2.7, !=3.0.*, ..., !=3.4.*"   1.2.0-1.5.1 ">=3.7,<4.0"
#   1.6.0-1.8.5 ">=3.8,<4.0"                      2.0.0-2.2.1 ">=3.9,<4.0"   2.3.0-2.5.1 ">=3.10,<4.0"
_BY_PYTHON_FLOOR = {
    (3, 10): "2.5.1 2.5.0 2.4.3 2.4.2 2.4.1 2.4.0 2.3.4 2.3.3 2.3.2 2.3.1 2.3.0",
    (3, 9): "2.2.1 2.2.0 2.1.4 2.1.3 2.1.2 2.1.1 2.1.0 2.0.1 2.0.0",
    (3, 8): "1.8.5 1.8.4 1.8.3 1.8.2 1.8.1 1.8.0 1.7.1 1.7.0 1.6.1 1.6.0",
    (3, 7): "1.5.1 1.5.0 1.4.2 1.4.1 1.4.0 1.3.2 1.3.1 1.3.0 1.2.2 1.2.1 1.2.0",
    (3, 5): "1.1.15 1.1.14 1.1.13 1.1.12 1.1.11 1.1.10 1.1.9 1.1.8 1.1.7 1.1.6 1.1.5 1.1.4 1.1.3 1.1.2 1.1.1 1.1.0",
    (3, 4): "1.0.10 1.0.9 1.0.8 1.0.7 1.0.6 1.0.5 1.0.4 1.0.3 1.0.2 1.0.1 1.0.0",
}
RELEASES: tuple[tuple[Version, Version], ...] = tuple(
    sorted(
        (
            (tuple(int(p) for p in v.split(".")), floor)
            for floor, text in _BY_PYTHON_FLOOR.items()
            for v in text.split()
        ),
        reverse=True,
    )
)

# The first release that knows an option of `poetry install`/`sync`, from Poetry's
# CHANGELOG.md and its source (src/poetry/console/commands/install.py, group_command.py):
#   --with/--without/--only: 1.2.0 (dependency groups); --no-dev is read as --only main there;
#   --only-root: 1.2.0 (1.2.0b3, #5783); --compile: 1.4.0 (commit 53cdce0d3 with the modern
#   installer, #6205; older Poetry installs through pip, which compiles anyway);
#   `poetry sync`: 2.0.0 (#9801); --no-dev: removed in 2.0.0.
OPTION_SINCE: dict[str, Version] = {
    "--with": (1, 2),
    "--without": (1, 2),
    "--only": (1, 2),
    "--only-root": (1, 2),
    "--compile": (1, 4),
    "sync": (2, 0),
}

# Releases that pip can no longer install in working order: they require `poetry-core>=1.0.0`
# with no upper bound, pip pairs them with poetry-core 1.9, and `poetry` dies at start
# (1.1.0: "No module named 'poetry.core.toml'"; 1.1.1-1.1.4: "cannot import name
# 'PyProjectException'"). 1.1.5 and later bound poetry-core below 1.1. Checked 2026-12-02 by
# `pip install poetry==X && poetry --version` on Python 3.11 for 1.0.0-1.1.15.
UNUSABLE_TODAY = frozenset({(1, 1, 0), (1, 1, 1), (1, 1, 2), (1, 1, 3), (1, 1, 4)})


def working_release(version: Version) -> Version | None:
    """For a pin pip can no longer install in working order, the newest release of its minor line."""
    if version not in UNUSABLE_TODAY:
        return None
    return max(v for v, _ in RELEASES if v[:2] == version[:2])


# The Python of distribution images, for a Poetry installed with their python3.
DISTRO_PYTHON: dict[str, dict[str, Version]] = {
    "ubuntu": {
        "16.04": (3, 5),
        "xenial": (3, 5),
        "18.04": (3, 6),
        "bionic": (3, 6),
        "20.04": (3, 8),
        "focal": (3, 8),
        "22.04": (3, 10),
        "jammy": (3, 10),
        "24.04": (3, 12),
        "noble": (3, 12),
    },
    "debian": {
        "9": (3, 5),
        "stretch": (3, 5),
        "10": (3, 7),
        "buster": (3, 7),
        "11": (3, 9),
        "bullseye": (3, 9),
        "12": (3, 11),
        "bookworm": (3, 11),
        "13": (3, 13),
        "trixie": (3, 13),
    },
}
# Ubuntu 23.04 and later, and Debian 12 and later, mark their python3 externally managed
# (PEP 668: /usr/lib/python3.X/EXTERNALLY-MANAGED): `pip install` there fails.
EXTERNALLY_MANAGED_FROM = {"ubuntu": (3, 11), "debian": (3, 11)}
LATEST = (3, 99)  # `python:3`, `python:slim`, `python:latest`: a current Python

# A requirement word of `pip install`/`pipx install` that names Poetry: `poetry`, `poetry==1.8.3`,
# `poetry[plugin]>=1.2`; `spec` is the specifier, absent when unpinned. MIG001 and preflight
# read the installed Poetry through it. (root_install.POETRY_PIN_RE, MIG002's reader, differs:
# it ignores case and takes no space before the specifier; merging them would change MIG002's
# answer for `Poetry==1.1`, so it is left as it is for now.)
POETRY_REQUIREMENT_RE = lazy_compile(r"^poetry(\[[^\]]*\])?\s*(?P<spec>[=<>~!].*)?$")
PYTHON_REPO_TAG_RE = lazy_compile(r"^(?P<major>\d)(?:\.(?P<minor>\d+))?(?:[.\-]|$)")
EMBEDDED_RE = lazy_compile(r"(?:^|[^a-z0-9])python-?(?P<major>\d)\.(?P<minor>\d+)(?![0-9])")
VERSIONED_PROGRAM_RE = lazy_compile(r"^(?:.*/)?(?:python|pip)(?P<major>\d)\.(?P<minor>\d+)$")


def parse(text: str | None) -> Version | None:
    if not text:
        return None
    match = re.match(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?", text.strip())
    if not match:
        return None
    return tuple(int(g) for g in match.groups() if g is not None)


def show(version: Version) -> str:
    return ".".join(str(p) for p in version)


def python_floor(version: Version) -> Version | None:
    """The oldest Python a Poetry release installs on (None: a release this table does not know)."""
    for release, floor in RELEASES:
        if release[: len(version)] == version[: len(release)]:
            return floor
    return None


def runs_on(version: Version, python: Version) -> bool:
    floor = python_floor(version)
    return floor is None or python >= floor


def supports(version: Version | None, option: str) -> bool:
    """Whether that Poetry knows the option (False when the version is unknown)."""
    since = OPTION_SINCE.get(option)
    return version is not None and (since is None or version >= since)


def newest(python: Version | None, spec: str = "", at_most: Version | None = None) -> Version | None:
    """The newest release that runs on `python`, satisfies `spec`, preferring those up to `at_most`."""
    matching = [r for r, floor in RELEASES if (python is None or python >= floor) and satisfies(r, spec)]
    preferred = [r for r in matching if at_most is None or r <= at_most]
    found = preferred or matching
    return found[0] if found else None


def satisfies(version: Version, spec: str) -> bool:
    """A PEP 440 specifier such as `>=1.2,<2` or `~=1.8` (releases only; an unknown clause never matches)."""
    for clause in (c.strip() for c in spec.split(",")):
        if not clause:
            continue
        match = re.fullmatch(r"(~=|==|!=|<=|>=|<|>)\s*(\d+(?:\.\d+)*)(\.\*)?", clause)
        if not match:
            return False
        op, text, star = match.groups()
        bound = tuple(int(p) for p in text.split("."))
        padded = version + (0,) * max(0, len(bound) - len(version))
        if op == "==" and star:
            ok = version[: len(bound)] == bound
        elif op == "!=" and star:
            ok = version[: len(bound)] != bound
        elif op == "==":
            ok = padded == bound + (0,) * (len(padded) - len(bound))
        elif op == "!=":
            ok = padded != bound + (0,) * (len(padded) - len(bound))
        elif op == "~=":
            ok = len(bound) >= 2 and version >= bound and version[: len(bound) - 1] == bound[:-1]
        else:
            ok = {"<": padded < bound, "<=": padded <= bound, ">": padded > bound, ">=": padded >= bound}[op]
        if not ok:
            return False
    return True


def image_python(image: str, program: str | None = None) -> tuple[Version | None, bool]:
    """The Python an image runs `program` with, and whether that Python is externally managed.

    Reads `python:3.8-slim`, `cimg/python:3.7`, tiangolo-style `...:python3.8` tags and the
    python3 of Ubuntu and Debian images; None when the image says nothing (a custom image,
    a tag still holding a variable).
    """
    if program:
        versioned = VERSIONED_PROGRAM_RE.match(program)
        if versioned:
            return (int(versioned.group("major")), int(versioned.group("minor"))), False
    lowered = image.lower().split("@", 1)[0]
    if "$" in lowered or ("@" in image and ":" not in lowered.rsplit("/", 1)[-1]):
        return None, False  # a variable, or a digest with no tag: nothing says which Python
    repository, _, tag = lowered.rpartition(":") if ":" in lowered.rsplit("/", 1)[-1] else (lowered, "", "latest")
    name = repository.rsplit("/", 1)[-1]
    if name == "python":
        found = PYTHON_REPO_TAG_RE.match(tag)
        if found is None:
            return LATEST, False  # latest, slim, bookworm, alpine: today's Python
        if found.group("minor") is None:
            return LATEST, False  # python:3
        return (int(found.group("major")), int(found.group("minor"))), False
    embedded = EMBEDDED_RE.search(tag)
    if embedded:
        return (int(embedded.group("major")), int(embedded.group("minor"))), False
    if name in DISTRO_PYTHON and repository in (name, f"library/{name}", f"docker.io/library/{name}"):
        release = tag.split("-")[0]
        version = DISTRO_PYTHON[name].get(release.split(".")[0] if name == "debian" else release)
        if version is not None:
            return version, version >= EXTERNALLY_MANAGED_FROM[name]
        if name == "ubuntu" and (parse(tag) or (0,)) >= (23, 4):
            return None, True
    return None, False
