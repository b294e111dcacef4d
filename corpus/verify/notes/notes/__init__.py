"""A notes service: keeps its notes in a folder it writes to, serves them over HTTP."""

from notes.store import Note, Store

__all__ = ["Note", "Store"]
