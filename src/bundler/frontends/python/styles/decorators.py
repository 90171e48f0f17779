"""``decorators``: ``@migration(28)``, or a bare registering decorator with the number in the name."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.styles.common import listing, number_in_name
from bundler.frontends.python.styles.importing import imported_on_import
from bundler.frontends.python.values import dotted_name


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return decorated(extractor, spec, options)


def decorated(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """The decorated steps of a class, of a module, of every module of a folder (what the project
    wrote), or, for a package's ``__init__.py``, of every module of the package importing it runs
    (what importing the package registers)."""
    if spec.class_name:
        return decorated_methods(extractor, spec, options)
    folder = spec.target.rstrip("/")
    names = None if folder.endswith(".py") else extractor.modules.origin.list_folder(folder)
    if names is not None:
        modules = [extractor.module_for(EntrySpec(f"{folder}/{name}")) for name in sorted(names) if name.endswith(".py")]
        return steps_of(extractor, modules, folder, extractor.modules.origin.display(folder), options)
    module = extractor.module_for(spec)
    if not module.relpath.endswith("__init__.py") or not module.dotted:
        return steps_of(extractor, [module], module.relpath, module.display, options)
    run = imported_on_import(extractor.resolver, module)
    listed = steps_of(extractor, run.modules, module.relpath, module.display, options, run.stopped)
    if run.failed is None:
        return listed
    return replace(listed, missing_advice=f"importing it raises ImportError at {run.failed_at} ({run.failed}):"
                                          " no import after that statement runs")


def steps_of(extractor: Extractor, modules: list[ParsedModule], name: str, display: str,
             options: StyleOptions, stopped: dict[str, int] | None = None) -> MigrationList:
    """The decorated steps of these modules; of one whose import stopped, those defined before."""
    migrations = []
    for module in modules:
        reached = (stopped or {}).get(module.relpath)
        ran = module.tree.body if reached is None else module.tree.body[:reached]
        functions = [(node.name.value, node) for node in ran if isinstance(node, cst.FunctionDef)]
        migrations += decorated_steps(extractor, module, functions, options)
    migrations.sort(key=lambda m: m.versions)
    return MigrationList(name, Location(display, 1), tuple(migrations), extractor.modules.origin.label)


def decorated_methods(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    found = extractor.find_class(module, spec.class_name)
    if found is None:
        raise SourceError(f"class {spec.class_name} not found{spec.named_where}", where=module.display)
    functions = [(f"{spec.class_name}.{s.name.value}", s) for s in found[1].body.body if isinstance(s, cst.FunctionDef)]
    migrations = sorted(decorated_steps(extractor, module, functions, options), key=lambda m: m.versions)
    return listing(module, spec.class_name, 1, migrations, extractor.modules.origin.label)


def decorated_steps(extractor: Extractor, module: ParsedModule, functions: list[tuple[str, cst.FunctionDef]],
                    options: StyleOptions) -> list[Migration]:
    """Each function carrying the decorator, with its number, declared: running it applies it."""
    migrations = []
    for name, node in functions:
        for decorator in node.decorators:
            number = decorator_number(extractor, module, decorator.decorator, name, options)
            if number is not None:
                line = module.line_of(node)
                migrations.append(Migration(name, Location(module.display, line), (number,)))
                declared = extractor.options.declared.get(id(node), ())
                extractor.options.declared[id(node)] = declared + ((number,) if number not in declared else ())
    return migrations


def decorator_number(extractor: Extractor, module: ParsedModule, decorator: cst.BaseExpression, function: str,
                     options: StyleOptions) -> int | None:
    call = decorator if isinstance(decorator, cst.Call) else None
    target = call.func if call is not None else decorator
    wanted = options.decorator.split(".")[-1]
    if dotted_name(target).split(".")[-1] != wanted:  # type: ignore[arg-type]
        return None
    arguments = list(call.args) if call is not None else []
    chosen = next((a for a in arguments if a.keyword is not None and a.keyword.value in options.record_keys), None)
    chosen = chosen or next((a for a in arguments if a.keyword is None), None)
    if chosen is not None:
        value = extractor.resolver.resolve(chosen.value, module, {})
        if isinstance(value, int):
            return value
        raise UnresolvableError(f"cannot resolve the number in @{options.decorator}(...) of {function}",
                                where=f"{module.display}:{module.line_of(chosen)}")
    number = number_in_name(function, options)
    if number is None:
        raise UnresolvableError(
            f"@{options.decorator} on {function} gives no number and the name has none: set [tool.bundler.styles]"
            " name-pattern to where the name carries it", where=f"{module.display}:{module.line_of(decorator)}")
    return number
