"""Registry styles: the ways real projects register numbered migrations, one module each, all
behind one protocol: ``migration_list(extractor, spec, options) -> MigrationList``, for the
registry and for every path alike. A new style is one module here (and its name in
``config.STYLES``) with its fixtures under ``tests/fixtures/checker/``.

- ``methods`` (default): an entry method's calls, each migration recording its number;
- ``naming``: methods named like ``upgrade_version_28`` carry their number in the name;
- ``decorators``: ``@migration(28)``, or a bare registering decorator with the number in the name;
- ``records``: ``UPGRADES = [(27, up_27), (28, up_28)]``, ``[Upgrade(version=28, ...)]``, ``{27: [...]}``;
- ``modules``: one module per version (``upgrades/db28.py``), imported by a constructed name;
- ``version-chain``: ``if version < 28: ...`` blocks on the current version;
- ``subclasses``: ``class AddTags(Upgrade, version=2)``, registered by ``__init_subclass__``.
"""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from bundler.config import StyleOptions
from bundler.errors import SourceError
from bundler.frontends.python.extract import Extractor
from bundler.frontends.python.styles.common import walk_calls
from bundler.frontends.python.values import dotted_name
from bundler.model import EntrySpec, MigrationList
from bundler.frontends.python.styles import decorators, methods, modules, naming, records, subclasses, version_chain


class Style(Protocol):
    def migration_list(self, extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList: ...


STYLES: dict[str, Style] = {
    "methods": methods, "naming": naming, "decorators": decorators, "records": records, "modules": modules,
    "version-chain": version_chain, "subclasses": subclasses,
}


def written_in_style(extractor: Extractor, spec: EntrySpec, style: str) -> bool:
    """Whether a path function is itself written in the style's shape (a copy of the chain with
    blocks of its own, a runner importing version modules by a built name): then the style reads it."""
    entry = extractor.entry_function(spec)
    if entry is None:
        return True
    if calls_the_registry(extractor, entry.node):
        return False  # it runs the registry's own code: what it applies is what running it applies
    if style == "version-chain":
        return next(version_chain.chain_ifs(entry.node, extractor, entry.module), None) is not None
    if style == "modules":
        return modules.import_template(entry.node, extractor, entry.module) is not None
    return False


def calls_the_registry(extractor: Extractor, node: cst.CSTNode) -> bool:
    """Whether a function calls something named as the registry's entry (``self._upgrade()``)."""
    registry = extractor.options.registry_entry
    name = registry.node.name.value if registry is not None else None
    return name is not None and any(dotted_name(call.func).rsplit(".", 1)[-1] == name for call in walk_calls(node))


def migration_list(extractor: Extractor, spec: EntrySpec, style: str, options: StyleOptions) -> MigrationList:
    """The registry's, or a path's, migrations as the configured style reads them."""
    if style not in STYLES:
        raise SourceError(f"unknown style {style!r}", where=str(spec))
    return STYLES[style].migration_list(extractor, spec, options)
