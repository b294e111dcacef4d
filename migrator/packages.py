"""Which system packages a runtime image needs, given what the build installed.

A build stage installs compilers and ``-dev`` headers so that wheels can be built;
the runtime stage needs only the shared libraries those headers stand for, plus the
tools the container itself runs. Package names are per distribution and, for some
libraries, per release (``libffi8`` on bookworm, ``libffi7`` on bullseye).
"""

from __future__ import annotations

import re

from migrator.record import dataclass

DEBIAN_RELEASES = ("buster", "bullseye", "bookworm", "trixie", "focal", "jammy", "noble")
UBUNTU_VERSIONS = {"20.04": "focal", "22.04": "jammy", "24.04": "noble"}
DEFAULT_DEBIAN_RELEASE = "bookworm"

# Headers whose runtime library has the same name on every release we know.
DEBIAN_DEV_TO_RUNTIME: dict[str, tuple[str, ...]] = {
    "libpq-dev": ("libpq5",),
    "libxml2-dev": ("libxml2",),
    "libxslt1-dev": ("libxslt1.1",),
    "libxslt-dev": ("libxslt1.1",),
    "libjpeg-dev": ("libjpeg62-turbo",),
    "libjpeg62-turbo-dev": ("libjpeg62-turbo",),
    "zlib1g-dev": ("zlib1g",),
    "default-libmysqlclient-dev": ("libmariadb3",),
    "libmariadb-dev": ("libmariadb3",),
    "libmariadb-dev-compat": ("libmariadb3",),
    "libmysqlclient-dev": ("libmariadb3",),
    "libpng-dev": ("libpng16-16",),
    "libfreetype6-dev": ("libfreetype6",),
    "libfreetype-dev": ("libfreetype6",),
    "liblcms2-dev": ("liblcms2-2",),
    "libopenjp2-7-dev": ("libopenjp2-7",),
    "libyaml-dev": ("libyaml-0-2",),
    "libsqlite3-dev": ("libsqlite3-0",),
    "libbz2-dev": ("libbz2-1.0",),
    "liblzma-dev": ("liblzma5",),
    "libsasl2-dev": ("libsasl2-2",),
    "libkrb5-dev": ("libkrb5-3", "libgssapi-krb5-2"),
    "libmagic-dev": ("libmagic1",),
    "libsnappy-dev": ("libsnappy1v5",),
    "libzstd-dev": ("libzstd1",),
    "liblz4-dev": ("liblz4-1",),
    "libgmp-dev": ("libgmp10",),
    "libcairo2-dev": ("libcairo2",),
    "libpango1.0-dev": ("libpango-1.0-0", "libpangocairo-1.0-0"),
    "libgdal-dev": ("gdal-bin",),
    "unixodbc-dev": ("unixodbc",),
    "libsndfile1-dev": ("libsndfile1",),
}

# Libraries renamed between releases (the 64-bit time_t transition, soname bumps).
DEBIAN_DEV_BY_RELEASE: dict[str, dict[str, tuple[str, ...]]] = {
    "libffi-dev": {
        "buster": ("libffi6",),
        "bullseye": ("libffi7",),
        "bookworm": ("libffi8",),
        "trixie": ("libffi8",),
        "focal": ("libffi7",),
        "jammy": ("libffi8",),
        "noble": ("libffi8",),
    },
    "libssl-dev": {
        "buster": ("libssl1.1",),
        "bullseye": ("libssl1.1",),
        "bookworm": ("libssl3",),
        "trixie": ("libssl3t64",),
        "focal": ("libssl1.1",),
        "jammy": ("libssl3",),
        "noble": ("libssl3t64",),
    },
    "libcurl4-openssl-dev": {
        "buster": ("libcurl4",),
        "bullseye": ("libcurl4",),
        "bookworm": ("libcurl4",),
        "trixie": ("libcurl4t64",),
        "focal": ("libcurl4",),
        "jammy": ("libcurl4",),
        "noble": ("libcurl4t64",),
    },
    "libtiff-dev": {
        "buster": ("libtiff5",),
        "bullseye": ("libtiff5",),
        "bookworm": ("libtiff6",),
        "trixie": ("libtiff6",),
        "focal": ("libtiff5",),
        "jammy": ("libtiff5",),
        "noble": ("libtiff6",),
    },
    "libwebp-dev": {
        "buster": ("libwebp6",),
        "bullseye": ("libwebp6",),
        "bookworm": ("libwebp7",),
        "trixie": ("libwebp7",),
        "focal": ("libwebp6",),
        "jammy": ("libwebp7",),
        "noble": ("libwebp7",),
    },
    "libgeos-dev": {
        "buster": ("libgeos-c1v5",),
        "bullseye": ("libgeos-c1v5",),
        "bookworm": ("libgeos-c1v5",),
        "trixie": ("libgeos-c1t64",),
        "focal": ("libgeos-c1v5",),
        "jammy": ("libgeos-c1v5",),
        "noble": ("libgeos-c1t64",),
    },
}

ALPINE_DEV_TO_RUNTIME: dict[str, tuple[str, ...]] = {
    "postgresql-dev": ("libpq",),
    "libpq-dev": ("libpq",),
    "libffi-dev": ("libffi",),
    "openssl-dev": ("libssl3", "libcrypto3"),
    "libxml2-dev": ("libxml2",),
    "libxslt-dev": ("libxslt",),
    "jpeg-dev": ("libjpeg-turbo",),
    "libjpeg-turbo-dev": ("libjpeg-turbo",),
    "zlib-dev": ("zlib",),
    "mariadb-dev": ("mariadb-connector-c",),
    "mariadb-connector-c-dev": ("mariadb-connector-c",),
    "curl-dev": ("libcurl",),
    "libpng-dev": ("libpng",),
    "freetype-dev": ("freetype",),
    "lcms2-dev": ("lcms2",),
    "libwebp-dev": ("libwebp",),
    "tiff-dev": ("tiff",),
    "openjpeg-dev": ("openjpeg",),
    "yaml-dev": ("yaml",),
    "sqlite-dev": ("sqlite-libs",),
    "bzip2-dev": ("libbz2",),
    "xz-dev": ("xz-libs",),
    "geos-dev": ("geos",),
    "libmagic": ("libmagic",),
    "gmp-dev": ("gmp",),
    "cairo-dev": ("cairo",),
    "unixodbc-dev": ("unixodbc",),
    "zstd-dev": ("zstd-libs",),
    "librdkafka-dev": ("librdkafka",),
}

# Needed only to build wheels or fetch build tools.
BUILD_ONLY = frozenset(
    {
        "gcc",
        "g++",
        "cc",
        "clang",
        "make",
        "cmake",
        "ninja-build",
        "ninja",
        "build-essential",
        "build-base",
        "autoconf",
        "automake",
        "libtool",
        "pkg-config",
        "pkgconf",
        "pkgconfig",
        "python3-dev",
        "python-dev",
        "musl-dev",
        "linux-headers",
        "linux-libc-dev",
        "libc6-dev",
        "libc-dev",
        "cargo",
        "rust",
        "rustc",
        "gfortran",
        "swig",
        "patch",
        "git",
        "python3-pip",
        "python3-venv",
        "pipx",
        "unzip",
        "xz-utils",
        "gnupg",
        "gnupg2",
        "dirmngr",
        "software-properties-common",
        "apt-transport-https",
        "bison",
        "flex",
    }
)

# Tools the build often uses to fetch things, and that a container may also run itself.
RUNTIME_TOOLS = frozenset({"curl", "wget"})

# Plainly needed when the container runs.
RUNTIME = frozenset(
    {
        "ca-certificates",
        "tzdata",
        "tini",
        "dumb-init",
        "ffmpeg",
        "postgresql-client",
        "default-mysql-client",
        "mariadb-client",
        "mysql-client",
        "redis-tools",
        "netcat",
        "netcat-openbsd",
        "netcat-traditional",
        "gosu",
        "su-exec",
        "locales",
        "libmagic1",
        "libpq5",
        "libpq",
        "imagemagick",
        "ghostscript",
        "poppler-utils",
        "tesseract-ocr",
        "graphviz",
        "gettext",
        "libgomp1",
        "libgl1",
        "libglib2.0-0",
        "libsm6",
        "libxext6",
        "libxrender1",
        "fonts-liberation",
        "fontconfig",
        "wkhtmltopdf",
        "chromium",
        "openssh-client",
        "procps",
        "bash",
        "jq",
        "unixodbc",
        "libxml2",
        "libxslt1.1",
        "libffi8",
        "libssl3",
        "zlib1g",
        "libjpeg62-turbo",
        "libmariadb3",
        "libcurl4",
        "libgeos-c1v5",
        "gdal-bin",
        "netbase",
        "iputils-ping",
        "dnsutils",
        "less",
        "nano",
        "vim",
        "mime-support",
        "media-types",
        "shared-mime-info",
        "libsndfile1",
        "espeak",
        "libreoffice",
        "python3",
        "python3-minimal",
    }
)
# Alpine names of the same kind (musl, BusyBox userland).
ALPINE_RUNTIME = frozenset(
    {
        "ca-certificates",
        "tzdata",
        "tini",
        "dumb-init",
        "ffmpeg",
        "postgresql-client",
        "postgresql16-client",
        "mariadb-client",
        "mysql-client",
        "redis",
        "netcat-openbsd",
        "su-exec",
        "libpq",
        "libffi",
        "libxml2",
        "libxslt",
        "libjpeg-turbo",
        "zlib",
        "bash",
        "jq",
        "imagemagick",
        "libstdc++",
        "libgcc",
        "libgomp",
        "shadow",
        "gettext",
        "procps",
        "openssh-client",
        "geos",
        "gdal",
    }
)


@dataclass(frozen=True)
class PackageSplit:
    build: tuple[str, ...]  # stay in the build stage only
    runtime: tuple[str, ...]  # what the runtime stage installs, in first-seen order
    unknown: tuple[str, ...]  # kept in the runtime install because we cannot tell
    unmapped_headers: tuple[str, ...] = ()  # -dev packages whose runtime library we do not know
    release_guessed: bool = False  # a release-dependent name came from a guessed release


@dataclass(frozen=True)
class PackageCommand:
    """One apt-get/apt/apk command that installs or removes packages."""

    manager: str  # "apt" | "apk"
    installed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    virtual: str | None = None  # apk add --virtual NAME: the group `apk del NAME` removes


# Options whose value is the next word.
OPTIONS_WITH_VALUE = frozenset(
    {"-t", "--target-release", "-o", "--option", "--repository", "-X", "-c", "--config-file"}
)


def package_command(argv: list[str], program: str) -> PackageCommand | None:
    """What an `apt-get install`, `apt purge`, `apk add`, `apk del` ... command does."""
    if program not in ("apt-get", "apt", "apk"):
        return None
    start = next(i for i, w in enumerate(argv) if w.rsplit("/", 1)[-1] == program) + 1
    operands: list[str] = []
    virtual = None
    words = iter(argv[start:])
    for word in words:
        if program == "apk" and word in ("--virtual", "-t"):
            virtual = next(words, None)
        elif word in OPTIONS_WITH_VALUE:
            next(words, None)
        elif not word.startswith("-"):
            operands.append(word)
    if not operands:
        return None
    verb, names = operands[0], tuple(operands[1:])
    manager = "apk" if program == "apk" else "apt"
    if verb in ("install", "add"):
        return PackageCommand(manager, installed=names, virtual=virtual)
    if verb in ("remove", "purge", "del"):
        return PackageCommand(manager, removed=names)
    return None


def package_name(word: str) -> str:
    """``libpq-dev=15.4-1`` -> ``libpq-dev``; ``curl:amd64`` -> ``curl``; apk ``curl~8`` / ``curl>8``."""
    return re.split(r"[=:<>~]", word, maxsplit=1)[0]


def debian_release(image: str) -> tuple[str, bool]:
    """The Debian/Ubuntu release an image is built on, and whether that is a guess."""
    lowered = image.lower()
    for release in DEBIAN_RELEASES:
        if release in lowered:
            return release, False
    for version, release in UBUNTU_VERSIONS.items():
        if f"ubuntu:{version}" in lowered:
            return release, False
    match = re.search(r"python:(\d+)\.(\d+)", lowered)
    if match and (int(match.group(1)), int(match.group(2))) >= (3, 13):
        # Newer official Python images default to trixie; the tag alone does not say so.
        return "trixie", True
    if match:
        return DEFAULT_DEBIAN_RELEASE, False
    return DEFAULT_DEBIAN_RELEASE, True


def split_packages(
    packages: list[str], family: str, image: str = "", runtime_tools_used: frozenset[str] = frozenset()
) -> PackageSplit:
    """Sort installed packages into build-only, runtime, and unknown-kept-for-runtime."""
    build: list[str] = []
    runtime: list[str] = []
    unknown: list[str] = []
    unmapped: list[str] = []
    guessed = False
    release, release_is_guess = debian_release(image) if family == "debian" else ("", False)
    plain_runtime = ALPINE_RUNTIME if family == "alpine" else RUNTIME

    def add(names: tuple[str, ...]) -> None:
        for name in names:
            if name not in runtime:
                runtime.append(name)

    for word in packages:
        name = package_name(word)
        if family == "alpine" and name in ALPINE_DEV_TO_RUNTIME:
            build.append(name)
            add(ALPINE_DEV_TO_RUNTIME[name])
        elif family != "alpine" and name in DEBIAN_DEV_BY_RELEASE:
            build.append(name)
            add(DEBIAN_DEV_BY_RELEASE[name][release])
            guessed = guessed or release_is_guess
        elif family != "alpine" and name in DEBIAN_DEV_TO_RUNTIME:
            build.append(name)
            add(DEBIAN_DEV_TO_RUNTIME[name])
        elif name in RUNTIME_TOOLS:
            if name in runtime_tools_used:
                add((name,))
            else:
                build.append(name)
        elif name in BUILD_ONLY:
            build.append(name)
        elif name.endswith("-dev"):
            build.append(name)
            unmapped.append(name)
        elif name in plain_runtime:
            add((name,))
        else:
            unknown.append(name)
            add((name,))
    return PackageSplit(tuple(build), tuple(runtime), tuple(unknown), tuple(unmapped), guessed)
