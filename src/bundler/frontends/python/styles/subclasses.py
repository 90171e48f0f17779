"""``subclasses``: ``class AddTags(Upgrade, version=2)``: every class of the base class's folder
that derives from it is a step, numbered by the keyword its ``__init_subclass__`` registers it
under (or, without one, the first of ``record-keys`` it passes). What a path applies is what
it runs: it sees the classes its module imports (``subclasses.registered``)."""

from __future__ import annotations

from bundler.config import StyleOptions
from bundler.errors import SourceError
from bundler.frontends.python.extract import Extractor
from bundler.frontends.python.sources import ParsedModule, module_name_for
from bundler.frontends.python.subclasses import class_keyword, subclasses
from bundler.frontends.python.values import ClassRef, is_number
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.styles.common import listing


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    if not spec.class_name or spec.method:
        raise SourceError("the subclasses style needs file.py:Class, the base class steps derive from",
                          where=module.display)
    found = extractor.find_class(module, spec.class_name)
    if found is None:
        raise SourceError(f"class {spec.class_name} not found{spec.named_where}", where=module.display)
    base = ClassRef(*found)
    registration = next((r for r in extractor.resolver.scope(base.module).registrations.values()
                         if r.base == spec.class_name), None)
    steps = subclasses(extractor.resolver, base, package_modules(extractor, base.module))
    migrations = []
    for step in steps:
        key = registration.key if registration is not None and registration.key else passed_key(extractor, step, options)
        number = step_number(extractor, step, key)
        if not is_number(number):
            raise SourceError(f"class {step.node.name.value} registers under {key}={number!r}, not a version number",
                              where=f"{step.module.display}:{step.module.line_of(step.node)}")
        migrations.append(Migration(step.node.name.value, Location(step.module.display, step.module.line_of(step.node)),
                                    (number,)))  # type: ignore[arg-type]
    migrations.sort(key=lambda m: m.versions)
    return listing(base.module, spec.class_name, base.module.line_of(base.node), migrations,
                   extractor.modules.origin.label)


def step_number(extractor: Extractor, step: ClassRef, key: str) -> object:
    """The keyword the class passes, else its own class attribute of that name (``version = 2``)."""
    if not any(a.keyword is not None and a.keyword.value == key for a in step.node.keywords):
        attribute = extractor.resolver.class_constants(step.node).get(key)
        if attribute is not None:
            return extractor.resolver.resolve(attribute, step.module, {}, step.node)
    return class_keyword(extractor.resolver, step, key)


def passed_key(extractor: Extractor, step: ClassRef, options: StyleOptions) -> str:
    """The first of ``record-keys`` the class passes (``class AddTags(Upgrade, version=2)``) or sets."""
    passed = {a.keyword.value for a in step.node.keywords if a.keyword is not None} | set(
        extractor.resolver.class_constants(step.node))
    return next((key for key in options.record_keys if key in passed), options.record_keys[0])


def package_modules(extractor: Extractor, module: ParsedModule) -> list[ParsedModule]:
    """Every module of the base class's folder, in file order."""
    folder = module.relpath.rpartition("/")[0]
    relpaths = [f"{folder}/{name}" if folder else name
                for name in extractor.modules.origin.list_folder(folder) or () if name.endswith(".py")]
    return [parsed for relpath in relpaths
            if (parsed := extractor.modules.by_path(relpath, module_name_for(relpath))) is not None]
