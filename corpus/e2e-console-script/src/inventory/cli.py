from tabulate import tabulate

from inventory import __version__
from inventory.stock import STOCK, low_stock


def main() -> None:
    print(f"inventory {__version__}")
    print(tabulate(STOCK, headers=["item", "count", "shelf"]))
    print("low stock:", ", ".join(low_stock()))
