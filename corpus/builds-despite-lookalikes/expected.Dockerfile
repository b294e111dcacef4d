# syntax=docker/dockerfile:1
FROM python:3.11-slim
# bash from here on: `source` and `[[` are fine
SHELL ["/bin/bash", "-c"]
# (hadolint forgets the SHELL after an ENV and warns on [[ and source below: a false alarm)
ENV PYTHONUNBUFFERED=1
ENV POETRY_VERSION=1.8.3 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_IN_PROJECT=true
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --chown=10001:10001 pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry [[ -f pyproject.toml ]] && poetry install --no-root --only main --compile
RUN python -m venv /tmp/check && source /tmp/check/bin/activate && python -V
COPY --chown=10001:10001 . .
RUN [ -f app/main.py ] && echo "source is there"
USER 10001:10001
# the one string is the argument of bash -c, not a program
ENTRYPOINT ["/bin/bash", "-c"]
CMD ["poetry run python app/main.py"]
