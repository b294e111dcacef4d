# syntax=docker/dockerfile:1
FROM python:3.11-slim

WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --chown=10001:10001 . .

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_HOME=/opt/poetry \
    PATH="$PATH:/opt/poetry/venv/bin"
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"
RUN poetry config virtualenvs.create false
# `update`, not `install`: it installs too, into the system Python here
RUN poetry update

USER 10001:10001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
