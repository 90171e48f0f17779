"""Abstract interpretation of function bodies: which calls run, in order, and what they record.

A function is run statement by statement with its names bound (flow-sensitively: a local
reassigned before use has its new value), the way Python would run it, except that what cannot
be known statically is ``UNKNOWN``. A condition that is known decides its branch (``if False:``
applies nothing); one that is not runs both ("may apply"). Statements after a ``return`` or a
``raise`` do not run. Loops over known items run once per item; loops over unknown items run
their body once with the item unknown. Calls are followed into the project's functions and
methods, resolved as Python resolves them: along the method resolution order of the object's
real class (a mixin's ``self.SQL_X`` finds the concrete class's constant), the last definition
winning, through ``super()``, ``type(self)``, ``getattr`` with a known name, bound methods kept in
locals, attributes of ``self`` and project classes instantiated (their ``__init__`` runs).

What may apply or record a migration but cannot be followed (a call of an unknown callable, a
computed ``getattr``, SQL whose text is unknown) stops the check: ``UnresolvableError`` naming
the construct and the option that would describe it. ``strict=False`` runs (used to ask whether
a helper records the numbers its caller passes) skip those instead.
"""

from __future__ import annotations

import re
import sys
from fnmatch import fnmatchcase
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Union

import libcst as cst

from bundler.errors import UnresolvableError
from bundler.frontends.python.records import EXECUTE_METHODS, PREPARED_RUN_METHODS, RecordedVersion, RecordingRules, recording_call
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.walk import walk
from bundler.frontends.python.values import (
    ANY_INT, HOLE, NUMBER_HOLE, UNKNOWN, Builtin, ClassRef, Derived, Evaluation, FunctionRef, Mapping, ModuleRef, ParamRef, Prepared, Resolver,
    Template, Value, absolute_import, binary, derive, dotted_name, is_builtin_instance, is_known, is_number, iterate, text_of,
    text_method, has_hole, truth, type_of,
)

MAX_LOOP_ITEMS = 10_000
NOT_ITERABLE = (int, float, type(None), FunctionRef, ClassRef, ModuleRef, Builtin)
MAX_CALL_DEPTH = 48
RECURSION_LIMIT = 20_000  # each interpreted call is some twenty Python frames


@dataclass(frozen=True)
class Instance:
    """An object of a project class (``self``, ``MigrationRunner(conn)``), with the attributes
    its constructor set (``Statement(conn, sql)`` keeps its ``sql``)."""

    cls: ClassRef
    attributes: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class BoundMethod:
    function: FunctionRef
    receiver: Instance | ClassRef  # what ``self`` (or ``cls``) is inside


@dataclass(frozen=True)
class SuperProxy:
    """``super()``: attributes looked up after ``after`` in the receiver's class order."""

    receiver: Instance | ClassRef
    after: ClassRef


@dataclass(frozen=True, eq=False)
class LambdaRef:
    """A lambda, with the names it sees where it was written."""

    node: cst.Lambda
    captured: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class Lazy:
    """A generator expression: its first iterable ran where it was written; the rest runs only
    as it is consumed, and only by as much as it is consumed."""

    node: cst.GeneratorExp
    first: Any
    frame: int  # the frame that made it (its names are that frame's)


@dataclass(frozen=True)
class Closure:
    """A function defined inside another, with the names it sees from there."""

    function: FunctionRef
    captured: tuple[tuple[str, Any], ...]


class _External:
    """Something outside the project (the standard library, an installed package, a builtin the
    interpreter does not model): calling it applies no migration of the project."""

    def __repr__(self) -> str:
        return "EXTERNAL"


EXTERNAL = _External()


class _SomeInts:
    """``range(current + 1, head + 1)`` with a bound the checker cannot know: integers, how many unknown."""

    def __repr__(self) -> str:
        return "SOME_INTS"


SOME_INTS = _SomeInts()


@dataclass(frozen=True)
class Missing:
    """An import from one of the project's packages that the project does not have: what it
    would call cannot be read."""

    dotted: str


@dataclass(frozen=True)
class Dispatch:
    """A name built from a number the checker cannot know (``getattr(self, f"upgrade_{n}")``,
    ``import_module(f"app.upgrades.db{n}")``): every existing name the template fits, by its
    number. The path applies N exactly when the name built for N exists."""

    items: tuple[tuple[int, Any], ...]
    may_be_absent: bool = False  # getattr(..., default): for a number with no step it is the default


@dataclass(frozen=True)
class Slice:
    """Some consecutive items of a known tuple, which ones unknown: a loop over it may run any."""

    items: tuple
    first: int = 0  # the position of items[0] in the whole tuple


@dataclass(frozen=True)
class Record:
    version: RecordedVersion
    function: FunctionRef  # where the recording statement is


@dataclass(frozen=True)
class CallTrace:
    """A call of a project function and everything it did, in order."""

    function: FunctionRef
    receiver: Instance | ClassRef | None
    node: cst.CSTNode
    env: tuple[tuple[str, Any], ...]  # the callee's bound parameters
    events: tuple["Event", ...]


@dataclass(frozen=True)
class Delegate:
    """A call of the registry's entry on a registry object: applies everything it applies."""

    node: cst.CSTNode
    caller: FunctionRef


Event = Union[Record, CallTrace, Delegate]


@dataclass(frozen=True)
class Outcome:
    events: tuple[Event, ...]
    result: Value
    attributes: tuple[tuple[str, Any], ...] = ()  # what the run left set on ``self``
    called: frozenset[int] = frozenset()  # every project function it called, at any depth (by definition)
    raises: bool = False  # every path through it ends in a raise: its caller stops there too


class Raised(Exception):
    """An expression that certainly raises (``self.absent()`` on a class that has no such
    attribute): the statement stops there, as at run time."""


class Flow(Enum):
    NORMAL = "normal"
    RETURN = "return"
    RAISE = "raise"
    BREAK = "break"
    CONTINUE = "continue"


@dataclass
class Options:
    """What the configuration tells the interpreter."""

    rules: RecordingRules
    registry_class: ClassRef | None = None
    registry_method: str | None = None
    registry_entry: FunctionRef | None = None  # the registry's entry, as a function
    records_nothing: frozenset[tuple[str, str]] = frozenset()  # (module path or dotted name, qualified name)
    delegation: bool = False  # once the registry is known, calling its entry delegates to it
    migration_names: frozenset[str] = frozenset()  # method names that apply migrations somewhere
    # functions whose numbers the registry's style declares (``@migration(28)``, ``m028_...``
    # registered by a decorator), by their definition: running one applies its numbers
    declared: dict[int, tuple[int, ...]] = field(default_factory=dict)


@dataclass
class Machine:
    """Runs functions abstractly and remembers each (function, receiver, arguments) outcome."""

    resolver: Resolver
    options: Options
    _outcomes: dict[tuple, Outcome] = field(default_factory=dict)
    _active: set[tuple] = field(default_factory=set)
    _cycles: int = 0
    _depth: int = 0
    _recording_names: dict[str, bool] = field(default_factory=dict)
    _assignments: dict[ClassRef, dict[str, list[cst.BaseExpression]]] = field(default_factory=dict)
    templates: dict[str, None] = field(default_factory=dict)  # names built from numbers, as seen

    def run(self, function: FunctionRef, receiver: Instance | ClassRef | None, env: dict[str, Value],
            strict: bool = True) -> Outcome:
        key = (function, receiver, freeze(env), strict, self.options.delegation)
        try:
            cached = self._outcomes.get(key)
        except TypeError:  # an unhashable value slipped in: run without remembering
            key, cached = None, None  # type: ignore[assignment]
        if cached is not None:
            return cached
        if key in self._active:
            self._cycles += 1  # recursion: the inner visit adds nothing, and is not remembered
            return Outcome((), UNKNOWN)
        if self._depth > MAX_CALL_DEPTH and strict:
            raise UnresolvableError(f"calls nest deeper than {MAX_CALL_DEPTH} levels at {function.name}, which the"
                                    " checker does not follow", where=location_text(function))
        if self._depth > MAX_CALL_DEPTH:
            return Outcome((), UNKNOWN)
        limit = sys.getrecursionlimit()
        if self._depth == 0 and limit < RECURSION_LIMIT:
            sys.setrecursionlimit(RECURSION_LIMIT)  # for this run only
        if key is not None:
            self._active.add(key)
        cycles_before = self._cycles
        self._depth += 1
        try:
            frame = Frame(self, function, receiver, env, strict)
            flow = frame.start()
            outcome = Outcome(tuple(frame.events), frame.result(), frame.self_attributes(), frozenset(frame.called),
                              raises=flow is Flow.RAISE)
        finally:
            self._depth -= 1
            self._active.discard(key)
            if self._depth == 0:
                sys.setrecursionlimit(limit)
        if key is not None and self._cycles == cycles_before:
            self._outcomes[key] = outcome
        return outcome

    def attribute_assignments(self, cls: ClassRef) -> dict[str, list[cst.BaseExpression]]:
        """Every ``self.attr = ...`` in the methods along the class's order, by attribute."""
        if cls not in self._assignments:
            found: dict[str, list[cst.BaseExpression]] = {}
            for klass in self.resolver.mro(cls):
                for statement in klass.node.body.body:
                    if isinstance(statement, cst.FunctionDef):
                        for attr, values in self_assignments(statement).items():
                            found.setdefault(attr, []).extend(values)
            self._assignments[cls] = found
        return self._assignments[cls]

    def records_somewhere(self, method: str) -> bool:
        """Whether a method of this name, in a class of the modules read so far, may record: then
        calling it on an object the checker cannot know may apply a migration. The DB-API's
        names are read as the database's (a wrapper's ``execute`` forwards to it)."""
        if method in EXECUTE_METHODS or method in PREPARED_RUN_METHODS or method.startswith("__"):
            return False
        if method not in self._recording_names:
            modules = self.resolver.modules.loaded()
            self._recording_names[method] = any(
                self.may_record_method(ClassRef(module, class_def), statement)
                for module in modules
                for class_def in self.resolver.scope(module).classes.values()
                for statement in class_def.body.body
                if isinstance(statement, cst.FunctionDef) and statement.name.value == method) or any(
                self.may_record_method(None, self.resolver.scope(module).functions[method], module)
                for module in modules if method in self.resolver.scope(module).functions)
        return self._recording_names[method]

    def may_record_method(self, cls: ClassRef | None, node: cst.FunctionDef, module: ParsedModule | None = None) -> bool:
        """Whether a method (or, without a class, a module function) records anything."""
        function = FunctionRef(cls.module if cls else module, cls.node if cls else None, node)  # type: ignore[arg-type]
        return bool(self.probe(function, Instance(cls) if cls is not None else None).events)

    def probe(self, function: FunctionRef, receiver: Instance | ClassRef | None,
              known: dict[str, Value] | None = None) -> Outcome:
        """``function`` run with its data parameters unbound (``self`` is ``receiver``; ``known``
        adds what else is known: attributes of ``self``, and the objects a call passed, which
        say what it works on, not which numbers it records): what it records whatever data its
        callers pass, and whether it records at all."""
        env: dict[str, Value] = dict(known or {})
        own = self_parameter(function) if receiver is not None else None
        for name in parameter_names_of(function.node, stars=True):
            if name == own:
                env[name] = receiver
            elif not isinstance(env.get(name), OBJECTS):
                env[name] = ParamRef(name)
        return self.run(function, receiver, env, strict=False)

    def is_records_nothing(self, function: FunctionRef) -> bool:
        """Vouched for by ``records-nothing``: its file (a glob: ``app/upgrades/db*.py``) and name."""
        names = (function.module.relpath, function.module.dotted or "")
        return any(qualified == function.name and any(fnmatchcase(name, target) for name in names)
                   for target, qualified in self.options.records_nothing)

    def declared_records(self, function: FunctionRef) -> tuple[Record, ...]:
        """What running a step whose numbers the registry's style declares applies, before its body runs."""
        return tuple(Record(RecordedVersion(number, function.node, "the registry's declaration"), function)
                     for number in self.options.declared.get(id(function.node), ()))


def template_pattern(name: Value) -> re.Pattern[str] | None:
    """``upgrade_\x01`` → ``upgrade_(\\d+)``: a template with exactly one unknown part. A part
    not known to be digits (a value read from the database) fits any text there; the names it
    finds must all carry a number in that place (see ``dispatch``)."""
    text = text_of(name)
    if text is None or text.count(NUMBER_HOLE) + text.count(HOLE) != 1:
        return None
    hole = NUMBER_HOLE if NUMBER_HOLE in text else HOLE
    before, after = text.split(hole)
    return re.compile(re.escape(before) + (r"(\d+)" if hole == NUMBER_HOLE else "(.+)") + re.escape(after))


def submodule_names(module: ParsedModule, modules: Any) -> list[str]:
    """The modules of a package (``upgrades/db43.py`` → ``db43``), as the origin lists them."""
    if not module.relpath.endswith("__init__.py"):
        return []
    folder = module.relpath.rsplit("/", 1)[0] if "/" in module.relpath else ""
    names = modules.origin.list_folder(folder) or []
    return [name[:-3] for name in names if name.endswith(".py") and name != "__init__.py"]


def location_text(function: FunctionRef) -> str:
    return f"{function.module.display}:{function.module.line_of(function.node)}"


def freeze(env: dict[str, Value]) -> tuple[tuple[str, Value], ...]:
    return tuple(sorted(env.items(), key=lambda item: item[0]))


def is_static(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in node.decorators)


def is_property(node: cst.FunctionDef) -> bool:
    return any(dotted_name(d.decorator).rsplit(".", 1)[-1] in ("property", "cached_property") for d in node.decorators)


def is_classmethod(node: cst.FunctionDef) -> bool:
    return any(isinstance(d.decorator, cst.Name) and d.decorator.value == "classmethod" for d in node.decorators)


def parameters(node: cst.FunctionDef) -> list[cst.Param]:
    params = node.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


_YIELDS: dict[int, bool] = {}


def contains_yield(node: cst.FunctionDef) -> bool:
    """Whether the function is a generator (a ``yield`` in its own body)."""
    key = id(node)
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


AUGMENTED = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.ModuloAssign: cst.Modulo, cst.FloorDivideAssign: cst.FloorDivide, cst.PowerAssign: cst.Power,
}


def contiguous(dispatch: Dispatch) -> Dispatch:
    """The steps from the first one up to the first number that has none."""
    run: list[tuple[int, Any]] = []
    for number, item in dispatch.items:
        if run and number != run[-1][0] + 1:
            break
        run.append((number, item))
    return replace(dispatch, items=tuple(run))


def all_of(answers: list[bool | None]) -> bool | None:
    """Every part matches: False if one does not, None if one may not."""
    return False if False in answers else True if all(a is True for a in answers) else None


def merge(first: dict[str, Value], second: dict[str, Value]) -> dict[str, Value]:
    """Names after either of two paths ran: kept where both agree, a text derived from both
    where both are texts, else unknown."""
    merged = {}
    for name in first.keys() | second.keys():
        a, b = first.get(name, UNKNOWN), second.get(name, UNKNOWN)
        if type(a) is type(b) and a == b:
            merged[name] = a
        elif isinstance(a, (str, Derived)) and isinstance(b, (str, Derived)):
            merged[name] = derive(a, b)
        else:
            merged[name] = UNKNOWN
    return merged


class Frame(Evaluation):
    """One running function: its names, what it has done, what it returns."""

    def __init__(self, machine: Machine, function: FunctionRef, receiver: Instance | ClassRef | None,
                 env: dict[str, Value], strict: bool) -> None:
        super().__init__(machine.resolver, function.module, function.class_def, dict(env))
        self.machine = machine
        self.function = function
        self.receiver = receiver
        self.strict = strict
        self.events: list[Event] = []
        self.called: set[int] = set()
        self.returns: list[Value] = []
        self.yields: list[Value] = []
        self.unread_items: set[str] = set()  # loop targets over items that cannot be read
        self.items_unknown = False  # a comprehension being evaluated has items that cannot be read
        self.self_name = self_parameter(function) if isinstance(receiver, Instance) else None
        if self.self_name is not None and isinstance(receiver, Instance):
            for name, value in receiver.attributes:
                self.env.setdefault(f"{self.self_name}.{name}", value)

    def self_attributes(self) -> tuple[tuple[str, Value], ...]:
        """The attributes of ``self`` this run knows, by name."""
        if self.self_name is None:
            return ()
        prefix = f"{self.self_name}."
        return tuple(sorted((k[len(prefix):], v) for k, v in self.env.items() if k.startswith(prefix)))

    # --- running ------------------------------------------------------------------------------

    def start(self) -> Flow:
        self.events.extend(self.machine.declared_records(self.function))
        pattern = self.machine.options.rules.name_pattern
        if pattern is not None:
            match = re.search(pattern, self.function.node.name.value)
            if match and match.group(1).isdigit():
                self.events.append(Record(RecordedVersion(int(match.group(1)), self.function.node,
                                                          "the method's name"), self.function))
        return self.block(self.function.node.body)

    def result(self) -> Value:
        if self.yields or contains_yield(self.function.node):
            return derive(*self.yields) if self.yields else UNKNOWN
        values = self.returns or [None]
        first = values[0]
        return first if all(type(v) is type(first) and v == first for v in values) else UNKNOWN

    def block(self, suite: cst.CSTNode) -> Flow:
        for statement in body_statements(suite):
            flow = self.statement(statement)
            if flow is not Flow.NORMAL:
                return flow  # what follows a return, raise, break or continue does not run
        return Flow.NORMAL

    def statement(self, node: cst.CSTNode) -> Flow:
        kind = type(node)
        if kind is cst.SimpleStatementLine or kind is cst.SimpleStatementSuite:
            return self.block(node)
        handler = _STATEMENTS.get(kind)
        if handler is None:
            return Flow.NORMAL
        try:
            return getattr(self, handler)(node)
        except Raised:
            return Flow.RAISE

    # small statements

    def _expr(self, node: cst.Expr) -> Flow:
        self.evaluate(node.value)
        return Flow.NORMAL

    def _assign(self, node: cst.Assign) -> Flow:
        value = self.evaluate(node.value)
        for target in node.targets:
            self.bind(target.target, value)
        return Flow.NORMAL

    def _ann_assign(self, node: cst.AnnAssign) -> Flow:
        if node.value is not None:
            self.bind(node.target, self.evaluate(node.value))
        return Flow.NORMAL

    def _aug_assign(self, node: cst.AugAssign) -> Flow:
        right = self.evaluate(node.value)
        operator = AUGMENTED.get(type(node.operator))
        if isinstance(node.target, cst.Name) and operator is not None:
            self.env[node.target.value] = binary(operator(), self.env.get(node.target.value, UNKNOWN), right)
        else:
            self.havoc(target_names(node.target))
        return Flow.NORMAL

    def _return(self, node: cst.Return) -> Flow:
        self.returns.append(self.evaluate(node.value) if node.value is not None else None)
        return Flow.RETURN

    def _raise(self, node: cst.Raise) -> Flow:
        if node.exc is not None:
            self.evaluate(node.exc)
        return Flow.RAISE

    def _assert(self, node: cst.Assert) -> Flow:
        if truth(self.evaluate(node.test)) is False:
            return Flow.RAISE
        self.env.update(self.narrowed(node.test, holds=True))
        return Flow.NORMAL

    def narrowed(self, test: cst.BaseExpression, holds: bool) -> dict[str, Value]:
        """The integer a comparison fixes a name to where it is known to hold (after ``assert
        version == CURRENT``, in the body of ``if version == 8:``) or to fail (the rest of ``if
        version != 8: ...``). An unknown value equal to an integer is taken as that integer: a
        float or bool equal to it would format otherwise, which no code that records a version does."""
        if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
            return {}
        comparison = test.comparisons[0]
        if (type(comparison.operator), holds) not in ((cst.Equal, True), (cst.NotEqual, False)):
            return {}
        for name, other in ((test.left, comparison.comparator), (comparison.comparator, test.left)):
            if not isinstance(name, cst.Name) or name.value not in self.env or is_known(self.env[name.value]) \
                    or any(type(n) is cst.Call for n in walk(other)):
                continue
            value = self.evaluate(other)
            if is_number(value) and not isinstance(value, bool) and self.env[name.value] in (UNKNOWN, ANY_INT):
                return {name.value: value}
        return {}

    def _break(self, _: cst.Break) -> Flow:
        return Flow.BREAK

    def _continue(self, _: cst.Continue) -> Flow:
        return Flow.CONTINUE

    def _delete(self, node: cst.Del) -> Flow:
        self.havoc(target_names(node.target))
        return Flow.NORMAL

    def _import(self, node: cst.Import) -> Flow:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname else dotted.split(".")[0]  # type: ignore[union-attr]
            found = self.resolver.modules.by_name(dotted if alias.asname else dotted.split(".")[0])
            self.env[local] = ModuleRef(found) if found is not None else EXTERNAL
        return Flow.NORMAL

    def _import_from(self, node: cst.ImportFrom) -> Flow:
        source = absolute_import(self.module, node)
        other = self.resolver.modules.by_name(source) if source is not None else None
        if isinstance(node.names, cst.ImportStar):
            return Flow.NORMAL
        for alias in node.names:
            name = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname else name  # type: ignore[union-attr]
            if other is None:
                self.env[local] = EXTERNAL
            else:
                value = self.resolver.module_name(name, other)
                if value is UNKNOWN and source is not None:
                    sub = self.resolver.modules.by_name(f"{source}.{name}")
                    value = ModuleRef(sub) if sub is not None else UNKNOWN
                self.env[local] = value
        return Flow.NORMAL

    def _nothing(self, _: cst.CSTNode) -> Flow:
        return Flow.NORMAL

    # compound statements

    def _if(self, node: cst.If) -> Flow:
        known = truth(self.evaluate(node.test))
        orelse = node.orelse
        if known is True:
            return self.block(node.body)
        if known is False:
            return self._else(orelse)
        for name in self.stops_at_a_gap(node):
            self.env[name] = contiguous(self.env[name])
        return self.either(lambda: self.branch_where(node.test, True, lambda: self.block(node.body)),
                           lambda: self.branch_where(node.test, False, lambda: self._else(orelse)))

    def branch_where(self, test: cst.BaseExpression, holds: bool, branch: Any) -> Flow:
        """Run a branch with what ``test`` holding (or failing) fixes."""
        self.env.update(self.narrowed(test, holds))
        return branch()

    def stops_at_a_gap(self, node: cst.If) -> list[str]:
        """``if meth is None: break`` on a step looked up by a built name with a default (calibre's
        ``while True`` loop): the loop leaves at the first number without a step, so only the
        run of consecutive steps from the first one can run. The names holding such steps."""
        if not any(isinstance(value, Dispatch) and value.may_be_absent for value in self.env.values()):
            return []  # most conditions: nothing to stop, and no walk of the branches (a fifth of a check's time)
        branches = [node.body, *([node.orelse] if isinstance(node.orelse, cst.Else) else [])]
        if not any(type(n) in (cst.Break, cst.Return) for branch in branches for n in walk(branch)):
            return []
        tested = {n.value for n in walk(node.test) if type(n) is cst.Name}  # type: ignore[attr-defined]
        return [name for name in tested if isinstance(self.env.get(name), Dispatch) and self.env[name].may_be_absent]

    def _else(self, orelse: cst.If | cst.Else | None) -> Flow:
        if orelse is None:
            return Flow.NORMAL
        if isinstance(orelse, cst.If):
            return self._if(orelse)
        return self.block(orelse.body)

    def either(self, *branches: Any) -> Flow:
        """Run each branch from the same names (all may run); continue with what the branches
        that fall through leave."""
        before = dict(self.env)
        flows: list[Flow] = []
        after: dict[str, Value] | None = None
        for branch in branches:
            self.env = dict(before)
            flow = branch()
            flows.append(flow)
            if flow is Flow.NORMAL:
                after = self.env if after is None else merge(after, self.env)
        self.env = after if after is not None else before
        if all(flow is flows[0] for flow in flows):
            return flows[0]
        return Flow.NORMAL

    def _for(self, node: cst.For) -> Flow:
        iterable = self.evaluate(node.iter)
        if isinstance(iterable, Lazy):
            return self.lazy_loop(node, iterable)
        if isinstance(iterable, Slice):
            return self.either(*[lambda item=item: self.loop_once(node, item) for item in iterable.items],
                               lambda: Flow.NORMAL)
        items = self.loop_items(iterable)
        if items is None:
            return self.unknown_loop(node.body, node.orelse, lambda: self.bind_unread(node.target, iterable))
        for item in items:
            self.bind(node.target, item)
            flow = self.block(node.body)
            if flow is Flow.BREAK:
                return Flow.NORMAL
            if flow in (Flow.RETURN, Flow.RAISE):
                return flow
        return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL

    def loop_once(self, node: cst.For, item: Value) -> Flow:
        self.bind(node.target, item)
        flow = self.block(node.body)
        return Flow.NORMAL if flow in (Flow.BREAK, Flow.CONTINUE) else flow

    def loop_items(self, value: Value) -> list[Value] | None:
        items = iterate(value)
        if items is None:
            return None
        listed = []
        for item in items:
            listed.append(item)
            if len(listed) > MAX_LOOP_ITEMS:
                return None
        return listed

    def bind_unread(self, target: cst.BaseExpression, iterable: Value) -> None:
        """A loop target over items that cannot be listed: a piece of a derived text, or unknown."""
        item = iterable if isinstance(iterable, Derived) else ANY_INT if iterable is SOME_INTS else UNKNOWN
        for name in target_names(target):
            self.env[name] = item
            if item is UNKNOWN:
                self.unread_items.add(name)

    def unknown_loop(self, body: cst.BaseSuite, orelse: cst.Else | None, bind: Any) -> Flow:
        """A loop that runs an unknown number of times. A first, silent run of the body finds
        what it changes (an accumulator stays a derived text; other changed names become
        unknown); the body then runs once from there, and what follows sees either."""
        before = dict(self.env)
        marks = (len(self.events), len(self.returns), len(self.yields), self.strict)
        self.strict = False
        bind()
        self.block(body)
        del self.events[marks[0]:], self.returns[marks[1]:], self.yields[marks[2]:]
        self.strict = marks[3]
        widened = merge(before, self.env)
        self.env = dict(widened)
        bind()
        flow = self.block(body)
        self.env = merge(widened, self.env)
        if flow in (Flow.RETURN, Flow.RAISE) and orelse is None:
            return Flow.NORMAL  # the body may not run at all
        if orelse is not None:
            self.block(orelse.body)
        return Flow.NORMAL

    def _while(self, node: cst.While) -> Flow:
        test = self.evaluate(node.test)
        if truth(test) is False:
            return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL
        return self.unknown_loop(node.body, node.orelse, lambda: self.evaluate(node.test))

    def _try(self, node: cst.Try) -> Flow:
        before = dict(self.env)
        flow = self.block(node.body)
        if flow is Flow.NORMAL and node.orelse is not None:
            flow = self.block(node.orelse.body)
        after_body = dict(self.env)
        outcomes = [(flow, after_body)]
        for handler in node.handlers:
            self.env = merge(before, after_body)  # the exception may come at any point
            if handler.type is not None:
                self.evaluate(handler.type)
            if handler.name is not None:
                self.havoc(target_names(handler.name.name))
            outcomes.append((self.block(handler.body), dict(self.env)))
        normal = [env for f, env in outcomes if f is Flow.NORMAL]
        self.env = before if not normal else normal[0]
        for env in normal[1:]:
            self.env = merge(self.env, env)
        flows = {f for f, _ in outcomes}
        result = flows.pop() if len(flows) == 1 else Flow.NORMAL
        if node.finalbody is not None:
            final = self.block(node.finalbody.body)
            if final is not Flow.NORMAL:
                return final
        return result

    def _with(self, node: cst.With) -> Flow:
        for item in node.items:
            self.evaluate(item.item)
            if item.asname is not None:
                self.havoc(target_names(item.asname.name))  # type: ignore[arg-type]
        flow = self.block(node.body)
        return Flow.NORMAL if flow is Flow.RAISE else flow  # a context manager may swallow it

    def _match(self, node: cst.Match) -> Flow:
        return self.match_cases(self.evaluate(node.subject), tuple(node.cases))

    def match_cases(self, subject: Value, cases: tuple[cst.MatchCase, ...]) -> Flow:
        """Cases tried in order, as Python tries them: the first that matches runs, and only it;
        one that may match (a subject or a guard not known) runs or passes to the rest."""
        if not cases:
            return Flow.NORMAL
        case, rest = cases[0], cases[1:]
        bindings: dict[str, Value] = {}
        matched = self.pattern_matches(case.pattern, subject, bindings)
        if matched is False:
            return self.match_cases(subject, rest)

        def run_case() -> Flow:
            self.env.update(bindings)
            guard = truth(self.evaluate(case.guard)) if case.guard is not None else True
            if guard is False:
                return self.match_cases(subject, rest)
            if guard is None:
                return self.either(lambda: self.block(case.body), lambda: self.match_cases(subject, rest))
            return self.block(case.body)

        if matched is True:
            return run_case()
        return self.either(run_case, lambda: self.match_cases(subject, rest))

    def pattern_matches(self, pattern: cst.MatchPattern, subject: Value, bindings: dict[str, Value]) -> bool | None:
        """Whether ``pattern`` matches ``subject`` (None: cannot be known); captures go to ``bindings``."""
        if isinstance(pattern, cst.MatchAs):
            matched = True if pattern.pattern is None else self.pattern_matches(pattern.pattern, subject, bindings)
            if pattern.name is not None and matched is not False:
                bindings[pattern.name.value] = subject
            return matched
        if isinstance(pattern, cst.MatchOr):
            answers = [self.pattern_matches(e.pattern, subject, bindings) for e in pattern.patterns]
            return True if True in answers else False if all(a is False for a in answers) else None
        if isinstance(pattern, (cst.MatchValue, cst.MatchSingleton)):
            value = self.evaluate(pattern.value)
            if not (is_known(subject) and is_known(value)):
                return None
            same = type(subject) is type(value) and subject == value
            return same if isinstance(pattern, cst.MatchSingleton) else subject == value
        if isinstance(pattern, (cst.MatchList, cst.MatchTuple)):
            return self.sequence_matches(pattern, subject, bindings)
        if isinstance(pattern, cst.MatchMapping):
            if not isinstance(subject, Mapping):
                return False if is_known(subject) else None
            answers = []
            for element in pattern.elements:
                key = self.evaluate(element.key)
                if not is_known(key):
                    return None
                if key not in subject.keys():
                    return False
                answers.append(self.pattern_matches(element.pattern, subject.get(key), bindings))
            if pattern.rest is not None:
                bindings[pattern.rest.value] = UNKNOWN
            return all_of(answers)
        if isinstance(pattern, cst.MatchClass):
            is_one = self.isinstance(subject, self.evaluate(pattern.cls))
            if is_one is not True or pattern.kwds or len(pattern.patterns) > 1:
                return False if is_one is False else None
            # int(x), str(x): a builtin type's one positional pattern matches the subject itself
            inner = [self.pattern_matches(e.value, subject, bindings) for e in pattern.patterns]
            return all_of(inner) if not inner or type_of(subject) is not None else None
        return None

    def sequence_matches(self, pattern: cst.MatchList | cst.MatchTuple, subject: Value,
                         bindings: dict[str, Value]) -> bool | None:
        if not isinstance(subject, tuple):
            return False if is_known(subject) or isinstance(subject, Mapping) else None  # a str is no sequence here
        elements = list(pattern.patterns)
        star = next((i for i, e in enumerate(elements) if isinstance(e, cst.MatchStar)), None)
        if star is None and len(subject) != len(elements) or star is not None and len(subject) < len(elements) - 1:
            return False
        if star is None:
            pairs = list(zip(elements, subject))
        else:
            after = len(elements) - star - 1
            pairs = list(zip(elements[:star], subject)) + list(zip(elements[star + 1:], subject[len(subject) - after:]))
            name = elements[star].name  # type: ignore[union-attr]
            if name is not None:
                bindings[name.value] = subject[star:len(subject) - after]
        return all_of([self.pattern_matches(e.value, item, bindings) for e, item in pairs])  # type: ignore[union-attr]

    def _function_def(self, node: cst.FunctionDef) -> Flow:
        if node.decorators:
            self.env[node.name.value] = UNKNOWN
        else:
            self.env[node.name.value] = Closure(FunctionRef(self.module, None, node), freeze(self.env))
        return Flow.NORMAL

    def _class_def(self, node: cst.ClassDef) -> Flow:
        self.env[node.name.value] = UNKNOWN
        return Flow.NORMAL

    # --- names --------------------------------------------------------------------------------

    def bind(self, target: cst.BaseExpression, value: Value) -> None:
        if isinstance(value, Lazy) and isinstance(target, (cst.Tuple, cst.List)):
            value = self.consume(value, target)  # unpacking runs it whole
        if isinstance(target, cst.Name):
            self.env[target.value] = value
            self.unread_items.discard(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = list(target.elements)
            starred = any(isinstance(e, cst.StarredElement) for e in elements)
            if isinstance(value, tuple) and not starred and len(value) == len(elements):
                for element, item in zip(elements, value, strict=True):
                    self.bind(element.value, item)
            elif (isinstance(value, tuple) and not starred) or isinstance(value, (*NOT_ITERABLE, BoundMethod)):
                raise Raised("cannot unpack")  # ValueError or TypeError at run time
            else:
                for element in elements:
                    self.bind(element.value, derive(value) if isinstance(value, Derived) else UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self.bind(target.value, UNKNOWN)
        elif isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                and isinstance(self.env.get(target.value.value), Instance):
            self.env[f"{target.value.value}.{target.attr.value}"] = value
        else:
            self.evaluate(target)  # a subscript or another object's attribute: evaluated, not tracked

    def havoc(self, names: Iterable[str]) -> None:
        for name in names:
            if name in self.env or "." not in name:
                self.env[name] = UNKNOWN

    def _name(self, node: cst.Name) -> Value:
        """As the evaluator reads it; a name it cannot read is either outside the project or an
        import the project lacks."""
        found = super()._name(node)
        if found is UNKNOWN and node.value not in self.env:
            missing = self._missing_import(node.value)
            if missing is not None:
                return missing
            if not self._defined_in_module(node.value):
                return EXTERNAL
        return found

    def _missing_import(self, name: str) -> Missing | None:
        """An import from one of the project's packages of something the project does not have."""
        scope = self.resolver.scope(self.module)
        modules = self.resolver.modules
        if name in scope.imported_names:
            source, original = scope.imported_names[name]
            other = modules.by_name(source)
            if other is None:
                return Missing(source) if modules.by_name(source.split(".")[0]) is not None else None
            other_scope = self.resolver.scope(other)
            tables = (other_scope.constants, other_scope.functions, other_scope.classes, other_scope.imported_names,
                      other_scope.imported_modules)
            if not any(original in table for table in tables) and not other_scope.star_imports \
                    and modules.by_name(f"{source}.{original}") is None:
                return Missing(f"{source}.{original}")
        elif name in scope.imported_modules:
            dotted = scope.imported_modules[name]
            if modules.by_name(dotted) is None and modules.by_name(dotted.split(".")[0]) is not None:
                return Missing(dotted)
        return None

    def _defined_in_module(self, name: str) -> bool:
        """Whether a name the resolver cannot evaluate belongs to the project (then it is unknown,
        not outside): a module constant, or an import from one of the project's packages."""
        scope = self.resolver.scope(self.module)
        if any(name in table for table in (scope.constants, scope.functions, scope.classes)):
            return True
        source = scope.imported_names[name][0] if name in scope.imported_names else scope.imported_modules.get(name)
        return source is not None and self.resolver.modules.by_name(source.split(".")[0]) is not None

    def _attribute(self, node: cst.Attribute) -> Value:
        owner_node, attr = node.value, node.attr.value
        if isinstance(owner_node, cst.Name):
            tracked = f"{owner_node.value}.{attr}"
            if tracked in self.env:
                return self.env[tracked]
        return self.member(self.evaluate(owner_node), attr)

    def member(self, owner: Value, attr: str) -> Value:
        if owner is EXTERNAL or isinstance(owner, Missing):
            return owner
        if isinstance(owner, Dispatch):
            return Dispatch(tuple((n, self.member(item, attr)) for n, item in owner.items))
        if isinstance(owner, ModuleRef):
            value = self.resolver.module_name(attr, owner.module)
            if value is UNKNOWN and owner.module.dotted:  # a submodule, imported already or not
                submodule = self.resolver.modules.by_name(f"{owner.module.dotted}.{attr}")
                return ModuleRef(submodule) if submodule is not None else UNKNOWN
            return value
        if isinstance(owner, Instance):
            return self.instance_member(owner, attr)
        if isinstance(owner, SuperProxy):
            order = self.resolver.mro(owner.receiver.cls if isinstance(owner.receiver, Instance) else owner.receiver)
            later = order[order.index(owner.after) + 1:] if owner.after in order else ()
            return self.bind_member(self.resolver.class_attribute(owner.after, attr, mro=later), owner.receiver)
        if isinstance(owner, ClassRef):
            value = self.resolver.class_attribute(owner, attr)
            if isinstance(value, FunctionRef) and is_classmethod(value.node):
                return BoundMethod(value, owner)
            return value
        return super().member(owner, attr)

    def instance_member(self, instance: Instance, attr: str) -> Value:
        for name, known in instance.attributes:
            if name == attr:
                return known
        value = self.resolver.class_attribute(instance.cls, attr)
        if value is UNKNOWN:
            return self.instance_attribute(instance.cls, attr)
        return self.bind_member(value, instance)

    def bind_member(self, value: Value, receiver: Instance | ClassRef) -> Value:
        if isinstance(value, FunctionRef) and isinstance(receiver, Instance) and is_property(value.node):
            return self.invoke(value, receiver, [], {}, value.node)  # reading a property runs it
        if isinstance(value, FunctionRef) and value.class_def is not None and not is_static(value.node):
            if is_classmethod(value.node):
                return BoundMethod(value, receiver.cls if isinstance(receiver, Instance) else receiver)
            return BoundMethod(value, receiver)
        return value

    def instance_attribute(self, cls: ClassRef, attr: str) -> Value:
        """``self.attr`` assigned in the class's methods (not in this run): its value when there
        is exactly one assignment whose value is a constant or a new project object."""
        assignments = self.machine.attribute_assignments(cls).get(attr, [])
        if len(assignments) != 1:
            return UNKNOWN
        klass_module, expression = cls.module, assignments[0]
        if isinstance(expression, cst.Call):
            made = Evaluation(self.resolver, klass_module, None, {}).evaluate(expression.func)
            return Instance(made) if isinstance(made, ClassRef) else UNKNOWN
        value = Evaluation(self.resolver, klass_module, None, {}).evaluate(expression)
        return value if is_known(value) else UNKNOWN

    # --- calls --------------------------------------------------------------------------------

    def _call(self, node: cst.Call) -> Value:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner_node = func.value
            if isinstance(owner_node, cst.Name) and f"{owner_node.value}.{func.attr.value}" in self.env:
                return self.call_value(self.env[f"{owner_node.value}.{func.attr.value}"], node)
            receiver = self.evaluate(owner_node)
            return self.method_call(receiver, func.attr.value, node)
        return self.call_value(self.evaluate(func), node)

    def method_call(self, receiver: Value, method: str, node: cst.Call) -> Value:
        if isinstance(receiver, Missing):
            return self.call_value(receiver, node)
        if isinstance(receiver, Dispatch):
            return self.call_value(self.member(receiver, method), node)
        if method == "import_module" and receiver is EXTERNAL:
            positional, _ = self.arguments(node)
            return self.import_by_template(node, positional or [])
        if isinstance(receiver, Instance) and self.delegates(receiver, method):
            self.arguments(node)
            self.events.append(Delegate(node, self.function))
            return UNKNOWN
        if isinstance(receiver, (Instance, ClassRef, ModuleRef, SuperProxy)):
            target = self.member(receiver, method)
            if target is not UNKNOWN:
                return self.call_value(target, node)
            if isinstance(receiver, (Instance, ClassRef)) and self.is_absent(receiver, method):
                self.arguments(node)
                raise Raised(method)  # a method no class in the order defines: AttributeError
        if text_of(receiver) is not None or isinstance(receiver, Derived):
            positional, keywords = self.arguments(node)
            return text_method(receiver, method, [self.consume(p, node) for p in positional or []]
                               if positional is not None else None, keywords)
        positional, keywords = self.arguments(node)
        recorded = recording_call(method, receiver, positional or [], node, self.machine.options.rules)
        if recorded is not None:
            for version in recorded:
                self.record(version)
            return UNKNOWN
        if method == "prepare" and positional:
            return Prepared(positional[0])
        if receiver is UNKNOWN and self.strict and (method in self.machine.options.migration_names
                                                     or self.machine.records_somewhere(method)):
            self.cannot_follow(node, f"the object {self.source(node.func)} is called on cannot be known statically,"
                                     f" and {method} applies migrations elsewhere",
                               "bind it to a project object the checker can read (self.x = Runner(conn))")
        self.check_external_arguments(node, [*(positional or []), *keywords.values()])
        return UNKNOWN

    def delegates(self, receiver: Instance, method: str) -> bool:
        options = self.machine.options
        return (options.delegation and options.registry_class is not None and receiver.cls == options.registry_class
                and method == options.registry_method)

    def call_value(self, callee: Value, node: cst.Call) -> Value:
        if isinstance(callee, Dispatch):
            results = [self.call_value(item, node) for _, item in callee.items]
            return Dispatch(tuple((n, r) for (n, _), r in zip(callee.items, results, strict=True)))
        if isinstance(callee, Builtin):
            return self.builtin(callee.name, node)
        if isinstance(callee, BoundMethod):
            positional, keywords = self.arguments(node)
            return self.invoke(callee.function, callee.receiver, positional, keywords, node)
        if isinstance(callee, FunctionRef):
            positional, keywords = self.arguments(node)
            if callee.class_def is not None and not is_static(callee.node) and positional:
                receiver = positional[0]  # Class.method(self, ...)
                if isinstance(receiver, (Instance, ClassRef)):
                    return self.invoke(callee, receiver, positional[1:], keywords, node)
                return self.invoke(callee, None, positional, keywords, node, unbound_self=True)
            return self.invoke(callee, None, positional, keywords, node)
        if isinstance(callee, Closure):
            positional, keywords = self.arguments(node)
            return self.invoke(callee.function, None, positional, keywords, node, captured=dict(callee.captured))
        if isinstance(callee, LambdaRef):
            return self.call_lambda(callee, node)
        if isinstance(callee, ClassRef):
            positional, keywords = self.arguments(node)
            init = self.resolver.class_attribute(callee, "__init__")
            if not isinstance(init, FunctionRef):
                return Instance(callee)
            # The new object keeps what its constructor set on it.
            return Instance(callee, self.run_call(init, Instance(callee), positional, keywords, node).attributes)
        positional, keywords = self.arguments(node)
        if isinstance(callee, Missing):
            self.cannot_follow(node, f"{callee.dotted} is imported from the project but is not in it",
                               "check the import, or the project's source folders")
            return UNKNOWN
        if callee is EXTERNAL or callee is None or isinstance(callee, (str, int, float, tuple, Mapping, Template)):
            self.check_external_arguments(node, [*(positional or []), *keywords.values()])
            return UNKNOWN
        if isinstance(node.func, cst.Name) and node.func.value in self.unread_items:
            self.cannot_follow(node, f"{node.func.value} is an item of a loop whose items cannot be read",
                               "list the loop's items as a tuple or list literal (or a constant naming one)")
        self.cannot_follow(node, "what it calls cannot be known statically",
                           "call the migration by name (self.m()), or through a name bound to it")
        return UNKNOWN

    def call_lambda(self, callee: LambdaRef, node: cst.Call) -> Value:
        """A lambda's body runs here, with its parameters bound and the names it captured."""
        positional, keywords = self.arguments(node)
        saved = self.env
        self.env = dict(callee.captured)
        for index, param in enumerate(parameters(callee.node)):  # type: ignore[arg-type]
            given = positional[index] if positional is not None and index < len(positional) else UNKNOWN
            self.env[param.name.value] = keywords.get(param.name.value, given)
        try:
            return self.evaluate(callee.node.body)
        finally:
            self.env = saved

    def invoke(self, function: FunctionRef, receiver: Instance | ClassRef | None, positional: list[Value] | None,
               keywords: dict[str, Value], node: cst.Call, *, captured: dict[str, Value] | None = None,
               unbound_self: bool = False) -> Value:
        return self.run_call(function, receiver, positional, keywords, node, captured=captured,
                             unbound_self=unbound_self).result

    def run_call(self, function: FunctionRef, receiver: Instance | ClassRef | None, positional: list[Value] | None,
                 keywords: dict[str, Value], node: cst.Call, *, captured: dict[str, Value] | None = None,
                 unbound_self: bool = False) -> Outcome:
        """A call of a project function from here: its arguments bound, what it does kept in
        order, and what it set on an object this run shares with it."""
        if self.machine.is_records_nothing(function):  # vouched for: its body records nothing
            declared = self.machine.declared_records(function)
            if declared:
                self.events.append(CallTrace(function, receiver, node, (), declared))
            return Outcome(declared, UNKNOWN)
        options = self.machine.options
        if options.delegation and function == options.registry_entry:
            self.events.append(Delegate(node, self.function))  # the registry's entry: everything it applies
            return Outcome((), UNKNOWN)
        env = dict(captured or {})
        env.update(self.bind_arguments(function, receiver, positional, keywords, unbound_self))
        same_object = receiver is not None and receiver is self.env.get(self.self_name or "")
        callee_self = self_parameter(function)
        if same_object and callee_self:  # the same object: the callee sees what this run set on it
            env.update({f"{callee_self}.{name}": v for name, v in self.self_attributes()})
        try:
            outcome = self.machine.run(function, receiver, env, self.strict)
        except UnresolvableError as exc:
            if exc.at_call_site or not any(v is UNKNOWN or v is EXTERNAL for k, v in env.items() if "." not in k):
                raise
            if exc.from_parameter:  # the unknown number is what this call passes: the fix is here
                error = UnresolvableError(
                    f"cannot resolve the version number statically in {self.function.name}: an argument of"
                    f" {self.source(node)} (recorded at {exc.where})", where=self.where(node))
            else:
                error = UnresolvableError(f"{exc.args[0]} (reached from {self.where(node)}: {self.source(node)})")
            error.at_call_site = True
            raise error from None
        self.called.add(id(function.node))
        self.called.update(outcome.called)
        if outcome.events:
            self.events.append(CallTrace(function, receiver, node, freeze(env), outcome.events))
        if same_object and self.self_name:  # and this run sees what the callee set
            self.env.update({f"{self.self_name}.{name}": v for name, v in outcome.attributes})
        if outcome.raises:
            raise Raised(function.name)  # a helper that always raises: what follows the call does not run
        return outcome

    def bind_arguments(self, function: FunctionRef, receiver: Instance | ClassRef | None,
                       positional: list[Value] | None, keywords: dict[str, Value], unbound_self: bool) -> dict[str, Value]:
        params = function.node.params
        ordered = [*params.posonly_params, *params.params]
        env: dict[str, Value] = {}
        if function.class_def is not None and not is_static(function.node) and ordered and not unbound_self:
            env[ordered[0].name.value] = receiver if receiver is not None else UNKNOWN
            ordered = ordered[1:]
        defaults = {p.name.value: self.evaluate(p.default) for p in (*ordered, *params.kwonly_params)
                    if p.default is not None}
        for param in (*ordered, *params.kwonly_params):
            env[param.name.value] = defaults.get(param.name.value, UNKNOWN)
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = UNKNOWN
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = UNKNOWN
        if positional is None or "**" in keywords:
            return {name: UNKNOWN if name not in env or not isinstance(env[name], (Instance, ClassRef)) else env[name]
                    for name in env}
        for param, value in zip(ordered, positional):
            env[param.name.value] = value
        if isinstance(params.star_arg, cst.Param):
            env[params.star_arg.name.value] = tuple(positional[len(ordered):])
        named = {p.name.value for p in (*ordered, *params.kwonly_params)}
        extra: dict[str, Value] = {}
        for name, value in keywords.items():
            if name in named:
                env[name] = value
            else:
                extra[name] = value
        if params.star_kwarg is not None:
            env[params.star_kwarg.name.value] = Mapping(tuple(extra.items()))
        return env

    def record(self, version: RecordedVersion) -> None:
        value = version.value
        if not is_number(value) and self.strict:
            detail = version.detail
            advice = ""
            if "SQL" in detail or "script" in detail or "statement" in detail:
                advice = (f"; if {self.function.name} records no version, list it in [tool.bundler] records-nothing"
                          f" (\"{self.function.module.relpath}:{self.function.name}\")")
            error = UnresolvableError(
                f"cannot resolve the version number statically in {self.function.name} ({detail}):"
                f" {self.source(version.node)}{advice}", where=self.where(version.node))
            error.from_parameter = "parameter" in detail
            raise error
        self.events.append(Record(version, self.function))

    def check_external_arguments(self, node: cst.Call, values: list[Value]) -> None:
        """A project function handed to code outside the project may be called there: when it
        applies migrations, the checker cannot tell whether it runs."""
        if not self.strict:
            return
        for value in values:
            if isinstance(value, Lazy):
                self.foreign_generator(value, node)
            if isinstance(value, LambdaRef) and self.lambda_may_record(value):
                self.cannot_follow(node, "it hands a lambda that applies migrations to code outside the project",
                                   "call what the lambda calls directly")
            if isinstance(value, (FunctionRef, BoundMethod, Closure)) and self.may_record(value):
                name = value.name if isinstance(value, FunctionRef) else value.function.name
                self.cannot_follow(node, f"it hands {name}, which applies migrations, to code outside the project",
                                   f"call {name} directly")

    def lambda_may_record(self, value: LambdaRef) -> bool:
        marks, strict = len(self.events), self.strict
        self.strict = False
        try:
            self.call_lambda(value, cst.Call(func=cst.Name("_")))
            return len(self.events) > marks
        except Raised:
            return len(self.events) > marks
        finally:
            del self.events[marks:]
            self.strict = strict

    def may_record(self, value: FunctionRef | BoundMethod | Closure) -> bool:
        function = value if isinstance(value, FunctionRef) else value.function
        receiver = value.receiver if isinstance(value, BoundMethod) else None
        return bool(self.machine.probe(function, receiver).events)

    def builtin(self, name: str, node: cst.Call) -> Value:
        positional, keywords = self.arguments(node)
        args = positional or []
        if name in ("any", "all") and len(args) == 1 and isinstance(args[0], Lazy):
            return self.short_circuit(name, args[0], node)
        if name in CONSUMERS:
            args = [self.consume(a, node) for a in args]
        if name == "dict" and not args and "**" not in keywords:
            return Mapping(tuple(keywords.items()))
        if name == "getattr" and len(args) >= 2:
            return self.getattr(args, node)
        if name in ("__import__", "import_module"):
            return self.import_by_template(node, args)
        if name == "type" and len(args) == 1:
            return args[0].cls if isinstance(args[0], Instance) else type_of(args[0]) or EXTERNAL
        if name == "isinstance" and len(args) == 2:
            return self.isinstance(args[0], args[1])
        if name == "super":
            return self.super_proxy(args)
        if name == "range" and args and len(args) <= 3 and not all(is_number(a) for a in args):
            return SOME_INTS  # range() takes integers only: its items are integers
        if name == "int" and len(args) == 1 and not is_known(args[0]):
            return ANY_INT
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
        if name == "reversed" and len(args) == 1 and known[0] is not None:
            return tuple(reversed(known[0]))
        if name == "len" and len(args) == 1 and known[0] is not None:
            return len(known[0])
        if name == "str" and len(args) == 1 and args[0] is ANY_INT:
            return Template(NUMBER_HOLE)
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
        answers = [self.is_instance_of(value, c) for c in (classinfo if isinstance(classinfo, tuple) else (classinfo,))]
        if True in answers:
            return True
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

    def closed_hierarchy(self, cls: ClassRef) -> bool:
        """Whether every class in the order is the project's (no base the checker cannot read)."""
        return all(len(self.resolver.bases(klass)) == len([b for b in klass.node.bases if dotted_name(b.value) != "object"])
                   for klass in self.resolver.mro(cls))

    def getattr(self, args: list[Value], node: cst.Call) -> Value:
        owner, name = args[0], args[1]
        if isinstance(name, str):
            value = self.member(owner, name)
            if value is UNKNOWN and isinstance(owner, (Instance, ClassRef)) and self.is_absent(owner, name):
                if len(args) > 2:
                    return args[2]
                raise Raised(name)
            return value
        if isinstance(owner, (Instance, ClassRef, ModuleRef)):
            dispatch = self.dispatch(owner, name)
            if dispatch is not None:
                return replace(dispatch, may_be_absent=len(args) > 2)
            self.cannot_follow(node, "getattr with a name the checker cannot build", "build the name from one"
                               " number (getattr(self, f\"upgrade_{version}\"))", what="calls methods through")
        return UNKNOWN

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
        if key is ANY_INT and isinstance(container, Mapping):
            return Dispatch(tuple(sorted((k, v) for k, v in container.items if is_number(k))))
        if key is ANY_INT and isinstance(container, tuple):
            return Dispatch(tuple(enumerate(container)))
        if isinstance(container, Slice):
            return self.item(container.items, key) if not is_number(key) else UNKNOWN
        return super().item(container, key)

    def dispatch(self, owner: Instance | ClassRef | ModuleRef, name: Value) -> Dispatch | None:
        """Every member of ``owner`` whose name the template with one unknown number fits."""
        pattern = template_pattern(name)
        if pattern is None:
            return None
        text = text_of(name) or ""
        where = owner.module.dotted if isinstance(owner, ModuleRef) else "self"
        self.machine.templates.setdefault(f"{where}.{text.replace(NUMBER_HOLE, '{version}').replace(HOLE, '{version}')}", None)
        items = []
        for member in self.member_names(owner):
            match = pattern.fullmatch(member)
            if match:
                if not match.group(1).isdigit():
                    return None  # it may select a step that carries no number
                items.append((int(match.group(1)), self.member(owner, member)))
        return Dispatch(tuple(sorted(items, key=lambda item: item[0])))

    def member_names(self, owner: Instance | ClassRef | ModuleRef) -> list[str]:
        if isinstance(owner, ModuleRef):
            scope = self.resolver.scope(owner.module)
            names = [*scope.functions, *scope.classes, *scope.constants, *scope.imported_names]
            return names + submodule_names(owner.module, self.resolver.modules)
        cls = owner.cls if isinstance(owner, Instance) else owner
        names = []
        for klass in self.resolver.mro(cls):
            names += [*self.resolver.class_methods(klass.node), *self.resolver.class_constants(klass.node)]
        return list(dict.fromkeys(names))

    def import_by_template(self, node: cst.Call, args: list[Value]) -> Value:
        """``import_module(name)`` and ``__import__(name, globals(), locals(), fromlist)``."""
        name = args[0] if args else UNKNOWN
        fromlist = args[3] if len(args) > 3 else ()
        if isinstance(name, str):
            found = self.resolver.modules.by_name(name if fromlist or "__import__" not in self.source(node.func)
                                                 else name.split(".")[0])
            return ModuleRef(found) if found is not None else EXTERNAL
        text = text_of(name)
        if text is not None and text.count(NUMBER_HOLE) == 1 and "." in text and not has_hole(text.rsplit(".", 1)[0]):
            package, last = text.rsplit(".", 1)
            found = self.resolver.modules.by_name(package)
            if found is not None:
                dispatch = self.dispatch(ModuleRef(found), Template(last))
                if dispatch is not None:
                    return dispatch
        if text is not None and has_hole(text):
            self.cannot_follow(node, "a module name the checker cannot build", "build the name from one number"
                               " (import_module(f\"app.upgrades.db{version}\"))", what="imports")
        return UNKNOWN

    def is_absent(self, owner: Instance | ClassRef, name: str) -> bool:
        """Whether Python would certainly raise AttributeError: every class in the order is the
        project's, none defines the name, none can add attributes the checker does not see."""
        cls = owner.cls if isinstance(owner, Instance) else owner
        order = self.resolver.mro(cls)
        if not self.closed_hierarchy(cls):
            return False  # a base outside the project may have it
        for klass in order:
            if name in self.resolver.class_constants(klass.node):
                return False
            for statement in klass.node.body.body:
                if isinstance(statement, cst.FunctionDef) and (
                        statement.name.value in (name, "__getattr__", "__getattribute__")
                        or name in self_assignments(statement) or mentions_setattr(statement)):
                    return False
        return True

    def super_proxy(self, args: list[Value]) -> Value:
        if len(args) == 2 and isinstance(args[0], ClassRef) and isinstance(args[1], (Instance, ClassRef)):
            return SuperProxy(args[1], args[0])
        if not args and self.receiver is not None and self.function.class_def is not None:
            return SuperProxy(self.receiver, ClassRef(self.function.module, self.function.class_def))
        return UNKNOWN

    # --- expressions with effects ---------------------------------------------------------------

    def evaluate(self, node: cst.BaseExpression) -> Value:
        kind = type(node)
        if kind in _COMPREHENSIONS:
            return self.comprehension(node)  # type: ignore[arg-type]
        if kind is cst.NamedExpr:
            value = self.evaluate(node.value)  # type: ignore[attr-defined]
            self.bind(node.target, value)  # type: ignore[attr-defined]
            return value
        if kind is cst.Await:
            return self.evaluate(node.expression)  # type: ignore[attr-defined]
        if kind is cst.Yield:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, cst.From):
                self.yields.append(self.evaluate(value.item))
            else:
                self.yields.append(self.evaluate(value) if value is not None else None)
            return UNKNOWN
        if kind is cst.Lambda:
            return LambdaRef(node, freeze(self.env))  # type: ignore[arg-type]
        if kind is cst.GeneratorExp:
            return Lazy(node, self.evaluate(node.for_in.iter), id(self))  # type: ignore[attr-defined]
        return super().evaluate(node)

    def comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp,
                      first: Value = None) -> Value:
        saved, outer = dict(self.env), self.items_unknown
        self.items_unknown = False
        results: list[Value] = []
        for _ in self.comprehension_runs(node.for_in, first):
            if isinstance(node, cst.DictComp):
                self.evaluate(node.key)
                self.evaluate(node.value)
            else:
                results.append(self.evaluate(node.elt))
        unknown = self.items_unknown or isinstance(node, cst.DictComp)
        self.env, self.items_unknown = saved, outer or self.items_unknown
        return UNKNOWN if unknown else tuple(results)

    def comprehension_runs(self, clause: cst.CompFor, first: Value = None) -> Iterator[None]:
        """One step per item; ``first`` is the outermost iterable when it was evaluated already."""
        items = self.loop_items(self.evaluate(clause.iter) if first is None else first)
        if items is None:
            self.items_unknown = True
            self.bind_unread(clause.target, UNKNOWN)
            yield from self._clause_rest(clause)
            return
        for item in items:
            self.bind(clause.target, item)
            yield from self._clause_rest(clause)

    def _clause_rest(self, clause: cst.CompFor) -> Iterator[None]:
        for condition in clause.ifs:
            if truth(self.evaluate(condition.test)) is False:
                return
        if clause.inner_for_in is not None:
            yield from self.comprehension_runs(clause.inner_for_in)
        else:
            yield None

    # --- generators: run as they are consumed -------------------------------------------------

    def consume(self, value: Value, node: cst.CSTNode) -> Value:
        """A generator consumed whole (``list(...)``, ``*gen``): it runs now; its items."""
        if not isinstance(value, Lazy):
            return value
        if value.frame != id(self):
            return self.foreign_generator(value, node)
        saved = dict(self.env)
        try:
            return self.comprehension(value.node, value.first)
        finally:
            self.env = saved

    def lazy_items(self, lazy: Lazy) -> Iterator[Value]:
        """A generator's items, each computed only when the consumer asks for it."""
        saved, outer = dict(self.env), self.items_unknown
        self.items_unknown = False
        try:
            for _ in self.comprehension_runs(lazy.node.for_in, lazy.first):
                item = self.evaluate(lazy.node.elt)
                yield UNKNOWN if self.items_unknown else item
        finally:
            names = assigned_names([lazy.node.for_in])
            self.env.update({n: saved[n] for n in names if n in saved})  # its loop names are its own
            self.items_unknown = outer

    def lazy_loop(self, node: cst.For, lazy: Lazy) -> Flow:
        """``for x in (f(y) for y in ys)``: each item is made just before the body sees it, and a
        ``break`` leaves the rest unmade, as Python runs it."""
        if lazy.frame != id(self):
            self.foreign_generator(lazy, node)
            return self.unknown_loop(node.body, node.orelse, lambda: self.bind(node.target, UNKNOWN))
        items = self.lazy_items(lazy)
        for item in items:
            self.bind(node.target, item)
            flow = self.block(node.body)
            if flow is Flow.BREAK or flow in (Flow.RETURN, Flow.RAISE):
                items.close()
                return Flow.NORMAL if flow is Flow.BREAK else flow
        return self.block(node.orelse.body) if node.orelse is not None else Flow.NORMAL

    def short_circuit(self, name: str, lazy: Lazy, node: cst.CSTNode) -> Value:
        """``any``/``all`` of a generator: it stops at the first item that decides, as Python does."""
        if lazy.frame != id(self):
            return self.foreign_generator(lazy, node)
        decided = name == "any"
        result: Value = not decided
        items = self.lazy_items(lazy)
        for item in items:
            known = truth(item)
            if known is decided:
                items.close()
                return decided if result is not UNKNOWN else UNKNOWN
            if known is None:
                result = UNKNOWN  # it may have stopped here: the rest may run
        return result

    def foreign_generator(self, lazy: Lazy, node: cst.CSTNode) -> Value:
        """A generator consumed away from the function that made it: followed only when it
        applies nothing."""
        if self.strict and self.lazy_may_record(lazy):
            self.cannot_follow(node, "a generator that applies migrations is consumed outside the function that"
                               " makes it", "consume it where it is made (a for loop or list(...))")
        return UNKNOWN

    def lazy_may_record(self, lazy: Lazy) -> bool:
        marks, strict, saved = len(self.events), self.strict, dict(self.env)
        self.strict = False
        try:
            self.comprehension(lazy.node, lazy.first)
            return len(self.events) > marks
        except Raised:
            return len(self.events) > marks
        finally:
            del self.events[marks:]
            self.strict, self.env = strict, saved

    def spread(self, value: Value) -> Value:
        return self.consume(value, cst.Name("_"))

    # --- messages -----------------------------------------------------------------------------

    def cannot_follow(self, node: cst.CSTNode, why: str, remedy: str, what: str = "calls") -> None:
        if not self.strict:
            return
        raise UnresolvableError(
            f"{self.function.name} {what} {self.source(node)}, which cannot be followed ({why}); {remedy},"
            f" or, if it applies no migration, list {self.function.name} in [tool.bundler] records-nothing",
            where=self.where(node))

    def source(self, node: cst.CSTNode) -> str:
        """The node's code on one line, shortened for a message."""
        text = " ".join(self.module.tree.code_for_node(node).split())
        text = text.replace("( ", "(").replace(" )", ")")
        return text if len(text) <= 120 else text[:117] + "..."

    def where(self, node: cst.CSTNode) -> str:
        return f"{self.module.display}:{self.module.line_of(node)}"


_SELF_ASSIGNMENTS: dict[int, dict[str, list[cst.BaseExpression]]] = {}


def self_assignments(function: cst.FunctionDef) -> dict[str, list[cst.BaseExpression]]:
    """The values ``self.attr = ...`` assigns in a method (the first parameter being ``self``), by attribute."""
    key = id(function)
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


def mentions_setattr(function: cst.FunctionDef) -> bool:
    """``setattr(...)`` or ``....__dict__``: attributes the checker cannot list."""
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


OBJECTS = (Instance, ClassRef, ModuleRef, FunctionRef, BoundMethod, Closure, LambdaRef, SuperProxy)
_COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.DictComp})
# Builtins that run a generator handed to them to its end.
CONSUMERS = frozenset({"list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "dict"})
_STATEMENTS = {
    cst.Expr: "_expr", cst.Assign: "_assign", cst.AnnAssign: "_ann_assign", cst.AugAssign: "_aug_assign",
    cst.Return: "_return", cst.Raise: "_raise", cst.Assert: "_assert", cst.Break: "_break",
    cst.Continue: "_continue", cst.Del: "_delete", cst.Import: "_import", cst.ImportFrom: "_import_from",
    cst.Pass: "_nothing", cst.Global: "_nothing", cst.Nonlocal: "_nothing",
    cst.If: "_if", cst.For: "_for", cst.While: "_while", cst.Try: "_try", cst.TryStar: "_try", cst.With: "_with",
    cst.Match: "_match", cst.FunctionDef: "_function_def", cst.ClassDef: "_class_def",
}
