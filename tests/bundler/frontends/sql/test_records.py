"""Which SQL records a version, whatever front end ran it: each recognised statement, near misses
that record nothing, and SQL that cannot be read (an unknown number, never a silent nothing)."""

from __future__ import annotations

import pytest

from bundler.frontends.sql.records import RecordingRules, versions_in_sql
from bundler.frontends.sql.values import HOLE, UNKNOWN, Mapping, ParamRef, Prepared

INSERT = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"


def numbers(sql: object, params: object = None, method: str = "execute",
            rules: RecordingRules = RecordingRules()) -> list | None:
    found = versions_in_sql(sql, params, None, rules, method)
    return None if found is None else [r.value for r in found]


@pytest.mark.parametrize(("sql", "params", "expected"), [
    (INSERT, (28, "t"), [28]),
    ("INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (?, ?)", (28, "t"), [28]),
    ("insert into schema_versions (applied_at, version) values (?, ?)", ("t", 28), [28]),
    ("REPLACE INTO main.schema_versions(version, applied_at) VALUES (28, 0)", None, [28]),
    ("INSERT INTO `schema_versions` VALUES (28, datetime('now'))", None, [28]),
    ("INSERT INTO schema_versions (version, applied_at) VALUES (?2, ?1)", ("t", 28), [28]),
    ("INSERT INTO schema_versions (version, applied_at) VALUES (:v, :a)", Mapping((("v", 28), ("a", "t"))), [28]),
    ("INSERT INTO schema_versions (version, applied_at) VALUES ($version, 0)", Mapping((("version", 28),)), [28]),
    # every row of a multi-row VALUES, parameters numbered across rows as SQLite numbers them
    ("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?), (?, ?)", (22, "t", 24, "t"), [22, 24]),
    ("INSERT INTO schema_versions VALUES (?1, ?2), (?3, ?2)", (22, "t", 24), [22, 24]),
    ("INSERT INTO schema_versions VALUES (:v, :t), (:w, :t)", (22, "t", 24), [22, 24]),
    ("INSERT INTO schema_versions /* why */ (version) -- the number\n VALUES (28)", None, [28]),
    ('INSERT INTO "schema_versions" ("version") VALUES (28)', None, [28]),
    ("REPLACE INTO schema_versions (version, applied_at) SELECT 28, datetime('now')", None, [28]),
    ("WITH v AS (SELECT 1) INSERT INTO schema_versions (version) VALUES (28)", None, [28]),
    (INSERT, ParamRef("version"), [ParamRef("version")]),  # the caller binds the whole row
    (INSERT, (UNKNOWN, "t"), [UNKNOWN]),  # a number the front end could not resolve
    # what cannot be read is an unknown number
    (f"INSERT INTO {HOLE} (version) VALUES (28)", None, [UNKNOWN]),
    (f"{HOLE} INTO schema_versions VALUES (28)", None, [UNKNOWN]),
    ("INSERT INTO schema_versions (version) VALUES (28 + 1)", None, [UNKNOWN]),
    ("INSERT INTO schema_versions (version) SELECT version FROM old", None, [UNKNOWN]),
    ("UPDATE schema_versions SET version = ?", (3,), [UNKNOWN]),
    ('UPDATE OR IGNORE main."schema_versions" SET version = 3', None, [UNKNOWN]),
    (UNKNOWN, None, [UNKNOWN]),
])
def test_recognised_records(sql: object, params: object, expected: list) -> None:
    assert numbers(sql, params) == expected


def test_every_statement_of_a_script_and_each_row_of_executemany() -> None:
    script = "INSERT INTO schema_versions VALUES (8, 0); INSERT INTO schema_versions VALUES (10, 0);"
    assert numbers(script, method="executescript") == [8, 10]
    assert numbers(script) == [8]  # execute runs the first statement only
    assert numbers(INSERT, ((27, "t"), (28, "t")), method="executemany") == [27, 28]
    assert numbers(f"CREATE TABLE t (a); {HOLE}", method="executescript") == [UNKNOWN]


@pytest.mark.parametrize("sql", [
    "SELECT version FROM schema_versions WHERE version = ?",
    "INSERT INTO schema_versions_archive (version) VALUES (28)",
    "ALTER TABLE pending_messages ADD COLUMN worker_pid INTEGER",
    f"ALTER TABLE {HOLE} ADD COLUMN worker_pid INTEGER",
    "DELETE FROM schema_versions WHERE version = 28",
    "CREATE TRIGGER t AFTER INSERT ON x BEGIN INSERT INTO schema_versions VALUES (28, 0); END",
    "-- INSERT INTO schema_versions VALUES (28, 0)\nSELECT 1",
    "UPDATE notes SET version = 3",
    Prepared(INSERT), 28, None,
])
def test_near_misses_record_nothing(sql: object) -> None:
    assert numbers(sql, (28,)) is None


def test_another_version_table_is_configurable() -> None:
    rules = RecordingRules(version_table="migrations")
    assert numbers("INSERT INTO migrations (version) VALUES (7)", rules=rules) == [7]
    assert numbers("INSERT INTO schema_versions (version) VALUES (7)", rules=rules) is None


def test_user_version_pragma_where_configured() -> None:
    rules = RecordingRules(user_version=True)
    assert numbers("PRAGMA user_version = 28", rules=rules) == [28]
    assert numbers("PRAGMA main.user_version(?)", (28,), rules=rules) == [28]
    assert numbers("PRAGMA user_version", rules=rules) is None
    assert numbers("PRAGMA user_version = 28") is None


KEYED = RecordingRules(version_table="metadata", version_key="db_version")


@pytest.mark.parametrize(("sql", "params", "expected"), [
    ("INSERT INTO metadata VALUES ('db_version', '2')", None, [2]),
    ("INSERT INTO metadata VALUES ('created_by', '2')", None, None),  # another key: nothing
    ("INSERT OR REPLACE INTO metadata (value, key) VALUES (?, ?)", ("7", "db_version"), [7]),
    ("INSERT INTO metadata (name, value) VALUES (?, ?)", ("db_version", 3), [3]),
    ("INSERT INTO metadata VALUES (?, '2')", (ParamRef("key"),), [UNKNOWN]),  # a key that may be it
    ("INSERT INTO metadata VALUES ('db_version', 'two')", None, [UNKNOWN]),
    ("UPDATE metadata SET value = '3' WHERE key = 'db_version'", None, [3]),
    ("UPDATE metadata SET value = ? WHERE key = 'db_version'", ("4",), [4]),
    ("UPDATE metadata SET value = 'yes' WHERE key = 'checked'", None, None),
    ("UPDATE metadata SET value = value + 1 WHERE key = 'db_version'", None, [UNKNOWN]),
    ("UPDATE metadata SET value = '3'", None, [UNKNOWN]),  # every row, the version's among them
])
def test_a_key_value_version_table_records_the_value_of_the_versions_row(sql: str, params: object, expected) -> None:
    assert numbers(sql, params, rules=KEYED) == expected
