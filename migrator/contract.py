"""The runtime contract: what the final image promises to whoever runs it.

Splitting stages, adding a user and caching must not change which program starts,
with which arguments, environment, ports and health check. The pipeline compares the
contract of the final stage before and after and reverts a transform that breaks it.
"""

from __future__ import annotations

import json

from migrator.analysis import env_pairs, final_workdir, is_build_only_env
from migrator.model import Dockerfile, Instruction
from migrator.record import dataclass

ROOT_USERS = frozenset({"root", "0", "0:0", "root:root"})


@dataclass(frozen=True)
class RuntimeContract:
    cmd: tuple[str, ...] | str | None
    entrypoint: tuple[str, ...] | str | None
    expose: frozenset[str]
    workdir: str | None
    env: tuple[tuple[str, str], ...]
    labels: frozenset[str]
    healthcheck: str | None
    volumes: frozenset[str]
    stopsignal: str | None
    user: str | None  # a non-root user the original already ran as; root counts as None
    shell: tuple[str, ...] | None

    def differences(self, other: RuntimeContract) -> list[str]:
        names = []
        for name in self.__dataclass_fields__:
            if getattr(self, name) != getattr(other, name):
                names.append(name)
        return names


def _command(instruction: Instruction | None) -> tuple[str, ...] | str | None:
    if instruction is None:
        return None
    if instruction.json_args is not None:
        return tuple(strip_poetry_run(instruction.json_args))
    text = " ".join(instruction.arguments.split())
    if text.startswith("poetry run "):
        text = text[len("poetry run ") :]
    return text


def strip_poetry_run(argv: list[str]) -> list[str]:
    """`poetry run X ...` starts X with the project's venv; with the venv on PATH it is `X ...`."""
    if len(argv) >= 3 and argv[0].rsplit("/", 1)[-1] == "poetry" and argv[1] == "run":
        return argv[2:]
    return list(argv)


def runtime_contract(doc: Dockerfile) -> RuntimeContract | None:
    if not doc.stages:
        return None
    stage = doc.stages[-1]
    env: dict[str, str] = {}
    for instruction in stage.find("ENV"):
        for key, value in env_pairs(instruction):
            if not is_build_only_env(key) and key != "PATH":
                env[key] = value
    labels = frozenset(" ".join(i.arguments.split()) for i in stage.find("LABEL"))
    expose = frozenset(w for i in stage.find("EXPOSE") for w in i.words)
    volumes = set()
    for instruction in stage.find("VOLUME"):
        volumes.update(instruction.json_args or instruction.words)
    health = stage.last("HEALTHCHECK")
    stop = stage.last("STOPSIGNAL")
    user = stage.last("USER")
    user_name = user.words[0] if user is not None and user.words else None
    if user_name in ROOT_USERS:
        user_name = None
    shell = stage.last("SHELL")
    return RuntimeContract(
        cmd=_command(stage.last("CMD")),
        entrypoint=_command(stage.last("ENTRYPOINT")),
        expose=expose,
        workdir=final_workdir(stage),
        env=tuple(sorted(env.items())),
        labels=labels,
        healthcheck=" ".join(health.arguments.split()) if health else None,
        volumes=frozenset(volumes),
        stopsignal=stop.arguments if stop else None,
        user=user_name,
        shell=tuple(shell.json_args) if shell is not None and shell.json_args else None,
    )


def describe(contract: RuntimeContract) -> str:
    return json.dumps({k: repr(getattr(contract, k)) for k in contract.__dataclass_fields__})
