"""`--format sarif`: SARIF 2.1.0 that code scanning accepts, one result per change `--check` would make.

tests/data/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 schema (errata 01, JSON
Schema draft 4), copied unchanged from https://github.com/oasis-tcs/sarif-spec,
sarif-2.1/schema/sarif-schema-2.1.0.json at commit a560296ca8c921f3bdb8d4a8db57ab83dae968a7.
"""

from __future__ import annotations

import inspect
import json
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from migrator.options import cli
from migrator.transforms import PIPELINE

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
NAIVE = 'FROM python:3.11-slim\nRUN pip install poetry\nWORKDIR /app\nCOPY . .\nRUN poetry install --no-root\nCMD ["python", "-m", "app"]\n'
PYPROJECT = '[tool.poetry]\nname = "app"\nversion = "0.1.0"\npackage-mode = false\n'


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def migrate(*args: str, input: bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The corpus without the expected outputs (they are Dockerfiles too, already migrated), and a broken file."""
    target = tmp_path_factory.mktemp("corpus") / "corpus"
    shutil.copytree(ROOT / "corpus", target, ignore=shutil.ignore_patterns("expected.Dockerfile"))
    (target / "zz-broken").mkdir()
    (target / "zz-broken" / "Dockerfile").write_text("RUN poetry install\n")  # no FROM: fails on line 1
    return target


@pytest.fixture(scope="module")
def corpus_runs(corpus: Path) -> tuple[dict[str, Any], dict[str, Any], int]:
    sarif = migrate("--check", "--format", "sarif", str(corpus))
    report = migrate("--check", "--format", "json", str(corpus))
    assert sarif.exit_code == report.exit_code
    return json.loads(sarif.stdout), json.loads(report.stdout), sarif.exit_code


def test_the_corpus_as_sarif_validates_against_the_schema(corpus_runs):
    sarif, _, exit_code = corpus_runs
    assert exit_code == 123  # files to migrate, and the broken one
    assert_valid_sarif(sarif)
    assert sarif["version"] == "2.1.0"


def test_one_result_per_change_at_its_line(corpus_runs):
    sarif, report, _ = corpus_runs
    (run,) = sarif["runs"]
    expected = sorted(
        (Path(record["path"]).as_uri(), change["code"], change["line"] or 1, change["message"])
        for record in report["files"]
        if record["status"] == "migrated"
        for change in record["changes"]
    )
    found = sorted(
        (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
            result["message"]["text"],
        )
        for result in run["results"]
    )
    assert len(expected) > 100, "the corpus makes many changes"
    assert found == expected
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[result["ruleIndex"]]["id"] == result["ruleId"] for result in run["results"])


def test_failed_files_are_notifications_and_the_run_is_not_successful(corpus, corpus_runs):
    sarif, report, _ = corpus_runs
    (invocation,) = sarif["runs"][0]["invocations"]
    failed = [record for record in report["files"] if record["status"] == "failed"]
    # zz-broken cannot be parsed; the corpus cases with expected-failure.txt cannot build as written.
    expected = sorted(
        [str(corpus / "zz-broken" / "Dockerfile")]
        + [str(p.parent / "Dockerfile") for p in corpus.glob("*/expected-failure.txt")]
    )
    assert sorted(record["path"] for record in failed) == expected
    assert invocation["executionSuccessful"] is False
    notifications = invocation["toolExecutionNotifications"]
    assert len(notifications) == len(expected)  # one per failed file
    (notification,) = [n for n in notifications if "no FROM instruction" in n["message"]["text"]]
    assert all(n["level"] == "error" for n in notifications)
    assert "no FROM instruction" in notification["message"]["text"]
    location = notification["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == (corpus / "zz-broken" / "Dockerfile").as_uri()
    assert location["region"]["startLine"] == 1


def test_one_rule_per_transform_with_its_docs():
    from migrator.sarif import sarif_document

    rules = json.loads(sarif_document([], PIPELINE))["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [t.code for t in PIPELINE]
    for rule, transform in zip(rules, PIPELINE, strict=True):
        assert rule["name"] == transform.name
        assert rule["shortDescription"]["text"] == transform.reason
        assert rule["help"]["text"] == inspect.cleandoc(transform.doc)
        markdown = rule["help"]["markdown"]
        assert "**What it does**" in markdown and "**Use instead**\n\n```Dockerfile\n" in markdown
        assert "``" not in markdown.replace("```", "")
        described = rule["fullDescription"]["text"]
        assert len(described) > 80 and described.replace("`", "") in " ".join(transform.doc.replace("`", "").split())
        assert rule["properties"]["safety"] == transform.safety.value
        assert rule["defaultConfiguration"]["enabled"] is (transform.safety.value == "safe")


def test_a_clean_tree_is_an_empty_successful_run(tmp_path: Path):
    (tmp_path / "Dockerfile").write_text(NAIVE)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert migrate("--write", str(tmp_path)).exit_code == 0
    result = migrate("--check", "--format", "sarif", str(tmp_path))
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert_valid_sarif(document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_relative_paths_stay_relative_for_code_scanning(tmp_path: Path, monkeypatch):
    folder = tmp_path / "my service"
    folder.mkdir()
    (folder / "Dockerfile").write_text(NAIVE)
    (folder / "pyproject.toml").write_text(PYPROJECT)
    monkeypatch.chdir(tmp_path)
    result = migrate("--check", "--format", "sarif", ".")
    assert result.exit_code == 1
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.stdout)["runs"][0]["results"]
    }
    assert uris == {"my%20service/Dockerfile"}


def test_credentials_are_masked_in_sarif_too(tmp_path: Path):
    token = "glpat-abcdefghijklmnop1234"
    (tmp_path / "Dockerfile").write_text(
        f"FROM python:3.11-slim\nENV POETRY_HTTP_BASIC_CORP_PASSWORD={token}\n" + NAIVE.split("\n", 1)[1]
    )
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    result = migrate("--check", "--format", "sarif", str(tmp_path))
    assert token not in result.stdout
    assert_valid_sarif(json.loads(result.stdout))


def test_the_validator_rejects_what_code_scanning_would():
    document = json.loads(migrate("--check", "--format", "sarif", str(ROOT / "corpus" / "e2e-fastapi")).stdout)
    assert_valid_sarif(document)
    del document["runs"][0]["results"][0]["message"]
    with pytest.raises(AssertionError, match="message"):
        assert_valid_sarif(document)


def test_sarif_with_write_to_stdout_is_a_usage_error():
    result = migrate("--write", "--format", "sarif", "-", input=NAIVE.encode())
    assert result.exit_code == 2
    assert "stdout carries the migrated file" in result.stderr and result.stdout == ""
