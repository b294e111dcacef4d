# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
# The service's own account: created here, but the image never switched to it.
RUN groupadd --gid 1500 web && useradd --uid 1500 --gid web --create-home web
WORKDIR /srv/web
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --only main --compile --no-root
COPY . .

FROM python:3.11-slim AS runtime
WORKDIR /srv/web
ENV PATH="/srv/web/.venv/bin:$PATH"
RUN mkdir -p /srv/web && chown 1500:1500 /srv/web
COPY --from=build --chown=1500:1500 /srv/web /srv/web
RUN groupadd --gid 1500 web && useradd --uid 1500 --gid web --create-home web
USER 1500:1500
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]
