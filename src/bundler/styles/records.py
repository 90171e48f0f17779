"""``records``: ``UPGRADES = [(27, up_27), (28, up_28)]``, ``[Upgrade(version=28, function=up_28)]``,
``{27: [...], 28: [...]}``."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.extract import Extractor
from bundler.ftypes import EntrySpec, Location, Migration, MigrationList
from bundler.sources import ParsedModule
from bundler.styles.common import listing
from bundler.values import UNKNOWN, dotted_name


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return records(extractor, spec, options)


def records(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    scope = extractor.resolver.scope(module)
    if not spec.class_name:
        raise SourceError("the records style needs file.py:NAME, the name of the list, tuple or dict",
                          where=module.display)
    expression = scope.constants.get(spec.class_name)
    if expression is None:
        raise SourceError(f"no single module-level assignment to {spec.class_name}", where=module.display)
    migrations = [Migration(name, Location(module.display, module.line_of(node)), (number,))
                  for number, name, node in record_entries(extractor, module, spec.class_name, expression, options)]
    line = module.line_of(expression)
    return listing(module, spec.class_name, line, migrations, extractor.modules.origin.label)


def record_entries(extractor: Extractor, module: ParsedModule, name: str, expression: cst.BaseExpression,
                   options: StyleOptions) -> Iterator[tuple[int, str, cst.CSTNode]]:
    resolve = lambda node: extractor.resolver.resolve(node, module, {})  # noqa: E731
    if isinstance(expression, cst.Dict):
        for entry in expression.elements:
            key = resolve(entry.key) if isinstance(entry, cst.DictElement) else UNKNOWN
            yield record_number(key, entry, module, name, options), f"{name}[{key}]", entry
        return
    if not isinstance(expression, (cst.List, cst.Tuple)):
        raise UnresolvableError(f"{name} is not a list, tuple or dict literal: describe it with another style",
                                where=f"{module.display}:{module.line_of(expression)}")
    for element in expression.elements:
        item = element.value
        if isinstance(item, (cst.Tuple, cst.List)) and item.elements:
            number = resolve(item.elements[0].value)
            function = dotted_name(item.elements[1].value) if len(item.elements) > 1 else ""  # type: ignore[arg-type]
        elif isinstance(item, cst.Call):
            keyed = {a.keyword.value: a.value for a in item.args if a.keyword is not None}
            positional = [a.value for a in item.args if a.keyword is None]
            carrier = next((keyed[k] for k in options.record_keys if k in keyed), positional[0] if positional else None)
            number = resolve(carrier) if carrier is not None else UNKNOWN
            target = next((keyed[k] for k in ("function", "func", "upgrade", "migration") if k in keyed),
                          positional[1] if len(positional) > 1 else None)
            function = dotted_name(target) if target is not None else ""  # type: ignore[arg-type]
        else:
            number, function = UNKNOWN, ""
        label = f"{name}: {function}" if function else f"{name}[{element_index(expression, element)}]"
        yield record_number(number, element, module, name, options), label, element


def element_index(container: cst.List | cst.Tuple, element: cst.BaseElement) -> int:
    return list(container.elements).index(element)


def record_number(value: object, node: cst.CSTNode, module: ParsedModule, name: str, options: StyleOptions) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise UnresolvableError(
        f"cannot resolve the number of a record in {name}: write it as a literal or a constant, or list the keyword"
        f" that carries it in [tool.bundler.styles] record-keys (now {', '.join(options.record_keys)})",
        where=f"{module.display}:{module.line_of(node)}")
