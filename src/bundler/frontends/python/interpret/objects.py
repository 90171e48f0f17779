"""What the interpreter's values are beyond plain data: objects of project classes, bound
methods, lambdas and closures, generators, steps looked up by a built name, and what a run leaves
(records, call traces, outcomes)."""

from __future__ import annotations

from dataclasses import field
from enum import Enum
from typing import Any, Union

import libcst as cst

from bundler.frontends.python.records import RecordedVersion
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.values import ClassRef, FunctionRef, ModuleRef, Value
from bundler.frozen import frozen


@frozen
class Instance:
    """An object of a project class (``self``, ``MigrationRunner(conn)``), with the attributes
    its constructor set (``Statement(conn, sql)`` keeps its ``sql``)."""

    cls: ClassRef
    attributes: tuple[tuple[str, Any], ...] = ()


@frozen
class BoundMethod:
    """``self.m`` taken without calling it: calling it later runs ``m`` with this receiver."""

    function: FunctionRef
    receiver: Instance | ClassRef  # what ``self`` (or ``cls``) is inside


@frozen
class SuperProxy:
    """``super()``: attributes looked up after ``after`` in the receiver's class order."""

    receiver: Instance | ClassRef
    after: ClassRef


@frozen(eq=False)
class LambdaRef:
    """A lambda, with the names it sees where it was written (and the module it was written in,
    when that is not the caller's)."""

    node: cst.Lambda
    captured: tuple[tuple[str, Any], ...]
    module: ParsedModule | None = None
    receiver: Any = None  # a class attribute's lambda read on an object: called with it first


@frozen(eq=False)
class Lazy:
    """A generator expression: its first iterable ran where it was written; the rest runs only
    as it is consumed, and only by as much as it is consumed."""

    node: cst.GeneratorExp
    first: Any
    frame: int  # the frame that made it (its names are that frame's)


@frozen
class Closure:
    """A function defined inside another, with the names it sees from there."""

    function: FunctionRef
    captured: tuple[tuple[str, Any], ...]


class _External:
    """Something outside the project (the standard library, an installed package, a builtin the
    interpreter does not model): calling it applies no migration of the project."""

    def __repr__(self) -> str:
        return "EXTERNAL"


EXTERNAL = _External()


@frozen
class Repeated:
    """Items, how many unknown, each described by ``item``: ``range(current + 1, head + 1)``
    with a bound the checker cannot know (integers between the bounds that are known), or the
    standard import system's finders (``pkgutil.iter_importers()``)."""

    item: Any


@frozen
class Missing:
    """An import from one of the project's packages that the project does not have: what it
    would call cannot be read."""

    dotted: str


@frozen
class Dispatch:
    """A name built from a number the checker cannot know (``getattr(self, f"upgrade_{n}")``,
    ``import_module(f"app.upgrades.db{n}")``): every existing name the template fits, by its
    number. The path applies N exactly when the name built for N exists."""

    items: tuple[tuple[int, Any], ...]
    may_be_absent: bool = False  # getattr(..., default): for a number with no step it is the default


@frozen
class OneOf:
    """A name bound to different project functions on paths that may each have run (``if
    current == 1: from .m1 import step`` ... ``elif current == 2: ...``): calling it may call any."""

    choices: tuple


CALLABLE = (FunctionRef, BoundMethod, Closure, OneOf)


def one_of(first: Any, second: Any) -> OneOf:
    """Either of two callables (each possibly a choice already), each once."""
    choices: list[Any] = []
    for value in (*(first.choices if isinstance(first, OneOf) else (first,)),
                  *(second.choices if isinstance(second, OneOf) else (second,))):
        if not any(type(value) is type(known) and value == known for known in choices):
            choices.append(value)
    return OneOf(tuple(choices))


@frozen
class Slice:
    """Some consecutive items of a known tuple, which ones unknown: a loop over it may run any."""

    items: tuple
    first: int = 0  # the position of items[0] in the whole tuple


@frozen
class Record:
    """A recording statement that ran: the number it recorded and the function it ran in."""

    version: RecordedVersion
    function: FunctionRef  # where the recording statement is
    branch: tuple = field(default=(), compare=False)  # which branches it sits in (see Frame.either)
    # the node in its function's own module where it happened, when the recording statement is in
    # another module's lambda the function called (the call of the lambda)
    site: Any = field(default=None, compare=False)


@frozen
class CallTrace:
    """A call of a project function and everything it did, in order."""

    function: FunctionRef
    receiver: Instance | ClassRef | None
    node: cst.CSTNode
    env: tuple[tuple[str, Any], ...]  # the callee's bound parameters
    events: tuple["Event", ...]
    branch: tuple = field(default=(), compare=False)
    repeats: bool = field(default=False, compare=False)  # made in a loop body run once for many runs


@frozen
class Delegate:
    """A call of the registry's entry on a registry object: applies everything it applies."""

    node: cst.CSTNode
    caller: FunctionRef
    branch: tuple = field(default=(), compare=False)


Event = Union[Record, CallTrace, Delegate]


@frozen
class Outcome:
    """What running a function did, as its callers need it: cached by function, receiver and arguments."""

    events: tuple[Event, ...]
    result: Value
    attributes: tuple[tuple[str, Any], ...] = ()  # what the run left set on ``self``
    called: frozenset[int] = frozenset()  # every project function it called, at any depth (by definition)
    raises: bool = False  # every path through it ends in a raise: its caller stops there too


class Raised(Exception):
    """An expression that certainly raises (``self.absent()`` on a class that has no such
    attribute): the statement stops there, as at run time."""


class Flow(Enum):
    NORMAL = "normal"
    RETURN = "return"
    RAISE = "raise"
    BREAK = "break"
    CONTINUE = "continue"


OBJECTS = (Instance, ClassRef, ModuleRef, FunctionRef, BoundMethod, Closure, LambdaRef, SuperProxy)
