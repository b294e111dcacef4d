"""MIG005 non-root-user: the final image runs as a system user with a fixed numeric id.

What it does:
    In the final stage of a file with no USER there, creates a system group and user
    with the same fixed id (settings.user_name / settings.uid, default app / 10001)
    right before the `COPY --from=build` (or the first COPY/ADD), gives that copy
    `--chown=10001:10001`, and adds `USER 10001:10001` after the stage's last
    COPY/ADD/RUN, before EXPOSE/HEALTHCHECK/ENTRYPOINT/CMD. An existing non-root USER
    and a deliberate `USER root` are left alone, with a warning where it matters.
    The build stage is never touched.

Why:
    A process running as root in a container is root on the host's kernel if it
    escapes. The id is numeric because Kubernetes' runAsNonRoot can only verify
    numeric users, and hadolint's DL3002 flags a final root user.

Example:
    FROM python:3.11-slim AS runtime
    WORKDIR /app
    COPY --from=build /app /app
    CMD ["uvicorn", "app.main:app"]

Use instead:
    FROM python:3.11-slim AS runtime
    WORKDIR /app
    RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app
    COPY --from=build --chown=10001:10001 /app /app
    USER 10001:10001
    CMD ["uvicorn", "app.main:app"]
"""

from __future__ import annotations

import re

from migrator.analysis import base_image_family, created_user_id, expanded_base_image
from migrator.contract import ROOT_USERS
from migrator.model import Dockerfile, Edit, Instruction, Stage, insert_before, replace
from migrator.shell import run_commands
from migrator.transform import NOTHING, Outcome, Safety, Settings, Transform

USER_CREATION = frozenset({"useradd", "adduser"})
RUNS_THE_APP = frozenset({"EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"})
NUMERIC_USER_RE = re.compile(r"^\d+(:\d+)?$")


def apply(doc: Dockerfile, project, settings: Settings) -> Outcome:
    if not doc.stages:
        return NOTHING
    stage = doc.stages[-1]
    chain = _stage_chain(doc, stage)
    family = base_image_family(expanded_base_image(doc, chain[-1]))
    # The nearest stage's last USER is the one in effect (USER carries over FROM <stage>).
    users = [user for s in chain if (user := s.last("USER")) is not None]
    if not any(_runs_python(doc, s) for s in chain):
        return Outcome(
            warnings=(
                TRANSFORM.note(
                    stage.from_instruction.start_line,
                    f"no non-root user added: the final stage ({chain[-1].base_image}) is not the Python app; check that its server runs without root",
                ),
            )
        )
    if users:
        return _existing_user(doc, stage, users[0])
    if family == "unknown":
        return Outcome(
            warnings=(
                TRANSFORM.note(
                    stage.from_instruction.start_line,
                    f"no non-root user added: cannot tell how to create one in '{chain[-1].base_image}'",
                ),
            )
        )
    clash = _creates_user(doc, stage, settings)
    if clash is not None:
        return Outcome(
            warnings=(
                TRANSFORM.note(
                    clash.start_line,
                    f"no USER added: this RUN already creates user {settings.user_name} or id {settings.uid}; add `USER {settings.uid}:{settings.uid}` yourself or choose another --user/--uid",
                ),
            )
        )
    return _add_user(doc, stage, family, settings)


PYTHON_HINTS = (
    "python",
    "pypy",
    "poetry",
    "pip",
    ".venv",
    "uvicorn",
    "gunicorn",
    "pytorch",
    "jupyter",
    "celery",
    "django",
)


def _runs_python(doc: Dockerfile, stage: Stage) -> bool:
    """Whether the stage is the Python app, not, say, nginx serving what Python built."""
    if any(hint in expanded_base_image(doc, stage).lower() for hint in PYTHON_HINTS):
        return True
    return any(any(hint in i.logical.lower() for hint in PYTHON_HINTS) for i in stage.instructions)


def _stage_chain(doc: Dockerfile, stage: Stage) -> list[Stage]:
    """The stage and the earlier stages it is built FROM, nearest first."""
    by_name = {s.name.lower(): s for s in doc.stages if s.name}
    chain = [stage]
    while chain[-1].base_image.lower() in by_name and len(chain) <= len(doc.stages):
        parent = by_name[chain[-1].base_image.lower()]
        if parent.number >= chain[-1].number:
            break
        chain.append(parent)
    return chain


def _existing_user(doc: Dockerfile, stage: Stage, user: Instruction) -> Outcome:
    name = user.words[0] if user.words else ""
    if name in ROOT_USERS:
        return Outcome(
            warnings=(
                TRANSFORM.note(
                    user.start_line,
                    f"the image runs as {name}: left as the author chose; scanners and runAsNonRoot will reject it",
                ),
            )
        )
    if NUMERIC_USER_RE.match(name):
        return NOTHING
    uid = created_user_id(doc, name.split(":")[0])
    if uid is not None:
        keyword = user.logical.lstrip().split(None, 1)[0]
        return Outcome(
            edits=(replace(user, user.raw[: user.keyword_end - len(keyword)] + f"{keyword} {uid}\n"),),
            changes=(
                TRANSFORM.note(
                    user.start_line,
                    f"USER {name} -> USER {uid}, the ids this file gives it: Kubernetes' runAsNonRoot can only verify a numeric user",
                ),
            ),
        )
    return Outcome(
        warnings=(
            TRANSFORM.note(
                user.start_line,
                f"USER {name} is a name: Kubernetes' runAsNonRoot can only verify a numeric user; consider a numeric `USER uid:gid`",
            ),
        )
    )


def _creates_user(doc: Dockerfile, stage: Stage, settings: Settings) -> Instruction | None:
    for instruction in stage.find("RUN"):
        for command in run_commands(instruction):
            if command.program in USER_CREATION | {"groupadd", "addgroup"}:
                argv = command.argv
                if settings.user_name in argv or str(settings.uid) in argv or f"--uid={settings.uid}" in argv:
                    return instruction
    return None


def _add_user(doc: Dockerfile, stage: Stage, family: str, settings: Settings) -> Outcome:
    lower = stage.from_instruction.logical.lstrip().split(None, 1)[0].islower()

    def k(keyword: str) -> str:
        return keyword.lower() if lower else keyword

    uid, name = settings.uid, settings.user_name
    ids = f"{uid}:{uid}"
    if family == "alpine":
        create = (
            f"addgroup -S -g {uid} {name} && adduser -S -D -u {uid} -G {name} -h /home/{name} -s /sbin/nologin {name}"
        )
    else:
        create = (
            f"groupadd --system --gid {uid} {name} && "
            f"useradd --system --uid {uid} --gid {uid} --create-home --shell /usr/sbin/nologin {name}"
        )
    stage_names = {s.name.lower() for s in doc.stages if s.name} | {str(s.number) for s in doc.stages}
    from_build = [
        i
        for i in stage.find("COPY")
        if ((source := i.flag("from")) is not None and (source.value or "").lower() in stage_names)
    ]
    copies = [i for i in stage.instructions if i.keyword in ("COPY", "ADD")]
    steps = [i for i in stage.instructions if i.keyword in ("COPY", "ADD", "RUN")]
    runs_app = [i for i in stage.instructions if i.keyword in RUNS_THE_APP]
    if steps:
        user_at = steps[-1].index + 1
        # Keep the blank line that separates the build steps from what runs the app.
        probe = user_at
        while probe < stage.end_node and not (node := doc.nodes[probe]).is_instruction and node.kind == "blank":
            probe += 1
        if probe < stage.end_node:
            user_at = probe
    elif runs_app:
        user_at = doc.leading_comments(runs_app[0].index)
    else:
        user_at = stage.end_node
        while user_at - 1 > stage.start_node and not doc.nodes[user_at - 1].is_instruction:
            user_at -= 1
    anchor = from_build[0] if from_build else (copies[0] if copies else None)
    create_at = doc.leading_comments(anchor.index) if anchor is not None else user_at
    edits: list[Edit] = [insert_before(create_at, f"{k('RUN')} {create}\n")]
    for copy in from_build:
        if copy.flag("chown") is None:
            source = copy.flag("from")
            assert source is not None, "from_build holds copies with --from"
            edits.append(replace(copy, copy.splice(source.end, source.end, f" --chown={ids}")))
    edits.append(insert_before(user_at, f"{k('USER')} {ids}\n"))
    changes = [
        TRANSFORM.note(
            stage.from_instruction.start_line,
            f"the final stage runs as system user {name} ({ids}) instead of root",
        )
    ]
    warnings = []
    for expose in stage.find("EXPOSE"):
        for word in expose.words:
            port = word.split("/")[0]
            if port.isdigit() and int(port) < 1024:
                warnings.append(
                    TRANSFORM.note(
                        expose.start_line,
                        f"port {port} is below 1024: a non-root process cannot bind it unless the runtime allows it (listen on a higher port, or grant CAP_NET_BIND_SERVICE)",
                    )
                )
    return Outcome(tuple(edits), tuple(changes), tuple(warnings))


TRANSFORM = Transform(
    code="MIG005",
    name="non-root-user",
    reason="a container running as root is root on the kernel it shares with the host",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
