"""The checker's whole vocabulary: frozen data passed from extraction to verification to reports."""

from __future__ import annotations

from dataclasses import field
from enum import Enum
from functools import cached_property

from bundler.frozen import frozen


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    OFF = "off"


class Code(str, Enum):
    MISSING_MIGRATION = "missing-migration"
    VERSION_CONFLICT = "version-conflict"
    DUPLICATE_VERSION = "duplicate-version"
    UNKNOWN_VERSION = "unknown-version"
    OUT_OF_ORDER = "out-of-order"
    UNLISTED_STEP = "unlisted-step"
    STALE_BUNDLE = "stale-bundle"
    SCHEMA_DRIFT = "schema-drift"
    DATA_LOSS = "data-loss"
    UNUSED_SUPPRESSION = "unused-suppression"


DEFAULT_SEVERITY: dict[Code, Severity] = {code: Severity.ERROR for code in Code} | {
    Code.OUT_OF_ORDER: Severity.WARNING, Code.UNUSED_SUPPRESSION: Severity.WARNING,
}


@frozen
class EntrySpec:
    """Where a list of migrations starts: ``path/to/file.py:Class.method`` or ``pkg.mod:Class.method``.

    Registry styles other than method lists also take ``file.py:Name`` (a class, a function or
    a module-level name; ``method`` empty) and a bare file or folder (both empty)."""

    target: str  # a file path or a dotted module name, as written
    class_name: str = ""
    method: str = ""
    # where it was written, for messages ("--store on the command line", "stores in pyproject.toml")
    named_by: str = field(default="", compare=False)

    @property
    def named_where(self) -> str:
        return f" (named by {self.named_by})" if self.named_by else ""

    def __str__(self) -> str:
        qualified = ".".join(filter(None, (self.class_name, self.method)))
        return f"{self.target}:{qualified}" if qualified else self.target


@frozen
class Location:
    """Where a finding points: a file as users know it and a line."""

    file: str  # as shown to users: relative to the project, or "archive.pyz!member"
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@frozen
class Migration:
    """One applied migration: a method reached from an entry and the numbers it records."""

    method: str  # Class.method
    location: Location  # where the method is defined
    versions: tuple[int, ...]
    # where the path applies it (the call, or the recording statement): where a neighbour's fix goes
    call_site: Location | None = field(default=None, compare=False)
    # extraction's handle on that call, turned into call_site only for a path that lacks numbers
    # (a line costs a walk of the whole module)
    call: object = field(default=None, compare=False, repr=False)
    # a fresh-schema path's creation of the latest schema at once: it stands for every number up
    # to its stamp, and is neither a step that repeats a number nor one out of order
    fresh: bool = False
    # the exclusive branches (site, index) and calls it sits in: two migrations on different
    # branches of one site never run in one run (if/else, match cases)
    branch: tuple = field(default=(), compare=False, repr=False)
    # the migration it wraps, when it only calls one (m28 -> _finish -> _really_finish): the names
    # along the way, and where the innermost, the one that records, is defined
    aliases: tuple[str, ...] = field(default=(), compare=False)
    inner: Location | None = field(default=None, compare=False)
    # a step whose number the registry's style declares (a version module's do_upgrade): it
    # records nothing itself, so a record of that number inline on the path is its stamp
    declared: bool = field(default=False, compare=False)

    @property
    def identity(self) -> tuple[str, Location]:
        """Which function it is, however it is reached: the innermost one that records."""
        return (self.aliases[-1], self.inner) if self.aliases and self.inner else (self.method, self.location)


@frozen
class MigrationList:
    """What an entry applies, in order. The registry is one; every store path is another."""

    name: str  # Class.method of the entry
    location: Location
    migrations: tuple[Migration, ...]
    origin: str = "source"  # "source", or the bundle's path
    missing_advice: str | None = None  # how to fix a missing {version}, when the style knows better than "add a mirror"
    # the numbers (lowest, highest; None: no bound) a path builds its steps' names from, when its
    # loop bounds them (range(current + 1, 29)): a step beyond them is never looked up
    reach: tuple[int | None, int | None] | None = None
    # the names it looks up by getattr on its objects and finds no method under (Class.name, or
    # Class.name_{version} built from a number): a method defined under one is found and run
    lookups: tuple[str, ...] = ()
    # methods of the path's class that record numbers the path lacks but that it never calls
    uncalled: tuple[Migration, ...] = ()
    # numbers the registry keeps with no step (a retired migration's empty entry in a listing):
    # no path need apply them, and a head above them has them accounted for
    retired: tuple[int, ...] = ()
    # steps written beside the listed ones (a module of the listing's package defining the step
    # function every listed module defines) that the listing never names: they never run
    unlisted: tuple[Migration, ...] = ()
    # steps the style declares (a chain's blocks) whose code, run, records neither their number
    # nor a later one, in a list whose other steps record their own
    unrecorded: tuple[Migration, ...] = ()

    def applied(self) -> list[int]:
        """Every recorded number, in the order first applied."""
        seen: dict[int, None] = {}
        for migration in self.migrations:
            for version in migration.versions:
                seen.setdefault(version, None)
        return list(seen)

    def recorders(self, version: int) -> list[Migration]:
        return list(self.by_version.get(version, ()))

    @cached_property
    def by_version(self) -> dict[int, tuple[Migration, ...]]:
        """Built once per list, so looking numbers up stays linear on stores of hundreds."""
        index: dict[int, list[Migration]] = {}
        for migration in self.migrations:
            for version in migration.versions:
                index.setdefault(version, []).append(migration)
        return {version: tuple(found) for version, found in index.items()}


@frozen
class Head:
    """A declared current version (``db_version = 43``): every number from the base up to it
    must have a step, and none may lie beyond it."""

    value: int
    name: str  # as configured: db_default.py:db_version
    location: Location  # the assignment


@frozen
class Suppression:
    """Why a finding is accepted: a ``# bundler: ignore[code] reason`` comment, or the baseline."""

    kind: str  # "comment" or "baseline"
    reason: str
    location: Location | None = None  # the comment


@frozen
class BuiltFrom:
    """A finding inside a bundle as it reads against the source files its members were built
    from: how the baseline knows it, and where GitHub and SARIF place it (a file that exists in
    the repository)."""

    location: Location
    message: str


@frozen
class Finding:
    """One thing the check reports: its code, severity, message, place and, where it has one, its number and path."""

    code: Code
    severity: Severity
    message: str
    location: Location
    version: int | None = None
    path: str | None = None
    suppression: Suppression | None = None
    built_from: BuiltFrom | None = None

    @property
    def source_location(self) -> Location:
        """Where the finding is in the repository's files."""
        return self.built_from.location if self.built_from is not None else self.location


@frozen
class CheckResult:
    """A whole check: the registry, every path, and the findings that count and those accepted."""

    registry: MigrationList
    paths: tuple[MigrationList, ...]
    findings: tuple[Finding, ...] = field(default_factory=tuple)  # the ones that count
    suppressed: tuple[Finding, ...] = field(default_factory=tuple)  # reported, but accepted

    @property
    def ok(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def applied_by_every_path(self) -> list[int]:
        """The registered numbers every path applies, in the registry's order: what can be said
        to be applied (a missing number whose finding was accepted is not among them)."""
        applied_by = [set(path.applied()) for path in self.paths]
        return [version for version in self.registry.applied() if all(version in path for path in applied_by)]
