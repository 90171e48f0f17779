"""The bundle's smoke run, started before the bundle exists.

The runtime paths and the imports of the payload run on a copy of the staged site-packages,
beside shiv, as soon as the staging is done and the source has passed its check. What they
prove holds for the bundle because shiv archives those files as they are: every member of the
archive's ``site-packages/`` is compared with the staged file it came from (its SHA-256, taken
while copying), and each run uses a plain interpreter that sees that folder only, as it would
see the bundle's extraction. shiv's own start (extraction, bootstrap, the console script) is
proved by starting the built bundle itself (``bundler.packaging.build.verify_bundle``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bundler.config import Config
from bundler.errors import BuildFailed, BundleError
from bundler.frontends.python.sources import ARCHIVE_PACKAGES
from bundler.model import Finding
from bundler.packaging.payload import Payload, compile_files, import_payload, payload_in
from bundler.packaging.project import Packaging
from bundler.runtime.parity import Launcher, runtime_findings

MEMORY_FOLDER = Path("/dev/shm")  # a folder in memory on Linux (see memory_folder)
MEMORY_MARGIN = 256 * 1024 * 1024  # what the smoke run's databases may take, and room left to others
# What pip writes into a distribution's metadata folder besides the wheel's files (PEP 376, PEP 610).
INSTALLER_BOOKKEEPING = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
# The smoke run's processes work beside pip and shiv, which the build waits for, and have time
# to spare: they take what the build's steps leave of the processors.
SMOKE_NICENESS = 10


@contextmanager
def scratch_folder(prefix: str, remover: ThreadPoolExecutor | None, parent: Path | None = None) -> Iterator[Path]:
    """A temporary folder (in ``parent`` if given), handed to ``remover`` once left (without one,
    removed at once): removing a file costs milliseconds on some disks, and the build has other
    work meanwhile (the bundle's verification after the staging, the record after the smoke
    run). Whoever owns ``remover`` waits for it before returning."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield folder
    finally:
        if remover is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            remover.submit(shutil.rmtree, folder, ignore_errors=True)


def memory_folder(extracted: int) -> Path | None:
    """Where the smoke run's scratch goes: ``/dev/shm`` when ``TMPDIR`` names no folder of its
    own and the memory there has room for ``extracted`` bytes (the bundle's site-packages) with
    plenty to spare, else None (the temporary folder). The copies and the paths' databases are
    scratch, and on a disk every file written and every commit the paths sync costs
    milliseconds (about 30 ms a path on the build machine); what they prove does not depend on
    where they are."""
    if os.environ.get("TMPDIR") or not MEMORY_FOLDER.is_dir() or not os.access(MEMORY_FOLDER, os.W_OK | os.X_OK):
        return None
    try:
        free = shutil.disk_usage(MEMORY_FOLDER).free
    except OSError:
        return None
    return MEMORY_FOLDER if free > 3 * extracted + MEMORY_MARGIN else None


def tree_files(site_packages: Path) -> list[tuple[str, Path]]:
    """Every file of a site-packages folder, by its name inside the archive (shiv's own walk:
    symbolic links followed, compiled files left out)."""
    files = []
    for folder, _, names in os.walk(site_packages, followlinks=True):
        for name in names:
            path = Path(folder, name)
            if path.suffix != ".pyc":
                files.append((ARCHIVE_PACKAGES + path.relative_to(site_packages).as_posix(), path))
    return files


def digests_of(site_packages: Path) -> dict[str, str]:
    """Each file's SHA-256, by its archive name."""
    return {member: hashlib.sha256(path.read_bytes()).hexdigest() for member, path in tree_files(site_packages)}


def copy_staged(site_packages: Path, copy: Path) -> dict[str, str]:
    """Copy the staged files to ``copy``; returns each one's SHA-256 by its archive name."""
    digests = {}
    for member, path in tree_files(site_packages):
        data = path.read_bytes()
        digests[member] = hashlib.sha256(data).hexdigest()
        target = copy / member[len(ARCHIVE_PACKAGES):]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return digests


def same_but_bookkeeping(unpacked: dict[str, str], staged: dict[str, str]) -> bool:
    """The wheel as unpacked holds what pip installed, apart from pip's own bookkeeping in the
    distribution's metadata folder (which files it wrote, by which installer, on request): no
    import reads those, and the archive is compared with what pip installed."""
    return all(unpacked.get(member) == staged.get(member) for member in unpacked.keys() | staged.keys()
               if not is_bookkeeping(member))


def is_bookkeeping(member: str) -> bool:
    parts = member.split("/")
    return len(parts) == 3 and parts[1].endswith(".dist-info") and parts[2] in INSTALLER_BOOKKEEPING


def unpack_wheel(wheels: Path, copy: Path) -> bool:
    """Unpack the one wheel in ``wheels`` as pip installs it into a folder, when that is only
    copying its files: False (nothing unpacked) for anything else (no wheel or several, or a
    ``.data`` folder, whose files pip moves elsewhere)."""
    found = list(wheels.glob("*.whl"))
    if len(found) != 1:
        return False
    with zipfile.ZipFile(found[0]) as wheel:
        names = wheel.namelist()
        if any(name.split("/")[0].endswith(".data") or name.startswith("/") or ".." in name.split("/")
               for name in names):
            return False
        wheel.extractall(copy)
    return True


def archived_as_staged(bundle: Path, digests: dict[str, str], shown_as: str) -> None:
    """The archive's ``site-packages/`` holds exactly the staged files, byte for byte; a
    difference stops the build naming the member."""
    try:
        with zipfile.ZipFile(bundle) as archive:
            members = [info for info in archive.infolist()
                       if info.filename.startswith(ARCHIVE_PACKAGES) and not info.is_dir()]
            differing = next((info.filename for info in members if info.filename not in digests
                              or hashlib.sha256(archive.read(info)).hexdigest() != digests[info.filename]), None)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"cannot read the bundle: {exc}", where=shown_as) from None
    if differing is None and len(members) != len(digests):
        differing = min(set(digests) - {info.filename for info in members})
    if differing is not None:
        raise BuildFailed(f"{shown_as}!{differing}: the archive does not hold what was staged and smoke-run;"
                          " nothing was moved into place")


class SmokeRun:
    """The runtime paths and the payload's imports, on the files the bundle will hold, byte-
    compiled first (their bytecode written beside them, which the runs' interpreters read).

    They start as early as those files are known: once the wheel is built (``wheel_built``:
    unpacked as pip installs it, and trimmed as the staging trims it), while pip installs it,
    provided the check of the source has passed (``checked``), so a failing check never waits
    for them. Once the staging is done (``staged``), what they ran on must equal it, apart from
    pip's bookkeeping; otherwise (a wheel pip does more with than copy) they run again, on a
    copy of the staged files. Used as a context manager: leaving it waits for the runs and hands
    the scratch folder to ``remover``."""

    def __init__(self, config: Config, package: Packaging, bundle: Path, shown_as: str, remover: ThreadPoolExecutor,
                 trim: Callable[[Path], None]) -> None:
        self._config, self._package, self._bundle, self._shown_as = config, package, bundle, shown_as
        self._remover, self._trim = remover, trim
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1)  # one run at a time: a run started on a guess ends before its redo
        self._folders = ExitStack()
        self._scratch: Path | None = None
        self._ready: tuple[Path, dict[str, str]] | None = None  # the files to run on, and their digests
        self._checked = False
        self._compiled: Future[int] | None = None
        self._runs: Future[tuple[list[Finding], Payload]] | None = None
        self.digests: dict[str, str] = {}  # the staged files, which the archive must hold

    def __enter__(self) -> SmokeRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True)
        self._folders.close()

    @property
    def scratch(self) -> Path:
        """The smoke run's folder: its files, its databases, and the built bundle's extraction."""
        assert self._scratch is not None, "the build stages before it verifies"
        return self._scratch

    def _folder(self, name: str, size: int) -> Path:
        if self._scratch is None:
            self._scratch = self._folders.enter_context(
                scratch_folder("bundler-smoke-", self._remover, memory_folder(size)))
        return self._scratch / name

    def wheel_built(self, wheels: Path) -> None:
        """The wheel is built: unpack it, so the runs start while pip installs it. Only a guess:
        anything that goes wrong here leaves the runs to the staged files."""
        try:
            size = sum(info.file_size for wheel in wheels.glob("*.whl") for info in zipfile.ZipFile(wheel).infolist())
            unpacked = self._folder("unpacked", size)
            if unpack_wheel(wheels, unpacked):
                self._trim(unpacked)
                self._offer(unpacked, digests_of(unpacked))
        except (OSError, zipfile.BadZipFile):
            pass

    def checked(self) -> None:
        """The source passed its check."""
        with self._lock:
            self._checked = True
            self._start_when_ready()

    def staged(self, site_packages: Path) -> None:
        """The staging is done: its files are what shiv archives next. The runs stand if they
        ran on the same files, else they run again on a copy of these."""
        digests = digests_of(site_packages)
        with self._lock:
            guessed = self._ready
        if guessed is None or not same_but_bookkeeping(guessed[1], digests):
            copy = self._folder("staged", sum(path.stat().st_size for _, path in tree_files(site_packages)))
            self._offer(copy, copy_staged(site_packages, copy), again=True)
        self.digests = digests

    def _offer(self, site_packages: Path, digests: dict[str, str], *, again: bool = False) -> None:
        with self._lock:
            self._ready = (site_packages, digests)
            if again:
                self._runs = None  # a run on the guess ends unread
            self._start_when_ready()

    def _start_when_ready(self) -> None:
        if self._checked and self._ready is not None and self._runs is None:
            site_packages = self._ready[0]
            self._compiled = self._pool.submit(compile_files, tree_files(site_packages), self._shown_as,
                                               self._config.root, self._config.display_prefix)
            self._runs = self._pool.submit(self._run, site_packages, self._compiled)

    def compiled(self) -> int:
        """How many modules of the bundle's site-packages compile; one that does not raises."""
        assert self._compiled is not None, "staged and checked"
        return self._compiled.result()

    def result(self) -> tuple[list[Finding], Payload]:
        """The runtime findings and what was imported; a module that fails to import raises."""
        assert self._runs is not None, "staged and checked"
        return self._runs.result()

    def _run(self, site_packages: Path, compiled: Future[int]) -> tuple[list[Finding], Payload]:
        compiled.result()  # a module that does not compile is the failure to report, not its import
        config = self._config
        payload = payload_in(site_packages, self._package.project, config.bundle_packages)
        launcher = Launcher(config.root, self._bundle, config.runtime.timeout, extracted=site_packages,
                            label="the new bundle", niceness=SMOKE_NICENESS)
        with ThreadPoolExecutor(1) as pool:
            imported = pool.submit(import_payload, payload, site_packages, self.scratch, config.runtime.timeout,
                                   SMOKE_NICENESS)
            databases = site_packages.parent / f"runtime-{site_packages.name}"
            databases.mkdir()
            findings = runtime_findings(config, launcher=launcher, scratch=databases) if config.runtime.runner else []
            imported.result()
        return findings, payload
