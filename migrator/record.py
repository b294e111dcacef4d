"""Frozen record classes that are cheap to define: the subset of dataclasses we use.

``migrate --check Dockerfile`` is mostly start-up, and the standard dataclass
decorator compiles four to six functions from source for every class (about a third
of a millisecond each time, for some forty classes). Here only ``__init__`` is compiled,
so instances are built as fast as a dataclass's; equality, hashing, repr and
immutability are shared functions. Same spelling as dataclasses: ``@dataclass(frozen=True)``,
``field(default=..., default_factory=..., compare=False, repr=False)``, ``fields()``,
``replace()``; ``__dataclass_fields__`` maps names to fields as there.
"""

from __future__ import annotations

MISSING = object()


class FrozenInstanceError(AttributeError):
    pass


class Field:
    __slots__ = ("name", "default", "default_factory", "compare", "repr")

    def __init__(self, default=MISSING, default_factory=MISSING, compare=True, repr=True):
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


def field(*, default=MISSING, default_factory=MISSING, compare=True, repr=True) -> Field:
    return Field(default, default_factory, compare, repr)


def fields(instance_or_class) -> tuple[Field, ...]:
    return tuple(instance_or_class.__dataclass_fields__.values())


def replace(instance, **changes):
    values = {name: getattr(instance, name) for name in instance.__dataclass_fields__}
    values.update(changes)
    return type(instance)(**values)


def dataclass(cls=None, /, *, frozen: bool = False, eq: bool = True):
    def wrap(cls):
        return _make(cls, frozen, eq)

    return wrap if cls is None else wrap(cls)


def _make(cls, frozen: bool, eq: bool):
    all_fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        all_fields.update(getattr(base, "__dataclass_fields__", {}))
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else Field(default=value)
        spec.name = name
        all_fields[name] = spec
        if isinstance(value, Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
    cls.__dataclass_fields__ = all_fields
    cls.__init__ = _compile_init(cls, all_fields, frozen)
    cls.__repr__ = _repr
    compared = tuple(f.name for f in all_fields.values() if f.compare)
    cls.__record_compared__ = compared
    cls.__match_args__ = tuple(all_fields)
    if eq:
        cls.__eq__ = _eq
        cls.__hash__ = _hash if frozen else None
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
    return cls


def _compile_init(cls, all_fields: dict[str, Field], frozen: bool):
    params, lines = [], []
    namespace: dict[str, object] = {"MISSING": MISSING}
    setter = "__set(self, {name!r}, {value})" if frozen else "self.{name} = {value}"
    for spec in all_fields.values():
        name = spec.name
        if spec.default is not MISSING:
            namespace[f"__default_{name}"] = spec.default
            params.append(f"{name}=__default_{name}")
            value = name
        elif spec.default_factory is not MISSING:
            namespace[f"__factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            value = f"__factory_{name}() if {name} is MISSING else {name}"
        else:
            params.append(name)
            value = name
        lines.append(setter.format(name=name, value=value))
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    namespace["__set"] = object.__setattr__
    source = f"def __init__(self, {', '.join(params)}):\n    " + ("\n    ".join(lines) or "pass")
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _repr(self) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__dataclass_fields__.values() if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _values(self) -> tuple:
    return tuple(getattr(self, name) for name in self.__record_compared__)


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self) -> int:
    return hash(_values(self))


def _frozen_setattr(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")
