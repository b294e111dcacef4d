"""Module-level regular expressions, compiled when first used rather than when imported.

A one-file run (`migrate --check Dockerfile`, as a pre-commit hook runs it) is mostly
Python starting and importing. Compiling every module-level pattern of the package at
import took about 17 ms of it, and half of that went to the patterns a typical file never
reaches (a GitHub action, gosu, NLTK, Prisma, a devcontainer...): measured on the bench's
one file by counting which of the 98 patterns a run touches. `lazy_compile` defers that
work to the first `.search`/`.match`/... and then gets out of the way: the compiled
pattern's bound methods are kept on the proxy, so a later call is one attribute lookup.

Only module-level patterns go through here; a pattern built inside a function is
compiled (and cached by `re`) where it is used. A proxy is not a `re.Pattern` for
`isinstance` or as the first argument of `re.sub`; use its methods.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast


class _LazyPattern:
    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Reached only for what the instance does not hold yet: compile once (re's own
        # cache makes a second compile a lookup), then keep the attribute on the instance.
        value = getattr(re.compile(self._source, self._flags), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_compile({self._source!r}, {self._flags!r})"


def lazy_compile(source: AnyStr, flags: int | re.RegexFlag = 0) -> re.Pattern[AnyStr]:
    """`re.compile(source, flags)`, compiled on first use; typed as the pattern it stands for."""
    return cast("re.Pattern[AnyStr]", _LazyPattern(source, int(flags)))
