"""From migration lists to findings: what a path lacks, adds, repeats, renumbers or reorders.

Mirrors are matched by number, never by name; names are used only to spot one migration
carrying different numbers in the registry and in a path (the 24/25 clash).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from bundler.ftypes import Code, DEFAULT_SEVERITY, Finding, Migration, MigrationList, Severity


def short_name(migration: Migration) -> str:
    """The method's own name: mirrors live in other classes, so the class is not compared."""
    return migration.method.split(" ")[0].rsplit(".", 1)[-1]


def verify(
    registry: MigrationList,
    paths: list[MigrationList],
    severity: Mapping[Code, Severity] = DEFAULT_SEVERITY,
) -> list[Finding]:
    findings: list[Finding] = []
    findings += duplicates(registry, registry)
    for path in paths:
        findings += list(duplicates(path, registry))
        findings += list(compare(registry, path))
    return apply_severity(findings, severity)


def apply_severity(findings: list[Finding], severity: Mapping[Code, Severity]) -> list[Finding]:
    """Each finding at its configured severity; codes switched off are dropped."""
    result = []
    for finding in findings:
        level = severity.get(finding.code, DEFAULT_SEVERITY[finding.code])
        if level is not Severity.OFF:
            result.append(replace(finding, severity=level))
    return result


def duplicates(listing: MigrationList, registry: MigrationList) -> list[Finding]:
    found = []
    for version in listing.applied():
        recorders = {m.method: m for m in listing.recorders(version)}
        if len(recorders) > 1:
            first, second = list(recorders.values())[:2]
            found.append(Finding(
                Code.DUPLICATE_VERSION, Severity.ERROR,
                f"{listing.name} records version {version} in two migrations: {first.method} ({first.location})"
                f" and {second.method} ({second.location}); give one of them its own number",
                second.location, version, None if listing is registry else listing.name,
            ))
    return found


@dataclass(frozen=True)
class Conflict:
    """A mirror whose name matches a registry migration but whose numbers differ."""

    finding: Finding
    registry_version: int
    mirror: Migration


def compare(registry: MigrationList, path: MigrationList) -> Iterator[Finding]:
    registered = registry.applied()
    applied = path.applied()
    conflicts = list(version_conflicts(registry, path))
    mirrors = {c.mirror for c in conflicts}
    renumbered = {c.registry_version for c in conflicts}
    # Numbers the path records only through misnumbered mirrors mean another migration there.
    taken = {v for c in conflicts for v in c.mirror.versions if set(path.recorders(v)) <= mirrors}
    yield from (c.finding for c in conflicts)
    for version in registered:
        if version in applied and version not in taken:
            continue
        if version in renumbered and version not in applied:
            continue  # reported as a version-conflict already
        yield missing(registry, path, version, taken_by=path.recorders(version)[0] if version in taken else None)
    for version in applied:
        if version not in registered and version not in taken:
            migration = path.recorders(version)[0]
            yield Finding(
                Code.UNKNOWN_VERSION, Severity.ERROR,
                f"{migration.method} ({migration.location}) records version {version}, which the registry"
                f" {registry.name} ({registry.location}) does not have; register it or fix the number",
                migration.location, version, path.name,
            )
    yield from out_of_order(registry, path)


def version_conflicts(registry: MigrationList, path: MigrationList) -> Iterator[Conflict]:
    by_name = {short_name(m): m for m in registry.migrations}
    for migration in path.migrations:
        original = by_name.get(short_name(migration))
        if original is None or set(original.versions) == set(migration.versions):
            continue
        for version in original.versions:
            if version in migration.versions:
                continue
            finding = Finding(
                Code.VERSION_CONFLICT, Severity.ERROR,
                f"{migration.method} ({migration.location}) records {_numbers(migration.versions)} but the"
                f" registry's {original.method} ({original.location}) records it as {version};"
                f" renumber the mirror to {version}",
                migration.location, version, path.name,
            )
            yield Conflict(finding, version, migration)


def _numbers(versions: tuple[int, ...]) -> str:
    return ", ".join(map(str, versions))


def missing(registry: MigrationList, path: MigrationList, version: int, taken_by: Migration | None) -> Finding:
    origin = registry.recorders(version)[0]
    order = registry.applied()
    applied = set(path.applied())
    before = next((v for v in reversed(order[: order.index(version)]) if v in applied), None)
    after = next((v for v in order[order.index(version) + 1:] if v in applied), None)
    if before is not None and after is not None:
        advice = f"add a mirror between the calls for {before} and {after}"
    elif before is not None:
        advice = f"add a mirror after the call for {before}"
    elif after is not None:
        advice = f"add a mirror before the call for {after}"
    else:
        advice = "add a mirror of it"
    if path.missing_advice is not None:
        advice = path.missing_advice.format(version=version)
    if path.unfollowed:
        advice += (f"; if the loop item called at {', '.join(map(str, path.unfollowed))} applies it, list the"
                   " loop's items as a tuple or list literal (or a constant naming one): the checker cannot read them")
    where = f" ({path.origin})" if path.origin != "source" else ""
    message = (
        f"{path.name} ({path.location}){where} never applies version {version}; the registry applies it in"
        f" {origin.method} ({origin.location}): {advice}"
    )
    if taken_by is not None:
        message = (
            f"{path.name} ({path.location}) records version {version} only through {taken_by.method}"
            f" ({taken_by.location}), a different migration; the registry applies {version} in"
            f" {origin.method} ({origin.location}): {advice}"
        )
    return Finding(Code.MISSING_MIGRATION, Severity.ERROR, message, path.location, version, path.name)


def out_of_order(registry: MigrationList, path: MigrationList) -> Iterator[Finding]:
    """Versions outside the longest run that keeps the registry's relative order."""
    rank = {v: i for i, v in enumerate(registry.applied())}
    sequence = [v for v in path.applied() if v in rank]
    keep = set(longest_increasing(sequence, rank))
    for index, version in enumerate(sequence):
        if version in keep:
            continue
        later = next((w for w in sequence[index + 1:] if rank[w] < rank[version]), None)
        earlier = next((w for w in reversed(sequence[:index]) if rank[w] > rank[version]), None)
        if later is not None:
            relation = f"before {later}, but the registry applies {later} first"
        else:
            relation = f"after {earlier}, but the registry applies {version} first"
        migration = path.recorders(version)[0]
        yield Finding(
            Code.OUT_OF_ORDER, Severity.WARNING,
            f"{path.name} applies version {version} ({migration.method}) {relation};"
            f" reorder the calls to match {registry.name} ({registry.location})",
            migration.location, version, path.name,
        )


def longest_increasing(sequence: list[int], rank: dict[int, int]) -> list[int]:
    """Patience sorting: O(n log n), so a 500-migration store stays linear-ish."""
    tails: list[int] = []
    tails_index: list[int] = []
    parents = [-1] * len(sequence)
    for i, version in enumerate(sequence):
        position = bisect.bisect_left(tails, rank[version])
        if position == len(tails):
            tails.append(rank[version])
            tails_index.append(i)
        else:
            tails[position] = rank[version]
            tails_index[position] = i
        parents[i] = tails_index[position - 1] if position else -1
    result: list[int] = []
    i = tails_index[-1] if tails_index else -1
    while i != -1:
        result.append(sequence[i])
        i = parents[i]
    return result[::-1]
