"""``@frozen``: ``@dataclass(frozen=True)``, and ``@mutable``: ``@dataclass(eq=False, repr=False)``,
with their methods made at no cost.

The dataclass decorator writes each method it adds as source text and compiles it, for every
class, at every start: a cold ``bundler check`` spent about 110 M of its instructions (6%)
compiling ``==``, ``hash`` and ``repr`` of its frozen classes, and about 40 M more compiling
``__init__``. Here ``==``, ``hash``, ``repr`` and the refusal to assign or delete a field are
closures over the class's fields, compiled once with this module, that answer as the generated
ones do (the same tuples compared and hashed, the same text, the same ``FrozenInstanceError``);
``__init__`` is one code object of this module given the class's parameters, with the same
defaults, factories and ``__post_init__`` call as the generated one (so the same signature and
the same errors for wrong arguments). Methods a class defines itself are kept, as the decorator
keeps them.
"""

from __future__ import annotations

import builtins
import dataclasses
import inspect
from _thread import get_ident
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from types import FunctionType
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
        undocumented = not getattr(cls, "__doc__")
        cls = dataclass(init=False, eq=False, repr=False)(cls)
        listed = fields(cls)  # type: ignore[arg-type]
        unset = [f.name for f in listed if not f.init and f.default is MISSING and f.default_factory is MISSING]
        if unset:  # __init__ leaves it unset: it could be assigned later
            raise TypeError(f"{cls.__qualname__}.{unset[0]}: a field without a value from __init__ cannot be @frozen")
        add_init(cls, listed, object.__setattr__, undocumented)
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


@dataclass_transform(field_specifiers=(field,))
def mutable(cls: type[T]) -> type[T]:
    """``@dataclass(eq=False, repr=False)``: fields and their ``__init__``, compared by identity."""
    undocumented = not getattr(cls, "__doc__")
    cls = dataclass(init=False, eq=False, repr=False)(cls)
    add_init(cls, fields(cls), setattr, undocumented)  # type: ignore[arg-type]
    return cls


class _Factory:
    """The default of a parameter whose field has a default factory (shown as the decorator shows it)."""

    def __repr__(self) -> str:
        return "<factory>"


FACTORY = _Factory()


def _init(self):  # type: ignore[no-untyped-def]  # every __init__'s code: its parameters are the class's
    _fill(self, locals())  # type: ignore[name-defined]  # noqa: F821 (each __init__'s own globals)


def add_init(cls: type, listed: tuple[Field, ...], assign: Callable[[object, str, Any], None],
             undocumented: bool) -> None:
    """The ``__init__`` the dataclass decorator writes, unless the class defines its own: a
    parameter for each field with ``init`` (in order, with its default; a field with a factory
    defaults to FACTORY, which its factory replaces), each field assigned in order (a field
    without ``init`` from its factory; with a plain default, not at all: the class attribute
    holds it), then ``__post_init__()``."""
    own = cls.__dict__
    initvars = [name for name, f in own.get("__dataclass_fields__", {}).items()
                if f._field_type is dataclasses._FIELD_INITVAR]  # type: ignore[attr-defined]
    if initvars or any(f.kw_only for f in listed):
        raise TypeError(f"{cls.__qualname__}: InitVar and keyword-only fields need @dataclass")
    parameters = [f for f in listed if f.init]
    defaults = []
    for f in parameters:
        if f.default is not MISSING or f.default_factory is not MISSING:
            defaults.append(f.default if f.default_factory is MISSING else FACTORY)
        elif defaults:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    if "__init__" in own:
        return
    steps = [(f.name, f.init, None if f.default_factory is MISSING else f.default_factory)
             for f in listed if f.init or f.default_factory is not MISSING]
    post_init = hasattr(cls, "__post_init__")

    def fill(self: object, given: dict[str, Any]) -> None:
        for name, passed, factory in steps:
            if not passed:
                assign(self, name, factory())  # type: ignore[misc]
                continue
            value = given[name]
            assign(self, name, factory() if factory is not None and value is FACTORY else value)
        if post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    names = tuple(f.name for f in parameters)
    code = _init.__code__.replace(
        co_argcount=len(names) + 1, co_nlocals=len(names) + 1, co_name="__init__",
        co_varnames=("__dataclass_self__" if "self" in names else "self", *names),
        co_qualname=f"{cls.__qualname__}.__init__")
    init = FunctionType(code, {"_fill": fill, "locals": locals, "__builtins__": builtins}, "__init__",
                        tuple(defaults) or None)
    init.__annotations__ = {**{f.name: f.type for f in parameters}, "return": None}
    init.__module__ = cls.__module__
    method(cls, init)
    if undocumented:  # the decorator's text for a class without a docstring
        try:
            cls.__doc__ = cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
        except (TypeError, ValueError):
            cls.__doc__ = cls.__name__


def method(cls: type, function: Callable[..., Any]) -> None:
    function.__qualname__ = f"{cls.__qualname__}.{function.__name__}"
    setattr(cls, function.__name__, function)


def assignment(cls: type, names: frozenset[str]) -> Callable[[object, str, Any], None]:
    def __setattr__(self: object, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
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
