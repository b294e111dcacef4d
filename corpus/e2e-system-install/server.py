import bottle

from checks import summary

app = bottle.Bottle()


@app.get("/status")
def status() -> str:
    bottle.response.content_type = "text/plain"
    return summary()


if __name__ == "__main__":
    bottle.run(app, host="0.0.0.0", port=8103, quiet=True)
