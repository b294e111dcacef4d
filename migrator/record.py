"""Frozen record classes that are cheap to define: the subset of dataclasses we use.

``migrate --check Dockerfile`` is mostly start-up, and the standard dataclass
decorator compiles four to six functions from source for every class (about a third
of a millisecond each time, for some forty classes), and ``import dataclasses`` brings
``inspect`` (with ``ast``, ``dis``, ``tokenize``) along. Here equality, hashing, repr and
immutability are shared functions, and so is ``__init__`` at first: a class gets an
``__init__`` compiled for its own fields only once it has built COMPILE_AFTER
instances, where that starts to pay (a one-file run compiles one or two, not forty).
Same spelling as dataclasses: ``@dataclass(frozen=True)``, ``field(default=...,
default_factory=..., compare=False, repr=False)``, ``fields()``, ``replace()``;
``__dataclass_fields__`` maps names to fields as there.

What it costs, and what it buys. Type checkers and editors understand the decorator
through ``typing.dataclass_transform`` (PEP 681): mypy checks every record's
constructor calls and fields as it would a dataclass's, and the marker costs nothing
at run time (``typing`` is loaded anyway). Going back to
``dataclasses.dataclass(frozen=True)`` was measured on this project's shared 2-core
machine, the two versions of the package taken in turns: importing what a one-file
``migrate --check`` imports took 120.6 ms of CPU with this module and 167.3 ms with
dataclasses (best of 30 each, under a load average of 5), and the whole one-file run
162.7 ms against 201.5 ms (best of 40): dataclasses would add about a quarter to the
run that bench/run.py's one-file figure measures, whose target (3 x hadolint) it
already uses most of. ``slots=True`` would also rule out ``functools.cached_property``,
which the model uses. The price of keeping this module: its own tests
(tests/test_record.py) and the subset of dataclasses' features above.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

MISSING: Any = object()
# Compiling a class's own __init__ costs about 0.1 ms and saves a fraction of a
# microsecond an instance over the shared one.
COMPILE_AFTER = 100

_T = TypeVar("_T")


class FrozenInstanceError(AttributeError):
    pass


class Field:
    __slots__ = ("name", "default", "default_factory", "compare", "repr")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        compare: bool = True,
        repr: bool = True,
    ) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.compare = compare
        self.repr = repr


# The overloads tell a type checker what a field's declared type must accept, as dataclasses' do.
@overload
def field(*, default: _T, compare: bool = True, repr: bool = True) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], compare: bool = True, repr: bool = True) -> _T: ...
@overload
def field(*, compare: bool = True, repr: bool = True) -> Any: ...
def field(*, default: Any = MISSING, default_factory: Any = MISSING, compare: bool = True, repr: bool = True) -> Any:
    return Field(default, default_factory, compare, repr)


def fields(instance_or_class: Any) -> tuple[Field, ...]:
    return tuple(instance_or_class.__dataclass_fields__.values())


def replace(instance: _T, /, **changes: Any) -> _T:
    values = {name: getattr(instance, name) for name in instance.__dataclass_fields__}  # type: ignore[attr-defined]
    values.update(changes)
    return type(instance)(**values)


@overload
def dataclass(cls: type[_T], /) -> type[_T]: ...
@overload
def dataclass(*, frozen: bool = False, eq: bool = True) -> Callable[[type[_T]], type[_T]]: ...
@dataclass_transform(field_specifiers=(field, Field))
def dataclass(cls: Any = None, /, *, frozen: bool = False, eq: bool = True) -> Any:
    def wrap(cls: type[_T]) -> type[_T]:
        made: type[_T] = _make(cls, frozen, eq)
        return made

    return wrap if cls is None else wrap(cls)


def _make(cls: Any, frozen: bool, eq: bool) -> Any:
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
    setattr(cls, "__match_args__", tuple(all_fields))  # noqa: B010 (mypy refuses the plain assignment)
    if eq:
        cls.__eq__ = _eq
        cls.__hash__ = _hash if frozen else None
    if frozen:
        cls.__setattr__ = _frozen_setattr
        cls.__delattr__ = _frozen_delattr
    return cls


def _make_init(cls: Any, all_fields: dict[str, Field]) -> Callable[..., None]:
    """The shared __init__ for this class's fields, which hands over to a compiled one when the class is busy."""
    names = tuple(all_fields)
    count = len(names)
    known = frozenset(names)
    defaults = tuple((f.name, f.default, f.default_factory) for f in all_fields.values())
    post_init = hasattr(cls, "__post_init__")
    built = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal built
        built += 1
        if built == COMPILE_AFTER and cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _compile_init(cls, all_fields)
        if len(args) > count:
            raise TypeError(f"{cls.__qualname__}() takes {count} positional arguments but {len(args)} were given")
        values = dict(zip(names, args, strict=False))  # fewer arguments than fields: the rest by name or default
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


def _compile_init(cls: Any, all_fields: dict[str, Field]) -> Any:
    """The same __init__ as Python source for these fields: faster per instance, slower to make."""
    params: list[str] = []
    values: list[str] = []
    namespace: dict[str, Any] = {"MISSING": MISSING}
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


def _keyword_problem(cls: Any, known: frozenset[str], values: dict[str, Any], kwargs: dict[str, Any]) -> str:
    unknown = [name for name in kwargs if name not in known]
    if unknown:
        return f"{cls.__qualname__}() got an unexpected keyword argument {unknown[0]!r}"
    twice = next(name for name in kwargs if name in values)
    return f"{cls.__qualname__}() got multiple values for argument {twice!r}"


def _repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__dataclass_fields__.values() if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in self.__record_compared__)


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
