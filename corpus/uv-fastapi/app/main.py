import os

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def greet() -> dict[str, object]:
    return {"greeting": "hello", "uid": os.getuid()}


def run() -> None:
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
