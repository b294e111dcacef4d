"""MIG005 non-root-user: the final image runs as a system user with a fixed numeric id.

What it does:
    In the final stage of a file with no USER there, creates a system group and user
    with the same fixed id (settings.user_name / settings.uid, default app / 10001)
    right before the `COPY --from=build` (or the first COPY/ADD), hands the app's
    folder to it, and adds `USER 10001:10001` after the stage's last COPY/ADD/RUN,
    before EXPOSE/HEALTHCHECK/ENTRYPOINT/CMD. An existing non-root USER and a
    deliberate `USER root` are left alone, with a warning where it matters. The build
    stage is never touched.

    The app's folder is the stage's final WORKDIR and each VOLUME path: the same RUN
    creates them and gives them to the user (`mkdir -p /app && chown 10001:10001 /app`),
    because `WORKDIR` creates its folder owned by root and `COPY --chown` changes the
    copied files, not the folder they land in; an app that creates `data/`, a log
    file, a SQLite database (and its `-journal`) or `celerybeat-schedule` next to its
    code keeps working. Only copies into that folder get `--chown`: a copy of
    /usr/local/bin, site-packages or a venv outside it stays root-owned, so the app
    user cannot rewrite the interpreter or its libraries. Code copied into a folder
    that is never handed over (`/` when there is no WORKDIR, as in a real image that
    ran its app there) gets the user and a warning at the copy: uid 10001 cannot
    create files next to that code, and a WORKDIR of its own is the fix.

    Held back, with one warning naming the line a USER would go before (the final
    stage's CMD, as a rule: the line the reader would edit), where the image must start
    as root or the user is decided elsewhere:
    - a file whose last stage is a test or development target while another named
      stage that nothing builds on is the production one (`FROM base AS production`,
      then `FROM base AS test`): which target is deployed is chosen with --target,
      and a USER in the last stage alone changes the test runner and leaves the
      deployed image root;
    - a GitHub Actions container action (action.yml with `runs.using: docker`):
      GitHub runs it as the default user, root;
    - an entrypoint that switches user itself (gosu, su-exec, setpriv, chpst,
      runuser, su, PUID/PGID handling, usermod or chown at start), read from the
      script the Dockerfile copies and runs, or a RUN installing gosu/su-exec;
    - a compose service built from this context that sets `user:`: compose's user
      overrides USER, so the app would not run as the owner the image gives its folder;
    - a compose service built from this context that bind-mounts host paths writable
      (`./db.sqlite3:/app/db.sqlite3`, `.:/app`, an uploads or logs folder): the host's
      files keep their host owner, which root could write and uid 10001 likely cannot
      (a fresh real-world trial: a SQLite file, an uploads folder, alembic's database
      and a log folder, each failing at run time); `:ro` binds do not count, and the
      advice is the service's `user:` set to the files' owner, not `:ro`, which a SQLite
      file the app writes (with its `-journal` beside it) cannot take;
    - a compose service built from this context that mounts a named volume writable
      (`media:/app/media`): the volume outlives the image, and what the root container
      wrote there stays root's after the upgrade;
    - a compose service with no `build:` that runs a namespaced image (`owner/app`, built
      in CI) and mounts a writable bind or named volume inside this image's app folder
      (django_Liis: `image: ilmo/posts` with `static_value:/app/static`, which its
      collectstatic writes): nothing else ties it here, but a mount under /app says it is
      most likely this image; official images (postgres, nginx) never count;
    - an image with no source of its own and no command (it gets both from bind
      mounts and compose), and an image a devcontainer.json builds (its
      postCreateCommand typically runs apt-get as the image's user): its
      `build.dockerfile` at the context root, or its `dockerComposeFile` + `service`
      (relative to the .devcontainer folder) naming a compose service built from
      this context (a dev container running a `sleep` loop from compose);
    - a command that needs root's home: a CMD/ENTRYPOINT naming /root (`HOME=/root
      poetry run ...`, /root/.local/bin/...), or Poetry run at start (by the command,
      the script it runs, or compose's command) while the venv is in Poetry's
      default cache, /root/.cache/pypoetry/virtualenvs (no in-project venv, no
      `virtualenvs.create false`, no poetry.toml): as another user Poetry finds no
      venv there and creates an empty one, so the app fails on import;
    - a command, or the script it runs, that starts a system service beside the app
      (`service x start`, /etc/init.d/, systemctl, supervisord, the Datadog agents,
      cron, sshd, nginx): as another user it cannot write its run, log and state
      folders, often silently. A script copied with the source through
      `COPY --from=build` counts, and one whose path ends the command's word wins
      over same-named scripts elsewhere in the context;
    - a build step that leaves data under /root (mode 0700), which the user could not
      read: nltk.download, Hugging Face, Playwright and Prisma caches, `pip install
      --user`, a COPY into /root, an app folder under /root, unless the tool's own
      variable (NLTK_DATA, HF_HOME, PLAYWRIGHT_BROWSERS_PATH, PYTHONUSERBASE...) or
      download option already points outside /root. NLTK data is relocated instead
      where one word does it: `python -m nltk.downloader` gets `-d
      /usr/local/share/nltk_data` and a COPY into /root/nltk_data lands there,
      a folder on NLTK's default search path, so no variable is needed.
    A user the file already creates (with useradd/adduser, but no USER) is reused by
    its numeric ids rather than a second one created beside it; one created without a
    fixed uid is left for the author, with a warning.
    A port below 1024 bound from EXPOSE, the command (`--port 80`, `-b 0.0.0.0:80`,
    `--bind :443`), a compose `command:`/`entrypoint:` of a service built from this
    context (issue 11: `uvicorn --port 80` there went unwarned) or `ENV PORT=80` is
    warned about: Docker 20.10+ lets a non-root process bind it in the container's own
    network namespace, Kubernetes, host networking and older engines do not.

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
    RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin app && mkdir -p /app && chown 10001:10001 /app
    COPY --from=build --chown=10001:10001 /app /app
    USER 10001:10001
    CMD ["uvicorn", "app.main:app"]
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping

from migrator.analysis import (
    base_image_family,
    created_user_id,
    env_at,
    env_pairs,
    expanded_base_image,
    installs_into_system,
    poetry_installs,
    starts_in_root,
    venv_dir,
    workdir_at,
)
from migrator.contract import ROOT_USERS
from migrator.devcontainer import devcontainer_use
from migrator.entrypoints import command_words, commands, scripts_run
from migrator.launchers import NO_LAUNCHERS, Launchers, Service
from migrator.model import Dockerfile, Edit, Instruction, Stage, insert_before, replace, split_words
from migrator.packages import package_command
from migrator.patterns import lazy_compile
from migrator.shell import run_commands
from migrator.transform import NOTHING, Note, Outcome, Safety, Settings, Transform

USER_CREATION = frozenset({"useradd", "adduser"})
RUNS_THE_APP = frozenset({"EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"})
NUMERIC_USER_RE = lazy_compile(r"^\d+(:\d+)?$")
# Programs that start another program as a different user: an image running them must start as root.
USER_SWITCHERS = frozenset(
    {"gosu", "su-exec", "setpriv", "chpst", "runuser", "s6-setuidgid", "setuidgid", "sudo", "su"}
)
# In an entrypoint script: switching user, or changing users and ownership at start.
SWITCHES_USER_RE = lazy_compile(
    r"(?<![\w./-])(gosu|su-exec|setpriv|chpst|runuser|s6-setuidgid|setuidgid)(?![\w-])"
    r"|(?<![\w./-])su\s+-|(?<![\w./-])su\s+\w+\s+-c\b"
)
# System services an entrypoint may start beside the app; as a non-root user they cannot write
# their run, log and state folders (often silently, when their output goes to /dev/null).
DAEMON_NAMES = r"supervisord|datadog-agent|trace-agent|process-agent|cron|crond|sshd|rsyslogd|nginx|dockerd"
DAEMONS_RE = lazy_compile(DAEMON_NAMES)
# In a script, the daemon must be the command (line start, after ; & | exec nohup), by name or path:
# `cp nginx.conf /etc/nginx/` starts nothing.
STARTS_DAEMON_RE = lazy_compile(
    r"(?<![\w.-])(?:service\s+[\w.@-]+\s+(?:start|restart)\b|/etc/init\.d/[\w.@-]+\s+(?:start|restart)\b"
    r"|systemctl\s+(?:start|restart)\b)"
    rf"|(?:^|[;&|]\s*|(?<![\w.-])(?:exec|nohup)\s+)(?:[\w./-]*/)?(?:{DAEMON_NAMES})(?![\w.-])"
)
# A command naming root's home (mode 0700 in the python images): `HOME=/root`, /root/.local/bin/...
ROOT_HOME_RE = lazy_compile(r"(?<![\w./-])/root(?![\w.-])")
POETRY_WORD_RE = lazy_compile(r"(?<![\w.-])poetry(?![\w-])")
# Weaker signs, named only when no switch itself is found: users and ownership changed at start.
CHANGES_USERS_RE = lazy_compile(r"(?<![\w./-])(usermod|groupmod|useradd|adduser|chown)(?![\w-])|\$\{?P[UG]ID\b")
# Never handed to the app user, whatever a WORKDIR or copy says: the interpreter, its libraries, the system.
SYSTEM_DIRS = ("/usr/local/bin", "/usr/local/lib", "/usr/bin", "/usr/lib", "/usr/sbin", "/bin", "/sbin", "/lib")
SYSTEM_DIRS_EXACT = frozenset({"/", "/usr", "/usr/local", "/etc", "/root", "/opt", "/var", "/home", "/tmp"})
# What a "no source of its own" image copies: manifests to install dependencies from.
MANIFEST_RE = lazy_compile(
    r"^(pyproject\.toml|poetry\.lock|poetry\.toml|uv\.lock|requirements[\w.-]*\.(txt|in)|setup\.(py|cfg)"
    r"|README[\w.-]*|LICENSE[\w.-]*|\.python-version)$",
    re.IGNORECASE,
)
# Build-time downloads that land under root's home unless the tool's variable points elsewhere.
ROOT_HOME_WRITERS = (
    (lazy_compile(r"nltk\.download\(|-m\s+nltk\.downloader\b"), "NLTK data", ("NLTK_DATA",)),
    (
        lazy_compile(
            r"huggingface-cli\s+download|(?<![\w-])hf\s+download|snapshot_download\(|hf_hub_download\(|from_pretrained\(|SentenceTransformer\("
        ),
        "the Hugging Face cache",
        ("HF_HOME", "HF_HUB_CACHE", "TRANSFORMERS_CACHE", "SENTENCE_TRANSFORMERS_HOME"),
    ),
    (lazy_compile(r"(?<![\w-])playwright\s+install\b"), "Playwright's browsers", ("PLAYWRIGHT_BROWSERS_PATH",)),
    (lazy_compile(r"(?<![\w-])prisma\s+(generate|py\s+fetch)\b"), "Prisma's engines (~/.cache/prisma-python)", ()),
    (lazy_compile(r"(?<![\w-])pyppeteer-install\b"), "pyppeteer's Chromium", ("PYPPETEER_HOME",)),
    (lazy_compile(r"\btorch\.hub\.(load|download_url_to_file)\b"), "torch.hub models", ("TORCH_HOME",)),
    (lazy_compile(r"\bwhisper\.load_model\b"), "Whisper models (~/.cache/whisper)", ()),
    (lazy_compile(r"(?<![\w-])camoufox\s+fetch\b"), "Camoufox's browser (~/.cache/camoufox)", ()),
    (
        lazy_compile(r"(?<![\w-])pip[0-9.]*\s+install\b[^;&|]*\s--user\b"),
        "a `pip install --user` (~/.local)",
        ("PYTHONUSERBASE",),
    ),
)
# ENV keys that say where the app itself listens (not DB_PORT or SMTP_PORT, which it connects to).
LISTEN_PORT_KEYS = frozenset(
    {"PORT", "APP_PORT", "SERVER_PORT", "HTTP_PORT", "WEB_PORT", "LISTEN_PORT", "BIND_PORT", "UVICORN_PORT"}
    | {"FLASK_RUN_PORT", "GUNICORN_PORT", "API_PORT", "SERVICE_PORT"}
)
NLTK_FOLDER = "/usr/local/share/nltk_data"
# Stage names that say what a target is for.
NOT_DEPLOYED_RE = lazy_compile(
    r"(?:unit-?|integration-?)?tests?(?:ing)?|dev(?:elop(?:ment)?)?|debug|ci|lint(?:ing)?|local"
)
DEPLOYED_RE = lazy_compile(r"prod(?:uction)?|release|deploy(?:ment)?|runtime|final|live|app")
MOUNT_FROM_RE = lazy_compile(r"--mount=\S*?\bfrom=([^,\s]+)")
PORT_OPTION_RE = lazy_compile(
    r"(?:^|\s)(?:--port|-p|--listen-port|--http-port)(?:=|\s+)(\d{1,5})(?!\S)"
    r"|(?:^|\s)(?:-b|--bind|--listen|--host-port)(?:=|\s+)\S*:(\d{1,5})(?!\S)"
    r"|(?:^|\s)(?:0\.0\.0\.0|\[::\]|127\.0\.0\.1|localhost)?:(\d{1,5})(?!\S)"
    r"|(?:^|\s)0\.0\.0\.0:(\d{1,5})(?!\S)"
)


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
    held = _other_targets(doc, stage) or _must_stay_root(doc, stage, chain, project)
    if held is not None:
        return Outcome(warnings=(held,))
    if family == "unknown":
        return Outcome(
            warnings=(
                TRANSFORM.note(
                    stage.from_instruction.start_line,
                    f"no non-root user added: cannot tell how to create one in '{chain[-1].base_image}'",
                ),
            )
        )
    created = _created_user(chain)
    if created is not None:
        run, name = created
        ids = created_user_id(doc, name) if name else None
        if ids is None:
            return Outcome(
                warnings=(
                    TRANSFORM.note(
                        run.start_line,
                        f"no USER added: this RUN creates user {name or '(unnamed)'} without a fixed uid; give it one (--uid) and add `USER uid:gid` after the last build step",
                    ),
                )
            )
        return _add_user(doc, stage, chain, family, settings, project, ids, name, create=False)
    return _add_user(doc, stage, chain, family, settings, project, f"{settings.uid}:{settings.uid}", settings.user_name)


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


def _where_user_goes(stage: Stage) -> Instruction:
    """The instruction a `USER` would go before: the first after the stage's last build step
    (usually its CMD), so a note that no user was added names the line the reader would edit."""
    steps = [i for i in stage.instructions if i.keyword in ("COPY", "ADD", "RUN")]
    after = [i for i in stage.instructions if steps and i.index > steps[-1].index]
    runs_app = [i for i in stage.instructions if i.keyword in RUNS_THE_APP]
    return (after or runs_app or list(stage.instructions) or [stage.from_instruction])[0]


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


def _created_user(chain: list[Stage]) -> tuple[Instruction, str] | None:
    """The last user a RUN of the final stage (or a stage it is built from) creates, and its RUN."""
    found = None
    for stage in reversed(chain):
        for instruction in stage.find("RUN"):
            for command in run_commands(instruction):
                if command.program in USER_CREATION:
                    operands = [w for w in command.argv[1:] if not w.startswith("-")]
                    found = (instruction, _user_operand(command.argv) or (operands[-1] if operands else ""))
    return found


def _user_operand(argv: list[str]) -> str | None:
    """The login name: the last word that is neither an option nor an option's value."""
    takes_value = {"-u", "--uid", "-g", "--gid", "-G", "--groups", "--ingroup", "-d", "--home", "--home-dir"}
    takes_value |= {"-s", "--shell", "-c", "--comment", "-h", "-k", "--skel", "-e", "-f", "-K", "--gecos"}
    name = None
    skip = False
    for word in argv[1:]:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in takes_value
            continue
        name = word
    return name


# --- when the image must start as root, or its user is decided elsewhere ------------


def _other_targets(doc: Dockerfile, stage: Stage) -> Note | None:
    """A file whose last stage is not the one deployed: it is a test or development target.

    Named stages that no later stage builds on or copies from are `--target`s of their
    own (development, production, test). When the last of them (what a plain build
    makes) is a production stage, it gets the user as usual; when it is a test or
    development stage, or another target is named for production, a USER in the last
    stage alone would change the test runner's user and leave the deployed image root.
    """
    used: set[str] = set()
    for other in doc.stages:
        used.add(other.base_image.lower())
        for instruction in other.instructions:
            source = instruction.flag("from") if instruction.keyword in ("COPY", "ADD") else None
            if source is not None and source.value:
                used.add(source.value.lower())
            if instruction.keyword == "RUN":
                used.update(m.lower() for m in MOUNT_FROM_RE.findall(instruction.logical))
    targets = [s for s in doc.stages[:-1] if s.name and s.name.lower() not in used and str(s.number) not in used]
    last = (stage.name or "").lower()
    if not targets or not (
        NOT_DEPLOYED_RE.fullmatch(last) or any(DEPLOYED_RE.fullmatch(s.name.lower()) for s in targets if s.name)
    ):
        return None
    named = ", ".join(f"{s.name} (line {s.from_instruction.start_line})" for s in targets)
    return TRANSFORM.note(
        stage.from_instruction.start_line,
        f"no non-root user added: besides {stage.name or 'the last stage'}, the file has other targets nothing builds on ({named}); "
        "which one is deployed is chosen outside it (--target), so add `USER` to that stage yourself",
    )


def _must_stay_root(doc: Dockerfile, stage: Stage, chain: list[Stage], project) -> Note | None:
    line = _where_user_goes(stage).start_line
    run_files = getattr(project, "run_files", None) or {}
    for name in ("action.yml", "action.yaml"):
        using = _docker_action_line(run_files.get(name, ""))
        if using is not None:
            return TRANSFORM.note(
                line,
                f"no non-root user added: {name}:{using} (`runs.using: docker`) makes this image a GitHub Actions container action, which GitHub runs as the default user (root)",
            )
    launchers = getattr(project, "launchers", None) or NO_LAUNCHERS
    compose_user = next((s for s in launchers.services if s.user and not s.loose), None)
    if compose_user is not None:
        # compose's `user:` overrides USER: the app would run as that user, not as the one
        # the image makes the owner of its folder.
        return TRANSFORM.note(
            line,
            f"no non-root user added: {compose_user.file} runs service {compose_user.name} as user {compose_user.user}, "
            "which overrides the image's USER; leave the user to compose",
        )
    devcontainer = devcontainer_use(project)
    if devcontainer is not None:
        return TRANSFORM.note(
            line,
            f"no non-root user added: {devcontainer} (its postCreateCommand and features run as the image's user); leave the user to devcontainer.json's remoteUser",
        )
    held = (
        _switches_user(doc, chain, run_files)
        or _installs_switcher(chain)
        or _starts_system_daemons(chain, _with_copied_stages(doc, chain), run_files)
        or _runs_from_root_home(chain, project)
    )
    if held is not None:
        return held
    commands = [i for s in chain for i in (s.last("CMD"), s.last("ENTRYPOINT")) if i is not None]
    if not commands and not _copies_source(doc, chain):
        return TRANSFORM.note(
            line,
            "no non-root user added: the image copies no source of its own and sets no CMD or ENTRYPOINT, so whoever runs it (compose, bind mounts) decides the command and the user",
        )
    bound = next(
        ((s, source, target) for s in launchers.services if not s.loose for source, target in s.writable_binds()),
        None,
    )
    if bound is not None:
        # The host's files keep their host owner inside the container: root could write
        # them, uid 10001 likely cannot (an uploads folder, a SQLite file, logs).
        service, source, target = bound
        return TRANSFORM.note(
            line,
            f"no non-root user added: {service.file} bind-mounts {source} at {target} in service {service.name}"
            f"{f' ({service.via})' if service.via else ''}, "
            "whose host files the app user may not write where root could; to run as non-root, set the service's "
            "`user:` to their owner's uid (or mount them `:ro` if the app only reads them)",
        )
    volume = next(((s, name, target) for s in launchers.services if not s.loose for name, target in s.volumes), None)
    if volume is not None:
        # A named volume outlives the image: what the root container wrote there stays root's.
        service, name, target = volume
        return TRANSFORM.note(
            line,
            f"no non-root user added: {service.file} mounts volume {name} at {target} in service {service.name}"
            f"{f' ({service.via})' if service.via else ''}, where files the root container wrote stay root's and "
            "the app user could not write them; chown the volume's files to the new user first, or set the service's `user:`",
        )
    elsewhere = _image_only_mount_inside(chain, launchers)
    if elsewhere is not None:
        service, what, target, folder = elsewhere
        return TRANSFORM.note(
            line,
            f"no non-root user added: {service.file} service {service.name} runs {service.via} (built elsewhere) and mounts {what} "
            f"at {target}, inside this image's {folder}: if it runs this image, the app user may not write there "
            "where root could; add the user once that mount is owned by it",
        )
    return _leaves_data_under_root(doc, stage, chain, _nltk_relocations(stage)[0])


def _image_only_mount_inside(chain: list[Stage], launchers: Launchers) -> tuple[Service, str, str, str] | None:
    """A compose service of an image built elsewhere (no `build:`, `owner/app`) that mounts a
    writable bind or named volume inside this image's app folder: django_Liis's `web` ran
    `image: ilmo/posts` with `static_value:/app/static`, which collectstatic writes, and
    nothing tied it to this Dockerfile but that path."""
    folder = _final_workdir(chain)
    if _is_system_dir(folder):
        return None
    for service in launchers.image_only:
        mounts = service.writable_binds() + [(f"volume {name}", t) for name, t in service.volumes]
        for what, target in mounts:
            if _inside(target, folder):
                return service, what, target, folder
    return None


def _docker_action_line(text: str) -> int | None:
    """The line of `using: docker` inside `runs:` of an action.yml, if any."""
    in_runs = False
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.split("#", 1)[0].rstrip()
        if not stripped:
            continue
        if not raw[0].isspace():
            in_runs = stripped.startswith("runs:")
            continue
        if in_runs and re.match(r"""^\s+using:\s*['"]?docker['"]?\s*$""", stripped):
            return number
    return None


def _runs_from_root_home(chain: list[Stage], project) -> Note | None:
    """A command that needs root's home (mode 0700): it names /root, or runs Poetry whose venv is under it."""
    for instruction in commands(chain):
        if ROOT_HOME_RE.search(instruction.logical[instruction.args_start :]):
            return TRANSFORM.note(
                instruction.start_line,
                f"no non-root user added: this {instruction.keyword} uses /root, which is mode 0700 and closed to any other user",
            )
    found = _cache_venv_install(chain)
    projects = getattr(project, "projects", None) or {}
    if found is None or any(p.has_poetry_toml for p in projects.values()):
        # A poetry.toml may put the venv in the project or skip it: today's layout is kept.
        return None
    install, where = found
    run_files = getattr(project, "run_files", None) or {}
    launchers = getattr(project, "launchers", None) or NO_LAUNCHERS
    runner = None
    for instruction in commands(chain):
        words = command_words(instruction)
        if any(POETRY_WORD_RE.search(w) for w in words):
            runner = f"line {instruction.start_line} runs Poetry"
        else:
            script = next(
                (s for s in scripts_run(chain, instruction, run_files) if POETRY_WORD_RE.search(run_files[s])), None
            )
            script = script or launchers.script_running_poetry(words)
            if script:
                runner = f"{script} (run by line {instruction.start_line}) runs Poetry"
        if runner:
            break
    if runner is None:
        service = next((s for s in launchers.services if s.runs_poetry()), None)
        if service is None:
            service = next(
                (
                    s
                    for s in launchers.services
                    if launchers.script_running_poetry([s.command or "", s.entrypoint or ""])
                ),
                None,
            )
        if service is not None:
            runner = f"{service.file} {service.describe()}, which runs Poetry"
    if runner is None:
        return None
    return TRANSFORM.note(
        install.start_line,
        f"no non-root user added: this RUN puts the venv in {where}, under /root (mode 0700), and {runner}: as any other user Poetry would find no venv there and create an empty one; put the venv outside /root (POETRY_VIRTUALENVS_PATH), then add a user",
    )


def _cache_venv_install(chain: list[Stage]) -> tuple[Instruction, str] | None:
    """The last `poetry install` of the chain when its venv lands in Poetry's cache folder under /root."""
    for stage in chain:
        installs = poetry_installs(stage)
        if not installs:
            continue
        install = installs[-1]
        index = install.instruction.index
        if venv_dir(stage, index) is not None or installs_into_system(stage, index):
            return None
        if any("virtualenvs.path" in r.logical or "cache-dir" in r.logical for r in stage.find("RUN")):
            return None  # `poetry config` moved the venv folder: not followed here, today's layout is kept
        env = env_at(stage, index)
        folder = env.get("POETRY_VIRTUALENVS_PATH") or (
            posixpath.join(env["POETRY_CACHE_DIR"], "virtualenvs") if env.get("POETRY_CACHE_DIR") else None
        )
        if folder is None and env.get("HOME", "/root") == "/root" and not env.get("XDG_CACHE_HOME"):
            folder = "/root/.cache/pypoetry/virtualenvs"
        if folder is None or not _under_root_home(folder):
            return None
        return install.instruction, folder
    return None


def _switches_user(doc: Dockerfile, chain: list[Stage], run_files: Mapping[str, str]) -> Note | None:
    commands = [i for s in chain for i in (s.last("ENTRYPOINT"), s.last("CMD")) if i is not None]
    for instruction in commands:
        for word in command_words(instruction):
            if word.rsplit("/", 1)[-1] in USER_SWITCHERS:
                return TRANSFORM.note(
                    instruction.start_line,
                    f"no non-root user added: this {instruction.keyword} switches user itself ({word}), so the container must start as root",
                )
        for script in _scripts_run(_with_copied_stages(doc, chain), instruction, run_files):
            found = _switch_line(run_files[script])
            if found is not None:
                number, text = found
                return TRANSFORM.note(
                    instruction.start_line,
                    f"no non-root user added: {script} switches user itself ({script}:{number} `{text}`), so the container must start as root",
                )
    return None


def _scripts_run(chain: list[Stage], instruction: Instruction, run_files: Mapping[str, str]) -> list[str]:
    """The scripts the command runs; those whose context path ends the command's word win over same-named others."""
    found = scripts_run(chain, instruction, run_files)
    words = command_words(instruction)
    exact = [p for p in found if any(w == p or w.endswith("/" + p) for w in words)]
    return exact or found


def _with_copied_stages(doc: Dockerfile, chain: list[Stage]) -> list[Stage]:
    """The chain and the earlier stages it copies from: after the split, the script comes in `COPY --from=build`."""
    by_name = {s.name.lower(): s for s in doc.stages if s.name} | {str(s.number): s for s in doc.stages}
    found = list(chain)
    for stage in chain:
        for copy in stage.instructions:
            source = copy.flag("from") if copy.keyword in ("COPY", "ADD") else None
            other = by_name.get((source.value or "").lower()) if source is not None else None
            if other is not None and other.number < stage.number:
                found.extend(s for s in _stage_chain(doc, other) if s not in found)
    return found


def _starts_system_daemons(chain: list[Stage], copied: list[Stage], run_files: Mapping[str, str]) -> Note | None:
    """A command, or the script it runs, that starts a system service beside the app (configured under /etc)."""
    for instruction in commands(chain):
        for word in command_words(instruction):
            if DAEMONS_RE.fullmatch(word.rsplit("/", 1)[-1]):
                return TRANSFORM.note(
                    instruction.start_line,
                    f"no non-root user added: this {instruction.keyword} starts {word}, a system service that needs root for its run, log and config folders",
                )
        for script in _scripts_run(copied, instruction, run_files):
            lines = [(n, raw.strip()) for n, raw in enumerate(run_files[script].splitlines(), 1)]
            for number, line in lines:
                if line and not line.startswith("#") and STARTS_DAEMON_RE.search(line):
                    shown = line if len(line) <= 80 else line[:77] + "..."
                    return TRANSFORM.note(
                        instruction.start_line,
                        f"no non-root user added: {script} starts a system service ({script}:{number} `{shown}`), which needs root for its run, log and config folders",
                    )
    return None


def _installs_switcher(chain: list[Stage]) -> Note | None:
    """A RUN installing gosu or su-exec: they only work in a container that starts as root."""
    for stage in reversed(chain):
        for instruction in stage.find("RUN"):
            for command in run_commands(instruction):
                found = package_command(command.argv, command.program)
                names = set(found.installed) if found is not None else set()
                for name in sorted(names & {"gosu", "su-exec"}):
                    return TRANSFORM.note(
                        instruction.start_line,
                        f"no non-root user added: this RUN installs {name}, which drops privileges only in a container that starts as root (an entrypoint or compose uses it)",
                    )
    return None


def _switch_line(text: str) -> tuple[int, str] | None:
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line and not line.startswith("#")]
    for pattern in (SWITCHES_USER_RE, CHANGES_USERS_RE):
        for number, line in lines:
            if pattern.search(line):
                return number, line if len(line) <= 80 else line[:77] + "..."
    return None


def _copies_source(doc: Dockerfile, chain: list[Stage], seen: frozenset[int] = frozenset()) -> bool:
    """Whether the image gets code of its own: a copy from the context that is not only manifests.

    A copy from another stage brings what that stage copied (after the split, the runtime
    stage's `COPY --from=build /app /app` holds the manifests and the venv, no more);
    a copy from an image is taken for source.
    """
    by_name = {s.name.lower(): s for s in doc.stages if s.name} | {str(s.number): s for s in doc.stages}
    for stage in chain:
        for copy in stage.instructions:
            if copy.keyword not in ("COPY", "ADD"):
                continue
            if copy.heredocs:
                return True
            args = (copy.json_args or copy.words)[:-1]
            source = copy.flag("from")
            if source is not None:
                other = by_name.get((source.value or "").lower())
                if other is None or other.number in seen or other.number >= stage.number:
                    return True
                if _copies_source(doc, _stage_chain(doc, other), seen | {stage.number}):
                    return True
                continue
            if any(not MANIFEST_RE.match(posixpath.basename(a.rstrip("/"))) for a in args):
                return True
    return False


def _env_in_chain(chain: list[Stage]) -> dict[str, str]:
    values: dict[str, str] = {}
    for stage in reversed(chain):
        for instruction in stage.find("ENV"):
            values.update(env_pairs(instruction))
    return values


def _under_root_home(path: str) -> bool:
    return path == "/root" or path.startswith(("/root/", "~", "$HOME", "${HOME}"))


def _nltk_relocations(stage: Stage) -> tuple[set[int], list[Edit], list[Note]]:
    """NLTK data the final stage would put under /root, sent to /usr/local/share/nltk_data instead.

    That folder is on NLTK's default search path (nltk.data.path), so the app finds the
    data there with no variable set, as root and as any other user. Only the forms that
    can be moved by a word: `python -m nltk.downloader <ids>` without `-d` (gets `-d
    <folder>`), and a `COPY --from=<stage> /root/nltk_data /root/nltk_data` (gets the
    folder as its destination). Returns the instructions moved, the edits and the notes.
    """
    moved: set[int] = set()
    edits: list[Edit] = []
    notes: list[Note] = []
    for instruction in stage.find("RUN"):
        if instruction.heredocs or "nltk.download(" in instruction.logical:
            continue
        spans = []
        for command in run_commands(instruction):
            argv = command.argv
            for at in range(len(argv) - 1):
                if argv[at] == "-m" and argv[at + 1] == "nltk.downloader" and "-d" not in argv[at + 2 :]:
                    end = command.words[at + 1].end
                    spans.append((end, end, f" -d {NLTK_FOLDER}"))
        if spans:
            moved.add(instruction.index)
            edits.append(replace(instruction, instruction.splice_many(spans)))
            notes.append(
                TRANSFORM.note(
                    instruction.start_line,
                    f"NLTK data downloaded to {NLTK_FOLDER} (on NLTK's default search path) instead of /root/nltk_data, which only root can read",
                )
            )
    for copy in stage.instructions:
        if copy.keyword not in ("COPY", "ADD") or copy.json_args is not None or copy.heredocs:
            continue
        words = split_words(copy.logical, copy.args_start)
        target = words[-1] if len(words) >= 2 else None
        if target is None or not (target.text + "/").startswith("/root/nltk_data/"):
            continue
        # A stage's /root/nltk_data copied to itself, or files from the context put into it.
        sources = [w.text.rstrip("/") for w in words[:-1]]
        if copy.flag("from") is not None and sources != [target.text.rstrip("/")]:
            continue
        relocated = NLTK_FOLDER + target.text[len("/root/nltk_data") :]
        moved.add(copy.index)
        edits.append(replace(copy, copy.splice(target.start, target.end, relocated)))
        notes.append(
            TRANSFORM.note(
                copy.start_line,
                f"NLTK data copied to {relocated} (on NLTK's default search path) instead of {target.text}, which only root can read",
            )
        )
    return moved, edits, notes


def _leaves_data_under_root(doc: Dockerfile, stage: Stage, chain: list[Stage], relocated: set[int]) -> Note | None:
    env = _env_in_chain(chain)
    workdir = _final_workdir(chain)
    if workdir.startswith("/root/"):
        line = next(
            (w.start_line for s in chain for w in reversed(s.find("WORKDIR"))), stage.from_instruction.start_line
        )
        return TRANSFORM.note(
            line,
            f"no non-root user added: the app lives in {workdir}, under /root, which is mode 0700 and closed to any other user; move it (say to /app), then add a user",
        )
    for each in reversed(chain):
        for instruction in each.find("RUN"):
            if each is stage and instruction.index in relocated:
                continue
            text = instruction.logical[instruction.args_start :] + "".join(h.content for h in instruction.heredocs)
            for pattern, what, variables in ROOT_HOME_WRITERS:
                if not pattern.search(text):
                    continue
                elsewhere = [v for v in variables if env.get(v) and not _under_root_home(env[v])]
                # NLTK's own download folder option, given outside /root: `-d /usr/share/nltk_data`, `download_dir="/..."`
                own_folder = re.search(r"""(\s-d\s+|download_dir\s*=\s*['"]?)/(?!root)""", text)
                if elsewhere or (what == "NLTK data" and own_folder):
                    continue
                hint = (
                    f"set {' or '.join(variables[:2])} to a folder outside /root before it"
                    if variables
                    else "have it write outside /root"
                )
                return TRANSFORM.note(
                    instruction.start_line,
                    f"no non-root user added: this RUN leaves {what} under /root, which is mode 0700 and unreadable to any other user; {hint}, then add a user",
                )
    for copy in stage.instructions:
        if copy.keyword not in ("COPY", "ADD"):
            continue
        destination = (copy.json_args or copy.words or [""])[-1]
        if _under_root_home(destination) and copy.index not in relocated:
            return TRANSFORM.note(
                copy.start_line,
                f"no non-root user added: this {copy.keyword} puts {destination} under /root, which is mode 0700 and unreadable to any other user; copy it outside /root (and point the tool's variable there), then add a user",
            )
    return None


# --- adding the user -------------------------------------------------------------------


def _is_system_dir(path: str) -> bool:
    return path in SYSTEM_DIRS_EXACT or any(path == d or path.startswith(d + "/") for d in SYSTEM_DIRS)


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _final_workdir(chain: list[Stage]) -> str:
    """The working directory the container starts in, following WORKDIR through FROM <stage>."""
    current = "/"
    for stage in reversed(chain):
        for instruction in stage.find("WORKDIR"):
            if instruction.words:
                current = posixpath.normpath(posixpath.join(current, instruction.words[0]))
    return current


def _app_folders(stage: Stage, chain: list[Stage]) -> list[str]:
    """The folders the app may write in: its final WORKDIR and each VOLUME."""
    folders = []
    workdir = _final_workdir(chain)
    if not _is_system_dir(workdir):
        folders.append(workdir)
    for each in reversed(chain):
        for volume in each.find("VOLUME"):
            for path in volume.json_args or volume.words:
                path = posixpath.normpath(posixpath.join(workdir, path)) if "$" not in path else path
                if not _is_system_dir(path) and path not in folders:
                    folders.append(path)
    return folders


def _destination(stage: Stage, chain: list[Stage], copy: Instruction) -> str | None:
    args = copy.json_args if copy.json_args is not None else copy.words
    if len(args) < 2 and not copy.heredocs:
        return None
    target = args[-1] if args else ""
    if "$" in target:
        return None
    base = (
        workdir_at(stage, copy.index) if stage.find("WORKDIR") else _final_workdir(chain[1:]) if len(chain) > 1 else "/"
    )
    return posixpath.normpath(posixpath.join(base, target))


def _add_user(
    doc: Dockerfile,
    stage: Stage,
    chain: list[Stage],
    family: str,
    settings: Settings,
    project,
    ids: str,
    name: str,
    create: bool = True,
) -> Outcome:
    lower = stage.from_instruction.logical.lstrip().split(None, 1)[0].islower()

    def k(keyword: str) -> str:
        return keyword.lower() if lower else keyword

    uid = settings.uid
    steps_of_run = []
    if create:
        if family == "alpine":
            steps_of_run.append(
                f"addgroup -S -g {uid} {name} && adduser -S -D -u {uid} -G {name} -h /home/{name} -s /sbin/nologin {name}"
            )
        else:
            steps_of_run.append(
                f"groupadd --system --gid {uid} {name} && "
                f"useradd --system --uid {uid} --gid {uid} --create-home --shell /usr/sbin/nologin {name}"
            )
    folders = _app_folders(stage, chain)
    # A folder a RUN of this stage makes with a plain `mkdir` would make that RUN fail
    # ("File exists") if the user's RUN made it first: left to that RUN, and said so.
    made_later = _plain_mkdirs(stage)
    left_to_run = [(f, made_later[f]) for f in folders if f in made_later]
    folders = [f for f in folders if f not in made_later]
    if folders:
        quoted = " ".join(f'"{f}"' if "$" in f else shlex.quote(f) for f in folders)
        steps_of_run.append(f"mkdir -p {quoted} && chown {ids} {quoted}")
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
    edits: list[Edit] = []
    if steps_of_run:
        edits.append(insert_before(create_at, f"{k('RUN')} {' && '.join(steps_of_run)}\n"))
    relocated, relocations, relocated_notes = _nltk_relocations(stage)
    for copy in copies:
        if copy.flag("chown") is not None or copy.index in relocated:
            continue
        destination = _destination(stage, chain, copy)
        if destination is None:
            continue
        if folders:
            mine = any(_inside(destination, f) for f in folders if not f.startswith("$"))
        else:
            # No app folder to go by (no WORKDIR): a copy from a stage to a folder of its own.
            mine = copy in from_build and not _is_system_dir(destination)
        if not mine:
            continue
        source = copy.flag("from")
        at = source.end if source is not None else copy.args_start
        edits.append(replace(copy, copy.splice(at, at, f" --chown={ids}" if source else f"--chown={ids} ")))
    edits.append(insert_before(user_at, f"{k('USER')} {ids}\n"))
    edits.extend(relocations)
    line = stage.from_instruction.start_line
    if create:
        changes = [TRANSFORM.note(line, f"the final stage runs as system user {name} ({ids}) instead of root")]
    else:
        changes = [
            TRANSFORM.note(
                line, f"the final stage runs as {name} ({ids}), the user this file already creates, instead of root"
            )
        ]
    if folders:
        changes.append(
            TRANSFORM.note(
                line,
                f"{', '.join(folders)} created and owned by {ids}, so the app can still write where it ran (logs, SQLite, data folders)",
            )
        )
    changes.extend(relocated_notes)
    held = [
        TRANSFORM.note(
            at,
            f"{folder} is made here by `mkdir` (without -p), so it stays root's and uid {ids.split(':')[0]} cannot "
            f"write there; use `mkdir -p {folder} && chown {ids} {folder}` if the app writes in it",
        )
        for folder, at in left_to_run
    ]
    held.extend(_code_in_a_system_folder(doc, stage, chain, copies, ids))
    return Outcome(tuple(edits), tuple(changes), tuple(held + _low_ports(chain, ids, project, line)))


def _code_in_a_system_folder(
    doc: Dockerfile, stage: Stage, chain: list[Stage], copies: list[Instruction], ids: str
) -> list[Note]:
    """The code copied into a folder that is never handed to the app user (`/` when there is no
    WORKDIR, or /root, /opt, /home themselves): root could create files next to it, uid 10001 cannot. A real
    image with no WORKDIR copied its app to `/`; chowning `/` is out of the question, so it is said."""
    workdir = _final_workdir(chain)
    if not _is_system_dir(workdir):
        return []
    into = [c for c in copies if _destination(stage, chain, c) == workdir]
    if not into:
        return []
    if workdir != "/":
        where = workdir
    elif starts_in_root(expanded_base_image(doc, chain[-1])):
        where = "/ (there is no WORKDIR)"
    else:  # pytorch/pytorch works in /workspace: whatever it is, the base image made it root's
        where = f"the working folder of {chain[-1].base_image} (there is no WORKDIR)"
    return [
        TRANSFORM.note(
            into[-1].start_line,
            f"the app runs in {where}, which stays root's: uid {ids.split(':')[0]} cannot create files next to "
            "its code (logs, SQLite, data); if the app writes there, give it a WORKDIR of its own such as /app",
        )
    ]


def _plain_mkdirs(stage: Stage) -> dict[str, int]:
    """Absolute folders a RUN of the stage makes with `mkdir` without -p, and the line of that RUN."""
    made: dict[str, int] = {}
    for run in stage.find("RUN"):
        for command in run_commands(run):
            argv = command.argv
            if not argv or argv[0] != "mkdir":
                continue
            options = [a for a in argv[1:] if a.startswith("-")]
            if any(o in ("-p", "--parents") or (not o.startswith("--") and "p" in o) for o in options):
                continue
            for path in argv[1:]:
                if path.startswith("/") and "$" not in path:
                    made.setdefault(posixpath.normpath(path), run.start_line)
    return made


def _low_ports(chain: list[Stage], ids: str, project=None, from_line: int = 1) -> list[Note]:
    # Where the port is bound first (the Dockerfile's command, then compose's `command:`, named
    # with the compose file), then ENV, then EXPOSE: one warning per port.
    found: list[tuple[int, str, str]] = []  # (line, port, where it is bound when not that line)
    for instruction in (chain[0].last("ENTRYPOINT"), chain[0].last("CMD")):
        if instruction is not None:
            text = " " + " ".join(command_words(instruction)) + " "
            for match in PORT_OPTION_RE.finditer(text):
                found.append((instruction.start_line, next(g for g in match.groups() if g), ""))
    # Compose's command replaces CMD (its entrypoint, ENTRYPOINT): the line it stands in for.
    replaced = chain[0].last("CMD") or chain[0].last("ENTRYPOINT")
    compose_line = replaced.start_line if replaced is not None else from_line
    launchers = getattr(project, "launchers", None)
    for service in getattr(launchers, "services", ()):
        if service.loose:
            continue
        text = " " + " ".join(t for t in (service.entrypoint, service.command) if t) + " "
        text = re.sub(r"[\"']", " ", text)  # `bash -c "... --port 80"`: the quote ends the word
        for match in PORT_OPTION_RE.finditer(text):
            found.append(
                (compose_line, next(g for g in match.groups() if g), f" ({service.file} {service.describe()})")
            )
    for stage in reversed(chain):
        for env in stage.find("ENV"):
            for key, value in env_pairs(env):
                if key in LISTEN_PORT_KEYS and value.strip().isdigit():
                    found.append((env.start_line, value.strip(), ""))
    for stage in reversed(chain):
        for expose in stage.find("EXPOSE"):
            for word in expose.words:
                if word.split("/")[0].isdigit():
                    found.append((expose.start_line, word.split("/")[0], ""))
    warnings = []
    seen = set()
    for line, port, bound in found:
        if not 0 < int(port) < 1024 or int(port) in seen:
            continue
        seen.add(int(port))
        warnings.append(
            TRANSFORM.note(
                line,
                f"port {port}{bound} is below 1024 and the app now runs as {ids}: Docker 20.10+ allows that in the container's own network namespace, but host networking, older engines and some Kubernetes runtimes refuse it without CAP_NET_BIND_SERVICE; a port above 1023 works everywhere",
            )
        )
    return warnings


TRANSFORM = Transform(
    code="MIG005",
    name="non-root-user",
    reason="a container running as root is root on the kernel it shares with the host",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
