from MySQLdb._mysql import escape_string


def describe(params: dict[str, str]) -> str:
    # The C extension answers here too: the module the rebuild edits needs the runtime library.
    return " ".join(f"{key}={escape_string(params[key].encode()).decode()}" for key in sorted(params))
