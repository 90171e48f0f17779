"""What every registry style shares: how a listing is made, how a name carries a number, and
how a module's step function declares its number."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.model import Location, Migration, MigrationList
from bundler.frontends.python.interpret.machine import Options
from bundler.frontends.python.values import Resolver
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.walk import children


def listing(module: ParsedModule, name: str, line: int, migrations: list[Migration], origin: str,
            retired: tuple[int, ...] = ()) -> MigrationList:
    return MigrationList(name=name, location=Location(module.display, line), migrations=tuple(migrations), origin=origin,
                         retired=retired)


def number_in_name(name: str, options: StyleOptions) -> int | None:
    match = re.search(options.name_pattern, name)
    return int(match.group(1)) if match and match.group(1).isdigit() else None


def walk_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    if isinstance(node, cst.Call):
        yield node
    for child in children(node):
        yield from walk_calls(child)


def declare_common_step(resolver: Resolver, options: Options, modules: list[tuple[int, ParsedModule]]) -> str | None:
    """Running the one function every step module defines applies that module's number; that
    function's name, if there is one."""
    functions = [(number, resolver.scope(module).functions) for number, module in modules]
    common = set.intersection(*(set(found) for _, found in functions)) if functions else set()
    if len(common) != 1:
        return None
    step = common.pop()
    for number, found in functions:
        declared = options.declared.get(id(found[step]), ())
        options.declared[id(found[step])] = declared + ((number,) if number not in declared else ())
    return step
