SHELVES = [
    ("A-3", 0.9),
    ("A-4", 0.15),
    ("B-1", 0.6),
]


def running_low(threshold: float = 0.2) -> list[str]:
    return [shelf for shelf, filled in SHELVES if filled < threshold]
