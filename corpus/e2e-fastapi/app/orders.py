ORDERS = {
    1: {"id": 1, "item": "keyboard", "quantity": 2},
    2: {"id": 2, "item": "monitor", "quantity": 1},
}


def find_order(order_id: int) -> dict:
    return ORDERS.get(order_id, {"id": order_id, "item": None, "quantity": 0})
