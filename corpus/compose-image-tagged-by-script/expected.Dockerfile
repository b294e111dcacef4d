# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /app
COPY poetry.lock pyproject.toml /app/
ENV PATH="/app/.venv/bin:$PATH"
RUN python -m venv /app/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --no-root --compile
COPY . /app

FROM python:3.11-slim AS runtime
ENV PATH="/app/.venv/bin:$PATH"
WORKDIR /app
COPY --from=build /app /app
CMD ["python", "bot.py"]
