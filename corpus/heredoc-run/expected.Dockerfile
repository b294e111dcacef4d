# syntax=docker/dockerfile:1
FROM python:3.12-slim

RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends gcc
rm -rf /var/lib/apt/lists/*
EOF

ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --chown=10001:10001 . .
RUN --mount=type=cache,target=/root/.cache/pypoetry <<EOF
poetry config virtualenvs.create false
poetry install --only main --no-interaction
EOF

USER 10001:10001
CMD ["python", "-m", "app.main"]
