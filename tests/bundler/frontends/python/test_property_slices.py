"""Property: a list of SQL scripts numbered by position (records style), run by a path from a
version read from the database up to a wanted one, then stamped once.

The registry is ``SCRIPTS`` (item k is version k + 1; some items share one text, as two releases
without a schema change do); the path runs ``SCRIPTS[found:wanted]`` or ``SCRIPTS[found:]``,
directly or through a helper it hands each script to, with or without a guard that returns when
the database is current, and then stamps ``wanted`` (a constant, a literal, or the list's
length). The truth is obtained by running the path against SQLite from every starting version
and collecting the item numbers it ran (the i-th script run from version s is item s + i) and
the numbers it stamped. ``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (a tenth of the
methods property's, 200 in ``make test``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import sys
import tempfile
import textwrap
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
STAMP = re.compile(r"PRAGMA user_version\s*=\s*(\d+)", re.IGNORECASE)
WANTED = ("constant", "literal", "length")  # how the path names the version it brings the database to
STAMPS = ("fstring", "percent", "format")


@st.composite
def scenarios(draw) -> dict:
    count = draw(st.integers(min_value=1, max_value=6))
    # a script is its own table, or the text every release without a schema change shares
    scripts = [draw(st.sampled_from((f"CREATE TABLE t{k} (x INTEGER)", "-- no schema change")))
               for k in range(count)]
    wanted = draw(st.sampled_from(WANTED))
    # from 1: a guard `if 0 <= found: return` always returns, which "may apply" reads as may not
    literal = draw(st.integers(min_value=1, max_value=count + 1))
    return {"scripts": scripts, "wanted": wanted, "literal": literal, "to_end": draw(st.booleans()),
            "helper": draw(st.booleans()), "guard": draw(st.booleans()), "stamp": draw(st.sampled_from(STAMPS))}


def write_codebase(folder: Path, scenario: dict) -> None:
    scripts = scenario["scripts"]
    items = "".join(f"    {text!r},\n" for text in scripts)
    (folder / "schema.py").write_text(f"SCRIPTS = [\n{items}]\nLATEST = {len(scripts)}\n")
    target = {"constant": "LATEST", "literal": str(scenario["literal"]), "length": "len(SCRIPTS)"}[scenario["wanted"]]
    stamp = {"fstring": 'f"PRAGMA user_version = {wanted}"', "percent": '"PRAGMA user_version = %d" % wanted',
             "format": '"PRAGMA user_version = {}".format(wanted)'}[scenario["stamp"]]
    run = "apply(conn, script)" if scenario["helper"] else "conn.executescript(script)"
    body = "if wanted <= found:\n    return\n" if scenario["guard"] else ""
    part = "SCRIPTS[found:]" if scenario["to_end"] else "SCRIPTS[found:wanted]"
    body += f"for script in {part}:\n    {run}\nconn.execute({stamp})\n"
    app = ("from schema import LATEST, SCRIPTS\n\n\ndef apply(conn, script):\n    conn.executescript(script)\n\n\n"
           "def bring_up_to_date(conn, found, wanted):\n" + textwrap.indent(body, "    ") + "\n\n"
           "def open_db(conn):\n    found = conn.execute(\"PRAGMA user_version\").fetchone()[0]\n"
           f"    bring_up_to_date(conn, found, {target})\n")
    (folder / "app.py").write_text(app)
    (folder / "pyproject.toml").write_text(
        '[tool.bundler]\nstyle = "records"\nversion-record = "user_version"\nrunner = "schema.py:SCRIPTS"\n'
        'stores = ["app.py:open_db"]\nhead = "schema.py:LATEST"\n[tool.bundler.styles]\nrecord-number = "position"\n')


class Recorder:
    """A connection that keeps the scripts run, in order (SQLite's trace splits a script)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.scripts, self.stamps = conn, [], set()

    def executescript(self, script: str):
        self.scripts.append(script)
        return self.conn.executescript(script)

    def execute(self, sql: str, *args):
        self.stamps |= {int(m.group(1)) for m in STAMP.finditer(sql)}
        return self.conn.execute(sql, *args)


def applied_by_running(folder: Path, scripts: list[str]) -> set[int]:
    spec = importlib.util.spec_from_file_location(f"app_{id(folder)}", folder / "app.py")
    loaded = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(loaded)  # type: ignore[union-attr]
        found: set[int] = set()
        for start in range(len(scripts) + 3):
            conn = sqlite3.connect(":memory:")
            conn.execute(f"PRAGMA user_version = {start}")
            recorder = Recorder(conn)
            loaded.open_db(recorder)
            for index, script in enumerate(recorder.scripts):
                assert script == scripts[start + index]  # a slice from the version found: item start + index
                found.add(start + index + 1)
            found |= recorder.stamps
            conn.close()
        return found
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("schema", None)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_slice_of_the_scripts_applies_the_items_it_runs_and_what_it_stamps(scenario: dict) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, scenario)
        path = applied_by_running(folder, scenario["scripts"])
        result = run_check(load_config(str(folder / "pyproject.toml")))
    registry = set(range(1, len(scenario["scripts"]) + 1))
    assert set(result.registry.applied()) == registry
    on_path = [f for f in result.findings if f.path is not None and "open_db" in f.path]
    assert {f.version for f in on_path if f.code.value == "missing-migration"} == registry - path
    assert {f.version for f in on_path if f.code.value == "unknown-version"} == path - registry
