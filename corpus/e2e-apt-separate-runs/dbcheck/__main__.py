import psycopg2
import psycopg2.extensions

from dbcheck.dsn import describe

print("psycopg2", psycopg2.__version__.split()[0])
print("libpq", psycopg2.extensions.libpq_version() // 10000)
print(describe("host=db dbname=orders user=app"))
