# syntax=docker/dockerfile:1
FROM python:3.12-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1

ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
# Poetry from the official installer script would need the internet; pip is enough
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"

WORKDIR /srv/report
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-interaction --no-ansi --compile
COPY report.py ./

FROM python:3.12-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1
WORKDIR /srv/report
ENV PATH="/srv/report/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /srv/report && chown 10001:10001 /srv/report
COPY --from=build --chown=10001:10001 /srv/report /srv/report
USER 10001:10001
CMD ["python", "report.py"]
