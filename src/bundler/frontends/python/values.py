"""Static evaluation of the expressions that carry version numbers, SQL text and callables.

Only what can be known without running code is resolved: literals, operators on known values,
string concatenation, f-strings, ``%``/``str.format``/``join``, module and class constants,
constants imported from other modules of the project, and names bound by the caller. Anything
else is ``UNKNOWN``. A string with unknown parts keeps its known text around ``HOLE`` markers,
so the checker can still tell whether it writes to the version table; a string computed from
known texts by operations not modelled (``script.splitlines()``) is ``Derived`` from them.

``Evaluation`` evaluates one expression tree; the interpreter (the interpret package) subclasses it to
give names, attributes and calls their meaning inside a running function.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from typing import Any, Union

import libcst as cst

from bundler.frontends.bounds import ANY_INT, FLIPPED, SomeInt  # noqa: F401 (re-exported)
from bundler.frontends.python.sources import ModuleSet, ParsedModule
from bundler.frontends.python.subclasses import registered, registrations
from bundler.frontends.python.walk import walk
from bundler.frontends.sql.values import (  # noqa: F401 (the values SQL recognition reads, shared by every front end)
    HOLE, NUMBER_HOLE, UNKNOWN, Mapping, ParamRef, Prepared, Unknown as _Unknown, has_hole,
)
from bundler.frozen import frozen


@frozen
class Template:
    """A string with unknown parts, each shown as HOLE; ``numbers`` bounds the number its one
    NUMBER_HOLE stands for, when the integer formatted there was bounded."""

    text: str
    numbers: SomeInt = ANY_INT


def with_holes(text: str, parts: Any) -> Value:
    """The text built from ``parts``: a Template when it has holes, keeping the bounds of the one
    bounded integer formatted into it."""
    if not has_hole(text):
        return text
    bounds = [p if isinstance(p, SomeInt) else p.numbers for p in parts
              if isinstance(p, SomeInt) or (isinstance(p, Template) and NUMBER_HOLE in p.text)]
    return Template(text, bounds[0] if len(bounds) == 1 else ANY_INT)


@frozen
class Matched:
    """What ``re.match`` gives on known texts: its groups by position (the whole match first)
    and by name. A match is always true."""

    groups: tuple[str | None, ...]
    named: tuple[tuple[str, str | None], ...]


@frozen
class Derived:
    """A string computed from these texts by operations the checker does not model (a split, a
    loop over lines, a join of a list of unknown length): it can only hold what they hold. A text
    with unknown parts keeps them as holes."""

    sources: frozenset[str]


class ByIdentity:
    """A value standing for one definition of one parsed module: equal to another exactly when
    both stand for the same one (trees are compared by identity, never walked)."""

    def identity(self) -> tuple[int, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.identity() == self.identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self.identity())


@frozen(eq=False)
class FunctionRef(ByIdentity):
    """A function or method of the project, as a value (``self.m``, ``migrate_1to2``)."""

    module: ParsedModule
    class_def: cst.ClassDef | None
    node: cst.FunctionDef

    def identity(self) -> tuple[int, ...]:
        return id(self.module), id(self.node)

    @property
    def name(self) -> str:
        owner = f"{self.class_def.name.value}." if self.class_def else ""
        return owner + self.node.name.value


@frozen(eq=False)
class ClassRef(ByIdentity):
    """A class of the project, as a value."""

    module: ParsedModule
    node: cst.ClassDef

    def identity(self) -> tuple[int, ...]:
        return id(self.module), id(self.node)

    @property
    def name(self) -> str:
        return self.node.name.value


@frozen(eq=False)
class ModuleRef(ByIdentity):
    """A module of the project, as a value (``from worker.store import schema_steps as steps``)."""

    module: ParsedModule

    def identity(self) -> tuple[int, ...]:
        return (id(self.module),)


@frozen
class Builtin:
    """A builtin the interpreter models (``getattr``, ``range``, ``super``...)."""

    name: str


Value = Union[int, float, str, bool, None, Template, Derived, tuple, Mapping, ParamRef, Prepared, FunctionRef,
              ClassRef, ModuleRef, Builtin, _Unknown, Any]

MAX_IMPORT_DEPTH = 16
MAX_SEQUENCE = 10_000  # longer computed tuples (a range) are not built
PURE_TEXT_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "lower", "upper", "casefold", "replace", "split", "rsplit", "splitlines",
    "removeprefix", "removesuffix", "startswith", "endswith", "zfill", "title", "capitalize",
})
BUILTINS = frozenset({
    "getattr", "type", "super", "range", "enumerate", "zip", "reversed", "sorted", "len", "str", "int", "tuple",
    "list", "isinstance", "hasattr", "print", "dict", "set", "frozenset", "bool", "repr", "min", "max", "iter",
    "__import__", "float", "bytes", "object", "any", "all", "sum", "set", "frozenset",
})
# The builtin types whose attributes are their methods (``bytes.fromhex``, ``dict.fromkeys``): code
# outside the project, which runs project code only through what it is handed.
DATA_TYPES = frozenset({"str", "bytes", "int", "float", "bool", "dict", "list", "tuple", "set", "frozenset"})
# What ``type(value)`` is for a value known exactly (a tuple may have been a list: not known).
TYPE_NAMES: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str", type(None): "NoneType"}
BUILTIN_TYPES = frozenset({"int", "bool", "float", "str", "bytes", "dict", "list", "tuple", "set", "frozenset",
                           "NoneType", "object"})


class StepText(str):
    """An item of the registry's list that is SQL text (``UPDATES[2]`` of a list numbered by
    position): running it applies the numbers the registry gives that item. Text computed from
    it is plain text; it equals only the same item (two items may hold the same text, and a
    remembered outcome must not stand for the other), so comparisons in the code read its text
    (``plain``)."""

    numbers: tuple[int, ...]

    def __new__(cls, text: str, numbers: tuple[int, ...]) -> StepText:
        step = super().__new__(cls, text)
        step.numbers = numbers
        return step

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StepText) and str.__eq__(self, other) and self.numbers == other.numbers

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((str.__str__(self), self.numbers))

    def __repr__(self) -> str:
        return f"StepText({str.__repr__(self)}, {self.numbers})"


def plain(value: Value) -> Value:
    """A value as the code compares it: a step's text as text (in a tuple too)."""
    if isinstance(value, StepText):
        return str.__str__(value)
    if isinstance(value, tuple) and any(isinstance(item, StepText) for item in value):
        return tuple(plain(item) for item in value)
    return value


def text_of(value: Value) -> str | None:
    """The text of a string value, with HOLE for unknown parts; None if not a string at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return value.text
    return None


def is_number(value: Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def truth(value: Value) -> bool | None:
    """Python's truth of a known value; None when it cannot be known."""
    if value is None or isinstance(value, (bool, int, float, str, tuple, Mapping)):
        return bool(value)
    if isinstance(value, Template):
        return True if value.text.replace(HOLE, "").replace(NUMBER_HOLE, "") else None
    if isinstance(value, (FunctionRef, ClassRef, ModuleRef, Builtin, Prepared, Matched)):
        return True
    return None


def type_of(value: Value) -> Builtin | None:
    """``type(value)`` when it is one of the builtin types and known exactly."""
    if isinstance(value, Mapping):
        return Builtin("dict")
    name = TYPE_NAMES.get(type(value))
    return Builtin(name) if name is not None else None


def is_builtin_instance(value: Value, name: str) -> bool | None:
    """``isinstance(value, <builtin type name>)``; None when it cannot be known (a tuple may
    have been written as a list)."""
    if name == "object":
        return True
    if isinstance(value, tuple):
        return False if name in BUILTIN_TYPES - {"list", "tuple"} else None
    exact = type_of(value)
    if exact is None:
        return None
    if exact.name == name or (exact.name == "bool" and name == "int"):
        return True
    return False if name in BUILTIN_TYPES else None


def is_known(value: Value) -> bool:
    """A plain value whose Python meaning is exactly known (for comparisons)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    return isinstance(value, tuple) and all(is_known(v) for v in value)


def derive(*values: Value) -> Value:
    """The result of an operation the checker does not model on these values: a text derived
    from them when they are all known texts, else UNKNOWN."""
    sources: set[str] = set()
    for value in values:
        if isinstance(value, (str, Template)):
            sources.add(text_of(value))  # type: ignore[arg-type]
        elif isinstance(value, Derived):
            sources |= value.sources
        elif isinstance(value, tuple) and all(isinstance(v, (str, Template, Derived)) for v in value):
            for item in value:
                sources |= item.sources if isinstance(item, Derived) else {text_of(item)}  # type: ignore[arg-type]
        elif is_number(value) or value is None:
            continue
        else:
            return UNKNOWN
    return Derived(frozenset(sources)) if sources else UNKNOWN


@lru_cache(maxsize=256)
def attribute_targets(tree: cst.Module) -> dict[str, list[cst.BaseExpression]]:
    """Every object a module's code sets an attribute on, by the attribute's name: assignment
    targets (plain, annotated, augmented, in tuples) and ``setattr`` with a literal name."""
    found: dict[str, list[cst.BaseExpression]] = {}
    for node in walk(tree, into_definitions=True):
        kind = type(node)
        if kind is cst.Assign:
            targets = [target.target for target in node.targets]  # type: ignore[attr-defined]
        elif kind in (cst.AugAssign, cst.AnnAssign):
            targets = [node.target]  # type: ignore[attr-defined]
        elif kind is cst.Call and isinstance(node.func, cst.Name) and node.func.value == "setattr" \
                and len(node.args) >= 2 and isinstance(node.args[1].value, cst.SimpleString):  # type: ignore[attr-defined]
            found.setdefault(node.args[1].value.evaluated_value, []).append(node.args[0].value)  # type: ignore[attr-defined]
            continue
        else:
            continue
        while targets:
            target = targets.pop()
            if isinstance(target, (cst.Tuple, cst.List)):
                targets += [element.value for element in target.elements]
            elif isinstance(target, cst.Attribute):
                found.setdefault(target.attr.value, []).append(target.value)
    return found


class ModuleScope:
    """Top-level names of one module: constants, classes, functions and imports."""

    def __init__(self, module: ParsedModule) -> None:
        self.module = module
        self.constants: dict[str, cst.BaseExpression | None] = {}
        self.classes: dict[str, cst.ClassDef] = {}
        self.functions: dict[str, cst.FunctionDef] = {}
        self.imported_names: dict[str, tuple[str, str]] = {}  # local → (module, name)
        self.imported_modules: dict[str, str] = {}  # local → module
        self.star_imports: list[str] = []  # modules whose names `from m import *` brings in
        for statement in module.tree.body:
            self._index(statement)
        self.registrations = {name: found for name, found in registrations(module.tree).items()
                              if name in self.constants and found.base in self.classes}
        filled = appended_lists(module.tree, self.constants, self.functions)
        self.constants.update(filled)
        for name in assigned_in_blocks(module.tree) - self.functions.keys() - self.classes.keys():
            self.constants[name] = None  # (re)assigned in a loop, a branch or a try: what running the module leaves
        for name in defined_in_blocks(module.tree):  # `try: from x import y`, a class defined under an `if`
            if not any(name in table for table in (self.constants, self.functions, self.classes,
                                                   self.imported_names, self.imported_modules)):
                self.constants[name] = None
        for stub in module.unreadable:  # a function read as a stub may change any name it mentions
            for name in stub.mentions() & self.constants.keys():
                self.constants[name] = None
        self._filled = filled.keys()

    def constant(self, name: str) -> cst.BaseExpression | None:
        """A constant's literal; None when it is no literal, when a function of the module rebinds
        it (``global NAME``: ``SETTINGS_DIR = None`` until a setup function sets it), or when the
        module changes it in place otherwise than by filling it as it is imported (its literal
        is not its value). A string or a number cannot change in place: the module is searched
        for that only when the literal is a container."""
        expression = self.constants.get(name)
        if expression is None or name in self.rebound:
            return None
        if type(expression) in UNCHANGEABLE_LITERALS or name in self._filled or name not in self.changed_in_place:
            return expression
        return None

    @cached_property
    def rebound(self) -> set[str]:
        """The module-level names its functions and classes declare ``global`` (walked only when
        the module's text has the word)."""
        if "global" not in self.module.text:
            return set()
        return {item.name.value for node in walk(self.module.tree, into_definitions=True) if type(node) is cst.Global
                for item in node.names}  # type: ignore[attr-defined]

    @cached_property
    def block_definitions(self) -> list[cst.FunctionDef | cst.ClassDef]:
        """The functions and classes its top-level blocks define, which no table holds by name."""
        return definitions_in_blocks(self.module.tree)

    @cached_property
    def changed_in_place(self) -> set[str]:
        """Looked for once a constant's value is read: most modules' never are, and this walks all."""
        return mutated_names(self.module.tree)

    def _index(self, statement: cst.CSTNode) -> None:
        # A later definition replaces an earlier one of the same name, as at run time.
        if isinstance(statement, cst.ClassDef):
            self._forget(statement.name.value)
            self.classes[statement.name.value] = statement
        elif isinstance(statement, cst.FunctionDef):
            self._forget(statement.name.value)
            self.functions[statement.name.value] = statement
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                collect_assignment(small, self.constants)
                self._index_import(small)
        elif isinstance(statement, cst.If):  # e.g. `if TYPE_CHECKING:` imports
            for inner in statement.body.body:
                self._index(inner)

    def _forget(self, name: str) -> None:
        for table in (self.classes, self.functions, self.constants, self.imported_names, self.imported_modules):
            table.pop(name, None)  # type: ignore[attr-defined]

    def _index_import(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
            source = absolute_import(self.module, small)
            if source is not None:
                self.star_imports.append(source)
        elif isinstance(small, cst.ImportFrom):
            source = absolute_import(self.module, small)
            if source is None:
                return
            for alias in small.names:  # type: ignore[union-attr]
                name = dotted_name(alias.name)
                local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
                self.imported_names[local] = (source, name)
                self.imported_modules.setdefault(local, f"{source}.{name}")
        elif isinstance(small, cst.Import):
            for alias in small.names:
                name = dotted_name(alias.name)
                if alias.asname:
                    self.imported_modules[alias.asname.name.value] = name  # type: ignore[union-attr]
                else:
                    self.imported_modules[name.split(".")[0]] = name.split(".")[0]


UNCHANGEABLE_LITERALS = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary})
MUTATORS = frozenset({"append", "extend", "insert", "update", "setdefault", "add", "pop", "remove", "clear",
                      "sort", "reverse", "__setitem__"})


def mutated_names(tree: cst.Module) -> set[str]:
    """Names the module changes in place anywhere, in its functions too (``MIGRATIONS.append``,
    even as a decorator ``migration = MIGRATIONS.append``, or ``STEPS[n] = ...``): a list filled
    that way is not its literal."""
    names: set[str] = set()
    for node in walk(tree, into_definitions=True):
        if type(node) is cst.Attribute and node.attr.value in MUTATORS and isinstance(node.value, cst.Name):
            names.add(node.value.value)
        elif type(node) is cst.AssignTarget and isinstance(node.target, cst.Subscript) \
                and isinstance(node.target.value, cst.Name):
            names.add(node.target.value.value)
    return names


def assigned_in_blocks(tree: cst.Module) -> set[str]:
    """Names the module's top-level loops, branches, ``try`` and ``with`` blocks assign."""
    names: set[str] = set()
    for node in in_blocks(tree):
        if type(node) is cst.AssignTarget and isinstance(node.target, cst.Name):  # type: ignore[attr-defined]
            names.add(node.target.value)  # type: ignore[attr-defined]
        elif type(node) in (cst.AugAssign, cst.AnnAssign, cst.For) and isinstance(node.target, cst.Name):  # type: ignore[attr-defined]
            names.add(node.target.value)  # type: ignore[attr-defined]
    return names


BLOCKS = (cst.For, cst.While, cst.If, cst.Try, cst.TryStar, cst.With, cst.Match)


def in_blocks(tree: cst.Module) -> Iterator[cst.CSTNode]:
    """The nodes of the module's top-level blocks (loops, branches, ``try``, ``with``, ``match``),
    definitions yielded but not entered."""
    for statement in tree.body:
        if isinstance(statement, BLOCKS):
            yield from walk(statement)


def definitions_in_blocks(tree: cst.Module) -> list[cst.FunctionDef | cst.ClassDef]:
    """The functions and classes the module's top-level blocks define (``try: class Proxy: ...``)."""
    return [node for node in in_blocks(tree) if type(node) is cst.FunctionDef or type(node) is cst.ClassDef]  # type: ignore[misc]


def defined_in_blocks(tree: cst.Module) -> set[str]:
    """Names the module's top-level blocks bind by an import, a ``def`` or a ``class``: names of
    the module all the same (a name read nowhere else was taken for one outside the project),
    whose value is what running the module leaves."""
    names: set[str] = set()
    for node in in_blocks(tree):
        kind = type(node)
        if kind is cst.FunctionDef or kind is cst.ClassDef:
            names.add(node.name.value)  # type: ignore[attr-defined]
        elif kind is cst.Import:
            names.update(alias.asname.name.value if alias.asname else dotted_name(alias.name).split(".")[0]
                         for alias in node.names)  # type: ignore[attr-defined, union-attr]
        elif kind is cst.ImportFrom and not isinstance(node.names, cst.ImportStar):  # type: ignore[attr-defined]
            names.update(alias.asname.name.value if alias.asname else dotted_name(alias.name)
                         for alias in node.names)  # type: ignore[attr-defined, union-attr]
    return names


def changed_in_definitions(tree: cst.Module) -> set[str]:
    """Module-level names a function or class of the module may change (in place, or by
    ``global``): their value once the module is imported is not what importing it left."""
    names: set[str] = set()
    for statement in tree.body:
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for node in walk(statement, into_definitions=True):
            if type(node) is cst.Global:
                names.update(item.name.value for item in node.names)  # type: ignore[attr-defined]
        names |= mutated_names(cst.Module(body=[statement]))
    return names


def appended_lists(tree: cst.Module, constants: dict[str, cst.BaseExpression | None],
                   functions: dict[str, cst.FunctionDef]) -> dict[str, cst.List]:
    """Lists the module fills while it is imported, and only so: ``MIGRATIONS = []`` with
    ``MIGRATIONS.append(step)`` statements, functions decorated ``@MIGRATIONS.append``, with an
    alias of it (``migration = MIGRATIONS.append``), or with a registering function (``def
    migration(fn): MIGRATIONS.append(fn); return fn``). Their value, once the module is imported,
    is the literal and then each item in the order the module appends it. A list changed in any
    other way (in a function that runs later, by another mutator, an alias used otherwise) is not
    one of them."""
    filled: dict[str, cst.List] = {}
    for name, literal in constants.items():
        if not isinstance(literal, cst.List):
            continue
        registrars = {alias for alias, value in constants.items() if is_append_of(value, name)} \
            | {f for f, node in functions.items() if registers_into(node, name)}
        allowed: set[int] = set()
        items = list(literal.elements)
        for statement in tree.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                for decorator in statement.decorators:
                    target = decorator.decorator
                    if (isinstance(target, cst.Name) and target.value in registrars) or is_append_of(target, name):
                        allowed.add(id(target))
                        items.append(cst.Element(statement.name))
                if statement.name.value in registrars and isinstance(statement, cst.FunctionDef):
                    allowed.update(id(n) for n in walk(statement))
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) \
                            and is_append_of(small.value.func, name) and len(small.value.args) == 1:
                        allowed.add(id(small.value.func))
                        items.append(cst.Element(small.value.args[0].value))
                    elif isinstance(small, cst.Assign) and is_append_of(small.value, name):
                        allowed.update(id(n) for n in walk(small))
        if len(items) > len(literal.elements) and all(id(n) in allowed for n in changes_of(tree, name, registrars)):
            filled[name] = literal.with_changes(elements=items)
    return filled


def is_append_of(node: cst.CSTNode | None, name: str) -> bool:
    return isinstance(node, cst.Attribute) and node.attr.value == "append" and isinstance(node.value, cst.Name) \
        and node.value.value == name


def registers_into(function: cst.FunctionDef, name: str) -> bool:
    """``def migration(fn): LIST.append(fn); return fn`` (a docstring allowed)."""
    params = function.params.params
    if len(params) != 1 or function.decorators or not isinstance(function.body, cst.IndentedBlock):
        return False
    param = params[0].name.value
    lines = [s for s in function.body.body if not (isinstance(s, cst.SimpleStatementLine) and isinstance(
        s.body[0], cst.Expr) and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))]
    smalls = [s.body[0] for s in lines if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1]
    if len(smalls) != len(lines) or not 1 <= len(smalls) <= 2:
        return False
    call = smalls[0].value if isinstance(smalls[0], cst.Expr) else None
    appends = isinstance(call, cst.Call) and is_append_of(call.func, name) and len(call.args) == 1 \
        and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == param
    returns = len(smalls) == 1 or (isinstance(smalls[1], cst.Return) and isinstance(smalls[1].value, cst.Name)
                                   and smalls[1].value.value == param)
    return appends and returns


def changes_of(tree: cst.Module, name: str, registrars: set[str]) -> Iterator[cst.CSTNode]:
    """Every place that may change the list: its mutators, subscript assignments, and each use of a
    name that appends to it."""
    for node in walk(tree, into_definitions=True):
        if type(node) is cst.Attribute and node.attr.value in MUTATORS and isinstance(node.value, cst.Name) \
                and node.value.value == name:
            yield node
        elif type(node) is cst.AssignTarget and isinstance(node.target, cst.Subscript) \
                and isinstance(node.target.value, cst.Name) and node.target.value.value == name:
            yield node
        elif type(node) is cst.Name and node.value in registrars:
            yield node


def absolute_import(module: ParsedModule, node: cst.ImportFrom) -> str | None:
    target = dotted_name(node.module) if node.module else ""
    if not node.relative:
        return target
    package = (module.dotted or "").split(".")
    is_package = module.relpath.endswith("__init__.py")
    keep = len(package) - len(node.relative) + (1 if is_package else 0)
    if keep < 0:
        return None
    return ".".join(filter(None, [*package[:keep], target]))


def collect_assignment(small: cst.CSTNode, into: dict[str, cst.BaseExpression | None]) -> None:
    """Record ``NAME = expr``; a name assigned twice becomes ambiguous (None)."""
    targets: list[str] = []
    value: cst.BaseExpression | None = None
    if isinstance(small, cst.Assign):
        targets = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
        value = small.value
    elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
        targets = [small.target.value]
        value = small.value
    elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
        targets = [small.target.value]
    for name in targets:
        into[name] = None if name in into else value


def dotted_name(node: cst.BaseExpression | cst.Attribute | cst.Name) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


class Resolver:
    """Module scopes and class constants of a module set, and the evaluation of constants."""

    def __init__(self, modules: ModuleSet) -> None:
        self.modules = modules
        self._scopes: dict[int, ModuleScope] = {}
        self._class_constants: dict[int, dict[str, cst.BaseExpression | None]] = {}
        self._class_methods: dict[int, dict[str, cst.FunctionDef]] = {}
        self._orders: dict[ClassRef, tuple[ClassRef, ...]] = {}
        self._set_as_attribute: dict[tuple[int, str], bool] = {}
        # the module of the path being run: what registers by subclassing is what it imports
        self.importer: ParsedModule | None = None
        self.registrations_read = False  # once one is read, outcomes depend on the importer
        self.registrations_in_run = 0  # reads of one since the path's run began
        # what running a module's top-level code leaves in one of its names (the interpreter's)
        self.value_after_import: Callable[[ParsedModule, str], Value] | None = None
        # the registry's list of SQL texts, by (module, name): each position's numbers (see StepText)
        self.step_texts: dict[tuple[str, str], dict[int, tuple[int, ...]]] = {}

    def scope(self, module: ParsedModule) -> ModuleScope:
        key = id(module)
        if key not in self._scopes:
            self._scopes[key] = ModuleScope(module)
        return self._scopes[key]

    def set_as_attribute(self, module: ParsedModule, name: str) -> bool:
        """Whether code anywhere in the project may set this top-level name as an attribute of its
        module (``config.SETTINGS_DIR = path`` in a set-up function, or at another module's import):
        then its literal is not what the code that reads it sees. An object the assignment cannot
        be told apart from the module (a parameter, a computed object) counts as the module."""
        key = (id(module), name)
        if key not in self._set_as_attribute:
            self._set_as_attribute[key] = any(
                self.may_be_module(base, other, module)
                for other in self.modules.setting_attribute(name) for base in attribute_targets(other.tree).get(name, ()))
        return self._set_as_attribute[key]

    def may_be_module(self, base: cst.BaseExpression, where: ParsedModule, module: ParsedModule) -> bool:
        """Whether ``base`` (an expression in ``where``) may be ``module`` when it runs."""
        if isinstance(base, cst.Name) and base.value in ("self", "cls"):
            return False
        value = Evaluation(self, where, None, {}).evaluate(base)
        if isinstance(value, ModuleRef):
            return value.module is module
        return value is UNKNOWN

    def class_constants(self, class_def: cst.ClassDef) -> dict[str, cst.BaseExpression | None]:
        key = id(class_def)
        if key not in self._class_constants:
            constants: dict[str, cst.BaseExpression | None] = {}
            for statement in class_def.body.body:
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        collect_assignment(small, constants)
                elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    constants.pop(statement.name.value, None)  # a later def replaces the constant
            self._class_constants[key] = constants
        return self._class_constants[key]

    def resolve(self, node: cst.BaseExpression, module: ParsedModule, env: dict[str, Value],
                class_def: cst.ClassDef | None = None, depth: int = 0) -> Value:
        return Evaluation(self, module, class_def, env, depth).evaluate(node)

    def module_name(self, name: str, module: ParsedModule, depth: int = 0) -> Value:
        """What a top-level name of ``module`` is: a constant's value, a function, a class, an
        imported module or name; UNKNOWN when it is none of them or not in the project."""
        if depth > MAX_IMPORT_DEPTH:
            return UNKNOWN
        scope = self.scope(module)
        if name in scope.functions:
            return FunctionRef(module, None, scope.functions[name])
        if name in scope.classes:
            return ClassRef(module, scope.classes[name])
        if name in scope.registrations:
            self.registrations_read = True
            self.registrations_in_run += 1
            return UNKNOWN if self.importer is None else registered(self, module, scope.registrations[name], self.importer)
        if name in scope.constants:
            expression = scope.constant(name)
            if self.set_as_attribute(module, name):
                value: Value = UNKNOWN
            elif expression is not None:
                value = Evaluation(self, module, None, {}, depth + 1).evaluate(expression)
            elif name in scope.constants and self.value_after_import is not None:  # what its own top-level code leaves
                value = self.value_after_import(module, name)
            else:
                value = UNKNOWN
            steps = self.step_texts.get((module.relpath, name))
            if steps is not None and isinstance(value, tuple):
                value = tuple(StepText(item, steps[index]) if isinstance(item, str) and index in steps else item
                              for index, item in enumerate(value))
            return value
        if name in scope.imported_names:
            source, original = scope.imported_names[name]
            other = self.modules.by_name(source)
            found = self.module_name(original, other, depth + 1) if other is not None else UNKNOWN
            if found is UNKNOWN:  # `from package import module`
                submodule = self.modules.by_name(f"{source}.{original}")
                return ModuleRef(submodule) if submodule is not None else UNKNOWN
            return found
        if name in scope.imported_modules:
            other = self.modules.by_name(scope.imported_modules[name])
            return ModuleRef(other) if other is not None else UNKNOWN
        for source in reversed(scope.star_imports):  # the last star import wins, as at run time
            other = self.modules.by_name(source)
            if other is not None:
                value = self.module_name(name, other, depth + 1)
                if value is not UNKNOWN:
                    return value
        if name in BUILTINS:
            return Builtin(name)
        return UNKNOWN

    def class_attribute(self, cls: ClassRef, attr: str, depth: int = 0, mro: tuple[ClassRef, ...] | None = None) -> Value:
        """A class-level name along the method resolution order: a method or a constant."""
        for klass in mro if mro is not None else self.mro(cls):
            methods = self.class_methods(klass.node)
            if attr in methods:
                return FunctionRef(klass.module, klass.node, methods[attr])
            constants = self.class_constants(klass.node)
            if attr in constants:
                expression = constants[attr]
                if expression is None:
                    return UNKNOWN
                return Evaluation(self, klass.module, klass.node, self.class_body_functions(klass, expression),
                                  depth + 1).evaluate(expression)
        return UNKNOWN

    def class_body_functions(self, cls: ClassRef, expression: cst.BaseExpression) -> dict[str, Value]:
        """The functions a class body has defined by the time it evaluates ``expression``: its
        names there (``add_tags = _add_tags`` runs ``_add_tags``, a method like any other)."""
        defined: dict[str, Value] = {}
        for statement in cls.node.body.body:
            if isinstance(statement, cst.FunctionDef):
                defined[statement.name.value] = FunctionRef(cls.module, cls.node, statement)
            elif isinstance(statement, cst.SimpleStatementLine) and any(
                    getattr(small, "value", None) is expression for small in statement.body):
                break
        return defined

    def class_methods(self, class_def: cst.ClassDef) -> dict[str, cst.FunctionDef]:
        """A class body's methods by name; the last definition wins, as at run time."""
        key = id(class_def)
        if key not in self._class_methods:
            self._class_methods[key] = {s.name.value: s for s in class_def.body.body if isinstance(s, cst.FunctionDef)}
        return self._class_methods[key]

    def bases(self, cls: ClassRef) -> list[ClassRef]:
        found = []
        for base in cls.node.bases:
            value = Evaluation(self, cls.module, None, {}).evaluate(base.value)
            if isinstance(value, ClassRef):
                found.append(value)
        return found

    def mro(self, cls: ClassRef) -> tuple[ClassRef, ...]:
        """C3 linearisation over the project's classes (bases outside the project are skipped)."""
        if cls not in self._orders:
            self._orders[cls] = tuple(self._linearise(cls, 0))
        return self._orders[cls]

    def _linearise(self, cls: ClassRef, depth: int) -> list[ClassRef]:
        if depth > MAX_IMPORT_DEPTH:
            return [cls]
        sequences = [self._linearise(base, depth + 1) for base in self.bases(cls)]
        sequences.append(self.bases(cls))
        result = [cls]
        while any(sequences):
            for sequence in sequences:
                if not sequence:
                    continue
                head = sequence[0]
                if not any(head in other[1:] for other in sequences):
                    break
            else:  # inconsistent hierarchy: Python would refuse it; keep the declared order
                head = next(s for s in sequences if s)[0]
            result.append(head)
            sequences = [[c for c in s if c != head] for s in sequences]
        return result


COMPARISONS: dict[type, Callable[[Any, Any], bool]] = {
    cst.Equal: operator.eq, cst.NotEqual: operator.ne, cst.LessThan: operator.lt, cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt, cst.GreaterThanEqual: operator.ge, cst.Is: operator.is_, cst.IsNot: operator.is_not,
    cst.In: lambda a, b: a in b, cst.NotIn: lambda a, b: a not in b,
}
ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add, cst.Subtract: operator.sub, cst.Multiply: operator.mul, cst.FloorDivide: operator.floordiv,
    cst.Power: operator.pow,
}


# One escape sequence of a (non-raw) string literal, as Python's tokenizer reads them.
ESCAPE = re.compile(r"\\(N\{[^}]*\}|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)", re.DOTALL)


@lru_cache(maxsize=4096)
def fstring_text(source: str, raw: bool) -> str:
    """The value of an f-string's literal part, from its source text: doubled braces are one
    brace, and escapes are decoded as Python decodes them (``\\n``, ``\\x41``, ``\\N{...}``),
    so that SQL in an f-string reads as it runs."""
    text = source.replace("{{", "{").replace("}}", "}")
    if raw:
        return text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an unknown escape keeps its backslash, as at run time
        return ESCAPE.sub(lambda match: ast.literal_eval(f'"{match.group(0)}"'), text)


@lru_cache(maxsize=4096)
def string_value(source: str) -> str | bytes:
    """A string literal's value, by its source text: the same SQL is evaluated again and again,
    and libcst's ``evaluated_value`` parses it with ``ast.literal_eval`` every time."""
    return ast.literal_eval(source)


@frozen(eq=False)
class ModuleLambda:
    """A lambda bound at a module's or a class's top level (``data_dir = lambda: ...``): a
    function of that module (a method of that class), whose body the interpreter runs when it
    is called. Its names are the module's: a class body's names are not visible inside it."""

    module: ParsedModule
    node: cst.Lambda
    class_def: cst.ClassDef | None = None


class Evaluation:
    """Evaluates one expression in one module (and class, and bound names). Names, attributes
    and calls are hooks: here they mean constants; the interpreter makes them run code."""

    def __init__(self, resolver: Resolver, module: ParsedModule, class_def: cst.ClassDef | None,
                 env: dict[str, Value], depth: int = 0) -> None:
        self.resolver = resolver
        self.module = module
        self.class_def = class_def
        self.env = env
        self.depth = depth

    def evaluate(self, node: cst.BaseExpression) -> Value:
        if self.depth > MAX_IMPORT_DEPTH:
            return UNKNOWN
        handler = _HANDLERS.get(type(node))
        return getattr(self, handler)(node) if handler is not None else UNKNOWN

    # --- literals and containers ---------------------------------------------------------------

    def _lambda(self, node: cst.Lambda) -> Value:
        """A lambda in a module's or a class's body (a function's are the interpreter's)."""
        return ModuleLambda(self.module, node, self.class_def) if not self.env else UNKNOWN

    def _integer(self, node: cst.Integer) -> Value:
        return int(node.value.replace("_", ""), 0)

    def _float(self, node: cst.Float) -> Value:
        return float(node.value.replace("_", ""))

    def _string(self, node: cst.SimpleString) -> Value:
        value = string_value(node.value)
        return value if isinstance(value, str) else UNKNOWN

    def _concatenated(self, node: cst.ConcatenatedString) -> Value:
        return concatenate(self.evaluate(node.left), self.evaluate(node.right))

    def _formatted(self, node: cst.FormattedString) -> Value:
        text = ""
        parts: list[Value] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text += fstring_text(part.value, raw="r" in node.prefix.lower())
                continue
            value = self.evaluate(part.expression)  # type: ignore[attr-defined]
            plain = part.format_spec is None and part.conversion is None  # type: ignore[attr-defined]
            text += stringify(value) if plain else HOLE
            parts.append(value)
        return with_holes(text, parts)

    def _sequence(self, node: cst.Tuple | cst.List | cst.Set) -> Value:
        items: list[Value] = []
        for element in node.elements:
            if isinstance(element, cst.StarredElement):
                inner = self.evaluate(element.value)
                if not isinstance(inner, tuple):
                    return UNKNOWN
                items.extend(inner)
            else:
                items.append(self.evaluate(element.value))
        return tuple(items)

    def _dict(self, node: cst.Dict) -> Value:
        items: list[tuple[Any, Any]] = []
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            key = self.evaluate(element.key)
            if not is_known(key):
                return UNKNOWN
            items = [(k, v) for k, v in items if k != key]
            items.append((key, self.evaluate(element.value)))
        return Mapping(tuple(items))

    # --- operators -----------------------------------------------------------------------------

    def _binary(self, node: cst.BinaryOperation) -> Value:
        return binary(node.operator, self.evaluate(node.left), self.evaluate(node.right))

    def _unary(self, node: cst.UnaryOperation) -> Value:
        value = self.evaluate(node.expression)
        if isinstance(node.operator, cst.Not):
            known = truth(value)
            return UNKNOWN if known is None else not known
        if isinstance(node.operator, cst.Minus) and isinstance(value, (int, float)):
            return -value
        if isinstance(node.operator, cst.Plus) and isinstance(value, (int, float)):
            return +value
        return UNKNOWN

    def _boolean(self, node: cst.BooleanOperation) -> Value:
        left = self.evaluate(node.left)
        known = truth(left)
        is_and = isinstance(node.operator, cst.And)
        if known is not None and known != is_and:
            return left  # short-circuit: the right side does not run
        right = self.evaluate(node.right)
        return right if known is not None else UNKNOWN

    def _comparison(self, node: cst.Comparison) -> Value:
        left = self.evaluate(node.left)
        result: Value = True
        for target in node.comparisons:
            right = self.evaluate(target.comparator)
            left, right = plain(left), plain(right)
            compare = COMPARISONS[type(target.operator)]
            if isinstance(target.operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) \
                    and isinstance(left, (Builtin, ClassRef)) and isinstance(right, (Builtin, ClassRef)):
                known = True  # type(x) is dict: classes are compared by identity
                compare = operator.eq if isinstance(target.operator, (cst.Is, cst.Equal)) else operator.ne
            elif isinstance(target.operator, (cst.Is, cst.IsNot)):
                known = (left is None or right is None) and (is_known(left) and is_known(right))
                if (left is None and truth(right) is True) or (right is None and truth(left) is True):
                    known, left, right = True, 0, None  # a value that is true is not None
            elif isinstance(target.operator, (cst.In, cst.NotIn)):
                known = is_known(left) and (is_known(right) or isinstance(right, Mapping))
                right = right.keys() if isinstance(right, Mapping) else right
            else:
                known = is_known(left) and is_known(right)
            decided = decided_by_bounds(target.operator, left, right)
            if decided is not None:
                result = decided and result if result is not UNKNOWN else (UNKNOWN if decided else False)
            elif not known:
                result = UNKNOWN
            elif result is not UNKNOWN:
                try:
                    result = bool(compare(left, right)) and result
                except TypeError:
                    result = UNKNOWN
            left = right
        return result

    def _if_expression(self, node: cst.IfExp) -> Value:
        known = truth(self.evaluate(node.test))
        if known is True:
            return self.evaluate(node.body)
        if known is False:
            return self.evaluate(node.orelse)
        body, orelse = self.evaluate(node.body), self.evaluate(node.orelse)
        return body if body == orelse and not isinstance(body, _Unknown) else UNKNOWN

    def _subscript(self, node: cst.Subscript) -> Value:
        container = self.evaluate(node.value)
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Slice):
            return self.sliced(container, node.slice[0].slice)
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return derive(container)
        key = self.evaluate(node.slice[0].slice.value)
        return self.item(container, key)

    def sliced(self, container: Value, part: cst.Slice) -> Value:
        return self.cut(container, [self.evaluate(b) if b is not None else None for b in (part.lower, part.upper, part.step)])

    @staticmethod
    def cut(container: Value, bounds: list[Value]) -> Value:
        if isinstance(container, (tuple, str)) and all(b is None or is_number(b) for b in bounds):
            return container[slice(*bounds)]  # type: ignore[misc]
        return derive(container)

    def item(self, container: Value, key: Value) -> Value:
        if isinstance(container, Mapping) and is_known(key):
            return container.get(key, UNKNOWN)
        if isinstance(container, (tuple, str)) and is_number(key):
            try:
                return container[key]  # type: ignore[index]
            except IndexError:
                return UNKNOWN
        return derive(container)

    # --- names, attributes and calls: constants here ----------------------------------------

    def _name(self, node: cst.Name) -> Value:
        if node.value in self.env:
            return self.env[node.value]
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        return self.resolver.module_name(node.value, self.module, self.depth + 1)

    def _attribute(self, node: cst.Attribute) -> Value:
        owner, attr = node.value, node.attr.value
        if isinstance(owner, cst.Name) and owner.value in ("self", "cls") and self.class_def is not None \
                and owner.value not in self.env:
            return self.resolver.class_attribute(ClassRef(self.module, self.class_def), attr, self.depth + 1)
        return self.member(self.evaluate(owner), attr)

    def member(self, owner: Value, attr: str) -> Value:
        """``owner.attr`` for a value: a module's top-level name or a class's attribute."""
        if isinstance(owner, ModuleRef):
            return self.resolver.module_name(attr, owner.module, self.depth + 1)
        if isinstance(owner, ClassRef):
            return self.resolver.class_attribute(owner, attr, self.depth + 1)
        if isinstance(owner, Builtin) and owner.name in DATA_TYPES:
            return Builtin(f"{owner.name}.{attr}")  # bfh = bytes.fromhex: called, it runs as bytes.fromhex(...) does
        return UNKNOWN

    def _call(self, node: cst.Call) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            receiver = self.evaluate(func.value)
            method = func.attr.value
            if method == "prepare" and node.args and not isinstance(receiver, (ModuleRef, ClassRef)):
                return Prepared(self.evaluate(node.args[0].value))
            if text_of(receiver) is not None or isinstance(receiver, Derived):
                positional, keywords = self.arguments(node)
                return text_method(receiver, method, positional, keywords)
        return UNKNOWN

    def arguments(self, node: cst.Call) -> tuple[list[Value] | None, dict[str, Value]]:
        """A call's arguments, evaluated in order; positional ones are None after a ``*``."""
        positional: list[Value] | None = []
        keywords: dict[str, Value] = {}
        for arg in node.args:
            value = self.evaluate(arg.value)
            if arg.star == "*":
                value = self.spread(value)
                if isinstance(value, tuple) and positional is not None:
                    positional.extend(value)
                else:
                    positional = None
            elif arg.star == "**":
                if isinstance(value, Mapping):
                    keywords.update({str(k): v for k, v in value.items})
                else:
                    keywords["**"] = UNKNOWN
            elif arg.keyword is not None:
                keywords[arg.keyword.value] = value
            elif positional is not None:
                positional.append(value)
        return positional, keywords


    def spread(self, value: Value) -> Value:
        """What ``*value`` passes: a hook for the interpreter, whose generators run when spread."""
        return value


# By method name, so that a subclass's override is the one called.
_HANDLERS: dict[type, str] = {
    cst.Integer: "_integer", cst.Float: "_float", cst.SimpleString: "_string",
    cst.ConcatenatedString: "_concatenated", cst.FormattedString: "_formatted",
    cst.Tuple: "_sequence", cst.List: "_sequence", cst.Set: "_sequence", cst.Dict: "_dict",
    cst.BinaryOperation: "_binary", cst.UnaryOperation: "_unary", cst.BooleanOperation: "_boolean",
    cst.Comparison: "_comparison", cst.IfExp: "_if_expression", cst.Subscript: "_subscript", cst.Name: "_name",
    cst.Attribute: "_attribute", cst.Call: "_call", cst.Lambda: "_lambda",
}


def binary(operator_node: cst.BaseBinaryOp, left: Value, right: Value) -> Value:
    """``left <op> right`` on known values; ``%`` and ``+`` on texts keep their holes."""
    if isinstance(operator_node, cst.Modulo) and text_of(left) is not None:
        return percent_format(left, right)
    if isinstance(operator_node, cst.Add) and (text_of(left) is not None or text_of(right) is not None):
        return concatenate(left, right)
    if isinstance(operator_node, cst.Add) and isinstance(left, tuple) and isinstance(right, tuple) \
            and len(left) + len(right) <= MAX_SEQUENCE:
        return left + right  # lists of any items, one after the other
    combine = ARITHMETIC.get(type(operator_node))
    if combine is not None and {type(left), type(right)} <= {int, SomeInt} \
            and (isinstance(left, SomeInt) or isinstance(right, SomeInt)) and not isinstance(operator_node, cst.Power):
        return some_int_arithmetic(operator_node, left, right)
    if combine is not None and is_known(left) and is_known(right):
        try:
            result = combine(left, right)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return UNKNOWN
        return result if not isinstance(result, tuple) or len(result) <= MAX_SEQUENCE else UNKNOWN
    return derive(left, right)


# The comparisons a bounded integer's bounds may decide, by the symbol ``SomeInt.compared`` reads.
BOUNDED_COMPARISONS = {cst.Equal: "==", cst.NotEqual: "!=", cst.LessThan: "<", cst.LessThanEqual: "<=",
               cst.GreaterThan: ">", cst.GreaterThanEqual: ">="}


def decided_by_bounds(operator_node: cst.BaseCompOp, left: Value, right: Value) -> bool | None:
    """A comparison of a bounded unknown integer with a number that its bounds decide
    (``version == 29`` where ``version`` is an item of ``range(current + 1, 29)``)."""
    symbol = BOUNDED_COMPARISONS.get(type(operator_node))
    if symbol is not None and isinstance(left, SomeInt) and is_number(right):
        return left.compared(symbol, right)  # type: ignore[arg-type]
    if symbol is not None and isinstance(right, SomeInt) and is_number(left):
        return right.compared(FLIPPED.get(symbol, symbol), left)  # type: ignore[arg-type]
    return None


def some_int_arithmetic(operator_node: cst.BaseBinaryOp, left: int | SomeInt, right: int | SomeInt) -> SomeInt:
    """``n + 1`` and ``n - 1`` move the bounds of ``n``; other arithmetic loses them."""
    if isinstance(operator_node, cst.Add) and isinstance(left, SomeInt) and is_number(right):
        return left.shifted(right)  # type: ignore[arg-type]
    if isinstance(operator_node, cst.Add) and isinstance(right, SomeInt) and is_number(left):
        return right.shifted(left)  # type: ignore[arg-type]
    if isinstance(operator_node, cst.Subtract) and isinstance(left, SomeInt) and is_number(right):
        return left.shifted(-right)  # type: ignore[operator]
    return ANY_INT


def stringify(value: Value) -> str:
    """How a value appears inside an f-string or a format; HOLE when it is not known."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return str(value)
    if isinstance(value, Template):
        return value.text
    if isinstance(value, SomeInt):
        return NUMBER_HOLE
    return HOLE


def concatenate(left: Value, right: Value) -> Value:
    left_text, right_text = text_of(left), text_of(right)
    if left_text is None and right_text is None:
        return derive(left, right)
    if isinstance(left, Derived) or isinstance(right, Derived):
        return derive(left, right)
    text = (left_text if left_text is not None else HOLE) + (right_text if right_text is not None else HOLE)
    return with_holes(text, (left, right))


def _placeholders(values: tuple | list) -> tuple[list[str], bool]:
    texts = [stringify(v) for v in values]
    return texts, any(has_hole(t) for t in texts)


PERCENT_SPEC = r"%(?:\(([^)]*)\))?[-+ #0]*(?:[0-9]+|\*)?(?:\.(?:[0-9]+|\*))?[hlL]?([diouxXeEfFgGcrsa%])"  # compiled on first use (re caches it): few checks meet a % format


def percent_format(template: Value, arguments: Value) -> Value:
    """``"... %s ..." % args`` (or ``% {"key": ...}`` with ``%(key)s``): formatted when everything
    is known, else with holes (an unknown formatted by ``%d`` is an unknown number)."""
    text = text_of(template)
    assert text is not None
    keyed = any(match.group(1) is not None for match in re.finditer(PERCENT_SPEC, text))
    if keyed and not isinstance(arguments, Mapping):  # a mapping the checker cannot read: every value unknown
        arguments = Mapping(()) if arguments is UNKNOWN else arguments
        if not isinstance(arguments, Mapping):
            return derive(template, arguments)
    items = [] if keyed else list(arguments) if isinstance(arguments, tuple) else [arguments]
    if not has_hole(text) and not keyed and all(is_known(item) for item in items):
        try:
            return text % tuple(items)
        except (TypeError, ValueError, KeyError, OverflowError):
            return derive(template, *items)
    formatted = tuple(items)
    pieces: list[str] = []
    position = 0
    for match in re.finditer(PERCENT_SPEC, text):
        pieces.append(text[position:match.start()])
        position = match.end()
        key, conversion = match.groups()
        if conversion == "%":
            pieces.append("%")
            continue
        if "*" in match.group(0) or (key is not None) is not keyed:
            return derive(template, *(v for _, v in arguments.items) if keyed else items)
        if keyed:
            item = arguments.get(key, UNKNOWN) if is_known(key) else UNKNOWN  # type: ignore[union-attr]
        elif items:
            item = items.pop(0)
        else:
            return derive(template)
        spec = match.group(0) if key is None else match.group(0).replace(f"({key})", "", 1)
        if is_known(item) and not isinstance(item, tuple):
            try:
                pieces.append(spec % item)
                continue
            except (TypeError, ValueError, OverflowError):
                return derive(template, item)
        if isinstance(item, SomeInt) or (conversion in "diu" and not isinstance(item, (str, Template, Derived))):
            pieces.append(NUMBER_HOLE)  # %d formats only numbers: whatever it is, it is digits
        elif conversion in "sra":
            pieces.append(stringify(item))
        else:
            pieces.append(HOLE)
    pieces.append(text[position:])
    result = "".join(pieces)
    parts = tuple(v for _, v in arguments.items) if keyed else formatted  # type: ignore[union-attr]
    return with_holes(result, (template, *parts))


def text_method(receiver: Value, method: str, positional: list[Value] | None, keywords: dict[str, Value]) -> Value:
    """A ``str`` method on a (partly) known text: ``format`` and ``join`` keep holes; other pure
    methods run on known texts; the rest derive."""
    text = text_of(receiver)
    arguments = [*(positional or []), *keywords.values()]
    if text is not None and method == "format" and positional is not None:
        texts, _ = _placeholders(positional)
        named = {k: stringify(v) for k, v in keywords.items()}
        try:
            result = text.format(*texts, **named)
        except (IndexError, KeyError, ValueError, AttributeError):
            return derive(receiver, *arguments)
        return with_holes(result, (receiver, *positional, *keywords.values()))
    if text is not None and method == "join" and positional is not None and len(positional) == 1 \
            and isinstance(positional[0], tuple):
        parts = [stringify(p) if not isinstance(p, Derived) else None for p in positional[0]]
        if any(p is None for p in parts):
            return derive(receiver, *positional[0])
        result = text.join(parts)  # type: ignore[arg-type]
        return with_holes(result, (receiver, *positional[0]))
    if isinstance(receiver, str) and method in PURE_TEXT_METHODS and positional is not None \
            and all(isinstance(a, (str, int)) for a in arguments):
        try:
            result = getattr(receiver, method)(*positional, **keywords)
        except (TypeError, ValueError):
            return UNKNOWN
        return tuple(result) if isinstance(result, list) else result
    return derive(receiver, *arguments)


def iterate(value: Value) -> Iterator[Value] | None:
    """The items a loop over ``value`` sees, when they are known."""
    if isinstance(value, tuple):
        return iter(value)
    if isinstance(value, Mapping):
        return iter(value.keys())
    if isinstance(value, str):
        return iter(value)
    return None
