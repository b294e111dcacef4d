# syntax=docker/dockerfile:1
FROM python:3.11-slim AS builder
WORKDIR /app
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_HOME=/opt/poetry \
    PATH="$PATH:/opt/poetry/venv/bin"
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"
ENV POETRY_VIRTUALENVS_CREATE=false
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main --compile

FROM python:3.11-slim
WORKDIR /app
# The SQLite database lives here.
VOLUME /app/instance
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app /app/instance && chown 10001:10001 /app /app/instance
COPY --from=builder /usr/local/lib/python3.11/site-packages /usr/local/lib/python3.11/site-packages
COPY --from=builder /usr/local/bin/ /usr/local/bin/
COPY --chown=10001:10001 . .
USER 10001:10001
EXPOSE 3000
CMD flask db upgrade && gunicorn --bind 0.0.0.0:3000 wsgi:app
