"""Registry styles: the ways real projects register numbered migrations, each one extractor
behind the same model (a ``MigrationList`` per registry and per path).

- ``methods`` (default): an entry method's calls, each migration recording its number (extract.py);
- ``naming``: methods named like ``upgrade_version_28`` carry their number in the name; the
  registry is every such method of a class, a path is what an entry method calls;
- ``decorators``: ``@migration(28)``, or a bare registering decorator with the number in the name;
- ``records``: ``UPGRADES = [(27, up_27), (28, up_28)]``, ``[Upgrade(version=28, function=up_28)]``,
  ``{27: [...], 28: [...]}``;
- ``modules``: one module per version (``upgrades/db28.py``); a path is the runner that imports
  them by a constructed name, checked against the modules that exist (in the source or the bundle);
- ``version-chain``: ``if version < 28: ...`` blocks on the current version (``PRAGMA user_version``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.extract import Extractor, location_of
from bundler.walk import children
from bundler.ftypes import EntrySpec, Location, Migration, MigrationList
from bundler.sources import ParsedModule
from bundler.values import HOLE, NUMBER_HOLE, UNKNOWN, Template, collect_assignment, dotted_name


def migration_list(extractor: Extractor, spec: EntrySpec, style: str, options: StyleOptions) -> MigrationList:
    if style in ("methods", "naming") and spec.method:
        return extractor.migration_list(spec)
    if style == "naming":
        return named_methods(extractor, spec, options)
    if style == "decorators":
        return decorated(extractor, spec, options)
    if style == "records":
        return records(extractor, spec, options)
    if style == "modules":
        return version_modules(extractor, spec, options) if not spec.class_name else imported_modules(extractor, spec, options)
    if style == "version-chain":
        return version_chain(extractor, spec)
    raise SourceError(f"style {style!r} needs an entry of the form file.py:Class.method", where=str(spec))


def listing(module: ParsedModule, name: str, line: int, migrations: list[Migration], origin: str) -> MigrationList:
    return MigrationList(name=name, location=Location(module.display, line), migrations=tuple(migrations), origin=origin)


def number_in_name(name: str, options: StyleOptions) -> int | None:
    match = re.search(options.name_pattern, name)
    return int(match.group(1)) if match and match.group(1).isdigit() else None


# --- naming -------------------------------------------------------------------------------


def named_methods(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """Every method of the class whose name carries a number: what the class defines."""
    module = extractor.module_for(spec)
    found = extractor.find_class(module, spec.class_name) if spec.class_name else None
    if found is None:
        raise SourceError(f"class {spec.class_name or '(none given)'} not found", where=module.display)
    class_module, class_def = found
    migrations = []
    for statement in class_def.body.body:
        if isinstance(statement, cst.FunctionDef) and (number := number_in_name(statement.name.value, options)) is not None:
            line = class_module.line_of_definition(spec.class_name, statement.name.value)
            migrations.append(Migration(f"{spec.class_name}.{statement.name.value}",
                                        Location(class_module.display, line), (number,)))
    migrations.sort(key=lambda m: m.versions)
    return listing(class_module, spec.class_name, class_module.line_of_definition(spec.class_name), migrations,
                   extractor.modules.origin.label)


# --- decorators ---------------------------------------------------------------------------


def decorated(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    module = extractor.module_for(spec)
    scope = extractor.resolver.scope(module)
    functions: list[tuple[str, cst.FunctionDef]] = [(name, node) for name, node in scope.functions.items()]
    if spec.class_name:
        found = extractor.find_class(module, spec.class_name)
        if found is None:
            raise SourceError(f"class {spec.class_name} not found", where=module.display)
        functions = [(f"{spec.class_name}.{s.name.value}", s) for s in found[1].body.body if isinstance(s, cst.FunctionDef)]
    migrations = []
    for name, node in functions:
        for decorator in node.decorators:
            number = decorator_number(extractor, module, decorator.decorator, name, options)
            if number is not None:
                line = module.line_of(node)
                migrations.append(Migration(name, Location(module.display, line), (number,)))
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


# --- records ------------------------------------------------------------------------------


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


# --- one module per version ---------------------------------------------------------------


def version_modules(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """The registry: every module in a folder whose file name carries a number."""
    folder = spec.target.rstrip("/")
    names = extractor.modules.origin.list_folder(folder)
    if names is None:
        raise SourceError("folder not found", where=extractor.modules.origin.display(folder))
    migrations = []
    for name in sorted(names):
        match = re.search(options.module_pattern, name)
        if match and match.group(1).isdigit():
            migrations.append(Migration(name, Location(extractor.modules.origin.display(f"{folder}/{name}"), 1),
                                        (int(match.group(1)),)))
    migrations.sort(key=lambda m: m.versions)
    return MigrationList(folder, Location(extractor.modules.origin.display(folder), 1), tuple(migrations),
                         extractor.modules.origin.label)


def imported_modules(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """A path: the versions whose module the runner's constructed name finds (source or bundle)."""
    entry = extractor.find_entry(spec) if spec.method else None
    module = extractor.module_for(spec)
    node = entry.node if entry else module.tree
    template = import_template(node, extractor, module)
    if template is None:
        raise UnresolvableError(
            "finds no import of a constructed module name (importlib.import_module(f\"...{version}\"));"
            " set [tool.bundler.styles] module-pattern and name the runner that imports the version modules",
            where=module.display)
    registry = extractor.registry
    candidates = registry.applied() if registry is not None else []
    migrations = []
    for version in candidates:
        dotted = template.replace(HOLE, str(version))
        found = extractor.modules.by_name(dotted)
        if found is not None:
            migrations.append(Migration(dotted, Location(found.display, 1), (version,)))
    name = entry.name if entry else spec.class_name
    line = location_of(entry).line if entry else 1
    pattern = template.replace(HOLE, "{version}")
    advice = f"it imports {pattern}, which does not exist: give version {{version}}'s module that name"
    return MigrationList(name, Location(module.display, line), tuple(migrations), extractor.modules.origin.label, advice)


IMPORTERS = {"import_module", "__import__"}


def import_template(node: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> str | None:
    """``import_module(f"app.upgrades.db{version}")`` → ``app.upgrades.db\x00``; also
    ``__import__("app.upgrades", globals(), locals(), ["db%i" % i])``, the name built in a local."""
    local_names = template_locals(node, extractor, module)
    resolve = lambda expression: extractor.resolver.resolve(expression, module, local_names)  # noqa: E731
    for call in walk_calls(node):
        if dotted_name(call.func).split(".")[-1] not in IMPORTERS or not call.args:  # type: ignore[arg-type]
            continue
        value = resolve(call.args[0].value)
        if isinstance(value, str) and len(call.args) >= 4:  # __import__(package, g, l, [name])
            fromlist = resolve(call.args[3].value)
            item = fromlist[0] if isinstance(fromlist, tuple) and len(fromlist) == 1 else None
            if isinstance(item, Template):
                value = Template(f"{value}.{item.text}")
        text = value.text if isinstance(value, Template) else None
        text = text.replace(NUMBER_HOLE, HOLE) if text is not None else None
        if text is not None and text.count(HOLE) == 1:
            return text
    return None


def template_locals(node: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> dict:
    """The locals a runner assigns once (``name = "db%i" % i``), with loop variables unknown."""
    assignments: dict = {}
    for inner in walk_calls_and_assignments(node):
        collect_assignment(inner, assignments)
    env: dict = {}
    for name, expression in assignments.items():
        env[name] = UNKNOWN if expression is None else extractor.resolver.resolve(expression, module, env)
    return env


def walk_calls_and_assignments(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    if isinstance(node, (cst.Assign, cst.AnnAssign)):
        yield node
    for child in children(node):
        yield from walk_calls_and_assignments(child)


def walk_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    if isinstance(node, cst.Call):
        yield node
    for child in children(node):
        yield from walk_calls(child)


# --- version chains -----------------------------------------------------------------------


CHAIN = ("<", "<=", "==")


def version_chain(extractor: Extractor, spec: EntrySpec) -> MigrationList:
    """Each ``if version < N:`` block of the entry (a function, or Class.method) is migration N;
    a ``PRAGMA user_version = M`` inside the block says M instead."""
    module = extractor.module_for(spec)
    if spec.method:
        entry = extractor.find_entry(spec).node
    else:
        entry = extractor.resolver.scope(module).functions.get(spec.class_name)  # type: ignore[assignment]
        if entry is None:
            raise SourceError(f"function {spec.class_name} not found", where=module.display)
    name = str(spec).split(":", 1)[1]
    migrations = [Migration(f"{name}: if ... {operator} {bound}", Location(module.display, module.line_of(block)),
                            (number,))
                  for block, operator, bound, number in chain_blocks(entry, extractor, module)]
    return listing(module, name, module.line_of(entry), migrations, extractor.modules.origin.label)


def chain_blocks(entry: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> Iterator[tuple[cst.If, str, int, int]]:
    for node in walk_ifs(entry):
        test = node.test
        if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1):
            continue
        comparison = test.comparisons[0]
        operator = {cst.LessThan: "<", cst.LessThanEqual: "<=", cst.Equal: "=="}.get(type(comparison.operator))
        bound = extractor.resolver.resolve(comparison.comparator, module, {})
        if operator is None or not isinstance(bound, int):
            continue
        stamped = stamp_in(node.body, extractor, module)
        yield node, operator, bound, stamped if stamped is not None else (bound if operator == "<" else bound + 1)


def walk_ifs(node: cst.CSTNode) -> Iterator[cst.If]:
    if isinstance(node, cst.If):
        yield node
    for child in children(node):
        if not isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            yield from walk_ifs(child)


USER_VERSION = re.compile(r"PRAGMA\s+user_version\s*=\s*(\d+)", re.IGNORECASE)


def stamp_in(block: cst.CSTNode, extractor: Extractor, module: ParsedModule) -> int | None:
    for call in walk_calls(block):
        if call.args:
            value = extractor.resolver.resolve(call.args[0].value, module, {})
            match = USER_VERSION.search(value) if isinstance(value, str) else None
            if match:
                return int(match.group(1))
    return None
