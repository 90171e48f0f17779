"""``version-chain``: ``if version < 28: ...`` blocks on the current version (``PRAGMA user_version``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError
from bundler.extract import Extractor
from bundler.ftypes import EntrySpec, Location, Migration, MigrationList
from bundler.sources import ParsedModule
from bundler.styles.common import listing, walk_calls
from bundler.walk import children


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return version_chain(extractor, spec)


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
