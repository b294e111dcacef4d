import attrs


@attrs.frozen
class Entry:
    account: str
    amount: float


ENTRIES = [Entry("sales", 1250.0), Entry("rent", -800.0), Entry("supplies", -120.5)]


def balance() -> float:
    return sum(e.amount for e in ENTRIES)
