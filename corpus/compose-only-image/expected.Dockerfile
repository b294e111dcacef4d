# syntax=docker/dockerfile:1
FROM python:3.11-slim
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /code
COPY pyproject.toml poetry.lock /code/
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main --compile
# The source is bind-mounted and the command set by docker-compose.yml.
