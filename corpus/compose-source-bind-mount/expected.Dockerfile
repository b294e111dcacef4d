# syntax=docker/dockerfile:1
FROM python:3.11-slim
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.create false && poetry install --no-root --no-interaction
COPY . .
USER 10001:10001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
