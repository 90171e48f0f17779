"""Where the worker keeps its data, and opening it: shared by the CLI and the HTTP API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from worker.errors import StorageError
from worker.store.session_store import SessionStore

DATA_DIR_ENV = "WORKER_DATA_DIR"
DEFAULT_DATA_DIR = Path("~/.memory-worker")
DATABASE_NAME = "worker.db"


def data_dir(explicit: str | None = None) -> Path:
    chosen = explicit or os.environ.get(DATA_DIR_ENV) or str(DEFAULT_DATA_DIR)
    return Path(chosen).expanduser()


def database_path(directory: Path) -> Path:
    return directory / DATABASE_NAME


def open_store(directory: Path) -> SessionStore:
    """Open the store in ``directory``, turning every low-level failure into a StorageError."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{directory}: data directory is not usable: {exc.strerror or exc}") from None
    if not os.access(directory, os.W_OK):
        raise StorageError(f"{directory}: data directory is not writable")
    path = database_path(directory)
    try:
        return SessionStore(path)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot migrate database: {exc}") from None
