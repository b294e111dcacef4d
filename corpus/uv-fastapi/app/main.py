from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def greet() -> dict[str, str]:
    return {"greeting": "hello"}


def run() -> None:
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=8151)
