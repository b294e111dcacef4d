# syntax=docker/dockerfile:1
FROM python:3.11-slim-bookworm AS build
ARG RUNTIME_PACKAGES="ffmpeg libmagic1"
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update \
    && apt-get install -y --no-install-recommends gcc $RUNTIME_PACKAGES
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /srv
COPY pyproject.toml poetry.lock ./
RUN python -m venv /srv/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --only main --no-root --compile
COPY . .

FROM python:3.11-slim-bookworm AS runtime
ARG RUNTIME_PACKAGES="ffmpeg libmagic1"
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends $RUNTIME_PACKAGES
WORKDIR /srv
ENV PATH="/srv/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
CMD ["python", "-m", "media.worker"]
