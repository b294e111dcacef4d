import attrs


@attrs.frozen
class Job:
    name: str
    ok: bool


JOBS = [Job("rotate-logs", True), Job("vacuum", True), Job("reindex", False)]
