from migrator.python_imports import ImportSite, provided_by, read_imports

LOCK = """
[[package]]
name = "PyYAML"
version = "6.0"
groups = ["main"]

[[package]]
name = "requests"
version = "2.32.3"
groups = ["dev"]

[[package]]
name = "jaraco.functools"
version = "4.0"
category = "main"
"""


def test_imports_the_system_python_may_give_are_found_with_their_lines(tmp_path):
    (tmp_path / "poetry.lock").write_text(LOCK)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text(
        '"""Service."""\nimport os, requests as r\n\ndef f():\n    from pkg_resources import parse_version\n'
        "# import six\nimport yaml\nfrom . import six\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_main.py").write_text("import urllib3\n")
    (tmp_path / "test_x.py").write_text("import certifi\n")
    found = read_imports(tmp_path, [""])[""]
    assert found.sites == (
        ImportSite("requests", "app/main.py", 2),
        ImportSite("pkg_resources", "app/main.py", 5),
    )
    assert found.own == {"app"}
    # requests is locked for the dev group only: `--only main` does not install it
    assert found.locked == {"pyyaml", "jaraco_functools"}


def test_no_lock_means_nothing_to_compare(tmp_path):
    (tmp_path / "main.py").write_text("import requests\n")
    assert read_imports(tmp_path, [""])[""].locked is None


def test_what_a_lock_provides():
    locked = frozenset({"setuptools", "charset_normalizer", "jaraco_classes", "pyyaml"})
    assert provided_by("pkg_resources", locked) and provided_by("_distutils_hack", locked)
    assert provided_by("charset_normalizer", locked) and provided_by("jaraco", locked)
    assert not provided_by("requests", locked) and not provided_by("packaging", locked)
