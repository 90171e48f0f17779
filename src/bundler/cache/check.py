"""``bundler check`` answered from a cache when nothing it depends on has changed.

A warm answer imports no parser: it loads the configuration, hashes the tool, checks every
recorded dependency (size and time, else content hash) and renders the stored result, so it
prints exactly what the cold run printed. A silent wrong verdict is the worst bug this tool can
have, so every doubt is a miss: an unreadable entry, a changed input, a run that changed its own
inputs while it read them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bundler.cache.entries import cache_folder, read_entry, write_entry
from bundler.cache.inputs import Dependencies, cache_key
from bundler.cache.results import encode, result_of
from bundler.config import COMMAND_LINE, Config
from bundler.model import CheckResult


def check_with_cache(config: Config, bundles: Sequence[Path] = (), *,
                     note: Callable[[str], None] = lambda line: None,
                     depended_on: Callable[[Dependencies], None] = lambda dependencies: None) -> CheckResult:
    """The stored result when every input is as it was; else a full check, stored for next time.
    ``depended_on`` is told what the result is a function of, when that is known (the replay
    keeps the output with it)."""
    if not read_through_the_journal(config):
        from bundler.check import run_check

        return run_check(config, bundles)
    folder = cache_folder(config.root)
    key = cache_key(config, list(bundles))
    stored = cached_result(folder, key)
    if stored is not None:
        depended_on(stored[1])
        note("check: answered from the cache (nothing it depends on changed; --no-cache checks again)")
        return stored[0]
    from bundler.check import run_check  # a miss: only now the parsers are imported

    dependencies = Dependencies()
    configured = [Path(config.source)] if config.source != COMMAND_LINE else []
    for path in (*configured, *bundles, *([config.baseline] if config.baseline else [])):
        dependencies.opened(Path(path))
    result = run_check(config, bundles, journal=dependencies)
    try:
        encoded = encode(result)
    except TypeError:
        return result
    if dependencies.still_hold():  # nothing changed while the check read it
        write_entry(folder, key, {"dependencies": dependencies.as_json(), "result": encoded})
        depended_on(dependencies)
    return result


# Entries another front end reads (TypeScript, JavaScript): until it tells the journal every file
# it reads, a check of them is not cached; a missed dependency would be a silent wrong verdict.
FOREIGN_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


def read_through_the_journal(config: Config) -> bool:
    specs = (config.runner, *config.stores, *config.fresh_stores, config.head, *config.records_nothing)
    return not any(spec.target.lower().endswith(FOREIGN_SUFFIXES) for spec in specs if spec is not None)


def cached_result(folder: Path, key: str) -> tuple[CheckResult, Dependencies] | None:
    """The stored result and what it depends on, when all of that still holds."""
    entry = read_entry(folder, key)
    if entry is None:
        return None
    try:
        dependencies = Dependencies.from_json(entry["dependencies"])
        if not dependencies.still_hold():
            return None
        return result_of(entry["result"]), dependencies
    except Exception:  # whatever is wrong with an entry (torn, foreign, of another version), it is a miss
        return None
