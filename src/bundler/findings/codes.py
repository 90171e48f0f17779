"""What every finding code means, in one place: `bundler explain`, `--list-codes`, the SARIF
rules' help and the README's finding-code sections are all read from here."""

from __future__ import annotations


from bundler.errors import ConfigError
from bundler.frozen import frozen
from bundler.model import DEFAULT_SEVERITY, Code

REPOSITORY_URI = "https://github.com/memory-worker/memory-worker"
README_URI = f"{REPOSITORY_URI}#readme"


@frozen
class CodeDoc:
    """What ``bundler explain CODE``, the README and SARIF say of one finding code."""

    summary: str  # one sentence
    trigger: str  # what makes the checker report it
    example: str  # a small code base, or configuration, that triggers it
    fix: str

    def text(self, code: Code) -> str:
        """The explanation as plain text (``bundler explain``, SARIF ``help.text``)."""
        example = "\n".join(f"    {line}" if line else "" for line in self.example.splitlines())
        return (f"{code.value} ({DEFAULT_SEVERITY[code].value} by default): {self.summary}\n\n"
                f"When: {self.trigger}\n\nExample:\n{example}\n\nFix: {self.fix}\n")

    def markdown(self, code: Code) -> str:
        """The same, for SARIF ``help.markdown`` (shown by code scanning)."""
        return (f"**{code.value}** ({DEFAULT_SEVERITY[code].value} by default): {self.summary}\n\n"
                f"**When:** {self.trigger}\n\n**Example:**\n\n```python\n{self.example}\n```\n\n**Fix:** {self.fix}\n")


def help_uri(code: Code) -> str:
    """The README section of the code (its heading is the code)."""
    return f"{REPOSITORY_URI}#{code.value}"


DOCS: dict[Code, CodeDoc] = {
    Code.MISSING_MIGRATION: CodeDoc(
        "A registered migration number is not applied by a migration path.",
        "a number the registry records is never recorded by a store path (or, below a declared head, no"
        " step records it). It points at the path's call of the neighbouring number, where the mirror goes.",
        "class MigrationRunner:\n    def run_all_migrations(self):\n        self.m27()\n        self.m28()\n"
        "        self.m29()\n\nclass SessionStore:\n    def __init__(self, conn):\n        self._m27()\n"
        "        self._m29()  # 28 was skipped",
        "add a mirror of the migration to the path (a method that brings the schema to what the registry's"
        " migration leaves, checking what exists rather than trusting the version table, and records the"
        " number), or call the path's method that already does.",
    ),
    Code.VERSION_CONFLICT: CodeDoc(
        "One migration records different numbers in the registry and in a path.",
        "a path's migration named like one of the registry's records other numbers than the registry's does"
        " (the 24/25 clash). It is information beside the by-number findings, never instead of them.",
        "class MigrationRunner:\n    def add_feedback(self):\n        self._record(24)\n\n"
        "class SessionStore:\n    def add_feedback(self):\n        self._record(25)",
        "record the registry's number in the mirror (or rename the mirror if it is another migration).",
    ),
    Code.DUPLICATE_VERSION: CodeDoc(
        "Two different migrations in one list record the same number.",
        "two methods of the registry, or of one path, record one number.",
        "class MigrationRunner:\n    def run_all_migrations(self):\n        self.add_index()\n"
        "        self.add_column()\n\n    def add_index(self):\n        self._record(31)\n\n"
        "    def add_column(self):\n        self._record(31)",
        "give one of the migrations its own number.",
    ),
    Code.UNKNOWN_VERSION: CodeDoc(
        "A path records a number the registry does not have.",
        "a store path records a number no registry migration records (or a step lies beyond a declared head).",
        "class SessionStore:\n    def __init__(self, conn):\n        self._record(31)  # the registry stops at 30",
        "register the migration in the runner, or fix the number in the path.",
    ),
    Code.OUT_OF_ORDER: CodeDoc(
        "A path applies registered migrations in another order than the registry.",
        "a path applies two registered numbers in the other relative order.",
        "class SessionStore:\n    def __init__(self, conn):\n        self._m29()\n        self._m28()",
        "reorder the path's calls to match the registry.",
    ),
    Code.UNLISTED_STEP: CodeDoc(
        "A step is written beside the registered ones, but the registry never lists it.",
        "a module of the package a listing of module names reads its steps from defines the step function every"
        " listed module defines, and no item of the listing names it: it never runs, and it has no number.",
        "MIGRATIONS = [[\"add_tags\"], [\"split_names\"]]  # upgrades/index_names.py defines migrate() too",
        "list the module as the next item and raise the head to its number, or delete the module.",
    ),
    Code.STALE_BUNDLE: CodeDoc(
        "A module inside the bundle differs from the source it was built from.",
        "with --bundle, a store or registry module inside the zipapp is not the source's text.",
        "bundler check --bundle build/worker-service.pyz  # built before the last edit",
        "rebuild the bundle (bundler build).",
    ),
    Code.SCHEMA_DRIFT: CodeDoc(
        "Two migration paths produce different schemas on a fresh database.",
        "with --runtime, a path run on a fresh (or upgrade-fixture) database ends with other tables, columns,"
        " indexes or triggers than the registry.",
        "def _ensure_pending_claim_columns(self):\n"
        "    self.conn.execute(\"ALTER TABLE pending_messages ADD COLUMN worker_pid INTEGER\")\n"
        "    self._record(28)  # but the registry also creates an index",
        "make the mirror create what the registry's migration creates.",
    ),
    Code.DATA_LOSS: CodeDoc(
        "A migration path loses rows while upgrading an old-shaped database.",
        "with --runtime, a path upgrading an upgrade fixture ends with fewer rows in a table than it began with"
        " (the rows that record the version, where [tool.bundler] says versions are kept, are not counted).",
        "def _rebuild(self):\n    self.conn.execute(\"DROP TABLE pending_messages\")  # rows gone\n"
        "    self.conn.execute(\"CREATE TABLE pending_messages (...)\")",
        "rebuild tables by copying the rows into the new table before dropping the old one.",
    ),
    Code.UNUSED_SUPPRESSION: CodeDoc(
        "A suppression comment or baseline entry suppresses nothing.",
        "a `# bundler: ignore[code] reason` comment is on a line where no finding of that code is reported,"
        " or it gives no reason (a suppression without a reason suppresses nothing), or a baseline entry"
        " matches no finding any more (it was fixed).",
        "self._m27()  # bundler: ignore[missing-migration] 28 is applied by the launcher",
        "remove the comment, or move it to the line the finding points at; always say why after it. Remove a"
        " stale baseline entry (bundler check --write-baseline rewrites the file).",
    ),
}


def explain(name: str) -> str:
    """``bundler explain CODE``."""
    try:
        code = Code(name)
    except ValueError:
        import difflib

        nearest = difflib.get_close_matches(name, [c.value for c in Code], n=1)
        hint = f"; did you mean '{nearest[0]}'?" if nearest else ""
        raise ConfigError(f"explain: unknown finding code {name!r}{hint} (bundler check --list-codes lists them)") from None
    return DOCS[code].text(code)


def code_list() -> str:
    """``bundler check --list-codes``: code, default severity, summary."""
    width = max(len(code.value) for code in Code)
    return "".join(f"{code.value:<{width}}  {DEFAULT_SEVERITY[code].value:<7}  {DOCS[code].summary}\n" for code in Code)
