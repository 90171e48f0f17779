"""The canonical migration registry: one method per migration, each recording its number.

Numbers 12-15, 18, 19 and 26 are retired; gaps are expected. ``SessionStore`` carries its own
inline copy of this list (as the code base this project comes from does), and ``bundler
check`` proves the copy applies every number registered here.
"""

from __future__ import annotations

from datetime import datetime, timezone

from worker.store import schema_steps as steps
from worker.store.db import WorkerConnection, migration_transaction, open_database

RECORD_VERSION_SQL = "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class MigrationRunner:
    def __init__(self, conn: WorkerConnection) -> None:
        self.conn = conn

    def run_all_migrations(self) -> None:
        with migration_transaction(self.conn):
            self.init_base_schema()
            self.add_worker_port_column()
            self.add_prompt_tracking_columns()
            self.remove_session_summaries_unique_constraint()
            self.add_observation_hierarchy_columns()
            self.make_observations_text_nullable()
            self.create_user_prompts_table()
            self.add_discovery_tokens_columns()
            self.create_pending_messages_table()
            self.rename_session_id_columns()
            self.add_failed_at_epoch_column()
            self.add_on_update_cascade_to_foreign_keys()
            self.add_observation_content_hash_column()
            self.add_session_custom_title_column()
            self.create_observation_feedback_table()
            self.add_session_platform_source_column()
            self.add_observation_subagent_columns()
            self.rebuild_pending_messages_for_self_healing_claim()
            self.add_observations_unique_content_hash_index()
            self.add_pending_failure_reason_column()

    def init_base_schema(self) -> None:
        steps.create_base_schema(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (4, _now()))

    def add_worker_port_column(self) -> None:
        steps.add_worker_port(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (5, _now()))

    def add_prompt_tracking_columns(self) -> None:
        steps.add_prompt_tracking(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (6, _now()))

    def remove_session_summaries_unique_constraint(self) -> None:
        steps.drop_session_summaries_unique(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (7, _now()))

    def add_observation_hierarchy_columns(self) -> None:
        steps.add_observation_hierarchy(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (8, _now()))

    def make_observations_text_nullable(self) -> None:
        steps.make_observation_text_nullable(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (9, _now()))

    def create_user_prompts_table(self) -> None:
        steps.create_user_prompts(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (10, _now()))

    def add_discovery_tokens_columns(self) -> None:
        steps.add_discovery_tokens(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (11, _now()))

    def create_pending_messages_table(self) -> None:
        steps.create_pending_messages(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (16, _now()))

    def rename_session_id_columns(self) -> None:
        steps.rename_session_id_columns(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (17, _now()))

    def add_failed_at_epoch_column(self) -> None:
        steps.add_pending_failed_at(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (20, _now()))

    def add_on_update_cascade_to_foreign_keys(self) -> None:
        steps.cascade_session_id_updates(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (21, _now()))

    def add_observation_content_hash_column(self) -> None:
        steps.add_observation_content_hash(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (22, _now()))

    def add_session_custom_title_column(self) -> None:
        steps.add_session_custom_title(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (23, _now()))

    def create_observation_feedback_table(self) -> None:
        steps.create_observation_feedback(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (24, _now()))

    def add_session_platform_source_column(self) -> None:
        steps.add_session_platform_source(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (25, _now()))

    def add_observation_subagent_columns(self) -> None:
        steps.add_subagent_columns(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (27, _now()))

    def rebuild_pending_messages_for_self_healing_claim(self) -> None:
        steps.add_pending_claim_columns(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (28, _now()))

    def add_observations_unique_content_hash_index(self) -> None:
        steps.add_observation_unique_hash(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (29, _now()))

    def add_pending_failure_reason_column(self) -> None:
        steps.add_pending_failure_reason(self.conn)
        self.conn.execute(RECORD_VERSION_SQL, (30, _now()))


def migrate_path(db_path: str) -> None:
    """Run the registry on a database file (the runtime-parity entry of ``[tool.bundler.runtime]``)."""
    conn = open_database(db_path)
    try:
        MigrationRunner(conn).run_all_migrations()
    finally:
        conn.close()
