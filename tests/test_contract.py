"""The runtime contract: what must stay equal between the original's final stage and the output's."""

from __future__ import annotations

import pytest

from migrator.contract import runtime_contract
from migrator.model import parse

BASE = "FROM python:3.11-slim\nWORKDIR /app\n"


def contract(text: str):
    return runtime_contract(parse(text))


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param('CMD ["poetry", "run", "uvicorn", "a:b"]\n', 'CMD ["uvicorn", "a:b"]\n', id="poetry-run-exec"),
        pytest.param("CMD poetry run gunicorn a:b\n", "CMD gunicorn   a:b\n", id="poetry-run-shell"),
        pytest.param("ENV A=1 POETRY_HOME=/opt/poetry\n", "ENV A=1\n", id="build-only-env-ignored"),
        pytest.param('ENV PATH="/root/.local/bin:$PATH"\n', 'ENV PATH="/app/.venv/bin:$PATH"\n', id="path-ignored"),
        pytest.param("EXPOSE 8000 9000\n", "EXPOSE 9000\nEXPOSE 8000\n", id="expose-as-a-set"),
    ],
)
def test_equal_contracts(before, after):
    assert contract(BASE + before) == contract(
        "FROM python:3.11-slim AS build\nFROM python:3.11-slim AS runtime\nWORKDIR /app\n" + after
    )


@pytest.mark.parametrize(
    "before, after, field",
    [
        pytest.param('CMD ["python", "a.py"]\n', 'CMD ["python", "b.py"]\n', "cmd", id="cmd"),
        pytest.param('CMD ["python", "a.py"]\n', "CMD python a.py\n", "cmd", id="exec-vs-shell"),
        pytest.param('ENTRYPOINT ["tini", "--"]\n', "", "entrypoint", id="entrypoint-lost"),
        pytest.param("EXPOSE 8000\n", "", "expose", id="expose-lost"),
        pytest.param("ENV DEBUG=0\n", "ENV DEBUG=1\n", "env", id="env-value"),
        pytest.param("WORKDIR src\n", "", "workdir", id="workdir"),
        pytest.param("HEALTHCHECK CMD curl -f http://localhost/\n", "", "healthcheck", id="healthcheck"),
        pytest.param('LABEL team="x"\n', "", "labels", id="label"),
        pytest.param("VOLUME /data\n", "", "volumes", id="volume"),
        pytest.param("STOPSIGNAL SIGINT\n", "", "stopsignal", id="stopsignal"),
        pytest.param("USER appuser\n", "USER 10001:10001\n", "user", id="existing-user-replaced"),
    ],
)
def test_broken_contracts_name_the_field(before, after, field):
    assert field in contract(BASE + before).differences(contract(BASE + after))


def test_root_counts_as_no_user():
    assert contract(BASE + "USER root\n").user is None
    assert contract(BASE + "USER 0:0\n").user is None
    assert contract(BASE + "USER app\n").user == "app"
