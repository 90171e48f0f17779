"""What the shipped worker opens: a store whose constructor runs its own migration list.

The inline list mirrors ``MigrationRunner`` number by number. Mirrors are driven by what the
database holds (columns, indexes, constraints), never by ``schema_versions`` alone: in the
incident a store's list went from 27 straight to 29, and databases ended with 29 recorded and
28's columns missing. ``bundler check`` fails the build when this list skips a number.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from worker.store import schema_steps as steps
from worker.store.db import WorkerConnection, migration_transaction, open_database
from worker.store.introspect import recorded_versions


class SessionStore:
    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self.conn: WorkerConnection = open_database(self.db_path)
        with migration_transaction(self.conn):
            self._ensure_base_schema()
            self._ensure_worker_port()
            self._ensure_prompt_tracking()
            self._ensure_summaries_not_unique()
            self._ensure_observation_hierarchy()
            self._ensure_observation_text_nullable()
            self._ensure_user_prompts()
            self._ensure_discovery_tokens()
            self._ensure_pending_messages()
            self._ensure_session_id_names()
            self._ensure_pending_failed_at()
            self._ensure_cascading_foreign_keys()
            self._ensure_observation_content_hash()
            self._ensure_session_custom_title()
            self._ensure_observation_feedback()
            self._ensure_session_platform_source()
            self._ensure_subagent_columns()
            self._ensure_pending_claim_columns()
            self._ensure_observation_unique_hash()
            self._ensure_pending_failure_reason()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def versions(self) -> list[int]:
        return recorded_versions(self.conn)

    def _record_version(self, version: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO schema_versions (version, applied_at) VALUES (?, ?)",
            (version, datetime.now(timezone.utc).isoformat()),
        )

    def _ensure_base_schema(self) -> None:
        steps.create_base_schema(self.conn)
        self._record_version(4)

    def _ensure_worker_port(self) -> None:
        steps.add_worker_port(self.conn)
        self._record_version(5)

    def _ensure_prompt_tracking(self) -> None:
        steps.add_prompt_tracking(self.conn)
        self._record_version(6)

    def _ensure_summaries_not_unique(self) -> None:
        steps.drop_session_summaries_unique(self.conn)
        self._record_version(7)

    def _ensure_observation_hierarchy(self) -> None:
        steps.add_observation_hierarchy(self.conn)
        self._record_version(8)

    def _ensure_observation_text_nullable(self) -> None:
        steps.make_observation_text_nullable(self.conn)
        self._record_version(9)

    def _ensure_user_prompts(self) -> None:
        steps.create_user_prompts(self.conn)
        self._record_version(10)

    def _ensure_discovery_tokens(self) -> None:
        steps.add_discovery_tokens(self.conn)
        self._record_version(11)

    def _ensure_pending_messages(self) -> None:
        steps.create_pending_messages(self.conn)
        self._record_version(16)

    def _ensure_session_id_names(self) -> None:
        steps.rename_session_id_columns(self.conn)
        self._record_version(17)

    def _ensure_pending_failed_at(self) -> None:
        steps.add_pending_failed_at(self.conn)
        self._record_version(20)

    def _ensure_cascading_foreign_keys(self) -> None:
        steps.cascade_session_id_updates(self.conn)
        self._record_version(21)

    def _ensure_observation_content_hash(self) -> None:
        steps.add_observation_content_hash(self.conn)
        self._record_version(22)

    def _ensure_session_custom_title(self) -> None:
        steps.add_session_custom_title(self.conn)
        self._record_version(23)

    def _ensure_observation_feedback(self) -> None:
        steps.create_observation_feedback(self.conn)
        self._record_version(24)

    def _ensure_session_platform_source(self) -> None:
        steps.add_session_platform_source(self.conn)
        self._record_version(25)

    def _ensure_subagent_columns(self) -> None:
        steps.add_subagent_columns(self.conn)
        self._record_version(27)

    def _ensure_pending_claim_columns(self) -> None:
        """Mirror of MigrationRunner.rebuild_pending_messages_for_self_healing_claim (28).

        The mirror the incident's store lacked. Column existence decides, so databases that
        recorded 29 without 28 heal on their next open.
        """
        steps.add_pending_claim_columns(self.conn)
        self._record_version(28)

    def _ensure_observation_unique_hash(self) -> None:
        steps.add_observation_unique_hash(self.conn)
        self._record_version(29)

    def _ensure_pending_failure_reason(self) -> None:
        steps.add_pending_failure_reason(self.conn)
        self._record_version(30)


def open_path(db_path: str) -> None:
    """Open and migrate a database file through the store (the runtime-parity entry)."""
    SessionStore(db_path).close()
