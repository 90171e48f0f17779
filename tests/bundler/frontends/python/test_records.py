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
        ('c.execute("insert into schema_versions (applied_at, version) values (?, ?)", (t, 28))', [28]),
        ('c.execute("REPLACE INTO main.schema_versions(version, applied_at) VALUES (28, 0)")', [28]),
        ('c.execute("INSERT INTO `schema_versions` VALUES (28, datetime(\'now\'))")', [28]),
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?2, ?1)", (t, 28))', [28]),
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (:v, :a)", {"v": 28, "a": t})', [28]),
        ('c.executemany("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", [(27, t), (28, t)])', [27, 28]),
        ('c.executescript("INSERT INTO schema_versions (version, applied_at) VALUES (27, 0), (28, 0);")', [27, 28]),
        ('db.prepare("INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)").run(28, t)', [28]),
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", (n, t))', [UNKNOWN]),
        # every row of a multi-row VALUES, parameters numbered across rows as SQLite numbers them
        ('c.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?), (?, ?)", (22, t, 24, t))',
         [22, 24]),
        ('c.execute("INSERT INTO schema_versions VALUES (?1, ?2), (?3, ?2)", (22, t, 24))', [22, 24]),
        ('c.execute("INSERT INTO schema_versions VALUES (:v, :t), (:w, :t)", (22, t, 24))', [22, 24]),
        # every statement of a script
        ('c.executescript("INSERT INTO schema_versions VALUES (8, 0); INSERT INTO schema_versions VALUES (10, 0);")',
         [8, 10]),
        # comments anywhere, quoted names, str.format and %-formatting of the SQL
        ('c.execute("INSERT INTO schema_versions /* why */ (version) -- the number\\n VALUES (28)")', [28]),
        ('c.execute(\'INSERT INTO "schema_versions" ("version") VALUES (28)\')', [28]),
        ('c.execute("INSERT INTO {} (version) VALUES (?)".format("schema_versions"), (28,))', [28]),
        ('c.execute("INSERT INTO %s (version) VALUES (%d)" % ("schema_versions", 28))', [28]),
        ('c.execute("REPLACE INTO schema_versions (version, applied_at) SELECT 28, datetime(\'now\')")', [28]),
        # what cannot be read is an unknown number, never a silent nothing
        ('c.execute(sql_from_somewhere())', [UNKNOWN]),
        ('c.execute("INSERT INTO {} (version) VALUES (28)".format(table))', [UNKNOWN]),
        ('c.executescript(f"CREATE TABLE t (a); {more}")', [UNKNOWN]),
    ],
)
def test_recognised_records(call: str, expected: list) -> None:
    assert numbers(call) == expected


@pytest.mark.parametrize(
    "call",
    [
        'c.execute("SELECT version FROM schema_versions WHERE version = ?", (28,))',
        'c.execute("INSERT INTO schema_versions_archive (version) VALUES (28)")',
        'c.execute("ALTER TABLE pending_messages ADD COLUMN worker_pid INTEGER")',
        'c.execute("DELETE FROM schema_versions WHERE version = 28")',
        'log("INSERT INTO schema_versions (version) VALUES (28)")',
        'c.execute("CREATE TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO schema_versions VALUES (28, 0); END")',
        'c.execute(f"ALTER TABLE {table} ADD COLUMN worker_pid INTEGER")',
        'c.execute("-- INSERT INTO schema_versions VALUES (28, 0)\\nSELECT 1")',
    ],
)
def test_near_misses_record_nothing(call: str) -> None:
    assert numbers(call) is None


def test_another_version_table_is_configurable() -> None:
    rules = RecordingRules(version_table="migrations")
    assert numbers('c.execute("INSERT INTO migrations (version) VALUES (7)")', rules) == [7]
    assert numbers('c.execute("INSERT INTO schema_versions (version) VALUES (7)")', rules) is None


def test_user_version_pragma_where_configured() -> None:
    rules = RecordingRules(user_version=True)
    assert numbers('c.execute("PRAGMA user_version = 28")', rules) == [28]
    assert numbers('c.execute("PRAGMA user_version")', rules) is None
    assert numbers('c.execute("PRAGMA user_version = 28")') is None


@pytest.mark.parametrize("sql", ["UPDATE schema_versions SET version = ?", 'UPDATE OR IGNORE main."schema_versions" SET version = 3'])
def test_an_update_of_the_version_table_is_a_number_that_cannot_be_read(sql: str) -> None:
    assert numbers(f"conn.execute('{sql}', (3,))") == [UNKNOWN]


def test_an_update_of_another_table_records_nothing() -> None:
    assert numbers('conn.execute("UPDATE notes SET version = 3")') is None
