"""From source to migration lists: which methods an entry applies, and which numbers each records.

Pure functions of parsed source (no imports, no execution). An entry's body is read in order,
including under ``if``/``try``/``with``/loops; ``self.m()`` calls, loops over tuples of bound
methods, grouping helpers and delegation to the registry apply migrations. A method that
records a number itself, or through helpers at any depth, is a migration; a method whose
records come from its arguments (``self._record_version(28)``) records for its caller; a
method that calls several migrations is a grouping helper and is expanded.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

import libcst as cst

from bundler.errors import SourceError, UnresolvableError
from bundler.ftypes import EntrySpec, Location, Migration, MigrationList
from bundler.records import EXECUTE_METHODS, PREPARED_RUN_METHODS, RecordedVersion, RecordingRules, recorded_versions
from bundler.sources import ModuleSet, ParsedModule
from bundler.values import UNKNOWN, ParamRef, Resolver, Value, collect_assignment

MAX_LOOP_ITEMS = 10_000


@dataclass(frozen=True)
class Function:
    """A method of a class (``class_def`` set) or a module-level function."""

    module: ParsedModule
    class_def: cst.ClassDef | None
    node: cst.FunctionDef

    @property
    def name(self) -> str:
        owner = f"{self.class_def.name.value}." if self.class_def else ""
        return owner + self.node.name.value

    @property
    def key(self) -> tuple[str, str]:
        return (self.module.relpath, self.name)

    def location(self) -> Location:
        class_name = self.class_def.name.value if self.class_def else self.node.name.value
        method = self.node.name.value if self.class_def else None
        return Location(self.module.display, self.module.line_of_definition(class_name, method))


@dataclass(frozen=True)
class MethodRef:
    """``self.m`` used as a value: an element of a tuple of bound methods."""

    function: Function


@dataclass(frozen=True)
class Record:
    version: RecordedVersion


@dataclass(frozen=True)
class Call:
    function: Function
    env: tuple[tuple[str, Value], ...]
    node: cst.Call


@dataclass(frozen=True)
class Delegate:
    node: cst.Call


@dataclass(frozen=True)
class Unfollowed:
    """A call of a loop's item where the loop's items cannot be read: it may apply migrations
    the checker cannot see, and a finding about this path says so."""

    node: cst.Call


Event = Union[Record, Call, Delegate, Unfollowed]


@dataclass
class Summary:
    events: list[Event] = field(default_factory=list)


class Extractor:
    """Builds migration lists from entries; caches summaries of (function, arguments)."""

    def __init__(self, modules: ModuleSet, rules: RecordingRules, registry_entry: EntrySpec | None = None,
                 configured_in: str | None = None) -> None:
        self.modules = modules
        self.configured_in = configured_in
        self.rules = rules
        self.resolver = Resolver(modules)
        self.registry_entry = registry_entry
        self.registry: MigrationList | None = None
        self._summaries: dict[tuple, Summary] = {}
        self._digests: dict[tuple[str, str], Digest] = {}
        self._versions: dict[tuple, list[int]] = {}  # numbers per (function, arguments), once known
        self._cycles = 0  # recursion cut-offs seen so far
        self._methods: dict[int, dict[str, cst.FunctionDef]] = {}  # id(ClassDef) → its methods
        self._active: set[tuple] = set()

    # --- entries -------------------------------------------------------------------------

    def find_entry(self, spec: EntrySpec) -> Function:
        module = self.module_for(spec)
        found = self.find_class(module, spec.class_name)
        if found is None:
            raise SourceError(f"class {spec.class_name} not found", where=module.display)
        class_module, class_def = found
        function = self.find_method(class_module, class_def, spec.method)
        if function is None:
            where = f"{class_module.display}:{class_module.line_of_definition(spec.class_name)}"
            raise SourceError(f"class {spec.class_name} has no method {spec.method}", where=where)
        return function

    def find_class(self, module: ParsedModule, name: str, depth: int = 0) -> tuple[ParsedModule, cst.ClassDef] | None:
        """A class defined in ``module``, or imported into it from another module of the project."""
        scope = self.resolver.scope(module)
        if name in scope.classes:
            return module, scope.classes[name]
        if name in scope.imported_names and depth < 8:
            source, original = scope.imported_names[name]
            other = self.modules.by_name(source)
            if other is not None:
                return self.find_class(other, original, depth + 1)
        return None

    def registry_method(self, name: str) -> Function | None:
        """A method of the registry's class, for paths that call single registry methods."""
        if self.registry_entry is None:
            return None
        try:
            module = self.module_for(self.registry_entry)
        except SourceError:
            return None
        found = self.find_class(module, self.registry_entry.class_name)
        return self.find_method(found[0], found[1], name) if found else None

    def module_for(self, spec: EntrySpec) -> ParsedModule:
        looks_like_path = spec.target.endswith(".py") or "/" in spec.target
        module = self.modules.by_path(spec.target) if looks_like_path else self.modules.by_name(spec.target)
        if module is None:
            named_in = f" (named in {self.configured_in})" if self.configured_in else ""
            raise SourceError(f"file not found{named_in}", where=self.modules.origin.display(spec.target))
        return module

    def migration_list(self, spec: EntrySpec) -> MigrationList:
        entry = self.find_entry(spec)
        env: dict[str, Value] = {name: UNKNOWN for name in parameter_names(entry.node)}
        unfollowed: list[Location] = []
        migrations = self._expand(entry, env, entry, unfollowed)
        return MigrationList(
            name=entry.name, location=entry.location(), migrations=tuple(migrations),
            origin=self.modules.origin.label, unfollowed=tuple(dict.fromkeys(unfollowed)),
        )

    # --- expansion into migrations ------------------------------------------------------------

    def _expand(self, function: Function, env: dict[str, Value], entry: Function,
                unfollowed: list[Location]) -> list[Migration]:
        migrations: list[Migration] = []
        for event in self.summary(function, env).events:
            if isinstance(event, Record):
                migrations.append(Migration(f"{function.name} (inline)", function.location(),
                                            (self._strict(event.version, function),)))
            elif isinstance(event, Delegate):
                migrations.extend(self._registry_migrations(event, function))
            elif isinstance(event, Unfollowed):
                unfollowed.append(Location(function.module.display, function.module.line_of(event.node)))
            else:
                migrations.extend(self._classify(event, entry, unfollowed))
        return migrations

    def _classify(self, call: Call, entry: Function, unfollowed: list[Location]) -> list[Migration]:
        callee, env = call.function, dict(call.env)
        versions = self.versions(callee, env)
        if not versions:
            return []
        if self._records_for_caller(callee, versions):
            return [Migration(f"{callee.name} (called by {entry.name})", callee.location(), tuple(versions))]
        events = self.summary(callee, env).events
        own_records = any(isinstance(e, Record) for e in events) or any(
            isinstance(e, Call) and self._records_for_caller(e.function, self.versions(e.function, dict(e.env)))
            for e in events
        )
        recording_children = [
            e for e in events
            if isinstance(e, Delegate) or (isinstance(e, Call) and self.versions(e.function, dict(e.env)))
        ]
        is_group = not own_records and (
            len(recording_children) > 1 or any(isinstance(e, Delegate) for e in recording_children)
        )
        if is_group:
            return self._expand(callee, env, entry, unfollowed)
        return [Migration(callee.name, callee.location(), tuple(versions))]

    def _records_for_caller(self, function: Function, bound_versions: list[int]) -> bool:
        """True for a recording helper: what it records depends on the arguments it is given."""
        params = parameter_names(function.node)
        if not params:
            return False
        unbound: dict[str, Value] = {name: ParamRef(name) for name in params}
        return self.versions(function, unbound, strict=False) != bound_versions

    def _registry_migrations(self, event: Delegate, caller: Function) -> list[Migration]:
        if self.registry is None:
            where = f"{caller.module.display}:{caller.module.line_of(event.node)}"
            raise SourceError("delegates to the registry, but no registry was extracted first", where=where)
        return list(self.registry.migrations)

    # --- numbers ------------------------------------------------------------------------------

    def versions(self, function: Function, env: dict[str, Value], *, strict: bool = True) -> list[int]:
        """Every number ``function`` records with these arguments, transitively, in order."""
        found: dict[int, None] = {}
        key = ("versions", function.key, env_key(env), strict, self.registry is not None)
        if key in self._versions:
            return self._versions[key]
        if key in self._active:
            self._cycles += 1
            return []
        self._active.add(key)
        cycles_before = self._cycles
        try:
            for event in self.summary(function, env).events:
                if isinstance(event, Record):
                    value = self._strict(event.version, function) if strict else event.version.value
                    if isinstance(value, int):
                        found.setdefault(value, None)
                elif isinstance(event, Delegate):
                    if self.registry is not None:
                        for version in self.registry.applied():
                            found.setdefault(version, None)
                elif isinstance(event, Call):
                    for version in self._call_versions(function, event, strict):
                        found.setdefault(version, None)
        finally:
            self._active.discard(key)
        if self._cycles == cycles_before:  # a result cut short by recursion is not kept
            self._versions[key] = list(found)
        return list(found)

    def _call_versions(self, caller: Function, call: Call, strict: bool) -> list[int]:
        """A callee's numbers; when they hinge on an argument nobody can resolve, the error
        points at this call site, where the fix is, rather than inside the helper."""
        try:
            return self.versions(call.function, dict(call.env), strict=strict)
        except UnresolvableError as exc:
            if exc.at_call_site or not any(v is UNKNOWN for _, v in call.env):
                raise
            source = caller.module.tree.code_for_node(call.node).strip().splitlines()[0][:120]
            error = UnresolvableError(
                f"cannot resolve the version number statically in {caller.name}: an argument of {source}",
                where=f"{caller.module.display}:{caller.module.line_of(call.node)}",
            )
            error.at_call_site = True
            raise error from None

    def _strict(self, recorded: RecordedVersion, function: Function) -> int:
        if isinstance(recorded.value, int) and not isinstance(recorded.value, bool):
            return recorded.value
        line = function.module.line_of(recorded.node)
        source = function.module.tree.code_for_node(recorded.node).strip().splitlines()[0][:120]
        raise UnresolvableError(
            f"cannot resolve the version number statically in {function.name} "
            f"({recorded.detail}): {source}",
            where=f"{function.module.display}:{line}",
        )

    # --- reading one function's body ----------------------------------------------------------

    def summary(self, function: Function, env: dict[str, Value]) -> Summary:
        key = (function.key, env_key(env))
        if key in self._summaries:
            return self._summaries[key]
        if key in self._active:  # recursion between helpers: the inner visit adds nothing
            return Summary()
        self._active.add(key)
        try:
            digest = self.digest(function)
            local_env = dict(env)
            local_env.update(self._locals(function, digest, env))
            evaluator = Evaluator(self, function, local_env)
            named = self._number_in_name(function)
            if named is not None:
                evaluator.events.append(Record(RecordedVersion(named, function.node, "the method's name")))
            evaluator.run(digest.operations)
            summary = Summary(evaluator.events)
        finally:
            self._active.discard(key)
        self._summaries[key] = summary
        return summary

    def _number_in_name(self, function: Function) -> int | None:
        if self.rules.name_pattern is None:
            return None
        match = re.search(self.rules.name_pattern, function.node.name.value)
        return int(match.group(1)) if match and match.group(1).isdigit() else None

    def digest(self, function: Function) -> Digest:
        """The body's calls, loops and assignments: one tree walk per function per run."""
        if function.key not in self._digests:
            collector = DigestCollector(self.registry_entry)
            collector.walk(function.node.body)
            self._digests[function.key] = Digest(tuple(collector.operations), collector.assignments)
        return self._digests[function.key]

    def _locals(self, function: Function, digest: Digest, env: dict[str, Value]) -> dict[str, Value]:
        """Names assigned exactly once in the body, resolved; parameters reassigned become unknown."""
        result: dict[str, Value] = {}
        for name, expression in digest.assignments.items():
            if expression is None or name in env:
                result[name] = UNKNOWN
            else:
                result[name] = self.resolve(expression, function, {**env, **result})
        return result

    def resolve(self, node: cst.BaseExpression, function: Function, env: dict[str, Value]) -> Value:
        return self.resolver.resolve(node, function.module, env, function.class_def)

    def find_method(self, module: ParsedModule, class_def: cst.ClassDef, name: str, depth: int = 0) -> Function | None:
        methods = self._methods.get(id(class_def))
        if methods is None:
            methods = {}
            for statement in class_def.body.body:
                if isinstance(statement, cst.FunctionDef):
                    methods.setdefault(statement.name.value, statement)
            self._methods[id(class_def)] = methods
        if name in methods:
            return Function(module, class_def, methods[name])
        if depth > 8:
            return None
        scope = self.resolver.scope(module)
        for base in class_def.bases:
            if not isinstance(base.value, cst.Name):
                continue
            base_name = base.value.value
            if base_name in scope.classes:
                found = self.find_method(module, scope.classes[base_name], name, depth + 1)
            elif base_name in scope.imported_names:
                source, original = scope.imported_names[base_name]
                other = self.modules.by_name(source)
                other_class = self.resolver.scope(other).classes.get(original) if other else None
                found = self.find_method(other, other_class, name, depth + 1) if other and other_class else None
            else:
                found = None
            if found is not None:
                return found
        return None

    def is_registry_class(self, name: str, module: ParsedModule) -> bool:
        if self.registry_entry is None:
            return False
        scope = self.resolver.scope(module)
        original = scope.imported_names.get(name, (None, name))[1]
        return original == self.registry_entry.class_name


@dataclass(frozen=True)
class LoopOp:
    """``for target in iterable:``: the body runs once per known item, with ``target`` bound
    (``for version, step in ...``: a tuple of names, each bound to its part of the item)."""

    target: str | tuple[str, ...]
    iterable: cst.BaseExpression
    body: tuple["Operation", ...]
    orelse: tuple["Operation", ...]


Operation = Union[cst.Call, LoopOp]


def loop_target(target: cst.BaseAssignTargetExpression) -> str | tuple[str, ...] | None:
    """``for step in``: ``"step"``; ``for version, step in``: ``("version", "step")``; else None."""
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, (cst.Tuple, cst.List)) and target.elements and all(
            isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in target.elements):
        return tuple(e.value.value for e in target.elements)  # type: ignore[attr-defined]
    return None


def bind_loop_target(target: str | tuple[str, ...], item: Value) -> dict[str, Value]:
    """The names a loop binds for one item; an item that does not unpack leaves them unknown."""
    if isinstance(target, str):
        return {target: item}
    if isinstance(item, tuple) and len(item) == len(target):
        return dict(zip(target, item, strict=True))
    return {name: UNKNOWN for name in target}


@dataclass(frozen=True)
class Digest:
    operations: tuple[Operation, ...]
    assignments: dict[str, cst.BaseExpression | None]


class DigestCollector:
    """Collects, in source order, the calls that may record, apply or delegate, the loops
    around them, and simple assignments. It does not depend on argument values, so it runs
    once per function. It walks the tree by hand: libcst's visitors rebuild every node they
    pass, which made this walk most of the check's time."""

    def __init__(self, registry_entry: EntrySpec | None) -> None:
        self.operations: list[Operation] = []
        self.assignments: dict[str, cst.BaseExpression | None] = {}
        self.interesting = EXECUTE_METHODS | PREPARED_RUN_METHODS
        if registry_entry is not None:
            self.interesting = self.interesting | {registry_entry.method}

    def walk(self, node: cst.CSTNode) -> None:
        # Exact type tests: libcst's node classes are ABCs, and isinstance on them is slow.
        kind = type(node)
        if kind in DEFINITIONS:
            return  # definitions inside a body are not calls
        if kind in ASSIGNMENTS:
            collect_assignment(node, self.assignments)
        elif kind is cst.For and loop_target(node.target) is not None:  # type: ignore[attr-defined]
            self._loop(node)  # type: ignore[arg-type]
            return
        elif kind is cst.Call and self._may_matter(node.func):  # type: ignore[attr-defined]
            self.operations.append(node)  # type: ignore[arg-type]
        for child in children(node):
            self.walk(child)

    def _loop(self, node: cst.For) -> None:
        outer = self.operations
        self.operations = []
        self.walk(node.body)
        body = tuple(self.operations)
        self.operations = []
        if node.orelse is not None:
            self.walk(node.orelse)
        orelse = tuple(self.operations)
        self.operations = outer
        self.operations.append(LoopOp(loop_target(node.target), node.iter, body, orelse))  # type: ignore[arg-type]

    def _may_matter(self, func: cst.BaseExpression) -> bool:
        kind = type(func)
        if kind is cst.Name or kind is cst.Call:  # a call of a call: getattr(self, name)()
            return True
        # Any call on a name or on a fresh instance may reach a registry (``Runner(c).m()``,
        # ``runner.m()``); other receivers matter only for the recording methods.
        return kind is cst.Attribute and (
            func.attr.value in self.interesting  # type: ignore[attr-defined]
            or type(func.value) in (cst.Name, cst.Call)  # type: ignore[attr-defined]
        )


DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
ASSIGNMENTS = frozenset({cst.Assign, cst.AnnAssign, cst.AugAssign})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_LAYOUT_WORDS = ("whitespace", "lpar", "rpar", "comma", "semicolon", "colon", "equal", "dot", "lbr", "rbr",
                 "header", "footer", "leading_lines", "lines_after", "newline", "operator", "asynchronous")


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """A node's children in source order, without the layout-only ones (whitespace, commas...)."""
    kind = type(node)
    names = _CHILD_FIELDS.get(kind)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(kind) if not any(w in f.name for w in _LAYOUT_WORDS))
        _CHILD_FIELDS[kind] = names
    for name in names:
        value = getattr(node, name)
        if type(value) in (tuple, list):
            yield from (item for item in value if is_node(item))
        elif is_node(value):
            yield value


_NODE_TYPES: dict[type, bool] = {}


def is_node(value: object) -> bool:
    """``isinstance(value, CSTNode)``, memoised per type: CSTNode is an ABC, and ABC checks
    were a fifth of the walk."""
    kind = type(value)
    known = _NODE_TYPES.get(kind)
    if known is None:
        known = _NODE_TYPES[kind] = isinstance(value, cst.CSTNode)
    return known


class Evaluator:
    """Runs a digest with names bound: records, calls and delegations, in order."""

    def __init__(self, extractor: Extractor, function: Function, env: dict[str, Value]) -> None:
        self.extractor = extractor
        self.function = function
        self.env = env
        self.events: list[Event] = []
        self.unread_items: frozenset[str] = frozenset()  # loop targets over items that cannot be read

    def _resolve(self, node: cst.BaseExpression) -> Value:
        return self.extractor.resolve(node, self.function, self.env)

    def run(self, operations: tuple[Operation, ...]) -> None:
        for operation in operations:
            if isinstance(operation, LoopOp):
                self._loop(operation)
            else:
                self._call(operation)

    def _loop(self, loop: LoopOp) -> None:
        items = self._loop_items(loop.iterable)
        names = (loop.target,) if isinstance(loop.target, str) else loop.target
        if items is None:
            outer = self.unread_items
            self.unread_items = outer | set(names)
            self.run(loop.body)
            self.unread_items = outer
        else:
            saved = {name: self.env.get(name, UNKNOWN) for name in names}
            for item in items[:MAX_LOOP_ITEMS]:
                self.env.update(bind_loop_target(loop.target, item))
                self.run(loop.body)
            self.env.update(saved)
        self.run(loop.orelse)

    def _loop_items(self, iterable: cst.BaseExpression) -> list | None:
        """A tuple/list literal (or a constant naming one) of bound methods, of values, or of
        tuples of both; or ``enumerate`` of one."""
        if (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name)
                and iterable.func.value == "enumerate" and len(iterable.args) == 1 and not iterable.args[0].keyword):
            items = self._loop_items(iterable.args[0].value)
            return None if items is None else [(index, item) for index, item in enumerate(items)]
        expression = iterable
        if isinstance(iterable, (cst.Name, cst.Attribute)):
            constant = self._constant_expression(iterable)
            expression = constant if constant is not None else iterable
        if isinstance(expression, (cst.Tuple, cst.List)):
            elements = [e.value for e in expression.elements if isinstance(e, cst.Element)]
            if elements:
                return [self._loop_item(e) for e in elements]
        value = self._resolve(iterable)
        if isinstance(value, tuple):
            return list(value)
        return None

    def _loop_item(self, node: cst.BaseExpression) -> Value:
        """One item of a literal: a bound method (as the environment holds them), a tuple of
        items, or a value."""
        method = self._bound_method(node)
        if method is not None:
            return method  # type: ignore[return-value]
        if isinstance(node, (cst.Tuple, cst.List)):
            return tuple(self._loop_item(e.value) for e in node.elements if isinstance(e, cst.Element))
        return self._resolve(node)

    def _constant_expression(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        ext = self.extractor
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in ("self", "cls"):
            if self.function.class_def is not None:
                return ext.resolver.class_constants(self.function.class_def).get(node.attr.value)
        if isinstance(node, cst.Name):
            expression = self.extractor.digest(self.function).assignments.get(node.value)
            return expression if isinstance(expression, (cst.Tuple, cst.List)) else None
        return None

    def _bound_method(self, node: cst.BaseExpression) -> MethodRef | None:
        if (
            isinstance(node, cst.Attribute)
            and isinstance(node.value, cst.Name)
            and node.value.value in ("self", "cls")
            and self.function.class_def is not None
        ):
            found = self.extractor.find_method(self.function.module, self.function.class_def, node.attr.value)
            return MethodRef(found) if found else None
        return None

    def _call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in self.unread_items:
            self.events.append(Unfollowed(node))
            return
        self._refuse_computed_getattr(node)
        recorded = recorded_versions(node, self._resolve, self.extractor.rules)
        if recorded is not None:
            self.events.extend(Record(r) for r in recorded)
        elif self._is_delegation(node):
            self.events.append(Delegate(node))
        else:
            target = self._registry_call(node) or self._callee(node.func)
            if target is not None:
                self.events.append(Call(target, env_key(self._bind(target, node)), node))

    def _refuse_computed_getattr(self, node: cst.Call) -> None:
        """``getattr(self, f"upgrade_{n}")()`` applies methods no reader can name: fail closed,
        and say which configuration would describe them."""
        func = node.func
        if isinstance(func, cst.Name) and func.value in self.env and isinstance(self.env[func.value], MethodRef):
            return
        getter = func if isinstance(func, cst.Call) else None
        if getter is None and isinstance(func, cst.Name):
            assigned = self.extractor.digest(self.function).assignments.get(func.value)
            getter = assigned if isinstance(assigned, cst.Call) else None
        if (getter is not None and isinstance(getter.func, cst.Name) and getter.func.value == "getattr"
                and len(getter.args) >= 2 and not isinstance(self._resolve(getter.args[1].value), str)):
            where = f"{self.function.module.display}:{self.function.module.line_of(node)}"
            raise UnresolvableError(
                f"{self.function.name} calls methods through getattr with a computed name, which cannot be followed;"
                ' describe them with style = "naming" and [tool.bundler.styles] name-pattern', where=where)

    def _callee(self, func: cst.BaseExpression) -> Function | None:
        fn = self.function
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
            if fn.class_def is not None:
                return self.extractor.find_method(fn.module, fn.class_def, func.attr.value)
        if isinstance(func, cst.Name):
            bound = self.env.get(func.value)
            if isinstance(bound, MethodRef):
                return bound.function
            functions = self.extractor.resolver.scope(fn.module).functions
            if func.value in functions:
                return Function(fn.module, None, functions[func.value])
        return None

    def _is_delegation(self, node: cst.Call) -> bool:
        """``Registry(conn).entry()``: applies everything the registry applies."""
        spec = self.extractor.registry_entry
        return (spec is not None and isinstance(node.func, cst.Attribute) and node.func.attr.value == spec.method
                and self._on_registry_instance(node.func.value))

    def _registry_call(self, node: cst.Call) -> Function | None:
        """``Registry(conn).some_migration()``: applies that one migration."""
        if isinstance(node.func, cst.Attribute) and self._on_registry_instance(node.func.value):
            return self.extractor.registry_method(node.func.attr.value)
        return None

    def _on_registry_instance(self, owner: cst.BaseExpression) -> bool:
        if isinstance(owner, cst.Name):
            if owner.value in ("self", "cls"):
                return False
            owner = self.extractor.digest(self.function).assignments.get(owner.value) or owner
        return (isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name)
                and self.extractor.is_registry_class(owner.func.value, self.function.module))

    def _bind(self, target: Function, call: cst.Call) -> dict[str, Value]:
        """The callee's parameters bound to this call's arguments (defaults where omitted)."""
        params = target.node.params
        positional = [p for p in (*params.posonly_params, *params.params)]
        if target.class_def is not None and positional and not is_static(target.node):
            positional = positional[1:]
        env: dict[str, Value] = {}
        for param in (*positional, *params.kwonly_params):
            env[param.name.value] = self._resolve(param.default) if param.default is not None else UNKNOWN
        args = list(call.args)
        position = 0
        for arg in args:
            if arg.star:
                return {name: UNKNOWN for name in env}
            if arg.keyword is not None:
                env[arg.keyword.value] = self._resolve(arg.value)
            elif position < len(positional):
                env[positional[position].name.value] = self._resolve(arg.value)
                position += 1
        return env


def parameter_names(node: cst.FunctionDef) -> list[str]:
    params = node.params
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    return names[1:] if names and names[0] in ("self", "cls") else names


def is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


def env_key(env: dict[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple(sorted(((k, v) for k, v in env.items()), key=lambda item: item[0]))
