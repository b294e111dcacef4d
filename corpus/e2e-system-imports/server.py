import bottle
import pkg_resources  # from the base image's setuptools, never declared
import requests  # installed beside Poetry by `pip install poetry`, never declared

from notes import NOTES

app = bottle.Bottle()


@app.get("/notes")
def notes() -> str:
    bottle.response.content_type = "text/plain"
    newest = max(NOTES, key=pkg_resources.parse_version)
    return f"newest: {newest}\nlink: {requests.utils.requote_uri('/notes/' + newest + ' final')}\n"


if __name__ == "__main__":
    bottle.run(app, host="0.0.0.0", port=8117, quiet=True)
