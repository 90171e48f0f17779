"""The source check's verdict, carried over to the bundle built from it (issue 22.3).

The check of a bundle reads its ``site-packages/`` members where the check of the source read
``src/``. When every file the source check read is the same bytes inside the archive, every file
it looked for and missed is missing there too, and every folder it listed lists the same names,
the bundle's check would read the same texts, resolve the same names and reach the same paths:
running it again proves nothing new. Whatever differs, or cannot be compared, is checked in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bundler.cache.check import read_through_the_journal
from bundler.config import Config
from bundler.errors import BundleError
from bundler.findings.suppress import COMMENT_MARK
from bundler.frontends.python.sources import ARCHIVE_PACKAGES, Archive
from bundler.model import CheckResult

SOURCE_FOLDER = "src/"  # what the wheel installs into site-packages (the src layout the build requires)


@dataclass
class Reads:
    """A ``ReadJournal`` keeping what the source check read: file → bytes (None: looked for, missing)."""

    files: dict[Path, bytes | None] = field(default_factory=dict)
    folders: dict[Path, list[str] | None] = field(default_factory=dict)
    trees: dict[Path, list[str]] = field(default_factory=dict)

    def read(self, path: Path, data: bytes | None) -> None:
        self.files[path] = data

    def listed(self, path: Path, names: list[str] | None) -> None:
        self.folders[path] = names

    def walked(self, root: Path, relpaths: list[str]) -> None:
        self.trees[root] = relpaths


def carries_over(config: Config, result: CheckResult, reads: Reads, bundle: Path, shown_as: str) -> bool:
    """Whether ``result`` (the source's check, which told ``reads``) is also the bundle's.

    Only a verdict without findings, accepted or not, is carried over, in a project without a
    baseline or suppression comments: the bundle's own check also judges suppressions of
    stale-bundle findings, which the source's does not."""
    if not read_through_the_journal(config) or result.findings or result.suppressed or config.baseline:
        return False
    if not reads.files or any(data is not None and COMMENT_MARK.encode() in data for data in reads.files.values()):
        return False
    try:
        archive = Archive(bundle, label=shown_as)
    except BundleError:
        return False
    try:
        return all(same_file(archive, relative(config, path), data) for path, data in reads.files.items()) and \
            all(same_folder(archive, relative(config, path), names) for path, names in reads.folders.items()) and \
            all(same_tree(archive, relpaths) for relpaths in reads.trees.values())
    except BundleError:  # an ambiguous or corrupt member: the full check says which
        return False


def relative(config: Config, path: Path) -> str:
    return path.relative_to(config.root).as_posix()


def same_file(archive: Archive, relpath: str, data: bytes | None) -> bool:
    """A source file read is the same member; one missed is missing. A file outside src/ has no
    copy in the archive: one the check read there is not carried over, one it missed is moot
    (the bundle's check looks only inside site-packages/)."""
    if not relpath.startswith(SOURCE_FOLDER):
        return data is None
    return archive.read(ARCHIVE_PACKAGES + relpath[len(SOURCE_FOLDER):]) == data


def same_folder(archive: Archive, relpath: str, names: list[str] | None) -> bool:
    return relpath.startswith(SOURCE_FOLDER) and archive.list_folder(relpath) == names


def same_tree(archive: Archive, relpaths: list[str]) -> bool:
    """The project's modules found in the source are the archive's, one for one (their texts are
    among the files read)."""
    return all(path.startswith(SOURCE_FOLDER) for path in relpaths) and \
        sorted(ARCHIVE_PACKAGES + path[len(SOURCE_FOLDER):] for path in relpaths) == archive.python_files()
