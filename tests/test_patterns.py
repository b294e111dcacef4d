"""migrator.patterns: module-level patterns compiled on first use, behaving as re's own."""

import ast
import re
from pathlib import Path

import pytest

from migrator.patterns import lazy_compile

PACKAGE = Path(__file__).resolve().parents[1] / "migrator"


def test_a_pattern_is_compiled_at_first_use_not_at_creation():
    broken = lazy_compile(r"(unclosed")  # re.compile would raise here
    with pytest.raises(re.error):
        broken.search("x")


@pytest.mark.parametrize(
    ("source", "flags", "text"),
    [
        (r"^poetry\s+(install|lock)\b", 0, "poetry install --no-root"),
        (r"^\s*USER\s+(\S+)", re.MULTILINE | re.IGNORECASE, "FROM x\nuser app\n"),
        (rb"^import\s+(\w+)", re.MULTILINE, b"x = 1\nimport os\n"),
    ],
)
def test_it_answers_as_re_compile_does(source, flags, text):
    lazy, eager = lazy_compile(source, flags), re.compile(source, flags)
    assert lazy.search(text).groups() == eager.search(text).groups()
    assert lazy.findall(text) == eager.findall(text)
    assert lazy.sub(text[:1], text) == eager.sub(text[:1], text)
    assert (lazy.pattern, lazy.flags) == (eager.pattern, eager.flags)
    # The second use goes to the same compiled pattern, kept on the proxy.
    assert lazy.search is lazy.search


def test_no_module_level_pattern_is_compiled_at_import():
    """A one-file run pays for what it imports: module-level patterns go through lazy_compile."""
    eager = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            for call in ast.walk(node):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    break
                func = getattr(call, "func", None)
                if isinstance(func, ast.Attribute) and func.attr == "compile" and getattr(func.value, "id", "") == "re":
                    eager.append(f"{path.relative_to(PACKAGE.parent)}:{call.lineno}")
    assert not eager, eager
