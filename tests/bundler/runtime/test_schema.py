"""Schema snapshots: equal for equivalent databases, different where a migration path drifted."""

from __future__ import annotations

import sqlite3

from bundler.runtime.schema import VersionRecord, partial_clause, snapshot_schema, table_rows


def database(*statements: str) -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement)
    return conn


def test_column_order_and_whitespace_do_not_matter() -> None:
    a = database("CREATE TABLE t (a INTEGER, b TEXT)", "CREATE INDEX i ON t(a)")
    b = database('CREATE TABLE "t" (b   TEXT,\n a integer)', "CREATE  INDEX i ON t (a)")
    assert snapshot_schema(a) == snapshot_schema(b)


def test_a_column_type_or_a_missing_index_is_a_difference() -> None:
    base = snapshot_schema(database("CREATE TABLE t (a INTEGER)", "CREATE INDEX i ON t(a)"))
    assert snapshot_schema(database("CREATE TABLE t (a TEXT)", "CREATE INDEX i ON t(a)")) != base
    assert snapshot_schema(database("CREATE TABLE t (a INTEGER)")) != base


def test_partial_and_unique_indexes_are_described() -> None:
    snapshot = snapshot_schema(database("CREATE TABLE t (a, b UNIQUE)", "CREATE UNIQUE INDEX u ON t(a) WHERE a IS NOT NULL"))
    assert snapshot["indexes"]["u"] == {"table": "t", "columns": ["a"], "unique": True, "where": "a IS NOT NULL"}
    assert snapshot["indexes"]["t(b) [constraint]"]["unique"] is True
    assert partial_clause("CREATE INDEX x ON t(a)") is None


def test_recorded_versions_are_part_of_the_snapshot() -> None:
    conn = database("CREATE TABLE schema_versions (version INTEGER)", "INSERT INTO schema_versions VALUES (28), (4)")
    assert snapshot_schema(conn)["versions"] == [4, 28]


def test_table_rows_ignore_row_and_column_order_but_not_content() -> None:
    a = database("CREATE TABLE t (a, b)", "INSERT INTO t VALUES (1, 'x'), (2, 'y')")
    b = database("CREATE TABLE t (b, a)", "INSERT INTO t VALUES ('y', 2), ('x', 1)")
    c = database("CREATE TABLE t (a, b)", "INSERT INTO t VALUES (1, 'x'), (2, 'z')")
    columns = {"t": ["a", "b"]}
    assert table_rows(a, columns) == table_rows(b, columns)
    assert table_rows(a, columns) != table_rows(c, columns)
    assert sum(table_rows(a, {"t": ["a"]})["t"][1].values()) == 2


def test_table_rows_skip_full_text_shadow_tables() -> None:
    conn = database("CREATE TABLE notes (body)", "CREATE VIRTUAL TABLE notes_fts USING fts5(body)")
    assert set(table_rows(conn)) == {"notes"}


def test_versions_are_read_where_the_configuration_says() -> None:
    conn = database("CREATE TABLE revision (number INTEGER)", "INSERT INTO revision VALUES (3)",
                    "CREATE TABLE prefs (name TEXT, value TEXT)", "INSERT INTO prefs VALUES ('layout', '2'), ('db', '5')")
    conn.execute("PRAGMA user_version = 9")
    assert snapshot_schema(conn)["versions"] == []  # no schema_versions table: nothing recorded there
    assert snapshot_schema(conn, VersionRecord("revision"))["versions"] == [3]
    assert snapshot_schema(conn, VersionRecord("prefs", key="db"))["versions"] == [5]
    assert snapshot_schema(conn, VersionRecord(user_version=True))["versions"] == [9]


def test_only_the_version_s_own_rows_are_bookkeeping() -> None:
    assert VersionRecord("revision").is_bookkeeping("Revision", ("number",), (3,))
    assert not VersionRecord("revision").is_bookkeeping("notes", ("number",), (3,))
    keyed = VersionRecord("prefs", key="db")
    assert keyed.is_bookkeeping("prefs", ("name", "value"), ("db", "5"))
    assert not keyed.is_bookkeeping("prefs", ("name", "value"), ("layout", "2"))
    assert not VersionRecord("revision", user_version=True).is_bookkeeping("revision", ("number",), (3,))
