# Its own non-root user, which cannot write the WORKDIR before or after migration.
FROM python:3.11-slim
ENV NOTES_PORT=8080 NOTES_DIR=/tmp/notes
RUN pip install poetry
RUN useradd --uid 1000 --create-home notes
WORKDIR /srv/notes
COPY . .
RUN poetry config virtualenvs.in-project true && poetry install --no-root --only main
USER 1000
EXPOSE 8080
CMD ["/srv/notes/.venv/bin/python", "-m", "notes"]
