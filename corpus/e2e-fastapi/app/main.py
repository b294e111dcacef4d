from fastapi import FastAPI

from app.orders import find_order

app = FastAPI(title="orders-api")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/orders/{order_id}")
def order(order_id: int) -> dict:
    return find_order(order_id)
