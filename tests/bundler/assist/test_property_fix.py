"""Property: after ``bundler fix --write``, running the store applies every registered migration
exactly once, in the registry's order (``out-of-order`` is an error here), and builds the
registry's schema.

A registry of steps (each adding a column, then recording its number) and a store applying some
of them, grouped in every way a path applies steps: a call, under ``if``/``try``/``with``, loops
over a tuple or a list of bound methods (on one line or several), a loop inside an ``if`` or a
``try``, a helper method calling a group, a dispatch by a name built from each number of a range
(known, or read from the database); steps are named by their number or by a word. Fix writes the
missing calls and mirrors. The truth is running the fixed store on a fresh SQLite database: a call
placed inside a loop would add its column once per entry and fail; a missing call leaves its
number unrecorded; a dispatch given both a method and a call would run the step twice; a call
after a loop whose list holds both neighbours runs out of order (the step goes into the list). Steps are
written inline, through helper methods, or with module constants, each side its own way, and the
store may keep its connection as ``self.db``: a mirror must carry over what it uses.
``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (300 in ``make test``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import sqlite3
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.cli import main

EXAMPLES = int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "300"))

# A loop's body that runs the step named for its number, where there is one.
LOOKED_UP = "    step = getattr(self, f\"step_{{number}}\", None)\n    if step is not None:\n        step()"
# How a group of present steps is applied: {calls} is one `self.step_N()` per line ({inner} the
# same, indented once), {methods} the bound methods `self.step_N, ...`, {c} the connection.
GROUPS = {
    "calls": "{calls}",
    "under_if": "if self.{c} is not None:\n{inner}",
    "under_try": "try:\n{inner}\nfinally:\n    pass",
    "under_with": "with self.{c}:\n{inner}",
    "tuple_loop": "for step in ({methods},):\n    step()",
    "list_loop": "steps = [{methods}]\nfor step in steps:\n    step()",
    "enumerate_loop": "for _, step in enumerate(({methods},)):\n    step()",
    "loop_under_if": "if self.{c} is not None:\n    for step in ({methods},):\n        step()",
    "loop_under_try": "try:\n    for step in [{methods}]:\n        step()\nexcept sqlite3.Error:\n    raise",
    "multiline_loop": "for step in (\n{inner_methods}\n):\n    step()",
    "helper": "self._group_{first}()",
    "dispatch": "for number in range({first}, {last} + 1):\n    getattr(self, f\"step_{{number}}\")()",
    "dispatch_default": "for number in range({first}, {last} + 1):\n" + LOOKED_UP,
    "dispatch_read": "for number in range(self._current() + 1, {top} + 1):\n" + LOOKED_UP,
}
# Shapes that build numbered names: dispatch, over every number from its group's first to its last
# (all present); dispatch_default, skipping the absent; dispatch_read, from the number the database
# holds (none on a fresh one: from the first) to the registry's last, so only as the one group.
DISPATCHES = {"dispatch", "dispatch_default", "dispatch_read"}
# A step's name: numbered (``step_2``, which a dispatch by name could build), or a word.
WORDS = ("notes", "tags", "pins", "links", "marks", "flags", "votes", "views")

SCHEMA = "CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY)"


@dataclass(frozen=True)
class Scenario:
    numbers: list[int]  # the registry's, in order
    groups: list[tuple[str, list[int]]]  # the store's, each a shape and the numbers it applies
    worded: bool  # steps named by a word rather than their number
    bodies: tuple[str, str]  # how the registry's and the store's steps are written (BODIES)
    connection: str  # the attribute the store keeps its connection in


# How a step adds its column and records its number: inline, through helper methods of its class,
# or with its number in a module constant.
BODIES = ("inline", "helpers", "constants")
HELPERS = """
def _add_column(self, name):
    self.{c}.execute(f"ALTER TABLE notes ADD COLUMN {{name}} TEXT")

def _stamp(self, number):
    self.{c}.execute("INSERT INTO schema_versions (version) VALUES (?)", (number,))
"""


def name_of(number: int, worded: bool) -> str:
    return f"add_{WORDS[number - 1]}" if worded else f"step_{number}"


def step(number: int, worded: bool, body: str, c: str) -> str:
    if body == "helpers":
        lines = f"self._add_column(\"c{number}\")\nself._stamp({number})\n"
    else:
        stamp = (f"\"INSERT INTO schema_versions (version) VALUES (?)\", (V_{number},)" if body == "constants"
                 else f"\"INSERT INTO schema_versions (version) VALUES ({number})\"")
        lines = f"self.{c}.execute(\"ALTER TABLE notes ADD COLUMN c{number} TEXT\")\nself.{c}.execute({stamp})\n"
    return f"def {name_of(number, worded)}(self):\n" + indented(lines, 4)


def module_head(numbers: list[int], body: str) -> str:
    constants = "".join(f"V_{n} = {n}\n" for n in numbers) if body == "constants" else ""
    return f"import sqlite3\n\n{constants}\n"


def class_tail(numbers: list[int], worded: bool, body: str, c: str) -> str:
    """The class's steps, and its helpers where its steps use them."""
    helpers = indented(HELPERS.format(c=c), 4) if body == "helpers" else ""
    return helpers + "".join("\n" + indented(step(n, worded, body, c), 4) for n in numbers)


def indented(text: str, by: int) -> str:
    return textwrap.indent(text, " " * by)


def group_text(shape: str, numbers: list[int], worded: bool, top: int, c: str) -> str:
    names = [name_of(n, worded) for n in numbers]
    calls = "\n".join(f"self.{name}()" for name in names)
    return GROUPS[shape].format(calls=calls, inner=indented(calls, 4), first=numbers[0], last=numbers[-1], top=top, c=c,
                                methods=", ".join(f"self.{name}" for name in names),
                                inner_methods=indented("".join(f"self.{name},\n" for name in names), 4).rstrip())


def runner_text(scenario: Scenario) -> str:
    numbers, worded, body = scenario.numbers, scenario.worded, scenario.bodies[0]
    calls = "".join(f"        self.{name_of(n, worded)}()\n" for n in numbers)
    return (f"{module_head(numbers, body)}\nclass Runner:\n    def __init__(self, conn):\n        self.conn = conn\n\n"
            f"    def run_all(self):\n{calls}{class_tail(numbers, worded, body, 'conn')}")


def store_text(scenario: Scenario) -> str:
    """The store: its entry applies each group in turn (a helper group in a method of its own)."""
    worded, body, c, top = scenario.worded, scenario.bodies[1], scenario.connection, scenario.numbers[-1]
    present = [n for _, numbers in scenario.groups for n in numbers]
    calls = "".join(indented(group_text(shape, numbers, worded, top, c), 8) + "\n"
                    for shape, numbers in scenario.groups)
    groups = "".join(f"\n    def _group_{numbers[0]}(self):\n"
                     + indented(group_text("calls", numbers, worded, top, c), 8) + "\n"
                     for shape, numbers in scenario.groups if shape == "helper")
    return (f"{module_head(present, body)}\nclass Store:\n    def __init__(self, conn):\n        self.{c} = conn\n"
            f"        self.{c}.execute(\"CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY)\")\n"
            f"{calls}\n    def _current(self):\n"
            f"        return self.{c}.execute(\"PRAGMA user_version\").fetchone()[0]\n"
            f"{groups}{class_tail(present, worded, body, c)}")


@st.composite
def scenarios(draw) -> Scenario:
    numbers = list(range(1, draw(st.integers(min_value=2, max_value=len(WORDS))) + 1))
    present = [n for n in numbers if draw(st.booleans())] or [draw(st.sampled_from(numbers))]
    worded = draw(st.booleans())
    groups: list[tuple[str, list[int]]] = []
    rest = present
    while rest:
        shape = draw(st.sampled_from(sorted(GROUPS)))
        size = len(rest) if shape == "dispatch_read" else draw(st.integers(min_value=1, max_value=len(rest)))
        group, rest = rest[:size], rest[size:]
        if shape in DISPATCHES and (worded or (shape == "dispatch" and group != list(range(group[0], group[-1] + 1)))
                                    or (shape == "dispatch_read" and groups)):
            shape = "calls"
        groups.append((shape, group))
    bodies = (draw(st.sampled_from(BODIES)), draw(st.sampled_from(BODIES)))
    return Scenario(numbers, groups, worded, bodies, draw(st.sampled_from(["conn", "db"])))


def run_store(folder: Path) -> tuple[set[int], set[str]]:
    """The numbers the store records on a fresh database, and the columns it gives ``notes``."""
    spec = importlib.util.spec_from_file_location(f"fixed_store_{id(folder)}", folder / "store.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    conn = sqlite3.connect(":memory:")
    conn.execute(SCHEMA)
    module.Store(conn)
    recorded = {row[0] for row in conn.execute("SELECT version FROM schema_versions")}
    return recorded, {row[1] for row in conn.execute("PRAGMA table_info(notes)")}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_fixed_store_applies_every_registered_migration_once(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "runner.py").write_text(runner_text(scenario))
        (folder / "store.py").write_text(store_text(scenario))
        (folder / "pyproject.toml").write_text(
            '[tool.bundler]\nrunner = "runner.py:Runner.run_all"\nstores = ["store.py:Store.__init__"]\n[tool.bundler.severity]\nout-of-order = "error"\n')
        said = io.StringIO()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            code = main(["fix", "--write", "--no-cache", "--config", str(folder / "pyproject.toml")])
        assert code == 0, said.getvalue() + (folder / "store.py").read_text()
        recorded, columns = run_store(folder)
    assert recorded == set(scenario.numbers)
    assert columns == {"id"} | {f"c{n}" for n in scenario.numbers}
