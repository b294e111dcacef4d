"""`--format sarif`: the run as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One rule per transform, with its documentation (code, name, reason, the docstring's
What / Why / Example / Use instead, safety), and one result per change a `--check`
would make, at the line of the user's file it applies to (notes are already mapped back
to the user's lines by the pipeline). A change that names no line (the file as a whole)
is placed on line 1, since code scanning needs a line. Warnings are not results: they
say what the tool held back, not something to change. A file that failed is a tool
execution notification, and makes the invocation unsuccessful. Values are masked as in
the JSON report.

    migrate --check --format sarif . > migrate.sarif   # exit 1 when something would change
"""

from __future__ import annotations

import inspect
import json
import os
import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from migrator import __version__
from migrator.pipeline import Status
from migrator.report import STDIN_NAME, FileReport, _redacted

if TYPE_CHECKING:
    from migrator.transform import Transform

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SECTIONS = ("What it does", "Why", "Example", "Use instead")


def sarif_document(reports: Iterable[FileReport], transforms: Sequence[Transform]) -> str:
    reports = list(reports)
    index = {transform.code: number for number, transform in enumerate(transforms)}
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for report in reports:
        if report.status is Status.FAILED:
            notifications.append(_failure(report))
        elif report.status is Status.MIGRATED:
            results.extend(
                _result(report.path, note.code, note.line, note.message, index) for note in report.result.changes
            )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "migrate",
                "fullName": "migrate (dockerfile-migrator): multi-stage, cached, non-root Poetry Dockerfiles",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule(transform) for transform in transforms],
            }
        },
        # Masked and made printable as the JSON report is (a credential in a message, a stray byte in a path);
        # the rules are the tool's own documentation, whose examples show made-up credentials on purpose.
        "invocations": [
            {
                "executionSuccessful": not notifications,
                "toolExecutionNotifications": _redacted(notifications),
            }
        ],
        "results": _redacted(results),
    }
    document = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule(transform: Transform) -> dict[str, Any]:
    doc = inspect.cleandoc(transform.doc or transform.reason)
    return {
        "id": transform.code,
        "name": transform.name,
        "shortDescription": {"text": transform.reason},
        "fullDescription": {"text": _description(doc, transform.reason)},
        "help": {"text": doc, "markdown": _markdown(doc)},
        # Unsafe transforms (switch-to-uv) run only when asked for.
        "defaultConfiguration": {"level": "warning", "enabled": transform.safety.value == "safe"},
        "properties": {"safety": transform.safety.value, "tags": ["dockerfile", "poetry"]},
    }


def _result(path: str, code: str, line: int | None, message: str, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": code,
        "level": "warning",
        "message": {"text": message},
        "locations": [_location(path, line)],
    }
    if code in index:
        result["ruleIndex"] = index[code]
    return result


def _failure(report: FileReport) -> dict[str, Any]:
    result = report.result
    message = report.failure or f"{report.path}: {result.error or 'failed'}"
    line = None if report.failure else result.error_line
    return {"level": "error", "message": {"text": message}, "locations": [_location(report.path, line)]}


def _location(path: str, line: int | None) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path)},
            "region": {"startLine": max(line or 1, 1)},
        }
    }


def _uri(path: str) -> str:
    """A relative path stays relative (code scanning resolves it against the repository); others are file URIs."""
    if path == STDIN_NAME:
        return quote(path)
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(Path(path).as_posix())


def _title(line: str) -> str | None:
    """The section a docstring line opens ("What it does", "Why:"...), or None."""
    stripped = line.strip().rstrip(":")
    return stripped if stripped in SECTIONS and not line.startswith(" ") else None


def _sections(doc: str) -> dict[str, list[str]]:
    """The docstring's What it does / Why / Example / Use instead bodies, dedented, by title."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in doc.splitlines():
        title = _title(line)
        if title is not None:
            current = title
            found[current] = []
        elif current is not None and (line.startswith(" ") or not line.strip()):
            found[current].append(line[4:] if line.startswith("    ") else line.strip())
        else:
            current = None
    return {title: textwrap.dedent("\n".join(body)).strip("\n").splitlines() for title, body in found.items()}


def _description(doc: str, fallback: str) -> str:
    """What the transform does, as one paragraph of plain text."""
    words = " ".join(_sections(doc).get("What it does", [])).split()
    return re.sub(r"``([^`]+)``", r"`\1`", " ".join(words)) or fallback


def _markdown(doc: str) -> str:
    """The docstring for a viewer: section titles in bold, examples as Dockerfile code blocks."""
    sections = _sections(doc)
    out: list[str] = []
    skipping = False
    for line in doc.splitlines():
        title = _title(line)
        if title is not None:
            body = sections[title]
            if title in ("Example", "Use instead"):
                code = [re.sub(r"``([^`]+)``", r"\1", text) for text in body]
                out += [f"**{title}**", "", "```Dockerfile", *code, "```", ""]
            else:
                out += [f"**{title}**", "", *(re.sub(r"``([^`]+)``", r"`\1`", text) for text in body), ""]
            skipping = True
        elif skipping and (line.startswith(" ") or not line.strip()):
            continue  # the section's body, already written
        else:
            skipping = False
            out.append(re.sub(r"``([^`]+)``", r"`\1`", line))
    return "\n".join(out).strip("\n") + "\n"
