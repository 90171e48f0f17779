"""Helpers on files that both the checker's cache and the packager need, with the standard library only."""

from __future__ import annotations

from pathlib import Path


def sha256_of(path: Path) -> str:
    """A file's SHA-256, read in blocks (a bundle may be tens of megabytes)."""
    import hashlib  # here: the front end imports this module, and a cold check hashes nothing

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_in(folder: Path) -> list[str] | None:
    """The names of a folder's files (not its subfolders), sorted; ``None`` where there is no folder."""
    return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else None
