"""``methods`` (the default): an entry method's calls, each migration recording its number; the
registry and every path are read by the interpreter (extract.py)."""

from __future__ import annotations

from bundler.config import StyleOptions
from bundler.frontends.python.extract import Extractor
from bundler.model import EntrySpec, MigrationList


def migration_list(extractor: Extractor, spec: EntrySpec, options: StyleOptions) -> MigrationList:
    return extractor.migration_list(spec)
