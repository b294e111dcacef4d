import csv

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def figures():
    # Only reads next to its code; an app writing here would need a folder of its own.
    with open("./data/harvest.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))
