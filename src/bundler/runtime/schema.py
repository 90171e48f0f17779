"""A normalised, comparable description of a SQLite database's schema and recorded versions.

Two migration paths are equivalent when their snapshots are equal: column order, the text
layout of CREATE statements and index names' creation order do not matter; types,
constraints, index columns, uniqueness and partial clauses do.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bundler.frontends.sql.records import KEY_COLUMNS, VALUE_COLUMNS
from bundler.frozen import frozen

Snapshot = dict[str, Any]
TableRows = dict[str, tuple[tuple[str, ...], Counter]]  # table → (columns, multiset of rows)

_WHITESPACE = re.compile(r"\s+")


def normalise_sql(sql: str | None) -> str | None:
    if sql is None:
        return None
    return _WHITESPACE.sub(" ", sql.replace('"', "")).strip().rstrip(";")


def partial_clause(sql: str | None) -> str | None:
    normal = normalise_sql(sql)
    if normal is None:
        return None
    match = re.search(r"\bWHERE\b(.*)$", normal, re.IGNORECASE)
    return match.group(1).strip() if match else None


@frozen
class VersionRecord:
    """Where a database keeps its version, as ``[tool.bundler]`` says (``version-table``,
    ``version-key``, ``version-record``). Those rows are the paths' bookkeeping, never user data:
    an upgrade that replaces version 6's row by 7's loses nothing."""

    table: str = "schema_versions"
    key: str | None = None  # a key/value table: only the row of this key is the version's
    user_version: bool = False  # PRAGMA user_version: no row of any table is the version's

    def versions(self, conn: sqlite3.Connection) -> list[int]:
        if self.user_version:
            number = conn.execute("PRAGMA user_version").fetchone()[0]
            return [number] if number else []
        columns = [row[1] for row in conn.execute(f'PRAGMA table_info("{self.table}")')]
        if not columns:
            return []
        if self.key is None:
            column = "version" if "version" in columns else columns[0]
            return sorted(row[0] for row in conn.execute(f'SELECT "{column}" FROM "{self.table}"'))
        key_column, value_column = self._key_value(columns)
        values = conn.execute(f'SELECT "{value_column}" FROM "{self.table}" WHERE "{key_column}" = ?', (self.key,))
        return sorted(int(value) if str(value).strip().lstrip("-").isdigit() else value for (value,) in values)

    def is_bookkeeping(self, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> bool:
        """Whether ``row`` of ``table`` (over ``columns``) is the version's row."""
        if self.user_version or table.lower() != self.table.lower():
            return False
        if self.key is None:
            return True
        key_column, _ = self._key_value(list(columns))
        return key_column in columns and row[columns.index(key_column)] == self.key

    def _key_value(self, columns: list[str]) -> tuple[str, str]:
        """The key and value columns, named as the static check reads them (else the first two)."""
        lower = [c.lower() for c in columns]
        key = next((columns[lower.index(c)] for c in KEY_COLUMNS if c in lower), columns[0])
        value = next((columns[lower.index(c)] for c in VALUE_COLUMNS if c in lower), columns[min(1, len(columns) - 1)])
        return key, value


def snapshot_schema(conn: sqlite3.Connection, record: VersionRecord = VersionRecord()) -> Snapshot:
    """Tables (columns, foreign keys), indexes, triggers, views and recorded versions."""
    objects = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"
        " WHERE name NOT IN ('sqlite_sequence', 'sqlite_stat1', 'sqlite_stat4')"
    ).fetchall()
    shadow = {name for kind, name, _, sql in objects if kind == "table" and sql and "VIRTUAL TABLE" in sql.upper()}
    tables: dict[str, Any] = {}
    indexes: dict[str, Any] = {}
    triggers: dict[str, Any] = {}
    views: dict[str, Any] = {}
    for kind, name, table, sql in objects:
        if kind == "table" and not any(name.startswith(f"{v}_") for v in shadow):
            tables[name] = describe_table(conn, name, virtual=name in shadow)
        elif kind == "index":
            key, description = describe_index(conn, name, table, sql)
            indexes[key] = description
        elif kind == "trigger":
            triggers[name] = {"table": table, "sql": normalise_sql(sql)}
        elif kind == "view":
            views[name] = {"sql": normalise_sql(sql)}
    return {"tables": tables, "indexes": indexes, "triggers": triggers, "views": views,
            "versions": record.versions(conn)}


def describe_table(conn: sqlite3.Connection, name: str, *, virtual: bool) -> dict[str, Any]:
    columns = {
        row[1]: {"type": row[2].upper(), "notnull": bool(row[3]), "default": row[4], "pk": row[5]}
        for row in conn.execute(f'PRAGMA table_info("{name}")')
    }
    foreign_keys = sorted(
        (row[3], row[2], row[4], row[5], row[6]) for row in conn.execute(f'PRAGMA foreign_key_list("{name}")')
    )
    return {"virtual": virtual, "columns": columns, "foreign_keys": [list(fk) for fk in foreign_keys]}


def describe_index(conn: sqlite3.Connection, name: str, table: str, sql: str | None) -> tuple[str, dict[str, Any]]:
    """The index keyed by name; an index SQLite made for a UNIQUE constraint is keyed by its
    table and columns instead, because its generated name depends on creation order."""
    unique = next((bool(row[2]) for row in conn.execute(f'PRAGMA index_list("{table}")') if row[1] == name), False)
    columns = [row[2] for row in conn.execute(f'PRAGMA index_info("{name}")')]
    description = {"table": table, "columns": columns, "unique": unique, "where": partial_clause(sql)}
    if sql is None:
        return f"{table}({', '.join(columns)}) [constraint]", description
    return name, description


def table_rows(conn: sqlite3.Connection, columns: dict[str, list[str]] | None = None) -> TableRows:
    """Every row of every user table, as a multiset over the given (or current) columns."""
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
    )]
    virtual_shadows = {row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
    )}
    result: TableRows = {}
    for table in tables:
        if any(table.startswith(f"{v}_") for v in virtual_shadows):
            continue
        present = [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]
        wanted = tuple(c for c in (columns or {}).get(table, present) if c in present)
        if not wanted:
            result[table] = (wanted, Counter())
            continue
        select = ", ".join(f'"{c}"' for c in wanted)
        result[table] = (wanted, Counter(tuple(row) for row in conn.execute(f'SELECT {select} FROM "{table}"')))
    return result


def snapshot_file(db_path: Path, record: VersionRecord = VersionRecord()) -> Snapshot:
    """``snapshot_schema`` of a database file."""
    with connected(db_path) as conn:
        return snapshot_schema(conn, record)


def rows_in_file(db_path: Path, columns: dict[str, list[str]] | None = None) -> TableRows:
    """``table_rows`` of a database file."""
    with connected(db_path) as conn:
        return table_rows(conn, columns)


@contextmanager
def connected(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection closed afterwards (sqlite3's own ``with`` commits but leaves it open)."""
    conn = sqlite3.connect(db_path)
    try:
        yield conn
    finally:
        conn.close()
