from app.orders import find_order


def test_known_order():
    assert find_order(1)["item"] == "keyboard"
