# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
ENV POETRY_VIRTUALENVS_IN_PROJECT=true
ENV POETRY_VERSION=2.2.1 \
    POETRY_NO_INTERACTION=1
RUN --mount=type=cache,target=/root/.cache/pip pip install "poetry==$POETRY_VERSION"
WORKDIR /app
COPY pyproject.toml poetry.lock ./
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --only main --no-root --compile

FROM python:3.11-slim
WORKDIR /app
ENV PATH="/app/.venv/bin:$PATH"
COPY --from=build /app/.venv /app/.venv
# The corpora land in /root/nltk_data: nltk's default download folder for root.
RUN python -c "import nltk; nltk.download('stopwords'); nltk.download('punkt')"
COPY . .
CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
