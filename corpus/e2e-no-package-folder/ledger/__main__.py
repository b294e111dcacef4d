from ledger.entries import ENTRIES, balance

for entry in ENTRIES:
    print(f"{entry.account:<10} {entry.amount:>8.2f}")
print(f"balance {balance():.2f}")
