"""Cache entries on disk: one file per key in the project's build folder (a check's verdict as
JSON, a replay's output in its own format).

Safe under concurrent runs (two pre-commit hooks at once): an entry is written under a temporary
name and renamed into place, so a reader sees a whole entry or none; an entry that cannot be read
or understood is a miss, never an error. The folder is bounded: beyond its limits the entries
used least recently are removed. With ``os`` only: the replay reads entries before anything
else is imported.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

ENTRY_FORMAT = 1
MAX_ENTRIES = 32
MAX_BYTES = 32 * 1024 * 1024
CACHE_FOLDER = os.path.join("build", "bundler-cache")  # in the project's folder
SUFFIXES = (".json", ".replay")  # the entries (what evict counts)


def cache_folder(root: Path) -> Path:
    return root / CACHE_FOLDER


def read_entry(folder: str | os.PathLike[str], key: str) -> dict[str, Any] | None:
    """The entry stored under ``key``, or None: absent, torn, foreign or of another format."""
    import json  # here: the replay reads no JSON

    data = read_stored(folder, f"{key}.json")
    try:
        entry = json.loads(data) if data is not None else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != ENTRY_FORMAT or entry.get("key") != key:
        return None
    return entry


def write_entry(folder: str | os.PathLike[str], key: str, entry: dict[str, Any]) -> None:
    import json

    store(folder, f"{key}.json", json.dumps({"format": ENTRY_FORMAT, "key": key, **entry}, separators=(",", ":")).encode())


def read_stored(folder: str | os.PathLike[str], name: str) -> bytes | None:
    """The file's bytes (then it is the last to be evicted), or None."""
    path = os.path.join(folder, name)
    try:
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError:
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return data


def store(folder: str | os.PathLike[str], name: str, data: bytes) -> None:
    """Store atomically, then evict beyond the bounds. A cache that cannot be written (a
    read-only checkout, a full disk) is no error: the next run checks again."""
    if len(data) > MAX_BYTES:
        return
    try:
        os.makedirs(folder, exist_ok=True)
        ignore = os.path.join(folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as stream:
                stream.write("# written by bundler check: its cache, never committed\n*\n")
        import tempfile  # only a miss writes

        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, os.path.join(folder, name))
        except BaseException:
            os.unlink(temporary)
            raise
        evict(folder)
    except OSError:
        pass


def evict(folder: str | os.PathLike[str]) -> None:
    """Remove the least recently used entries while there are too many or they weigh too much."""
    entries = []
    for name in os.listdir(folder):
        if not name.endswith(SUFFIXES):
            continue
        path = os.path.join(folder, name)
        try:
            found = os.stat(path)
        except OSError:  # removed meanwhile by another run's eviction
            continue
        entries.append((found.st_mtime_ns, found.st_size, path))
    entries.sort(reverse=True)
    kept = total = 0
    for _, size, path in entries:
        kept += 1
        total += size
        if kept > MAX_ENTRIES or total > MAX_BYTES:
            try:
                os.unlink(path)
            except FileNotFoundError:  # removed meanwhile by another run's eviction
                pass
