"""Needs its dependency (attrs) from whatever `python` the login shell's PATH finds."""

import attrs


@attrs.define
class Count:
    name: str
    total: int


print(Count("households", 3))
