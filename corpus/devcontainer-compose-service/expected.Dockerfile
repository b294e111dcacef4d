# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /lab
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --compile
COPY . .

FROM python:3.11-slim AS runtime
WORKDIR /lab
ENV PATH="/lab/.venv/bin:$PATH"
COPY --from=build /lab /lab
CMD ["python", "-m", "app.main"]
