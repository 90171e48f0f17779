"""bundler init where the check stops at code it cannot read: the function is listed in
records-nothing when a careful reader can tell it records no version, with the reason; never a
step, never a function whose SQL (or the SQL scripts it may read) records one."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

from bundler.assist.discover import Reading, read_sources
from bundler.assist.vouch import vouchable
from bundler.cli import main

CHAIN = '''\
import os


def create_schema(conn):
    """The first schema, from the SQL scripts beside this module."""
    folder = os.path.dirname(__file__)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".sql"):
            with open(os.path.join(folder, name)) as handle:
                conn.executescript(handle.read())


def upgrade(conn):
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < 1:
        conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")
        conn.execute("PRAGMA user_version = 1")
    if version < 2:
        conn.execute("CREATE INDEX notes_tags ON notes(tags)")
        conn.execute("PRAGMA user_version = 2")


def open_db(conn):
    if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
        create_schema(conn)
    upgrade(conn)
'''


def chain_project(root: Path, scripts: dict[str, str]) -> Path:
    (root / "migrations.py").write_text(CHAIN)
    for name, text in scripts.items():
        (root / name).write_text(text)
    return root / "pyproject.toml"


def test_a_function_running_scripts_none_of_which_stamps_is_listed_with_its_reason(tmp_path: Path, capsys) -> None:
    config = chain_project(tmp_path, {"notes.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n"})
    assert main(["init", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert tomllib.loads(config.read_text())["tool"]["bundler"]["records-nothing"] == ["migrations.py:create_schema"]
    assert ("init: records-nothing: migrations.py:create_schema: the check cannot read it; it records no version,"
            " since its SQL names no version record and it reads files (listdir, open, read), and no SQL script of"
            " the project records one (1 read)") in out
    assert out.splitlines()[-1] == "verified: 1 path applies all 2 registered migrations"


def test_a_function_that_may_run_a_stamping_script_is_not_listed_and_init_says_why(tmp_path: Path, capsys) -> None:
    config = chain_project(tmp_path, {"notes.sql": "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n",
                                      "seed.sql": "PRAGMA user_version = 1;\n"})
    assert main(["init", "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert "records-nothing" not in tomllib.loads(config.read_text())["tool"]["bundler"]
    assert ("init: records-nothing: not migrations.py:create_schema, which the check cannot read: it may record a"
            " version, since it reads files (listdir, open, read) and seed.sql records a version") in captured.out
    assert "list it in [tool.bundler] records-nothing" in captured.err  # the check's own word stands


def reading_of(root: Path, files: dict[str, str], table: dict[str, object]) -> Reading:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return Reading(table=table, project=read_sources(root))


def test_step_modules_numbered_by_name_are_listed_once_for_all_as_a_glob(tmp_path: Path) -> None:
    step = "def apply(conn, dialect):\n    conn.execute(dialect.create_index())\n"
    reading = reading_of(tmp_path, {"app/steps/step1.py": step, "app/steps/step2.py": step},
                         {"style": "modules", "runner": "app/steps", "stores": ["app/db.py:upgrade"]})
    target, why = vouchable(reading, "app/steps/step2.py:apply")
    assert target == "app/steps/step*.py:apply"
    assert why == "the steps are numbered by a step module's name: what apply runs in each records no step"


def test_a_step_numbered_by_its_name_is_never_listed(tmp_path: Path) -> None:
    """Listed, a numbered step would record nothing: its number dropped, a silent pass of a path lacking it."""
    store = """\
        class Store:
            def upgrade_1(self):
                self.conn.execute(self.dialect.add_column("notes", "tags"))

            def rebuild(self):
                self.conn.execute(self.dialect.vacuum())
        """
    reading = reading_of(tmp_path, {"store.py": store}, {"style": "naming", "runner": "store.py:Store",
                                                        "stores": ["store.py:Store.open"],
                                                        "styles": {"name-pattern": r"^upgrade_(\d+)$"}})
    assert vouchable(reading, "store.py:Store.upgrade_1") == (
        None, "it is a step: listing it would drop the number a step's name gives it")
    assert vouchable(reading, "store.py:Store.rebuild")[0] == "store.py:Store.rebuild"


def test_a_function_calling_a_recording_helper_is_never_listed(tmp_path: Path) -> None:
    store = """\
        def stamp(conn, number):
            conn.execute(f"PRAGMA user_version = {number}")

        def replay(conn, log):
            for statement in log:
                conn.execute(statement)
            stamp(conn, len(log))
        """
    reading = reading_of(tmp_path, {"store.py": store}, {"style": "version-chain", "runner": "store.py:upgrade",
                                                        "stores": ["store.py:open_store"]})
    assert vouchable(reading, "store.py:replay") == (None, "it calls stamp, whose SQL records a version")


MANAGER = """\
    import importlib


    class Manager:
        def __init__(self, conn):
            self.conn = conn

        def upgrade(self, version):
            current = self.conn.execute("PRAGMA user_version").fetchone()[0]
            for number in range(current + 1, version + 1):
                importlib.import_module(f"app.steps.step{number}").apply(self.conn)
                self.write_version(number)

        def write_version(self, number):
            self.conn.execute(f"PRAGMA user_version = {number}")
    """
SERVICE = """\
    from app.manager import Manager

    LATEST = 3


    class Service:
        def start(self, conn):
            Manager(conn).upgrade(LATEST)
    """


def test_a_dispatchers_version_write_is_listed_never_the_dispatcher(tmp_path: Path, capsys) -> None:
    """Steps numbered by their modules' names, applied by a helper given the version that another
    module calls on an object of its class: that caller is the path; the helper's own write of the
    reached version records no step, the helper itself (it imports the steps) is never listed."""
    step = 'def apply(conn):\n    conn.execute("CREATE TABLE t{} (id INTEGER PRIMARY KEY)")\n'
    files = {"app/__init__.py": "", "app/steps/__init__.py": "", "app/manager.py": MANAGER,
             "app/service.py": SERVICE, **{f"app/steps/step{n}.py": step.format(n) for n in (1, 2, 3)}}
    reading = reading_of(tmp_path, files, {"style": "modules", "runner": "app/steps"})
    assert vouchable(reading, "app/manager.py:Manager.upgrade") == (
        None, "it imports the step modules of app/steps: it applies the steps")
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"]
    assert (table["stores"], table["records-nothing"]) == (["app/service.py:Service.start"],
                                                           ["app/manager.py:Manager.write_version"])
    assert "what a dispatcher writes records no step" in capsys.readouterr().out
