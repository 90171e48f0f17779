"""``@frozen``: ``@dataclass(frozen=True)`` with most of its methods made at no cost.

The dataclass decorator writes each method it adds as source text and compiles it, for every
class, at every start: a cold ``bundler check`` spent about 110 M of its instructions (6%)
compiling methods of its frozen classes. Here only ``__init__`` is the decorator's; ``==``,
``hash``, ``repr`` and the refusal to assign or delete a field are closures over the class's
fields, compiled once with this module, that answer as the generated ones do (the same tuples
compared and hashed, the same text, the same ``FrozenInstanceError``). Methods a class defines
itself are kept, as the decorator keeps them.

The one difference: ``__init__`` assigns the fields through ``__setattr__`` (the decorator's
frozen ``__init__`` goes around it), so each field may be assigned once, while it is still
unset; every field is set by ``__init__``, so none can be assigned afterwards.
"""

from __future__ import annotations

from _thread import get_ident
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen(cls: type[T] | None = None, /, *, eq: bool = True) -> Any:
    """``@dataclass(frozen=True)`` (``eq=False``: compared by identity, as ``@dataclass(frozen=True,
    eq=False)``)."""
    def wrap(cls: type[T]) -> type[T]:
        own = cls.__dict__
        if "__setattr__" in own or "__delattr__" in own:
            raise TypeError(f"Cannot overwrite attribute __setattr__ or __delattr__ in class {cls.__name__}")
        cls = dataclass(eq=False, repr=False)(cls)
        listed = fields(cls)  # type: ignore[arg-type]
        unset = [f.name for f in listed if not f.init and f.default is MISSING and f.default_factory is MISSING]
        if unset:  # __init__ leaves it unset: it could be assigned later
            raise TypeError(f"{cls.__qualname__}.{unset[0]}: a field without a value from __init__ cannot be @frozen")
        names = frozenset(f.name for f in listed)
        method(cls, assignment(cls, names))
        method(cls, deletion(cls, names))
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


def assignment(cls: type, names: frozenset[str]) -> Callable[[object, str, Any], None]:
    def __setattr__(self: object, name: str, value: Any) -> None:
        if name in names and name not in self.__dict__:  # __init__, setting a field
            object.__setattr__(self, name, value)
        elif type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        else:
            super(cls, self).__setattr__(name, value)  # type: ignore[misc]

    return __setattr__


def deletion(cls: type, names: frozenset[str]) -> Callable[[object, str], None]:
    def __delattr__(self: object, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[misc]

    return __delattr__


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
