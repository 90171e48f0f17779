"""Property: steps registered by subclassing, and which of them a path's imports register.

A base class whose ``__init_subclass__`` puts each subclass into a module-level dict (keyed by a
class keyword) or list (numbered by a class attribute), step classes spread over several modules,
and a store whose module imports some of those modules: directly, in either import form, through
a module that imports them, or only under ``if TYPE_CHECKING:`` (which never runs). The truth is
obtained by importing the store and running it against SQLite, collecting what it stamps.
``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (a tenth of the methods property's).
"""

from __future__ import annotations

import importlib
import itertools
import os
import re
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

from .importable import importable

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
STAMP = re.compile(r"PRAGMA user_version\s*=\s*(\d+)", re.IGNORECASE)
HOW_IMPORTED = ("from", "import", "hub", "type_checking", "none")
PACKAGES = itertools.count()

BASE_DICT = '''
UPGRADES = {}


class Upgrade:
    def __init_subclass__(cls, version, **kwargs):
        super().__init_subclass__(**kwargs)
        UPGRADES[version] = cls

    def apply(self, conn):
        conn.execute(f"CREATE TABLE IF NOT EXISTS t_{type(self).__name__} (x)")


def run_upgrades(conn):
    for version in sorted(UPGRADES):
        UPGRADES[version]().apply(conn)
        conn.execute(f"PRAGMA user_version = {version}")
'''

BASE_LIST = '''
UPGRADES = []


class Upgrade:
    version = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        UPGRADES.append(cls)

    def apply(self, conn):
        conn.execute(f"CREATE TABLE IF NOT EXISTS t_{type(self).__name__} (x)")


def run_upgrades(conn):
    for step in UPGRADES:
        step().apply(conn)
        conn.execute(f"PRAGMA user_version = {step.version}")
'''


@st.composite
def scenarios(draw) -> dict:
    numbers = draw(st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8, unique=True))
    count = draw(st.integers(min_value=1, max_value=min(4, len(numbers))))
    modules: list[list[int]] = [[] for _ in range(count)]
    for index, number in enumerate(numbers):
        modules[index % count if index < count else draw(st.integers(0, count - 1))].append(number)
    return {"keyed": draw(st.booleans()), "modules": modules,
            "imported": [draw(st.sampled_from(HOW_IMPORTED)) for _ in modules]}


def step_module(package: str, numbers: list[int], keyed: bool) -> str:
    classes = "".join(f"\n\nclass Step{n}(Upgrade, version={n}):\n    pass\n" if keyed
                      else f"\n\nclass Step{n}(Upgrade):\n    version = {n}\n" for n in numbers)
    return f"from {package}.base import Upgrade\n{classes}"


def write_codebase(folder: Path, scenario: dict) -> str:
    package = f"subclass_steps_{next(PACKAGES)}"
    root = folder / package
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "base.py").write_text(BASE_DICT if scenario["keyed"] else BASE_LIST)
    store, hub = ["from typing import TYPE_CHECKING\n"], []
    for index, (numbers, how) in enumerate(zip(scenario["modules"], scenario["imported"], strict=True)):
        (root / f"steps{index}.py").write_text(step_module(package, numbers, scenario["keyed"]))
        if how == "from":
            store.append(f"from {package} import steps{index}  # noqa: F401\n")
        elif how == "import":
            store.append(f"import {package}.steps{index}  # noqa: F401\n")
        elif how == "hub":
            hub.append(f"from {package} import steps{index}  # noqa: F401\n")
        elif how == "type_checking":
            store.append(f"if TYPE_CHECKING:\n    from {package} import steps{index}  # noqa: F401\n")
    (root / "hub.py").write_text("".join(hub))
    store.append(f"from {package} import hub  # noqa: F401\nfrom {package}.base import run_upgrades\n\n\n"
                 "def open_db(conn):\n    run_upgrades(conn)\n")
    (root / "store.py").write_text("".join(store))
    (folder / "pyproject.toml").write_text(
        f'[tool.bundler]\nstyle = "subclasses"\nversion-record = "user_version"\n'
        f'runner = "{package}/base.py:Upgrade"\nstores = ["{package}/store.py:open_db"]\n')
    return package


def stamped(folder: Path, package: str) -> set[int]:
    """What importing the store and running it stamps on a fresh database."""
    with importable(folder, package):
        store = importlib.import_module(f"{package}.store")
        conn = sqlite3.connect(":memory:")
        seen: list[str] = []
        conn.set_trace_callback(seen.append)
        store.open_db(conn)
        conn.close()
        return {int(m.group(1)) for sql in seen for m in STAMP.finditer(sql)}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_path_applies_the_subclasses_its_imports_register(scenario: dict) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        package = write_codebase(folder, scenario)
        store = stamped(folder, package)
        result = run_check(load_config(str(folder / "pyproject.toml")))
    registry = {n for numbers in scenario["modules"] for n in numbers}
    assert set(result.registry.applied()) == registry
    [path] = result.paths
    assert set(path.applied()) == store
    assert {f.version for f in result.findings if f.code.value == "missing-migration"} == registry - store
