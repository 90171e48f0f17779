"""Static evaluation of the expressions that carry version numbers and SQL text.

Only what can be known without running code is resolved: literals, string concatenation and
f-strings, module and class constants, constants imported from other modules of the project,
and parameters bound at a call site. Anything else is ``UNKNOWN``; a string with unknown
parts keeps its known text around ``HOLE`` markers, so the checker can still tell whether it
writes to the version table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import libcst as cst

from bundler.sources import ModuleSet, ParsedModule

HOLE = "\x00"  # stands for an unknown part of a string


class _Unknown:
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class ParamRef:
    """A method parameter not bound yet: the method records whatever its caller passes."""

    name: str


@dataclass(frozen=True)
class Template:
    """A string with unknown parts, each shown as HOLE."""

    text: str


@dataclass(frozen=True)
class Prepared:
    """``db.prepare(SQL)``: a statement whose ``.run(...)`` supplies the parameters."""

    sql: "Value"


Value = Union[int, str, Template, tuple, dict, ParamRef, Prepared, _Unknown]

MAX_IMPORT_DEPTH = 16


def text_of(value: Value) -> str | None:
    """The text of a string value, with HOLE for unknown parts; None if not a string at all."""
    if isinstance(value, str):
        return value
    if isinstance(value, Template):
        return value.text
    return None


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

    def _index(self, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.ClassDef):
            self.classes[statement.name.value] = statement
        elif isinstance(statement, cst.FunctionDef):
            self.functions[statement.name.value] = statement
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                collect_assignment(small, self.constants)
                self._index_import(small)
        elif isinstance(statement, cst.If):  # e.g. `if TYPE_CHECKING:` imports
            for inner in statement.body.body:
                self._index(inner)

    def _index_import(self, small: cst.BaseSmallStatement) -> None:
        if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
            source = self._absolute(small)
            if source is not None:
                self.star_imports.append(source)
        elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
            source = self._absolute(small)
            if source is None:
                return
            for alias in small.names:
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

    def _absolute(self, node: cst.ImportFrom) -> str | None:
        target = dotted_name(node.module) if node.module else ""
        if not node.relative:
            return target
        package = (self.module.dotted or "").split(".")
        is_package = self.module.relpath.endswith("__init__.py")
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
    """Evaluates expressions against module scopes, one class's constants and bound names."""

    def __init__(self, modules: ModuleSet) -> None:
        self.modules = modules
        self._scopes: dict[str, ModuleScope] = {}

    def scope(self, module: ParsedModule) -> ModuleScope:
        if module.relpath not in self._scopes:
            self._scopes[module.relpath] = ModuleScope(module)
        return self._scopes[module.relpath]

    def class_constants(self, class_def: cst.ClassDef) -> dict[str, cst.BaseExpression | None]:
        constants: dict[str, cst.BaseExpression | None] = {}
        for statement in class_def.body.body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    collect_assignment(small, constants)
        return constants

    def resolve(
        self,
        node: cst.BaseExpression,
        module: ParsedModule,
        env: dict[str, Value],
        class_def: cst.ClassDef | None = None,
        depth: int = 0,
    ) -> Value:
        if depth > MAX_IMPORT_DEPTH:
            return UNKNOWN
        recurse = lambda n, m=module, c=class_def: self.resolve(n, m, env, c, depth + 1)  # noqa: E731
        if isinstance(node, cst.Integer):
            return int(node.value.replace("_", ""), 0)
        if isinstance(node, cst.SimpleString):
            value = node.evaluated_value
            return value if isinstance(value, str) else UNKNOWN
        if isinstance(node, cst.ConcatenatedString):
            return concatenate(recurse(node.left), recurse(node.right))
        if isinstance(node, cst.FormattedString):
            return self._formatted(node, recurse)
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, recurse)
        if isinstance(node, (cst.Tuple, cst.List)):
            items = [recurse(e.value) for e in node.elements if isinstance(e, cst.Element)]
            if len(items) != len(node.elements):
                return UNKNOWN
            return tuple(items)
        if isinstance(node, cst.Dict):
            return self._dict(node, recurse)
        if isinstance(node, cst.Name):
            if node.value in env:
                return env[node.value]
            return self._module_name(node.value, module, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute(node, module, env, class_def, depth)
        if isinstance(node, cst.Call):
            return self._call(node, recurse)
        return UNKNOWN

    def _formatted(self, node: cst.FormattedString, recurse) -> Value:
        text = ""
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                text += part.value
                continue
            plain = isinstance(part, cst.FormattedStringExpression) and part.format_spec is None
            value = recurse(part.expression) if plain else UNKNOWN  # type: ignore[attr-defined]
            text += str(value) if isinstance(value, (int, str)) else (
                value.text if isinstance(value, Template) else HOLE
            )
        return Template(text) if HOLE in text else text

    def _binary(self, node: cst.BinaryOperation, recurse) -> Value:
        left, right = recurse(node.left), recurse(node.right)
        if isinstance(node.operator, cst.Add):
            if isinstance(left, int) and isinstance(right, int):
                return left + right
            return concatenate(left, right)
        if isinstance(node.operator, cst.Subtract) and isinstance(left, int) and isinstance(right, int):
            return left - right
        return UNKNOWN

    def _dict(self, node: cst.Dict, recurse) -> Value:
        result: dict = {}
        for element in node.elements:
            if not isinstance(element, cst.DictElement):
                return UNKNOWN
            key = recurse(element.key)
            if not isinstance(key, (int, str)):
                return UNKNOWN
            result[key] = recurse(element.value)
        return result

    def _call(self, node: cst.Call, recurse) -> Value:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "prepare" and node.args:
            return Prepared(recurse(node.args[0].value))
        return UNKNOWN

    def _module_name(self, name: str, module: ParsedModule, depth: int) -> Value:
        scope = self.scope(module)
        if name in scope.constants:
            expression = scope.constants[name]
            return UNKNOWN if expression is None else self.resolve(expression, module, {}, None, depth + 1)
        if name in scope.imported_names:
            source, original = scope.imported_names[name]
            other = self.modules.by_name(source)
            if other is not None:
                return self._module_name(original, other, depth + 1)
        for source in reversed(scope.star_imports):  # the last star import wins, as at run time
            other = self.modules.by_name(source)
            if other is not None:
                value = self._module_name(name, other, depth + 1)
                if value is not UNKNOWN:
                    return value
        return UNKNOWN

    def _attribute(
        self, node: cst.Attribute, module: ParsedModule, env: dict[str, Value],
        class_def: cst.ClassDef | None, depth: int,
    ) -> Value:
        owner, attr = node.value, node.attr.value
        if isinstance(owner, cst.Name):
            if owner.value in ("self", "cls") and class_def is not None:
                return self._class_attribute(class_def, attr, module, depth)
            scope = self.scope(module)
            if owner.value in scope.classes:
                return self._class_attribute(scope.classes[owner.value], attr, module, depth)
            if owner.value in scope.imported_names:  # an imported class's constant
                source, original = scope.imported_names[owner.value]
                other = self.modules.by_name(source)
                if other is not None and original in self.scope(other).classes:
                    return self._class_attribute(self.scope(other).classes[original], attr, other, depth)
        dotted = dotted_name(owner)
        scope = self.scope(module)
        head = dotted.split(".")[0]
        if head in scope.imported_modules:
            target = scope.imported_modules[head] + dotted[len(head):]
            other = self.modules.by_name(target)
            if other is not None:
                return self._module_name(attr, other, depth + 1)
        return UNKNOWN

    def _class_attribute(self, class_def: cst.ClassDef, attr: str, module: ParsedModule, depth: int) -> Value:
        constants = self.class_constants(class_def)
        if attr in constants and constants[attr] is not None:
            return self.resolve(constants[attr], module, {}, class_def, depth + 1)  # type: ignore[arg-type]
        return UNKNOWN


def concatenate(left: Value, right: Value) -> Value:
    left_text, right_text = text_of(left), text_of(right)
    if left_text is None and right_text is None:
        return UNKNOWN
    text = (left_text if left_text is not None else HOLE) + (right_text if right_text is not None else HOLE)
    return Template(text) if HOLE in text else text
