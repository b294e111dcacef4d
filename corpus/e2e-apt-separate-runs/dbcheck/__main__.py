import MySQLdb
import MySQLdb._mysql

from dbcheck.dsn import describe

print("mysqlclient", ".".join(str(part) for part in MySQLdb.version_info[:3]))
print("libmariadb", MySQLdb._mysql.get_client_info().split(".")[0])
print(describe({"host": "db", "db": "orders", "user": "app"}))
