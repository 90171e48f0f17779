"""``modules``: one module per version (``upgrades/db28.py``). The registry is every module of a
folder whose file name carries a number; a path is the runner that imports them by a constructed
name, checked against the modules that exist (in the source or the bundle)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError, UnresolvableError
from bundler.frontends.python.extract import Extractor, location_of
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.styles.common import declare_common_step, walk_calls
from bundler.frontends.python.values import HOLE, NUMBER_HOLE, UNKNOWN, Template, collect_assignment, dotted_name
from bundler.frontends.python.walk import children


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    if spec.class_name:
        return imported_modules(extractor, spec, options)
    return version_modules(extractor, spec, options)


def version_modules(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """The registry: every module in a folder whose file name carries a number."""
    folder = spec.target.rstrip("/")
    names = extractor.modules.origin.list_folder(folder)
    if names is None:
        raise SourceError(f"folder not found{spec.named_where}", where=extractor.modules.origin.display(folder))
    migrations = []
    for name in sorted(names):
        match = re.search(options.module_pattern, name)
        if match and match.group(1).isdigit():
            migrations.append(Migration(name, Location(extractor.modules.origin.display(f"{folder}/{name}"), 1),
                                        (int(match.group(1)),)))
    migrations.sort(key=lambda m: m.versions)
    declare_steps(extractor, folder, migrations)
    return MigrationList(folder, Location(extractor.modules.origin.display(folder), 1), tuple(migrations),
                         extractor.modules.origin.label)


def declare_steps(extractor: Extractor, folder: str, migrations: list[Migration]) -> None:
    """The one function every version module defines (``do_upgrade``) is its step: running it
    applies the module's number, whatever SQL it runs. With no such single function, a path
    applies a module only as the style reads it (the import by a constructed name)."""
    modules = [(m.versions[0], extractor.modules.by_path(f"{folder}/{m.method}")) for m in migrations]
    if all(module is not None for _, module in modules):
        declare_common_step(extractor.resolver, extractor.options, modules)  # type: ignore[arg-type]


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


