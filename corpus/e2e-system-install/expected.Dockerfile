# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /srv
COPY pyproject.toml poetry.lock ./
ENV PATH="/srv/.venv/bin:$PATH"
RUN python -m venv /srv/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev --no-interaction --no-ansi --compile --no-root
COPY . .

FROM python:3.11-slim AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
ENV PATH="/srv/.venv/bin:$PATH"
WORKDIR /srv
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
EXPOSE 8103
CMD ["python", "server.py"]
