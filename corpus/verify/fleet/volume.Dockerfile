# The migration leaves `RUN mkdir /data` in the build stage: the runtime user cannot write the volume.
FROM python:3.11-slim
ENV NOTES_PORT=8080 NOTES_DIR=/data
RUN pip install poetry
RUN mkdir /data
WORKDIR /srv/notes
COPY . .
RUN poetry config virtualenvs.in-project true && poetry install --no-root --only main
VOLUME /data
EXPOSE 8080
CMD ["/srv/notes/.venv/bin/python", "-m", "notes"]
