"""``naming``: methods named like ``upgrade_version_28`` carry their number in the name. The
registry is every such method of a class; a path is what an entry method applies (read by the
interpreter, which records the number in each applied method's name)."""

from __future__ import annotations

from dataclasses import replace

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, Location, Migration, MigrationList
from bundler.frontends.python.styles import records
from bundler.frontends.python.styles.common import listing, number_in_name


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """``file.py:Class.method`` or ``file.py:function``: what that entry applies; ``file.py:Class``:
    every method of the class whose name carries a number; ``file.py``: every such module-level
    function; ``file.py:LIST``: the functions a list names (``[migrate_1to2, migrate_2to3]``)."""
    if spec.method:
        return extractor.migration_list(spec)
    if not spec.class_name:
        return named_functions(extractor, spec, options)
    module = extractor.module_for(spec)
    scope = extractor.resolver.scope(module)
    if spec.class_name in scope.functions:
        return extractor.migration_list(spec)
    if spec.class_name in scope.constants:
        listed = records.migration_list(extractor, spec, replace(options, record_number="name"))
        return replace(listed, missing_advice=f"add the function to {spec.class_name}")
    return named_methods(extractor, spec, options)


def named_functions(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """Every module-level function of the file (or of every module of the folder) whose name
    carries a number: what the project defines."""
    folder = spec.target.rstrip("/")
    names = None if folder.endswith(".py") else extractor.modules.origin.list_folder(folder)
    files = [f"{folder}/{n}" for n in names if n.endswith(".py")] if names is not None else [spec.target]
    migrations = []
    for path in files:
        module = extractor.module_for(EntrySpec(path))
        for name in extractor.resolver.scope(module).functions:
            number = number_in_name(name, options)
            if number is not None:
                migrations.append(Migration(name, Location(module.display, module.line_of_definition(name)),
                                            (number,)))
    migrations.sort(key=lambda m: m.versions)
    return MigrationList(folder, Location(extractor.modules.origin.display(files[0] if names is None else folder), 1),
                         tuple(migrations), extractor.modules.origin.label)


def named_methods(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    """Every method of the class whose name carries a number: what the class defines."""
    module = extractor.module_for(spec)
    found = extractor.find_class(module, spec.class_name) if spec.class_name else None
    if found is None:
        raise SourceError(f"class {spec.class_name or '(none given)'} not found{spec.named_where}", where=module.display)
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
