"""Property: a package that finds its steps while it is imported, by a loop over its own modules
(``pkgutil.iter_modules(__path__)``, a regular expression on each name, an import by name), and
registers those not switched off into a dict the path runs (modules style, the folder as the
registry).

The loop is spelled several ways (the name matched whole or its last part, the module info
indexed or unpacked, ``__import__`` or ``importlib.import_module``); a step module may be switched
off (``ENABLED = False``), and a module whose name carries no number is passed over. The truth is
obtained by importing the package and running the path on SQLite. ``BUNDLER_PROPERTY_EXAMPLES``
sets the number of examples (a tenth of the methods property's, 200 in ``make test``).
"""

from __future__ import annotations

import importlib
import itertools
import os
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bundler.check import run_check
from bundler.config import load_config

from .importable import importable

EXAMPLES = max(1, int(os.environ.get("BUNDLER_PROPERTY_EXAMPLES", "2000")) // 10)
PACKAGES = itertools.count()
RECORD = "INSERT INTO schema_versions (version) VALUES (?)"

# How the package's loop reads each module's name and imports it, by form.
LOOPS = {
    "indexed_whole": ("for info in pkgutil.iter_modules(__path__, __name__ + '.'):\n"
                      "    found = re.fullmatch(r'.*\\.step(\\d+)', info[1])\n"
                      "    name = info[1]\n"),
    "unpacked_tail": ("for _, name, _ in pkgutil.iter_modules(__path__, __name__ + '.'):\n"
                      "    found = re.match(r'step(\\d+)$', name.rsplit('.', 1)[-1])\n"),
}
IMPORTS = {
    "dunder": "    module = __import__(name, fromlist=['apply'])\n",
    "importlib": "    module = importlib.import_module(name)\n",
}


@st.composite
def scenarios(draw) -> dict:
    numbers = draw(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=5, unique=True))
    return {"numbers": numbers, "off": draw(st.sets(st.sampled_from(numbers))),
            "loop": draw(st.sampled_from(sorted(LOOPS))), "import": draw(st.sampled_from(sorted(IMPORTS))),
            "stray": draw(st.booleans())}


def write_codebase(folder: Path, scenario: dict, package: str) -> None:
    steps = folder / package / "steps"
    steps.mkdir(parents=True)
    (folder / package / "__init__.py").write_text("")
    (steps / "__init__.py").write_text(
        "import importlib\nimport pkgutil\nimport re\n\nSTEPS = {}\n\n" + LOOPS[scenario["loop"]]
        + "    if found is None:\n        continue\n" + IMPORTS[scenario["import"]]
        + "    if getattr(module, 'ENABLED', True):\n        STEPS[int(found.group(1))] = module.apply\n")
    for number in scenario["numbers"]:
        switch = "ENABLED = False\n\n\n" if number in scenario["off"] else ""
        (steps / f"step{number}.py").write_text(
            f'{switch}def apply(conn):\n    conn.execute("{RECORD}", ({number},))\n')
    if scenario["stray"]:
        (steps / "helpers.py").write_text("def apply(conn):\n    pass\n")
    (folder / package / "db.py").write_text(
        f"from {package} import steps\n\n\ndef upgrade(conn):\n"
        "    for number in sorted(steps.STEPS):\n        steps.STEPS[number](conn)\n")
    (folder / "pyproject.toml").write_text(
        f'[tool.bundler]\nstyle = "modules"\nrunner = "{package}/steps"\nstores = ["{package}/db.py:upgrade"]\n'
        '[tool.bundler.styles]\nmodule-pattern = "^step(\\\\d+)\\\\.py$"\n')


def recorded_by_running(folder: Path, package: str) -> set[int]:
    with importable(folder, package):
        db = importlib.import_module(f"{package}.db")
        conn = sqlite3.connect(":memory:")
        conn.execute("CREATE TABLE schema_versions (version INTEGER)")
        db.upgrade(conn)
        return {row[0] for row in conn.execute("SELECT version FROM schema_versions")}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_package_that_finds_its_steps_on_import_applies_what_it_registered(scenario: dict) -> None:
    package = f"discovered{next(PACKAGES)}"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_codebase(folder, scenario, package)
        truth = recorded_by_running(folder, package)
        result = run_check(load_config(str(folder / "pyproject.toml")))
    assert set(result.registry.applied()) == set(scenario["numbers"])
    assert set(result.paths[0].applied()) == truth
    missing = {f.version for f in result.findings if f.code.value == "missing-migration"}
    assert missing == set(scenario["numbers"]) - truth
