"""The schema changes of each migration, as idempotent functions of a connection.

Each step looks at what exists (tables, columns, indexes, constraints) and does only what is
still missing, so it is safe on a fresh database, on an up-to-date one, and on one whose
``schema_versions`` lies about its shape. Recording the version number is the caller's job:
the runner and the store's mirrors each record their own, which is what ``bundler check``
verifies. No step ever deletes a user's row except the documented deduplications (v28, v29).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from worker.errors import StorageError
from worker.store.introspect import (
    column_is_not_null,
    column_names,
    foreign_keys_cascade_updates,
    fts5_available,
    has_unique_constraint,
    table_exists,
)

BASE_SCHEMA = """
CREATE TABLE IF NOT EXISTS sdk_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claude_session_id TEXT UNIQUE NOT NULL,
    sdk_session_id TEXT UNIQUE,
    project TEXT NOT NULL,
    user_prompt TEXT,
    started_at TEXT NOT NULL,
    started_at_epoch INTEGER NOT NULL,
    completed_at TEXT,
    completed_at_epoch INTEGER,
    status TEXT NOT NULL DEFAULT 'active'
);
CREATE INDEX IF NOT EXISTS idx_sdk_sessions_project ON sdk_sessions(project);
CREATE TABLE IF NOT EXISTS observations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sdk_session_id TEXT NOT NULL,
    project TEXT NOT NULL,
    text TEXT NOT NULL,
    type TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_at_epoch INTEGER NOT NULL,
    FOREIGN KEY (sdk_session_id) REFERENCES sdk_sessions(sdk_session_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_observations_sdk_session ON observations(sdk_session_id);
CREATE INDEX IF NOT EXISTS idx_observations_project ON observations(project);
CREATE TABLE IF NOT EXISTS session_summaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sdk_session_id TEXT UNIQUE NOT NULL,
    project TEXT NOT NULL,
    request TEXT,
    investigated TEXT,
    learned TEXT,
    completed TEXT,
    next_steps TEXT,
    notes TEXT,
    created_at TEXT NOT NULL,
    created_at_epoch INTEGER NOT NULL,
    FOREIGN KEY (sdk_session_id) REFERENCES sdk_sessions(sdk_session_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_session_summaries_sdk_session ON session_summaries(sdk_session_id);
"""

SCHEMA_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_versions (
    id INTEGER PRIMARY KEY,
    version INTEGER UNIQUE NOT NULL,
    applied_at TEXT NOT NULL
)
"""

USER_PROMPTS_TABLE = """
CREATE TABLE IF NOT EXISTS user_prompts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claude_session_id TEXT NOT NULL,
    prompt_number INTEGER NOT NULL,
    prompt_text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_at_epoch INTEGER NOT NULL,
    FOREIGN KEY (claude_session_id) REFERENCES sdk_sessions(claude_session_id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_user_prompts_claude_session ON user_prompts(claude_session_id);
"""

USER_PROMPTS_FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS user_prompts_fts
    USING fts5(prompt_text, content='user_prompts', content_rowid='id');
CREATE TRIGGER IF NOT EXISTS user_prompts_ai AFTER INSERT ON user_prompts BEGIN
    INSERT INTO user_prompts_fts(rowid, prompt_text) VALUES (new.id, new.prompt_text);
END;
CREATE TRIGGER IF NOT EXISTS user_prompts_ad AFTER DELETE ON user_prompts BEGIN
    INSERT INTO user_prompts_fts(user_prompts_fts, rowid, prompt_text)
        VALUES ('delete', old.id, old.prompt_text);
END;
CREATE TRIGGER IF NOT EXISTS user_prompts_au AFTER UPDATE ON user_prompts BEGIN
    INSERT INTO user_prompts_fts(user_prompts_fts, rowid, prompt_text)
        VALUES ('delete', old.id, old.prompt_text);
    INSERT INTO user_prompts_fts(rowid, prompt_text) VALUES (new.id, new.prompt_text);
END;
"""

PENDING_MESSAGES_TABLE = """
CREATE TABLE IF NOT EXISTS pending_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    claude_session_id TEXT NOT NULL,
    message_type TEXT NOT NULL DEFAULT 'tool_use',
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    retry_count INTEGER NOT NULL DEFAULT 0,
    created_at_epoch INTEGER NOT NULL,
    started_processing_at_epoch INTEGER,
    completed_at_epoch INTEGER
);
CREATE INDEX IF NOT EXISTS idx_pending_messages_status ON pending_messages(status);
CREATE INDEX IF NOT EXISTS idx_pending_messages_claude_session ON pending_messages(claude_session_id);
"""

OBSERVATION_FEEDBACK_TABLE = """
CREATE TABLE IF NOT EXISTS observation_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    observation_id INTEGER NOT NULL,
    signal TEXT NOT NULL,
    note TEXT,
    created_at_epoch INTEGER NOT NULL,
    FOREIGN KEY (observation_id) REFERENCES observations(id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS idx_observation_feedback_observation
    ON observation_feedback(observation_id);
"""

SESSION_ID_RENAMES = {
    "sdk_sessions": (("claude_session_id", "content_session_id"), ("sdk_session_id", "memory_session_id")),
    "observations": (("sdk_session_id", "memory_session_id"),),
    "session_summaries": (("sdk_session_id", "memory_session_id"),),
    "user_prompts": (("claude_session_id", "content_session_id"),),
    "pending_messages": (("claude_session_id", "content_session_id"),),
}


def execute_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction (``executescript`` would commit)."""
    for statement in split_statements(script):
        conn.execute(statement)


def split_statements(script: str) -> Iterable[str]:
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        yield buffer.strip()


def add_missing_columns(conn: sqlite3.Connection, table: str, columns: Sequence[tuple[str, str]]) -> None:
    existing = set(column_names(conn, table))
    for name, declaration in columns:
        if name not in existing:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {declaration}')


def rebuild_table(
    conn: sqlite3.Connection,
    table: str,
    *,
    nullable: frozenset[str] = frozenset(),
    on_update: str | None = None,
) -> None:
    """Recreate ``table`` from its live columns and foreign keys, keeping every row.

    SQLite cannot drop a NOT NULL, a column UNIQUE or change a foreign-key action in place.
    The new definition is generated from ``PRAGMA table_info``/``foreign_key_list``, so
    columns added by earlier migrations survive; table-level UNIQUE constraints are not
    carried over (v7 exists to drop one). Indexes and triggers are recreated from their SQL.
    """
    columns = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
    table_sql = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()[0]
    dependents = [
        row[0]
        for row in conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL",
            (table,),
        )
    ]
    definitions = [
        column_definition(row, nullable, autoincrement="AUTOINCREMENT" in table_sql.upper())
        for row in columns
    ]
    for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
        definitions.append(
            f'FOREIGN KEY ("{fk[3]}") REFERENCES "{fk[2]}"("{fk[4]}")'
            f" ON UPDATE {on_update or fk[5]} ON DELETE {fk[6]}"
        )
    staging = f"{table}__rebuild"
    names = ", ".join(f'"{row[1]}"' for row in columns)
    before = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    conn.execute(f'CREATE TABLE "{staging}" ({", ".join(definitions)})')
    conn.execute(f'INSERT INTO "{staging}" ({names}) SELECT {names} FROM "{table}"')
    after = conn.execute(f'SELECT count(*) FROM "{staging}"').fetchone()[0]
    if after != before:
        raise StorageError(f"rebuilding {table} would keep {after} of {before} rows; nothing was changed")
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "{staging}" RENAME TO "{table}"')
    for sql in dependents:
        conn.execute(sql)


def column_definition(row: sqlite3.Row, nullable: frozenset[str], *, autoincrement: bool) -> str:
    _, name, declared_type, not_null, default, primary_key = tuple(row)
    parts = [f'"{name}"', declared_type]
    if primary_key:
        parts.append("PRIMARY KEY AUTOINCREMENT" if autoincrement else "PRIMARY KEY")
    if not_null and name not in nullable:
        parts.append("NOT NULL")
    if default is not None:
        parts.append(f"DEFAULT {default}")
    return " ".join(parts)


# --- one function per migration, named after what it does -----------------------------------


def create_base_schema(conn: sqlite3.Connection) -> None:  # v4
    conn.execute(SCHEMA_VERSIONS_TABLE)
    execute_script(conn, BASE_SCHEMA)


def add_worker_port(conn: sqlite3.Connection) -> None:  # v5
    add_missing_columns(conn, "sdk_sessions", [("worker_port", "INTEGER")])


def add_prompt_tracking(conn: sqlite3.Connection) -> None:  # v6
    add_missing_columns(conn, "sdk_sessions", [("prompt_counter", "INTEGER DEFAULT 0")])
    add_missing_columns(conn, "observations", [("prompt_number", "INTEGER")])
    add_missing_columns(conn, "session_summaries", [("prompt_number", "INTEGER")])


def drop_session_summaries_unique(conn: sqlite3.Connection) -> None:  # v7
    if has_unique_constraint(conn, "session_summaries"):
        rebuild_table(conn, "session_summaries")


def add_observation_hierarchy(conn: sqlite3.Connection) -> None:  # v8
    fields = ("title", "subtitle", "facts", "narrative", "concepts", "files_read", "files_modified")
    add_missing_columns(conn, "observations", [(name, "TEXT") for name in fields])


def make_observation_text_nullable(conn: sqlite3.Connection) -> None:  # v9
    if column_is_not_null(conn, "observations", "text"):
        rebuild_table(conn, "observations", nullable=frozenset({"text"}))


def create_user_prompts(conn: sqlite3.Connection) -> None:  # v10
    if not table_exists(conn, "user_prompts"):
        execute_script(conn, USER_PROMPTS_TABLE)
    if fts5_available(conn) and not table_exists(conn, "user_prompts_fts"):
        execute_script(conn, USER_PROMPTS_FTS)
        conn.execute("INSERT INTO user_prompts_fts(user_prompts_fts) VALUES ('rebuild')")


def add_discovery_tokens(conn: sqlite3.Connection) -> None:  # v11
    for table in ("observations", "session_summaries"):
        add_missing_columns(conn, table, [("discovery_tokens", "INTEGER DEFAULT 0")])


def create_pending_messages(conn: sqlite3.Connection) -> None:  # v16
    if not table_exists(conn, "pending_messages"):
        execute_script(conn, PENDING_MESSAGES_TABLE)


def rename_session_id_columns(conn: sqlite3.Connection) -> None:  # v17
    for table, renames in SESSION_ID_RENAMES.items():
        if not table_exists(conn, table):
            continue
        existing = set(column_names(conn, table))
        for old, new in renames:
            if old in existing and new not in existing:
                conn.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old}" TO "{new}"')


def add_pending_failed_at(conn: sqlite3.Connection) -> None:  # v20
    add_missing_columns(conn, "pending_messages", [("failed_at_epoch", "INTEGER")])


def cascade_session_id_updates(conn: sqlite3.Connection) -> None:  # v21
    for table in ("observations", "session_summaries"):
        if not foreign_keys_cascade_updates(conn, table):
            rebuild_table(conn, table, on_update="CASCADE")


def add_observation_content_hash(conn: sqlite3.Connection) -> None:  # v22
    add_missing_columns(conn, "observations", [("content_hash", "TEXT")])
    conn.execute("CREATE INDEX IF NOT EXISTS idx_observations_content_hash ON observations(content_hash)")


def add_session_custom_title(conn: sqlite3.Connection) -> None:  # v23
    add_missing_columns(conn, "sdk_sessions", [("custom_title", "TEXT")])


def create_observation_feedback(conn: sqlite3.Connection) -> None:  # v24
    if not table_exists(conn, "observation_feedback"):
        execute_script(conn, OBSERVATION_FEEDBACK_TABLE)


def add_session_platform_source(conn: sqlite3.Connection) -> None:  # v25
    add_missing_columns(conn, "sdk_sessions", [("platform_source", "TEXT")])
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_sdk_sessions_platform_source ON sdk_sessions(platform_source)"
    )


def add_subagent_columns(conn: sqlite3.Connection) -> None:  # v27
    for table in ("observations", "pending_messages"):
        add_missing_columns(conn, table, [("agent_type", "TEXT"), ("agent_id", "TEXT")])


def add_pending_claim_columns(conn: sqlite3.Connection) -> None:  # v28
    """The migration the incident's store skipped: without it every claim fails on worker_pid.

    ALTER TABLE, not a rebuild: it must be safe on populated databases that already
    recorded 29 without ever applying 28.
    """
    add_missing_columns(conn, "pending_messages", [("tool_use_id", "TEXT"), ("worker_pid", "INTEGER")])
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_pending_messages_worker_pid ON pending_messages(worker_pid)"
    )
    # The partial UNIQUE index needs unique pairs. On a database that never had the
    # column, every tool_use_id is NULL and this deletes nothing.
    conn.execute(
        """
        DELETE FROM pending_messages
        WHERE tool_use_id IS NOT NULL AND id NOT IN (
            SELECT MIN(id) FROM pending_messages WHERE tool_use_id IS NOT NULL
            GROUP BY content_session_id, tool_use_id
        )
        """
    )
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_pending_session_tool"
        " ON pending_messages(content_session_id, tool_use_id) WHERE tool_use_id IS NOT NULL"
    )


def add_pending_failure_reason(conn: sqlite3.Connection) -> None:  # v30
    """Why a message was set aside (dead-letter), so a poison message is visible, not silent."""
    add_missing_columns(conn, "pending_messages", [("failure_reason", "TEXT")])


def add_observation_unique_hash(conn: sqlite3.Connection) -> None:  # v29
    """Deduplicate observations per session and content hash, then enforce it.

    Feedback that points at a duplicate is moved to the kept observation first, so no
    feedback row is lost with it. Only rows that point at a duplicate are touched: a database
    already deduplicated sees no write at all (every open runs this).
    """
    keeper = (
        "SELECT MIN(id) FROM observations AS k WHERE k.memory_session_id = o.memory_session_id"
        " AND k.content_hash = o.content_hash"
    )
    if table_exists(conn, "observation_feedback"):
        conn.execute(
            f"""
            UPDATE observation_feedback SET observation_id = (
                SELECT ({keeper}) FROM observations AS o WHERE o.id = observation_feedback.observation_id
            )
            WHERE observation_id IN (
                SELECT o.id FROM observations AS o WHERE o.content_hash IS NOT NULL AND o.id != ({keeper})
            )
            """
        )
    conn.execute(
        f"DELETE FROM observations AS o WHERE content_hash IS NOT NULL AND id != ({keeper})"
    )
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_observations_session_hash"
        " ON observations(memory_session_id, content_hash)"
    )
