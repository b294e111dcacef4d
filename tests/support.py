"""Helpers shared by the tests: run one transform, or the whole pipeline, on text."""

from __future__ import annotations

from migrator.model import apply_edits, parse
from migrator.pipeline import migrate_text
from migrator.project import EMPTY_CONTEXT, ProjectContext
from migrator.transform import Outcome, Settings, Transform


def outcome_of(
    transform: Transform, text: str, project: ProjectContext = EMPTY_CONTEXT, settings: Settings = Settings()
) -> Outcome:
    return transform.apply(parse(text), project, settings)


def run_one(
    transform: Transform, text: str, project: ProjectContext = EMPTY_CONTEXT, settings: Settings = Settings()
) -> str:
    """The text after one transform; its output must parse again."""
    doc = parse(text)
    outcome = transform.apply(doc, project, settings)
    result = apply_edits(doc, list(outcome.edits))
    parse(result)
    return result


def run_twice(
    transform: Transform, text: str, project: ProjectContext = EMPTY_CONTEXT, settings: Settings = Settings()
) -> str:
    """One transform applied, then applied again: the second pass must change nothing."""
    once = run_one(transform, text, project, settings)
    twice = run_one(transform, once, project, settings)
    assert twice == once, f"{transform.code} is not idempotent:\n--- once\n{once}\n--- twice\n{twice}"
    return once


def run_pipeline(text: str, project: ProjectContext = EMPTY_CONTEXT, settings: Settings = Settings()) -> str:
    first = migrate_text(text, project, settings)
    second = migrate_text(first.text, project, settings)
    assert second.text == first.text, "the pipeline did not reach a fixed point"
    return first.text


def check_any_mix_of_lines(transform: Transform, pool: list[str], examples: int = 150) -> None:
    """Property: any mix of the given lines after a FROM comes out idempotent, parseable by
    BuildKit's own parser, and with the line ending it went in with."""
    import hypothesis
    import pytest
    from hypothesis import strategies

    dockerfile = pytest.importorskip("dockerfile")

    @hypothesis.settings(max_examples=examples, deadline=None)
    @hypothesis.given(
        strategies.lists(strategies.sampled_from(pool), max_size=7), strategies.sampled_from(["\n", "\r\n"])
    )
    def check(lines: list[str], newline: str) -> None:
        text = ("FROM python:3.11\n" + "".join(lines)).replace("\n", newline)
        result = run_twice(transform, text)
        dockerfile.parse_string(result)
        assert ("\r\n" in result) == (newline == "\r\n")

    check()
