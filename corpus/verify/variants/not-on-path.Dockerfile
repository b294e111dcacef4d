# syntax=docker/dockerfile:1
# Broken on purpose: the command still starts with poetry, which only the build stage has.
FROM python:3.11-slim AS build
ENV NOTES_PORT=8080
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /srv/notes
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --only main
COPY . .

FROM python:3.11-slim AS runtime
ENV NOTES_PORT=8080
ENV PATH="/srv/notes/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app
COPY --from=build --chown=10001:10001 /srv/notes /srv/notes
WORKDIR /srv/notes
USER 10001:10001
EXPOSE 8080
CMD ["poetry", "run", "python", "-m", "notes"]
