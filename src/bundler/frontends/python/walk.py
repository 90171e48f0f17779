"""Fast walks over libcst trees. libcst's visitors rebuild every node they pass, which made
them most of the check's time; these read a node's fields directly."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import libcst as cst

DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_LAYOUT_WORDS = ("whitespace", "lpar", "rpar", "comma", "semicolon", "colon", "equal", "dot", "lbr", "rbr",
                 "header", "footer", "leading_lines", "lines_after", "newline", "operator", "asynchronous")
_NODE_TYPES: dict[type, bool] = {}


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children in source order, without the layout-only ones (whitespace, commas...)."""
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if not any(w in f.name for w in _LAYOUT_WORDS))
        _CHILD_FIELDS[kind] = names
    found: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if type(value) in (tuple, list):
            found += [item for item in value if is_node(item)]
        elif is_node(value):
            found.append(value)
    return found


def is_node(value: object) -> bool:
    """``isinstance(value, CSTNode)``, memoised per type (CSTNode is an ABC, and ABC checks are slow)."""
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


def walk(node: cst.CSTNode, *, into_definitions: bool = False) -> Iterator[cst.CSTNode]:
    """``node`` and everything below it, in source order; definitions nested below it (functions,
    classes, lambdas) are yielded but not entered unless asked."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and not into_definitions and type(current) in DEFINITIONS:
            continue
        below = children(current)  # a list, not a generator: walks are most of the check's own time
        below.reverse()
        stack += below
