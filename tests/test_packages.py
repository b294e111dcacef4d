import pytest

from migrator.packages import PackageCommand, debian_release, package_command, package_name, split_packages


@pytest.mark.parametrize(
    ("packages", "family", "image", "build", "runtime"),
    [
        pytest.param(
            ["gcc", "libpq-dev"],
            "debian",
            "python:3.11-slim",
            ("gcc", "libpq-dev"),
            ("libpq5",),
            id="psycopg-build-deps",
        ),
        pytest.param(
            ["libffi-dev", "libssl-dev", "libxml2-dev", "libxslt1-dev", "libjpeg-dev", "zlib1g-dev"],
            "debian",
            "python:3.11-slim-bookworm",
            ("libffi-dev", "libssl-dev", "libxml2-dev", "libxslt1-dev", "libjpeg-dev", "zlib1g-dev"),
            ("libffi8", "libssl3", "libxml2", "libxslt1.1", "libjpeg62-turbo", "zlib1g"),
            id="bookworm-headers",
        ),
        pytest.param(
            ["libffi-dev", "libssl-dev"],
            "debian",
            "python:3.10-slim-bullseye",
            ("libffi-dev", "libssl-dev"),
            ("libffi7", "libssl1.1"),
            id="bullseye-names",
        ),
        pytest.param(["libffi-dev"], "debian", "python:3.9-buster", ("libffi-dev",), ("libffi6",), id="buster-names"),
        pytest.param(
            ["default-libmysqlclient-dev", "libmariadb-dev"],
            "debian",
            "python:3.11",
            ("default-libmysqlclient-dev", "libmariadb-dev"),
            ("libmariadb3",),
            id="mysql-once",
        ),
        pytest.param(
            ["libcurl4-openssl-dev"],
            "debian",
            "python:3.12-slim-bookworm",
            ("libcurl4-openssl-dev",),
            ("libcurl4",),
            id="libcurl",
        ),
        pytest.param(
            ["ca-certificates", "tzdata", "tini", "ffmpeg", "postgresql-client"],
            "debian",
            "python:3.11",
            (),
            ("ca-certificates", "tzdata", "tini", "ffmpeg", "postgresql-client"),
            id="plainly-runtime",
        ),
        pytest.param(
            ["build-essential", "git", "curl"],
            "debian",
            "python:3.11",
            ("build-essential", "git", "curl"),
            (),
            id="build-tools-and-unused-curl",
        ),
        pytest.param(
            ["libpq-dev=15.4-1", "gcc"], "debian", "python:3.11", ("libpq-dev", "gcc"), ("libpq5",), id="version-pin"
        ),
        pytest.param(
            ["build-base", "postgresql-dev", "libffi-dev", "musl-dev"],
            "alpine",
            "python:3.11-alpine",
            ("build-base", "postgresql-dev", "libffi-dev", "musl-dev"),
            ("libpq", "libffi"),
            id="alpine",
        ),
        pytest.param(
            ["libpq-dev", "tzdata"],
            "alpine",
            "python:3.12-alpine3.20",
            ("libpq-dev",),
            ("libpq", "tzdata"),
            id="alpine-libpq-dev",
        ),
    ],
)
def test_split(packages, family, image, build, runtime):
    split = split_packages(packages, family, image)
    assert split.build == build
    assert split.runtime == runtime
    assert split.unknown == ()


def test_runtime_tools_the_container_uses_go_to_runtime():
    split = split_packages(["curl", "wget", "gcc"], "debian", "python:3.11", frozenset({"curl"}))
    assert split.runtime == ("curl",)
    assert split.build == ("wget", "gcc")


def test_unknown_package_is_kept_for_runtime_and_reported():
    split = split_packages(["gcc", "mystery-tool"], "debian", "python:3.11")
    assert split.runtime == ("mystery-tool",)
    assert split.unknown == ("mystery-tool",)


def test_unknown_header_stays_in_build_and_is_reported():
    split = split_packages(["libfoo-dev"], "debian", "python:3.11")
    assert split.build == ("libfoo-dev",)
    assert split.runtime == ()
    assert split.unmapped_headers == ("libfoo-dev",)


@pytest.mark.parametrize(
    ("image", "release", "guessed"),
    [
        pytest.param("python:3.11-slim-bookworm", "bookworm", False, id="bookworm-tag"),
        pytest.param("python:3.10-bullseye", "bullseye", False, id="bullseye-tag"),
        pytest.param("python:3.13-slim-trixie", "trixie", False, id="trixie-tag"),
        pytest.param("python:3.11-slim", "bookworm", False, id="py311-default"),
        pytest.param("python:3.13-slim", "trixie", True, id="py313-default-is-a-guess"),
        pytest.param("ubuntu:22.04", "jammy", False, id="ubuntu-jammy"),
        pytest.param("registry.example.com/base:1.2", "bookworm", True, id="unknown-image"),
    ],
)
def test_debian_release(image, release, guessed):
    assert debian_release(image) == (release, guessed)


def test_trixie_names_and_guess_flag():
    split = split_packages(["libssl-dev"], "debian", "python:3.13-slim")
    assert split.runtime == ("libssl3t64",)
    assert split.release_guessed


@pytest.mark.parametrize(
    ("word", "name"),
    [("libpq-dev=15.4-1", "libpq-dev"), ("curl:amd64", "curl"), ("curl~8", "curl"), ("gcc", "gcc")],
)
def test_package_name(word, name):
    assert package_name(word) == name


@pytest.mark.parametrize(
    ("argv", "program", "expected"),
    [
        pytest.param(
            ["apt-get", "install", "-y", "gcc", "libpq-dev"],
            "apt-get",
            PackageCommand("apt", ("gcc", "libpq-dev")),
            id="apt-get-install",
        ),
        pytest.param(
            [
                "DEBIAN_FRONTEND=noninteractive",
                "apt-get",
                "-y",
                "-o",
                "Dpkg::Options::=--force-confold",
                "install",
                "tini",
            ],
            "apt-get",
            PackageCommand("apt", ("tini",)),
            id="options-before-verb",
        ),
        pytest.param(["apt", "purge", "-y", "gcc"], "apt", PackageCommand("apt", removed=("gcc",)), id="apt-purge"),
        pytest.param(
            ["apk", "add", "--no-cache", "--virtual", ".deps", "gcc"],
            "apk",
            PackageCommand("apk", ("gcc",), virtual=".deps"),
            id="apk-virtual",
        ),
        pytest.param(
            ["apk", "add", "-t", ".deps", "gcc"],
            "apk",
            PackageCommand("apk", ("gcc",), virtual=".deps"),
            id="apk-virtual-short",
        ),
        pytest.param(["apk", "del", ".deps"], "apk", PackageCommand("apk", removed=(".deps",)), id="apk-del"),
        pytest.param(["apt-get", "update"], "apt-get", None, id="update"),
        pytest.param(["pip", "install", "x"], "pip", None, id="not-a-package-manager"),
    ],
)
def test_package_command(argv, program, expected):
    assert package_command(argv, program) == expected
