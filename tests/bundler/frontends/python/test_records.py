"""What counts as recording a version: each recognised statement, and near misses that do not."""

from __future__ import annotations

import pytest

from bundler.frontends.python.records import RecordingRules, recorded_versions
from bundler.frontends.python.values import UNKNOWN, Resolver
from bundler.frontends.python.sources import InMemory, ModuleSet


def numbers(call_source: str, rules: RecordingRules = RecordingRules()) -> list | None:
    modules = ModuleSet(InMemory({"m.py": call_source + "\n"}))
    module = modules.by_path("m.py")
    resolver = Resolver(modules)
    call = module.tree.body[0].body[0].value
    found = recorded_versions(call, lambda node: resolver.resolve(node, module, {}), rules)
    return None if found is None else [r.value for r in found]


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('c.execute("INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)", (28, t))', [28]),
        ('c.execute("INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (?, ?)", [28, t])', [28]),
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (:v, :a)", {"v": 28, "a": t})', [28]),
        ('c.executemany("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", [(27, t), (28, t)])', [27, 28]),
        ('c.executescript("INSERT INTO schema_versions (version, applied_at) VALUES (27, 0), (28, 0);")', [27, 28]),
        ('db.prepare("INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)").run(28, t)', [28]),
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", (n, t))', [UNKNOWN]),
        # str.format and %-formatting of the SQL
        ('c.execute("INSERT INTO {} (version) VALUES (?)".format("schema_versions"), (28,))', [28]),
        ('c.execute("INSERT INTO %s (version) VALUES (%d)" % ("schema_versions", 28))', [28]),
        # what cannot be read is an unknown number, never a silent nothing
        ('c.execute(sql_from_somewhere())', [UNKNOWN]),
        ('c.execute("INSERT INTO {} (version) VALUES (28)".format(table))', [UNKNOWN]),
        ('c.executescript(f"CREATE TABLE t (a); {more}")', [UNKNOWN]),
    ],
)
def test_recognised_records(call: str, expected: list) -> None:
    """The calls that run SQL (which SQL records: tests/bundler/frontends/sql/test_records.py)."""
    assert numbers(call) == expected


@pytest.mark.parametrize(
    "call",
    [
        'c.execute("SELECT version FROM schema_versions WHERE version = ?", (28,))',
        'log("INSERT INTO schema_versions (version) VALUES (28)")',
        'c.execute(f"ALTER TABLE {table} ADD COLUMN worker_pid INTEGER")',
    ],
)
def test_near_misses_record_nothing(call: str) -> None:
    assert numbers(call) is None


def test_the_rules_reach_the_recognition() -> None:
    migrations = RecordingRules(version_table="migrations")
    assert numbers('c.execute("INSERT INTO migrations (version) VALUES (7)")', migrations) == [7]
    assert numbers('c.execute("PRAGMA user_version = 28")', RecordingRules(user_version=True)) == [28]
