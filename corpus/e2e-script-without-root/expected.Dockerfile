# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /srv
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root --no-interaction --compile
COPY shelf/ ./shelf/
COPY README.md ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

FROM python:3.12-slim AS runtime
WORKDIR /srv
ENV PATH="/srv/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
CMD ["shelf-check"]
