# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
WORKDIR /worker
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --compile --only-root

FROM python:3.12-slim AS runtime
WORKDIR /worker
ENV PATH="/worker/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /worker && chown 10001:10001 /worker
COPY --from=build --chown=10001:10001 /worker /worker
USER 10001:10001
CMD ["python", "-m", "worker.main"]
