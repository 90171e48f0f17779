"""Front ends: one per language, each turning source into the same model (``bundler.model``).
Verification, suppressions, outputs and the packager never know which language they read.

The protocol is the configured entries' file suffix: it says which front end reads them, and
every front end answers the same question, "what does the registry record, and what does each
path apply?", as a ``MigrationList`` per entry (``bundler.check.run_check`` dispatches)."""

from __future__ import annotations

from collections.abc import Iterable

from bundler.errors import ConfigError
from bundler.model import EntrySpec

PYTHON = "python"
TYPESCRIPT = "typescript"
# TypeScript and JavaScript share one front end: TypeScript's grammar is a superset of JavaScript's.
TYPESCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".cjs", ".mjs", ".jsx")


def language_of(spec: EntrySpec) -> str:
    return TYPESCRIPT if spec.target.endswith(TYPESCRIPT_SUFFIXES) else PYTHON


def language_of_entries(entries: Iterable[EntrySpec]) -> str:
    """The one language every configured entry is written in (a check reads one code base)."""
    found = {spec: language_of(spec) for spec in entries}
    languages = set(found.values())
    if len(languages) > 1:
        listed = ", ".join(f"{spec} ({language})" for spec, language in found.items())
        raise ConfigError(f"the runner and the stores must be written in one language: {listed}")
    return languages.pop() if languages else PYTHON
