"""Cache entries on disk: one JSON file per key in the project's build folder.

Safe under concurrent runs (two pre-commit hooks at once): an entry is written under a temporary
name and renamed into place, so a reader sees a whole entry or none; an entry that cannot be read
or understood is a miss, never an error. The folder is bounded: beyond its limits the entries
used least recently are removed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ENTRY_FORMAT = 1
MAX_ENTRIES = 32
MAX_BYTES = 32 * 1024 * 1024


def cache_folder(root: Path) -> Path:
    return root / "build" / "bundler-cache"


def read_entry(folder: Path, key: str) -> dict[str, Any] | None:
    """The entry stored under ``key``, or None: absent, torn, foreign or of another format."""
    path = folder / f"{key}.json"
    try:
        entry = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("key") != key:
        return None
    try:
        os.utime(path)  # used: the last to be evicted
    except OSError:
        pass
    return entry


def write_entry(folder: Path, key: str, entry: dict[str, Any]) -> None:
    """Store atomically, then evict beyond the bounds. A cache that cannot be written (a
    read-only checkout, a full disk) is no error: the next run checks again."""
    data = json.dumps({"format": ENTRY_FORMAT, "key": key, **entry}, separators=(",", ":")).encode()
    if len(data) > MAX_BYTES:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# written by bundler check: its cache, never committed\n*\n", encoding="utf-8")
        import tempfile  # only a miss writes

        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, folder / f"{key}.json")
        except BaseException:
            os.unlink(temporary)
            raise
        evict(folder)
    except OSError:
        pass


def evict(folder: Path) -> None:
    """Remove the least recently used entries while there are too many or they weigh too much."""
    entries = []
    for path in folder.glob("*.json"):
        try:
            found = path.stat()
        except OSError:  # removed meanwhile by another run's eviction
            continue
        entries.append((found.st_mtime_ns, found.st_size, path))
    entries.sort(reverse=True)
    kept = total = 0
    for _, size, path in entries:
        kept += 1
        total += size
        if kept > MAX_ENTRIES or total > MAX_BYTES:
            path.unlink(missing_ok=True)
