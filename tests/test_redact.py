"""redact() masks credential values in everything printed, and nothing else."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migrator.redact import MASK, redact

UNCHANGED = [
    pytest.param("FROM python:3.12-slim\nRUN pip install poetry\n", id="plain-dockerfile"),
    pytest.param("ENV PIP_INDEX_URL=https://pypi.corp.example/simple\n", id="url-without-credentials"),
    pytest.param("ENV POETRY_HTTP_BASIC_CORP_USERNAME=me\n", id="username-is-not-secret"),
    pytest.param("ENV POETRY_HTTP_BASIC_CORP_PASSWORD=$CORP_PASSWORD\n", id="reference"),
    pytest.param("ARG TOKEN=${GITHUB_TOKEN}\n", id="braced-reference"),
    pytest.param('RUN export GH_TOKEN="$(cat /run/secrets/gh_token)" && make\n', id="secret-mount-read"),
    pytest.param("ARG GITHUB_TOKEN\n", id="arg-without-default"),
    pytest.param("RUN --mount=type=secret,id=gh_token,required=true make\n", id="secret-mount-spec"),
    pytest.param(
        "GH_TOKEN is now a build secret: build with `docker build --secret id=gh_token,env=GH_TOKEN ...`",
        id="migration-warning",
    ),
    pytest.param("the PASSWORD is kept out of the image", id="prose-with-key-word"),
    pytest.param("git clone git@github.com:org/repo.git", id="ssh-user"),
    pytest.param(f"ENV DB_PASSWORD={MASK}\n", id="already-masked"),
]

MASKED = [
    pytest.param("ENV DB_PASSWORD=hunter2\n", f"ENV DB_PASSWORD={MASK}\n", id="env-password"),
    pytest.param("ARG NPM_TOKEN=abc123\n", f"ARG NPM_TOKEN={MASK}\n", id="arg-token"),
    pytest.param('ENV API_KEY="two words"\n', f'ENV API_KEY="{MASK}"\n', id="double-quoted-with-blank"),
    pytest.param("ENV API_KEY='two words'\n", f"ENV API_KEY='{MASK}'\n", id="single-quoted-with-blank"),
    pytest.param("ENV SECRET_KEY=a,b,c\n", f"ENV SECRET_KEY={MASK}\n", id="commas"),
    pytest.param("ENV DB_PASSWORD hunter2 and more\n", f"ENV DB_PASSWORD {MASK}\n", id="legacy-env-form"),
    pytest.param(
        "ENV DB_PASSWORD hunter2 \\\n    OTHER=1\n",
        f"ENV DB_PASSWORD {MASK} \\\n    OTHER=1\n",
        id="legacy-env-continued",
    ),
    pytest.param(
        "ENV PIP_INDEX_URL=https://me:hunter2@pypi.corp.example/simple\n",
        f"ENV PIP_INDEX_URL=https://me:{MASK}@pypi.corp.example/simple\n",
        id="url-user-password",
    ),
    pytest.param(
        "RUN git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/org/repo\n",
        f"RUN git clone https://{MASK}@github.com/org/repo\n",
        id="url-token",
    ),
    pytest.param(
        "-ENV POETRY_HTTP_BASIC_CORP_PASSWORD=s3cr3t \\\n+ENV POETRY_HTTP_BASIC_CORP_USERNAME=me\n",
        f"-ENV POETRY_HTTP_BASIC_CORP_PASSWORD={MASK} \\\n+ENV POETRY_HTTP_BASIC_CORP_USERNAME=me\n",
        id="diff-lines",
    ),
    pytest.param(
        "ENV A=1 \\\n    POETRY_PYPI_TOKEN_PYPI=pypi-AgEIcHlwaS5vcmc \\\n    B=2\n",
        f"ENV A=1 \\\n    POETRY_PYPI_TOKEN_PYPI={MASK} \\\n    B=2\n",
        id="multi-key-env",
    ),
    pytest.param(
        "docker build --build-arg GITHUB_TOKEN=abc .", f"docker build --build-arg GITHUB_TOKEN={MASK} .", id="build-arg"
    ),
    pytest.param("aws_secret_access_key = wJalrXUtnFEMI", f"aws_secret_access_key = {MASK}", id="ini-style-lower-case"),
]


@pytest.mark.parametrize("text", UNCHANGED)
def test_unchanged(text):
    assert redact(text) == text


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masked(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # masking twice changes nothing


SECRETS = [
    "ENV DB_PASSWORD=hunter2",
    'ENV API_KEY="two words"',
    "ENV PIP_INDEX_URL=https://me:hunter2@pypi.corp.example/simple",
    "ENV POETRY_HTTP_BASIC_CORP_PASSWORD=hunter2",
]


@pytest.mark.parametrize("line", SECRETS)
def test_json_reports_are_masked(line):
    """A JSON report escapes quotes; the value must still be masked inside it."""
    report = json.dumps({"diff": f"-{line}\n+RUN x\n", "message": line})
    masked = redact(report)
    assert "hunter2" not in masked and "two words" not in masked
    assert json.loads(masked)["diff"].startswith("-ENV ")


secret_values = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="\"'\\$;"), min_size=6, max_size=30
)


@given(
    key=st.sampled_from(
        ["DB_PASSWORD", "GITHUB_TOKEN", "POETRY_HTTP_BASIC_CORP_PASSWORD", "AWS_SECRET_ACCESS_KEY", "API_KEY"]
    ),
    value=secret_values,
    keyword=st.sampled_from(["ENV", "ARG", "RUN export", "--build-arg"]),
)
def test_no_value_survives(key, value, keyword):
    text = f"{keyword} {key}={value}\n"
    assert redact(text) == f"{keyword} {key}={MASK}\n"


@given(
    user=st.from_regex(r"[a-z]{2,8}", fullmatch=True),
    password=secret_values.filter(lambda v: "@" not in v and "/" not in v),
)
def test_no_url_password_survives(user, password):
    text = f"RUN pip install --index-url https://{user}:{password}@pypi.corp.example/simple app\n"
    assert password not in redact(text)


# Pieces that make a pattern match, in other cases and with the non-ASCII letters that
# IGNORECASE folds onto ASCII ones (long s, Kelvin sign, dotted capital I).
fragments = st.lists(
    st.sampled_from(
        [
            "ENV ",
            "env ",
            "ARG ",
            "=",
            " ",
            "\n",
            "\\",
            '"',
            "'",
            "$",
            "@",
            "://",
            "https",
            "me:pw",
            "PASSWORD",
            "pAsSwD",
            "PAſSWORD",
            "Token",
            "SECRET",
            "api_key",
            "APIKEY",
            "access_KEY",
            "PRİVATE_KEY",
            "KEY",
            "credentials",
            "hunter2",
            "abcdefghijklmnopqrstuvwxyz",
            "_",
            "ü",
        ]
    ),
    max_size=12,
).map("".join)


@given(text=fragments)
def test_the_quick_no_secrets_answer_agrees_with_the_patterns(text):
    """redact skips the patterns for text without "://@" or a key word: they would change nothing there."""
    from migrator import redact as module

    full = text
    url_credentials, url_token, legacy_env, assignment = module._patterns()
    full = url_credentials.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", full)
    full = url_token.sub(lambda m: f"{m['scheme']}{MASK}@", full)
    full = legacy_env.sub(module._mask_legacy_env, full)
    full = assignment.sub(module._mask_assignment, full)
    assert redact(text) == full
    if not module._may_hold_secrets(text):
        assert full == text


# --- everything the command line prints ------------------------------------------

LEAKY = (
    "FROM python:3.11-slim\n"
    "ENV POETRY_HTTP_BASIC_CORP_PASSWORD=hunter2-xyz \\\n"
    "    PIP_EXTRA_INDEX_URL=https://me:hunter2-xyz@corp.example/simple\n"
    "ARG GITHUB_TOKEN=ghp_hunter2-xyz\n"
    "RUN pip install poetry\n"
    "WORKDIR /app\n"
    "COPY . .\n"
    "RUN poetry install --no-dev\n"
    'CMD ["python", "-m", "app"]\n'
)


@pytest.mark.parametrize(
    "options",
    [["--diff"], ["--diff", "-v"], ["--check", "-v"], ["--format", "json"], ["--diff", "--format", "json", "-v"]],
    ids=lambda o: " ".join(o),
)
def test_cli_output_never_shows_the_value(tmp_path, options):
    import subprocess
    import sys

    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(LEAKY)
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "migrator", *options, "--report", str(report), str(dockerfile)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    printed = done.stdout + done.stderr + report.read_text()
    assert "hunter2" not in printed
    assert "POETRY_HTTP_BASIC_CORP_PASSWORD" in printed  # names stay readable
