# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build

RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update \
    && apt-get install -y --no-install-recommends curl

ENV POETRY_NO_INTERACTION=1
# The rest of this RUN uses where the official installer puts Poetry.
RUN curl -sSL https://install.python-poetry.org | python3 - --version 1.8.3 \
    && /root/.local/bin/poetry config virtualenvs.in-project true \
    && ln -s /root/.local/bin/poetry /usr/local/bin/poetry

WORKDIR /code
COPY pyproject.toml poetry.lock /code/
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --compile --no-root
COPY . /code
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

FROM python:3.11-slim AS runtime
WORKDIR /code
ENV PATH="/code/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /code && chown 10001:10001 /code
COPY --from=build --chown=10001:10001 /code /code
USER 10001:10001
CMD ["/code/.venv/bin/gunicorn", "--bind", "0.0.0.0:5000", "app.main:app"]
