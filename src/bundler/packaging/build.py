"""``bundler build``: check, stage, build the zipapp with shiv, verify it, smoke-run it, move it in place.

Nothing reaches ``build/<bundle>`` unless every step passed: the archive is written under a
temporary name and renamed last. The build is reproducible (same inputs, same bytes, from any
checkout folder): the project is copied to a staging folder, its wheel is installed without
bytecode, and shiv stamps every member with ``SOURCE_DATE_EPOCH`` (the last commit's time).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import libcst as cst

from bundler.check import run_check
from bundler.config import Config
from bundler.files import sha256_of
from bundler.errors import BuildFailed, BundleError, CheckFailed, ConfigError, error_line
from bundler.frozen import frozen
from bundler.model import CheckResult
from bundler.packaging.carry_over import Reads, carries_over
from bundler.packaging.payload import Payload, compile_members
from bundler.packaging.project import Packaging, packaging
from bundler.outputs.report import applied_phrase, counted, summary_line
from bundler.runtime.parity import Launcher
from bundler.packaging.smoke import SmokeRun, archived_as_staged, scratch_folder
from bundler.packaging.vcs import git
from bundler.frontends.python.sources import ARCHIVE_PACKAGES

Progress = Callable[..., None]  # progress(line, seconds=None): one line per step, with its own duration


def silent(line: str, seconds: float | None = None) -> None:
    """The progress of a build nobody watches."""
SHIV_VERSION = "1.0.8"
PACKAGER_TOOLS = ("shiv", "setuptools")  # the `build` extra
DEFAULT_SOURCE_DATE_EPOCH = 315532800  # 1980-01-01, the earliest date a zip can hold
STAGED_TOP_FILES = ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "setup.py", "MANIFEST.in")
IGNORED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}
# shiv's command line, started before its input exists: it imports shiv (most of its start on a
# small project) while pip works, then waits for one line: "go" runs it as `python -m shiv`
# would, anything else (the build stopped) ends it.
SHIV_WAITING = """
import runpy, sys
try:
    import shiv.cli
except ImportError:
    pass  # the run below says what is missing
if sys.stdin.readline() != "go\\n":
    sys.exit(1)
sys.stdin.close()
runpy.run_module("shiv", run_name="__main__", alter_sys=True)
"""


@frozen
class BuildRecord:
    """What a build produced, kept beside the bundle: the up-to-date test and the manifest read it."""

    bundle: str
    sha256: str
    version: str
    versions_applied: list[int]
    source_commit: str
    built_at: str
    inputs: str  # fingerprint of everything that goes into the bundle


def bundle_path(config: Config) -> Path:
    return config.root / "build" / packaging(config).bundle_name


def record_path(config: Config) -> Path:
    return config.root / "build" / f"{packaging(config).bundle_name}.json"


def read_record(path: Path) -> BuildRecord | None:
    try:
        return BuildRecord(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


# --- inputs --------------------------------------------------------------------------------


def staged_files(root: Path) -> Iterator[Path]:
    """Everything a wheel build of the project reads: top-level metadata files and src/."""
    for name in STAGED_TOP_FILES:
        if (root / name).is_file():
            yield Path(name)
    source = root / "src"
    if not source.is_dir():
        raise ConfigError("no src/ folder: bundler build expects the src layout", where=str(root))
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not (IGNORED_PARTS & set(relative.parts)) and path.suffix != ".pyc" \
                and not any(part.endswith(".egg-info") for part in relative.parts):
            yield relative


def fingerprint(config: Config, package: Packaging, epoch: int) -> str:
    """Changes when anything that goes into the bundle changes: sources, configuration,
    dependency set (the pinned tools), the Python version, and the time stamped on members."""
    digest = hashlib.sha256()
    for relative in staged_files(config.root):
        digest.update(relative.as_posix().encode() + b"\0" + (config.root / relative).read_bytes() + b"\0")
    environment = {
        "python": sys.version,
        "shiv": SHIV_VERSION,
        "tools": {name: package_version(name) for name in (*PACKAGER_TOOLS, "pip", "libcst")},
        "bundle": package.bundle_name,
        "packages": list(config.bundle_packages),
        "script": package.script,
        "epoch": epoch,
    }
    digest.update(json.dumps(environment, sort_keys=True).encode())
    return digest.hexdigest()


def package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def source_date_epoch(root: Path) -> int:
    """``SOURCE_DATE_EPOCH`` if set, else the time of the last commit that touched what goes
    into the bundle (a commit of tests only changes no byte), else 1980. A malformed value is
    an error, as the reproducible-builds specification asks, and so is one a zip cannot hold."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        if not given.isdigit():
            raise ConfigError(f"{given!r} is not a number of seconds since 1970", where="SOURCE_DATE_EPOCH")
        if int(given) < DEFAULT_SOURCE_DATE_EPOCH:
            raise ConfigError(f"{given} is before 1980-01-01, the earliest time a zip can hold",
                              where="SOURCE_DATE_EPOCH")
        return int(given)
    committed = git(root, "log", "-1", "--format=%ct", "--", "src", *STAGED_TOP_FILES)
    return int(committed) if committed and committed.isdigit() else DEFAULT_SOURCE_DATE_EPOCH


def source_commit(root: Path) -> str:
    commit = git(root, "rev-parse", "HEAD")
    if commit is None:
        return "unknown"
    dirty = git(root, "status", "--porcelain", "--untracked-files=no", "--", "src", "pyproject.toml")
    return commit + ("-dirty" if dirty else "")


# --- the steps -----------------------------------------------------------------------------


def require_packager_tools() -> None:
    """``bundler build`` needs the ``build`` extra; ``bundler check`` alone does not, so other
    projects that only check are not made to carry a shiv pin."""
    from importlib.util import find_spec

    missing = [name for name in PACKAGER_TOOLS if find_spec(name) is None]
    if missing:
        raise ConfigError(f"building a bundle needs {' and '.join(missing)}, the packager's tools:"
                          f" {build_extra_command()}")


def build_extra_command() -> str:
    """How to add the ``build`` extra from where this bundler came from (the distribution is not
    on the package index: the README installs it from the repository)."""
    from importlib.metadata import PackageNotFoundError, distribution
    from urllib.parse import unquote, urlparse

    from bundler.findings.codes import REPOSITORY_URI

    try:
        origin = json.loads(distribution("migration-bundler").read_text("direct_url.json") or "{}")
    except (PackageNotFoundError, ValueError):
        origin = {}
    url, vcs = origin.get("url"), origin.get("vcs_info")
    if isinstance(url, str) and isinstance(vcs, dict):
        return f"pip install 'migration-bundler[build] @ {vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id', '')}'"
    if isinstance(url, str) and url.startswith("file://"):
        editable = "-e " if origin.get("dir_info", {}).get("editable") else ""
        return f"pip install {editable}'{unquote(urlparse(url).path)}[build]'"
    return f"pip install 'migration-bundler[build] @ git+{REPOSITORY_URI}'"


def build(config: Config, progress: Progress, *, force: bool = False) -> BuildRecord:
    """Build, verify and smoke-run the bundle; returns its record. Up to date: does nothing."""
    require_packager_tools()
    package = packaging(config)
    target = bundle_path(config)
    epoch = source_date_epoch(config.root)
    inputs = fingerprint(config, package, epoch)
    previous = read_record(record_path(config))
    if not force and previous and previous.inputs == inputs and target.is_file() and sha256_of(target) == previous.sha256:
        progress(f"build: {display(config, target)} is up to date (sha256 {previous.sha256[:12]})")
        return previous
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    cancel = threading.Event()
    trees: dict[str, cst.Module] = {}  # the source's parsed texts, reused by the bundle's check
    reads = Reads()  # what the source's check read: where the archive holds the same, its verdict carries over
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(1) as remover, \
                SmokeRun(config, package, temporary, display(config, target), remover,
                         lambda folder: keep_only(folder, config.bundle_packages)) as smoke:
            # leaving them waits for the smoke run's processes, then until the scratch folders are gone
            with scratch_folder("bundler-stage-", remover) as stage, ThreadPoolExecutor(1) as pool:
                # Staging and shiv mostly wait on subprocesses: the check of the source runs meanwhile,
                # then the smoke run, on the wheel's files, beside pip and shiv. Nothing is moved into
                # place unless it passes; a failure stops the build at once.
                zipapp = pool.submit(build_zipapp, config, package, stage, temporary, epoch, progress, cancel, smoke)
                try:
                    result = run_check(config, trees=trees, journal=reads)
                    if not result.ok:
                        raise CheckFailed(result, "the source")
                    smoke.checked()
                    progress(f"check: {summary_line(result)}", time.monotonic() - started)
                    zipapp.result()
                except BaseException:  # a failed check, or Ctrl-C: stop the staging's subprocess at once
                    cancel.set()
                    raise
            progress(f"build: zipapp of {temporary.stat().st_size // 1024} KiB; verifying it")
            versions = verify_bundle(config, package, temporary, display(config, target), progress, smoke, trees,
                                     (result, reads))
            record = BuildRecord(
                bundle=target.name, sha256=sha256_of(temporary), version=bundle_version(temporary),
                versions_applied=versions, source_commit=source_commit(config.root),
                built_at=datetime.fromtimestamp(epoch, timezone.utc).isoformat(), inputs=inputs,
            )
            os.replace(temporary, target)
    except OSError as exc:  # a full TMPDIR or build folder: one line, nothing moved into place
        raise BuildFailed(f"{exc.filename or temporary}: {exc.strerror or exc}; nothing was moved into place") from None
    finally:
        temporary.unlink(missing_ok=True)
    write_json_atomically(record_path(config), asdict(record))
    progress(f"build: {display(config, target)} sha256 {record.sha256[:12]}, {package.project} {record.version}",
             time.monotonic() - started)  # the whole build's duration
    return record


def display(config: Config, path: Path) -> str:
    """A path as reports show paths: relative to the repository."""
    try:
        return config.display_prefix + path.relative_to(config.root).as_posix()
    except ValueError:
        return str(path)


def build_zipapp(config: Config, package: Packaging, stage: Path, output: Path, epoch: int,
                 progress: Progress = silent, cancel: threading.Event | None = None,
                 smoke: SmokeRun | None = None) -> None:
    """Stage the project's site-packages, telling ``smoke`` when its wheel is built and when
    it is installed (its smoke run starts on them), then archive it. shiv starts meanwhile and
    waits, imported, for the staging: its start is most of its time on a small project."""
    command = [sys.executable, "-c", SHIV_WAITING, *shiv_arguments(package, stage / "site-packages", output)]
    with Step("building the zipapp with shiv", command, cwd=stage, env=shiv_environment(epoch), cancel=cancel,
              waiting=True) as archiving:
        site_packages = stage_install(config, package, stage, cancel, progress, meanwhile=archiving.start,
                                      built=smoke.wheel_built if smoke is not None else None)
        if smoke is not None:
            smoke.staged(site_packages)
        progress(f"build: building the zipapp with shiv {SHIV_VERSION}")
        archiving.go()
        archiving.wait(progress=progress)


def stage_install(config: Config, package: Packaging, stage: Path, cancel: threading.Event | None = None,
                  progress: Progress = silent, built: Callable[[Path], None] | None = None,
                  meanwhile: Callable[[], None] | None = None) -> Path:
    """Copy the project, build its wheel (handed to ``built`` in its folder), install it (no
    bytecode, no scripts) into site-packages. ``meanwhile`` is called once the wheel's build
    has started: what the caller starts beside it does not delay it."""
    project = stage / "project"
    for relative in staged_files(config.root):
        destination = project / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(config.root / relative, destination)
    wheels = stage / "wheels"
    site_packages = stage / "site-packages"
    # No cache: the build neither reads nor writes the user's pip cache, and stays the same on any machine.
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "--quiet", "--no-cache-dir"]
    with Step("building the wheel", [*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(wheels),
                                     str(project)], cwd=stage, cancel=cancel) as wheel:
        wheel.start()
        if meanwhile is not None:
            meanwhile()
        wheel.wait(progress=progress)
    if built is not None:
        built(wheels)
    run_step("installing the wheel", [*pip, "install", "--no-deps", "--no-compile", "--no-index", "--find-links",
                                      str(wheels), "--target", str(site_packages), package.project], cwd=stage,
             cancel=cancel,
             progress=progress)
    shutil.rmtree(site_packages / "bin", ignore_errors=True)  # scripts carry this machine's interpreter path
    keep_only(site_packages, config.bundle_packages)
    for path in site_packages.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # the umask must not reach the archive
    return site_packages


def keep_only(site_packages: Path, packages: tuple[str, ...]) -> None:
    """Drop the wheel's other top-level packages (when bundle-packages names the ones to ship),
    then the lines of RECORD whose files are gone (the scripts, which name this machine's
    interpreter, among them), so the metadata describes what the bundle holds and stays the
    same from any machine."""
    if packages:
        for path in site_packages.iterdir():
            if path.is_dir() and not path.name.endswith(".dist-info") and path.name not in packages:
                shutil.rmtree(path)
    for record in site_packages.glob("*.dist-info/RECORD"):
        lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
        record.write_text("".join(line for line in lines if (site_packages / line.split(",", 1)[0]).exists()
                                  or line.split(",", 1)[0].endswith("RECORD")), encoding="utf-8")


def run_shiv(package: Packaging, site_packages: Path, output: Path, epoch: int,
             cancel: threading.Event | None = None, progress: Progress = silent) -> None:
    """shiv's command line, as a user would run it on the staged site-packages."""
    run_step("building the zipapp with shiv", [sys.executable, "-m", "shiv",
                                               *shiv_arguments(package, site_packages, output)],
             cwd=site_packages.parent, env=shiv_environment(epoch), cancel=cancel, progress=progress)


def shiv_arguments(package: Packaging, site_packages: Path, output: Path) -> list[str]:
    return ["--site-packages", str(site_packages), "--console-script", package.script, "--output-file", str(output),
            "--python", "/usr/bin/env python3", "--reproducible", "--compile-pyc"]


def shiv_environment(epoch: int) -> dict[str, str]:
    return dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))


def run_step(what: str, command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
             cancel: threading.Event | None = None, timeout: float = 600, progress: Progress = silent) -> None:
    """Run one build step (see Step)."""
    with Step(what, command, cwd=cwd, env=env, cancel=cancel) as step:
        step.start()
        step.wait(timeout, progress)


class Step:
    """One build step's process (from ``start``), its output kept for the error line; it stops
    as soon as ``cancel`` is set (the check failed meanwhile). ``waiting``: the process reads a
    line first and goes on only once ``go`` sends it (``SHIV_WAITING``). Leaving it stops a
    process still running."""

    def __init__(self, what: str, command: list[str], *, cwd: Path, env: dict[str, str] | None = None,
                 cancel: threading.Event | None = None, waiting: bool = False) -> None:
        self.what, self._cancel = what, cancel
        self._start = functools.partial(subprocess.Popen, command, cwd=cwd, env=env, stderr=subprocess.STDOUT,
                                        stdin=subprocess.PIPE if waiting else subprocess.DEVNULL)
        self._output = tempfile.TemporaryFile()
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Step:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait()
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._output.close()

    def start(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise BuildFailed(f"{self.what}: cancelled")
        self._process = self._start(stdout=self._output)

    def go(self) -> None:
        """Let a waiting process go on (one that ended already is reported by ``wait``)."""
        assert self._process is not None and self._process.stdin is not None, "a waiting step, started"
        with contextlib.suppress(OSError):
            self._process.stdin.write(b"go\n")
            self._process.stdin.close()

    def wait(self, timeout: float = 600, progress: Progress = silent) -> None:
        """Wait for the step to end (stopped once cancelled or after ``timeout``); says so with its duration."""
        assert self._process is not None, "a step started"
        started = time.monotonic()
        process, cancel = self._process, self._cancel
        while process.poll() is None:
            if (cancel is not None and cancel.is_set()) or time.monotonic() > started + timeout:
                process.kill()
                process.wait()
                raise BuildFailed(f"{self.what}: " + ("cancelled" if cancel is not None and cancel.is_set()
                                                      else f"did not finish within {timeout:g} s"))
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
        if process.returncode != 0:
            self._output.seek(0)
            said = error_line(self._output.read().decode("utf-8", "replace"))
            raise BuildFailed(f"{self.what} failed: {said or f'exit code {process.returncode}'}")
        progress(f"build: {self.what}: done", time.monotonic() - started)


def verify_bundle(config: Config, package: Packaging, bundle: Path, shown_as: str, progress: Progress,
                  smoke: SmokeRun, trees: dict[str, cst.Module] | None = None,
                  source: tuple[CheckResult, Reads] | None = None) -> list[int]:
    """Every module in the archive must compile; the stores read from inside it must pass and
    equal the source; the bundle must start, and its smoke run (started on the staged files,
    which the archive must hold byte for byte) must pass. The bundle starts while the rest is
    verified; any failure stops the build. ``shown_as`` is the name the user knows the bundle
    by; ``source`` is the source's check and what it read, whose verdict stands for the bundle's
    where the archive holds the same files (bundler.packaging.carry_over)."""
    assert smoke.scratch is not None, "the build stages before it verifies"
    with Launcher(config.root, bundle, config.runtime.timeout, entry_arguments=("--version",),
                  label="the new bundle") as launcher:
        started = time.monotonic()
        launcher.start(smoke.scratch)  # first: shiv's extraction is the longest step left
        compiled = compile_members(bundle, shown_as, config.root, config.display_prefix, skip=ARCHIVE_PACKAGES) \
            + smoke.compiled()  # the smoke run compiled those, and the archive holds them byte for byte
        archived_as_staged(bundle, smoke.digests, shown_as)
        if source is not None and carries_over(config, *source, bundle, shown_as):
            result = source[0]
        else:
            result = run_check(config, [bundle], trees, shown_as={bundle: shown_as})
        checked = time.monotonic() - started
        try:
            launcher.prepare(smoke.scratch)
            start = launcher.started()
        except BundleError as error:
            raise BuildFailed(f"the bundle fails to start: {error}") from None
    if not result.ok:
        raise CheckFailed(result, "the bundle")
    applied = result.applied_by_every_path()
    progress(f"verify: {counted(compiled, 'module')} in the bundle compile; its stores equal the source and apply"
             f" {applied_phrase(result)}", checked)
    if start is not None and start.returncode != 0:
        raise BuildFailed(f"the bundle fails to start: {error_line(start.stderr) or f'exit code {start.returncode}'}")
    findings, payload = smoke.result()
    smoked_in = time.monotonic() - started
    smoked = CheckResult(registry=result.registry, paths=(), findings=tuple(findings))
    if not smoked.ok:
        raise CheckFailed(smoked, "the bundle's smoke run")
    progress(f"smoke: {smoke_phrase(config, package, payload)}", smoked_in)
    return applied


def smoke_phrase(config: Config, package: Packaging, payload: Payload) -> str:
    """What the smoke run did, and nothing it did not."""
    said = f"`{package.script} --version` ran; {counted(len(payload.modules), 'module')} of" \
           f" {', '.join(payload.packages) or package.project} import from the bundle"
    if config.runtime.runner:
        fixtures = len(config.runtime.upgrade_fixtures)
        said += (f"; a fresh database and {counted(fixtures, 'upgrade fixture')} reach the full schema from it,"
                 " every row kept")
    return said


def bundle_version(bundle: Path) -> str:
    """The version in the distribution's metadata inside the archive."""
    try:
        with zipfile.ZipFile(bundle) as archive:
            for name in archive.namelist():
                if name.endswith(".dist-info/METADATA") and name.count("/") == 2:
                    for line in archive.read(name).decode("utf-8", "replace").splitlines():
                        if line.startswith("Version:"):
                            return line.split(":", 1)[1].strip()
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleError(f"cannot read the bundle: {exc}", where=str(bundle)) from None
    return "unknown"


def write_json_atomically(path: Path, data: object) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=2, sort_keys=True)
        stream.write("\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
