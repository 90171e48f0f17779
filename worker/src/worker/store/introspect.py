"""Reading the live shape of a database: what exists decides what a migration still has to do.

Mirrors never trust ``schema_versions`` alone: in the incident a database had 29 recorded
while 28's columns were missing.
"""

from __future__ import annotations

import sqlite3


def table_exists(conn: sqlite3.Connection, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (table,)
    ).fetchone()
    return row is not None


def column_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def column_is_not_null(conn: sqlite3.Connection, table: str, column: str) -> bool:
    for row in conn.execute(f'PRAGMA table_info("{table}")'):
        if row[1] == column:
            return bool(row[3])
    return False


def index_names(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA index_list("{table}")')]


def has_unique_constraint(conn: sqlite3.Connection, table: str) -> bool:
    """True when a UNIQUE written into the table definition (origin 'u') exists."""
    return any(row[3] == "u" for row in conn.execute(f'PRAGMA index_list("{table}")'))


def foreign_keys_cascade_updates(conn: sqlite3.Connection, table: str) -> bool:
    rows = conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall()
    return all(row[5] == "CASCADE" for row in rows)


def recorded_versions(conn: sqlite3.Connection) -> list[int]:
    if not table_exists(conn, "schema_versions"):
        return []
    return [row[0] for row in conn.execute("SELECT version FROM schema_versions ORDER BY version")]


def fts5_available(conn: sqlite3.Connection) -> bool:
    return bool(conn.execute("SELECT sqlite_compileoption_used('ENABLE_FTS5')").fetchone()[0])
