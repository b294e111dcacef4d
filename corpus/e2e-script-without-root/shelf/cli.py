from tabulate import tabulate

from shelf import __version__
from shelf.stock import SHELVES, running_low


def main() -> None:
    print(f"shelf-check {__version__}")
    print(tabulate(SHELVES, headers=["shelf", "filled"]))
    print("running low:", ", ".join(running_low()))
