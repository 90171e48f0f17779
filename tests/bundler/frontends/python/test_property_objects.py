"""Property: steps reached through objects, built where the checker can see them or given by a caller.

A registry (``Runner.run_all_migrations``) and a store (``Store.__init__``) each apply some steps
as their own methods, and others as methods of collaborator objects: built in ``__init__`` from a
class it imports (the checker follows them), or given by the caller (``service.py`` builds them),
with the class's module imported by the registry's module or not. A collaborator's method is a
``def``, a name bound in the class body to another method (``step_3 = _step_3``), or a module
function the class holds (``step_3 = apply_3``, which gets the object first and records the
number the object holds). Collaborators' classes may record their number or record nothing; a test module defines recording methods of the same names
(tests are not the project). The truth is obtained by running the service and the store against
SQLite. The checker either gives exactly that verdict, or, when a method called on a given object
may record somewhere in the project, stops (exit 2) naming it: never a verdict that differs.
``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (a tenth of the methods property's).
"""

from __future__ import annotations

import importlib
import itertools
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config
from bundler.errors import UnresolvableError

from .importable import importable

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
HOW = ("own", "built", "given_imported", "given_unimported")
FORMS = ("def", "alias", "held")  # how a collaborator's class binds its method (see part_module)
PACKAGES = itertools.count()
RECORD = "INSERT OR IGNORE INTO schema_versions (version) VALUES ({n})"


@dataclass(frozen=True)
class Step:
    number: int
    how: str  # how the entry reaches the step (HOW)
    records: bool  # whether the step's code records its number
    form: str = "def"  # how a collaborator binds the step's method (FORMS)


def step_body(step: Step) -> str:
    body = f'        conn.execute("CREATE TABLE IF NOT EXISTS t{step.number} (id INTEGER)")\n'
    return body + (f'        conn.execute("{RECORD.format(n=step.number)}")\n' if step.records else "")


def part_module(step: Step) -> str:
    """The collaborator's module: class Part, whose ``step_N`` applies the step."""
    n = step.number
    if step.form == "def":
        return f"class Part:\n    def step_{n}(self, conn):\n" + step_body(step)
    if step.form == "alias":
        return f"class Part:\n    def _step_{n}(self, conn):\n{step_body(step)}\n    step_{n} = _step_{n}\n"
    body = f'    conn.execute("CREATE TABLE IF NOT EXISTS t{n} (id INTEGER)")\n'
    if step.records:
        body += '    conn.execute("INSERT OR IGNORE INTO schema_versions (version) VALUES (?)", (part.NUMBER,))\n'
    return f"def apply_{n}(part, conn):\n{body}\n\nclass Part:\n    NUMBER = {n}\n    step_{n} = apply_{n}\n"


def entry_class(name: str, entry: str, steps: list[Step], package: str) -> str:
    """A class applying ``steps`` from ``entry``: its own methods, or collaborators' (part_N.Part)."""
    given = [s for s in steps if s.how.startswith("given")]
    imports = "".join(f"from {package} import part_{s.number}\n" for s in steps
                      if s.how in ("built", "given_imported"))
    parameters = "".join(f", part_{s.number}" for s in given)
    lines = [f"class {name}:", f"    def __init__(self, conn{parameters}):", "        self.conn = conn"]
    lines += [f"        self.part_{s.number} = part_{s.number}.Part()" for s in steps if s.how == "built"]
    lines += [f"        self.part_{s.number} = part_{s.number}" for s in given]
    calls = [f"        self.step_{s.number}(self.conn)" if s.how == "own" else f"        self.part_{s.number}.step_{s.number}(self.conn)"
             for s in steps]
    if entry == "__init__":
        lines += calls or ["        pass"]
    else:
        lines += ["", f"    def {entry}(self):", *(calls or ["        pass"])]
    for step in steps:
        if step.how == "own":
            lines += ["", f"    def step_{step.number}(self, conn):", step_body(step).rstrip("\n")]
    return imports + "\n\n" + "\n".join(lines) + "\n"


@st.composite
def scenarios(draw) -> tuple[list[Step], list[Step]]:
    numbers = draw(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=5, unique=True))
    hows = [draw(st.sampled_from(HOW)) for _ in numbers]
    steps = [Step(n, how, how == "own" or draw(st.booleans()), draw(st.sampled_from(FORMS)))
             for n, how in zip(sorted(numbers), hows, strict=True)]
    assume(any(s.records for s in steps))  # a registry recording nothing is a configuration error
    store = [Step(s.number, draw(st.sampled_from(HOW)), s.records) for s in steps if draw(st.booleans())]
    return steps, store


def given_parts(steps: list[Step]) -> str:
    """The collaborators a caller builds and gives, as the rest of an argument list."""
    return "".join(f", part_{s.number}.Part()" for s in steps if s.how.startswith("given"))


def write_codebase(folder: Path, package: str, steps: list[Step], store: list[Step]) -> None:
    code = folder / package
    code.mkdir()
    (code / "__init__.py").write_text("")
    by_number = {s.number: s for s in steps}
    for number in {s.number for s in steps + store if s.how != "own"}:
        (code / f"part_{number}.py").write_text(part_module(by_number[number]))
    (code / "runner.py").write_text(entry_class("Runner", "run_all_migrations", steps, package))
    (code / "store.py").write_text(entry_class("Store", "__init__", store, package))
    imported = {s.number for s in steps + store if s.how.startswith("given")}
    (code / "service.py").write_text(
        "".join(f"from {package} import part_{n}\n" for n in sorted(imported))
        + f"from {package}.runner import Runner\nfrom {package}.store import Store\n\n\n"
        f"def migrate(conn):\n    Runner(conn{given_parts(steps)}).run_all_migrations()\n\n\n"
        f"def open_store(conn):\n    return Store(conn{given_parts(store)})\n")
    tests = folder / "tests"
    tests.mkdir()
    (tests / "test_fakes.py").write_text("".join(
        f"class Fake{s.number}:\n    def step_{s.number}(self, conn):\n        conn.execute(\"{RECORD.format(n=s.number)}\")\n\n\n"
        for s in steps))
    (folder / "pyproject.toml").write_text(
        f'[tool.bundler]\nrunner = "{package}/runner.py:Runner.run_all_migrations"\n'
        f'stores = ["{package}/store.py:Store.__init__"]\n')


def recorded(folder: Path, package: str, entry: str) -> set[int]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE schema_versions (version INTEGER PRIMARY KEY)")
    with importable(folder, package):
        getattr(importlib.import_module(f"{package}.service"), entry)(conn)
    return {row[0] for row in conn.execute("SELECT version FROM schema_versions")}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_step_through_an_object_is_followed_or_stops_the_check_never_a_wrong_verdict(scenario) -> None:
    steps, store = scenario
    package = f"objects_{next(PACKAGES)}"
    may_record_given = any(s.how.startswith("given") and s.records for s in steps + store)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, package, steps, store)
        truth_registry = recorded(folder, package, "migrate")
        truth_store = recorded(folder, package, "open_store")
        config = load_config(str(folder / "pyproject.toml"))
        if may_record_given:
            with pytest.raises(UnresolvableError, match="applies migrations elsewhere|may record versions"):
                run_check(config)
            return
        result = run_check(config)
    assert set(result.registry.applied()) == truth_registry
    assert set(result.paths[0].applied()) == truth_store
    missing = {f.version for f in result.findings if f.code.value == "missing-migration"}
    assert missing == truth_registry - truth_store
