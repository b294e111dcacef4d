# syntax=docker/dockerfile:1
FROM python:3.13-slim AS build

ENV POETRY_VERSION=2.1.3 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION" \
 && poetry config virtualenvs.in-project true

WORKDIR /opt/service
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --without dev --no-interaction --compile --no-root
COPY . .
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-interaction --compile --only-root

FROM python:3.13-slim AS runtime
ENV PATH="/opt/service/.venv/bin:$PATH"
WORKDIR /opt/service
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /opt/service && chown 10001:10001 /opt/service
COPY --from=build --chown=10001:10001 /opt/service /opt/service
USER 10001:10001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"]
