from psycopg2.extensions import parse_dsn


def describe(dsn: str) -> str:
    parts = parse_dsn(dsn)
    return " ".join(f"{key}={parts[key]}" for key in sorted(parts))
