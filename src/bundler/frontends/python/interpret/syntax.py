"""Questions about a function's syntax the interpreter asks often (its parameters, its
decorators, what it assigns), answered once per node."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from bundler.frontends.python.walk import walk
from bundler.frontends.python.values import MUTATORS, FunctionRef, Value, dotted_name


def freeze(env: dict[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple(sorted(env.items(), key=lambda item: item[0]))


def location_text(function: FunctionRef) -> str:
    return f"{function.module.display}:{function.module.line_of(function.node)}"


def is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


def is_property(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator).rsplit(".", 1)[-1] in ("property", "cached_property") for d in node.decorators)


def is_classmethod(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "classmethod" for d in node.decorators)


def parameters(node: cst.FunctionDef) -> list[cst.Param]:
    params = node.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


_YIELDS: dict[cst.FunctionDef, bool] = {}


def contains_yield(node: cst.FunctionDef, text: str) -> bool:
    """Whether the function is a generator (a ``yield`` in its own body). ``text`` is its
    module's source: where the keyword is nowhere in it, no function of the module is walked."""
    if "yield" not in text:
        return False
    key = node
    if key not in _YIELDS:
        _YIELDS[key] = any(type(n) is cst.Yield for n in walk(node))
    return _YIELDS[key]


def body_statements(block: cst.BaseSuite | cst.CSTNode) -> Iterable[cst.CSTNode]:
    body = getattr(block, "body", ())
    return body if isinstance(body, (list, tuple)) else (body,)


def assigned_names(statements: Iterable[cst.CSTNode]) -> set[str]:
    """Every name a block may bind (for loops whose number of runs is unknown)."""
    names: set[str] = set()
    for statement in statements:
        for node in walk(statement):
            kind = type(node)
            if kind is cst.AssignTarget:
                names |= target_names(node.target)  # type: ignore[attr-defined]
            elif kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.NamedExpr):
                names |= target_names(node.target)  # type: ignore[attr-defined]
            elif kind is cst.AsName:
                names |= target_names(node.name)  # type: ignore[attr-defined]
            elif kind in (cst.FunctionDef, cst.ClassDef):
                names.add(node.name.value)  # type: ignore[attr-defined]
    return names


def target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(target_names(e.value) for e in target.elements)) if target.elements else set()
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name):
        return {f"{target.value.value}.{target.attr.value}"}
    return set()


# keyed by the node itself, never by id(): an id is reused once its node is freed
_SELF_ASSIGNMENTS: dict[cst.FunctionDef, dict[str, list[cst.BaseExpression]]] = {}


def self_assignments(function: cst.FunctionDef) -> dict[str, list[cst.BaseExpression]]:
    """The values ``self.attr = ...`` assigns in a method (the first parameter being ``self``), by attribute."""
    key = function
    if key not in _SELF_ASSIGNMENTS:
        names = parameter_names_of(function)
        index: dict[str, list[cst.BaseExpression]] = {}
        for node in walk(function) if names else ():
            kind = type(node)
            if kind is cst.Assign:
                targets = [t.target for t in node.targets]  # type: ignore[attr-defined]
            elif kind is cst.AnnAssign and node.value is not None:  # type: ignore[attr-defined]
                targets = [node.target]  # type: ignore[attr-defined]
            else:
                continue
            for target in targets:
                if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                        and target.value.value == names[0]:
                    index.setdefault(target.attr.value, []).append(node.value)  # type: ignore[attr-defined]
        _SELF_ASSIGNMENTS[key] = index
    return _SELF_ASSIGNMENTS[key]


def mentions_setattr(function: cst.FunctionDef, text: str) -> bool:
    """``setattr(...)`` or ``....__dict__``: attributes the checker cannot list. ``text`` is the
    function's module's source: where neither word is in it, nothing is walked."""
    if "setattr" not in text and "__dict__" not in text:
        return False
    return any((type(n) is cst.Name and n.value == "setattr")  # type: ignore[attr-defined]
               or (type(n) is cst.Attribute and n.attr.value == "__dict__")  # type: ignore[attr-defined]
               for n in walk(function))


def self_parameter(function: FunctionRef) -> str | None:
    """The name a method calls its object by (``self``), or None for functions and static methods."""
    if function.class_def is None or is_static(function.node):
        return None
    names = parameter_names_of(function.node)
    return names[0] if names else None


def parameter_names_of(node: cst.FunctionDef, stars: bool = False) -> list[str]:
    """The parameters' names in order; with ``stars``, ``*args`` and ``**kwargs`` too."""
    names = [p.name.value for p in parameters(node)]
    if stars:
        names += [p.name.value for p in (node.params.star_arg, node.params.star_kwarg) if isinstance(p, cst.Param)]
    return names


_CHANGES_PARAMETERS: dict[cst.FunctionDef, bool] = {}


def changes_parameters(function: cst.FunctionDef) -> bool:
    """Whether a function changes one of its parameters in place (``steps.append(x)``,
    ``steps[k] = x``, ``del steps[k]``, ``steps += [x]``): a caller's list or dict handed to it
    is then no longer what the caller held."""
    key = function
    if key not in _CHANGES_PARAMETERS:
        names = {p.name.value for p in parameters(function)}
        found = False
        for node in walk(function.body, into_definitions=True):
            kind = type(node)
            if kind is cst.Attribute and node.attr.value in MUTATORS and isinstance(node.value, cst.Name):  # type: ignore[attr-defined]
                found = node.value.value in names  # type: ignore[attr-defined]
            elif kind in (cst.AssignTarget, cst.Del, cst.AugAssign):
                target = node.target  # type: ignore[attr-defined]
                found = (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name)
                         and target.value.value in names) or (kind is cst.AugAssign and isinstance(target, cst.Name)
                                                              and target.value in names)
            if found:
                break
        _CHANGES_PARAMETERS[key] = found
    return _CHANGES_PARAMETERS[key]
