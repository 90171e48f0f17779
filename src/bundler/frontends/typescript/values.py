"""What TypeScript and JavaScript values the interpreter knows, beside the Python front end's
(numbers, strings with HOLE for unknown parts, tuples for arrays, ``Mapping`` for object
literals, ``Prepared`` statements, ``UNKNOWN``), which the shared SQL recognition reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bundler.frontends.bounds import ANY_INT, FLIPPED, SomeInt  # noqa: F401 (re-exported)
from bundler.frontends.sql.values import HOLE, NUMBER_HOLE, UNKNOWN, Mapping, Prepared  # noqa: F401 (re-exported)
from bundler.frontends.typescript.parse import Source, text
from bundler.frozen import frozen


class _External:
    """Outside the project (a package, ``require("fs")``, a global such as ``console``):
    calling it applies no migration of the project."""

    def __repr__(self) -> str:
        return "EXTERNAL"


EXTERNAL = _External()


@frozen(eq=False)
class ClassValue:
    node: Any  # class_declaration or class
    source: Source
    name: str  # as declared, or as the configuration names a bundle's minified copy


@frozen(eq=False)
class FunctionValue:
    """A function, method or arrow function, with what it sees: its captured frame and ``this``."""

    node: Any
    source: Source
    name: str
    frame: Any = None  # the Frame it was written in (closures)
    this: Any = None  # a method's receiver, or what an arrow function's ``this`` is
    owner: ClassValue | None = None  # the class a method is defined in (for super)


@dataclass(eq=False)
class Instance:
    """An object of a project class: ``this`` in a method, ``new Store(db)``."""

    cls: ClassValue
    attributes: dict[str, Any] = field(default_factory=dict)


@frozen
class Missing:
    """An import of a project file that is not there: what it would call cannot be read."""

    specifier: str


class Template(str):
    """A text with one DATA_HOLE standing for an integer's digits, ``numbers`` bounding that
    integer (``m${v}`` in ``for (let v = current + 1; v < 29; v++)``: never ``m29``). It is a
    str, as every text here (SQL reads it as before), that keeps the bounds for ``dispatch``."""

    numbers: SomeInt

    def __new__(cls, text: str, numbers: SomeInt) -> Template:
        made = super().__new__(cls, text)
        made.numbers = numbers
        return made


def with_holes(text: str, parts: tuple | list) -> str:
    """The text built from ``parts``: a Template when one part puts digits into it, an integer
    (or a text) with bounds, and no other part does."""
    numbered = [part for part in parts if DATA_HOLE in stringify(part)]
    bounds = numbered[0] if len(numbered) == 1 else None
    bounds = bounds.numbers if isinstance(bounds, Template) else bounds
    return Template(text, bounds) if isinstance(bounds, SomeInt) and bounds != ANY_INT else text


@frozen
class Dispatch:
    """``this[`m${n}`]`` with ``n`` unknown: every member whose name the template fits, by the
    number in its name (as Python's ``getattr(self, f"m{n}")``). Calling it runs each."""

    items: tuple[tuple[int, Any], ...]


@frozen
class Dynamic:
    """A member whose name cannot be built (``this[name]``): calling it cannot be followed."""

    code: str


@frozen
class Choice:
    """One of some known strings, which one unknown (``has(c) ? 'c' : 'NULL'`` in a template)."""

    options: tuple[str, ...]


@frozen
class Subset:
    """Some items of a known array, which ones unknown (``names.filter(n => has(n))``): a loop
    over it may run for each."""

    items: tuple


# Inside SQL text, an unknown part that cannot hold a statement of its own (no ";", no quote):
# a name or a value. It is spelled as the SQL reader's hole for digits, which it reads alike.
DATA_HOLE = NUMBER_HOLE


def source_text(node: Any, limit: int = 80) -> str:
    """The node's code on one line, shortened for a message."""
    code = " ".join(text(node).split())
    return code if len(code) <= limit else code[: limit - 3] + "..."


def truth(value: Any) -> bool | None:
    """JavaScript's truth of a known value; None when it cannot be known."""
    if value is None or isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, str):
        return bool(value) if HOLE not in value else (True if value.replace(HOLE, "") else None)
    if isinstance(value, (tuple, Mapping, FunctionValue, ClassValue, Instance, Prepared)):
        return True
    if isinstance(value, Choice):
        return True if all(value.options) else (False if not any(value.options) else None)
    return None


def is_known(value: Any) -> bool:
    if isinstance(value, str):
        return HOLE not in value
    return value is None or isinstance(value, (bool, int, float))


def stringify(value: Any) -> str:
    """A value inside a template or a concatenation: its text, or HOLE."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, Choice) and not any(";" in option or "'" in option for option in value.options) \
            or isinstance(value, SomeInt):
        return DATA_HOLE
    return HOLE
