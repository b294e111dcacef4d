"""MIG007 secrets-to-mounts: credentials in ARG or ENV become BuildKit secret mounts.

What it does
    Finds credentials declared with ARG or ENV inside a stage: Poetry's
    ``POETRY_HTTP_BASIC_<SOURCE>_USERNAME``/``_PASSWORD`` and ``POETRY_PYPI_TOKEN_<NAME>``,
    any ``*_TOKEN`` or ``*_PASSWORD``, and index URLs (``PIP_INDEX_URL``,
    ``PIP_EXTRA_INDEX_URL``, ``POETRY_REPOSITORIES_<NAME>_URL``, any other value) that
    carry ``user:password@`` or a token before the host. It removes the declaration (only
    that key of a multi-key ENV) and gives every later RUN of the stage that may read it a
    secret mount, ``--mount=type=secret,id=<name in lower case>,required=true``, and hands
    its content, under the old name, to each command of that RUN that may read it:
    ``NAME="$(cat /run/secrets/<id>)" poetry install`` (a RUN that expands ``$NAME`` itself
    gets ``export NAME=... &&`` in front instead). A warning says how to pass the secret:
    ``docker build --secret id=<id>,env=<NAME>``. Poetry's settings are not given to pip.

Why
    ARG and ENV values are recorded in the image: ENV in its config, a build argument in
    the history of every RUN that uses it. Anyone who can pull the image can read the
    credential. A secret mount exists only while the RUN runs and never reaches a layer,
    the history or the runtime stage.

Example
    ``ENV POETRY_HTTP_BASIC_CORP_PASSWORD=s3cr3t``
    ``RUN poetry install``

Use instead
    ``RUN --mount=type=secret,id=poetry_http_basic_corp_password,required=true POETRY_HTTP_BASIC_CORP_PASSWORD="$(cat /run/secrets/poetry_http_basic_corp_password)" poetry install``
    built with ``docker build --secret id=poetry_http_basic_corp_password,env=POETRY_HTTP_BASIC_CORP_PASSWORD .``

The mount reads a file rather than using ``env=`` (Dockerfile syntax 1.10) because the
BuildKit built into Docker 20.10 refuses ``env=``; the file form works on every BuildKit,
and ``required=true`` makes a build without the secret fail at once instead of
installing with an empty password. Safety: callers must now pass ``--secret`` instead of
``--build-arg``; the warning says so.
Left alone, with a warning: a credential ENV the running container may read (not a
``POETRY_``/``PIP_``/``UV_`` setting: removing it would change the image's environment),
one that another instruction than RUN expands, one a heredoc or exec-form RUN may read,
one declared twice, one inherited by a later stage built ``FROM`` this one, ARGs before
the first FROM, and stages whose SHELL is not a POSIX shell. RUNs made only of commands
that cannot read it (apt-get, mkdir, useradd...) get no mount.
"""

from __future__ import annotations

import re

from migrator.analysis import is_build_only_env, pip_program
from migrator.model import Dockerfile, Edit, Instruction, Stage, delete, parse, replace, split_words
from migrator.patterns import lazy_compile
from migrator.project import ProjectContext
from migrator.record import dataclass, field
from migrator.redact import redact
from migrator.shell import SimpleCommand, merge_spans, run_commands
from migrator.transform import Note, Outcome, Safety, Settings, Transform

CODE = "MIG007"

POETRY_CREDENTIAL_RE = lazy_compile(r"^POETRY_(HTTP_BASIC_[A-Z0-9_]+_(USERNAME|PASSWORD)|PYPI_TOKEN_[A-Z0-9_]+)$")
SECRET_NAME_RE = lazy_compile(r"(^|_)(TOKEN|PASSWORD)$")
URL_CREDENTIALS_RE = lazy_compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/@]+@")
REFERENCE_RE = lazy_compile(r"^\$(\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))$")
POSIX_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh"})
# Programs that cannot read a package-index credential or a token from their environment.
HARMLESS_PROGRAMS = frozenset(
    {
        "apt-get",
        "apt",
        "apk",
        "dpkg",
        "yum",
        "dnf",
        "microdnf",
        "mkdir",
        "rm",
        "rmdir",
        "cp",
        "mv",
        "ln",
        "chmod",
        "chown",
        "chgrp",
        "touch",
        "echo",
        "printf",
        "true",
        "false",
        "cd",
        "ls",
        "cat",
        "test",
        "[",
        "useradd",
        "groupadd",
        "adduser",
        "addgroup",
        "usermod",
        "update-ca-certificates",
        "ldconfig",
        "sed",
        "tee",
        "sleep",
        "set",
        "export",
        "unset",
        "umask",
        "source",
        ".",
        ":",
        "pwd",
    }
)
SHELL_SYNTAX = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "case",
        "esac",
        "!",
        "function",
        "select",
        "time",
        "{",
        "}",
    }
)


@dataclass
class Credential:
    name: str
    declaration: Instruction
    word_start: int  # span of its KEY=value word in declaration.logical
    word_end: int
    source_arg: Instruction | None = None  # ARG X behind ENV NAME=$X, removed with it
    source_name: str | None = None
    readers: list[Instruction] = field(default_factory=list)

    @property
    def secret_id(self) -> str:
        return self.name.lower()

    @property
    def kind(self) -> str:
        return "build argument" if self.declaration.keyword == "ARG" else "ENV"


def is_credential(name: str, value: str) -> bool:
    upper = name.upper()
    if POETRY_CREDENTIAL_RE.match(upper) or SECRET_NAME_RE.search(upper):
        return True
    return bool(URL_CREDENTIALS_RE.search(value))


def declared_words(instruction: Instruction) -> list[tuple[str, str, int, int]]:
    """(name, value, start, end) of each KEY=value of an ARG or ENV, spans in ``logical``."""
    words = split_words(instruction.logical, instruction.args_start)
    if not words:
        return []
    if instruction.keyword == "ENV" and "=" not in words[0].text:
        # Legacy `ENV KEY value with blanks`: one key, the whole instruction.
        rest = instruction.logical[words[0].end :].strip()
        value = rest[1:-1] if len(rest) >= 2 and rest[0] == rest[-1] and rest[0] in "'\"" else rest
        return [(words[0].text, value, words[0].start, len(instruction.logical))]
    found = []
    for word in words:
        name, _, value = word.text.partition("=")
        found.append((name, value, word.start, word.end))
    return found


def references(text: str, name: str) -> bool:
    return re.search(rf"\$({re.escape(name)}\b|\{{{re.escape(name)}[}}:])", text) is not None


def may_read_environment(run: Instruction, name: str) -> bool:
    commands = run_commands(run)
    if not commands:
        return True  # exec form: the program is unknown to us
    return any(reads(c, name) for c in commands)


def reads(command: SimpleCommand, name: str) -> bool:
    if command.program in HARMLESS_PROGRAMS:
        return False
    # pip never reads Poetry's settings; everything else unknown may.
    return not (name.upper().startswith("POETRY_") and pip_program(command) is not None)


class SecretsToMounts:
    def __init__(self, doc: Dockerfile):
        self.doc = doc
        self.edits: list[Edit] = []
        self.changes: list[Note] = []
        self.warnings: list[Note] = []

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Note(CODE, line, redact(message)))

    def run(self) -> Outcome:
        for instruction in self.doc.global_args:
            for name, value, _, _ in declared_words(instruction):
                if value and is_credential(name, value):
                    self.warn(
                        instruction.start_line,
                        f"the build argument {name} before the first FROM holds a credential in the Dockerfile itself; "
                        "remove the default and pass it as a build secret",
                    )
        for stage in self.doc.stages:
            self.stage(stage)
        return Outcome(tuple(self.edits), tuple(self.changes), tuple(self.warnings))

    def stage(self, stage: Stage) -> None:
        credentials = self.credentials(stage)
        if not credentials:
            return
        last_shell = stage.last("SHELL")
        if last_shell is not None:
            shell = last_shell.json_args or [""]
            if shell[0].rsplit("/", 1)[-1] not in POSIX_SHELLS:
                self.warn(
                    stage.find("SHELL")[0].start_line,
                    "credentials left in ARG/ENV: the stage's SHELL is not a POSIX shell",
                )
                return
        movable = [c for c in credentials if self.find_readers(stage, c)]
        if not movable:
            return
        self.edit_declarations(movable)
        self.edit_readers(movable)

    def credentials(self, stage: Stage) -> list[Credential]:
        declared: dict[str, list[Instruction]] = {}
        for instruction in stage.instructions:
            if instruction.keyword in ("ARG", "ENV"):
                for name, _, _, _ in declared_words(instruction):
                    declared.setdefault(name, []).append(instruction)
        found = []
        taken_args: set[str] = set()
        for instruction in stage.instructions:
            if instruction.keyword not in ("ARG", "ENV"):
                continue
            for name, value, start, end in declared_words(instruction):
                if not is_credential(name, value) or name in taken_args:
                    continue
                line = instruction.start_line
                if len(declared[name]) > 1:
                    self.warn(
                        line,
                        f"{name} holds a credential but is declared more than once: move it to a build secret by hand",
                    )
                    continue
                if instruction.keyword == "ENV" and not is_build_only_env(name):
                    self.warn(
                        line,
                        f"ENV {name} holds a credential that stays in the image; pass it when the container starts instead",
                    )
                    continue
                if instruction.keyword == "ENV" and self.inherited(stage):
                    self.warn(
                        line,
                        f"ENV {name} holds a credential that a later stage inherits: move it to a build secret by hand",
                    )
                    continue
                credential = Credential(name, instruction, start, end)
                source = REFERENCE_RE.match(value)
                if source:
                    arg_name = source["braced"] or source["bare"]
                    arg = next((i for i in declared.get(arg_name, []) if i.keyword == "ARG"), None)
                    if arg is not None and len(declared[arg_name]) == 1 and arg.index < instruction.index:
                        credential.source_arg = arg
                        credential.source_name = arg_name
                        taken_args.add(arg_name)
                found.append(credential)
        # An ARG that only feeds a credential ENV goes with it; drop it if found alone first.
        return [c for c in found if not (c.declaration.keyword == "ARG" and c.name in taken_args)]

    def inherited(self, stage: Stage) -> bool:
        names = {str(stage.number)} | ({stage.name.lower()} if stage.name else set())
        return any(s.base_image.lower() in names for s in self.doc.stages[stage.number + 1 :])

    def find_readers(self, stage: Stage, credential: Credential) -> bool:
        """Collect the RUNs that may read it; False (and a warning) when it cannot move."""
        names = [credential.name] + ([credential.source_name] if credential.source_name else [])
        after = credential.source_arg or credential.declaration
        for instruction in stage.instructions:
            if instruction.index <= after.index or instruction is credential.declaration:
                continue
            text = instruction.logical + "".join(h.content for h in instruction.heredocs)
            if instruction.keyword == "RUN" and not instruction.arguments:
                continue
            if instruction.keyword != "RUN":
                if any(references(text, n) for n in names):
                    self.warn(
                        instruction.start_line,
                        f"{credential.name} is expanded by {instruction.keyword}, not only read by RUN: "
                        "left in place; move it to a build secret by hand",
                    )
                    return False
                continue
            if not any(may_read_environment(instruction, n) or references(text, n) for n in names):
                continue
            if instruction.heredocs or instruction.json_args is not None:
                form = "a heredoc" if instruction.heredocs else "an exec-form"
                self.warn(
                    instruction.start_line,
                    f"{credential.name} may be read by {form} RUN, which cannot get it from a secret here: "
                    "left in place; move it to a build secret by hand",
                )
                return False
            credential.readers.append(instruction)
        if not credential.readers:
            self.warn(
                credential.declaration.start_line,
                f"{credential.name} holds a credential no RUN reads: delete it if nothing needs it",
            )
            return False
        return True

    def edit_declarations(self, credentials: list[Credential]) -> None:
        removed: dict[Instruction, list[Credential]] = {}
        for credential in credentials:
            removed.setdefault(credential.declaration, []).append(credential)
            if credential.source_arg is not None:
                declaration = credential.source_arg
                name = credential.source_name
                for arg_name, _, start, end in declared_words(declaration):
                    if arg_name == name:
                        removed.setdefault(declaration, []).append(Credential(name, declaration, start, end))
        for declaration, gone in removed.items():
            words = declared_words(declaration)
            spans = {(c.word_start, c.word_end) for c in gone}
            kept = [w for w in words if (w[2], w[3]) not in spans]
            if not kept:
                self.edits.append(delete(declaration))
                continue
            self.edits.append(replace(declaration, declaration.splice_many(self.word_removals(words, spans))))

    @staticmethod
    def word_removals(
        words: list[tuple[str, str, int, int]], spans: set[tuple[int, int]]
    ) -> list[tuple[int, int, str]]:
        """Spans that drop each removed word with the blank tying it to its neighbour."""
        removals = []
        for k, (_, _, start, end) in enumerate(words):
            if (start, end) not in spans:
                continue
            before = [w for w in words[:k] if (w[2], w[3]) not in spans]
            if before:
                removals.append((words[k - 1][3], end, ""))
            else:
                removals.append((start, words[k + 1][2], ""))
        return merge_spans(removals)

    def edit_readers(self, credentials: list[Credential]) -> None:
        by_run: dict[Instruction, list[Credential]] = {}
        for credential in credentials:
            for run in credential.readers:
                by_run.setdefault(run, []).append(credential)
        for run, needed in sorted(by_run.items(), key=lambda pair: pair[0].index):
            self.edits.append(replace(run, with_secrets(run, needed, self.doc.escape)))
        for credential in credentials:
            lines = ", ".join(str(r.start_line) for r in credential.readers)
            self.changes.append(
                Note(
                    CODE,
                    credential.declaration.start_line,
                    f"moved the credential {credential.name} from {credential.kind} to a secret mount "
                    f"on the RUN{'s' if len(credential.readers) > 1 else ''} at line{'s' if len(credential.readers) > 1 else ''} {lines}",
                )
            )
            env_name = credential.source_name or credential.name
            self.warn(
                credential.declaration.start_line,
                f"{credential.name} is now a build secret: export {env_name} in the build's environment and build with "
                f"`docker build --secret id={credential.secret_id},env={env_name} ...` "
                f"(Compose: `secrets: [{credential.secret_id}]`)"
                + (
                    "; --build-arg no longer sets it"
                    if credential.kind == "build argument" or credential.source_arg
                    else ""
                ),
            )


def with_secrets(run: Instruction, credentials: list[Credential], escape: str) -> str:
    """The RUN with a secret mount per credential, each read into its old name.

    The value is given to each command that may read it (``NAME="$(cat ...)" poetry
    install``), so it stays with that command when a later transform moves or copies
    it; a RUN that expands ``$NAME`` itself, or whose commands cannot take an
    assignment (``if``, subshells), exports it once at the start instead.
    """
    # One mount, one assignment per line once there are several, so the RUN stays readable.
    separator = " " if len(credentials) == 1 else f" {escape}\n    "
    mounts = separator.join(f"--mount=type=secret,id={c.secret_id},required=true" for c in credentials)
    assignments = separator.join(
        f'{name}="$(cat /run/secrets/{c.secret_id})"'
        for c in credentials
        for name in filter(None, (c.name, c.source_name))
    )
    # After several mounts the command starts a line of its own, under the mounts.
    tail = "" if len(credentials) == 1 else f" {escape}\n   "
    with_mounts = parse_again(run.with_flags_added(mounts + tail), escape)
    commands = run_commands(with_mounts)
    names = [name for c in credentials for name in filter(None, (c.name, c.source_name))]
    readers = [c for c in commands if any(reads(c, name) for name in names)]
    expands = any(references(run.logical, name) for c in credentials for name in filter(None, (c.name, c.source_name)))
    if expands or not readers or any(c.argv[0] in SHELL_SYNTAX or c.argv[0].startswith(("(", "{")) for c in readers):
        return with_mounts.splice(with_mounts.args_start, with_mounts.args_start, f"export {assignments} && ")
    return with_mounts.splice_many([(c.start, c.start, f"{assignments}{separator}") for c in readers])


def parse_again(raw: str, escape: str) -> Instruction:
    """The edited RUN as an instruction, to find its commands' new positions."""
    return parse((f"# escape={escape}\n" if escape != "\\" else "") + raw).instructions[0]


def apply(doc: Dockerfile, project: ProjectContext, settings: Settings) -> Outcome:
    return SecretsToMounts(doc).run()


TRANSFORM = Transform(
    code=CODE,
    name="secrets-to-mounts",
    reason="credentials in ARG/ENV end up in the image; secret mounts keep them out of every layer",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
