# syntax=docker/dockerfile:1
FROM tiangolo/uvicorn-gunicorn-fastapi:python3.9

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_HOME=/opt/poetry \
    PATH="$PATH:/opt/poetry/venv/bin"
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION" && \
    poetry config virtualenvs.create false

RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app
COPY ./pyproject.toml ./poetry.lock* /app/

RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main --compile

COPY ./app /app/app
USER 10001:10001
