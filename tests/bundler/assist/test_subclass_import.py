"""bundler fix for registration by subclassing: a step class registers when its module is
imported, so the fix is the import, written the way the entry module imports the other steps'
modules, and never a construction or call of the class."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bundler.cli import main

REGISTRY = '''\
CHANGES = {}


class Change:
    def __init_subclass__(cls, number, **kwargs):
        super().__init_subclass__(**kwargs)
        CHANGES[number] = cls

    def __init__(self, conn):
        self.conn = conn


def apply_changes(conn):
    done = conn.execute("PRAGMA user_version").fetchone()[0]
    for number in sorted(CHANGES):
        if number > done:
            CHANGES[number](conn).run()
            conn.execute(f"PRAGMA user_version = {number}")
'''
FIRST = '''\
from shop.changes.registry import Change


class CreateOrders(Change, number=1):
    def run(self):
        self.conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
'''
SECOND = '''\
from shop.changes.registry import Change


class AddTotal(Change, number=2):
    def run(self):
        self.conn.execute("ALTER TABLE orders ADD COLUMN total INTEGER")
'''


def shop(root: Path, imports: str) -> Path:
    """A shop whose open_shop imports the first change's module (in the form given) but not the second's."""
    files = {"shop/__init__.py": "", "shop/changes/__init__.py": "", "shop/changes/registry.py": REGISTRY,
             "shop/changes/orders.py": FIRST, "shop/changes/totals.py": SECOND,
             "shop/db.py": f"{imports}\nfrom shop.changes.registry import apply_changes\n\n\n"
                           "def open_shop(conn):\n    apply_changes(conn)\n",
             "pyproject.toml": textwrap.dedent('''\
                 [tool.bundler]
                 style = "subclasses"
                 version-record = "user_version"
                 runner = "shop/changes/registry.py:Change"
                 stores = ["shop/db.py:open_shop"]
                 ''')}
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root / "pyproject.toml"


@pytest.mark.parametrize(("imports", "written"), [
    ("from shop.changes import orders  # noqa: F401", "+from shop.changes import orders, totals  # noqa: F401\n"),
    ("from .changes import orders", "+from .changes import orders, totals\n"),
    ("from shop.changes import (\n    orders,\n)", "+from shop.changes import totals\n"),
    ("import shop.changes.orders", " import shop.changes.orders\n+import shop.changes.totals\n"),
    ("from shop.changes.orders import CreateOrders",
     "+from shop.changes.totals import AddTotal  # noqa: F401  (importing it registers it)\n"),
])
def test_the_steps_module_is_imported_like_its_neighbours_and_nothing_else_is_written(
        tmp_path: Path, capsys, imports: str, written: str) -> None:
    config = shop(tmp_path, imports)
    assert main(["check", "--config", str(config)]) == 1
    capsys.readouterr()
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert written in diff
    added = [line for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 1 and "AddTotal(" not in diff  # the import only: no construction, no call
    assert main(["fix", "--write", "--config", str(config)]) == 0
    assert "registers AddTotal (by subclassing: no call to write)" in capsys.readouterr().err
    assert main(["check", "--config", str(config)]) == 0


def test_without_a_neighbouring_import_to_follow_fix_says_what_to_import(tmp_path: Path, capsys) -> None:
    """The entry reaches the first change through another module: there is no import of a step's
    module to write the new one like, so fix names the module and writes nothing."""
    config = shop(tmp_path, "")
    (tmp_path / "shop/changes/__init__.py").write_text("from shop.changes import orders  # noqa: F401\n")
    before = (tmp_path / "shop/db.py").read_text()
    assert main(["fix", "--write", "--config", str(config)]) == 1
    out = capsys.readouterr()
    assert "import shop.changes.totals there by hand (importing it registers AddTotal)" in out.out + out.err
    assert (tmp_path / "shop/db.py").read_text() == before
