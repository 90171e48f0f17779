"""``bundler sync`` and ``bundler rollback``: install a verified bundle atomically, keep the previous one.

Layout of the install directory (every switch is one atomic rename of a symlink, so a crash at
any moment leaves the old or the new bundle, each with the manifest that describes it)::

    releases/<sha256[:16]>/worker-service.pyz   a complete release: bundle + manifest.json
    current  -> releases/<new>                   flipped last, by rename
    previous -> releases/<old>
    worker-service.pyz       -> current/worker-service.pyz
    worker-service.pyz.prev  -> previous/worker-service.pyz
    manifest.json            -> current/manifest.json
    .lock                    held by the one sync or rollback at work here
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from bundler.frozen import frozen
from bundler.packaging.build import (
    bundle_path, bundle_version, read_record, record_path, sha256_of, write_json_atomically,
)
from bundler.check import run_check
from bundler.config import Config
from bundler.errors import BuildFailed, BundleError, ConfigError, error_line
from bundler.packaging.project import Packaging, normalized, packaging

INSTALL_DIR_ENV = "BUNDLER_INSTALL_DIR"
MANIFEST = "manifest.json"
LOCK_FILE = ".lock"
LOCK_WAIT = 60.0  # seconds a sync or rollback waits for another one on the same directory


@frozen
class Manifest:
    bundle: str
    version: str
    sha256: str
    versions_applied: list[int]
    source_commit: str
    built_at: str
    project: str = ""  # the [project] name; manifests written before it was recorded have none


@frozen
class Installed:
    directory: Path
    manifest: Manifest
    changed: bool
    previous: Manifest | None


def install_dir(config: Config, flag: str | None) -> Path:
    """``--to``, else ``$BUNDLER_INSTALL_DIR`` (as tests and CI set it), else ``[tool.bundler]
    install-dir``, else a folder named after the project (project.py)."""
    if flag:
        return Path(flag).expanduser().resolve()
    if os.environ.get(INSTALL_DIR_ENV):
        return Path(os.environ[INSTALL_DIR_ENV]).expanduser().resolve()
    return packaging(config).install_dir


def refuse_another_project(directory: Path, package: Packaging) -> None:
    """An install directory holds one project's bundle: syncing another's over it would replace
    a working install of something else (issue 19). Exit 1, nothing touched."""
    current = current_manifest(directory)
    if current is None:
        return
    same = normalized(current.project) == normalized(package.project) if current.project \
        else current.bundle == package.bundle_name  # a manifest from before projects were recorded
    if not same:
        owner = f"the project {current.project}" if current.project else "another project"
        raise BuildFailed(f"{directory}: holds {current.bundle} of {owner}, not of {package.project};"
                          " nothing was changed (install elsewhere with --to, or set install-dir)")


def sync(config: Config, bundle: Path, directory: Path) -> Installed:
    """Verify ``bundle`` and install it into ``directory``; the old one becomes the previous."""
    package = packaging(config)
    refuse_another_project(directory, package)
    if not bundle.is_file():
        raise BundleError("no bundle to install; run `bundler build` first", where=str(bundle))
    result = run_check(config, [bundle])
    if not result.ok:
        raise BuildFailed(f"{bundle}: the bundle does not verify; nothing was installed")
    record = read_record(record_path(config)) if bundle.resolve() == bundle_path(config).resolve() else None
    digest = sha256_of(bundle)
    recorded = record is not None and record.sha256 == digest
    manifest = Manifest(
        bundle=package.bundle_name,
        version=record.version if record and recorded else bundle_version(bundle),
        sha256=digest,
        versions_applied=result.applied_by_every_path(),
        source_commit=record.source_commit if record and recorded else "unknown",
        built_at=record.built_at if record and recorded else "unknown",
        project=package.project,
    )
    try:
        (directory / "releases").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the install directory: {exc.strerror}", where=str(directory)) from None
    with exclusive(directory):
        refuse_another_project(directory, package)  # another sync may have installed meanwhile
        prepare(directory, package.bundle_name)
        previous = current_manifest(directory)
        if previous is not None and previous.sha256 == digest and release_is_complete(directory / "current", package):
            return Installed(directory, previous, changed=False, previous=read_manifest(directory / "previous"))
        release = write_release(directory, bundle, manifest)
        try:
            ensure_entry_links(directory, package.bundle_name)  # they lead through `current`: set them first
        except OSError as exc:
            raise BuildFailed(f"{exc.filename or directory}: cannot link the release: {exc.strerror or exc};"
                              " the installed bundle is untouched") from None
        old = (directory / "current").resolve() if (directory / "current").is_symlink() else None
        if old is not None and old != release:
            point(directory / "previous", old.relative_to(directory))
        point(directory / "current", release.relative_to(directory))  # the one switch that installs
        ensure_entry_links(directory, package.bundle_name)
        fsync_directory(directory)
        prune(directory)
        run_restart(config, directory)
    return Installed(directory, manifest, changed=True, previous=previous)


def rollback(config: Config, directory: Path) -> Installed:
    """Make the previous release current again (and the current one previous)."""
    package = packaging(config)
    current, previous = directory / "current", directory / "previous"
    refuse_another_project(directory, package)
    nothing = BundleError("no previous bundle to roll back to", where=str(directory))
    if not previous.is_symlink():  # (also when the directory does not exist: nothing to lock)
        raise nothing
    with exclusive(directory):
        if not release_is_complete(previous, package):
            raise nothing
        new_current = previous.resolve().relative_to(directory)
        old_current = current.resolve().relative_to(directory) if current.is_symlink() else None
        point(current, new_current)
        if old_current is not None:
            point(previous, old_current)
        ensure_entry_links(directory, package.bundle_name)
        fsync_directory(directory)
        run_restart(config, directory)
        manifest = read_manifest(current)
    assert manifest is not None
    return Installed(directory, manifest, changed=True, previous=read_manifest(previous))


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """One sync or rollback at a time per install directory: both switch the same links, and a
    sync removes whatever is neither current nor previous, such as another's half-written
    release. A second one waits for the first (up to LOCK_WAIT seconds)."""
    import fcntl  # POSIX, as the symlinked layout is

    with (directory / LOCK_FILE).open("a") as handle:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BundleError(f"another bundler sync or rollback is still using this install directory"
                                      f" after {LOCK_WAIT:g} s; nothing was changed", where=str(directory)) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def prepare(directory: Path, bundle_name: str) -> None:
    for leftover in directory.glob(".*.tmp"):  # a temporary link of an interrupted sync
        leftover.unlink(missing_ok=True)
    for leftover in directory.glob("releases/.*.tmp"):  # a half-written release of a killed sync
        shutil.rmtree(leftover, ignore_errors=True)
    legacy = directory / bundle_name
    if legacy.is_file() and not legacy.is_symlink():
        raise BundleError(f"holds a {bundle_name} that this tool did not install; move it away first",
                          where=str(directory))


def write_release(directory: Path, bundle: Path, manifest: Manifest) -> Path:
    """A complete release folder, written under a temporary name and renamed into place."""
    release = directory / "releases" / manifest.sha256[:16]
    if release.is_dir() and read_manifest(release) == manifest and sha256_of(release / manifest.bundle) == manifest.sha256:
        return release
    staging = directory / "releases" / f".{manifest.sha256[:16]}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        copy_with_fsync(bundle, staging / manifest.bundle)
        (staging / manifest.bundle).chmod(0o755)
        write_json_atomically(staging / MANIFEST, asdict(manifest))
        fsync_directory(staging)
    except OSError as exc:  # a full disk, say: nothing half-written stays behind
        shutil.rmtree(staging, ignore_errors=True)
        raise BuildFailed(f"{exc.filename or staging}: cannot write the release: {exc.strerror or exc};"
                          " the installed bundle is untouched") from None
    if release.exists():
        shutil.rmtree(release)
    os.replace(staging, release)
    fsync_directory(release.parent)
    return release


def copy_with_fsync(source: Path, destination: Path) -> None:
    with source.open("rb") as reader, destination.open("wb") as writer:
        shutil.copyfileobj(reader, writer, 1 << 20)
        writer.flush()
        os.fsync(writer.fileno())


def point(link: Path, target: Path) -> None:
    """Atomically make ``link`` a symlink to ``target`` (relative): a new link, then a rename."""
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target, temporary)
    os.replace(temporary, link)


def ensure_entry_links(directory: Path, bundle_name: str) -> None:
    """The stable names users run; ``.prev`` only once there is a previous release."""
    links = [(bundle_name, Path("current") / bundle_name), (MANIFEST, Path("current") / MANIFEST)]
    if (directory / "previous").is_symlink():
        links.append((f"{bundle_name}.prev", Path("previous") / bundle_name))
    for name, target in links:
        link = directory / name
        if not link.is_symlink() or Path(os.readlink(link)) != target:
            point(link, target)


def fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def prune(directory: Path) -> None:
    """Remove releases that are neither current nor previous, and leftovers of interrupted syncs."""
    keep = {(directory / name).resolve() for name in ("current", "previous") if (directory / name).is_symlink()}
    for release in (directory / "releases").iterdir():
        if release.resolve() not in keep:
            shutil.rmtree(release, ignore_errors=True)


def read_manifest(release: Path) -> Manifest | None:
    try:
        return Manifest(**json.loads((release / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def current_manifest(directory: Path) -> Manifest | None:
    return read_manifest(directory / "current") if (directory / "current").is_symlink() else None


def release_is_complete(release: Path, package: Packaging) -> bool:
    manifest = read_manifest(release)
    bundle = release / (manifest.bundle if manifest else package.bundle_name)
    return manifest is not None and bundle.is_file() and sha256_of(bundle) == manifest.sha256


def run_restart(config: Config, directory: Path) -> None:
    if not config.restart_command:
        return
    try:
        result = subprocess.run(list(config.restart_command), cwd=directory, capture_output=True, text=True,
                                timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildFailed(f"installed, but the restart command failed: {exc}") from None
    if result.returncode != 0:
        said = error_line(result.stderr)
        raise BuildFailed(f"installed, but the restart command exited {result.returncode}" + (f": {said}" if said else ""))

