# syntax=docker/dockerfile:1
FROM ubuntu:22.04 AS build

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && \
    apt-get install -y python3 python3-venv python3-pip curl

ENV POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.8.3
ENV PATH="/root/.local/bin:$PATH"

WORKDIR /opt/app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --without dev --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

FROM ubuntu:22.04 AS runtime
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3
WORKDIR /opt/app
ENV PATH="/opt/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /opt/app && chown 10001:10001 /opt/app
COPY --from=build --chown=10001:10001 /opt/app /opt/app
USER 10001:10001
ENTRYPOINT ["python", "-m", "app.main"]
