"""Abstract interpretation of TypeScript and JavaScript, as the Python front end's interpreter
runs Python (design §2): an entry is run statement by statement with its names bound; a
condition that is known decides its branch, one that is not runs both ("may apply": the guard
``if (applied) return;`` after a SELECT of the version table is such a condition); statements
after a ``return`` or a ``throw`` do not run; ``try``'s handler may run; loops over known arrays
run once per item, others once with the item unknown. Calls of ``this.m()``, of functions and
arrow functions, of imported project functions, ``this.db.transaction(() => ...)()`` closures and
``super`` are followed; type syntax (``as``, ``!``, generics) and optional chaining are read
through. esbuild's minified forms are the same expressions: ``x||f()``, ``a&&b``, ``c?d:e`` and
the comma run their parts as control flow.

A call records when the shared SQL recognition (``frontends/sql/records.py``) says its SQL
records: ``db.prepare(SQL).run(N, ...)`` (also ``.get``/``.all``, and bun's ``db.query(SQL)``),
``db.run(SQL)``/``db.exec(SQL)`` with the number in the text, ``.run({version: N})``, ``PRAGMA
user_version = N``. What may apply or record but cannot be followed (``this[name]()`` with a
name it cannot build, a call of an unknown function, a function that applies migrations handed
to code outside the project) stops the check with ``UnresolvableError``, naming the construct.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import PurePosixPath
from typing import Any, Callable, Union

from bundler.errors import UnresolvableError
from bundler.frontends.recorders import may_record, vouch_for
from bundler.frontends.sql.records import RecordedVersion, RecordingRules, versions_in_sql
from bundler.frontends.typescript.parse import Source, text
from bundler.frontends.typescript.values import (
    ANY_INT, DATA_HOLE, EXTERNAL, FLIPPED, HOLE, UNKNOWN, Choice, ClassValue, Dispatch, Dynamic, Subset, FunctionValue,
    Instance, Mapping, Missing, Prepared, SomeInt, Template, is_known, source_text, stringify, truth, with_holes,
)
from bundler.frozen import frozen

MAX_CALL_DEPTH = 48
MAX_LOOP_ITEMS = 1_000
MAX_UNKNOWN_ARGUMENTS = 8  # fn.apply(this, args) with args unknown: its parameters are unknown
TYPE_WRAPPERS = {"as_expression", "satisfies_expression", "non_null_expression", "type_assertion",
                 "parenthesized_expression", "await_expression"}
FUNCTION_NODES = {"arrow_function", "function_expression", "function", "generator_function",
                  "function_declaration", "generator_function_declaration", "method_definition"}
CLASS_NODES = {"class_declaration", "class", "abstract_class_declaration"}
SCOPE_NODES = {"program", "statement_block", "class_body", "switch_body"}
# Statement objects of the SQLite libraries (bun:sqlite, better-sqlite3, node:sqlite):
FUNCTION_DECLARATIONS = {"method_definition", "function_declaration", "generator_function_declaration"}
# What declares a name as a function: the above, and a field, a variable or an object's key bound to one.
DEFINITIONS = FUNCTION_DECLARATIONS | {"public_field_definition", "field_definition", "variable_declarator", "pair"}
# What a name bound to is data, not a function: calling it raises, it records nothing.
DATA_NODES = {"string", "template_string", "number", "true", "false", "null", "undefined", "object", "array", "regex"}
PREPARE_METHODS = {"prepare", "query"}
STATEMENT_RUN_METHODS = {"run", "get", "all", "values", "iterate"}
SCRIPT_METHODS = {"run", "exec"}
ARRAY_CALLBACK_METHODS = {"forEach", "map", "filter", "some", "every", "find", "flatMap"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


class Flow(Enum):
    NORMAL = "normal"
    RETURN = "return"
    THROW = "throw"
    BREAK = "break"
    CONTINUE = "continue"


@frozen
class Unreadable:
    """A name bound to a value the checker cannot read (``addTags = makeTagger()``): any function."""

    source: Source
    name: str


@frozen
class Record:
    version: RecordedVersion
    function: FunctionValue  # where the recording statement is


@frozen
class CallTrace:
    """A call of a project function and everything it did, in order."""

    function: FunctionValue
    node: Any
    arguments: tuple
    events: tuple["Event", ...]


Event = Union[Record, CallTrace]


class Thrown(Exception):
    """An expression that certainly throws (a call of a function whose every path throws)."""


@dataclass(eq=False)
class Frame:
    names: dict[str, Any]
    parent: "Frame | None" = None
    this: Any = None

    def lookup(self, name: str) -> tuple[bool, Any]:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names:
                return True, frame.names[name]
            frame = frame.parent
        return False, None

    def holder(self, name: str) -> "Frame | None":
        """The frame (this or an enclosing one) that binds ``name``."""
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names:
                return frame
            frame = frame.parent
        return None

    def chain(self) -> list["Frame"]:
        frames, frame = [], self
        while frame is not None:
            frames.append(frame)
            frame = frame.parent
        return frames


class Project:
    """The files of the project (or one bundle), parsed on demand, and what their names mean."""

    def __init__(self, read: Callable[[str], Source | None], aliases: tuple[tuple[str, tuple[str, ...]], ...] = (),
                 mentioning: Callable[[str], list[str]] = lambda name: []) -> None:
        self.read = read
        self.aliases = aliases  # tsconfig's paths, as (pattern, targets) relative to the project folder
        self.mentioning = mentioning  # name → the project's modules whose text holds it (none for a bundle)
        self._values: dict[Any, Any] = {}
        self._names: dict[tuple[int, str], Any] = {}
        self._scopes: dict[int, dict[str, Any]] = {}
        self._top_level: dict[tuple[int, str], Any] = {}

    def resolve_import(self, source: Source, specifier: str) -> Source | Missing | None:
        """The project file an import names; None for a package (outside the project)."""
        if specifier.startswith("."):
            return self.module_at(str(PurePosixPath(source.relpath).parent / specifier)) or Missing(specifier)
        for pattern, targets in self.aliases:  # tsconfig's "@/*": ["src/*"] makes a bare name the project's
            prefix, star, suffix = pattern.partition("*")
            matched = specifier[len(prefix):len(specifier) - len(suffix)] if star else ""
            if specifier == pattern or (star and specifier.startswith(prefix) and specifier.endswith(suffix)):
                for target in targets:
                    found = self.module_at(target.replace("*", matched, 1))
                    if found is not None:
                        return found
                if pattern != "*":  # "*" (and baseUrl) also cover packages: a name not found is one
                    return Missing(specifier)
        return None

    def module_at(self, path: str) -> Source | None:
        """The module a path names, as TypeScript resolves it (``./x.js`` may be ``x.ts``)."""
        parts: list[str] = []
        for part in path.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in (".", ""):
                parts.append(part)
        stem = "/".join(parts)
        bare = re.sub(r"\.(m|c)?js$", "", stem)
        for candidate in (stem, f"{bare}.ts", f"{bare}.tsx", f"{bare}.mts", f"{bare}.js", f"{bare}.mjs", f"{bare}.cjs",
                          f"{bare}/index.ts", f"{bare}/index.js"):
            found = self.read(candidate)
            if found is not None:
                return found
        return None

    def exported(self, source: Source, name: str) -> Any:
        """What a module exports under ``name`` (``default`` for its default export)."""
        for statement in source.root.named_children:
            if statement.type != "export_statement":
                continue
            declaration = statement.child_by_field_name("declaration")
            if declaration is not None:
                if name in declared_names(declaration):
                    return self.declaration_value(declaration, name, source)
                continue
            if name == "default":
                value = statement.child_by_field_name("value")
                if value is not None:
                    return self.constant(value, source)
            clause = next((c for c in statement.named_children if c.type == "export_clause"), None)
            if clause is None:
                continue
            for specifier in clause.named_children:
                local = text(specifier.child_by_field_name("name"))
                alias = specifier.child_by_field_name("alias")
                if (text(alias) if alias is not None else local) == name:
                    module = statement.child_by_field_name("source")
                    if module is not None:
                        return self.import_value(source, string_value(module), local)
                    return self.name_value(local, statement, source)
        return UNKNOWN

    def import_value(self, source: Source, specifier: str, name: str | None) -> Any:
        target = self.resolve_import(source, specifier)
        if target is None:
            return EXTERNAL
        if isinstance(target, Missing):
            return target
        return self.exported(target, name) if name is not None else target

    def name_value(self, name: str, node: Any, source: Source) -> Any:
        """A name as the code around ``node`` declares it (lexically), or EXTERNAL for a global."""
        scope = node.parent
        while scope is not None:
            if scope.type in SCOPE_NODES:
                if scope.type == "program" and source.tree is None:
                    statement = self.top_level_statement(name, source)
                else:
                    statement = self.scope_index(scope, source).get(name)
                if statement is not None:
                    key = (statement.id, name)
                    if key not in self._names:
                        self._names[key] = self.statement_declares(statement, name, source)
                    return self._names[key]
            scope = scope.parent
        return EXTERNAL  # console, Date, JSON, process...: no project code

    def scope_index(self, scope: Any, source: Source) -> dict[str, Any]:
        """The names a scope's statements declare, each with its (first) declaring statement:
        built once per scope (a bundle's top level holds thousands)."""
        index = self._scopes.get(scope.id)
        if index is None:
            index = {}
            for statement in scope.named_children:
                for name in statement_names(statement):
                    index.setdefault(name, statement)
            self._scopes[scope.id] = index
        return index

    def top_level_statement(self, name: str, source: Source) -> Any:
        """The top-level statement of a bundle read in parts that declares ``name``: one holding
        the name in code at depth 0 (``var a,b=...``, ``function a(``, ``class a``), else a
        destructuring one (``var{x:a}=...``); the first in the file, as ``scope_index`` takes it."""
        assert source.layout is not None
        key = (id(source), name)
        if key not in self._top_level:
            found = None
            for offset in (*source.layout.top_level_word(name), *source.layout.destructuring()):
                found = self.scope_index(source.part(offset).root_node, source).get(name)
                if found is not None:
                    break
            self._top_level[key] = found
        return self._top_level[key]

    def statement_declares(self, statement: Any, name: str, source: Source) -> Any:
        kind = statement.type
        if kind == "export_statement":
            inner = statement.child_by_field_name("declaration")
            return self.statement_declares(inner, name, source) if inner is not None else NOT_DECLARED
        if kind == "import_statement":
            return self.imported(statement, name, source)
        if kind in ("function_declaration", "generator_function_declaration") or kind in CLASS_NODES:
            if name in declared_names(statement):
                return self.declaration_value(statement, name, source)
            return NOT_DECLARED
        if kind in ("lexical_declaration", "variable_declaration"):
            if name in declared_names(statement):
                return self.declaration_value(statement, name, source)
        return NOT_DECLARED

    def imported(self, statement: Any, name: str, source: Source) -> Any:
        module = statement.child_by_field_name("source")
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        if module is None or clause is None:
            return NOT_DECLARED
        specifier = string_value(module)
        for part in clause.named_children:
            if part.type == "identifier" and text(part) == name:
                return self.import_value(source, specifier, "default")
            if part.type == "namespace_import" and text(part.named_children[-1]) == name:
                return self.import_value(source, specifier, None)
            if part.type == "named_imports":
                for item in part.named_children:
                    imported_name = text(item.child_by_field_name("name"))
                    alias = item.child_by_field_name("alias")
                    if (text(alias) if alias is not None else imported_name) == name:
                        return self.import_value(source, specifier, imported_name)
        return NOT_DECLARED

    def declaration_value(self, declaration: Any, name: str, source: Source) -> Any:
        if declaration.type in ("function_declaration", "generator_function_declaration"):
            return FunctionValue(declaration, source, name)
        if declaration.type in CLASS_NODES:
            return self.class_value(declaration, source, name)
        for declarator in declaration.named_children:
            if declarator.type != "variable_declarator":
                continue
            target = declarator.child_by_field_name("name")
            if target.type != "identifier" or text(target) != name:
                if target.type != "identifier" and name in pattern_names(target):
                    return UNKNOWN
                continue
            value = declarator.child_by_field_name("value")
            if value is None:  # esbuild: `var gn, ...; ...init(() => { gn = "claude" })`
                return self.assigned_once(name, declaration, source)
            return self.constant(value, source, name)
        return UNKNOWN

    def class_value(self, node: Any, source: Source, name: str) -> ClassValue:
        key = id(node)
        if key not in self._values:
            self._values[key] = ClassValue(node, source, name)
        return self._values[key]

    def constant(self, node: Any, source: Source, name: str = "") -> Any:
        """A module-level initializer, read without running code (``new Logger()`` is an
        object whose constructor did not run; a call is unknown)."""
        key = (id(node), name)
        if key in self._values:
            return self._values[key]
        self._values[key] = UNKNOWN  # a constant defined by itself
        value = ConstantReader(self, source).value(node, name)
        self._values[key] = value
        return value

    def assigned_once(self, name: str, declaration: Any, source: Source) -> Any:
        """A variable declared without a value and assigned exactly once, anywhere under its
        declaration's scope, to a constant: that constant. Else unknown."""
        scope = declaration.parent
        needle = name.encode() + b"="
        found = []
        data = source.data
        start, end = (0, len(data)) if source.tree is None and scope.type == "program" else \
            (scope.start_byte, scope.end_byte)  # a bundle's top level: every part of it
        position = data.find(needle, start, end)
        while position != -1 and len(found) < 3:
            before = data[position - 1:position] if position > 0 else b""
            after = data[position + len(needle):position + len(needle) + 1]
            if not (before.isalnum() or before in (b"_", b"$", b".")) and after not in (b"=", b">"):
                node = source.node_at(position, position + len(name))
                parent = node.parent if node is not None else None
                if parent is not None and parent.type == "assignment_expression" \
                        and parent.child_by_field_name("left") == node and self.binds_here(name, node, scope):
                    found.append(parent.child_by_field_name("right"))
            position = data.find(needle, position + 1, end)
        if len(found) != 1:
            return UNKNOWN
        return self.constant(found[0], source, name)

    @staticmethod
    def binds_here(name: str, node: Any, scope: Any) -> bool:
        """Whether ``name`` at ``node`` is the one declared in ``scope`` (no nearer declaration)."""
        current = node.parent
        while current is not None and current != scope:
            if current.type in FUNCTION_NODES:
                parameters = current.child_by_field_name("parameters") or current.child_by_field_name("parameter")
                if parameters is not None and name in pattern_names(parameters):
                    return False
            if current.type in SCOPE_NODES:
                for statement in current.named_children:
                    if statement.type in ("lexical_declaration", "variable_declaration") \
                            and name in declared_names(statement):
                        return False
            current = current.parent
        return True

    def defining(self, name: str) -> list[FunctionValue | Unreadable]:
        """Every function of the project named ``name``: a method of a class or of an object
        literal, a function field, a function declaration, a variable or a key bound to a
        function, or to another function by its name (``addTags = this.applyTags``); each method
        with a fresh object of its class as ``this``. A class field bound to what the checker cannot
        read (``addTags = makeTagger()``) is Unreadable: it may be any function. Only the places
        where the name is written are looked at, not every node of every file."""
        word = re.compile(rb"(?<![\w$])" + re.escape(name.encode()) + rb"(?![\w$])")
        found = []
        for relpath in self.mentioning(name):
            source = self.read(relpath)
            for match in word.finditer(source.data) if source is not None and source.tree is not None else ():
                written = source.node_at(match.start(), match.end())
                if written.parent is not None and written.parent.type in DEFINITIONS:
                    function = self.definition(written.parent, name, source)
                    if function is not None:
                        found.append(function)
        return found

    def definition(self, node: Any, name: str, source: Source) -> FunctionValue | Unreadable | None:
        """``node`` as the function ``name`` it defines, if it defines one."""
        key = node.child_by_field_name("name") or node.child_by_field_name("property") or node.child_by_field_name("key")
        if key is None or text(key) != name:
            return None
        value = node if node.type in FUNCTION_DECLARATIONS else node.child_by_field_name("value")
        if value is None:
            return None
        owner = node.parent.parent if node.parent is not None and node.parent.type == "class_body" else None
        cls = None
        if owner is not None:
            label = owner.child_by_field_name("name")
            cls = ClassValue(owner, source, text(label) if label is not None else "(class)")
        if value is not node and value.type not in FUNCTION_NODES:
            return self.bound_to(value, f"{cls.name}.{name}" if cls is not None else name, source, cls, node)
        if cls is None:
            return FunctionValue(value, source, name, None, None)
        return FunctionValue(value, source, f"{cls.name}.{name}", None, Instance(cls), cls)

    def bound_to(self, value: Any, qualified: str, source: Source, cls: ClassValue | None,
                 node: Any) -> FunctionValue | Unreadable | None:
        """What a name bound to something other than a function literal calls: ``this.applyTags``
        in a class (its method), a function of the module by its name, nothing when the value is
        data (a literal); else, for a class's field, Unreadable. Only class fields, top-level
        names and keys count as bound (a local variable is not a method of any object)."""
        if value.type in DATA_NODES or (cls is None and node.parent is not None
                                        and node.parent.parent is not None and node.parent.parent.type != "program"
                                        and node.type != "pair"):
            return None
        if value.type == "member_expression" and cls is not None:
            target, member = value.child_by_field_name("object"), value.child_by_field_name("property")
            if target is not None and target.type == "this" and member is not None:
                method = next((function for function in self.defining(text(member))
                               if isinstance(function, FunctionValue) and function.owner is not None
                               and function.owner.node == cls.node), None)
                if method is not None:
                    return method
        if value.type == "identifier":
            function = next((function for function in self.defining(text(value))
                             if isinstance(function, FunctionValue) and function.source is source and function.owner is None),
                            None)
            if function is not None:
                return function
        # A class's field is a method of its objects; a top-level name or an object's key bound to
        # what cannot be read is left out (a bundle's minified `map=...` would stop every `.map()`).
        return Unreadable(source, qualified) if cls is not None else None

    def class_member(self, cls: ClassValue, name: str, receiver: Any) -> Any:
        """A method (bound to ``receiver``) or a field's value, along the class's bases."""
        for current in self.lineage(cls):
            body = current.node.child_by_field_name("body")
            for member in body.named_children if body is not None else ():
                if member.type == "method_definition" and text(member.child_by_field_name("name")) == name:
                    return FunctionValue(member, current.source, f"{cls.name}.{name}", None, receiver, current)
                if member.type in ("public_field_definition", "field_definition"):
                    key = member.child_by_field_name("name") or member.child_by_field_name("property")
                    if key is not None and text(key) == name:
                        value = member.child_by_field_name("value")
                        if value is None:
                            return UNKNOWN
                        if value.type in FUNCTION_NODES:
                            return FunctionValue(value, current.source, f"{cls.name}.{name}", None, receiver, current)
                        return ConstantReader(self, current.source).value(value)
        return None

    def lineage(self, cls: ClassValue) -> Iterator[ClassValue]:
        """The class and its bases, nearest first (16 at most: a cycle ends)."""
        current: ClassValue | None = cls
        for _ in range(16):
            if current is None:
                return
            yield current
            current = self.base_class(current)

    def member_names(self, owner: Any) -> list[str]:
        """The names of an object's methods, fields and attributes set on it, along its classes."""
        names = list(owner.attributes) if isinstance(owner, Instance) else []
        for current in self.lineage(owner.cls if isinstance(owner, Instance) else owner):
            body = current.node.child_by_field_name("body")
            for member in body.named_children if body is not None else ():
                key = member.child_by_field_name("name") or member.child_by_field_name("property")
                if key is not None and member.type in ("method_definition", "public_field_definition",
                                                       "field_definition"):
                    names.append(text(key))
        return list(dict.fromkeys(names))

    def base_class(self, cls: ClassValue) -> ClassValue | None:
        for child in cls.node.named_children:
            if child.type == "class_heritage":
                clause = next((c for c in child.named_children if c.type == "extends_clause"), child)
                expression = clause.child_by_field_name("value") or next(
                    (c for c in clause.named_children if c.type not in ("type_arguments", "comment")), None)
                if expression is None:
                    return None
                base = ConstantReader(self, cls.source).value(expression)
                return base if isinstance(base, ClassValue) else None
        return None

NOT_DECLARED = object()


def statement_names(statement: Any) -> list[str]:
    """The names a statement declares in its scope."""
    kind = statement.type
    if kind == "export_statement":
        inner = statement.child_by_field_name("declaration")
        return statement_names(inner) if inner is not None else []
    if kind == "import_statement":
        clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
        names = []
        for part in clause.named_children if clause is not None else ():
            if part.type == "identifier":
                names.append(text(part))
            elif part.type == "namespace_import":
                names.append(text(part.named_children[-1]))
            elif part.type == "named_imports":
                for item in part.named_children:
                    alias = item.child_by_field_name("alias") or item.child_by_field_name("name")
                    if alias is not None:
                        names.append(text(alias))
        return names
    if kind in ("function_declaration", "generator_function_declaration", "lexical_declaration",
                "variable_declaration") or kind in CLASS_NODES:
        return declared_names(statement)
    return []


class ConstantReader:
    """Module-level values: literals, templates, arrays, objects, other constants, functions and
    classes. Nothing runs."""

    def __init__(self, project: Project, source: Source) -> None:
        self.project = project
        self.source = source

    def value(self, node: Any, name: str = "") -> Any:
        kind = node.type
        if kind in TYPE_WRAPPERS:
            return self.value(unwrapped(node), name)
        literal = literal_value(node, lambda n: self.value(n))
        if literal is not NOT_LITERAL:
            return literal
        if kind == "identifier":
            return self.project.name_value(text(node), node, self.source)
        if kind in FUNCTION_NODES:
            return FunctionValue(node, self.source, name or "<function>")
        if kind in CLASS_NODES:
            return self.project.class_value(node, self.source, name or "<class>")
        if kind == "new_expression":
            cls = self.value(node.child_by_field_name("constructor"))
            return Instance(cls) if isinstance(cls, ClassValue) else UNKNOWN
        if kind == "member_expression":
            owner = self.value(node.child_by_field_name("object"))
            key = text(node.child_by_field_name("property"))
            if isinstance(owner, Mapping):
                return owner.get(key, UNKNOWN)
            if isinstance(owner, Source):
                return self.project.exported(owner, key)
            return EXTERNAL if owner is EXTERNAL else UNKNOWN
        if kind == "call_expression":
            function = node.child_by_field_name("function")
            if function.type == "identifier" and text(function) == "require":
                return EXTERNAL  # a bundle's require("fs"): outside the project
        if kind == "binary_expression" and text(node.child_by_field_name("operator")) == "+":
            left, right = self.value(node.child_by_field_name("left")), self.value(node.child_by_field_name("right"))
            return plus(left, right)
        return UNKNOWN


NOT_LITERAL = object()


def literal_value(node: Any, evaluate: Callable[[Any], Any]) -> Any:
    """Literals, templates (their substitutions by ``evaluate``), arrays and object literals."""
    kind = node.type
    if kind == "number":
        return number_value(text(node))
    if kind == "string":
        return string_value(node)
    if kind == "template_string":
        parts, values = [], []
        for child in node.named_children:
            if child.type == "template_substitution":
                inner = child.named_children[0] if child.named_children else None
                values.append(evaluate(inner) if inner is not None else UNKNOWN)
                parts.append(stringify(values[-1]))
            elif child.type == "escape_sequence":
                parts.append(unescape(text(child)))
            else:
                parts.append(text(child))
        return with_holes("".join(parts), values)
    if kind == "true":
        return True
    if kind == "false":
        return False
    if kind in ("null", "undefined"):
        return None
    if kind == "array":
        if any(child.type == "spread_element" for child in node.named_children):
            return UNKNOWN
        return tuple(evaluate(child) for child in node.named_children if child.type != "comment")
    if kind == "object":
        items = []
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                key_text = string_value(key) if key.type == "string" else text(key)
                items.append((key_text, evaluate(child.child_by_field_name("value"))))
            elif child.type == "shorthand_property_identifier":
                items.append((text(child), evaluate(child)))
            elif child.type == "method_definition":  # { up() {...} }
                items.append((text(child.child_by_field_name("name")), evaluate(child)))
            elif child.type == "spread_element":
                return UNKNOWN
        return Mapping(tuple(items))
    return NOT_LITERAL


def number_value(code: str) -> Any:
    code = code.replace("_", "").rstrip("n")
    try:
        return int(code, 0)
    except ValueError:
        try:
            value = float(code)
        except ValueError:
            return UNKNOWN
        return int(value) if value.is_integer() else value


def string_value(node: Any) -> str:
    parts = []
    for child in node.named_children:
        parts.append(unescape(text(child)) if child.type == "escape_sequence" else text(child))
    return "".join(parts)


def unescape(code: str) -> str:
    body = code[1:]
    if body[:1] in ESCAPES and len(body) == 1:
        return ESCAPES[body]
    if body[:1] == "x" and len(body) == 3:
        return chr(int(body[1:], 16))
    if body[:1] == "u":
        digits = body[1:].strip("{}")
        try:
            return chr(int(digits, 16))
        except ValueError:
            return HOLE
    if body.startswith(("\n", "\r")):
        return ""  # a line continuation
    return body


def counter_step(loop: Any, name: str, initial: Any) -> int | None:
    """How much a for loop moves its variable each time when it is a whole number counter: it
    starts at an integer, or at a value the checker cannot know, and the loop steps it by
    ``++``, ``--`` or ``+=``/``-=`` an integer. None when it is not one."""
    if not (initial is UNKNOWN or isinstance(initial, SomeInt) or is_integer(initial)):
        return None
    step = loop.child_by_field_name("increment")
    if step is not None and step.type == "update_expression":
        target, by = step.child_by_field_name("argument"), (1 if text(step).count("+") else -1)
    elif step is not None and step.type == "augmented_assignment_expression" \
            and text(step.child_by_field_name("operator")) in ("+=", "-=") \
            and step.child_by_field_name("right").type == "number":
        amount = number_value(text(step.child_by_field_name("right")))
        target = step.child_by_field_name("left")
        by = 0 if not is_integer(amount) else amount if text(step.child_by_field_name("operator")) == "+=" else -amount
    else:
        return None
    return by if target.type == "identifier" and text(target) == name and by else None


def assigns(body: Any, name: str) -> bool:
    """Whether code assigns a name (``n = 0``, ``n -= 2``, ``n--``) anywhere in it."""
    for node in walk(body):
        target = node.child_by_field_name("left") if node.type in ("assignment_expression",
                                                                   "augmented_assignment_expression") \
            else node.child_by_field_name("argument") if node.type == "update_expression" else None
        if target is not None and target.type == "identifier" and text(target) == name:
            return True
    return False


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def plus(left: Any, right: Any) -> Any:
    if isinstance(left, (int, float)) and isinstance(right, (int, float)) \
            and not isinstance(left, bool) and not isinstance(right, bool):
        return left + right
    if isinstance(left, str) or isinstance(right, str):
        return with_holes(stringify(left) + stringify(right), (left, right))
    if isinstance(left, SomeInt) and is_integer(right):
        return left.shifted(right)  # n + 1 of a counter: its bounds move with it
    if isinstance(right, SomeInt) and is_integer(left):
        return right.shifted(left)
    if isinstance(left, SomeInt) and isinstance(right, SomeInt):
        return ANY_INT
    return UNKNOWN


# Comparisons the bounds of an integer may decide, by the symbol ``SomeInt.compared`` reads.
COMPARED = {"===": "==", "==": "==", "!==": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def bounded(operator: str, left: Any, right: Any) -> Any:
    """An operation on a counter with known bounds: ``n - 1`` moves them, ``n === 29`` or
    ``n < 29`` is decided when they decide it for every number between them."""
    if operator == "-" and isinstance(left, SomeInt) and is_integer(right):
        return left.shifted(-right)
    symbol = COMPARED.get(operator)
    decided = None
    if symbol is not None and isinstance(left, SomeInt) and is_number(right):
        decided = left.compared(symbol, right)
    elif symbol is not None and isinstance(right, SomeInt) and is_number(left):
        decided = right.compared(FLIPPED.get(symbol, symbol), left)
    return UNKNOWN if decided is None else decided


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unwrapped(node: Any) -> Any:
    """``(x)``, ``x as T``, ``x!``, ``<T>x``, ``x satisfies T``, ``await x``: the x."""
    while node.type in TYPE_WRAPPERS:
        inner = [child for child in node.named_children if not child.type.endswith("type")
                 and child.type not in ("type_identifier", "type_arguments", "generic_type", "comment")]
        if not inner:
            return node
        node = inner[0]
    return node


def declared_names(declaration: Any) -> list[str]:
    if declaration.type in ("function_declaration", "generator_function_declaration") \
            or declaration.type in CLASS_NODES:
        name = declaration.child_by_field_name("name")
        return [text(name)] if name is not None else []
    names = []
    for declarator in declaration.named_children:
        if declarator.type == "variable_declarator":
            names += pattern_names(declarator.child_by_field_name("name"))
    return names


def pattern_names(node: Any) -> list[str]:
    """The names a binding pattern (or parameter list) binds."""
    if node is None:
        return []
    if node.type in ("identifier", "shorthand_property_identifier_pattern"):
        return [text(node)]
    if node.type in ("type_annotation", "accessibility_modifier", "override_modifier", "readonly"):
        return []
    names = []
    for child in node.named_children:
        if node.type in ("pair_pattern",) and child == node.child_by_field_name("key"):
            continue
        if node.type in ("assignment_pattern", "required_parameter", "optional_parameter") \
                and child in (node.child_by_field_name("right"), node.child_by_field_name("value")):
            continue
        names += pattern_names(child)
    return names


@dataclass
class Options:
    rules: RecordingRules
    migration_names: frozenset[str] = frozenset()  # methods that apply migrations somewhere
    records_nothing: frozenset[tuple[str, str]] = frozenset()  # (file, qualified name) vouched for


@dataclass
class Machine:
    """Runs functions abstractly; one per check (its project's parsed files are shared)."""

    project: Project
    options: Options
    called: set[int] = field(default_factory=set)  # every function run (by node), for fix hints
    built: list[SomeInt] = field(default_factory=list)  # the bounds of each number a step name was built from
    _active: list[int] = field(default_factory=list)
    _may_record: dict[tuple[int, int], tuple[Any, bool]] = field(default_factory=dict)
    _recorders: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def call(self, function: FunctionValue, arguments: list[Any], node: Any, *, strict: bool = True,
             this: Any = None) -> tuple[tuple[Event, ...], Any, bool]:
        """Run ``function``: (what it did, its result, whether every path through it throws)."""
        key = function.node.id  # tree-sitter's id: the same node however it was reached
        if key in self._active:
            return (), UNKNOWN, False  # recursion: the inner visit adds nothing
        if len(self._active) > MAX_CALL_DEPTH:
            if strict:
                raise UnresolvableError(f"calls nest deeper than {MAX_CALL_DEPTH} levels at {function.name},"
                                        " which the checker does not follow", where=where(function.source, node))
            return (), UNKNOWN, False
        if (function.source.relpath, function.name) in self.options.records_nothing:
            return (), UNKNOWN, False
        self._active.append(key)
        if strict:
            self.called.add(key)
        try:
            run = Run(self, function, strict)
            result, throws = run.invoke(arguments, this if this is not None else function.this)
            return tuple(run.events), result, throws
        finally:
            self._active.pop()

    def recorders_of(self, method: str) -> tuple[str, ...]:
        """The project's functions of this name that may record, as ``file:Class.method``: calling a
        method of that name on an object the checker cannot know may run one of them (its class
        may be one only the caller imports). The SQLite libraries' names are read as theirs."""
        if method in PREPARE_METHODS or method in SCRIPT_METHODS or method == "transaction":
            return ()
        if method not in self._recorders:
            self._recorders[method] = tuple(dict.fromkeys(
                f"{function.source.relpath}:{function.name}" for function in self.project.defining(method)
                if (function.source.relpath, function.name) not in self.options.records_nothing
                and (isinstance(function, Unreadable) or self.may_record(function))))
        return self._recorders[method]

    def may_record(self, function: FunctionValue) -> bool:
        """Whether a function records anything (run with its parameters unknown, forgivingly);
        asked of every callback handed to a package (``rows.some(c => ...)``), so remembered."""
        key = (function.node.id, id(function.this))
        if key not in self._may_record:
            try:
                events, _, _ = self.call(function, [], function.node, strict=False)
                records = bool(events)
            except (UnresolvableError, RecursionError):
                records = True
            self._may_record[key] = (function.this, records)  # the receiver kept: its id stays its own
        return self._may_record[key][1]


def where(source: Source, node: Any) -> str:
    return f"{source.display}:{source.line_of(node)}"


class Run:
    """One call of one function: its frame, what it records and calls, in order."""

    def __init__(self, machine: Machine, function: FunctionValue, strict: bool) -> None:
        self.machine = machine
        self.project = machine.project
        self.function = function
        self.source = function.source
        self.strict = strict
        self.events: list[Event] = []
        self.returned: list[Any] = []
        self.frames: set[Frame] = set()  # the frames this run made (a probe writes others' as unknown)

    def frame(self, parent: Frame | None, this: Any) -> Frame:
        made = Frame({}, parent, this)
        self.frames.add(made)
        return made

    # --- calls ---------------------------------------------------------------------------------

    def invoke(self, arguments: list[Any], this: Any) -> tuple[Any, bool]:
        node = self.function.node
        frame = self.frame(self.function.frame, this if node.type != "arrow_function" or self.function.frame is None
                           else self.function.frame.this)
        if node.type == "arrow_function" and self.function.this is not None:
            frame.this = self.function.this
        self.bind_parameters(node, arguments, frame)
        body = node.child_by_field_name("body")
        if body is None:
            return UNKNOWN, False
        if body.type != "statement_block":  # an arrow function's expression body
            try:
                return self.evaluate(body, frame), False
            except Thrown:
                return UNKNOWN, True
        flow = self.block(body, self.frame(frame, frame.this))
        result = self.returned[0] if self.returned and all(r == self.returned[0] for r in self.returned) \
            and all(type(r) is type(self.returned[0]) for r in self.returned) else UNKNOWN
        if flow is Flow.NORMAL and self.returned:
            result = UNKNOWN
        return result, flow is Flow.THROW

    def bind_parameters(self, node: Any, arguments: list[Any], frame: Frame) -> None:
        parameters = node.child_by_field_name("parameters") or node.child_by_field_name("parameter")
        if parameters is None:
            return
        if parameters.type == "identifier":  # x => ...
            frame.names[text(parameters)] = arguments[0] if arguments else UNKNOWN
            return
        position = 0
        for parameter in parameters.named_children:
            if parameter.type == "comment":
                continue
            pattern, default = parameter, None
            if parameter.type in ("required_parameter", "optional_parameter"):
                pattern, default = parameter.child_by_field_name("pattern"), parameter.child_by_field_name("value")
            elif parameter.type == "assignment_pattern":
                pattern, default = parameter.child_by_field_name("left"), parameter.child_by_field_name("right")
            if pattern.type == "this":
                continue  # TypeScript's `this` parameter: a type only
            if pattern.type == "rest_pattern":
                rest = tuple(arguments[position:]) if position <= len(arguments) else ()
                for name in pattern_names(pattern):
                    frame.names[name] = rest
                continue
            value = arguments[position] if position < len(arguments) else UNKNOWN
            if default is not None and (position >= len(arguments) or value is None):
                value = self.evaluate(default, frame) if position >= len(arguments) else UNKNOWN
            position += 1
            if pattern.type == "identifier":
                frame.names[text(pattern)] = value
                if any(c.type == "accessibility_modifier" or c.type == "readonly" for c in parameter.children) \
                        and isinstance(frame.this, Instance):
                    frame.this.attributes[text(pattern)] = value  # constructor(private db: Database)
            else:
                for name in pattern_names(pattern):
                    frame.names[name] = UNKNOWN

    def run_function(self, function: FunctionValue, arguments: list[Any], node: Any, this: Any = None) -> Any:
        events, result, throws = self.machine.call(function, arguments, node, strict=self.strict, this=this)
        if events:
            self.events.append(CallTrace(function, node, tuple(arguments), events))
        if throws:
            raise Thrown()
        return result

    # --- statements -----------------------------------------------------------------------------

    def block(self, node: Any, frame: Frame) -> Flow:
        for statement in node.named_children:
            flow = self.statement(statement, frame)
            if flow is not Flow.NORMAL:
                return flow
        return Flow.NORMAL

    def statement(self, node: Any, frame: Frame) -> Flow:
        try:
            return self._statement(node, frame)
        except Thrown:
            return Flow.THROW

    def _statement(self, node: Any, frame: Frame) -> Flow:
        kind = node.type
        if kind == "expression_statement":
            for child in node.named_children:
                self.evaluate(child, frame)
            return Flow.NORMAL
        if kind in ("lexical_declaration", "variable_declaration"):
            for declarator in node.named_children:
                if declarator.type != "variable_declarator":
                    continue
                target = declarator.child_by_field_name("name")
                value_node = declarator.child_by_field_name("value")
                value = self.evaluate(value_node, frame) if value_node is not None else None
                self.bind(target, value, frame, declare=True)
            return Flow.NORMAL
        if kind == "statement_block":
            return self.block(node, self.frame(frame, frame.this))
        if kind == "if_statement":
            condition = truth(self.evaluate(node.child_by_field_name("condition"), frame))
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            run_then = lambda: self.statement(consequence, frame)  # noqa: E731
            run_else = (lambda: self.block(alternative, frame)) if alternative is not None else (lambda: Flow.NORMAL)
            if condition is True:
                return run_then()
            if condition is False:
                return run_else()
            return self.either(frame, run_then, run_else)
        if kind == "return_statement":
            value = UNKNOWN
            for child in node.named_children:
                value = self.evaluate(child, frame)
            self.returned.append(value)
            return Flow.RETURN
        if kind == "throw_statement":
            for child in node.named_children:
                self.evaluate(child, frame)
            return Flow.THROW
        if kind == "try_statement":
            return self.try_statement(node, frame)
        if kind in ("for_statement", "for_in_statement", "while_statement", "do_statement"):
            return self.loop(node, frame)
        if kind == "switch_statement":
            self.evaluate(node.child_by_field_name("value"), frame)
            body = node.child_by_field_name("body")
            for case in body.named_children:  # any case may be the one taken
                self.either(frame, lambda case=case: self.block_of_case(case, frame), lambda: Flow.NORMAL)
            return Flow.NORMAL
        if kind == "break_statement":
            return Flow.BREAK
        if kind == "continue_statement":
            return Flow.CONTINUE
        if kind in ("function_declaration", "generator_function_declaration"):
            name = text(node.child_by_field_name("name"))
            frame.names[name] = FunctionValue(node, self.source, name, frame, frame.this)
            return Flow.NORMAL
        if kind in CLASS_NODES:
            name = node.child_by_field_name("name")
            if name is not None:
                frame.names[text(name)] = self.project.class_value(node, self.source, text(name))
            return Flow.NORMAL
        if kind == "labeled_statement":
            body = node.child_by_field_name("body")
            flow = self.statement(body, frame) if body is not None else Flow.NORMAL
            return Flow.NORMAL if flow is Flow.BREAK else flow
        return Flow.NORMAL  # empty statements, comments, type declarations, imports

    def block_of_case(self, case: Any, frame: Frame) -> Flow:
        flow = Flow.NORMAL
        for statement in case.named_children:
            if statement == case.child_by_field_name("value"):
                self.evaluate(statement, frame)
                continue
            flow = self.statement(statement, frame)
            if flow is not Flow.NORMAL:
                break
        return Flow.NORMAL if flow is Flow.BREAK else flow

    def either(self, frame: Frame, first: Callable[[], Flow], second: Callable[[], Flow]) -> Flow:
        """Two ways the code may go (a condition the checker cannot decide): both run; a name
        either assigns differently is unknown after; what follows runs unless both end."""
        frames = frame.chain()  # a branch may assign names of enclosing frames too
        before = [dict(f.names) for f in frames]
        flow_first = first()
        after_first = [dict(f.names) for f in frames]
        for f, names in zip(frames, before):
            f.names.clear()
            f.names.update(names)
        flow_second = second()
        for f, first_names in zip(frames, after_first):
            for name in set(first_names) | set(f.names):
                if name not in first_names or name not in f.names or not same(first_names[name], f.names[name]):
                    f.names[name] = UNKNOWN
        if flow_first is not Flow.NORMAL and flow_second is not Flow.NORMAL:
            return flow_first if flow_first is flow_second else Flow.RETURN
        return Flow.NORMAL

    def try_statement(self, node: Any, frame: Frame) -> Flow:
        body = node.child_by_field_name("body")
        handler = node.child_by_field_name("handler")
        finalizer = node.child_by_field_name("finalizer")
        flow = self.block(body, self.frame(frame, frame.this))
        if handler is not None:  # anything in the body may throw: the handler may run
            def run_handler() -> Flow:
                inner = self.frame(frame, frame.this)
                parameter = handler.child_by_field_name("parameter")
                if parameter is not None:
                    self.bind(parameter, UNKNOWN, inner, declare=True)
                return self.block(handler.child_by_field_name("body"), inner)

            handled = self.either(frame, lambda: flow, run_handler)
            flow = handled if flow is not Flow.NORMAL else Flow.NORMAL
        if finalizer is not None:
            final_flow = self.block(finalizer.named_children[-1], self.frame(frame, frame.this))
            if final_flow is not Flow.NORMAL:
                return final_flow
        return flow

    def loop(self, node: Any, frame: Frame) -> Flow:
        body = node.child_by_field_name("body")
        inner = self.frame(frame, frame.this)
        if node.type == "for_in_statement":
            target = node.child_by_field_name("left")
            items = self.evaluate(node.child_by_field_name("right"), frame)
            is_of = any(child.type == "of" for child in node.children)
            if is_of and isinstance(items, tuple) and len(items) <= MAX_LOOP_ITEMS:  # a known array: each item
                return self.each(items, lambda item: self.bind(target, item, inner, declare=True), body, inner)
            if is_of and isinstance(items, Subset) and len(items.items) <= MAX_LOOP_ITEMS:
                for item in items.items:  # each item may be among them
                    self.bind(target, item, inner, declare=True)
                    self.either(inner, lambda: self.statement(body, inner), lambda: Flow.NORMAL)
                return Flow.NORMAL
            self.bind(target, UNKNOWN, inner, declare=True)
            return self.unknown_items(node, body, inner, frame)
        counters: dict[str, Any] = {}  # what a for loop's variables hold when its body runs
        if node.type == "for_statement":
            initializer = node.child_by_field_name("initializer")
            if initializer is not None:
                if initializer.type in ("lexical_declaration", "variable_declaration"):
                    self.statement(initializer, inner)
                    names = declared_names(initializer)
                    for name in names:
                        step = counter_step(node, name, inner.names.get(name))
                        values = self.counted(node, name, step, inner) if step is not None and len(names) == 1 else None
                        if values is not None:  # from a known start to a known bound: each number in turn
                            return self.each(values, lambda value: inner.names.__setitem__(name, value), body, inner)
                        counters[name] = self.counter_bounds(node, name, step, inner) if step is not None else UNKNOWN
                else:
                    self.evaluate(initializer, inner)
        condition = node.child_by_field_name("condition")
        if condition is not None and truth(self.evaluate(condition, inner)) is False and node.type != "do_statement":
            return Flow.NORMAL  # false from the start (a counter already past its bound): the body never runs
        inner.names.update(counters)
        return self.unknown_items(node, body, inner, frame)

    def each(self, items: Any, bind: Callable[[Any], None], body: Any, inner: Frame) -> Flow:
        """A loop over items the checker knows: the body once per item, in turn."""
        for item in items:
            bind(item)
            flow = self.statement(body, inner)
            if flow is Flow.BREAK:
                break
            if flow in (Flow.RETURN, Flow.THROW):
                return flow
        return Flow.NORMAL

    def counted(self, loop: Any, name: str, step: int, inner: Frame) -> range | None:
        """The numbers a counter takes (``for (let n = 1; n <= 3; n++)``), when its start and its
        bound are known and it moves towards the bound; None otherwise."""
        start, test = inner.names.get(name), self.counter_test(loop, name, inner)
        if not is_integer(start) or test is None or not is_integer(test[1]):
            return None
        operator, bound = test
        stop = {"<": bound, "<=": bound + 1, ">": bound, ">=": bound - 1}.get(operator)
        if stop is None or (step > 0) != (operator in ("<", "<=")):
            return None
        values = range(start, stop, step)
        return values if len(values) <= MAX_LOOP_ITEMS else None

    def counter_test(self, loop: Any, name: str, inner: Frame) -> tuple[str, Any] | None:
        """A loop's condition when it compares its counter with a bound (``n < LAST``): the
        operator and the bound's value; None otherwise, or when the body assigns the bound (it
        is read once here, but each round there)."""
        condition = loop.child_by_field_name("condition")
        condition = unwrapped(condition) if condition is not None else None
        if condition is None or condition.type != "binary_expression":
            return None
        left, right = condition.child_by_field_name("left"), unwrapped(condition.child_by_field_name("right"))
        if left.type != "identifier" or text(left) != name \
                or right.type == "identifier" and assigns(loop.child_by_field_name("body"), text(right)):
            return None
        return text(condition.child_by_field_name("operator")), self.evaluate(right, inner)

    def counter_bounds(self, loop: Any, name: str, step: int, inner: Frame) -> SomeInt:
        """The numbers a counter whose start or bound is unknown may hold when the body runs: never
        past its start against its step (unless the body sets it back), and within what its
        condition allows (``v < 29``: 28 at most), as Python's ``range(current + 1, 29)``."""
        start = inner.names.get(name)
        low, high = (start, start) if is_integer(start) else (start.low, start.high) if isinstance(start, SomeInt) \
            else (None, None)
        low, high = (None, None) if assigns(loop.child_by_field_name("body"), name) \
            else (low, None) if step > 0 else (None, high)
        test = self.counter_test(loop, name, inner)
        operator, bound = test if test is not None else ("", None)
        bounds = SomeInt(bound, bound) if is_integer(bound) else bound if isinstance(bound, SomeInt) else ANY_INT
        if operator in ("<", "<=") and bounds.high is not None:
            edge = bounds.high - (operator == "<")
            high = edge if high is None else min(high, edge)
        if operator in (">", ">=") and bounds.low is not None:
            edge = bounds.low + (operator == ">")
            low = edge if low is None else max(low, edge)
        return SomeInt(low, high)

    def unknown_items(self, node: Any, body: Any, inner: Frame, frame: Frame) -> Flow:
        """A loop whose items or count the checker cannot know: its body runs once, as a may
        (calling an item, or a migration's name on one, stops the check where it is called)."""
        self.either(inner, lambda: self.statement(body, inner), lambda: Flow.NORMAL)
        return Flow.NORMAL

    def bind(self, target: Any, value: Any, frame: Frame, *, declare: bool) -> None:
        target = unwrapped(target)
        if target.type == "identifier":
            name = text(target)
            holder = None if declare else frame.holder(name)
            if holder is not None and not self.strict and holder not in self.frames:
                value = UNKNOWN  # a probe's write outside itself: the callback may run, or not
            (holder or frame).names[name] = value
            return
        if target.type == "member_expression":
            owner = self.evaluate(target.child_by_field_name("object"), frame)
            if isinstance(owner, Instance):
                owner.attributes[text(target.child_by_field_name("property"))] = value if self.strict else UNKNOWN
            return
        if target.type in ("lexical_declaration", "variable_declaration"):
            for name in declared_names(target):
                frame.names[name] = value if len(declared_names(target)) == 1 else UNKNOWN
            return
        for name in pattern_names(target):
            holder = None if declare else frame.holder(name)
            (holder or frame).names[name] = UNKNOWN

    # --- expressions ----------------------------------------------------------------------------

    def evaluate(self, node: Any, frame: Frame) -> Any:
        if node is None:
            return None
        kind = node.type
        if kind in TYPE_WRAPPERS:
            return self.evaluate(unwrapped(node), frame)
        literal = literal_value(node, lambda child: self.evaluate(child, frame))
        if literal is not NOT_LITERAL:
            return literal
        if kind in ("identifier", "shorthand_property_identifier"):
            return self.name(text(node), node, frame)
        if kind == "this":
            return frame.this
        if kind == "call_expression":
            return self.call(node, frame)
        if kind == "new_expression":
            return self.construct(node, frame)
        if kind == "member_expression":
            owner = self.evaluate(node.child_by_field_name("object"), frame)
            return self.attribute(owner, text(node.child_by_field_name("property")), node)
        if kind == "subscript_expression":
            return self.subscript(node, frame)
        if kind == "binary_expression":
            return self.binary(node, frame)
        if kind == "unary_expression":
            return self.unary(node, frame)
        if kind == "ternary_expression":
            return self.ternary(node, frame)
        if kind == "sequence_expression":
            result = UNKNOWN
            for child in node.named_children:
                result = self.evaluate(child, frame)
            return result
        if kind == "assignment_expression":
            value = self.evaluate(node.child_by_field_name("right"), frame)
            self.bind(node.child_by_field_name("left"), value, frame, declare=False)
            return value
        if kind == "augmented_assignment_expression":
            left = node.child_by_field_name("left")
            current = self.evaluate(left, frame)
            right = self.evaluate(node.child_by_field_name("right"), frame)
            operator = text(node.child_by_field_name("operator"))
            value = plus(current, right) if operator == "+=" else UNKNOWN
            if operator in ("||=", "&&=", "??="):
                value = UNKNOWN
            self.bind(left, value, frame, declare=False)
            return value
        if kind == "update_expression":
            argument = node.child_by_field_name("argument")
            self.bind(argument, UNKNOWN, frame, declare=False)
            return UNKNOWN
        if kind in FUNCTION_NODES:
            return FunctionValue(node, self.source, self.closure_name(node), frame, frame.this)
        if kind in CLASS_NODES:
            return self.project.class_value(node, self.source, "<class>")
        if kind in ("spread_element", "yield_expression"):
            for child in node.named_children:
                self.evaluate(child, frame)
            return UNKNOWN
        return UNKNOWN  # regular expressions, JSX, meta properties...

    def closure_name(self, node: Any) -> str:
        parent = node.parent
        if parent is not None and parent.type == "variable_declarator":
            return f"{self.function.name} ({text(parent.child_by_field_name('name'))})"
        return f"{self.function.name} (closure)"

    def name(self, name: str, node: Any, frame: Frame) -> Any:
        found, value = frame.lookup(name)
        if found:
            return value
        if name == "undefined":
            return None
        return self.project.name_value(name, node, self.source)

    def attribute(self, owner: Any, name: str, node: Any) -> Any:
        if isinstance(owner, Instance):
            if name in owner.attributes:
                return owner.attributes[name]
            member = self.project.class_member(owner.cls, name, owner)
            return member if member is not None else UNKNOWN
        if isinstance(owner, ClassValue):
            member = self.project.class_member(owner, name, owner)
            return member if member is not None else UNKNOWN
        if isinstance(owner, Source):  # import * as ns
            return self.project.exported(owner, name)
        if isinstance(owner, Mapping):  # an object literal without spreads: a key it lacks is undefined
            return owner.get(name, None)
        if isinstance(owner, (tuple, str)) and name == "length":
            return len(owner) if is_known(owner) or isinstance(owner, tuple) else UNKNOWN
        if owner is EXTERNAL:
            return EXTERNAL
        if isinstance(owner, Missing):
            return owner
        return UNKNOWN

    def subscript(self, node: Any, frame: Frame) -> Any:
        owner = self.evaluate(node.child_by_field_name("object"), frame)
        index = self.evaluate(node.child_by_field_name("index"), frame)
        if isinstance(owner, tuple) and isinstance(index, int) and 0 <= index < len(owner):
            return owner[index]
        if isinstance(owner, (tuple, Mapping)) and isinstance(index, SomeInt):  # STEPS[n] of a counter
            items = enumerate(owner) if isinstance(owner, tuple) else ((key, value) for key, value in owner.items
                                                                          if str(key).isdigit())
            steps = tuple(sorted((int(key), value) for key, value in items if index.admits(int(key))))
            if all(isinstance(step, FunctionValue) for _, step in steps):  # calling it runs the one it is
                return Dispatch(steps)
        if isinstance(owner, Mapping) and is_known(index):
            return owner.get(index if isinstance(index, str) else stringify(index), None)
        if isinstance(owner, (Instance, ClassValue)):
            if isinstance(index, str) and is_known(index) and DATA_HOLE not in index:
                return self.attribute(owner, index, node)
            return self.dispatch(owner, index, node) or Dynamic(source_text(node))
        return UNKNOWN

    def dispatch(self, owner: Instance | ClassValue, name: Any, node: Any) -> Dispatch | None:
        """The members a name with one unknown part fits (``m${n}``), each by the number there:
        a counter's digits fit members with a number there, within its bounds, and no others; a value of unknown
        kind may select any member the template fits, so each must carry a number (as the
        Python front end's ``getattr``). None when the name cannot be read so."""
        numbers = name if isinstance(name, SomeInt) else name.numbers if isinstance(name, Template) else ANY_INT
        name = stringify(name) if isinstance(name, SomeInt) else name
        if not isinstance(name, str) or name.count(HOLE) + name.count(DATA_HOLE) != 1:
            return None
        self.machine.built.append(numbers)
        digits_only = DATA_HOLE in name
        before, after = name.split(DATA_HOLE if digits_only else HOLE)
        items = []
        for member in self.project.member_names(owner):
            middle = member[len(before):len(member) - len(after)] if len(member) > len(before) + len(after) else ""
            if not (middle and member.startswith(before) and member.endswith(after)):
                continue
            if middle.isdigit() and numbers.admits(int(middle)):
                items.append((int(middle), self.attribute(owner, member, node)))
            elif middle.isdigit():
                continue  # a number the counter built into the name never takes
            elif not digits_only:
                return None  # it may select a member that carries no number
        return Dispatch(tuple(sorted(items, key=lambda item: item[0])))

    def binary(self, node: Any, frame: Frame) -> Any:
        operator = text(node.child_by_field_name("operator"))
        left = self.evaluate(node.child_by_field_name("left"), frame)
        right_node = node.child_by_field_name("right")
        if operator in ("&&", "||", "??"):
            if operator == "??":  # the right side runs when the left is null or undefined
                runs_right = None if left is UNKNOWN else left is None
            else:
                decided = truth(left)
                runs_right = None if decided is None else (decided if operator == "&&" else not decided)
            if runs_right is False:
                return left
            if runs_right is True:
                return self.evaluate(right_node, frame)
            self.either(frame, lambda: self.expression_flow(right_node, frame, []), lambda: Flow.NORMAL)
            return UNKNOWN  # esbuild's `x||this.m()`: the right side may run
        right = self.evaluate(right_node, frame)
        if operator == "+":
            return plus(left, right)
        if isinstance(left, SomeInt) or isinstance(right, SomeInt):
            return bounded(operator, left, right)
        if operator in ("===", "!==", "==", "!=") and is_known(left) and is_known(right):
            equal = left == right and type(left) is type(right) if operator in ("===", "!==") else left == right
            return equal if operator in ("===", "==") else not equal
        if operator in ("<", ">", "<=", ">=", "-", "*", "/", "%") and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            try:
                return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right,
                        "-": left - right, "*": left * right}.get(operator, UNKNOWN)
            except TypeError:
                return UNKNOWN
        return UNKNOWN

    def expression_flow(self, node: Any, frame: Frame, results: list[Any]) -> Flow:
        try:
            results.append(self.evaluate(node, frame))
        except Thrown:
            return Flow.THROW
        return Flow.NORMAL

    def unary(self, node: Any, frame: Frame) -> Any:
        operator = text(node.child_by_field_name("operator"))
        value = self.evaluate(node.child_by_field_name("argument"), frame)
        if operator == "!":
            decided = truth(value)
            return UNKNOWN if decided is None else not decided
        if operator == "void":
            return None
        if operator == "-" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value
        return UNKNOWN

    def ternary(self, node: Any, frame: Frame) -> Any:
        decided = truth(self.evaluate(node.child_by_field_name("condition"), frame))
        consequence, alternative = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
        if decided is True:
            return self.evaluate(consequence, frame)
        if decided is False:
            return self.evaluate(alternative, frame)
        results: list[Any] = []
        flow = self.either(frame, lambda: self.expression_flow(consequence, frame, results),
                           lambda: self.expression_flow(alternative, frame, results))
        if flow is Flow.THROW:
            raise Thrown()
        if len(results) == 2 and same(results[0], results[1]):
            return results[0]
        if len(results) == 2 and all(isinstance(r, str) and is_known(r) for r in results):
            return Choice(tuple(results))
        return UNKNOWN

    # --- calls ----------------------------------------------------------------------------------

    def arguments(self, node: Any, frame: Frame) -> list[Any]:
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.type == "template_string":
            return [self.evaluate(arguments, frame)] if arguments is not None else []
        values = []
        for child in arguments.named_children:
            if child.type == "comment":
                continue
            if child.type == "spread_element":
                spread = self.evaluate(child.named_children[0], frame)
                values.extend(spread if isinstance(spread, tuple) else [UNKNOWN])
                continue
            values.append(self.evaluate(child, frame))
        return values

    def call(self, node: Any, frame: Frame) -> Any:
        callee_node = unwrapped(node.child_by_field_name("function"))
        if callee_node.type == "sequence_expression":  # esbuild's (0, fs.existsSync)(path)
            for child in callee_node.named_children[:-1]:
                self.evaluate(child, frame)
            callee_node = unwrapped(callee_node.named_children[-1])
        if callee_node.type == "super":
            base = self.project.base_class(self.function.owner) if self.function.owner is not None else None
            arguments = self.arguments(node, frame)
            constructor = self.project.class_member(base, "constructor", frame.this) if base is not None else None
            if isinstance(constructor, FunctionValue):
                return self.run_function(constructor, arguments, node)
            return self.external_call(node, arguments, UNKNOWN, "super")
        if callee_node.type == "import":
            return UNKNOWN
        if callee_node.type == "member_expression":
            receiver_node = callee_node.child_by_field_name("object")
            method = text(callee_node.child_by_field_name("property"))
            if receiver_node.type == "super":
                base = self.project.base_class(self.function.owner) if self.function.owner is not None else None
                member = self.project.class_member(base, method, frame.this) if base is not None else None
                return self.call_value(member if member is not None else UNKNOWN, node, frame, callee_node)
            receiver = self.evaluate(receiver_node, frame)
            return self.method_call(receiver, method, node, frame, callee_node)
        if callee_node.type == "identifier" and text(callee_node) == "require":
            found, _ = frame.lookup("require")
            if not found:
                return EXTERNAL  # a bundle's require("bun:sqlite"): outside the project
        return self.call_value(self.evaluate(callee_node, frame), node, frame, callee_node)

    def method_call(self, receiver: Any, method: str, node: Any, frame: Frame, callee_node: Any) -> Any:
        if isinstance(receiver, Mapping) and method not in receiver.keys():
            return self.unknown_receiver_call(EXTERNAL, method, node, frame)  # Object.prototype's: no project code
        if isinstance(receiver, (Instance, ClassValue, Source, Mapping)):
            member = self.attribute(receiver, method, callee_node)
            if isinstance(member, FunctionValue) or member is EXTERNAL or isinstance(member, Missing):
                return self.call_value(member, node, frame, callee_node)
            if isinstance(receiver, Instance) and member is UNKNOWN and not self.has_member(receiver.cls, method):
                return self.unknown_receiver_call(UNKNOWN, method, node, frame)
            return self.call_value(member, node, frame, callee_node)
        if isinstance(receiver, FunctionValue) and method in ("call", "apply", "bind"):
            arguments = self.arguments(node, frame)
            this = arguments[0] if arguments else None
            if method == "bind":
                return replace(receiver, this=this)
            if method == "call":
                rest = arguments[1:]
            else:  # apply(this, [args]): an array the checker cannot read holds arguments it cannot know
                spread = arguments[1] if len(arguments) > 1 else ()
                rest = list(spread) if isinstance(spread, tuple) else [UNKNOWN] * MAX_UNKNOWN_ARGUMENTS
            return self.run_function(receiver, rest, node, this=this)
        if isinstance(receiver, Prepared) and method in STATEMENT_RUN_METHODS:
            arguments = self.arguments(node, frame)
            bound: Any = arguments[0] if len(arguments) == 1 and isinstance(arguments[0], (Mapping, tuple)) \
                else tuple(arguments)
            for sql in sql_texts(receiver.sql):  # one of several texts: each may be the one run
                self.record(versions_in_sql(sql, named(bound), node, self.machine.options.rules, "execute"), node)
            return UNKNOWN
        if isinstance(receiver, tuple) and method in ARRAY_CALLBACK_METHODS:
            arguments = self.arguments(node, frame)
            if arguments and isinstance(arguments[0], FunctionValue) and len(receiver) <= MAX_LOOP_ITEMS:
                for index, item in enumerate(receiver):
                    self.run_function(arguments[0], [item, index, receiver], node)
                return Subset(receiver) if method == "filter" else UNKNOWN
            return self.external_call(node, arguments, receiver, method)
        if isinstance(receiver, str) and is_known(receiver) and method in ("trim", "toLowerCase", "toUpperCase"):
            return {"trim": receiver.strip(), "toLowerCase": receiver.lower(),
                    "toUpperCase": receiver.upper()}[method]
        if isinstance(receiver, Missing):
            return self.call_value(receiver, node, frame, callee_node)
        return self.unknown_receiver_call(receiver, method, node, frame)

    def has_member(self, cls: ClassValue, name: str) -> bool:
        return self.project.class_member(cls, name, None) is not None

    def unknown_receiver_call(self, receiver: Any, method: str, node: Any, frame: Frame) -> Any:
        """A method of an object outside the project (a database, an array of rows, a logger of a
        package): the SQLite libraries' statements, scripts and transactions are read."""
        arguments = self.arguments(node, frame)
        if method in PREPARE_METHODS and arguments:
            return Prepared(arguments[0])
        if method in SCRIPT_METHODS and arguments and (isinstance(arguments[0], (str, Choice, Missing))
                                                       or arguments[0] is UNKNOWN):
            params = arguments[1:]
            bound: Any = params[0] if len(params) == 1 and isinstance(params[0], (Mapping, tuple)) else tuple(params)
            kind = "execute" if params else "executescript"
            for sql in sql_texts(arguments[0]):
                if kind == "executescript" and isinstance(sql, str) and not self.machine.options.rules \
                        .mentioned_in(sql) and all(quoted(sql, index) for index, char in enumerate(sql) if char == HOLE):
                    continue  # its unknown parts are names or values: no statement writes the version table
                self.record(versions_in_sql(sql, named(bound), node, self.machine.options.rules, kind), node)
            return UNKNOWN
        if method == "transaction" and arguments and isinstance(arguments[0], FunctionValue):
            return arguments[0]  # db.transaction(fn) returns fn wrapped: calling it runs fn
        if receiver is UNKNOWN and self.strict and method in self.machine.options.migration_names:
            self.cannot_follow(node, f"the object it is called on cannot be known statically, and {method} applies"
                                     " migrations elsewhere", "call it on this, or on an object built from a"
                                                              " project class (new Runner(db))")
        if receiver is UNKNOWN and self.strict and (recorders := self.machine.recorders_of(method)):
            self.cannot_follow(node, "the object it is called on cannot be known statically, and"
                                     f" {may_record(recorders)}",
                               "call it on this, or on an object built from a project class (new Runner(db)), or,"
                               f" {vouch_for(recorders)}")
        return self.external_call(node, arguments, receiver, method)

    def external_call(self, node: Any, arguments: list[Any], receiver: Any, method: str) -> Any:
        """Code outside the project applies nothing, unless it is handed a function that does."""
        for value in arguments:
            if isinstance(value, FunctionValue) and self.strict and self.machine.may_record(value):
                self.cannot_follow(node, f"it hands {value.name}, which applies migrations, to code outside the"
                                         " project", f"call {value.name} directly")
        return UNKNOWN

    def call_value(self, callee: Any, node: Any, frame: Frame, callee_node: Any) -> Any:
        if callee is None and any(child.type in ("optional_chain", "?.") for child in node.children):
            return None  # f?.() of undefined calls nothing
        if isinstance(callee, FunctionValue):
            return self.run_function(callee, self.arguments(node, frame), node)
        if isinstance(callee, ClassValue):
            return self.construct(node, frame)
        arguments = self.arguments(node, frame)
        if isinstance(callee, Dispatch):  # each member the built name may be: every one that exists runs
            for _, member in callee.items:
                if isinstance(member, FunctionValue):
                    self.run_function(member, arguments, node)
                elif member is not None:
                    self.cannot_follow(node, "a member its name may build is not a method", "call the migration"
                                             " by name (this.m())", what="calls methods through")
            return UNKNOWN
        if callee is EXTERNAL:
            return self.external_call(node, arguments, EXTERNAL, "")
        if isinstance(callee, Missing):
            self.cannot_follow(node, f"{callee.specifier} is imported from the project but is not in it",
                               "check the import, or the paths the check reads")
            return UNKNOWN
        if isinstance(callee, Dynamic):
            self.cannot_follow(node, f"{callee.code} is a member whose name the checker cannot build",
                               "call the migration by name (this.m())", what="calls methods through")
            return UNKNOWN
        self.cannot_follow(node, "what it calls cannot be known statically",
                           "call the migration by name (this.m()), or through a name bound to it")
        return UNKNOWN

    def construct(self, node: Any, frame: Frame) -> Any:
        cls = self.evaluate(node.child_by_field_name("constructor") or node.child_by_field_name("function"), frame)
        arguments = self.arguments(node, frame)
        if not isinstance(cls, ClassValue):
            if isinstance(cls, Missing):
                self.cannot_follow(node, f"{cls.specifier} is imported from the project but is not in it",
                                   "check the import, or the paths the check reads")
            return self.external_call(node, arguments, cls, "new")
        instance = Instance(cls)
        constructor = self.project.class_member(cls, "constructor", instance)
        if isinstance(constructor, FunctionValue):
            self.run_function(constructor, arguments, node, this=instance)
        return instance

    def record(self, versions: list[RecordedVersion] | None, node: Any) -> None:
        for version in versions or ():
            value = version.value
            if not isinstance(value, int) or isinstance(value, bool):
                if not self.strict:
                    continue
                name = self.function.name
                raise UnresolvableError(
                    f"cannot resolve the version number statically in {name} ({version.detail}):"
                    f" {source_text(node)}; if {name} records no version, list it in [tool.bundler] records-nothing"
                    f" (\"{self.source.relpath}:{name}\")", where=where(self.source, node))
            self.events.append(Record(version, self.function))

    def cannot_follow(self, node: Any, why: str, remedy: str, what: str = "calls") -> None:
        if not self.strict:
            return
        name = self.function.name
        raise UnresolvableError(
            f"{name} {what} {source_text(node)}, which cannot be followed ({why}); {remedy}, or, if it applies"
            f" no migration, list {name} in [tool.bundler] records-nothing", where=where(self.source, node))


def named(params: Any) -> Any:
    """Named parameters as the SQL recognition reads them: bun writes ``{$version: 28}``,
    better-sqlite3 ``{version: 28}``; both bind ``$version``, ``:version`` and ``@version``."""
    if isinstance(params, Mapping):
        return Mapping(tuple((key.lstrip("$:@") if isinstance(key, str) else key, value)
                             for key, value in params.items))
    return params


def sql_texts(sql: Any) -> tuple[Any, ...]:
    """The SQL a statement may run: each option of a choice, else the one value (unknown when it
    is imported from a project file that is not there)."""
    if isinstance(sql, Choice):
        return sql.options
    return (UNKNOWN,) if isinstance(sql, Missing) else (sql,)


def quoted(sql: str, index: int) -> bool:
    """Whether an unknown part of SQL text is inside '...': a SQL string, data, not a statement."""
    return sql[:index].count("'") % 2 == 1


def same(left: Any, right: Any) -> bool:
    """Whether two values a name holds after two branches are one (a counter's bounds included)."""
    if isinstance(left, Template) or isinstance(right, Template):
        return isinstance(left, Template) and isinstance(right, Template) \
            and (left, left.numbers) == (right, right.numbers)
    if isinstance(left, SomeInt):
        return left == right
    return left is right or (type(left) is type(right) and is_known(left) and left == right)


def walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children))
