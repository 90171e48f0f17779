"""Runtime parity: run each migration path in a subprocess and compare what it builds.

The static check proves every number is applied; only running the paths shows that a mirror
which records 28 also creates 28's index, or that an upgrade keeps every row. Each path is a
callable taking a database path (``[tool.bundler.runtime]``), run from the source or from
inside a bundle, on a fresh database and on every upgrade fixture.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bundler.config import Config
from bundler.errors import BundleError, ConfigError, error_line
from bundler.frozen import frozen
from bundler.model import Code, Finding, Location, Severity
from bundler.runtime.calls import CallRefused, CallSpec, parse_call
from bundler.runtime.schema import (
    Snapshot, TableRows, VersionRecord, connected, rows_in_file, snapshot_file, table_rows,
)
from bundler.frontends.python.sources import ARCHIVE_PACKAGES, index_definitions
from bundler.findings.verify import apply_severity

# One process per path runs it on each database in turn, reporting progress on stdout, so the
# parent knows which database a crash or a hang belongs to. A callable that is not there, or
# that cannot take the arguments configured for it, is refused before any database.
RUNNER_SCRIPT = """
import importlib, inspect, json, os, site, sqlite3, sys
os.nice(int(os.environ.pop("BUNDLER_NICENESS", "0")))
if os.environ.get("BUNDLER_SITE_PACKAGES"):
    site.addsitedir(os.environ["BUNDLER_SITE_PACKAGES"])
module_name, function_name, arguments = json.loads(sys.argv[1])
def refuse(why):
    print("refused", why, flush=True)
    sys.exit(3)
try:
    module = importlib.import_module(module_name)
except ModuleNotFoundError as error:
    if error.name and module_name.startswith(error.name):
        refuse(f"there is no module {error.name}")
    raise
migrate = getattr(module, function_name, None)
if not callable(migrate):
    refuse(f"module {module_name} has no function {function_name}")
try:
    signature = inspect.signature(migrate)
except (TypeError, ValueError):
    signature = None  # no signature to read: the call itself says
if signature is not None:
    try:
        signature.bind(*arguments)
    except TypeError:
        refuse(f"it takes {signature}")
for db_path in sys.argv[2:]:
    print("begin", db_path, flush=True)
    connection = sqlite3.connect(db_path) if "connection" in arguments else None
    migrate(*(connection if name == "connection" else db_path for name in arguments))
    if connection is not None:
        connection.commit()
        connection.close()
    print("done", db_path, flush=True)
"""


# Below this many modules, compiling them one after the other is quicker than starting a pool
# of compiler processes (measured on 2 cores: 13 modules 65 ms vs 170 ms; 300 modules 1.2 s vs 0.85 s).
SERIAL_COMPILE_LIMIT = 50


def shiv_environment(shiv_root: Path, python_modules: int) -> dict[str, str]:
    """The environment in which a bundle is started through shiv's bootstrap: it extracts into
    ``shiv_root`` and ignores any other ``SHIV_*`` setting of this shell. A small bundle's
    bytecode is compiled in one process; a large one's by one process per core, as shiv does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHIV_")}
    env.update(SHIV_ROOT=str(shiv_root), SHIV_COMPILE_WORKERS="1" if python_modules < SERIAL_COMPILE_LIMIT else "0")
    return env


def python_modules(names: list[str]) -> int:
    """How many of an archive's members are ``.py`` files of its site-packages."""
    return sum(1 for name in names if name.startswith(ARCHIVE_PACKAGES) and name.endswith(".py"))


@frozen
class PathRun:
    """One path run on one database: its schema afterwards, or why it failed."""

    name: str
    snapshot: Snapshot | None
    failure: str | None = None


@dataclass
class Launcher:
    """How to run a callable: from the project's source folders, or from a shiv bundle.

    A bundle is extracted once by shiv's own bootstrap (into ``shiv_root``), during its first
    start: the console script with ``entry_arguments`` (the build's ``--version``), else a bare
    interpreter. Each path then runs on that extracted site-packages in a plain interpreter with
    no site-packages of its own (``-S``), so it runs the bundle's code and nothing installed
    here, without paying shiv's start-up for every run. The paths start as soon as the
    extraction is in place, while the first start goes on. Use it as a context manager: leaving
    it waits for the first start (or stops it)."""

    root: Path
    bundle: Path | None
    timeout: float
    shiv_root: Path | None = None
    entry_arguments: tuple[str, ...] | None = None
    label: str | None = None  # how findings name the bundle (default: its path)
    niceness: int = 0  # added to the paths' nice value: a build's smoke run yields to pip and shiv
    extracted: Path | None = None
    _first_start: subprocess.Popen[str] | None = field(default=None, repr=False)
    _started: subprocess.CompletedProcess[str] | None = field(default=None, repr=False)

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(BundleError):
            self.started()

    def start(self, scratch: Path) -> None:
        """Start the bundle once, which has shiv extract it (unless an earlier run into the same
        root already did). Call it as early as possible: the paths wait for the extraction."""
        if self.bundle is None or self.extracted is not None or self._first_start is not None:
            return
        self.shiv_root = self.shiv_root or scratch / "shiv"
        build_id, modules = self._archive
        self.extracted = self._find_extraction(build_id)
        if self.extracted is None:
            env = shiv_environment(self.shiv_root, modules)
            if self.entry_arguments is None:
                env["SHIV_INTERPRETER"] = "1"
            arguments = ["-c", "pass"] if self.entry_arguments is None else list(self.entry_arguments)
            self._first_start = subprocess.Popen([sys.executable, str(self.bundle), *arguments], env=env,
                                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                 stderr=subprocess.PIPE, text=True)

    def prepare(self, scratch: Path) -> None:
        """Start the bundle if nobody did, and return once its extraction is in place."""
        self.start(scratch)
        process = self._first_start
        if self.extracted is not None or process is None:
            return
        build_id = self._archive[0]
        deadline = time.monotonic() + self.timeout
        while self.extracted is None:
            ended = process.poll() is not None
            self.extracted = self._find_extraction(build_id)  # shiv moves it into place in one rename
            if ended or self.extracted is not None:
                break
            if time.monotonic() > deadline:
                process.kill()
                raise BundleError(f"shiv did not extract the bundle within {self.timeout:g} s", where=str(self.bundle))
            time.sleep(0.005)
        if self.extracted is None:
            said = error_line(self.started().stderr)  # type: ignore[union-attr]
            raise BundleError("shiv did not extract the bundle: it cannot run" + (f" ({said})" if said else ""),
                              where=str(self.bundle))

    def started(self) -> subprocess.CompletedProcess[str] | None:
        """The first start, once it has ended (None when this launcher did not start the bundle)."""
        process = self._first_start
        if self._started is None and process is not None:
            try:
                stdout, stderr = process.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise BundleError(f"the bundle did not finish starting within {self.timeout:g} s",
                                  where=str(self.bundle)) from None
            self._started = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        return self._started

    @cached_property
    def _archive(self) -> tuple[str, int]:
        """The bundle's shiv build id and how many Python modules it holds, read once."""
        assert self.bundle is not None
        try:
            with zipfile.ZipFile(self.bundle) as archive:
                return str(json.loads(archive.read("environment.json"))["build_id"]), python_modules(archive.namelist())
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise BundleError(f"not a shiv bundle ({exc})", where=str(self.bundle)) from None

    def _find_extraction(self, build_id: str) -> Path | None:
        assert self.shiv_root is not None
        found = sorted(self.shiv_root.glob(f"*_{build_id}/site-packages"))
        return found[0] if found else None

    def command(self, call: CallSpec, db_paths: list[Path]) -> tuple[list[str], dict[str, str]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHIV_") and k != "PYTHONPATH"}
        arguments = ["-c", RUNNER_SCRIPT, json.dumps([call.module, call.function, call.arguments]), *map(str, db_paths)]
        if self.bundle is None:
            env["PYTHONPATH"] = os.pathsep.join([str(self.root / "src"), str(self.root)])
            return [sys.executable, *arguments], env
        env["BUNDLER_SITE_PACKAGES"] = str(self.extracted)
        env["BUNDLER_NICENESS"] = str(self.niceness)
        return [sys.executable, "-S", *arguments], env

    def run(self, call: CallSpec, db_paths: list[Path]) -> dict[Path, str | None]:
        """Run ``call`` on each database; for each, None on success, else the failure in one line.
        A callable refused before any database (absent, or not taking its arguments) is a
        ConfigError naming it."""
        command, env = self.command(call, db_paths)
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
                                    timeout=self.timeout * len(db_paths))
            stdout, stderr, code = result.stdout, result.stderr, result.returncode
        except subprocess.TimeoutExpired as expired:
            stdout = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
            stderr, code = "", None
        refused = next((line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith("refused ")), None)
        if refused is not None:
            raise CallRefused(call, refused + (f" (in {self.label or self.bundle})" if self.bundle is not None else ""))
        finished = {line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith("done ")}
        started = {line.split(" ", 1)[1] for line in stdout.splitlines() if line.startswith("begin ")}
        outcome: dict[Path, str | None] = {}
        for db_path in db_paths:
            if str(db_path) in finished:
                outcome[db_path] = None
            elif str(db_path) in started or not started:
                outcome[db_path] = self._failure(code, stderr, self.timeout * len(db_paths))
            else:
                outcome[db_path] = "not run: the same path failed on an earlier database"
        return outcome

    def _failure(self, code: int | None, stderr: str, limit: float) -> str:
        if code is None:
            return f"did not finish within {limit:g} s"
        said = error_line(stderr)
        if code < 0:
            return f"killed by signal {-code}" + (f" ({said})" if said else "")
        return said or f"exit code {code}"


def path_calls(config: Config) -> tuple[list[CallSpec], list[CallSpec]]:
    """The runner and stores (run on a fresh database and on every fixture), and the fresh
    stores (on a fresh database only)."""
    runtime = config.runtime
    if runtime.runner is None or not (runtime.stores or runtime.fresh_stores):
        raise ConfigError("runtime parity needs [tool.bundler.runtime] runner, and stores or fresh-stores"
                          " to compare with it", where=config.source)
    return ([parse_call(spec, config.source) for spec in (runtime.runner, *runtime.stores)],
            [parse_call(spec, config.source) for spec in runtime.fresh_stores])


def runtime_findings(config: Config, bundle: Path | None = None, *, launcher: Launcher | None = None,
                     scratch: Path | None = None) -> list[Finding]:
    """schema-drift and data-loss findings for every configured path (from ``bundle`` if given,
    or as ``launcher`` runs them), with the databases in ``scratch`` if given (its owner removes
    it), else in a temporary folder.

    Every run is independent (its own database), so they run side by side; the fixtures are
    loaded while the bundle is extracted."""
    if launcher is None:
        with Launcher(config.root, bundle, config.runtime.timeout) as own:
            return runtime_findings(config, launcher=own, scratch=scratch)
    if scratch is None:
        with tempfile.TemporaryDirectory(prefix="bundler-runtime-") as name:
            return runtime_findings(config, launcher=launcher, scratch=Path(name))
    try:
        return apply_severity(parity_findings(config, launcher, scratch), config.severity)
    except CallRefused as refused:
        raise ConfigError(str(refused), where=config.source) from None


def parity_findings(config: Config, launcher: Launcher, scratch: Path) -> list[Finding]:
    calls, fresh_only = path_calls(config)  # fresh stores run on new files only, never on old ones
    fixtures = config.runtime.upgrade_fixtures
    record = version_record(config)
    findings: list[Finding] = []
    fresh_paths = [scratch / f"fresh-{i}" / "db.sqlite" for i in range(len(calls) + len(fresh_only))]
    upgrades = [(fixture, i, scratch / f"upgrade-{n}-{i}" / "db.sqlite")
                for n, fixture in enumerate(fixtures) for i in range(len(calls))]
    jobs = [(call, [fresh_paths[i], *[db for _, j, db in upgrades if j == i]]) for i, call in enumerate(calls)]
    jobs += [(call, [fresh_paths[len(calls) + i]]) for i, call in enumerate(fresh_only)]
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
        extraction = pool.submit(launcher.prepare, scratch)
        for path in fresh_paths:
            path.parent.mkdir(parents=True)
        before = load_fixtures(config, upgrades)
        extraction.result()
        outcomes = list(pool.map(lambda job: launcher.run(*job), jobs))
    runs = {db: path_run(call.text, db, outcome[db], record)
            for (call, dbs), outcome in zip(jobs, outcomes, strict=True) for db in dbs}
    fresh = {call.text: runs[db] for call, db in zip([*calls, *fresh_only], fresh_paths, strict=True)}
    reference = fresh[calls[0].text]
    inside = f" inside {launcher.label or launcher.bundle}" if launcher.bundle is not None else ""
    findings += [f for call in [*calls, *fresh_only]
                 if (f := failure_finding(config, fresh[call.text], f"a fresh database{inside}"))]
    if reference.snapshot is None:
        return findings
    for call in [*calls[1:], *fresh_only]:
        if fresh[call.text].snapshot is not None:
            findings += drift_findings(config, reference, fresh[call.text], f"on a fresh database{inside}",
                                       stamped=call in fresh_only)
    for fixture, i, db in upgrades:
        findings += upgrade_findings(config, calls[i].text, f"upgrading {fixture_name(fixture)}{inside}",
                                     reference, runs[db], before[db], db, record)
    return findings


def version_record(config: Config) -> VersionRecord:
    return VersionRecord(config.version_table, config.version_key, config.version_record == "user_version")


def fixture_name(fixture: Path | CallSpec) -> str:
    return fixture.text if isinstance(fixture, CallSpec) else fixture.name


def load_fixtures(config: Config, upgrades: list[tuple[Path | CallSpec, int, Path]]) -> dict[Path, TableRows]:
    """Build every old-shaped database; returns each one's rows. A fixture built by a callable
    runs from the project's source (it is test code, not the bundle's), once per copy."""
    built: dict[Path, TableRows] = {}
    scripts = [(fixture, db) for fixture, _, db in upgrades if isinstance(fixture, Path)]
    built.update((db, load_fixture(fixture, db)) for fixture, db in scripts)
    builders: dict[CallSpec, list[Path]] = {}
    for fixture, _, db in upgrades:
        if isinstance(fixture, CallSpec):
            db.parent.mkdir(parents=True, exist_ok=True)
            builders.setdefault(fixture, []).append(db)
    with Launcher(config.root, None, config.runtime.timeout) as source:
        for builder, dbs in builders.items():
            for db, failure in source.run(builder, dbs).items():
                if failure is not None:
                    raise ConfigError(f"upgrade fixture {builder.text!r} failed: {failure}", where=config.source)
                built[db] = rows_in_file(db)
    return built


def load_fixture(fixture: Path, db_path: Path) -> TableRows:
    """Build the old-shaped database from its SQL script; returns its rows. The file is scratch,
    so it is written without syncing (each statement of a script commits on its own); neither
    setting stays with the file."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with connected(db_path) as conn:
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute("PRAGMA journal_mode = MEMORY")
            conn.executescript(fixture.read_text(encoding="utf-8"))
            return table_rows(conn)
    except (OSError, sqlite3.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"upgrade fixture cannot be loaded: {exc}", where=str(fixture)) from None


def path_run(spec: str, db_path: Path, failure: str | None, record: VersionRecord) -> PathRun:
    if failure is not None:
        return PathRun(spec, None, failure)
    return PathRun(spec, snapshot_file(db_path, record))


def upgrade_findings(
    config: Config, spec: str, where: str, reference: PathRun, upgraded: PathRun,
    before: TableRows, db_path: Path, record: VersionRecord,
) -> list[Finding]:
    if upgraded.snapshot is None:
        return [failure_finding(config, upgraded, where)]  # type: ignore[list-item]
    findings = drift_findings(config, reference, upgraded, where)
    after = rows_in_file(db_path, {table: list(columns) for table, (columns, _) in before.items()})
    for table, (columns, rows) in before.items():
        rows = Counter({row: n for row, n in rows.items() if not record.is_bookkeeping(table, columns, row)})
        lost = rows - after.get(table, (columns, Counter()))[1]
        if lost:
            findings.append(Finding(
                Code.DATA_LOSS, Severity.ERROR,
                f"{spec} loses {sum(lost.values())} of {sum(rows.values())} row(s) of {table} while {where};"
                " an upgrade must keep every row (ALTER TABLE, or copy every row when rebuilding)",
                spec_location(config, spec), None, spec,
            ))
    return findings


def failure_finding(config: Config, run: PathRun, where: str) -> Finding | None:
    if run.failure is None:
        return None
    return Finding(
        Code.SCHEMA_DRIFT, Severity.ERROR,
        f"{run.name} failed on {where}: {run.failure}", spec_location(config, run.name), None, run.name,
    )


def drift_findings(config: Config, reference: PathRun, other: PathRun, where: str, *,
                   stamped: bool = False) -> list[Finding]:
    assert reference.snapshot is not None and other.snapshot is not None
    against = "what it builds on a fresh database," if other.name == reference.name else reference.name
    return [
        Finding(Code.SCHEMA_DRIFT, Severity.ERROR,
                f"{other.name} differs from {against} {where}: {difference}",
                spec_location(config, other.name), None, other.name)
        for difference in differences(reference.snapshot, other.snapshot, stamped=stamped)
    ]


def differences(expected: Snapshot, actual: Snapshot, *, stamped: bool = False) -> Iterator[str]:
    """``stamped``: ``actual`` comes from a fresh-schema path, which records only the version it
    creates (the chain's rows are replaced by design): its newest version is what must agree."""
    """Each object that differs, named, with what differs."""
    for kind in ("tables", "indexes", "triggers", "views"):
        singular = kind[:-1] if kind != "indexes" else "index"
        for name in sorted(set(expected[kind]) | set(actual[kind])):
            if name not in actual[kind]:
                yield f"{singular} {name} is missing"
            elif name not in expected[kind]:
                yield f"{singular} {name} is extra"
            elif kind == "tables":
                yield from table_differences(name, expected[kind][name], actual[kind][name])
            elif expected[kind][name] != actual[kind][name]:
                yield f"{singular} {name} differs: {describe(expected[kind][name])} vs {describe(actual[kind][name])}"
    if stamped:
        newest, stamp = max(expected["versions"], default=None), max(actual["versions"], default=None)
        if newest != stamp:
            yield f"stamps version {stamp}, but the chain ends at {newest}"
    elif expected["versions"] != actual["versions"]:
        missing = sorted(set(expected["versions"]) - set(actual["versions"]))
        extra = sorted(set(actual["versions"]) - set(expected["versions"]))
        yield f"recorded versions differ (missing {missing or 'none'}, extra {extra or 'none'})"


def table_differences(table: str, expected: dict[str, Any], actual: dict[str, Any]) -> Iterator[str]:
    for column in sorted(set(expected["columns"]) | set(actual["columns"])):
        want, got = expected["columns"].get(column), actual["columns"].get(column)
        if got is None:
            yield f"column {table}.{column} is missing"
        elif want is None:
            yield f"column {table}.{column} is extra"
        elif want != got:
            changed = ", ".join(f"{key} {want[key]!r} vs {got[key]!r}" for key in want if want[key] != got[key])
            yield f"column {table}.{column} differs: {changed}"
    if expected["foreign_keys"] != actual["foreign_keys"]:
        yield f"foreign keys of {table} differ: {expected['foreign_keys']} vs {actual['foreign_keys']}"


def describe(value: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items())


def spec_location(config: Config, spec: str) -> Location:
    call = parse_call(spec, config.source)
    module, function = call.module, call.function
    relative = Path(*module.split("."))
    for base in (config.root / "src", config.root):
        candidate = base / relative.with_suffix(".py")
        if candidate.is_file():
            line = index_definitions(candidate.read_text(encoding="utf-8", errors="replace")).get((function, None), 1)
            return Location(config.display_prefix + candidate.relative_to(config.root).as_posix(), line)
    return Location(spec, 1)
