import bottle
import pkg_resources  # the base image's setuptools: never declared

from version_api import RELEASES

app = bottle.Bottle()


@app.get("/latest")
def latest() -> str:
    bottle.response.content_type = "text/plain"
    stable = [r for r in RELEASES if not pkg_resources.parse_version(r).is_prerelease]
    return f"latest stable: {max(stable, key=pkg_resources.parse_version)}\n"


bottle.run(app, host="0.0.0.0", port=8118, quiet=True)
