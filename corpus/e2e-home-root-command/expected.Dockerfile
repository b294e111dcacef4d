# syntax=docker/dockerfile:1
FROM python:3.11-slim
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root --compile
COPY . .
CMD HOME=/root poetry run python -m census
