# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build

RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates

# mysqlclient is built from source; these come from the package lists fetched above.
# python3-dev: the sandbox's stand-in image has no Python headers (the real python image does)
RUN apt-get install -y gcc pkg-config libmariadb-dev python3-dev

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --no-root --without dev --compile
COPY . .

FROM python:3.11-slim AS runtime
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends ca-certificates libmariadb3
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
CMD ["python", "-m", "dbcheck"]
