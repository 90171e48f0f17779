"""Helpers on files that both the checker's cache and the packager need, with ``os`` only: a
check replayed from the cache uses them before anything else is imported."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # the replay imports this module first: nothing more than os at run time
    from collections.abc import Callable


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


# Folders that hold no module of the project: tools' and version control's own (hidden), caches,
# installed or built copies, JavaScript packages, and tests (their doubles never run in the code
# a store is given).
NOT_THE_PROJECT = {"__pycache__", "node_modules", "site-packages", "build", "dist", "tests", "test", "__tests__"}
SCRIPT_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")


def python_files_under(root: str | os.PathLike[str]) -> list[str]:
    """The project's Python modules below ``root``: every ``.py`` file but tests (``test_*.py``,
    ``*_test.py``, ``conftest.py``) and those in the folders that are not the project's."""
    return project_files_under(root, lambda name: name.endswith(".py") and not (
        name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"))


def script_files_under(root: str | os.PathLike[str]) -> list[str]:
    """The project's TypeScript and JavaScript modules below ``root``: no declaration files
    (``.d.ts``), tests (``*.test.ts``, ``*.spec.js``), minified files (``*.min.js``), nothing in the
    folders that are not the project's."""
    return project_files_under(root, lambda name: name.endswith(SCRIPT_SUFFIXES) and not (
        ".d." in name or ".test." in name or ".spec." in name or ".min." in name))


def project_files_under(root: str | os.PathLike[str], wanted: Callable[[str], bool]) -> list[str]:
    """The files named as ``wanted`` below ``root``, as POSIX paths relative to it in a fixed order,
    outside hidden folders, virtual environments and the folders in NOT_THE_PROJECT."""
    found: list[str] = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not (
            name.startswith(".") or name in NOT_THE_PROJECT or name.endswith(".egg-info")
            or os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))))
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        found += [name if relative == "." else f"{relative}/{name}" for name in sorted(names) if wanted(name)]
    return found
