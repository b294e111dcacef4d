"""Mask secret values in anything the tool prints: diffs, reports, log lines.

A Dockerfile that bakes a credential into ARG or ENV already leaks it through the
image history; the tool must not spread it further into CI logs or pull requests.
Only values are masked, never names, so a reader still sees what was moved where;
references such as ``$TOKEN`` or ``"$(cat /run/secrets/token)"`` are not secrets and stay.
"""

from __future__ import annotations

import re

MASK = "****"

# user:password@ in any URL
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s:/@'\"]+):(?P<secret>[^\s@/'\"]+)@")
# https://TOKEN@host (a bare token as the user part)
_URL_TOKEN = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<secret>[A-Za-z0-9_\-.]{16,})@")
_SECRET_KEY = r"[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_]*"
# KEY=value (also KEY="two words", and \"...\" as it appears inside a JSON string)
_ASSIGNMENT = re.compile(
    rf"(?P<key>\b{_SECRET_KEY})(?P<sep>[ \t]*=[ \t]*)"
    r"(?:(?P<quote>\\?\")(?P<dq>(?:[^\"\\\n]|\\(?!\")[^\n])*)(?P=quote)"
    r"|(?P<squote>\\?')(?P<sq>[^'\n]*)(?P=squote)"
    r"|(?P<bare>(?:[^\s'\"\\;]|\\(?![\"'\s]))+))",
    re.IGNORECASE,
)
# The legacy `ENV KEY value with blanks` form: the value is the rest of the line.
_LEGACY_ENV = re.compile(
    rf"(?P<head>\bENV[ \t]+{_SECRET_KEY}[ \t]+)(?P<secret>[^\s=\\][^\n]*?)(?P<tail>[ \t]*(?:\\[ \t]*)?$)",
    re.IGNORECASE | re.MULTILINE,
)


def redact(text: str) -> str:
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _URL_TOKEN.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _LEGACY_ENV.sub(_mask_legacy_env, text)
    text = _ASSIGNMENT.sub(_mask_assignment, text)
    return text


def _is_reference(value: str) -> bool:
    return value.startswith("$") or value == MASK or not value


def _mask_legacy_env(match: re.Match[str]) -> str:
    if _is_reference(match["secret"].strip("\"'")):
        return match.group(0)
    return f"{match['head']}{MASK}{match['tail']}"


def _mask_assignment(match: re.Match[str]) -> str:
    head = f"{match['key']}{match['sep']}"
    if match["quote"] is not None:
        if _is_reference(match["dq"]):
            return match.group(0)
        return f"{head}{match['quote']}{MASK}{match['quote']}"
    if match["squote"] is not None:
        if _is_reference(match["sq"]):
            return match.group(0)
        return f"{head}{match['squote']}{MASK}{match['squote']}"
    if _is_reference(match["bare"]):
        return match.group(0)
    return f"{head}{MASK}"
