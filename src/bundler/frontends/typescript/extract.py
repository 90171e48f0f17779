"""From TypeScript and JavaScript to migration lists: the registry, each store path, and each
store as an esbuild bundle holds it.

An entry (``file.ts:Class.method``, ``file.ts:Class.constructor`` or ``file.ts:function``) is run
by the interpreter and what it did is cut into migrations as the Python front end cuts it: a
call below the entry that records is a migration named after the called method; a call that
records nothing itself but runs several migrations (a grouping helper, or the registry called
from a store) is expanded into them; one that wraps a single migration is that migration under
both names.

A bundle (``--bundle plugin/scripts/worker-service.cjs``) holds minified copies of classes:
their names are gone, their method names and SQL are not. The copy of each configured store is
the one class of the bundle that defines the source class's methods; it is run as the source's
(against the source's registry: the runner need not be bundled), and a copy that applies
something else than its source is a stale bundle.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from bundler.config import Config
from bundler.errors import BundleError, BundlerError, ConfigError, SourceError, UnresolvableError
from bundler.findings.fresh import fresh_migration, fresh_schema
from bundler.files import script_files_under
from bundler.findings.suppress import Comment, suppression_comment
from bundler.frontends.bounds import reach_of
from bundler.frontends.sql.records import RecordingRules
from bundler.frontends.typescript.interpret import (
    CLASS_NODES, CallTrace, Event, Machine, Options, Project, Record, text, walk,
)
from bundler.frontends.typescript.parse import PartialParseError, Source, parse_source
from bundler.frontends.typescript.values import UNKNOWN, ClassValue, FunctionValue, Instance
from bundler.frozen import frozen
from bundler.model import EntrySpec, Head, Location, Migration, MigrationList

UNSUPPORTED = (("style", lambda c: c.style != "methods", "registry styles other than method lists"),)


@frozen
class BundledCopy:
    """A bundle's copies of the configured stores, each beside the source path it was built from."""

    label: str
    paths: tuple[MigrationList, ...]
    sources: tuple[MigrationList, ...]


def require_supported(config: Config) -> None:
    for key, used, what in UNSUPPORTED:
        if used(config):
            raise ConfigError(f"[tool.bundler] {key}: {what} are read from Python only, not yet from"
                              " TypeScript or JavaScript", where=config.source)

# What follows a name written where a function may be defined: its parameters (``name(``,
# ``name<T>(``: a method or a function, a bare call too), or a function bound to it
# (``name = (db) =>``, ``name: function``, ``name = async db =>``).
DEFINITION_FOLLOWS = re.compile(
    rb"\s*(?:<[^<>(){};]*>)?\s*\(|\s*[:=]\s*(?:async\b\s*)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)"
    rb"|\s*[:=]\s*[A-Za-z_$]")  # or bound to another function by its name, or to what a call returns


def defines(data: bytes, name: bytes) -> bool:
    """Whether ``name`` is written in ``data`` where a function of that name may be defined (not
    after a dot or inside a longer name). A search for the name, then a look around each place."""
    at = data.find(name)
    while at != -1:
        before = data[at - 1:at]
        if not (before.isalnum() or before in (b".", b"_", b"$")) and DEFINITION_FOLLOWS.match(data, at + len(name)):
            return True
        at = data.find(name, at + 1)
    return False

class Reader:
    """Source files of one project folder, each parsed once."""

    def __init__(self, root: Path, prefix: str, built: Sequence[Path] = ()) -> None:
        self.root = root
        self.prefix = prefix
        self.built = {path.resolve() for path in built}  # bundles: copies of the modules, not modules
        self._parsed: dict[str, Source | None] = {}
        self._texts: dict[str, bytes] | None = None  # every module of the project, once asked

    def __call__(self, relpath: str) -> Source | None:
        if relpath not in self._parsed:
            path = self.root / relpath
            if not path.is_file():
                self._parsed[relpath] = None
            else:
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise SourceError(f"cannot read: {exc.strerror}", where=self.prefix + relpath) from None
                self._parsed[relpath] = parse_source(relpath, self.prefix + relpath, data)
        return self._parsed[relpath]

    def parsed(self) -> list[Source]:
        return [source for source in self._parsed.values() if source is not None]

    def mentioning(self, name: str) -> list[str]:
        """The project's modules (bundler.files.script_files_under, but the bundles checked) where
        ``name`` is written as a function may be defined: not after a dot (a call of a method),
        followed by its parameters, or bound to a function. Every module is read once for all names."""
        if self._texts is None:
            self._texts = {}
            for relpath in script_files_under(self.root):
                if (self.root / relpath).resolve() not in self.built:
                    try:
                        self._texts[relpath] = (self.root / relpath).read_bytes()
                    except OSError as exc:
                        raise SourceError(f"cannot read: {exc.strerror}", where=self.prefix + relpath) from None
        return [relpath for relpath, data in self._texts.items() if defines(data, name.encode())]


def versions_of(events: Iterable[Event]) -> list[int]:
    """Every number these events record, in the order first recorded (twice is once)."""
    found: dict[int, None] = {}
    for event in events:
        if isinstance(event, Record):
            found.setdefault(event.version.value, None)  # type: ignore[arg-type]
        else:
            for version in versions_of(event.events):
                found.setdefault(version, None)
    return list(found)


def location_of(function: FunctionValue) -> Location:
    return Location(function.source.display, function.source.line_of(function.node))


class Extractor:
    """Runs entries of one project (its source files, or one bundle) into migration lists."""

    def __init__(self, project: Project, rules: RecordingRules, records_nothing: Iterable[EntrySpec] = (),
                 migration_names: Iterable[str] = ()) -> None:
        self.project = project
        self.machine = Machine(project, Options(rules, frozenset(migration_names), frozenset(
            (spec.target, ".".join(filter(None, (spec.class_name, spec.method)))) for spec in records_nothing)))
        self.registry: MigrationList | None = None
        self.fresh_entries: set[int] = set()  # fresh-schema paths (by node): a call of one applies what it stamps

    def source_of(self, spec: EntrySpec) -> Source:
        source = self.project.read(spec.target)
        if source is None:
            raise SourceError(f"file not found{spec.named_where}", where=spec.target)
        return source

    def find_class(self, source: Source, name: str, spec: EntrySpec) -> ClassValue:
        found = self.project.name_value(name, first_statement(source), source)
        if not isinstance(found, ClassValue):
            names = ", ".join(class_names(source)) or "none"
            raise SourceError(f"class {name} not found{spec.named_where} (classes here: {names})",
                              where=source.display)
        return found

    def entry(self, spec: EntrySpec) -> tuple[FunctionValue, Instance | None]:
        """The function or method a spec names, and the object a method runs on."""
        source = self.source_of(spec)
        if not spec.method:
            function = self.project.name_value(spec.class_name, first_statement(source), source)
            if not isinstance(function, FunctionValue):
                raise SourceError(f"function {spec.class_name} not found{spec.named_where}", where=source.display)
            return function, None
        cls = self.find_class(source, spec.class_name, spec)
        return self.method_entry(cls, spec)

    def method_entry(self, cls: ClassValue, spec: EntrySpec) -> tuple[FunctionValue, Instance]:
        receiver = Instance(cls)
        method = self.project.class_member(cls, spec.method, receiver)
        if not isinstance(method, FunctionValue):
            methods = ", ".join(method_names(cls.node)) or "none"
            raise SourceError(f"class {spec.class_name} has no method {spec.method}{spec.named_where}"
                              f" (methods: {methods})", where=f"{cls.source.display}:{cls.source.line_of(cls.node)}")
        return method, receiver

    def migration_list(self, spec: EntrySpec, origin: str = "source",
                       entry: tuple[FunctionValue, Instance | None] | None = None,
                       registry: MigrationList | None = None) -> MigrationList:
        """What an entry applies; for a path lacking some of the ``registry``'s numbers, also the
        methods of its class that record them but are never called (where the fix is)."""
        function, receiver = entry or self.entry(spec)
        parameters = function.node.child_by_field_name("parameters")
        count = len([p for p in parameters.named_children if p.type != "comment"]) if parameters is not None else 0
        self.machine.called.clear()
        self.machine.built.clear()
        events, _, _ = self.machine.call(function, [UNKNOWN] * count, function.node, this=receiver)
        migrations = tuple(self.expand(events, function))
        listing = MigrationList(name=function.name, location=location_of(function), migrations=migrations,
                                origin=origin, reach=reach_of(self.machine.built))
        if registry is not None and set(registry.applied()) - set(listing.applied()):
            listing = replace(listing, uncalled=self.uncalled_recorders(function, receiver))
        return listing

    def declared_head(self, spec: EntrySpec) -> Head:
        """The number a ``head`` constant holds (``SCHEMA_VERSION``, a static ``Database.VERSION``)."""
        source = self.source_of(spec)
        if spec.method:
            cls = self.find_class(source, spec.class_name, spec)
            value = self.project.class_member(cls, spec.method, None)
            node = next((member for member in cls.node.child_by_field_name("body").named_children
                         if text(member.child_by_field_name("name") or member.child_by_field_name("property")
                                 or member) == spec.method), cls.node)
        else:
            value = self.project.name_value(spec.class_name, first_statement(source), source)
            node = self.project.scope_index(source.root, source).get(spec.class_name, source.root)
        if not isinstance(value, int) or isinstance(value, bool):
            raise UnresolvableError(f"the head {spec.class_name}{'.' + spec.method if spec.method else ''} is not a"
                                    " number the checker can read (write it as a literal or a constant)",
                                    where=source.display)
        return Head(value, str(spec), Location(source.display, source.line_of(node)))

    def uncalled_recorders(self, entry: FunctionValue, receiver: Instance | None) -> tuple[Migration, ...]:
        """Methods of the entry's class that record but that the entry never runs: a missing
        number's likely fix is a call of one. Advice only: one the checker cannot follow is passed over."""
        if receiver is None:
            return ()
        called = set(self.machine.called)
        found = []
        for name in method_names(receiver.cls.node):
            method = self.project.class_member(receiver.cls, name, receiver)
            if not isinstance(method, FunctionValue) or method.node.id in called or name == "constructor" \
                    or b"version" not in method.node.text.lower():  # a store's CRUD methods: not run for advice
                continue
            try:
                events, _, _ = self.machine.call(method, [], method.node, strict=False)
            except (BundlerError, RecursionError):
                continue
            if versions_of(events):
                found.append(Migration(method.name, location_of(method), tuple(versions_of(events))))
        return tuple(found)

    # --- cutting what ran into migrations (as frontends/python/extract.py does) -----------------------

    def expand(self, events: Iterable[Event], entry: FunctionValue) -> list[Migration]:
        migrations: list[Migration] = []
        for event in events:
            if isinstance(event, Record):
                migrations.append(Migration(f"{event.function.name} (inline)", location_of(event.function),
                                            (event.version.value,)))  # type: ignore[arg-type]
            else:
                site = Location(entry.source.display, entry.source.line_of(event.node))
                migrations.extend(replace(m, call_site=m.call_site or site) for m in self.classify(event, entry))
        return migrations

    def classify(self, call: CallTrace, entry: FunctionValue) -> list[Migration]:
        versions = versions_of(call.events)
        if call.function.node.id in self.fresh_entries and self.registry is not None:
            fresh = fresh_migration(call.function.name, location_of(call.function), versions, self.registry)
            return [fresh] if fresh is not None else []
        if not versions:
            return []
        if records_for_caller(call, versions):
            return [Migration(f"{call.function.name} (called by {entry.name})", location_of(call.function),
                              tuple(versions))]
        children = [e for e in call.events if isinstance(e, CallTrace) and versions_of(e.events)]
        own_records = any(isinstance(e, Record) for e in call.events) or any(
            records_for_caller(e, versions_of(e.events)) for e in children)
        if not own_records and len(children) > 1:
            return self.expand(call.events, entry)  # a grouping: the calls it makes
        if not own_records:
            wrapped = self.classify(children[0], entry)
            if len(wrapped) != 1:
                return self.expand(call.events, entry)
            inner = wrapped[0]
            return [Migration(call.function.name, location_of(call.function), tuple(versions),
                              aliases=(inner.method, *inner.aliases), inner=inner.inner or inner.location)]
        return [Migration(call.function.name, location_of(call.function), tuple(versions))]


def records_for_caller(call: CallTrace, versions: list[int]) -> bool:
    """A recording helper (``this.recordVersion(28)``): the numbers it records are ones its
    caller passes."""
    return any(isinstance(argument, int) and not isinstance(argument, bool) and argument in versions
               for argument in call.arguments)


def first_statement(source: Source) -> Any:
    """A node at the top of the file: names are looked up from there (the module's scope)."""
    children = source.root.named_children
    return children[0] if children else source.root


def class_names(source: Source) -> list[str]:
    names = []
    for statement in source.root.named_children:
        node = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
        if node is not None and node.type in CLASS_NODES and node.child_by_field_name("name") is not None:
            names.append(text(node.child_by_field_name("name")))
    return names


def method_names(class_node: Any) -> list[str]:
    body = class_node.child_by_field_name("body")
    return [text(member.child_by_field_name("name")) for member in (body.named_children if body is not None else ())
            if member.type == "method_definition"]


# --- the check's lists ----------------------------------------------------------------------------

def rules_of(config: Config) -> RecordingRules:
    return RecordingRules(version_table=config.version_table, user_version=config.version_record == "user_version",
                          version_key=config.version_key)


def extract_lists(config: Config, runner: EntrySpec, stores: Sequence[EntrySpec], bundles: Sequence[Path] = (),
                  shown_as: dict[Path, str] | None = None
                  ) -> tuple[MigrationList, list[MigrationList], list[BundledCopy], list[Comment], Head | None]:
    """The registry and every store and fresh-schema path, from the source; then each bundle's
    copies of them; the suppression comments of the files read; and the declared head."""
    require_supported(config)
    labels = {Path(bundle): (shown_as or {}).get(Path(bundle)) or display_of(Path(bundle), config) for bundle in bundles}
    # tree-sitter releases the GIL while it parses: a bundle of megabytes is read while the source is checked
    with ThreadPoolExecutor(max_workers=max(1, len(labels))) as pool:
        parsed = {bundle: pool.submit(read_bundle, bundle, label) for bundle, label in labels.items()}
        return check_lists(config, runner, stores, {bundle: future.result for bundle, future in parsed.items()},
                           built=(*config.bundles, *bundles))


def check_lists(config: Config, runner: EntrySpec, stores: Sequence[EntrySpec],
                bundles: dict[Path, Callable[[], Source]], built: Sequence[Path] = ()
                ) -> tuple[MigrationList, list[MigrationList], list[BundledCopy], list[Comment], Head | None]:
    reader = Reader(config.root, config.display_prefix, built)
    project = Project(reader, path_aliases(config.root), reader.mentioning)
    extractor = Extractor(project, rules_of(config), config.records_nothing)
    registry = extractor.migration_list(runner)
    if not registry.applied():
        raise SourceError(f"the registry {registry.name} records no version number: nothing to check against"
                          f" (it records with db.prepare(\"INSERT INTO {config.version_table} ...\").run(N, ...),"
                          f" or db.run/exec with the number in the SQL)", where=str(registry.location))
    names = {m.method.split(" ")[0].rsplit(".", 1)[-1] for m in registry.migrations}
    extractor.machine.options.migration_names = frozenset(names)
    extractor.registry = registry
    head = extractor.declared_head(config.head) if config.head is not None else None
    extractor.fresh_entries = {extractor.entry(spec)[0].node.id for spec in config.fresh_stores}
    paths = [extractor.migration_list(store, registry=registry) for store in stores]
    paths += [fresh_schema(extractor.migration_list(spec), registry) for spec in config.fresh_stores]
    entries = [*stores, *config.fresh_stores]
    copies = [bundled_copy(config, parsed(), extractor, entries, paths, registry) for parsed in bundles.values()]
    return registry, paths, copies, [comment for source in reader.parsed() for comment in comments_of(source)], head


def path_aliases(root: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """tsconfig.json's ``compilerOptions.paths`` (and ``baseUrl``), as its ``extends`` chain sets
    them, relative to the project folder: an import such as ``@/db/migrate`` is then the
    project's code, not a package's."""
    path = root / "tsconfig.json"
    if not path.is_file():
        return ()
    options = alias_options(path, root)
    base = None
    if "baseUrl" in options:
        value, folder = options["baseUrl"]
        base = folder / str(value)
    aliases = []
    if "paths" in options:
        paths, folder = options["paths"]
        relative_to = base if base is not None else folder  # paths are relative to baseUrl, else to their file
        aliases = [(pattern, tuple(str(relative_to / target) for target in targets))
                   for pattern, targets in (paths or {}).items() if isinstance(targets, list)]
    if base is not None:
        aliases.append(("*", (str(base / "*"),)))  # baseUrl: any bare name may be a file under it
    return tuple(aliases)


def alias_options(path: Path, root: Path, seen: frozenset[Path] = frozenset()) -> dict[str, tuple[Any, PurePosixPath]]:
    """``paths`` and ``baseUrl`` as a tsconfig file sets them or inherits them (``extends``, a
    file or a package's, one or several: the later and the extending file win), each with the
    folder, relative to the project, of the file that sets it."""
    if path.resolve() in seen:
        raise ConfigError("its extends chain comes back to it", where=str(path))
    try:
        config = json.loads(jsonc(path.read_text(encoding="utf-8")))
        options = config.get("compilerOptions") or {}
        extends = config.get("extends") or []
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"cannot read its compilerOptions ({exc}): the imports it may alias cannot be"
                          " told from packages", where=str(path)) from None
    found: dict[str, tuple[Any, PurePosixPath]] = {}
    for base in [extends] if isinstance(extends, str) else extends:
        found.update(alias_options(extended(path, str(base), root), root, seen | {path.resolve()}))
    folder = PurePosixPath(Path(os.path.relpath(path.parent, root)).as_posix())
    found.update({key: (options[key], folder) for key in ("paths", "baseUrl") if isinstance(options, dict)
                  and key in options})
    return found


def extended(path: Path, base: str, root: Path) -> Path:
    """The file an ``extends`` names: beside the extending file, or a package's under node_modules."""
    start = path.parent / base if base.startswith((".", "/")) else root / "node_modules" / base
    for candidate in (start, start.with_name(start.name + ".json"), start / "tsconfig.json"):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"extends {base!r}, which is not there (for a package's, install the packages): the imports"
                      " it may alias cannot be told from packages", where=str(path))


def jsonc(text: str) -> str:
    """tsconfig's JSON with comments and trailing commas, as plain JSON."""
    text = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.DOTALL)
    return re.sub(r",(\s*[}\]])", r"\1", text)


def comments_of(source: Source) -> list[Comment]:
    """``// bundler: ignore[code] reason`` comments (read only in files that mention it)."""
    if b"bundler:" not in source.data:
        return []
    found = []
    for node in walk(source.root):
        if node.type == "comment":
            comment = suppression_comment(text(node), Location(source.display, source.line_of(node)), source.relpath)
            if comment is not None:
                found.append(comment)
    return found


def read_bundle(bundle: Path, label: str) -> Source:
    try:
        data = bundle.read_bytes()
    except OSError as exc:
        raise BundleError(f"cannot read the bundle: {exc.strerror}", where=label) from None
    return parse_source(bundle.name, label, data, bundle=True)


def bundled_copy(config: Config, source: Source, extractor: Extractor, stores: Sequence[EntrySpec],
                 sources: list[MigrationList], registry: MigrationList) -> BundledCopy:
    try:
        paths = copies_in(config, source, extractor, stores, registry)
    except PartialParseError:  # a part does not parse alone: the bundle is read whole
        paths = copies_in(config, source.whole(), extractor, stores, registry)
    return BundledCopy(source.display, tuple(paths), tuple(sources))


def copies_in(config: Config, source: Source, extractor: Extractor, stores: Sequence[EntrySpec],
              registry: MigrationList) -> list[MigrationList]:
    """What each store's copy in the bundle applies."""
    label = source.display
    project = Project(lambda relpath: None)
    copy = Extractor(project, rules_of(config), migration_names=extractor.machine.options.migration_names)
    copy.registry = registry
    entries = []
    for spec in stores:
        original, _ = extractor.entry(spec)
        cls = find_copy(source, project, original, spec, label)
        if not spec.method:
            raise ConfigError(f"{spec}: a function store is not looked up inside bundles yet: name a method",
                              where=label)
        entries.append(copy.method_entry(cls, spec))
    copy.fresh_entries = {entry[0].node.id for spec, entry in zip(stores, entries) if spec in config.fresh_stores}
    paths = []
    for spec, entry in zip(stores, entries):
        listing = copy.migration_list(spec, origin=label, entry=entry, registry=registry)
        paths.append(fresh_schema(listing, registry) if spec in config.fresh_stores else listing)
    return paths


def display_of(bundle: Path, config: Config) -> str:
    try:
        return config.display_prefix + bundle.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(bundle)


def find_copy(bundle: Source, project: Project, original: FunctionValue, spec: EntrySpec, label: str) -> ClassValue:
    """The one class of the bundle that defines the source class's methods (esbuild keeps method
    names, minifies class names): the class whose method names match the most, if that is
    most of them and no other class matches as well."""
    owner = original.owner
    wanted = set(method_names(owner.node)) if owner is not None else set()
    if not wanted:
        raise BundleError(f"{spec.class_name} defines no methods to find its copy by", where=label)
    candidates: dict[int, tuple[Any, set[str]]] = {}
    data = bundle.data
    for name in enough_names(wanted) or ["constructor"]:
        for start in occurrences(data, name.encode() + b"("):
            node = bundle.node_at(start, start + len(name))
            method = node.parent if node is not None else None
            if method is None or method.type != "method_definition" or method.child_by_field_name("name") != node:
                continue
            cls = method.parent.parent if method.parent is not None else None
            if cls is not None and cls.type in CLASS_NODES and cls.id not in candidates:
                candidates[cls.id] = (cls, set(method_names(cls)))
    scored = sorted(((len(wanted & found), node) for node, found in candidates.values()), key=lambda pair: -pair[0])
    if not scored or scored[0][0] * 2 < len(wanted) or (spec.method not in method_names(scored[0][1])
                                                      and spec.method != "constructor"):
        raise BundleError(f"no copy of {spec.class_name} in the bundle (no class defines most of its methods:"
                          f" {', '.join(sorted(wanted)[:5])}...); was it bundled, or built from other sources?",
                          where=label)
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        lines = ", ".join(f"line {bundle.line_of(node)}" for _, node in scored[:2])
        raise BundleError(f"{spec.class_name} has more than one copy in the bundle ({lines}) defining the same"
                          " methods: cannot tell which one runs", where=label)
    node = scored[0][1]
    if node.has_error:
        raise BundleError(f"the copy of {spec.class_name} at line {bundle.line_of(node)} does not parse", where=label)
    return project.class_value(node, bundle, spec.class_name)


def enough_names(wanted: set[str]) -> list[str]:
    """Enough of the methods (but the constructor) that a class defining half of all of them
    defines one of these: only their places are parsed. The longest first: the rarest, mostly
    (counting each in a bundle of megabytes costs more than the parts it saves)."""
    names = sorted(wanted - {"constructor"}, key=lambda name: (-len(name), name))
    return names[:len(names) - (len(wanted) + 1) // 2 + 2]


def occurrences(data: bytes, needle: bytes) -> Iterator[int]:
    """Where ``needle`` starts a word in ``data`` (bytes.find: a scan of megabytes in a millisecond)."""
    position = data.find(needle)
    while position != -1:
        before = data[position - 1:position]
        if not (before.isalnum() or before in (b"_", b"$", b".")):
            yield position
        position = data.find(needle, position + 1)


def differs(source: MigrationList, copy: MigrationList) -> bool:
    """Whether a bundle's copy applies something else than its source: other numbers, or the
    same numbers by other methods or in another order."""
    def shape(listing: MigrationList) -> list[tuple[str, tuple[int, ...]]]:
        return [(m.method.split(" ")[0].rsplit(".", 1)[-1], m.versions) for m in listing.migrations]

    return shape(source) != shape(copy)
