"""Mask secret values in anything the tool prints: diffs, reports, log lines.

A Dockerfile that bakes a credential into ARG or ENV already leaks it through the
image history; the tool must not spread it further into CI logs or pull requests.
"""

from __future__ import annotations

import re

MASK = "****"

# user:password@ in any URL
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s:/@'\"]+):(?P<secret>[^\s@/'\"]+)@")
# https://TOKEN@host (a bare token as the user part)
_URL_TOKEN = re.compile(r"(?P<scheme>https?://)(?P<secret>[A-Za-z0-9_\-]{20,})@")
# KEY=value where the key names a secret
_SECRET_KEY = r"[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_]*"
_ASSIGNMENT = re.compile(
    rf"(?P<key>\b{_SECRET_KEY})(?P<sep>\s*=\s*|\s+)(?P<quote>['\"]?)(?P<secret>[^\s'\"\\]+)(?P=quote)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _URL_TOKEN.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _ASSIGNMENT.sub(_mask_assignment, text)
    return text


def _mask_assignment(match: re.Match[str]) -> str:
    value = match["secret"]
    if value.startswith("$") or value == MASK:
        return match.group(0)  # a reference such as $TOKEN is not a secret
    return f"{match['key']}{match['sep']}{match['quote']}{MASK}{match['quote']}"
