STOCK = [
    ("bolts", 1200, "A-3"),
    ("nuts", 950, "A-4"),
    ("washers", 40, "B-1"),
]


def low_stock(threshold: int = 100) -> list[str]:
    return [name for name, count, _ in STOCK if count < threshold]
