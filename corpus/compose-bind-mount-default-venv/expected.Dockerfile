# syntax=docker/dockerfile:1
FROM python:3.11
WORKDIR /app
COPY pyproject.toml poetry.lock ./
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=cache,target=/root/.cache/pypoetry/artifacts \
    --mount=type=cache,target=/root/.cache/pypoetry/cache \
    pip install "poetry==$POETRY_VERSION" && poetry install --no-root --compile
COPY . .
CMD ["poetry", "run", "uvicorn", "app.main:app", "--host", "0.0.0.0"]
