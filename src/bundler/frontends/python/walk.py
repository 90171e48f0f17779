"""Fast walks over libcst trees. libcst's visitors rebuild every node they pass, which made
them most of the check's time; these read a node's fields directly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_LAYOUT_WORDS = ("whitespace", "lpar", "rpar", "comma", "semicolon", "colon", "equal", "dot", "lbr", "rbr",
                 "header", "footer", "leading_lines", "lines_after", "newline", "operator", "asynchronous")
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_NODE_TYPES: dict[type, bool] = {}


def child_fields(kind: type) -> tuple[str, ...]:
    """The fields of a node type that may hold nodes: neither the layout-only ones nor text
    (``Name.value``): a leaf has none, and a walk reads nothing of it."""
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = _CHILD_FIELDS[kind] = tuple(
            f.name for f in dataclasses.fields(kind)
            if f.type is not str and not any(word in f.name for word in _LAYOUT_WORDS))
    return names


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children in source order, without the layout-only ones (whitespace, commas...)."""
    found: list[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            found += [item for item in value if is_node(item)]
        elif is_node(value):
            found.append(value)
    return found


def is_node(value: object) -> bool:
    """``isinstance(value, CSTNode)``, memoised per type; read off the type's bases, as CSTNode
    is an ABC and its checks are slow (libcst registers no virtual subclasses)."""
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = cst.CSTNode in kind.__mro__
    return known


def walk(node: cst.CSTNode, *, into_definitions: bool = False) -> Iterator[cst.CSTNode]:
    """``node`` and everything below it, in source order; definitions nested below it (functions,
    classes, lambdas) are yielded but not entered unless asked."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        kind = type(current)
        if current is not node and not into_definitions and kind in DEFINITIONS:
            continue
        if _CHILD_FIELDS.get(kind, True):  # a leaf (a name, a number) has no children to look for
            below = children(current)  # a list, not a generator: walks are most of the check's own time
            below.reverse()
            stack += below
