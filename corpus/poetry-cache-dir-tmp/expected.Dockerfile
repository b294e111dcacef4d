# syntax=docker/dockerfile:1
FROM python:3.11-buster AS build

ENV POETRY_VERSION=1.4.2
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

ENV POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=1 \
    POETRY_VIRTUALENVS_CREATE=1 \
    POETRY_CACHE_DIR=/tmp/poetry_cache

WORKDIR /app

COPY pyproject.toml poetry.lock ./
RUN touch README.md

RUN --mount=type=cache,target=/tmp/poetry_cache poetry install --without dev --no-root --compile

COPY annapurna ./annapurna

RUN --mount=type=cache,target=/tmp/poetry_cache poetry install --without dev --compile

FROM python:3.11-buster AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
ENTRYPOINT ["python", "-m", "annapurna.main"]
