"""Frozen record classes that are cheap to define: the subset of dataclasses we use.

``migrate --check Dockerfile`` is mostly start-up, and the standard dataclass
decorator compiles four to six functions from source for every class (about a third
of a millisecond each time, for some forty classes). Here equality, hashing, repr and
immutability are shared functions, and so is ``__init__`` at first: a class gets an
``__init__`` compiled for its own fields only once it has built COMPILE_AFTER
instances, where that starts to pay (a one-file run compiles one or two, not forty).
Same spelling as dataclasses: ``@dataclass(frozen=True)``, ``field(default=...,
default_factory=..., compare=False, repr=False)``, ``fields()``, ``replace()``;
``__dataclass_fields__`` maps names to fields as there.
"""

from __future__ import annotations

MISSING = object()
# Compiling a class's own __init__ costs about 0.1 ms and saves a fraction of a
# microsecond an instance over the shared one.
COMPILE_AFTER = 100


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
    cls.__init__ = _make_init(cls, all_fields)
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


def _make_init(cls, all_fields: dict[str, Field]):
    """The shared __init__ for this class's fields, which hands over to a compiled one when the class is busy."""
    names = tuple(all_fields)
    count = len(names)
    known = frozenset(names)
    defaults = tuple((f.name, f.default, f.default_factory) for f in all_fields.values())
    post_init = hasattr(cls, "__post_init__")
    built = 0

    def __init__(self, *args, **kwargs):
        nonlocal built
        built += 1
        if built == COMPILE_AFTER and cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _compile_init(cls, all_fields)
        if len(args) > count:
            raise TypeError(f"{cls.__qualname__}() takes {count} positional arguments but {len(args)} were given")
        values = dict(zip(names, args))
        if kwargs:
            if not kwargs.keys() <= known or not kwargs.keys().isdisjoint(values):
                raise TypeError(_keyword_problem(cls, known, values, kwargs))
            values.update(kwargs)
        if len(values) < count:
            for name, default, factory in defaults:
                if name not in values:
                    if default is not MISSING:
                        values[name] = default
                    elif factory is not MISSING:
                        values[name] = factory()
                    else:
                        raise TypeError(f"{cls.__qualname__}() missing required argument: {name!r}")
        # Straight into __dict__: a frozen class's __setattr__ refuses, and one call beats one per field.
        self.__dict__.update(values)
        if post_init:
            self.__post_init__()

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _compile_init(cls, all_fields: dict[str, Field]):
    """The same __init__ as Python source for these fields: faster per instance, slower to make."""
    params, values = [], []
    namespace: dict[str, object] = {"MISSING": MISSING}
    for spec in all_fields.values():
        name = spec.name
        if spec.default is not MISSING:
            namespace[f"__default_{name}"] = spec.default
            params.append(f"{name}=__default_{name}")
            values.append(f"{name}={name}")
        elif spec.default_factory is not MISSING:
            namespace[f"__factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            values.append(f"{name}=__factory_{name}() if {name} is MISSING else {name}")
        else:
            params.append(name)
            values.append(f"{name}={name}")
    lines = [f"self.__dict__.update({', '.join(values)})"]
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(lines)
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _keyword_problem(cls, known: frozenset[str], values: dict, kwargs: dict) -> str:
    unknown = [name for name in kwargs if name not in known]
    if unknown:
        return f"{cls.__qualname__}() got an unexpected keyword argument {unknown[0]!r}"
    twice = next(name for name in kwargs if name in values)
    return f"{cls.__qualname__}() got multiple values for argument {twice!r}"


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
