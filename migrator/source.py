"""Bytes in, text out, and back, without losing a byte.

Dockerfiles are UTF-8 in practice. Bytes that are not valid UTF-8 are carried
through as surrogates (``surrogateescape``) when they sit in comments, so a Latin-1
comment comes back exactly as it was; in an instruction they would be copied into new
stages and mangled, so the file is refused with the line to fix.
"""

from __future__ import annotations

from migrator.model import ParseError

MAX_BYTES = 1_000_000  # a Dockerfile larger than this is not a Dockerfile a person wrote
MAX_STAGES = 100


class InputError(ParseError):
    """Input the tool refuses; carries the 1-based line for the one-line message."""


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InputError(
            1, f"the file is {len(data):,} bytes, over the {MAX_BYTES:,}-byte limit for a Dockerfile; skip it"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(1, "the file is UTF-16: save it as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise InputError(line, "binary data (a NUL byte): this is not a Dockerfile")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "surrogateescape")
    for number, text_line in enumerate(text.split("\n"), start=1):
        if any("\udc80" <= ch <= "\udcff" for ch in text_line) and not text_line.lstrip().startswith("#"):
            raise InputError(number, "bytes that are not UTF-8 in an instruction: save the file as UTF-8")
    return text


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
