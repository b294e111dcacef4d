# syntax=docker/dockerfile:1
FROM python:3.11 AS build
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install --user "poetry==$POETRY_VERSION"
ENV PATH=/root/.local/bin:$PATH
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN python -m venv /app/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --compile --only-root

FROM python:3.11 AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
CMD ["report"]
