"""Verification on migration lists directly: matching by number, conflicts by name, order."""

from __future__ import annotations

from dataclasses import replace

from bundler.ftypes import Code, Location, Migration, MigrationList, Severity
from bundler.verify import longest_increasing, verify


def listing(name: str, *migrations: tuple[str, tuple[int, ...]]) -> MigrationList:
    return MigrationList(name, Location(f"{name}.py", 1),
                         tuple(Migration(f"{name}.{m}", Location(f"{name}.py", i + 10), v) for i, (m, v) in enumerate(migrations)))


REGISTRY = listing("Runner", ("m27", (27,)), ("m28", (28,)), ("m29", (29,)))


def codes(findings) -> list[tuple[str, int | None]]:
    return sorted((f.code.value, f.version) for f in findings)


def test_mirrors_are_matched_by_number_not_by_name() -> None:
    store = listing("Store", ("other_a", (27,)), ("other_b", (28,)), ("other_c", (29,)))
    assert verify(REGISTRY, [store]) == []


def test_the_incident_is_one_missing_migration_with_advice() -> None:
    store = listing("Store", ("m27", (27,)), ("m29", (29,)))
    [finding] = verify(REGISTRY, [store])
    assert finding.code is Code.MISSING_MIGRATION and finding.version == 28
    assert "Runner.m28 (Runner.py:11)" in finding.message
    assert finding.message.endswith("add a mirror between the calls for 27 and 29")


def test_duplicates_in_the_registry_and_in_a_path() -> None:
    registry = listing("Runner", ("a", (27,)), ("b", (27,)))
    store = listing("Store", ("x", (27,)), ("y", (27,)))
    assert codes(verify(registry, [store])) == [("duplicate-version", 27), ("duplicate-version", 27)]


def test_a_method_called_twice_is_not_a_duplicate() -> None:
    store = MigrationList("Store", Location("s.py", 1), (REGISTRY.migrations[0],) * 2 + REGISTRY.migrations[1:])
    assert verify(REGISTRY, [store]) == []


def test_severity_can_be_changed_or_switched_off() -> None:
    store = listing("Store", ("m29", (29,)), ("m27", (27,)), ("m28", (28,)))
    assert [f.severity for f in verify(REGISTRY, [store])] == [Severity.WARNING]
    assert [f.severity for f in verify(REGISTRY, [store], {Code.OUT_OF_ORDER: Severity.ERROR})] == [Severity.ERROR]
    assert verify(REGISTRY, [store], {Code.OUT_OF_ORDER: Severity.OFF}) == []


def test_longest_increasing_keeps_the_most_calls_in_place() -> None:
    rank = {v: v for v in range(10)}
    assert longest_increasing([1, 2, 9, 3, 4, 5], rank) == [1, 2, 3, 4, 5]
    assert longest_increasing([], rank) == []
