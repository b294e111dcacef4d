# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /srv
COPY poetry.lock pyproject.toml ./
ENV PATH="/srv/.venv/bin:$PATH"
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root --compile
COPY . .

FROM python:3.11-slim AS runtime
ENV PATH="/srv/.venv/bin:$PATH"
WORKDIR /srv
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv && chown 10001:10001 /srv
COPY --from=build --chown=10001:10001 /srv /srv
USER 10001:10001
EXPOSE 80
CMD ["uvicorn", "main:app", "--host", "0.0.0.0"]
