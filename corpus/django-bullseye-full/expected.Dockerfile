# syntax=docker/dockerfile:1
FROM python:3.9-bullseye AS build
ENV PYTHONUNBUFFERED 1
ENV DJANGO_SETTINGS_MODULE=site_config.settings
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache \
    && apt-get update && apt-get install -y --no-install-recommends libpq-dev gcc
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install --upgrade pip && pip install "poetry==$POETRY_VERSION"
WORKDIR /code
COPY pyproject.toml poetry.lock /code/
ENV PATH="/code/.venv/bin:$PATH"
RUN python -m venv /code/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --no-ansi --compile
COPY . /code/

FROM python:3.9-bullseye AS runtime
ENV PYTHONUNBUFFERED 1
ENV DJANGO_SETTINGS_MODULE=site_config.settings
ENV PATH="/code/.venv/bin:$PATH"
RUN --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libpq5
WORKDIR /code
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /code && chown 10001:10001 /code
COPY --from=build --chown=10001:10001 /code /code
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "site_config.wsgi:application", "--bind", "0.0.0.0:8000"]
