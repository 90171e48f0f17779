"""``decorators``: ``@migration(28)``, or a bare registering decorator with the number in the name."""

from __future__ import annotations

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.styles.common import listing, number_in_name
from bundler.frontends.python.values import dotted_name


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return decorated(extractor, spec, options)


def decorated(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    scope = extractor.resolver.scope(module)
    functions: list[tuple[str, cst.FunctionDef]] = [(name, node) for name, node in scope.functions.items()]
    if spec.class_name:
        found = extractor.find_class(module, spec.class_name)
        if found is None:
            raise SourceError(f"class {spec.class_name} not found{spec.named_where}", where=module.display)
        functions = [(f"{spec.class_name}.{s.name.value}", s) for s in found[1].body.body if isinstance(s, cst.FunctionDef)]
    migrations = []
    for name, node in functions:
        for decorator in node.decorators:
            number = decorator_number(extractor, module, decorator.decorator, name, options)
            if number is not None:
                line = module.line_of(node)
                migrations.append(Migration(name, Location(module.display, line), (number,)))
                declared = extractor.options.declared.get(id(node), ())
                extractor.options.declared[id(node)] = declared + ((number,) if number not in declared else ())
    migrations.sort(key=lambda m: m.versions)
    return listing(module, spec.class_name or module.relpath, 1, migrations, extractor.modules.origin.label)


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
