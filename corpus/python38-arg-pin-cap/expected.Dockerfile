# syntax=docker/dockerfile:1
ARG PYTHON_VERSION=3.8
FROM python:${PYTHON_VERSION}-slim AS build

ENV POETRY_VERSION=1.8.5 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install --upgrade pip && pip install "poetry==$POETRY_VERSION"

WORKDIR /srv
COPY pyproject.toml poetry.lock ./
ENV PATH="/srv/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PATH="/srv/.venv/bin:$PATH"
WORKDIR /srv
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app.wsgi:application"]
