"""What a fresh-schema path applies (``fresh-stores``): code that creates the latest schema on a
new database at once and stamps its number, whatever language it is written in."""

from __future__ import annotations

from dataclasses import replace

from bundler.model import Location, Migration, MigrationList


def fresh_migration(name: str, location: Location, stamped: list[int], registry: MigrationList) -> Migration | None:
    """A fresh-schema path's one migration: every registered number up to its stamp, and the
    stamp; None when it stamps nothing (it applies nothing)."""
    if not stamped:
        return None
    stamp = max(stamped)
    versions = tuple(sorted({v for v in registry.applied() if v <= stamp} | {stamp}))
    return Migration(f"{name} (fresh schema, stamps {stamp})", location, versions, fresh=True)


def fresh_schema(listing: MigrationList, registry: MigrationList) -> MigrationList:
    """A path that creates the latest schema at once and stamps its number applies every
    registered number up to the stamp (and the stamp itself, registered or not); one that
    stamps nothing applies nothing."""
    migration = fresh_migration(listing.name, listing.location, listing.applied(), registry)
    if migration is None:
        return replace(listing, migrations=(), missing_advice="it stamps no version: stamp the latest one there")
    return replace(listing, migrations=(migration,), missing_advice=(
        f"it stamps {max(migration.versions)}: create the schema of {{version}} there and stamp it"))
