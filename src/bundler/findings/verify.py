"""From migration lists to findings: what a path lacks, adds, repeats, renumbers or reorders.

Mirrors are matched by number, never by name: what is missing or unknown is exactly what running
the registry and the path would leave different in the version table. Names are used only to
add information: one migration carrying different numbers in the registry and in a path (the
24/25 clash).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace

from bundler.model import Code, DEFAULT_SEVERITY, Finding, Head, Migration, MigrationList, Severity


def short_name(migration: Migration) -> str:
    """The method's own name: mirrors live in other classes, so the class is not compared."""
    return short(migration.method)


def short(method: str) -> str:
    return method.split(" ")[0].rsplit(".", 1)[-1]


def verify(
    registry: MigrationList,
    paths: list[MigrationList],
    severity: Mapping[Code, Severity] = DEFAULT_SEVERITY,
    head: Head | None = None,
    base: int | None = None,
) -> list[Finding]:
    findings: list[Finding] = []
    if head is not None:
        findings += head_findings(registry, head, base)
    findings += in_every_run(registry, lambda run: duplicates(run, registry, on_path=False))
    findings += unlisted(registry) + unrecorded(registry)
    for path in paths:
        findings += in_every_run(path, lambda run: duplicates(run, registry))
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


def head_findings(registry: MigrationList, head: Head, base: int | None) -> list[Finding]:
    """Below a declared head every number from the base up has a step (or is retired); none lies beyond it."""
    registered = registry.applied()
    where = f" ({registry.origin})" if registry.origin != "source" else ""
    start = base if base is not None else min(registered, default=head.value)
    found = []
    for version in range(start, head.value + 1):
        if version not in registered and version not in registry.retired:
            found.append(Finding(
                Code.MISSING_MIGRATION, Severity.ERROR,
                f"the declared head {head.name} is {head.value}, but no step of {registry.name}{where} records"
                f" version {version}: add the step for {version}, or lower the head",
                head.location, version, None,
            ))
    for version in registered:
        if version > head.value:
            step = registry.recorders(version)[0]
            found.append(Finding(
                Code.UNKNOWN_VERSION, Severity.ERROR,
                f"{step.method} ({step.location}){where} records version {version}, beyond the declared head"
                f" {head.name} = {head.value} ({head.location}): raise the head to {max(registered)}, or drop the step",
                step.location, version, None,
            ))
    return found


def unlisted(registry: MigrationList) -> list[Finding]:
    """A step written beside the listed ones that the listing never names never runs; it has no
    number to be missing, so it is a finding of its own."""
    listed = max(registry.applied() + list(registry.retired), default=0)
    return [Finding(
        Code.UNLISTED_STEP, Severity.ERROR,
        f"{step.method} ({step.location}) is written like the steps {registry.name} ({registry.location}) lists,"
        f" but no item of it names the module: it never runs; list it (as {listed + 1}, raising the head), or delete it",
        step.location, None, None,
    ) for step in registry.unlisted]


def unrecorded(registry: MigrationList) -> list[Finding]:
    """A step whose code records neither its number nor a later one: running the registry never
    records that number, so no path that runs it applies it."""
    found = []
    for step in registry.unrecorded:
        version = step.versions[0]
        found.append(Finding(
            Code.MISSING_MIGRATION, Severity.ERROR,
            f"{registry.name}'s step for {version}, {step.method} ({step.location}), records nothing, and nothing"
            f" after it in {registry.name} records {version} or later, as its other steps do: a database it"
            f" upgrades still says {version - 1} after it; record {version} at the end of the step",
            step.location, version, None,
        ))
    return found


MAX_RUNS = 64  # beyond this many different runs, a listing is taken as one run


def exclusive(first: tuple, second: tuple) -> bool:
    """Two places that no one run reaches both: they part at one choice, on different branches."""
    for a, b in zip(first, second):
        if a != b:
            return a[0] == b[0] == "branch" and a[1] == b[1]
    return False


def runs(listing: MigrationList) -> list[MigrationList]:
    """The listing as the runs that can happen: its migrations split where they sit on different
    branches of one choice (a fresh path's stamp in ``if new:``, the chain in ``else:``); each
    run keeps every migration that can happen with the others, in order."""
    if not any(m.branch for m in listing.migrations):
        return [listing]
    groups: list[list[Migration]] = [[]]
    for migration in listing.migrations:
        grown: list[list[Migration]] = []
        for group in groups:
            compatible = [m for m in group if not exclusive(m.branch, migration.branch)]
            if len(compatible) == len(group):
                grown.append([*group, migration])
            else:
                grown += [group, [*compatible, migration]]
        sets = [frozenset(map(id, group)) for group in grown]
        groups = [group for index, (group, members) in enumerate(zip(grown, sets))
                  if not any(members < other or (members == other and later < index)
                             for later, other in enumerate(sets) if later != index)]
        if len(groups) > MAX_RUNS:
            return [listing]
    return [replace(listing, migrations=tuple(group)) for group in groups]


def in_every_run(listing: MigrationList, findings_of: Callable[[MigrationList], Iterable[Finding]]) -> list[Finding]:
    """Findings of each run the listing can take, each once."""
    found: dict[tuple, Finding] = {}
    for run in runs(listing):
        for finding in findings_of(run):
            found.setdefault((finding.code, finding.version, finding.message), finding)
    return list(found.values())


def duplicates(listing: MigrationList, registry: MigrationList, on_path: bool = True) -> list[Finding]:
    found = []
    for version in listing.applied():
        # by definition: two functions of one name in two modules are two migrations
        steps = [m for m in listing.recorders(version) if not m.fresh]
        if any(m.declared for m in steps):  # the step records nothing itself: the path's own record is its stamp
            steps = [m for m in steps if m.declared or not m.method.endswith(" (inline)")]
        recorders = {m.identity: m for m in steps}
        if len(recorders) > 1:
            first, second = list(recorders.values())[:2]
            found.append(Finding(
                Code.DUPLICATE_VERSION, Severity.ERROR,
                f"{listing.name} records version {version} in two migrations: {first.method} ({first.location})"
                f" and {second.method} ({second.location}); give one of them its own number",
                second.location, version, listing.name if on_path else None,
            ))
    return found


def compare(registry: MigrationList, path: MigrationList) -> Iterator[Finding]:
    """By number, as execution decides: a registered number the path never records is missing,
    a number the path records that the registry does not is unknown. Names only add
    information (version-conflict); they never change these two sets."""
    registered = registry.applied()
    applied = path.applied()
    yield from version_conflicts(registry, path)
    recorded = set(applied)
    for version in registered:
        if version not in recorded:
            yield missing(registry, path, version)
    known = set(registered)
    for version in applied:
        if version not in known:
            migration = path.recorders(version)[0]
            yield Finding(
                Code.UNKNOWN_VERSION, Severity.ERROR,
                f"{migration.method} ({migration.location}) records version {version}, which the registry"
                f" {registry.name} ({registry.location}) does not have; register it or fix the number",
                migration.location, version, path.name,
            )
    yield from in_every_run(path, lambda run: out_of_order(registry, run))


def named_migrations(listing: MigrationList, registry: MigrationList | None = None,
                     known: Mapping[str, object] | None = None) -> dict[str, tuple[Migration, list[int]]]:
    """Each named migration's first occurrence and every number recorded under its name (with
    ``known``, the first of its names, its own or one it wraps, found there). Inline records and
    recording helpers are not named migrations, nor, in a path, the registry's own migrations
    that it runs (by delegation): those cannot disagree with themselves."""
    named: dict[str, tuple[Migration, list[int]]] = {}
    own = set(registry.migrations) if registry is not None else set()
    for migration in listing.migrations:
        if " (" in migration.method or migration in own:
            continue
        names = [short_name(migration), *map(short, migration.aliases)]
        name = next((n for n in names if n in known), None) if known is not None else names[0]
        if name is None:
            continue
        first, numbers = named.setdefault(name, (migration, []))
        numbers += [v for v in migration.versions if v not in numbers]
    return named


def version_conflicts(registry: MigrationList, path: MigrationList) -> Iterator[Finding]:
    """A path migration named like a registry migration (by its own name or a name it wraps)
    that records other numbers: one finding per name, with advice that holds for methods
    recording several numbers."""
    registered = named_migrations(registry)
    for original, numbers in list(registered.values()):
        for alias in original.aliases:
            registered.setdefault(short(alias), (original, numbers))
    for name, (mirror, mirrored) in named_migrations(path, registry, registered).items():
        original, expected = registered[name]
        if set(mirrored) == set(expected):
            continue
        lacking = [v for v in expected if v not in mirrored]
        extra = [v for v in mirrored if v not in expected]
        if lacking and extra:
            advice = f"record {_numbers(lacking)} there instead of {_numbers(extra)}"
        elif lacking:
            advice = f"record {_numbers(lacking)} there too"
        else:
            advice = f"record only {_numbers(expected)} there, or {_numbers(extra)} in the registry's too"
        elsewhere = [f"{v} is {registry.recorders(v)[0].method}'s number" for v in extra if registry.recorders(v)]
        if elsewhere:
            advice += f" ({'; '.join(elsewhere)})"
        yield Finding(
            Code.VERSION_CONFLICT, Severity.ERROR,
            f"{mirror.method} ({mirror.location}) records {_numbers(mirrored)}; the registry's {original.method}"
            f" ({original.location}) records {_numbers(expected)}: {advice}",
            mirror.location, (lacking or extra)[0], path.name,
        )


def _numbers(versions: list[int] | tuple[int, ...]) -> str:
    listed = [str(v) for v in versions]
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def missing(registry: MigrationList, path: MigrationList, version: int) -> Finding:
    """Located where the fix goes: at the path's call of the neighbouring number."""
    origin = registry.recorders(version)[0]
    order = registry.applied()
    applied = set(path.applied())
    before = next((v for v in reversed(order[: order.index(version)]) if v in applied), None)
    after = next((v for v in order[order.index(version) + 1:] if v in applied), None)
    if before is not None and after is not None:
        place = f" between the calls for {before} and {after}"
    elif before is not None:
        place = f" after the call for {before}"
    elif after is not None:
        place = f" before the call for {after}"
    else:
        place = ""
    uncalled = next((m for m in path.uncalled if version in m.versions), None)
    low, high = path.reach or (None, None)
    if (low is not None and version < low) or (high is not None and version > high):
        reach = f"from {low} to {high}" if low is not None and high is not None else \
            f"from {low}" if low is not None else f"up to {high}"
        advice = (f"it builds the names of its steps only from the numbers {reach} (the bounds of its loop):"
                  f" widen them to reach {version}")
    elif uncalled is not None:
        advice = (f"{uncalled.method} ({uncalled.location}) records {version} but is never called:"
                  f" call {short_name(uncalled)}{place}")
    elif path.missing_advice is not None:
        advice = path.missing_advice.format(version=version)
    else:
        advice = f"add a mirror{place or ' of it'}"
    where = f" ({path.origin})" if path.origin != "source" else ""
    message = (
        f"{path.name} ({path.location}){where} never applies version {version}; the registry applies it in"
        f" {origin.method} ({origin.location}): {advice}"
    )
    neighbour = path.recorders(before)[0] if before is not None else path.recorders(after)[0] if after is not None else None
    anchor = path.location if neighbour is None else neighbour.call_site or neighbour.location
    return Finding(Code.MISSING_MIGRATION, Severity.ERROR, message, anchor, version, path.name)


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
