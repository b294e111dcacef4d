"""Writes where a real app writes when it runs: next to its code and in its VOLUME.

The original image runs as root and can write anywhere; the migrated one runs as
uid 10001 and must still be able to do each of these.
"""

import logging
import os
import shelve
import sqlite3

os.makedirs("data/uploads", exist_ok=True)  # a Flask app creating its data folder at start
print("data folder: ok")

logging.basicConfig(filename="logs/ledger.log", level=logging.INFO)  # logs/ comes from the repository
logging.info("started")
with open("ledger-access.log", "a", encoding="utf-8") as log:  # a log file in the top folder
    log.write("started\n")
print("log files: ok")

# SQLite writes ledger.db and, during the transaction, ledger.db-journal next to it.
connection = sqlite3.connect("ledger.db")
with connection:
    connection.execute("CREATE TABLE IF NOT EXISTS entry (amount INTEGER)")
    connection.execute("INSERT INTO entry VALUES (42)")
total = connection.execute("SELECT SUM(amount) FROM entry").fetchone()[0]
connection.close()
print(f"sqlite: total {total}")

with shelve.open("celerybeat-schedule") as schedule:  # what celery beat keeps in its working folder
    schedule["last_run"] = "nightly"
print("beat schedule: ok")

with open("/var/lib/ledger/state", "w", encoding="utf-8") as state:  # the image's VOLUME
    state.write("ok\n")
print("volume: ok")
