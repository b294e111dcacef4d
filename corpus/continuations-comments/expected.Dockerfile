# syntax=docker/dockerfile:1
from python:3.11-slim-bookworm as base

env PYTHONUNBUFFERED=1 \
    # keep pip quiet in CI logs
    PIP_DISABLE_PIP_VERSION_CHECK=on

# keep the image small
run --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && \
    # compilers for the C extensions
    apt-get install -y --no-install-recommends \
        build-essential \
        libpq-dev

env POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
run --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

workdir /app
copy pyproject.toml poetry.lock ./
env PATH="/app/.venv/bin:$PATH"
# production dependencies only
run --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --compile --no-root
copy . .
run --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

from python:3.11-slim-bookworm as runtime
env PYTHONUNBUFFERED=1
env PATH="/app/.venv/bin:$PATH"
run --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libpq5
workdir /app
run groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
copy --from=base --chown=10001:10001 /app /app
user 10001:10001
expose 8000
cmd ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
