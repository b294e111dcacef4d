"""The whole `migrate` command line, declared with click: every option, --help, --version, usage errors.

This is the one definition of the command line; the command runs what it read through
migrator.cli.execute. migrator.console (the console script) reads the few plain
invocations a hook or a runner repeats (`--check`, `--write`, `--diff`, `-q`, `-v` and
paths) without importing this module, and hands everything else here; a test holds
that both read those invocations into the same Options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from migrator import __version__
from migrator.cli import Options, UsageError, execute


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.argument("paths", nargs=-1, type=click.Path(), metavar="PATH...")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of the changes (the default).")
@click.option("--write", is_flag=True, help="Write the migrated files in place.")
@click.option("--check", is_flag=True, help="Print only the summary; exit 1 when a file would change.")
@click.option(
    "--select", multiple=True, metavar="CODES", help="Only these transforms (codes or names, comma-separated)."
)
@click.option(
    "--ignore", multiple=True, metavar="CODES", help="Skip these transforms (codes or names, comma-separated)."
)
@click.option("--list", "list_transforms", is_flag=True, help="List the transforms and exit.")
@click.option("--explain", metavar="CODE|NAME", help="Print what a transform does and why, and exit.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Print each change and its reason, and tracebacks of internal errors."
)
@click.option(
    "--context",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The build context (default: each Dockerfile's folder).",
)
@click.option("--user", metavar="NAME:UID", help="The non-root user to create (default app:10001).")
@click.option("--poetry-version", metavar="X", help="Pin this Poetry version, replacing existing pins.")
@click.option(
    "--syntax-directive/--no-syntax-directive", default=None, help="Add '# syntax=docker/dockerfile:1' (default: yes)."
)
@click.option("--uv/--no-uv", default=None, help="Switch from Poetry to uv (changes pyproject.toml and the lock file).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: the number of cores).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    show_default=True,
    help="json: one JSON document on stdout instead of diffs; sarif: SARIF 2.1.0 for code scanning.",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JSON report to this file.",
)
@click.option("--verify", is_flag=True, help="Build each migrated Dockerfile with Docker before accepting it.")
@click.option("--smoke", metavar="CMD", help="With --verify: a command to run in the built image.")
@click.option("--build-arg", "build_args", multiple=True, metavar="KEY=VALUE", help="With --verify: a build argument.")
@click.option("--network", help="With --verify: the network for RUN steps (e.g. host).")
@click.option("--platform", help="With --verify: the target platform.")
@click.option("--docker", metavar="PATH", help="With --verify: the docker client to use.")
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="OLD_DOCKERFILE",
    help="With --verify: compare PATH against this Dockerfile instead of migrating it (no transform runs); "
    "exit 0 same behaviour, 1 different, 123 a build failed.",
)
@click.option(
    "--run-seconds",
    type=click.FloatRange(min=1),
    default=10.0,
    show_default=True,
    help="With --verify: how long each image's own command is watched.",
)
@click.option(
    "--env", "env", multiple=True, metavar="KEY=VALUE", help="With --verify: an environment variable for every run."
)
@click.option(
    "--env-file",
    "env_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="With --verify: a file of environment variables for every run.",
)
@click.option(
    "--probe-http",
    metavar="PORT[/PATH]",
    help="With --verify: GET this port and path in both images and compare status and body.",
)
@click.option(
    "--no-rebuild",
    is_flag=True,
    help="With --verify: skip the second build after a source-only edit (no rebuild or cache figures).",
)
@click.option(
    "--build-jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="With --verify: builds at once (files are verified --jobs at a time).",
)
@click.version_option(__version__, prog_name="migrate")
@click.pass_context
def cli(ctx: click.Context, /, **parameters: Any) -> None:
    """Turn naive single-stage Poetry Dockerfiles into multi-stage, cached, non-root ones.

    PATH is a Dockerfile, a folder to search (Dockerfile, Dockerfile.*, *.Dockerfile,
    Containerfile), or - for stdin. Settings may also come from [tool.migrator] in
    pyproject.toml; the command line wins.
    """
    try:
        code = execute(Options(**parameters))
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    ctx.exit(code)
