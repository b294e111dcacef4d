import requests
import yaml
from tabulate import tabulate

STOCK = yaml.safe_load("""
bolts: 1200
nuts: 950
washers: 40
""")

print(tabulate(sorted(STOCK.items()), headers=["item", "count"]))
print("requests", requests.__version__.split(".")[0])
