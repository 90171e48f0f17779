"""Lists and dicts changed in place (``steps.pop()``, ``steps[2] = other``, ``del steps[0]``).

The interpreter holds containers as values, so a change in place gives the name that holds the
container its new value, computed where it can be (``append``, ``pop``, an item set by a known
key) and unknown where it cannot. Any other name whose value may be the same container (an alias,
or a container holding it) becomes unknown too. A container changed in place that no name of the
running function holds (a class's list, a module's list changed from elsewhere) cannot be
followed: its readers elsewhere would not see the change."""

from __future__ import annotations

from typing import Any

import libcst as cst

from bundler.frontends.python.values import MUTATORS, UNKNOWN, Derived, Mapping, Value, derive, is_known, is_number
from bundler.frontends.python.interpret.objects import Raised

CONTAINER_MUTATORS = MUTATORS | {"discard", "popitem"}


def is_container(value: Value) -> bool:
    return isinstance(value, (tuple, Mapping))


def holds(value: Value, container: Value) -> bool:
    """Whether ``value`` is, or holds, a container equal to ``container`` (which may then be the same object)."""
    if value == container and type(value) is type(container):
        return True
    if isinstance(value, tuple):
        return any(holds(item, container) for item in value)
    if isinstance(value, Mapping):
        return any(holds(item, container) for _, item in value.items)
    return False


def changed(container: tuple | Mapping | Derived, method: str, args: list[Value],
            keywords: dict[str, Value]) -> tuple[Value, Value]:
    """The container after ``container.method(*args)`` and what the call returns; UNKNOWN for
    either that cannot be computed. Raises ``Raised`` where Python raises (``pop`` of an empty list).
    A list of texts of unknown length (``Derived``) stays one, with what is added to it."""
    if keywords and method != "update":
        return UNKNOWN, UNKNOWN
    if isinstance(container, Derived):
        added = args[0] if method == "extend" and len(args) == 1 else args[-1] if method in ("append", "insert") \
            and args else UNKNOWN
        return derive(container, added), None
    if isinstance(container, tuple):
        return changed_list(container, method, args)
    return changed_dict(container, method, args, keywords)


def changed_list(items: tuple, method: str, args: list[Value]) -> tuple[Value, Value]:
    if method == "append" and len(args) == 1:
        return (*items, args[0]), None
    if method == "extend" and len(args) == 1 and isinstance(args[0], tuple):
        return (*items, *args[0]), None
    if method == "insert" and len(args) == 2 and is_number(args[0]):
        listed = list(items)
        listed.insert(args[0], args[1])
        return tuple(listed), None
    if method == "pop" and len(args) <= 1 and all(is_number(a) for a in args):
        if not items:
            raise Raised("pop from empty list")
        listed = list(items)
        try:
            popped = listed.pop(*args)
        except IndexError:
            raise Raised("pop index out of range") from None
        return tuple(listed), popped
    if method == "clear" and not args:
        return (), None
    if method == "reverse" and not args:
        return tuple(reversed(items)), None
    return UNKNOWN, UNKNOWN


def changed_dict(mapping: Mapping, method: str, args: list[Value], keywords: dict[str, Value]) -> tuple[Value, Value]:
    if method == "__setitem__" and len(args) == 2 and is_known(args[0]):
        return with_item(mapping, args[0], args[1]), None
    if method == "update" and len(args) <= 1 and (not args or isinstance(args[0], Mapping)):
        result = mapping
        for key, value in [*(args[0].items if args else ()), *keywords.items()]:  # type: ignore[union-attr]
            if not is_known(key):
                return UNKNOWN, None
            result = with_item(result, key, value)
        return result, None
    if method == "setdefault" and 1 <= len(args) <= 2 and is_known(args[0]):
        if args[0] in mapping.keys():
            return mapping, mapping.get(args[0])
        default = args[1] if len(args) == 2 else None
        return with_item(mapping, args[0], default), default
    if method == "pop" and 1 <= len(args) <= 2 and is_known(args[0]):
        if args[0] not in mapping.keys():
            if len(args) == 1:
                raise Raised(f"KeyError: {args[0]!r}")
            return mapping, args[1]
        return Mapping(tuple((k, v) for k, v in mapping.items if k != args[0])), mapping.get(args[0])
    if method == "clear" and not args:
        return Mapping(()), None
    return UNKNOWN, UNKNOWN


def with_item(mapping: Mapping, key: Any, value: Value) -> Mapping:
    if key in mapping.keys():
        return Mapping(tuple((k, value if k == key else v) for k, v in mapping.items))
    return Mapping((*mapping.items, (key, value)))


def without_item(container: tuple | Mapping, key: Value) -> Value:
    """``del container[key]``; UNKNOWN when the key is not known."""
    if isinstance(container, Mapping) and is_known(key):
        if key not in container.keys():
            raise Raised(f"KeyError: {key!r}")
        return Mapping(tuple((k, v) for k, v in container.items if k != key))
    if isinstance(container, tuple) and is_number(key):
        listed = list(container)
        try:
            del listed[key]  # type: ignore[call-overload]
        except IndexError:
            raise Raised("list index out of range") from None
        return tuple(listed)
    return UNKNOWN


class Containers:
    """Changes in place (part of ``Frame``)."""

    def holder(self, node: cst.BaseExpression) -> str | None:
        """The name this run keeps the receiver under: ``steps``, or ``self.steps`` when tracked."""
        if isinstance(node, cst.Name) and node.value in self.env:
            return node.value
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            key = f"{node.value.value}.{node.attr.value}"
            return key if key in self.env else None
        return None

    def change_in_place(self, owner: cst.BaseExpression, container: tuple | Mapping | Derived, method: str,
                        node: cst.Call) -> Value:
        """``owner.method(...)`` on a list or dict: its new value, and what the call returns."""
        positional, keywords = self.arguments(node)
        if positional is None:
            new, result = UNKNOWN, UNKNOWN
        else:
            new, result = changed(container, method, positional, keywords)
        self.replace_container(owner, container, new, node)
        return result

    def set_item(self, target: cst.Subscript, value: Value) -> None:
        """``owner[key] = value``."""
        container = self.evaluate(target.value)
        if not is_container(container):
            return
        key = self.single_key(target)
        if isinstance(container, Mapping) and is_known(key):
            new: Value = with_item(container, key, value)
        elif isinstance(container, tuple) and is_number(key) and -len(container) <= key < len(container):  # type: ignore[operator]
            listed = list(container)
            listed[key] = value  # type: ignore[index]
            new = tuple(listed)
        else:
            new = UNKNOWN
        self.replace_container(target.value, container, new, target)

    def delete_item(self, target: cst.Subscript) -> None:
        """``del owner[key]``."""
        container = self.evaluate(target.value)
        if is_container(container):
            self.replace_container(target.value, container, without_item(container, self.single_key(target)), target)

    def single_key(self, target: cst.Subscript) -> Value:
        element = target.slice[0].slice if len(target.slice) == 1 else None
        return self.evaluate(element.value) if isinstance(element, cst.Index) else UNKNOWN

    def replace_container(self, owner: cst.BaseExpression, old: tuple | Mapping | Derived, new: Value,
                          node: cst.CSTNode) -> None:
        """The name holding ``old`` holds ``new`` now; names that may hold the same object are unknown."""
        key = self.holder(owner)
        if key is None:
            if self.strict:
                self.cannot_follow(node, f"it changes {self.source(owner)} in place, which the checker does not"
                                         " track outside the function that holds it",
                                   "build the list or dict in the function that runs its steps", what="changes")
            return
        self.forget_aliases(old, key)
        self.env[key] = new

    def forget_aliases(self, old: Value, keep: str | None = None) -> None:
        for name, value in list(self.env.items()):
            if name != keep and holds(value, old):
                self.env[name] = UNKNOWN

    def hand_over(self, argument_nodes: list[cst.BaseExpression]) -> None:
        """Containers handed to code that may change them in place (outside the project, or a
        project function that changes its parameter): what the names held is no longer known."""
        for argument in argument_nodes:
            key = self.holder(argument)
            if key is not None and is_container(self.env[key]):
                self.forget_aliases(self.env[key])
