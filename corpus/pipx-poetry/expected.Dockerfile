# syntax=docker/dockerfile:1
FROM python:3.12-slim-bookworm AS build

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install pipx && pipx install "poetry==$POETRY_VERSION"
ENV PATH="/root/.local/bin:${PATH}"

WORKDIR /srv
COPY pyproject.toml poetry.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev --compile --no-root
COPY app ./app
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --compile --only-root

FROM python:3.12-slim-bookworm AS runtime
WORKDIR /srv
ENV PATH="/srv/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"]
