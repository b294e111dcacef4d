# syntax=docker/dockerfile:1
FROM python:3.7-buster AS build

ENV POETRY_VERSION=1.1.15 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /code
COPY poetry.lock pyproject.toml /code/
ENV PATH="/code/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-dev --no-interaction --no-ansi --no-root
COPY . /code

FROM python:3.7-buster AS runtime
ENV PATH="/code/.venv/bin:$PATH"
WORKDIR /code
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /code && chown 10001:10001 /code
COPY --from=build --chown=10001:10001 /code /code
USER 10001:10001
CMD python manage.py runserver 0.0.0.0:8000
