"""Importing a generated code base in the test's own process, for the truth of a property."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def importable(folder: Path, *packages: str) -> Iterator[None]:
    """The folder's packages importable inside the block, and forgotten after it: the next
    example's packages of the same name are then imported afresh."""
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if any(n == p or n.startswith(f"{p}.") for p in packages)]:
            del sys.modules[name]
