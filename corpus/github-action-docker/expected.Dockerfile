# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /action
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --only main --no-root --compile
COPY . .

FROM python:3.12-slim AS runtime
WORKDIR /action
ENV PATH="/action/.venv/bin:$PATH"
COPY --from=build /action /action
ENTRYPOINT ["/action/.venv/bin/python", "/action/main.py"]
