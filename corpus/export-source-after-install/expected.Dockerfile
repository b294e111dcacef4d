# syntax=docker/dockerfile:1
FROM python:3.11
WORKDIR /code
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /code && chown 10001:10001 /code
COPY poetry.lock pyproject.toml /tmp/
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION" poetry-plugin-export
RUN cd /tmp && poetry export -f requirements.txt --output /tmp/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip pip install -r /tmp/requirements.txt
ADD --chown=10001:10001 . /code
USER 10001:10001
