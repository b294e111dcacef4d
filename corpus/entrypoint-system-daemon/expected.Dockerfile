# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --compile
COPY . .
ENV PATH="/app/.venv/bin:$PATH"
COPY deploy/metrics/ /etc/metrics-agent/

FROM python:3.11-slim AS runtime
ENV PATH="/app/.venv/bin:$PATH"
WORKDIR /app
COPY --from=build /app /app
COPY deploy/metrics/ /etc/metrics-agent/
CMD ["/app/deploy/start.sh"]
