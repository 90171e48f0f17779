"""From source to migration lists: which migrations an entry applies, and which numbers each records.

Pure functions of parsed source (no imports, no execution): the entry is run by the abstract
interpreter (the interpret package), and what it did is cut into migrations. A call below the entry that
records numbers is a migration, named after the called method; a helper whose numbers come from
its arguments (``self._record_version(28)``, a prepared statement's ``run(*params)``) records for
its caller; a call that records nothing itself but runs several migrations (a grouping helper,
or delegation to the registry) is expanded into them, and one that wraps a single migration (a
base class's ``__init__`` calling an overridden method) is that migration under both names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import libcst as cst

from bundler.errors import BundlerError, SourceError, UnresolvableError
from bundler.findings.fresh import fresh_migration
from bundler.model import EntrySpec, Head, Location, Migration, MigrationList
from bundler.frontends.bounds import reach_of
from bundler.frontends.python.interpret.machine import Machine, Options, readable
from bundler.frontends.python.interpret.objects import CallTrace, Delegate, Event, Instance, Record
from bundler.frontends.python.interpret.syntax import (
    is_classmethod, is_static, parameter_names_of, parameters, self_parameter,
)
from bundler.frontends.python.records import RecordingRules
from bundler.frontends.python.sources import ModuleSet, ParsedModule
from bundler.frontends.python.suggest import class_hint, class_names, did_you_mean, top_level
from bundler.frontends.python.values import UNKNOWN, ClassRef, FunctionRef, Resolver, Value, is_number

Function = FunctionRef  # a function or method of the project, as the styles see it


def location_of(function: FunctionRef) -> Location:
    module = function.module
    if function.class_def is None:
        return Location(module.display, module.line_of_definition(function.node.name.value))
    return Location(module.display, module.line_of_definition(function.class_def.name.value, function.node.name.value))


def versions_of(events: Iterable[Event], registry: MigrationList | None) -> list[int]:
    """Every number recorded by these events, in the order first recorded."""
    found: dict[int, None] = {}
    for event in events:
        if isinstance(event, Record):
            if is_number(event.version.value):
                found.setdefault(event.version.value, None)  # type: ignore[arg-type]
        elif isinstance(event, Delegate):
            for version in registry.applied() if registry is not None else ():
                found.setdefault(version, None)
        else:
            for version in versions_of(event.events, registry):
                found.setdefault(version, None)
    return list(found)


class Extractor:
    """Builds migration lists from entries, with one interpreter (and its memory) for all."""

    def __init__(self, modules: ModuleSet, rules: RecordingRules, registry_entry: EntrySpec | None = None,
                 records_nothing: Iterable[EntrySpec] = ()) -> None:
        self.modules = modules
        self.rules = rules
        self.resolver = Resolver(modules)
        self.registry_entry = registry_entry
        self.options = Options(rules, records_nothing=frozenset(
            (spec.target, ".".join(filter(None, (spec.class_name, spec.method)))) for spec in records_nothing),
            migration_names=frozenset({registry_entry.method} if registry_entry and registry_entry.method else ()))
        self.machine = Machine(self.resolver, self.options)
        self._registry: MigrationList | None = None
        self.fresh_entries: set[FunctionRef] = set()  # fresh-schema paths: a call of one applies what it stamps
        # each path's entry, its receiver and what it called, for uncalled_recorders
        self._runs: dict[tuple[Location, str], tuple[FunctionRef, Instance | ClassRef | None, frozenset[int]]] = {}

    @property
    def registry(self) -> MigrationList | None:
        return self._registry

    @registry.setter
    def registry(self, registry: MigrationList | None) -> None:
        """Once the registry is known, calling its entry on a registry object delegates to it."""
        self._registry = registry
        spec = self.registry_entry
        if registry is None or spec is None or not spec.class_name:
            return
        entry = self.entry_function(spec)
        if entry is not None:  # calling the registry's own entry, from any path, applies what it applies
            self.options.registry_entry = entry
            self.options.delegation = True
        found = self.find_class(self.module_for(spec), spec.class_name) if spec.method else None
        if found is not None:
            self.options.registry_class = ClassRef(*found)
            self.options.registry_method = spec.method
            self.options.delegation = True
        names = {m.method.split(" ")[0].rsplit(".", 1)[-1] for m in registry.migrations}
        self.options.migration_names = self.options.migration_names | names

    # --- entries -------------------------------------------------------------------------

    def find_entry(self, spec: EntrySpec) -> FunctionRef:
        """``Class.method``, or (``method`` empty) a module-level function."""
        return readable(self._find_entry(spec))

    def _find_entry(self, spec: EntrySpec) -> FunctionRef:
        module = self.module_for(spec)
        if not spec.method:
            function = self.resolver.module_name(spec.class_name, module)
            if not isinstance(function, FunctionRef):
                hint = class_hint(module.text, spec.class_name, module.display) if isinstance(function, ClassRef) \
                    else did_you_mean(spec.class_name, list(top_level(module.text)))
                raise SourceError(f"function {spec.class_name} not found{spec.named_where}{hint}", where=module.display)
            return function
        found = self.find_class(module, spec.class_name)
        if found is None:
            raise SourceError(f"class {spec.class_name} not found{spec.named_where}"
                              f"{did_you_mean(spec.class_name, class_names(module.text))}", where=module.display)
        class_module, class_def = found
        function = self.find_method(class_module, class_def, spec.method)
        if function is None:
            where = f"{class_module.display}:{class_module.line_of_definition(spec.class_name)}"
            methods = [n for klass in self.resolver.mro(ClassRef(class_module, class_def))
                       for n in self.resolver.class_methods(klass.node)]
            import difflib  # here: only a mistake needs it (a check starts faster without)
            nearest = difflib.get_close_matches(spec.method, methods, n=1, cutoff=0.5) or [
                m for m in methods if m.startswith(spec.method)][:1]
            hint = f"; did you mean '{nearest[0]}'?" if nearest else ""
            raise SourceError(f"class {spec.class_name} has no method {spec.method}{spec.named_where}{hint}", where=where)
        return function

    def entry_function(self, spec: EntrySpec) -> FunctionRef | None:
        """The function or method a spec names, or None when it names something else (a class,
        a list, a file): such a spec is read by its style, a function is run by the interpreter."""
        if not spec.class_name:
            return None
        try:
            return self.find_entry(spec)
        except SourceError:
            return None

    def find_class(self, module: ParsedModule, name: str) -> tuple[ParsedModule, cst.ClassDef] | None:
        """A class defined in ``module``, or imported into it from another module of the project."""
        value = self.resolver.module_name(name, module)
        return (value.module, value.node) if isinstance(value, ClassRef) else None

    def find_method(self, module: ParsedModule, class_def: cst.ClassDef, name: str) -> FunctionRef | None:
        """A method along the class's method resolution order; the last definition wins."""
        value = self.resolver.class_attribute(ClassRef(module, class_def), name)
        return value if isinstance(value, FunctionRef) else None

    def module_for(self, spec: EntrySpec) -> ParsedModule:
        looks_like_path = spec.target.endswith(".py") or "/" in spec.target
        module = self.modules.by_path(spec.target) if looks_like_path else self.modules.by_name(spec.target)
        if module is None:
            raise SourceError(f"file not found{spec.named_where}", where=self.modules.origin.display(spec.target))
        return module

    def migration_list(self, spec: EntrySpec) -> MigrationList:
        entry = self.find_entry(spec)
        found = self.find_class(self.module_for(spec), spec.class_name) if spec.method else None
        receiver, env = self.entry_binding(entry, ClassRef(*found) if found is not None else None)
        self.resolver.importer, self.resolver.registrations_in_run = entry.module, 0
        self.machine.templates.clear()
        self.machine.lookups.clear()
        outcome = self.machine.run(entry, receiver, env)
        self._runs[(location_of(entry), entry.name)] = (entry, receiver, outcome.called)
        migrations = self._expand(outcome.events, entry, entry)
        advice = ("it finds the step for {version} by the name " + " or ".join(self.machine.templates)
                  + ", which does not exist: define it") if self.machine.templates else None
        if self.resolver.registrations_in_run:
            advice = (f"its class registers when its module is imported, and {entry.module.display} imports"
                      " no module that imports it: import it there")
        return MigrationList(name=entry.name, location=location_of(entry), migrations=tuple(migrations),
                             origin=self.modules.origin.label, missing_advice=advice,
                             reach=reach_of(self.machine.templates.values()), lookups=tuple(self.machine.lookups))

    def entry_binding(self, entry: FunctionRef, named: ClassRef | None = None) -> tuple[Instance | ClassRef | None, dict[str, Value]]:
        """An entry runs on an object of the class it was named on (``Store.init`` inherited from
        a base runs on a Store), with every other parameter unknown."""
        names = [p.name.value for p in parameters(entry.node)]
        env: dict[str, Value] = {name: UNKNOWN for name in names}
        if entry.class_def is None or is_static(entry.node) or not names:
            return None, env
        cls = named or ClassRef(entry.module, entry.class_def)
        receiver: Instance | ClassRef = cls if is_classmethod(entry.node) else self.constructed(cls, entry)
        env[names[0]] = receiver
        return receiver, env

    def constructed(self, cls: ClassRef, entry: FunctionRef) -> Instance:
        """The object an entry method runs on: built by its class's constructor when that takes
        no arguments (``MessageArchiveStorage()`` sets the SQL its ``init`` runs), so what the
        constructor sets on it is known; else an object whose attributes are read from the class."""
        init = self.resolver.class_attribute(cls, "__init__")
        if not isinstance(init, FunctionRef) or init.node is entry.node:
            return Instance(cls)
        params = init.node.params
        required = [p for p in [*params.posonly_params, *params.params][1:] + list(params.kwonly_params)
                    if p.default is None]
        if required:
            return Instance(cls)
        try:
            blank = Instance(cls)
            built = self.machine.run(init, blank, {parameter_names_of(init.node)[0]: blank}, strict=False)
        except (BundlerError, RecursionError):
            return Instance(cls)
        return Instance(cls, built.attributes)

    def declared_head(self, spec: EntrySpec) -> Head:
        """The number a ``head`` constant holds, and where it is assigned."""
        module = self.module_for(spec)
        scope = self.resolver.scope(module)
        if spec.method:
            found = self.find_class(module, spec.class_name)
            if found is None:
                raise SourceError(f"class {spec.class_name} not found{spec.named_where}", where=module.display)
            value = self.resolver.class_attribute(ClassRef(*found), spec.method)
            expression = self.resolver.class_constants(found[1]).get(spec.method)
            line_module = found[0]
        else:
            value = self.resolver.module_name(spec.class_name, module)
            expression = scope.constant(spec.class_name)
            line_module = module
        if isinstance(value, FunctionRef):  # get_current_revision(): what calling it returns
            line_module, expression, value = value.module, value.node, self.returned_by(value)
        line = line_module.line_of(expression) if expression is not None else None
        if not is_number(value):
            raise UnresolvableError(f"the head {spec.class_name}{'.' + spec.method if spec.method else ''} is not a"
                                    " number the checker can read (write it as a literal or a constant, or a function"
                                    " without arguments that returns one)",
                                    where=f"{line_module.display}:{line}" if line else module.display)
        return Head(value, str(spec), Location(line_module.display, line or 1))  # type: ignore[arg-type]

    def returned_by(self, function: FunctionRef) -> Value:
        """What calling a function without arguments returns (a static method, a class method, or
        a method of an object its class builds); UNKNOWN when it needs arguments."""
        names = parameter_names_of(function.node, stars=True)
        own = self_parameter(function) or (names[0] if function.class_def is not None and is_classmethod(function.node)
                                           else None)
        required = [p.name.value for p in parameters(function.node) if p.default is None and p.name.value != own]
        if required:
            return UNKNOWN
        receiver = None
        if own is not None:
            cls = ClassRef(function.module, function.class_def)  # type: ignore[arg-type]
            receiver = cls if is_classmethod(function.node) else self.constructed(cls, function)
        try:
            return self.machine.probe(function, receiver).result
        except (BundlerError, RecursionError):
            return UNKNOWN

    # --- cutting what ran into migrations -------------------------------------------------------

    def _expand(self, events: Iterable[Event], entry: FunctionRef, caller: FunctionRef,
                within: tuple = (), flat: bool = False) -> list[Migration]:
        """``caller``'s events as migrations, each with the line where ``caller`` applies it and
        the exclusive branches it sits in (``within`` those of the call; ``flat`` below a call
        made in a loop body run once for many runs, where another run may take another branch)."""
        migrations: list[Migration] = []
        for event in events:
            branch = within if flat else (*within, *event.branch)
            if isinstance(event, Record):
                migrations.append(Migration(f"{event.function.name} (inline)", location_of(event.function),
                                            (event.version.value,),  # type: ignore[arg-type]
                                            call=(event.function.module, event.site or event.version.node),
                                            branch=branch))
            elif isinstance(event, Delegate):
                delegated = self._registry.migrations if self._registry is not None else ()
                migrations.extend(replace(m, call=(caller.module, event.node), branch=branch) for m in delegated)
            else:
                migrations.extend(replace(m, call=m.call or (caller.module, event.node))
                                  for m in self._classify(event, entry, branch, flat or event.repeats))
        return migrations

    def _classify(self, call: CallTrace, entry: FunctionRef, branch: tuple = (), flat: bool = False) -> list[Migration]:
        """The migrations a call applies: one (the callee records, or wraps one migration), or
        those of the calls it groups; ``branch`` is where the call sits."""
        at, inner = branch, (*branch, ("call", id(call)))
        versions = versions_of(call.events, self._registry)
        if call.function in self.fresh_entries and self._registry is not None:
            fresh = fresh_migration(call.function.name, location_of(call.function), versions, self._registry)
            return [replace(fresh, branch=at)] if fresh is not None else []
        if not versions:
            return []
        if self._records_for_caller(call, versions):
            return [Migration(f"{call.function.name} (called by {entry.name})", location_of(call.function),
                              tuple(versions), branch=at)]
        children = [e for e in call.events if isinstance(e, Delegate)
                    or (isinstance(e, CallTrace) and versions_of(e.events, self._registry))]
        own_records = any(isinstance(e, Record) for e in call.events) or any(
            isinstance(e, CallTrace) and self._records_for_caller(e, versions_of(e.events, self._registry))
            for e in children)
        if not own_records and (len(children) > 1 or any(isinstance(e, Delegate) for e in children)):
            return self._expand(call.events, entry, call.function, inner, flat)  # a grouping: the calls it makes
        if not own_records:
            wrapped = self._classify(children[0], entry)  # type: ignore[arg-type]
            if len(wrapped) != 1:  # it wraps a grouping: the migrations are that grouping's
                return self._expand(call.events, entry, call.function, inner, flat)
            inner_migration = wrapped[0]  # a wrapper of one migration (m28 -> _finish -> _really_finish) goes by every name
            return [Migration(call.function.name, location_of(call.function), tuple(versions),
                              aliases=(inner_migration.method, *inner_migration.aliases),
                              inner=inner_migration.inner or inner_migration.location, branch=at)]
        step = self._declared_step(call.function)
        declared = id(call.function.node) in self.options.declared
        if step is not None:  # one of the modules a listing's item names: that item's migration, whichever module
            return [Migration(call.function.name, location_of(call.function), tuple(versions), branch=at,
                              aliases=(step.method,), inner=step.location, declared=declared)]
        return [Migration(call.function.name, location_of(call.function), tuple(versions), branch=at, declared=declared)]

    def _declared_step(self, function: FunctionRef) -> Migration | None:
        """The registry's one migration whose number the style declares for ``function`` and for
        other functions too (a listing's item naming two modules): all of them are its steps."""
        numbers = self.options.declared.get(id(function.node), ())
        if self._registry is None or len(numbers) != 1 or len(self._registry.recorders(numbers[0])) != 1:
            return None
        shared = sum(numbers[0] in declared for declared in self.options.declared.values()) > 1
        return self._registry.recorders(numbers[0])[0] if shared else None

    @staticmethod
    def with_call_sites(listing: MigrationList) -> MigrationList:
        """The listing with the line of every migration's call (for messages that point at one)."""
        def located(migration: Migration) -> Migration:
            if migration.call is None:
                return migration
            module, node = migration.call  # type: ignore[misc]
            return replace(migration, call_site=Location(module.display, module.line_of(node)))

        return replace(listing, migrations=tuple(located(m) for m in listing.migrations))

    def uncalled_recorders(self, listing: MigrationList) -> tuple[Migration, ...]:
        """Methods of the path's class that record numbers but that the path never calls: a
        missing number's likely fix is a call of one. Advice only (the verdict never depends
        on it), so a method the interpreter cannot follow is passed over."""
        run = self._runs.get((listing.location, listing.name))
        if run is None or run[0].class_def is None:
            return ()
        entry, receiver, called = run
        found, seen = [], set()
        for klass in self.resolver.mro(ClassRef(entry.module, entry.class_def)):
            for name, node in self.resolver.class_methods(klass.node).items():
                if name in seen:
                    continue  # shadowed by a subclass's method of that name
                seen.add(name)
                if id(node) in called or node is entry.node:
                    continue
                method = FunctionRef(klass.module, klass.node, node)
                try:
                    versions = versions_of(self.machine.probe(method, receiver).events, self._registry)
                except (BundlerError, RecursionError):
                    continue
                if versions:
                    found.append(Migration(method.name, location_of(method), tuple(versions)))
        return tuple(found)

    def _records_for_caller(self, call: CallTrace, bound_versions: list[int]) -> bool:
        """True for a recording helper: what it records depends on the arguments it is given."""
        if not [p for p in parameter_names_of(call.function.node, stars=True) if p != self_parameter(call.function)]:
            return False
        probe = self.machine.probe(call.function, call.receiver, dict(call.env))  # its parameters unbound
        return versions_of(probe.events, self._registry) != bound_versions
