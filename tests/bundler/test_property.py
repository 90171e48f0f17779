"""Property: what the checker says is missing equals what executing the store really misses.

Random registries and stores are rendered to Python source from the recognised ways of
recording a number and of applying a migration; the truth is obtained by running the
generated store against an in-memory SQLite database and reading ``schema_versions``.
``BUNDLER_PROPERTY_EXAMPLES`` raises the number of examples (500 in ``make test``).
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

EXAMPLES = int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "500"))

RECORD_FORMS = (
    "params", "sql_literal", "module_constant", "class_constant", "imported_constant", "star_constant",
    "module_attribute",
    "helper_param", "deep_helper", "sql_constant", "named_params", "prepared", "executemany",
)
APPLY_FORMS = ("call", "under_if", "under_try", "under_with", "loop", "unpacking_loop", "enumerate_loop", "group",
               "not_called", "commented")

SHIM = '''
class Statement:
    def __init__(self, conn, sql):
        self.conn, self.sql = conn, sql

    def run(self, *params):
        self.conn.execute(self.sql, params)


class Db:
    def __init__(self, conn):
        self.conn = conn

    def prepare(self, sql):
        return Statement(self.conn, sql)
'''

HEADER = '''
import contextlib

import versions as version_numbers
from dbshim import Db
from versions import *  # noqa: F403

RECORD_SQL = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES (?, ?)"
'''


@dataclass(frozen=True)
class Mirror:
    version: int
    record: str
    apply: str


def record_statement(version: int, form: str) -> tuple[str, list[str], list[str]]:
    """(method body, extra class-level lines, extra methods) recording ``version`` in ``form``."""
    insert = "INSERT OR REPLACE INTO schema_versions (version, applied_at) VALUES"
    if form == "params":
        return f'self.conn.execute("{insert} (?, ?)", ({version}, "now"))', [], []
    if form == "sql_literal":
        return f"self.conn.execute(\"{insert} ({version}, 'now')\")", [], []
    if form == "module_constant":
        return f'self.conn.execute("{insert} (?, ?)", (M_{version}, "now"))', [], []
    if form == "imported_constant":
        return f'self.conn.execute("{insert} (?, ?)", (I_{version}, "now"))', [], []
    if form == "star_constant":
        return f'self.conn.execute("{insert} (?, ?)", (V_{version}, "now"))', [], []
    if form == "module_attribute":
        return f'self.conn.execute("{insert} (?, ?)", (version_numbers.V_{version}, "now"))', [], []
    if form == "class_constant":
        return f'self.conn.execute("{insert} (?, ?)", (self.C_{version}, "now"))', [f"C_{version} = {version}"], []
    if form == "helper_param":
        return f"self._record({version})", [], []
    if form == "deep_helper":
        return f"self._outer_{version}()", [], [
            f"def _outer_{version}(self):\n    self._inner_{version}()",
            f"def _inner_{version}(self):\n    self._record(version={version})",
        ]
    if form == "sql_constant":
        return f'self.conn.execute(RECORD_SQL, ({version}, "now"))', [], []
    if form == "named_params":
        return f'self.conn.execute("{insert} (:v, :at)", {{"v": {version}, "at": "now"}})', [], []
    if form == "prepared":
        return f'Db(self.conn).prepare(RECORD_SQL).run({version}, "now")', [], []
    if form == "executemany":
        return f'self.conn.executemany(RECORD_SQL, [({version}, "now")])', [], []
    raise AssertionError(form)


def render_class(name: str, entry: str, prefix: str, mirrors: list[Mirror]) -> str:
    body_lines: list[str] = []
    class_lines: list[str] = []
    methods: list[str] = [
        "def _record(self, version):\n    self.conn.execute(RECORD_SQL, (version, 'now'))",
    ]
    groups: list[list[str]] = []
    for index, mirror in enumerate(mirrors):
        method = f"{prefix}_{index}"
        statement, extra_class, extra_methods = record_statement(mirror.version, mirror.record)
        class_lines += [line for line in extra_class if line not in class_lines]
        methods += [f"def {method}(self):\n    {statement}", *extra_methods]
        call = f"self.{method}()"
        if mirror.apply == "call":
            body_lines.append(call)
        elif mirror.apply == "under_if":
            body_lines.append(f"if self.conn is not None:\n    {call}")
        elif mirror.apply == "under_try":
            body_lines.append(f"try:\n    {call}\nfinally:\n    pass")
        elif mirror.apply == "under_with":
            body_lines.append(f"with contextlib.nullcontext():\n    {call}")
        elif mirror.apply == "loop":
            body_lines.append(f"for step in (self.{method},):\n    step()")
        elif mirror.apply == "unpacking_loop":
            body_lines.append(f"for name, step in ((\"{method}\", self.{method}),):\n    step()")
        elif mirror.apply == "enumerate_loop":
            body_lines.append(f"for index, step in enumerate([self.{method}]):\n    step()")
        elif mirror.apply == "group":
            if not groups or len(groups[-1]) >= 2:
                groups.append([])
                body_lines.append(f"self._group_{prefix}_{len(groups) - 1}()")
            groups[-1].append(call)
        elif mirror.apply == "commented":
            body_lines.append(f"# {call}")
        # "not_called": defined, never called
    for number, calls in enumerate(groups):
        methods.append(f"def _group_{prefix}_{number}(self):\n" + "\n".join(f"    {c}" for c in calls))
    numbers = sorted({m.version for m in mirrors})
    module_lines = "".join(f"M_{v} = {v}\n" for v in numbers)
    module_lines += "".join(f"from versions import V_{v} as I_{v}\n" for v in numbers)
    source = f"class {name}:\n"
    for line in class_lines:
        source += f"    {line}\n"
    source += f"\n    def {entry}(self, conn):\n        self.conn = conn\n"
    source += textwrap.indent("\n".join(body_lines), " " * 8) + ("\n" if body_lines else "")
    for method in methods:
        source += "\n" + textwrap.indent(method, "    ") + "\n"
    return HEADER + module_lines + "\n\n" + source


def recorded_by_running(folder: Path, module: str, cls: str, entry_is_init: bool) -> set[int]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE schema_versions (version INTEGER PRIMARY KEY, applied_at TEXT)")
    sys.path.insert(0, str(folder))
    try:
        for name in ("versions", "dbshim", module):
            sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location(module, folder / f"{module}.py")
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        klass = getattr(loaded, cls)
        if entry_is_init:
            klass(conn)
        else:
            instance = klass.__new__(klass)
            instance.conn = conn
            instance.run_all_migrations(conn)
    finally:
        sys.path.remove(str(folder))
        for name in ("versions", "dbshim", module):
            sys.modules.pop(name, None)
    return {row[0] for row in conn.execute("SELECT version FROM schema_versions")}


registry_versions = st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8, unique=True).map(sorted)


@st.composite
def scenarios(draw) -> tuple[list[Mirror], list[Mirror]]:
    versions = draw(registry_versions)
    registry = [Mirror(v, draw(st.sampled_from(RECORD_FORMS)), "call") for v in versions]
    chosen = draw(st.lists(st.sampled_from(versions), max_size=len(versions) + 2))
    extras = draw(st.lists(st.integers(min_value=61, max_value=70), max_size=2))
    store = [
        Mirror(v, draw(st.sampled_from(RECORD_FORMS)), draw(st.sampled_from(APPLY_FORMS)))
        for v in chosen + extras
    ]
    return registry, store


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_reported_missing_and_unknown_numbers_equal_what_running_the_store_records(scenario) -> None:
    registry, store = scenario
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        all_versions = sorted({m.version for m in registry + store})
        (folder / "versions.py").write_text("".join(f"V_{v} = {v}\n" for v in all_versions))
        (folder / "dbshim.py").write_text(SHIM)
        runner_source = render_class("MigrationRunner", "run_all_migrations", "migration", registry)
        (folder / "runner.py").write_text(runner_source)
        (folder / "store.py").write_text(render_class("Store", "__init__", "mirror", store))
        (folder / "pyproject.toml").write_text(
            '[tool.bundler]\nrunner = "runner.py:MigrationRunner.run_all_migrations"\n'
            'stores = ["store.py:Store.__init__"]\n'
        )

        truth_registry = recorded_by_running(folder, "runner", "MigrationRunner", entry_is_init=False)
        truth_store = recorded_by_running(folder, "store", "Store", entry_is_init=True)
        result = run_check(load_config(str(folder / "pyproject.toml")))

    reported = {f.code.value: set() for f in result.findings}
    for finding in result.findings:
        reported[finding.code.value].add(finding.version)
    assert set(result.registry.applied()) == truth_registry
    assert set(result.paths[0].applied()) == truth_store
    assert reported.get("missing-migration", set()) == truth_registry - truth_store
    assert reported.get("unknown-version", set()) == truth_store - truth_registry
