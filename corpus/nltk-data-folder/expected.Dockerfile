# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV NLTK_DATA=/usr/local/share/nltk_data
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN python -m venv /app/.venv
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry config virtualenvs.in-project true && poetry install --only main --no-root --compile
COPY . .
RUN poetry run python -m nltk.downloader -d /usr/local/share/nltk_data punkt stopwords

FROM python:3.11-slim AS runtime
ENV NLTK_DATA=/usr/local/share/nltk_data
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
COPY --from=build --chown=10001:10001 /app /app
COPY --from=build /usr/local/share/nltk_data /usr/local/share/nltk_data
USER 10001:10001
CMD ["python", "-m", "summarize"]
