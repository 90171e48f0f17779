"""Property: after ``bundler fix --write`` on a version chain (``if version < 3: ...``), the store's
chain takes a fresh database and a database at every version the registry's chain leaves on the
way to the latest schema, applying each missing block once, in order.

The registry's chain has a block per number (a column added, then ``PRAGMA user_version = N``); the
store's copy has some of them, guarded the ways chains are written (``v < N``, ``v <= N - 1``,
``not v >= N``, ``N > v``, under its own variable's name). Fix writes the missing blocks. The truth is running
the fixed store: on a fresh database, and on each database the registry leaves at a lower version
(a block placed out of order, or guarded wrongly, adds a column twice or leaves one out).
``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (200 in ``make test``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.cli import main

EXAMPLES = int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "200"))

# A block's guard, by the number it stamps ({v}: the chain's variable).
GUARDS = {
    "below": "if {v} < {n}:",
    "at_most": "if {v} <= {n_1}:",
    "not_reached": "if not {v} >= {n}:",
    "flipped": "if {n} > {v}:",
}
PYPROJECT = """\
[tool.bundler]
style = "version-chain"
version-record = "user_version"
runner = "migrate.py:migrate"
stores = ["store.py:open_database"]
"""


@dataclass(frozen=True)
class Scenario:
    numbers: list[int]  # the registry's blocks, in order
    blocks: list[tuple[int, str]]  # the store's: each number it stamps, and its guard
    variable: str  # the store's name for the version it read


def chain(function: str, variable: str, blocks: list[tuple[int, str]]) -> str:
    text = f"def {function}(conn):\n    {variable} = conn.execute(\"PRAGMA user_version\").fetchone()[0]\n"
    for number, guard in blocks:
        text += (f"    {GUARDS[guard].format(v=variable, n=number, n_1=number - 1)}\n"
                 f"        conn.execute(\"ALTER TABLE notes ADD COLUMN c{number} TEXT\")\n"
                 f"        conn.execute(\"PRAGMA user_version = {number}\")\n")
    return text


@st.composite
def scenarios(draw) -> Scenario:
    numbers = list(range(1, draw(st.integers(min_value=2, max_value=6)) + 1))
    present = [n for n in numbers if draw(st.booleans())] or [draw(st.sampled_from(numbers))]
    return Scenario(numbers, [(n, draw(st.sampled_from(sorted(GUARDS)))) for n in present],
                    draw(st.sampled_from(["version", "current"])))


def database_at(version: int) -> sqlite3.Connection:
    """A database the registry's chain left at ``version``: its columns, and the version stamped."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    for number in range(1, version + 1):
        conn.execute(f"ALTER TABLE notes ADD COLUMN c{number} TEXT")
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"fixed_chain_{id(path)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_fixed_chain_upgrades_every_database_the_registry_leaves(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "migrate.py").write_text(chain("migrate", "version", [(n, "below") for n in scenario.numbers]))
        (folder / "store.py").write_text(chain("open_database", scenario.variable, scenario.blocks))
        (folder / "pyproject.toml").write_text(PYPROJECT)
        said = io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            code = main(["fix", "--write", "--no-cache", "--config", str(folder / "pyproject.toml")])
        assert code == 0, said.getvalue() + (folder / "store.py").read_text()
        store = load(folder / "store.py")
    latest = scenario.numbers[-1]
    for version in range(latest):
        conn = database_at(version)
        store.open_database(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest, version
        columns = {row[1] for row in conn.execute("PRAGMA table_info(notes)")}
        assert columns == {"id"} | {f"c{n}" for n in scenario.numbers}, version
