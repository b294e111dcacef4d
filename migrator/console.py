"""The `migrate` console script: a plain command line runs without click, anything else through it.

Why: importing click and what it imports (inspect, uuid, datetime, gettext...) takes
about 20 ms, as long as hadolint's whole run on one file, and a pre-commit hook pays it
on every commit. migrator.options stays the one definition of the command line:
--help, --version, every other option and every usage error are its own. Both roads
end in migrator.cli.execute; this module sits above both, so neither imports it.
"""

from __future__ import annotations

import sys
from typing import Any

from migrator.cli import Options, UsageError, execute

# The flags a pre-commit hook or a runner's per-repository script passes, and the option each sets.
PLAIN_FLAGS = {
    "--check": "check",
    "--write": "write",
    "--diff": "show_diff",
    "-q": "quiet",
    "--quiet": "quiet",
    "-v": "verbose",
    "--verbose": "verbose",
}


def main(argv: list[str] | None = None) -> None:
    """The console script (and `python -m migrator`); exits with execute's code."""
    args = sys.argv[1:] if argv is None else list(argv)
    options = plain_options(args)
    if options is not None:
        try:
            code = execute(options)
        except UsageError:
            pass  # nothing has run yet: click reads the same line again and words the error its way
        else:
            raise SystemExit(code)
    from migrator.options import cli

    cli.main(args=args, prog_name="migrate")


def plain_options(args: list[str]) -> Options | None:
    """The options of `[--check|--write|--diff|-q|-v]... PATH...`; None for any other command line.

    Paths are words that do not start with '-'; '-' (stdin), '--', clustered short flags
    and every other option are left to click.
    """
    flags: dict[str, Any] = {}  # Options' boolean fields by name
    paths = []
    for arg in args:
        if arg.startswith("-"):
            option = PLAIN_FLAGS.get(arg)
            if option is None:
                return None
            flags[option] = True
        else:
            paths.append(arg)
    if not paths:
        return None
    return Options(paths=tuple(paths), **flags)
