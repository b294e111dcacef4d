# syntax=docker/dockerfile:1
FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04 AS build

ENV DEBIAN_FRONTEND=noninteractive
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && apt-get install -y --no-install-recommends \
        python3 python3-pip python3-dev git

ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip3 install "poetry==$POETRY_VERSION"

WORKDIR /workspace
COPY pyproject.toml poetry.lock ./
ENV PATH="/workspace/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main --compile
COPY . .

FROM nvidia/cuda:12.2.0-runtime-ubuntu22.04 AS runtime
ENV DEBIAN_FRONTEND=noninteractive
ENV PATH="/workspace/.venv/bin:$PATH"
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3
WORKDIR /workspace
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /workspace && chown 10001:10001 /workspace
COPY --from=build --chown=10001:10001 /workspace /workspace
USER 10001:10001
CMD ["python3", "-m", "trainer.main"]
