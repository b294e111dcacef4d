# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
COPY --from=tianon/gosu:1.17 /gosu /usr/local/bin/gosu
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN curl -sSL https://install.python-poetry.org | POETRY_HOME=/opt/poetry python3 -
ENV PATH="/opt/poetry/bin:$PATH"

WORKDIR /app
ADD pyproject.toml poetry.lock ./
RUN python -m venv /app/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main --compile
ADD . .

FROM python:3.11-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
COPY --from=tianon/gosu:1.17 /gosu /usr/local/bin/gosu
USER 10001:10001
STOPSIGNAL SIGINT
CMD ["python", "-m", "app.main"]
