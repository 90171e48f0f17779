"""The machine that runs functions abstractly: what the configuration tells it, and each
(function, receiver, arguments) outcome remembered so a helper called from many places runs once."""

from __future__ import annotations

import sys
from dataclasses import field
from fnmatch import fnmatchcase

import libcst as cst

from bundler.errors import BundlerError, SourceError, UnresolvableError
from bundler.frontends.python.records import (
    DB_API_METHODS, EXECUTE_METHODS, PREPARED_RUN_METHODS, RecordedVersion, RecordingRules,
)
from bundler.frontends.python.sources import STUB_MARK, ParsedModule
from bundler.frontends.python.values import (
    UNKNOWN, ClassRef, FunctionRef, ParamRef, Resolver, SomeInt, Value, changed_in_definitions, is_known,
)
from bundler.frontends.python.interpret.frame import Frame
from bundler.frontends.python.interpret.library import PackagePath
from bundler.frontends.python.interpret.objects import Flow, Instance, OBJECTS, Outcome, Record
from bundler.frontends.python.interpret.syntax import (
    freeze, location_text, parameter_names_of, self_assignments, self_parameter,
)
from bundler.frozen import mutable

MAX_CALL_DEPTH = 48


RECURSION_LIMIT = 20_000  # each interpreted call is some twenty Python frames


@mutable  # compared by identity
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


# what a stub's method assigns to ``self.x``: an expression that reads as unknown (see recovery)
UNREADABLE = cst.Name(f"{STUB_MARK}value")


def readable(function: FunctionRef) -> FunctionRef:
    """The function, unless it is a stub for one with a syntax error (see recovery): a check
    that must read it stops there, naming the error."""
    stub = function.module.stub_of(function.node) if isinstance(function.node, cst.FunctionDef) else None
    if stub is not None:
        raise SourceError(f"syntax error: {stub.error} (in {function.name}, which the check must read; the rest of"
                          " the file is read without it)", where=f"{function.module.display}:{stub.error_line}")
    return function


@mutable  # compared by identity
class Machine:
    """Runs functions abstractly and remembers each (function, receiver, arguments) outcome."""

    resolver: Resolver
    options: Options
    _outcomes: dict[tuple, Outcome] = field(default_factory=dict)
    _active: set[tuple] = field(default_factory=set)
    _cycles: int = 0
    _depth: int = 0
    _recorders: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _assignments: dict[ClassRef, dict[str, list[cst.BaseExpression]]] = field(default_factory=dict)
    # names built from numbers, as seen, with the bounds of the numbers built into them when known
    templates: dict[str, SomeInt | None] = field(default_factory=dict)
    # names getattr looked up on a project class's object that it lacks, as Class.name, a built
    # one as Class.name_{version}: defining such a method makes the lookup find and run it
    lookups: dict[str, None] = field(default_factory=dict)
    _imported: dict[int, dict[str, Value]] = field(default_factory=dict)  # by id() of a module the run holds
    _module_bodies: dict[int, cst.FunctionDef] = field(default_factory=dict)  # each module's top-level code, run as a function

    def __post_init__(self) -> None:
        self.resolver.value_after_import = self.value_after_import

    def value_after_import(self, module: ParsedModule, name: str) -> Value:
        """A module-level name the module's own top-level code changes (a loop over its modules
        filling a dict): its value once the module is imported, from running that code. UNKNOWN
        when a function or class of the module may change it too, or the run cannot tell."""
        if name in changed_in_definitions(module.tree) or any(name in stub.mentions() for stub in module.unreadable):
            return UNKNOWN
        if id(module) not in self._imported:
            self._imported[id(module)] = {}  # a name read while the module runs is not known yet
            self._imported[id(module)] = self.run_module_body(module)
        return self._imported[id(module)].get(name, UNKNOWN)

    def run_module_body(self, module: ParsedModule) -> dict[str, Value]:
        """The top-level names after the module's top-level statements ran (definitions and
        imports are read where they stand, as the resolver reads them)."""
        statements = [s for s in module.tree.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))]
        names = sorted(self.resolver.scope(module).constants)
        if not names:
            return {}
        returned = cst.SimpleStatementLine([cst.Return(cst.Tuple([cst.Element(cst.Name(n)) for n in names]))])
        body = cst.FunctionDef(cst.Name("__module_body__"), cst.Parameters(), cst.IndentedBlock([*statements, returned]))
        self._module_bodies[id(body)] = body  # kept, so that its id() stays its own
        package = module.relpath.endswith("__init__.py")
        folder = module.relpath.rsplit("/", 1)[0] if "/" in module.relpath else ""
        env: dict[str, Value] = {"__name__": module.dotted or UNKNOWN, "__file__": UNKNOWN,
                                 "__path__": (PackagePath(folder),) if package else UNKNOWN}
        try:
            result = self.run(FunctionRef(module, None, body), None, env, strict=False).result
        except BundlerError:
            return {}
        return dict(zip(names, result)) if isinstance(result, tuple) and len(result) == len(names) else {}

    def is_module_body(self, function: FunctionRef) -> bool:
        """Whether ``function`` is a module's top-level code, run as a function (run_module_body)."""
        return self._module_bodies.get(id(function.node)) is function.node

    def run(self, function: FunctionRef, receiver: Instance | ClassRef | None, env: dict[str, Value],
            strict: bool = True) -> Outcome:
        importer = self.resolver.importer.relpath if self.resolver.registrations_read and self.resolver.importer else None
        key = (function, receiver, freeze(env), strict, self.options.delegation, importer)
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
        readable(function)
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
                        stub = klass.module.stub_of(statement)
                        for attr in stub.attributes_of_self() if stub is not None else ():
                            found.setdefault(attr, []).append(UNREADABLE)  # its value there cannot be read
            self._assignments[cls] = found
        return self._assignments[cls]

    def recorders_of(self, method: str) -> tuple[str, ...]:
        """The functions of this name, in a class of any module of the project (read so far or
        not: the object's class may be one only a caller imports), that may record, as
        ``file:Class.method``: calling a method of that name on an object the checker cannot
        know may run one of them. The DB-API's names are read as the database's (a wrapper's
        ``execute`` forwards to it); functions vouched for by ``records-nothing`` record nothing."""
        if method in EXECUTE_METHODS or method in PREPARED_RUN_METHODS or method in DB_API_METHODS \
                or method.startswith("__"):
            return ()
        if method not in self._recorders:
            modules = list(dict.fromkeys([*self.resolver.modules.loaded(), *self.resolver.modules.defining(method)]))
            candidates = [FunctionRef(module, class_def, statement)
                          for module in modules
                          for class_def in [*self.resolver.scope(module).classes.values(),
                                            *(d for d in self.resolver.scope(module).block_definitions
                                              if isinstance(d, cst.ClassDef))]
                          for statement in class_def.body.body
                          if isinstance(statement, cst.FunctionDef) and statement.name.value == method]
            candidates += [FunctionRef(module, None, self.resolver.scope(module).functions[method])
                           for module in modules if method in self.resolver.scope(module).functions]
            candidates += [FunctionRef(module, None, definition) for module in modules
                           for definition in self.resolver.scope(module).block_definitions
                           if isinstance(definition, cst.FunctionDef) and definition.name.value == method]
            aliases = [(ClassRef(module, class_def), self.resolver.class_attribute(ClassRef(module, class_def), method,
                                                                                 mro=(ClassRef(module, class_def),)))
                       for module in modules if method in module.text  # most modules never write the name
                       for class_def in self.resolver.scope(module).classes.values()
                       if method in self.resolver.class_constants(class_def)]
            candidates += [value for _, value in aliases if isinstance(value, FunctionRef)]
            unread = [f"{cls.module.relpath}:{cls.node.name.value}.{method}" for cls, value in aliases
                      if not isinstance(value, FunctionRef) and not is_known(value)
                      and not self.is_records_nothing_name(cls.module, f"{cls.node.name.value}.{method}")]
            self._recorders[method] = tuple(dict.fromkeys([*(
                f"{function.module.relpath}:{function.name}" for function in candidates
                if not self.is_records_nothing(function)
                and self.may_record_method(ClassRef(function.module, function.class_def) if function.class_def else None,
                                           function.node, function.module)), *unread]))
        return self._recorders[method]

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
        return self.is_records_nothing_name(function.module, function.name)

    def is_records_nothing_name(self, module: ParsedModule, qualified_name: str) -> bool:
        names = (module.relpath, module.dotted or "")
        return any(qualified == qualified_name and any(fnmatchcase(name, target) for name in names)
                   for target, qualified in self.options.records_nothing)

    def declared_records(self, function: FunctionRef) -> tuple[Record, ...]:
        """What running a step whose numbers the registry's style declares applies, before its body runs."""
        return tuple(Record(RecordedVersion(number, function.node, "the registry's declaration"), function)
                     for number in self.options.declared.get(id(function.node), ()))
