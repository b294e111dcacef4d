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
