"""What every registry style shares: how a listing is made, and how a name carries a number."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from bundler.config import StyleOptions
from bundler.model import Location, Migration, MigrationList
from bundler.frontends.python.sources import ParsedModule
from bundler.frontends.python.walk import children


def listing(module: ParsedModule, name: str, line: int, migrations: list[Migration], origin: str) -> MigrationList:
    return MigrationList(name=name, location=Location(module.display, line), migrations=tuple(migrations), origin=origin)


def number_in_name(name: str, options: StyleOptions) -> int | None:
    match = re.search(options.name_pattern, name)
    return int(match.group(1)) if match and match.group(1).isdigit() else None


def walk_calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    if isinstance(node, cst.Call):
        yield node
    for child in children(node):
        yield from walk_calls(child)
