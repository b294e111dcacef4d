# syntax=docker/dockerfile:1
# A shell for developers: they mount their checkout on /repo and run Poetry themselves.
FROM python:3.12
WORKDIR /repo
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install --upgrade pip \
    && pip install "poetry==$POETRY_VERSION"
