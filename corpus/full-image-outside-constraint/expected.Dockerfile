# syntax=docker/dockerfile:1
FROM python:3.9 AS build

WORKDIR /app
COPY pyproject.toml poetry.lock ./
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --compile

COPY main.py ./

FROM python:3.9 AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
