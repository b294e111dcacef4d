# syntax=docker/dockerfile:1
FROM python:3.10-slim-bullseye AS build

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update \
    && apt-get install -y --no-install-recommends curl build-essential

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN curl -sSL https://install.python-poetry.org | python3 -
ENV PATH="/root/.local/bin:$PATH"

WORKDIR /code
COPY pyproject.toml poetry.lock /code/
ENV PATH="/code/.venv/bin:$PATH"
RUN python -m venv /code/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --no-ansi --compile --no-root
COPY . /code
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --no-ansi --compile --only-root

FROM python:3.10-slim-bullseye AS runtime
ENV PATH="/code/.venv/bin:$PATH"
WORKDIR /code
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /code && chown 10001:10001 /code
COPY --from=build --chown=10001:10001 /code /code
USER 10001:10001
EXPOSE 5000
CMD gunicorn --bind 0.0.0.0:5000 app.main:app
