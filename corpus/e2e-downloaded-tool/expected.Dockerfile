# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build

# The release tool the report runs: a pinned wheel, run by path as pip's docs show.
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && apt-get install -y --no-install-recommends curl
RUN curl -fsSL -o /usr/local/bin/pip.whl \
        http://127.0.0.1:3141/root/pypi/+f/ba0/d021a166865d2/pip-24.0-py3-none-any.whl \
    && chmod 644 /usr/local/bin/pip.whl

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --no-root --only main --compile
COPY . .

FROM python:3.11-slim AS runtime
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
COPY --from=build /usr/local/bin/pip.whl /usr/local/bin/pip.whl
USER 10001:10001
CMD ["python", "-m", "report"]
