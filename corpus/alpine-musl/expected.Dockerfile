# syntax=docker/dockerfile:1
FROM python:3.11-alpine AS build

RUN apk add --no-cache gcc musl-dev libffi-dev postgresql-dev
ENV POETRY_VERSION=1.7.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /app
COPY pyproject.toml poetry.lock ./
ENV PATH="/app/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root --compile
COPY . .

FROM python:3.11-alpine AS runtime
ENV PATH="/app/.venv/bin:$PATH"
RUN apk add --no-cache libffi libpq
WORKDIR /app
RUN addgroup -S -g 10001 app && adduser -S -D -u 10001 -G app -h /home/app -s /sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8000
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
