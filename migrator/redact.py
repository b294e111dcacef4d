"""Mask secret values in anything the tool prints: diffs, reports, log lines.

A Dockerfile that bakes a credential into ARG or ENV already leaks it through the
image history; the tool must not spread it further into CI logs or pull requests.
Only values are masked, never names, so a reader still sees what was moved where;
references such as ``$TOKEN`` or ``"$(cat /run/secrets/token)"`` are not secrets and stay.
"""

from __future__ import annotations

import functools
import re

MASK = "****"

_SECRET_KEY = (
    r"[A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Za-z0-9_]*"
)
# Every pattern needs "://" and "@", or one of these words in any case. Most lines have
# neither, and then the patterns are not even compiled (about 1.3 ms of a one-file run).
_KEY_WORDS = ("password", "passwd", "secret", "token", "api_key", "apikey", "access_key", "private_key", "credential")


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    return (
        # user:password@ in any URL
        re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^\s:/@'\"]+):(?P<secret>[^\s@/'\"]+)@"),
        # https://TOKEN@host (a bare token as the user part)
        re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<secret>[A-Za-z0-9_\-.]{16,})@"),
        # The legacy `ENV KEY value with blanks` form: the value is the rest of the line.
        re.compile(
            rf"(?P<head>\bENV[ \t]+{_SECRET_KEY}[ \t]+)(?P<secret>[^\s=\\][^\n]*?)(?P<tail>[ \t]*(?:\\[ \t]*)?$)",
            re.IGNORECASE | re.MULTILINE,
        ),
        # KEY=value (also KEY="two words", and \"...\" as it appears inside a JSON string)
        re.compile(
            rf"(?P<key>\b{_SECRET_KEY})(?P<sep>[ \t]*=[ \t]*)"
            r"(?:(?P<quote>\\?\")(?P<dq>(?:[^\"\\\n]|\\(?!\")[^\n])*)(?P=quote)"
            r"|(?P<squote>\\?')(?P<sq>[^'\n]*)(?P=squote)"
            r"|(?P<bare>(?:[^\s'\"\\;]|\\(?![\"'\s]))+))",
            re.IGNORECASE,
        ),
    )


def redact(text: str) -> str:
    if not _may_hold_secrets(text):
        return text
    url_credentials, url_token, legacy_env, assignment = _patterns()
    text = url_credentials.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = url_token.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = legacy_env.sub(_mask_legacy_env, text)
    text = assignment.sub(_mask_assignment, text)
    return text


def _may_hold_secrets(text: str) -> bool:
    if "@" in text and "://" in text:
        return True
    if not text.isascii():
        return True  # IGNORECASE also folds some other letters onto ASCII ones (the long s, the Kelvin sign)
    lowered = text.lower()
    return any(word in lowered for word in _KEY_WORDS)


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
