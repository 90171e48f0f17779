"""Verification on migration lists directly: matching by number, conflicts by name, order."""

from __future__ import annotations

from dataclasses import replace

from bundler.model import Code, Head, Location, Migration, MigrationList, Severity
from bundler.findings.verify import longest_increasing, verify


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


# --- issue 11: names never change the verdict by number ----------------------------------


def test_a_same_named_mirror_with_another_number_is_missing_and_unknown_and_a_conflict() -> None:
    registry = listing("Runner", ("split_settings_table", (44,)))
    store = listing("Store", ("split_settings_table", (90,)))
    findings = verify(registry, [store])
    assert codes(findings) == [("missing-migration", 44), ("unknown-version", 90), ("version-conflict", 44)]
    [conflict] = [f for f in findings if f.code is Code.VERSION_CONFLICT]
    assert conflict.message.endswith("records 44: record 44 there instead of 90")


def test_a_mirror_of_a_multi_number_migration_in_part_misses_the_rest_with_right_advice() -> None:
    registry = listing("Runner", ("m", (44, 45)))
    store = listing("Store", ("m", (44,)))
    findings = verify(registry, [store])
    assert codes(findings) == [("missing-migration", 45), ("version-conflict", 45)]
    [conflict] = [f for f in findings if f.code is Code.VERSION_CONFLICT]
    assert "Store.m (Store.py:10) records 44; the registry's Runner.m (Runner.py:10) records 44 and 45:" \
           " record 45 there too" in conflict.message
    assert "renumber" not in conflict.message


def test_numbers_split_over_other_names_are_all_applied_and_only_the_name_is_reported() -> None:
    registry = listing("Runner", ("drop_notes_index", (14, 15)))
    store = listing("Store", ("drop_notes_index", (14,)), ("widen_metrics", (15,)))
    assert codes(verify(registry, [store])) == [("version-conflict", 15)]


def test_two_mirrors_of_one_number_leave_the_other_missing() -> None:
    registry = listing("Runner", ("a", (33,)), ("b", (34,)))
    store = listing("Store", ("a", (33,)), ("b", (33,)))
    assert codes(verify(registry, [store])) == [
        ("duplicate-version", 33), ("missing-migration", 34), ("version-conflict", 34)]


def test_the_24_25_clash_is_25_missing_by_number_and_the_conflict_names_24s_owner() -> None:
    registry = listing("Runner", ("create_observation_feedback_table", (24,)), ("add_platform_source", (25,)))
    store = listing("Store", ("add_platform_source", (24,)))
    findings = verify(registry, [store])
    assert codes(findings) == [("missing-migration", 25), ("version-conflict", 25)]
    [conflict] = [f for f in findings if f.code is Code.VERSION_CONFLICT]
    assert conflict.message.endswith(
        "record 25 there instead of 24 (24 is Runner.create_observation_feedback_table's number)")


def test_a_path_that_is_the_registry_itself_gets_no_finding() -> None:
    registry = listing("Runner", ("run_all_migrations (inline)", (1,)), ("run_all_migrations (inline)", (9,)))
    assert verify(registry, [replace(registry, name="Store.__init__")]) == []


# --- a declared head --------------------------------------------------------------------------


def test_every_number_from_the_base_to_the_head_needs_a_step_and_none_may_lie_beyond() -> None:
    head = Head(30, "schema.py:VERSION", Location("schema.py", 3))
    registry = listing("Runner", ("m27", (27,)), ("m29", (29,)), ("m31", (31,)))
    findings = verify(registry, [], head=head)
    assert codes(findings) == [("missing-migration", 28), ("missing-migration", 30), ("unknown-version", 31)]
    assert [str(f.location) for f in findings[:2]] == ["schema.py:3", "schema.py:3"]
    assert codes(verify(registry, [], head=head, base=25)) == [
        ("missing-migration", 25), ("missing-migration", 26), ("missing-migration", 28), ("missing-migration", 30),
        ("unknown-version", 31)]


def on(branch: tuple, migration: Migration) -> Migration:
    return replace(migration, branch=branch)


def test_migrations_on_two_branches_of_one_choice_are_two_runs_not_a_duplicate() -> None:
    """``if new: stamp 3 else: chain 1..3``: one run takes one side; a stamp after the if goes with both."""
    registry = listing("Runner.run", ("m1", (1,)), ("m2", (2,)), ("m3", (3,)))
    fresh, *chain = listing("Store.open", ("fresh", (3,)), ("m1", (1,)), ("m2", (2,)), ("m3", (3,))).migrations
    store = replace(registry, name="Store.open", migrations=(
        on((("branch", 7, 0),), fresh), *(on((("branch", 7, 1),), m) for m in chain)))
    assert codes(verify(registry, [store])) == []
    after = listing("Store.open", ("again", (3,))).migrations[0]
    both = replace(store, migrations=(*store.migrations, after))
    assert codes(verify(registry, [both])) == [("duplicate-version", 3)] * 2  # with the fresh stamp, and with m3


def test_exclusive_places_part_at_one_choice_on_different_branches() -> None:
    from bundler.findings.verify import exclusive
    assert exclusive((("branch", 1, 0),), (("branch", 1, 1), ("call", 5)))
    assert not exclusive((("call", 4), ("branch", 1, 0)), (("call", 5), ("branch", 1, 1)))  # two calls: both may run
    assert not exclusive((("branch", 1, 0),), (("branch", 1, 0), ("branch", 2, 1)))
    assert not exclusive((), (("branch", 1, 1),))
