"""The builtins whose results decide which steps run: ``range``, ``enumerate`` (with its
start moving with a slice's bound), ``isinstance``, ``len``, ``zip``, slices and items of known
containers with numbers the checker cannot know."""

from __future__ import annotations

import libcst as cst

from bundler.frontends.python.walk import walk
from bundler.frontends.python.values import (
    ANY_INT, NUMBER_HOLE, UNKNOWN, Builtin, ClassRef, Mapping, SomeInt, Template, Value, derive, is_builtin_instance,
    is_known, is_number, type_of,
)
from bundler.frontends.python.interpret.library import STANDARD_FINDER, standard_finders_have
from bundler.frontends.python.interpret.objects import Dispatch, EXTERNAL, Instance, Lazy, Repeated, Slice
from bundler.frontends.python.interpret.statements import MAX_LOOP_ITEMS

# Builtins that run a generator handed to them to its end.
CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "dict"})


def range_bounds(args: list[Value], least_start: int) -> SomeInt:
    """The bounds of ``range(start, stop, step)``'s items, from the arguments that are known (a
    bounded unknown integer gives its bound). An unknown start counts up from a version read
    from the database, never below ``least_start``."""
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1) if len(args) == 2 else args
    if not is_number(step) or step == 0:
        return ANY_INT
    if step < 0:  # type: ignore[operator]
        low = stop + 1 if is_number(stop) else None  # type: ignore[operator]
        return SomeInt(low, start if is_number(start) else start.high if isinstance(start, SomeInt) else None)
    low = start if is_number(start) else start.low if isinstance(start, SomeInt) and start.low is not None \
        else least_start
    high = stop - 1 if is_number(stop) else stop.high - 1 if isinstance(stop, SomeInt) and stop.high is not None \
        else None  # type: ignore[operator]
    return SomeInt(low, high)  # type: ignore[arg-type]


class BuiltinCalls:
    """Builtins and containers (part of ``Frame``)."""

    def builtin(self, name: str, node: cst.Call) -> Value:
        positional, keywords = self.arguments(node)
        args = positional or []
        if name in ("any", "all") and len(args) == 1 and isinstance(args[0], Lazy):
            return self.short_circuit(name, args[0], node)
        if name in CONSUMERS:
            args = [self.consume(a, node) for a in args]
        if name == "dict" and not args and "**" not in keywords:
            return Mapping(tuple(keywords.items()))
        if name in ("list", "tuple", "set", "frozenset") and not args and not keywords:
            return ()
        if name == "hasattr" and len(args) == 2 and args[0] is STANDARD_FINDER and isinstance(args[1], str):
            found = standard_finders_have(args[1])
            return UNKNOWN if found is None else found
        if name in ("max", "min") and not keywords:
            numbers = args[0] if len(args) == 1 and isinstance(args[0], tuple) else tuple(args)
            if numbers and all(is_number(n) for n in numbers):
                return max(numbers) if name == "max" else min(numbers)  # type: ignore[type-var]
        if name == "getattr" and len(args) >= 2:
            return self.getattr(args, node)
        if name in ("__import__", "import_module"):
            return self.import_by_template(node, args, keywords)
        if name == "type" and len(args) == 1:
            return args[0].cls if isinstance(args[0], Instance) else type_of(args[0]) or EXTERNAL
        if name == "isinstance" and len(args) == 2:
            return self.isinstance(args[0], args[1])
        if name == "super":
            return self.super_proxy(args)
        if name == "range" and args and len(args) <= 3 and not all(is_number(a) for a in args):
            items = range_bounds(args, self.least_bound(node.args[0].value) if len(args) > 1 else 0)
            empty = items.low is not None and items.high is not None and items.low > items.high
            return () if empty else Repeated(items)  # range() takes integers only: its items are integers
        if name == "int" and len(args) == 1 and not is_known(args[0]):
            return args[0] if isinstance(args[0], SomeInt) else ANY_INT
        if name == "range" and args and all(is_number(a) for a in args) and len(args) <= 3:
            try:
                span = range(*args)
            except ValueError:
                return UNKNOWN
            return tuple(span) if len(span) <= MAX_LOOP_ITEMS else UNKNOWN
        if name == "enumerate" and len(args) in (1, 2):
            return self.enumerate(node, args[0], args[1] if len(args) == 2 else keywords.get("start", 0))
        known = [self.loop_items(a) for a in args]
        if name == "zip" and args and all(k is not None for k in known):
            return tuple(zip(*known))  # type: ignore[arg-type]
        if name in ("tuple", "list", "iter") and len(args) == 1 and known[0] is not None:
            return tuple(known[0])
        if name == "sorted" and len(args) == 1 and not keywords and known[0] is not None \
                and all(is_number(k) or isinstance(k, str) for k in known[0]):
            try:
                return tuple(sorted(known[0]))  # type: ignore[type-var]
            except TypeError:  # numbers and texts together: Python refuses them too
                return UNKNOWN
        if name == "reversed" and len(args) == 1 and known[0] is not None:
            return tuple(reversed(known[0]))
        if name == "len" and len(args) == 1 and known[0] is not None:
            return len(known[0])
        if name == "str" and len(args) == 1 and isinstance(args[0], SomeInt):
            return Template(NUMBER_HOLE, args[0])
        if name in ("str", "int", "bool") and len(args) == 1 and is_known(args[0]):
            try:
                return {"str": str, "int": int, "bool": bool}[name](args[0])
            except (TypeError, ValueError):
                return UNKNOWN
        if name == "print":
            return None
        self.check_external_arguments(node, [*args, *keywords.values()])
        return derive(*args) if name in ("str", "sorted") else UNKNOWN

    def enumerate(self, node: cst.Call, iterable: Value, start: Value) -> Value:
        """``enumerate(items, start)``; and ``enumerate(STEPS[current:], start=current + 1)``, where
        the unknown bound and the start move together: whichever item runs first, item k is
        numbered k + 1 (the bound is a version read from the database, never negative)."""
        if isinstance(iterable, Slice):
            shift = self.bound_and_start_shift(node)
            if shift is None:
                return UNKNOWN
            return Slice(tuple((iterable.first + index + shift, item) for index, item in enumerate(iterable.items)),
                         iterable.first)
        items = self.loop_items(iterable)
        if items is None or not is_number(start) or isinstance(start, bool):
            return UNKNOWN
        return tuple(enumerate(items, start))  # type: ignore[arg-type]

    def bound_and_start_shift(self, node: cst.Call) -> int | None:
        """``c`` when the call is ``enumerate(X[n + a:...], start=n + a + c)`` with ``n`` one local
        name, read once (no assignment expression inside the call)."""
        if any(type(n) is cst.NamedExpr for n in walk(node)):
            return None
        first = node.args[0].value
        start = next((a.value for a in node.args[1:] if a.keyword is None or a.keyword.value == "start"), None)
        if not isinstance(first, cst.Subscript) or start is None or len(first.slice) != 1 \
                or not isinstance(first.slice[0].slice, cst.Slice) or first.slice[0].slice.lower is None:
            return None
        lower, begin = self.linear(first.slice[0].slice.lower), self.linear(start)
        if lower is None or begin is None or lower[0] != begin[0] or lower[1] < 0:
            return None  # n - c may be negative: the slice would start from the end
        return begin[1] - lower[1]

    def linear(self, node: cst.BaseExpression) -> tuple[str, int] | None:
        """``n``, ``n + c``, ``c + n`` or ``n - c`` with ``n`` a local name and ``c`` a known integer."""
        if isinstance(node, cst.Name):
            return (node.value, 0) if node.value in self.env else None
        if not isinstance(node, cst.BinaryOperation) or type(node.operator) not in (cst.Add, cst.Subtract):
            return None
        sign = 1 if type(node.operator) is cst.Add else -1
        if isinstance(node.left, cst.Name):
            name, constant = node.left, node.right
        elif sign == 1 and isinstance(node.right, cst.Name):
            name, constant = node.right, node.left
        else:
            return None
        if name.value not in self.env or any(type(n) is cst.Call for n in walk(constant)):
            return None
        value = self.evaluate(constant)
        if not is_number(value) or isinstance(value, bool) or not float(value).is_integer():
            return None
        return name.value, sign * int(value)

    def isinstance(self, value: Value, classinfo: Value) -> Value:
        """``isinstance`` of a value whose type is known, against builtin types and project
        classes (a tuple of them too); UNKNOWN when either cannot be known."""
        kinds = classinfo if isinstance(classinfo, tuple) else (classinfo,)
        answers = [self.is_instance_of(value, c) for c in kinds]
        if True in answers:
            return True
        if isinstance(value, tuple) and {Builtin("list"), Builtin("tuple")} <= set(kinds):
            return True  # a sequence literal, whether written as a list or a tuple
        return False if answers and all(a is False for a in answers) else UNKNOWN

    def is_instance_of(self, value: Value, cls: Value) -> bool | None:
        if isinstance(cls, Builtin):
            if isinstance(value, Instance):
                return False if cls.name != "object" and self.closed_hierarchy(value.cls) else None
            return is_builtin_instance(value, cls.name)
        if isinstance(cls, ClassRef):
            if isinstance(value, Instance):
                order = self.resolver.mro(value.cls)
                return True if cls in order else False if self.closed_hierarchy(value.cls) else None
            return False if type_of(value) is not None or isinstance(value, tuple) else None
        return None

    def sliced(self, container: Value, part: cst.Slice) -> Value:
        """``MIGRATIONS[current:]`` with a bound the checker cannot know: any run of consecutive
        items between the bounds that are known may run."""
        bounds = [self.evaluate(b) if b is not None else None for b in (part.lower, part.upper, part.step)]
        if not isinstance(container, tuple) or all(b is None or is_number(b) for b in bounds):
            return self.cut(container, bounds)
        lower, upper, step = bounds
        if step is not None:
            return Slice(container)
        window = range(len(container))[slice(*(b if is_number(b) else None for b in (lower, upper)))]
        first = window.start if is_number(lower) else self.least_bound(part.lower)
        return Slice(tuple(container[i] for i in window if i >= first), first=first)

    def least_bound(self, bound: cst.BaseExpression | None) -> int:
        """The least position an unknown lower bound ``n + c`` can start at: ``c``, since ``n`` is a
        version read from the database, never negative (0 when the bound is not of that form)."""
        linear = self.linear(bound) if bound is not None else None
        return linear[1] if linear is not None and linear[1] >= 0 else 0

    def item(self, container: Value, key: Value) -> Value:
        """``STEPS[n]`` with ``n`` a number the checker cannot know: every item with a number key
        (of a dict), or every position (of a list), may be the one."""
        if isinstance(key, SomeInt) and isinstance(container, Mapping):
            return Dispatch(tuple(sorted((k, v) for k, v in container.items if is_number(k) and key.admits(k))))
        if isinstance(key, SomeInt) and isinstance(container, tuple):
            return Dispatch(tuple((k, v) for k, v in enumerate(container) if key.admits(k)))
        if isinstance(container, Slice):
            return self.item(container.items, key) if not is_number(key) else UNKNOWN
        return super().item(container, key)
