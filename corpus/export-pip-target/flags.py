FLAGS = {"checkout_v2": True, "dark_mode": False}
