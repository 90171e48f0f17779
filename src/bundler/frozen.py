"""``@frozen``: ``@dataclass(frozen=True)`` with its ``==``, ``hash`` and ``repr`` made at no cost.

The dataclass decorator writes each method it adds as source text and compiles it, for every
class, at every start: a cold ``bundler check`` spent 54 M of its instructions (3%) compiling
``__eq__``, ``__hash__`` and ``__repr__`` for its frozen classes. Here the three are closures over
the class's fields, compiled once with this module; they return what the generated ones return
(the same tuples compared and hashed, the same text). ``__init__`` and the frozen ``__setattr__``
and ``__delattr__`` are still the decorator's. Methods a class defines itself are kept, as the
decorator keeps them.
"""

from __future__ import annotations

from _thread import get_ident
from dataclasses import MISSING, dataclass, field, fields
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T] | None = None, /, *, eq: bool = True) -> Any:
    """``@dataclass(frozen=True)`` (``eq=False``: compared by identity, as ``@dataclass(frozen=True,
    eq=False)``)."""
    def wrap(cls: type[T]) -> type[T]:
        cls = dataclass(frozen=True, eq=False, repr=False)(cls)
        listed = fields(cls)  # type: ignore[arg-type]
        own = cls.__dict__
        if "__repr__" not in own:
            method(cls, representation([f.name for f in listed if f.repr]))
        if not eq:
            return cls
        compared = [f.name for f in listed if f.compare]
        if any(f.hash is not None for f in listed):
            raise TypeError(f"{cls.__qualname__}: field(hash=...) is not supported by @frozen; use @dataclass")
        key = values_of(compared)
        declared = own.get("__hash__", MISSING)  # None alone stays (unhashable), as in the decorator
        if declared is MISSING or declared is None and "__eq__" in own:
            method(cls, hashing(key))
        if "__eq__" not in own:
            method(cls, equality(key))
        return cls

    return wrap if cls is None else wrap(cls)


def method(cls: type, function: Callable[..., Any]) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{function.__name__}"
    setattr(cls, function.__name__, function)


def values_of(names: list[str]) -> Callable[[object], tuple[Any, ...]]:
    """The tuple of the compared fields' values (``attrgetter`` of one name returns it bare)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


def equality(key: Callable[[object], tuple[Any, ...]]) -> Callable[[object, object], Any]:
    def __eq__(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def hashing(key: Callable[[object], tuple[Any, ...]]) -> Callable[[object], int]:
    def __hash__(self: object) -> int:
        return hash(key(self))

    return __hash__


def representation(names: list[str]) -> Callable[[object], str]:
    running: set[tuple[int, int]] = set()

    def __repr__(self: object) -> str:
        key = id(self), get_ident()
        if key in running:  # a value that contains itself, as the dataclass decorator prints it
            return "..."
        running.add(key)
        try:
            shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
            return f"{self.__class__.__qualname__}({shown})"
        finally:
            running.discard(key)

    return __repr__
