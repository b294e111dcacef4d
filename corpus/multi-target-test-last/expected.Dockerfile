# syntax=docker/dockerfile:1
FROM python:3.11-slim as base
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_CREATE=false \
    POETRY_HOME=/opt/poetry \
    PATH="$PATH:/opt/poetry/venv/bin"
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/poetry/venv && /opt/poetry/venv/bin/pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock /app/
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --compile
COPY todo_app /app/todo_app

FROM base as development
ENV FLASK_DEBUG=True
ENTRYPOINT ["flask", "--app", "todo_app.app", "run", "--host", "0.0.0.0"]

FROM base as production
ENV FLASK_DEBUG=False
EXPOSE 5000
ENTRYPOINT ["gunicorn", "--bind", "0.0.0.0:5000", "todo_app.app:app"]

FROM base as test
COPY tests /app/tests
ENTRYPOINT ["pytest"]
