"""migrator.record behaves like the dataclasses it stands in for."""

from __future__ import annotations

import pickle
from functools import cached_property

import pytest

from migrator.record import FrozenInstanceError, dataclass, field, fields, replace


@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def norm(self) -> int:
        return abs(self.x) + abs(self.y)


@dataclass(frozen=True, eq=False)
class Identity:
    value: int


@dataclass
class Mutable:
    items: list = field(default_factory=list)


def test_init_defaults_and_factories():
    p = Point(1)
    assert (p.x, p.y, p.tags, p.extra) == (1, 0, (), {})
    assert Point(1).extra is not Point(1).extra
    assert Point(x=2, y=3).y == 3
    with pytest.raises(TypeError):
        Point()
    with pytest.raises(TypeError):
        Point(1, nope=2)


def test_equality_hash_and_repr_use_compared_fields():
    assert Point(1, 2) == Point(1, 2, extra={"a": 1})
    assert Point(1, 2) != Point(2, 1)
    assert len({Point(1, 2), Point(1, 2)}) == 1
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=())"
    assert Point(1) != (1, 0, ())


def test_frozen_and_cached_property():
    p = Point(3, -4)
    with pytest.raises(FrozenInstanceError):
        p.x = 5
    assert isinstance(FrozenInstanceError("x"), AttributeError)
    assert p.norm == 7 and p.norm == 7


def test_eq_false_keeps_identity():
    a, b = Identity(1), Identity(1)
    assert a != b and a == a and len({a, b}) == 2


def test_mutable_records_are_unhashable():
    m = Mutable()
    m.items.append(1)
    assert m.items == [1]
    with pytest.raises(TypeError):
        hash(m)


def test_fields_replace_and_pickle():
    p = Point(1, 2, ("a",))
    assert [f.name for f in fields(p)] == ["x", "y", "tags", "extra"]
    assert replace(p, y=5) == Point(1, 5, ("a",))
    assert pickle.loads(pickle.dumps(p)) == p


def test_init_refuses_what_a_dataclass_refuses():
    with pytest.raises(TypeError, match=r"takes 4 positional arguments but 5 were given"):
        Point(1, 2, (), {}, 5)
    with pytest.raises(TypeError, match=r"multiple values for argument 'x'"):
        Point(1, x=2)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'z'"):
        Point(1, z=2)
    with pytest.raises(TypeError, match=r"missing required argument: 'x'"):
        Point(y=2)


def test_init_fills_fields_in_any_mix_of_positions_and_keywords():
    assert Point(1, tags=("a",), y=2) == Point(1, 2, ("a",))
    assert Point(tags=("a",), x=1).tags == ("a",)
    assert Mutable(items=[1]).items == [1]


def test_post_init_runs_after_the_fields_are_set():
    seen = []

    @dataclass(frozen=True)
    class Checked:
        value: int = 1

        def __post_init__(self):
            seen.append(self.value)

    Checked()
    Checked(value=3)
    assert seen == [1, 3]


def test_a_busy_class_gets_a_compiled_init_that_builds_the_same_instances():
    from migrator.record import COMPILE_AFTER

    @dataclass(frozen=True)
    class Busy:
        x: int
        y: int = 0
        items: list = field(default_factory=list)

    shared = Busy.__init__
    built = [
        Busy(n) if n % 3 == 0 else Busy(n, y=n) if n % 3 == 1 else Busy(n, n, [n]) for n in range(2 * COMPILE_AFTER)
    ]
    assert Busy.__init__ is not shared, "compiled after COMPILE_AFTER instances"
    assert [(b.x, b.y, b.items) for b in built] == [
        (n, 0, []) if n % 3 == 0 else (n, n, []) if n % 3 == 1 else (n, n, [n]) for n in range(2 * COMPILE_AFTER)
    ]
    assert Busy(1).items is not Busy(1).items
    with pytest.raises(FrozenInstanceError):
        Busy(1).x = 2
    with pytest.raises(TypeError):
        Busy()
    with pytest.raises(TypeError):
        Busy(1, z=2)


TYPED_USE = """
from migrator.record import dataclass, field, replace


@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default=())
    extra: dict[str, int] = field(default_factory=dict, compare=False)


good = Point(1, y=2, tags=("a",))
moved: Point = replace(good, x=3)
total: int = good.x + moved.y
"""
TYPED_MISUSE = {
    "Point(1, z=2)": 'Unexpected keyword argument "z" for "Point"',
    "Point()": 'Missing positional argument "x" in call to "Point"',
    'Point("1")': 'Argument 1 to "Point" has incompatible type "str"; expected "int"',
    "good.x = 2": 'Property "x" defined in "Point" is read-only',
    "label: str = good.y": 'Incompatible types in assignment (expression has type "int", variable has type "str")',
}


def test_type_checkers_read_records_as_dataclasses(tmp_path):
    """typing.dataclass_transform: mypy checks a record's fields and constructor as a dataclass's."""
    from mypy import api

    misuse = "\n".join(TYPED_MISUSE)
    (tmp_path / "typed_use.py").write_text(TYPED_USE)
    (tmp_path / "typed_misuse.py").write_text(TYPED_USE + misuse + "\n")
    options = ["--no-incremental", "--follow-imports=silent", "--strict"]
    out, err, status = api.run([*options, str(tmp_path / "typed_use.py")])
    assert status == 0, out + err
    out, err, status = api.run([*options, str(tmp_path / "typed_misuse.py")])
    assert status == 1
    first_misuse_line = TYPED_USE.count("\n") + 1
    for offset, message in enumerate(TYPED_MISUSE.values()):
        assert f"typed_misuse.py:{first_misuse_line + offset}: error: {message}" in out, out
