"""``records``: ``UPGRADES = [(27, up_27), (28, up_28)]``, ``[Upgrade(version=28, function=up_28)]``,
``{27: [...], 28: [...]}``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.styles.common import declare_common_step, listing, number_in_name
from bundler.frontends.python.values import UNKNOWN, Value, dotted_name


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return records(extractor, spec, options)


def records(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    scope = extractor.resolver.scope(module)
    if not spec.class_name:
        raise SourceError("the records style needs file.py:NAME, the name of the list, tuple or dict",
                          where=module.display)
    expression = scope.constant(spec.class_name)
    if expression is None:
        raise SourceError(f"no single module-level assignment to {spec.class_name}", where=module.display)
    entries = list(record_entries(extractor, module, spec.class_name, expression, options))
    retired = tuple(number for number, _, node in entries if steps_of(node) == ())
    migrations = [Migration(name, Location(module.display, module.line_of(node)), (number,))
                  for number, name, node in entries if number not in retired]
    unlisted = declare_named_modules(extractor, module, entries)
    if extractor.registry is None and isinstance(expression, (cst.List, cst.Tuple)):
        # the registry's list (read first): an item that is SQL text applies its number where a path runs it
        extractor.resolver.step_texts[(module.relpath, spec.class_name)] = {
            index: (number,) for index, (number, _, _) in enumerate(entries) if number not in retired}
    line = module.line_of(expression)
    return replace(listing(module, spec.class_name, line, migrations, extractor.modules.origin.label, retired),
                   unlisted=unlisted)


def steps_of(entry: cst.CSTNode) -> tuple[cst.BaseElement, ...] | None:
    """An entry's list of steps (``[]`` for a retired number, ``["rename_x"]``), if it is one."""
    value = entry.value if isinstance(entry, (cst.Element, cst.DictElement)) else None
    return tuple(value.elements) if isinstance(value, (cst.List, cst.Tuple)) else None


def declare_named_modules(extractor: Extractor, module: ParsedModule,
                          entries: list[tuple[int, str, cst.CSTNode]]) -> tuple[Migration, ...]:
    """Entries that name modules of the listing's package (``["migrate_banners"]``): running
    the one function those modules all define applies the number of the entry naming it. A
    name with no module is no step (importing it raises). The package's other modules that
    define that function too are steps no entry names: they never run."""
    if not module.dotted:
        return ()
    package = module.dotted if module.relpath.endswith("__init__.py") else module.dotted.rpartition(".")[0]
    found, named = [], set()
    for number, _, node in entries:
        names = [e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else None for e in steps_of(node) or ()]
        if not all(isinstance(name, str) and name.isidentifier() for name in names):
            continue  # not a list of module names: (1, 2, "ALTER TABLE ..."), [up_27, up_28]
        named.update(names)  # type: ignore[arg-type]
        for name in names:
            step = extractor.modules.by_name(f"{package}.{name}") if package else None
            if step is not None:
                found.append((number, step))
    function = declare_common_step(extractor.resolver, extractor.options, found) if found else None
    if function is None:
        return ()
    return tuple(unnamed_steps(extractor, module, package, named, function))


def unnamed_steps(extractor: Extractor, module: ParsedModule, package: str, named: set[str],
                  function: str) -> Iterator[Migration]:
    """The modules beside the listing that define the step function but that no entry names."""
    folder = module.relpath.rpartition("/")[0]
    for file in sorted(extractor.modules.origin.list_folder(folder) or ()):
        name = file.removesuffix(".py")
        if file == name or name == "__init__" or name in named or not name.isidentifier():
            continue
        step = extractor.modules.by_name(f"{package}.{name}")
        node = extractor.resolver.scope(step).functions.get(function) if step is not None else None
        if node is not None:
            yield Migration(f"{name}.{function}", Location(step.display, step.line_of(node)), ())


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
    for index, element in enumerate(expression.elements):
        item = element.value
        number, function = record_parts(item, index, resolve, options)
        label = f"{name}: {function}" if function else f"{name}[{index}]"
        yield record_number(number, element, module, name, options), label, element


def record_parts(item: cst.BaseExpression, index: int, resolve: Callable[[cst.BaseExpression], Value],
                 options: StyleOptions) -> tuple[Value, str]:
    """A record's number (as configured) and the name of the function it holds, if any."""
    if isinstance(item, (cst.Tuple, cst.List)):
        elements = [e.value for e in item.elements]
        function = next((dotted_name(e) for e in elements if isinstance(e, (cst.Name, cst.Attribute))), "")
        carrier = elements[options.record_element] if options.record_element < len(elements) else None
        number = resolve(carrier) if carrier is not None else UNKNOWN
    elif isinstance(item, cst.Call):
        keyed = {a.keyword.value: a.value for a in item.args if a.keyword is not None}
        positional = [a.value for a in item.args if a.keyword is None]
        carrier = next((keyed[k] for k in options.record_keys if k in keyed), positional[0] if positional else None)
        number = resolve(carrier) if carrier is not None else UNKNOWN
        target = next((keyed[k] for k in ("function", "func", "upgrade", "migration") if k in keyed),
                      positional[1] if len(positional) > 1 else None)
        function = dotted_name(target) if target is not None else ""  # type: ignore[arg-type]
    else:  # a bare function: its name carries the number
        function = dotted_name(item) if isinstance(item, (cst.Name, cst.Attribute)) else ""
        number = number_in_name(function.rsplit(".", 1)[-1], options) if function else None
        number = UNKNOWN if number is None else number
    if options.record_number == "position":
        number = index + options.position_base
    elif options.record_number == "name":
        found = number_in_name(function.rsplit(".", 1)[-1], options) if function else None
        number = UNKNOWN if found is None else found
    return number, function


def record_number(value: object, node: cst.CSTNode, module: ParsedModule, name: str, options: StyleOptions) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise UnresolvableError(
        f"cannot resolve the number of a record in {name}: write it as a literal or a constant, list the keyword"
        f" that carries it in [tool.bundler.styles] record-keys (now {', '.join(options.record_keys)}), or set"
        " record-number to \"position\" or \"name\" (with name-pattern)",
        where=f"{module.display}:{module.line_of(node)}")
