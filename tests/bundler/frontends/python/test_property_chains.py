"""Property: version chains, a store that delegates to one or copies it, and a fresh path beside it.

A registry chain (``if version < N:`` blocks, each stamping ``PRAGMA user_version`` or nothing, the number
given literally, through a constant, a helper's parameter, a format, or read back from the
database and fixed by a comparison) and a store that calls the chain (delegation), or runs its
own copy of some of its blocks (with numbers of its own), after a fresh-schema path that stamps
a number (``fresh-stores``). The truth is obtained by running the store against SQLite from every
starting version and collecting what it stamps; a fresh path applies every registered number up
to its stamp (the design's reading). A registry step that stamps nothing is recorded when a stamp
of its number or more follows it in a run; in a chain that stamps, one never recorded is
``missing-migration`` on the registry. A step running SQL the checker cannot read (kept in the
database) may stamp anything: the check stops. ``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples
(a tenth of the methods property's, 200 in ``make test``).
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

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config
from bundler.errors import UnresolvableError

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
STAMP = re.compile(r"PRAGMA user_version\s*=\s*(\d+)", re.IGNORECASE)
# How a block stamps its number N.
STAMP_FORMS = ("literal", "constant", "helper", "percent", "fstring", "read_back")

COMMON = '''
import sqlite3

V = {numbers}


def stamp(conn, version):
    conn.execute(f"PRAGMA user_version = {{version}}")


def user_version(conn):
    return conn.execute("PRAGMA user_version").fetchone()[0]
'''


def stamp_line(number: int, form: str) -> str:
    if form == "literal":
        return f'conn.execute("PRAGMA user_version = {number}")'
    if form == "constant":
        return f'conn.execute("PRAGMA user_version = %d" % V[{number}])'
    if form == "helper":
        return f"stamp(conn, {number})"
    if form == "percent":
        return f'conn.execute("PRAGMA user_version = %s" % {number})'
    if form == "fstring":
        return f'step = {number}\nconn.execute(f"PRAGMA user_version = {{step}}")'
    if form == "read_back":  # a number read from the database, fixed by the comparison after it
        return (f'found = conn.execute("SELECT {number}").fetchone()[0]\nassert found == {number}\n'
                f'conn.execute("PRAGMA user_version = %d" % found)')
    if form == "none":  # a step that stamps nothing: recorded only if a later stamp of its number or more follows
        return "pass"
    if form == "unreadable":  # SQL kept in the database (none here): whether the step stamps cannot be known
        return ('conn.execute("CREATE TABLE IF NOT EXISTS t_sql (sql TEXT)")\n'
                'for row in conn.execute("SELECT sql FROM t_sql").fetchall():\n    conn.execute(row[0])')
    raise AssertionError(form)


def chain(name: str, blocks: list[tuple[int, str]]) -> str:
    body = "version = user_version(conn)\n" + "".join(
        f"if version < {number}:\n    conn.execute(\"CREATE TABLE IF NOT EXISTS t_{number} (x)\")\n"
        + textwrap.indent(stamp_line(number, form), "    ") + "\n" for number, form in blocks)
    return f"def {name}(conn):\n" + textwrap.indent(body, "    ")


@st.composite
def scenarios(draw) -> dict:
    # numbers from 2: a start at version 1 runs every block, as the checker's "may apply" reads them
    registry = sorted(draw(st.lists(st.integers(min_value=2, max_value=12), min_size=1, max_size=6, unique=True)))
    blocks = [(n, draw(st.sampled_from((*STAMP_FORMS, "none")))) for n in registry]
    if draw(st.booleans()) and draw(st.booleans()):  # one step runs SQL the checker cannot read
        where = draw(st.integers(min_value=0, max_value=len(blocks) - 1))
        blocks[where] = (blocks[where][0], "unreadable")
    delegate = draw(st.booleans())
    copy: list[tuple[int, str]] = []
    if not delegate:
        kept = draw(st.lists(st.sampled_from(registry + list(range(13, 16))), max_size=7, unique=True))
        copy = [(n, draw(st.sampled_from(STAMP_FORMS))) for n in sorted(kept)]
    fresh = draw(st.one_of(st.none(), st.sampled_from(sorted({max(registry), max(registry) - 1, 14}))))
    returns = fresh is not None and draw(st.booleans())  # the fresh path leaves the chain unrun
    # a guard shaped like a chain block (``== 0``) or not, beside the call of the chain or of the copy
    shaped = fresh is not None and draw(st.booleans())
    return {"registry": blocks, "delegate": delegate, "copy": copy, "fresh": fresh, "returns": returns, "shaped": shaped,
            "numbers": sorted({n for n, _ in blocks} | {n for n, _ in copy} | ({fresh} if fresh else set()))}


def write_codebase(folder: Path, scenario: dict) -> None:
    common = COMMON.format(numbers="{" + ", ".join(f"{n}: {n}" for n in scenario["numbers"]) + "}")
    (folder / "migrations.py").write_text(common + "\n\n" + chain("migrate", scenario["registry"]) + "\n")
    fresh = scenario["fresh"]
    store = common + "\nfrom migrations import migrate\n\n\n"
    if fresh is not None:
        store += (f"def create_fresh(conn):\n    conn.executescript(\"CREATE TABLE IF NOT EXISTS t_fresh (x);"
                  f" PRAGMA user_version = {fresh};\")\n\n\n")
    if not scenario["delegate"]:
        store += chain("upgrade", scenario["copy"]) + "\n\n\n"
    body = ""
    if fresh is not None:
        # a guard shaped like a chain block: the path is what running it applies, the copy's blocks included
        guard = "user_version(conn) == 0" if scenario["shaped"] else "not user_version(conn)"
        body += f"if {guard}:\n    create_fresh(conn)\n" + ("    return\n" if scenario["returns"] else "")
    body += "migrate(conn)\n" if scenario["delegate"] else "upgrade(conn)\n"
    store += "def open_db(conn):\n" + textwrap.indent(body, "    ")
    (folder / "store.py").write_text(store)
    (folder / "pyproject.toml").write_text(
        '[tool.bundler]\nstyle = "version-chain"\nversion-record = "user_version"\n'
        'runner = "migrations.py:migrate"\nstores = ["store.py:open_db"]\n'
        + ('fresh-stores = ["store.py:create_fresh"]\n' if fresh is not None else ""))


def stamped(folder: Path, module: str, function: str, skip: str | None = None) -> set[int]:
    """What running ``function`` stamps, from every starting version (the stamps of ``skip``, a
    fresh path, left out: the design reads those by their own rule)."""
    return {number for run in runs(folder, module, function, skip) for kind, number in run if kind == "stamp"}


def recorded_steps(folder: Path, module: str, function: str) -> set[int]:
    """The steps some run records: the step's table is created, and a stamp of its number or more
    follows in the same run."""
    return {number for run in runs(folder, module, function) for index, (kind, number) in enumerate(run)
            if kind == "step" and any(k == "stamp" and n >= number for k, n in run[index:])}


TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS t_(\d+)")


def runs(folder: Path, module: str, function: str, skip: str | None = None) -> list[list[tuple[str, int]]]:
    """Each run's steps and stamps, in order, from every starting version."""
    spec = importlib.util.spec_from_file_location(f"{module}_{id(folder)}", folder / f"{module}.py")
    loaded = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.path.insert(0, str(folder))
    try:
        spec.loader.exec_module(loaded)  # type: ignore[union-attr]
        found: list[list[tuple[str, int]]] = []
        for start in range(0, 17):
            conn = sqlite3.connect(":memory:")
            conn.execute(f"PRAGMA user_version = {start}")
            seen: list[str] = []
            conn.set_trace_callback(seen.append)
            in_fresh = [False]
            if skip is not None:
                original = getattr(loaded, skip)

                def fresh(c, original=original):
                    in_fresh[0] = True
                    original(c)
                    in_fresh[0] = False
                setattr(loaded, skip, fresh)
                conn.set_trace_callback(lambda sql: None if in_fresh[0] else seen.append(sql))
            getattr(loaded, function)(conn)
            found.append([("stamp", int(m.group(1))) if m.re is STAMP else ("step", int(m.group(1)))
                          for sql in seen for m in [STAMP.search(sql) or TABLE.search(sql)] if m is not None])
            if skip is not None:
                setattr(loaded, skip, original)
            conn.close()
        return found
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("migrations", None)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_chain_paths_apply_what_running_them_stamps(scenario: dict) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, scenario)
        registry_stamps = stamped(folder, "migrations", "migrate")
        recorded = recorded_steps(folder, "migrations", "migrate")
        store = stamped(folder, "store", "open_db", skip="create_fresh" if scenario["fresh"] else None)
        config = load_config(str(folder / "pyproject.toml"))
        if any(form == "unreadable" for _, form in scenario["registry"]):  # it may stamp: the check stops
            with pytest.raises(UnresolvableError, match="SQL text that cannot be read statically"):
                run_check(config)
            return
        result = run_check(config)
    registry = {n for n, _ in scenario["registry"]}  # the chain's steps, as the style reads them
    # a step no run records, in a chain that records its other steps itself, is missing on the registry
    unrecorded = registry - recorded if registry_stamps else set()
    assert {f.version for f in result.findings if f.path is None and f.code.value == "missing-migration"} == unrecorded
    if scenario["delegate"]:  # calling the chain applies every step it has, as the style reads them
        store |= {n for n, form in scenario["registry"] if form == "none"}
    fresh = scenario["fresh"]
    if fresh is not None:  # a fresh path applies every registered number up to its stamp
        store |= {n for n in registry if n <= fresh} | {fresh}
    assert set(result.registry.applied()) == registry
    path = next(p for p in result.paths if p.name.endswith("open_db"))
    assert set(path.applied()) == store
    on_store = [f for f in result.findings if f.path is not None and "open_db" in f.path]
    assert {f.version for f in on_store if f.code.value == "missing-migration"} == registry - store
    assert {f.version for f in on_store if f.code.value == "unknown-version"} == store - registry
