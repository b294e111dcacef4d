"""What a stage's command runs: the scripts it copies and runs, and login shells."""

from __future__ import annotations

import pytest

from migrator.entrypoints import login_shell, scripts_run
from migrator.model import parse


def chain_of(text: str):
    return [parse(text).stages[-1]]


@pytest.mark.parametrize(
    ("text", "run_files", "how"),
    [
        pytest.param(
            'FROM python:3.11\nCOPY . /app\nENTRYPOINT ["/app/entrypoint.sh"]\n',
            {"entrypoint.sh": "#!/bin/sh -l\nexec python -m app\n"},
            "entrypoint.sh: `#!/bin/sh -l`",
            id="sh-l-shebang",
        ),
        pytest.param(
            'FROM python:3.11\nCOPY docker/start /start\nCMD ["/start"]\n',
            {"docker/start": "#!/usr/bin/env -S bash --login\nexec app\n"},
            "docker/start: `#!/usr/bin/env -S bash --login`",
            id="env-bash-login",
        ),
        pytest.param('FROM python:3.11\nCMD ["bash", "-lc", "uvicorn main:app"]\n', {}, "`bash -lc`", id="bash-lc"),
        pytest.param("FROM python:3.11\nCMD bash -l -c 'uvicorn main:app'\n", {}, "`bash -l`", id="shell-form"),
    ],
)
def test_login_shell_found(text, run_files, how):
    found = login_shell(chain_of(text), run_files)
    assert found is not None and found[1] == how


@pytest.mark.parametrize(
    ("text", "run_files"),
    [
        pytest.param(
            'FROM python:3.11\nCOPY . /app\nENTRYPOINT ["/app/entrypoint.sh"]\n',
            {"entrypoint.sh": "#!/bin/bash\nexec python -m app\n"},
            id="plain-shebang",
        ),
        pytest.param(
            'FROM python:3.11\nCOPY app.py /app/\nENTRYPOINT ["/app/entrypoint.sh"]\n',
            {"entrypoint.sh": "#!/bin/sh -l\n"},
            id="script-not-copied",
        ),
        pytest.param('FROM python:3.11\nCMD ["ls", "-l"]\n', {}, id="ls-l-is-no-shell"),
    ],
)
def test_no_login_shell(text, run_files):
    assert login_shell(chain_of(text), run_files) is None


def test_scripts_run_follow_the_copy_source():
    text = 'FROM python:3.11\nCOPY scripts/*.sh /usr/local/bin/\nENTRYPOINT ["run.sh"]\n'
    stage = parse(text).stages[-1]
    files = {"scripts/run.sh": "", "other/run.sh": ""}
    assert scripts_run([stage], stage.last("ENTRYPOINT"), files) == ["scripts/run.sh"]
