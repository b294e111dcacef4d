CHECKS = {"database": "up", "queue": "up", "cache": "degraded"}


def summary() -> str:
    return "\n".join(f"{name}: {state}" for name, state in sorted(CHECKS.items())) + "\n"
