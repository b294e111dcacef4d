# syntax=docker/dockerfile:1
FROM python:3.8-slim-buster AS build

ENV POETRY_VERSION=1.1.13
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && apt-get install -y curl
ENV POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /usr/src/app
COPY pyproject.toml poetry.lock ./
ENV PATH="/usr/src/app/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-dev --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-dev

FROM python:3.8-slim-buster AS runtime
ENV PATH="/usr/src/app/.venv/bin:$PATH"
WORKDIR /usr/src/app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /usr/src/app && chown 10001:10001 /usr/src/app
COPY --from=build --chown=10001:10001 /usr/src/app /usr/src/app
USER 10001:10001
CMD ["python", "-m", "app.main"]
