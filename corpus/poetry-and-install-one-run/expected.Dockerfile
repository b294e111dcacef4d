# syntax=docker/dockerfile:1
FROM python:3.10 AS build
WORKDIR /app
COPY pyproject.toml poetry.lock ./
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
ENV PATH="/app/.venv/bin:$PATH"
# Poetry and the dependencies in one step
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=cache,target=/root/.cache/pypoetry \
    pip3 install "poetry==$POETRY_VERSION" && python -m venv /app/.venv && poetry install --only main --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --compile --only-root

FROM python:3.10 AS runtime
ENV PATH="/app/.venv/bin:$PATH"
WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8000
CMD python notify/app.py
