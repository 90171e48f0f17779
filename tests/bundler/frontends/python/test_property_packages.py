"""Property: a package whose step modules each register a step with a decorator when imported,
its ``__init__.py`` importing them (decorators style, the package's import list as the path).

Step modules are imported by ``from . import a, b``, one ``from . import a`` a line,
``from .a import upgrade_3`` or ``import pkg.a``, in any order; a step module may import a
sibling (which registers it too), and the list may name a module the package does not have
(``ImportError``: what follows is not imported). The truth is obtained by importing the package
and reading what the table holds. ``BUNDLER_PROPERTY_EXAMPLES`` sets the number of examples (a
tenth of the methods property's, 200 in ``make test``).
"""

from __future__ import annotations

import importlib
import itertools
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

from .importable import importable

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
IMPORT_FORMS = ("from_list", "from_one", "from_function", "import_dotted")
PACKAGES = itertools.count()

TABLE = """\
class Table:
    def __init__(self):
        self.added = []

    def add(self, function):
        self.added.append(function)
        return function


TABLE = Table()
"""


@st.composite
def scenarios(draw) -> dict:
    numbers = draw(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=5, unique=True))
    modules = {n: f"step{n}" for n in numbers}
    listed = draw(st.lists(st.sampled_from([*numbers, 0]), max_size=6, unique=True))  # 0: a module not written
    siblings = {n: draw(st.sampled_from([None, *numbers])) for n in numbers}  # a step module importing another
    return {"modules": modules, "listed": listed, "form": draw(st.sampled_from(IMPORT_FORMS)),
            "siblings": {n: s for n, s in siblings.items() if s not in (None, n)}}


def import_lines(package: str, names: list[tuple[str, int]], form: str) -> str:
    if form == "from_list" and names:
        return f"from . import {', '.join(name for name, _ in names)}\n"
    lines = []
    for name, number in names:
        lines.append({"from_one": f"from . import {name}\n", "import_dotted": f"import {package}.{name}\n",
                      "from_function": f"from .{name} import upgrade_{number}\n"}.get(form, f"from . import {name}\n"))
    return "".join(lines)


def write_codebase(folder: Path, package: str, scenario: dict) -> None:
    (folder / "steps_table.py").write_text(TABLE)
    root = folder / package
    root.mkdir()
    for number, name in scenario["modules"].items():
        sibling = scenario["siblings"].get(number)
        head = f"from .step{sibling} import upgrade_{sibling}  # noqa: F401\n" if sibling is not None else ""
        (root / f"{name}.py").write_text(
            f"from . import table\n{head}\n\n@table.add\ndef upgrade_{number}(db):\n"
            f"    db.execute(\"CREATE TABLE t{number} (x INTEGER)\")\n")
    names = [(scenario["modules"].get(n, "step_gone"), n) for n in scenario["listed"]]
    (root / "__init__.py").write_text("from steps_table import TABLE as table\n\n"
                                      + import_lines(package, names, scenario["form"]))
    (folder / "pyproject.toml").write_text(
        f'[tool.bundler]\nstyle = "decorators"\nrunner = "{package}"\nstores = ["{package}/__init__.py"]\n'
        '[tool.bundler.styles]\ndecorator = "add"\nname-pattern = "^upgrade_(\\\\d+)$"\n')


def registered_by_importing(folder: Path, package: str) -> set[int]:
    with importable(folder, "steps_table", package):
        table = importlib.import_module("steps_table")
        try:
            importlib.import_module(package)
        except ImportError:
            pass  # what was imported before the missing module stays registered
        return {int(function.__name__.split("_")[1]) for function in table.TABLE.added}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_package_registers_what_importing_it_imports(scenario: dict) -> None:
    package = f"upgrades{next(PACKAGES)}"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, package, scenario)
        path = registered_by_importing(folder, package)
        result = run_check(load_config(str(folder / "pyproject.toml")))
    registry = set(scenario["modules"])
    assert set(result.registry.applied()) == registry
    on_path = [f for f in result.findings if f.path is not None]
    assert {f.version for f in on_path if f.code.value == "missing-migration"} == registry - path
    assert not [f for f in on_path if f.code.value == "unknown-version"]
