"""Helpers on files that both the checker's cache and the packager need, with ``os`` only: a
check replayed from the cache uses them before anything else is imported."""

from __future__ import annotations

import os


def sha256_of(path: str | os.PathLike[str]) -> str:
    """A file's SHA-256, read in blocks (a bundle may be tens of megabytes)."""
    import hashlib  # here: the front end imports this module, and a cold check hashes nothing

    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_in(folder: str | os.PathLike[str]) -> list[str] | None:
    """The names of a folder's files (not its subfolders), sorted; ``None`` where there is no folder."""
    if not os.path.isdir(folder):
        return None
    with os.scandir(folder) as entries:
        return sorted(entry.name for entry in entries if entry.is_file())
