# syntax=docker/dockerfile:1
FROM python:3.11-slim
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry/artifacts \
    --mount=type=cache,target=/root/.cache/pypoetry/cache \
    poetry install --no-root --compile
COPY . .
EXPOSE 8000
