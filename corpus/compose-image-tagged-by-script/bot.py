import sqlite3

connection = sqlite3.connect("ledger.sqlite3")
connection.execute("CREATE TABLE IF NOT EXISTS entries (text TEXT)")
connection.commit()
print("ledger ready")
