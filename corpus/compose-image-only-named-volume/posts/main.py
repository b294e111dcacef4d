from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
STATIC = Path("static")


@app.on_event("startup")
def publish_static():
    # Written at start into the volume nginx serves: root could, a new user may not.
    STATIC.mkdir(exist_ok=True)
    (STATIC / "robots.txt").write_text("User-agent: *\n")
