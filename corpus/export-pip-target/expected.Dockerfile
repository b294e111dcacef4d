# syntax=docker/dockerfile:1
FROM python:3.11-slim AS builder
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION" poetry-plugin-export
COPY pyproject.toml poetry.lock ./
RUN poetry export -f requirements.txt --output /requirements.txt --without-hashes
COPY . /app
# The packages go into the app folder itself: the final stage copies only that folder.
RUN --mount=type=cache,target=/root/.cache/pip pip install --target=/app -r /requirements.txt

FROM python:3.11-slim
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=builder --chown=10001:10001 /app /app
USER 10001:10001
ENV PYTHONPATH=/app
WORKDIR /app
EXPOSE 8121
CMD ["python", "-m", "flask", "--app", "web", "run", "--host", "0.0.0.0", "--port", "8121"]
