"""bundler init: the configuration a careful reader would write, said why, then checked once."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest

from bundler.cli import main

from tests.checkout import copy_project
from tests.newapp import write_app


def unconfigured_app(root: Path) -> Path:
    app = write_app(root)
    text = (app / "pyproject.toml").read_text()
    (app / "pyproject.toml").write_text(text[: text.index("[tool.bundler]")])
    return app


def test_init_writes_the_table_says_why_and_checks_once(tmp_path: Path, monkeypatch, capsys) -> None:
    app = unconfigured_app(tmp_path / "notes")
    monkeypatch.chdir(app)
    assert main(["init"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("init: runner: src/notes/runner.py:Runner.run_all applies 2 recording methods;"
                             " chosen as the registry because it is named like a registry")
    assert "init: wrote [tool.bundler] into pyproject.toml" in out
    assert out[-1] == "verified: 1 path applies all 2 registered migrations"
    written = tomllib.loads((app / "pyproject.toml").read_text())
    assert written["tool"]["bundler"] == {"runner": "src/notes/runner.py:Runner.run_all",
                                          "stores": ["src/notes/store.py:Store.__init__"]}
    assert written["project"]["name"] == "notes"  # the rest of the file is kept
    assert main(["check"]) == 0

    before = (app / "pyproject.toml").read_text()
    assert main(["init"]) == 2  # never replaces a configuration
    assert "already has a [tool.bundler] table" in capsys.readouterr().err
    assert (app / "pyproject.toml").read_text() == before


def test_init_print_writes_nothing(tmp_path: Path, capsys) -> None:
    app = unconfigured_app(tmp_path / "notes")
    before = (app / "pyproject.toml").read_text()
    assert main(["init", "--print", "--config", str(app / "pyproject.toml")]) == 0
    out = capsys.readouterr().out
    assert '[tool.bundler]\nrunner = "src/notes/runner.py:Runner.run_all"\n' in out
    assert (app / "pyproject.toml").read_text() == before


def test_init_finds_the_workers_registry_and_store_as_configured_by_hand(tmp_path: Path, capsys) -> None:
    worker = copy_project(tmp_path / "worker")
    configured = tomllib.loads((worker / "pyproject.toml").read_text())["tool"]["bundler"]
    assert main(["init", "--print", "--config", str(worker / "pyproject.toml")]) == 0
    captured = capsys.readouterr()
    found = tomllib.loads(captured.out[captured.out.index("[tool.bundler]"):captured.out.index("verified")])
    keys = ("runner", "stores", "records-nothing")
    assert [found["tool"]["bundler"][key] for key in keys] == [configured[key] for key in keys]
    # the check stopped at a helper running SQL it cannot read; init read it as the README's reader does
    assert "init: records-nothing: src/worker/store/schema_steps.py:rebuild_table: the check cannot read it" in captured.out


def test_init_reads_a_version_chain_and_its_user_version(tmp_path: Path, capsys) -> None:
    chain = ("def {name}(conn):\n    version = conn.execute('PRAGMA user_version').fetchone()[0]\n"
             "    if version < 1:\n        conn.execute('CREATE TABLE t (id INTEGER)')\n"
             "        conn.execute('PRAGMA user_version = 1')\n"
             "    if version < 2:\n        conn.execute('ALTER TABLE t ADD COLUMN x')\n"
             "        conn.execute('PRAGMA user_version = 2')\n")
    (tmp_path / "migrations.py").write_text(chain.format(name="migrate") + "\nSCHEMA_VERSION = 2\n")
    (tmp_path / "store.py").write_text(chain.format(name="open_store"))
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    out = capsys.readouterr().out
    assert "init: style: version-chain, no class applies its steps as methods" in out
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "migrations.py:migrate", "stores": ["store.py:open_store"],
        "version-record": "user_version", "head": "migrations.py:SCHEMA_VERSION"}


@pytest.mark.parametrize("files", [{}, {"app.py": "def main():\n    return 1\n"}])
def test_init_without_anything_recording_a_version_stops_and_says_what_it_looked_for(tmp_path: Path, capsys,
                                                                                      files) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "found no method or function that applies two or more steps" in err
    assert not (tmp_path / "pyproject.toml").exists()


CHECKER_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checker"
# The checker's fixtures whose configuration init finds as written (27 of 43, measured with
# ignore=*_bad.py as below; decorators_named and modules_runtime_sql are among them, but their
# folders hold a failing variant the check reads too; the others: steps numbered in the loop that
# applies them, a method recording several numbers, a list of SQL run by position, a chain of one
# test per version, a variant's copy of the module read as a second path, a version chain
# configured in the default style).
FOUND_AS_WRITTEN = ["appended_list", "clash", "constants", "defined_not_called", "delegation",
                    "dispatch_getattr", "dispatch_naming", "function_entries", "grouping", "head_modules",
                    "helper_param", "helpers_deep", "import_chain", "incident", "method_loop", "naming_functions", "order_warning", "sql_forms", "styles_decorators", "styles_modules",
                    "styles_naming", "styles_records", "styles_register", "styles_version_chain", "user_version"]


@pytest.mark.parametrize("name", FOUND_AS_WRITTEN)
def test_init_finds_the_configuration_a_careful_reader_wrote(name: str, tmp_path: Path, capsys) -> None:
    import shutil

    fixture = CHECKER_FIXTURES / name
    copy = tmp_path / name
    shutil.copytree(fixture, copy, ignore=shutil.ignore_patterns("*_bad.py", "pyproject.toml"))
    assert main(["init", "--config", str(copy / "pyproject.toml")]) == 0, capsys.readouterr()
    written = tomllib.loads((copy / "pyproject.toml").read_text())["tool"]["bundler"]
    wanted = tomllib.loads((fixture / "pyproject.toml").read_text())["tool"]["bundler"]
    for key, default in (("style", "methods"), ("runner", None), ("stores", None)):
        assert written.get(key, default) == wanted.get(key, default), key


def test_init_reads_a_chain_recording_through_an_imported_lambda_and_a_head_a_function_returns(
        tmp_path: Path, capsys) -> None:
    """module_lambda's chain stamps through helpers.stamp, a lambda (imported by name, or its module
    imported); import_chain's head is a static method returning the last number."""
    import shutil

    for name in ("module_lambda", "import_chain"):
        shutil.copytree(CHECKER_FIXTURES / name, tmp_path / name, ignore=shutil.ignore_patterns("*_bad.py", "pyproject.toml"))
        assert main(["init", "--config", str(tmp_path / name / "pyproject.toml")]) == 0, capsys.readouterr()
    assert tomllib.loads((tmp_path / "module_lambda" / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "migrations.py:migrate", "stores": ["app_ok.py:open_db"],
        "version-record": "user_version"}  # as configured by hand, which leaves the chain in the default style
    written = tomllib.loads((tmp_path / "import_chain" / "pyproject.toml").read_text())["tool"]["bundler"]
    assert written["head"] == "src/ledger/service.py:LedgerService.current_revision"
    assert "a function named like the current version, returning the registry's last number" in capsys.readouterr().out


# --- one small project per reading rule (written for these tests, each in the shape the rule names) ---

def found_table(root: Path, files: dict[str, str], capsys) -> dict:
    """What ``bundler init --print`` proposes for ``files`` laid out in ``root``."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    main(["init", "--print", "--config", str(root / "pyproject.toml")])
    out = capsys.readouterr().out
    lines = out[out.index("[tool.bundler]"):].splitlines()
    table = [line for line in lines[: next((i for i, line in enumerate(lines) if line and not (
        line.startswith("[tool.bundler") or " = " in line)), len(lines))]]
    return tomllib.loads("\n".join(table))["tool"]["bundler"]


def steps(template: str, numbers: range, indent: str = "") -> str:
    return "".join(textwrap.indent(template.format(n=n, before=n - 1), indent) for n in numbers)


def test_numbered_methods_reached_by_a_name_template(tmp_path: Path, capsys) -> None:
    """A class of upgrade_version_N methods, reached by getattr with a template: naming; the
    dispatcher's computed stamp is no step's record."""
    files = {"library/upgrades.py": "import sqlite3\n\nclass Upgrader:\n    def __init__(self, db):\n"
             "        self.db = db\n        while True:\n"
             "            v = self.db.execute('PRAGMA user_version').fetchone()[0]\n"
             "            step = getattr(self, f'upgrade_version_{v}', None)\n            if step is None:\n"
             "                break\n            step()\n            self.db.execute(f'PRAGMA user_version={v + 1}')\n"
             + steps("\n    def upgrade_version_{n}(self):\n        self.db.execute('ALTER TABLE t ADD c{n}')\n",
                     range(1, 4))}
    assert found_table(tmp_path, files, capsys) == {
        "style": "naming", "runner": "library/upgrades.py:Upgrader", "stores": ["library/upgrades.py:Upgrader.__init__"],
        "styles": {"name-pattern": r"^upgrade_version_(\d+)$"}}


def test_numbered_functions_from_one_to_the_next_listed_in_order(tmp_path: Path, capsys) -> None:
    """Module functions step_1to2 ... listed in a module list: the list is the path (a function
    running it whole is the list again), the number is the one after 'to'."""
    files = {"orm/steps.py": steps("def step_{before}to{n}(engine):\n    engine.execute('ALTER TABLE t ADD c{n}')\n\n\n",
                                   range(2, 5)) + "applied = [step_1to2, step_2to3, step_3to4]\n\n\n"
             "def run(engine):\n    for step in applied:\n        step(engine)\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "naming", "runner": "orm/steps.py", "stores": ["orm/steps.py:applied"],
        "styles": {"name-pattern": r"^step_\d+to(\d+)$"}}


def test_numbered_functions_called_in_turn_with_a_head_elsewhere(tmp_path: Path, capsys) -> None:
    """Private functions _update_db_N and __update_db_N called by one function, and a constant
    elsewhere holding the last number: naming with a head; an older constant is not the head."""
    files = {"app/updater.py": steps("def __update_db_{n}(db):\n    db.execute('ALTER TABLE t ADD c{n}')\n\n\n", range(1, 3))
             + steps("def _update_db_{n}(db):\n    db.execute('ALTER TABLE t ADD c{n}')\n\n\n", range(3, 5))
             + "def update_db(db):\n" + steps("    if version < {n}:\n        __update_db_{n}(db)\n", range(1, 3))
             + steps("    if version < {n}:\n        _update_db_{n}(db)\n", range(3, 5)),
             "app/settings.py": "MIN_SUPPORTED_VERSION = 1\nDB_VERSION = 4\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "naming", "runner": "app/updater.py", "stores": ["app/updater.py:update_db"],
        "styles": {"name-pattern": r"^_+update_db_(\d+)$"}, "head": "app/settings.py:DB_VERSION"}


CHAIN = steps("        if self.version() < {n}:\n            self.con.execute('ALTER TABLE t ADD c{n}')\n"
              "            self.con.execute('PRAGMA user_version={n}')\n", range(2, 5))


def test_a_chain_its_caller_and_the_function_creating_the_fresh_schema(tmp_path: Path, capsys) -> None:
    """A chain of user_version blocks, called with a creator that stamps the last number at once:
    the caller is the path, the creator a fresh-schema path; a step's helper is neither."""
    files = {"store/keys.py": "class KeyStore:\n    def __init__(self, con):\n        self.con = con\n"
             "        self.create()\n        self.migrate()\n\n    def version(self):\n"
             "        return self.con.execute('PRAGMA user_version').fetchone()[0]\n\n    def create(self):\n"
             "        if self.version() == 0:\n            self.con.executescript('CREATE TABLE t (id); PRAGMA user_version=4;')\n\n"
             "    def migrate(self):\n" + CHAIN + "        if self.version() < 5:\n            self.to_five()\n\n"
             "    def to_five(self):\n        self.con.execute('PRAGMA user_version=5')\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "version-chain", "runner": "store/keys.py:KeyStore.migrate", "stores": ["store/keys.py:KeyStore.__init__"],
        "fresh-stores": ["store/keys.py:KeyStore.create"], "version-record": "user_version"}


def test_the_function_a_chains_version_zero_block_calls_is_a_fresh_schema_path(tmp_path: Path, capsys) -> None:
    """``if version == 0: self.create()`` inside the chain its caller runs: the creator stamps at once."""
    files = {"status.py": "class Status:\n    def __init__(self, con):\n        self.con = con\n"
             "        self.upgrade(self.version())\n\n    def version(self):\n        return 0\n\n"
             "    def upgrade(self, from_ver):\n        if from_ver == 0:\n            self.create()\n"
             + CHAIN + "\n    def create(self):\n"
             "        self.con.executescript('CREATE TABLE t (id); PRAGMA user_version = 4;')\n"}
    table = found_table(tmp_path, files, capsys)
    assert (table["runner"], table["stores"], table["fresh-stores"]) == (
        "status.py:Status.upgrade", ["status.py:Status.__init__"], ["status.py:Status.create"])


def test_a_chain_that_creates_the_fresh_schema_itself_is_its_own_path(tmp_path: Path, capsys) -> None:
    files = {"history.py": "class History:\n    def __init__(self, con):\n        self.con = con\n        self.open()\n\n"
             "    def version(self):\n        return 0\n\n    def open(self):\n        if not self.con:\n"
             "            self.create()\n" + CHAIN + "\n    def create(self):\n"
             "        self.con.executescript('CREATE TABLE t (id); PRAGMA user_version = 4;')\n"}
    table = found_table(tmp_path, files, capsys)
    assert (table["runner"], table["stores"], table["fresh-stores"]) == (
        "history.py:History.open", ["history.py:History.open"], ["history.py:History.create"])


def test_a_one_step_upgrade_of_a_key_value_row_and_a_class_head(tmp_path: Path, capsys) -> None:
    files = {"status.py": "class Status:\n    cur_version = 2\n\n    def openfiles(self):\n        try:\n"
             "            version = int(self.con.execute(\"SELECT value FROM meta WHERE key='db_version'\").fetchone()[0])\n"
             "        except Exception:\n            self.__create()\n        else:\n"
             "            if version < Status.cur_version:\n                self.__upgrade(version)\n\n"
             "    def __upgrade(self, from_version):\n        if from_version <= 1:\n"
             "            self.con.executescript(\"ALTER TABLE s ADD m; UPDATE meta SET value='2' WHERE key='db_version';\")\n\n"
             "    def __create(self):\n"
             "        self.con.executescript(\"CREATE TABLE meta (key, value); INSERT INTO meta VALUES('db_version', '2');\")\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "version-chain", "runner": "status.py:Status.__upgrade", "stores": ["status.py:Status.openfiles"],
        "fresh-stores": ["status.py:Status.__create"], "version-table": "meta", "version-key": "db_version",
        "head": "status.py:Status.cur_version"}


def test_a_list_of_from_to_steps_its_reader_and_its_fresh_creator(tmp_path: Path, capsys) -> None:
    files = {"schema.py": "LATEST_VERSION = 4\n\nUPGRADE_STEPS = [\n"
             + steps("    ({before}, {n}, 'ALTER TABLE t ADD c{n}'),\n", range(2, 5)) + "]\n\n\n"
             "def create(db):\n    db.execute('CREATE TABLE version (version INTEGER)')\n"
             "    db.execute('INSERT INTO version (version) VALUES (%d)' % LATEST_VERSION)\n\n\n"
             "def upgrade(db):\n    if not db.tables():\n        create(db)\n"
             "    for old, new, sql in UPGRADE_STEPS:\n        db.execute(sql)\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "records", "runner": "schema.py:UPGRADE_STEPS", "stores": ["schema.py:upgrade"],
        "fresh-stores": ["schema.py:create"], "styles": {"record-element": 1}, "version-table": "version",
        "head": "schema.py:LATEST_VERSION"}


def test_a_list_indexed_by_the_version_is_numbered_by_position(tmp_path: Path, capsys) -> None:
    files = {"migrate.py": "UPDATES = [\n" + steps("    'ALTER TABLE t ADD c{n}',\n", range(1, 4)) + "]\n\n\n"
             "def migrate(old_version, new_version, conn):\n    for sql in UPDATES[old_version:new_version]:\n"
             "        conn.execute(sql)\n    conn.execute(f'PRAGMA user_version = {new_version}')\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "records", "runner": "migrate.py:UPDATES", "stores": ["migrate.py:migrate"],
        "styles": {"record-number": "position"}, "version-record": "user_version"}


def test_a_folder_of_numbered_modules_imported_by_a_helper_given_the_version(tmp_path: Path, capsys) -> None:
    """db2.py, db3.py ... imported by a template in a helper given the version: the helper's caller is the path."""
    files = {**{f"app/upgrades/db{n}.py": "def do_upgrade(env, cursor):\n    cursor.execute('ALTER TABLE t ADD c')\n"
                for n in range(2, 5)},
             "app/upgrades/__init__.py": "", "app/defaults.py": "db_version = 4\n",
             "app/manager.py": "import importlib\n\n\nclass Manager:\n    def upgrade(self, version):\n"
             "        for n in range(version + 1, 5):\n            importlib.import_module('app.upgrades.db%i' % n)\n\n"
             "    def upgrade_all(self):\n        self.upgrade(1)\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "modules", "runner": "app/upgrades", "stores": ["app/manager.py:Manager.upgrade_all"],
        "styles": {"module-pattern": r"^db(\d+)\.py$"}, "head": "app/defaults.py:db_version"}


def test_sql_scripts_from_one_version_to_the_next(tmp_path: Path, capsys) -> None:
    """upgrade1to2.sql ...: the number after 'to'; the scripts' own PRAGMA user_version is the record."""
    files = {**{f"store/sql/upgrade{n - 1}to{n}.sql": f"ALTER TABLE t ADD c{n};\nPRAGMA user_version = {n};\n"
                for n in range(2, 5)},
             "store/load.py": "def load(c):\n    v = c.execute('PRAGMA user_version').fetchone()[0]\n"
             "    c.executescript(open(f'sql/upgrade{v}to{v + 1}.sql').read())\n"}
    assert found_table(tmp_path, files, capsys) == {
        "style": "modules", "runner": "store/sql", "stores": ["store/load.py:load"],
        "styles": {"module-pattern": r"^upgrade\d+to(\d+)\.sql$"}, "version-record": "user_version"}


def test_a_bare_decorator_on_functions_numbered_by_name(tmp_path: Path, capsys) -> None:
    files = {"steps.py": "STEPS = []\nmigration = STEPS.append\n\n\ndef apply(db):\n    for step in STEPS:\n"
             "        step(db)\n\n\n" + steps("@migration\ndef m00{n}_change(db):\n    db.execute('ALTER TABLE t ADD c{n}')\n\n\n",
                                             range(1, 4))}
    assert found_table(tmp_path, files, capsys) == {
        "style": "decorators", "runner": "steps.py", "stores": ["steps.py:apply"],
        "styles": {"name-pattern": r"^m(\d+)"}}


def test_a_registering_decorator_spread_over_a_package(tmp_path: Path, capsys) -> None:
    """One step per module of a package, each registered by @table.register: the folder is the
    registry and the package (which imports them) the path; a logging decorator is no registration,
    and a constant in a module of the folder is no head."""
    files = {"db/upgrade/__init__.py": "from . import v00_latest, v01_first, v02_second\n",
             # the fresh schema's module beside the steps: its number may lag them by design, no head
             "db/upgrade/v00_latest.py": "latest_version = 2\n\n\nasync def create_latest(conn):\n"
                                         "    return latest_version\n",
             **{f"db/upgrade/v0{n}_{word}.py": f"@table.register(description='{word}')\n@log_calls\n"
                f"async def upgrade_v{n}(conn):\n    await conn.execute('ALTER TABLE t ADD c{n}')\n"
                for n, word in ((1, "first"), (2, "second"))}}
    assert found_table(tmp_path, files, capsys) == {
        "style": "decorators", "runner": "db/upgrade", "stores": ["db/upgrade/__init__.py"],
        "styles": {"decorator": "register", "name-pattern": r"^upgrade_v(\d+)$"}}


def test_a_numbering_decorator_in_one_module_is_compared_with_itself(tmp_path: Path, capsys) -> None:
    """@Register(N, STEPS) in one module that nothing else applies: the module is registry and
    path, so the check still finds a number registered twice."""
    files = {"steps.py": "STEPS = {}\n\n\n" + steps("@Register({n}, STEPS)\ndef change_{n}(db):\n    db.execute('ALTER TABLE t')\n\n\n",
                                                   range(1, 4))}
    assert found_table(tmp_path, files, capsys) == {
        "style": "decorators", "runner": "steps.py", "stores": ["steps.py"], "styles": {"decorator": "Register"}}


def test_a_folder_of_step_modules_whose_runner_writes_the_version_row_gets_no_version_key(
        tmp_path: Path, capsys) -> None:
    """The modules are numbered by their names and record nothing; the function importing them
    writes the reached version into a key/value row after them. That write is no step's record:
    read as one (which version-key asks for), it would repeat a number the modules carry."""
    files = {**{f"app/steps/step{n}.py": f"def run(db):\n    db.execute('ALTER TABLE t ADD c{n}')\n"
                for n in range(1, 4)},
             "app/steps/__init__.py": "",
             "app/setup.py": "import importlib\n\nLATEST_VERSION = 3\n\n\ndef upgrade(db, found):\n"
             "    for n in range(found + 1, LATEST_VERSION + 1):\n"
             "        importlib.import_module(f'app.steps.step{n}').run(db)\n"
             "    db.execute(\"UPDATE meta SET value = ? WHERE name = 'schema_version'\", (LATEST_VERSION,))\n"}
    table = found_table(tmp_path, files, capsys)
    assert table["style"] == "modules" and table["stores"] == ["app/setup.py:upgrade"]
    assert "version-key" not in table
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0, capsys.readouterr()  # verified


BASE_STORAGE = """\
import sqlite3


class Storage:
    def open(self, path):
        self.con = sqlite3.connect(path)
        self._upgrade_if_needed()

    def _upgrade_if_needed(self):
        self._upgrade()

    def _upgrade(self):
        pass
"""


@pytest.mark.parametrize("call", ["Storage.open(self, path)", "super().open(path)"])
def test_a_chain_its_base_class_calls_has_the_subclass_method_calling_the_base_as_its_path(
        tmp_path: Path, capsys, call: str) -> None:
    """Notes._upgrade overrides a hook the base class calls from open, through a helper: nothing
    in notes.py calls the chain, and Notes.open, calling the base's open, is what applies it."""
    chain = steps("        if version < {n}:\n            self.con.execute('ALTER TABLE notes ADD c{n}')\n"
                  "            self.con.execute('PRAGMA user_version = {n}')\n", range(2, 5))
    files = {"base.py": BASE_STORAGE,
             "notes.py": "from base import Storage\n\n\nclass Notes(Storage):\n    def open(self, path):\n"
             f"        {call}\n        self.ready = True\n\n    def _upgrade(self):\n"
             "        version = self.con.execute('PRAGMA user_version').fetchone()[0]\n" + chain}
    table = found_table(tmp_path, files, capsys)
    assert (table["style"], table["runner"], table["stores"]) == (
        "version-chain", "notes.py:Notes._upgrade", ["notes.py:Notes.open"])


ONE_STEP = '''\
import os
import sqlite3


class Archive:
    def __init__(self, path):
        self.path = path
        self.open()

    def create_tables(self):
        self.conn.execute('CREATE TABLE "entries" ("id" INTEGER PRIMARY KEY, "title" TEXT, "tags" TEXT)')
{stamp}
    def open(self):
        fresh = not os.path.exists(self.path)
        self.conn = sqlite3.connect(self.path)
        if fresh:
            self.create_tables()
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            self.conn.execute("PRAGMA user_version = 1")
            self.conn.execute('ALTER TABLE "entries" ADD COLUMN tags TEXT')
'''


@pytest.mark.parametrize("stamp", ['        self.conn.execute("PRAGMA user_version = 1")\n', ""])
def test_a_chain_of_one_step_and_the_function_creating_its_column_on_a_new_file(tmp_path: Path, capsys,
                                                                                stamp: str) -> None:
    """One ``if`` whose block stamps the number it tests is a chain, whatever its name; a function
    it calls outside its steps that creates a table with the column that step adds makes the
    latest schema: a fresh-schema path, whether it stamps (verified) or not (the check says so)."""
    (tmp_path / "archive.py").write_text(ONE_STEP.format(stamp=stamp))
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == (0 if stamp else 1)
    out = capsys.readouterr().out
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "archive.py:Archive.open", "stores": ["archive.py:Archive.open"],
        "fresh-stores": ["archive.py:Archive.create_tables"], "version-record": "user_version"}
    if stamp:
        assert "fresh-stores: archive.py:Archive.create_tables records a version without a chain of steps" in out
    else:
        assert "archive.py:Archive.create_tables creates a table with a column a step of the chain adds" in out
        assert "Archive.create_tables (archive.py:10) never applies version 1" in out


SETTINGS = {"db.py": '''\
class Database:
    def __init__(self, conn):
        self.conn = conn

    def set_setting(self, name, value):
        self.conn.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", (name, value))
''', "upgrades.py": '''\
def add_tags(db):
    db.conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")


def index_tags(db):
    db.conn.execute("CREATE INDEX notes_tags ON notes(tags)")


UPGRADES = [(1, add_tags), (2, index_tags)]


def upgrade(db, current):
    for number, step in UPGRADES:
        if number > current:
            step(db)
            db.set_setting("schema_version", number)
'''}


@pytest.mark.parametrize(("written", "said"), [
    ('db.set_setting("schema_version", number)', "set_setting(..., 'schema_version', ...)"),
    ('db.conn.execute("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", ("schema_version", number))',
     "INSERT INTO settings with the key 'schema_version'")])
def test_a_version_written_as_a_key_value_tables_row_without_sql_naming_it(tmp_path: Path, capsys, written: str,
                                                                            said: str) -> None:
    """No SQL names the version: the store calls set_setting("schema_version", n), or passes that
    key to the two-column INSERT into settings: the version is settings' schema_version row."""
    for name, text in SETTINGS.items():
        (tmp_path / name).write_text(text.replace('db.set_setting("schema_version", number)', written))
    main(["init", "--print", "--config", str(tmp_path / "pyproject.toml")])
    out = capsys.readouterr().out
    assert '\nversion-table = "settings"\nversion-key = "schema_version"\n' in out
    assert (f"version-table: settings, version-key: schema_version: the version is written by {said}, and settings"
            " is a key/value table (its INSERTs name two columns)") in out


INHERITED = {"base.py": '''\
class Storage:
    def __init__(self, conn):
        self.conn = conn

    def set_version(self, number):
        self.conn.execute("INSERT INTO version (number) VALUES (?)", (number,))
''', "files.py": '''\
from base import Storage


class FileStorage(Storage):
    def upgrade(self):
        current = self.conn.execute("SELECT number FROM version").fetchone()[0]
        if current < 2:
            self.conn.execute("ALTER TABLE peers ADD COLUMN phone TEXT")
            self.set_version(2)
        if current < 3:
            self.conn.execute("DELETE FROM peers")
            self.set_version(3)

    def open(self):
        self.upgrade()
'''}


def test_a_chain_recording_through_its_base_class_into_a_table_named_version(tmp_path: Path, capsys) -> None:
    """The steps record through set_version, a method of the base class in another module, whose
    SQL writes a table named like a version (no column named so): the chain and its table."""
    for name, text in INHERITED.items():
        (tmp_path / name).write_text(text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "files.py:FileStorage.upgrade", "stores": ["files.py:FileStorage.open"],
        "version-table": "version"}
    assert capsys.readouterr().out.splitlines()[-1] == "verified: 1 path applies all 2 registered migrations"


MODEL_RECORD = {"models.py": '''\
import peewee as pw


class SchemaState(pw.Model):
    version = pw.IntegerField()

    class Meta:
        table_name = "schema_state"
''', "migrations.py": '''\
from models import SchemaState


def _advance(state: SchemaState, version_after: int, *statements: str) -> None:
    for statement in statements:
        state._meta.database.execute_sql(statement)
    state.version = version_after
    state.save()


def run_migrations(state: SchemaState) -> None:
    if state.version < 2:
        _advance(state, 2, "ALTER TABLE notes ADD COLUMN tags TEXT")
    if state.version < 3:
        _advance(state, 3, "CREATE INDEX notes_tags ON notes(tags)")
''', "db.py": '''\
from migrations import run_migrations
from models import SchemaState

LATEST_VERSION = 3


def open_db() -> None:
    state, created = SchemaState.get_or_create(id=1, defaults={"version": LATEST_VERSION})
    if not created:
        run_migrations(state)
'''}


def test_a_chain_recording_by_saving_a_models_version_and_imported_by_its_path(tmp_path: Path, capsys) -> None:
    """No SQL records the version: a helper sets a model object's version and saves it. The
    model's table (its Meta.table_name) holds the version; the module importing the chain runs it."""
    for name, text in MODEL_RECORD.items():
        (tmp_path / name).write_text(text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "migrations.py:run_migrations", "stores": ["db.py:open_db"],
        "version-table": "schema_state", "head": "db.py:LATEST_VERSION"}
    out = capsys.readouterr().out
    assert "version-table: schema_state, the table the INSERTs record versions in (a model's table" in out


TWO_DATABASES = {"archive.py": '''\
from sqlbuilder import count_statement

CURRENT_VERSION = 3


class Migration:
    def __init__(self, conn):
        self.conn = conn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version + 1, CURRENT_VERSION + 1):
            getattr(self, f"_migrate_{number}")()
            conn.execute(f"PRAGMA user_version = {number}")

    def _migrate_1(self):
        self.conn.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT)")

    def _migrate_2(self):
        self.conn.execute(count_statement("messages"))

    def _migrate_3(self):
        self.conn.execute("CREATE INDEX messages_body ON messages(body)")
''', "keys.py": '''\
class KeyStore:
    def __init__(self, conn):
        self.conn = conn
        self.upgrade()

    def upgrade(self):
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            self.conn.execute("CREATE TABLE keys (id INTEGER PRIMARY KEY, key BLOB)")
            self.conn.execute("PRAGMA user_version = 1")
        if version < 2:
            self.conn.execute("ALTER TABLE keys ADD COLUMN trust INTEGER")
            self.conn.execute("PRAGMA user_version = 2")
'''}


def test_the_first_reading_the_check_can_verify_is_chosen_and_another_registrys_head_is_left(
        tmp_path: Path, capsys) -> None:
    """Two databases: the archive's numbered methods are read first, but one of its steps runs SQL
    built outside the project (never vouched for: it is a step), so the check cannot verify that
    reading; the key store's chain it can. The archive's CURRENT_VERSION (3, not the chain's last
    number, and not used beside the chain) is the archive's head, not the key store's."""
    for name, text in TWO_DATABASES.items():
        (tmp_path / name).write_text(text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"] == {
        "style": "version-chain", "runner": "keys.py:KeyStore.upgrade", "stores": ["keys.py:KeyStore.__init__"],
        "version-record": "user_version"}
    out = capsys.readouterr().out
    assert ("init: not style naming with runner archive.py:Migration, read first: the check could not verify it"
            " (archive.py:18: cannot resolve the version number statically in Migration._migrate_2") in out


POSITIONAL = {"steps.py": '''\
UPGRADES = [
    "CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT)",
    "ALTER TABLE feeds ADD COLUMN title TEXT",
]


def apply_upgrades(conn, from_version, to_version):
    for script in UPGRADES[from_version:to_version]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {to_version}")
''', "store.py": '''\
import os
import sqlite3

from steps import apply_upgrades


class FeedStore:
    VERSION = 2

    def __init__(self, path):
        new = not os.path.exists(path)
        self.conn = sqlite3.connect(path)
        if new:
            self._create()
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        apply_upgrades(self.conn, current, FeedStore.VERSION)

    def _create(self):
        self.conn.executescript("CREATE TABLE feeds (id INTEGER PRIMARY KEY, url TEXT, title TEXT);"
                                " PRAGMA user_version = 2;")
'''}


def test_a_list_read_by_a_helper_given_the_versions_is_applied_by_the_module_importing_it(
        tmp_path: Path, capsys) -> None:
    """The list's only reader takes the versions as arguments: a helper. The store importing and
    calling it is the path, and the store's own function stamping the version on a new file
    (beside the path, not the list) creates the latest schema."""
    for name, text in POSITIONAL.items():
        (tmp_path / name).write_text(text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 0
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"]
    assert (table["stores"], table["fresh-stores"]) == (["store.py:FeedStore.__init__"], ["store.py:FeedStore._create"])
    assert capsys.readouterr().out.splitlines()[-1] == "verified: 2 paths apply all 2 registered migrations"


def test_a_head_behind_the_chain_is_taken_from_a_module_the_chains_module_imports(tmp_path: Path, capsys) -> None:
    """The same two databases, the key store importing the archive's module: its CURRENT_VERSION
    is then the key store's head too (3, past its last step: the check says so)."""
    for name, text in TWO_DATABASES.items():
        (tmp_path / name).write_text(("import archive  # noqa: F401\n\n\n" if name == "keys.py" else "") + text)
    assert main(["init", "--config", str(tmp_path / "pyproject.toml")]) == 1
    assert tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["bundler"]["head"] == "archive.py:CURRENT_VERSION"
    assert "missing-migration: the declared head archive.py:CURRENT_VERSION is 3" in capsys.readouterr().out


def test_a_method_of_another_module_named_like_one_called_on_an_unknown_object_is_vouched_when_it_records_nothing(
        tmp_path: Path, capsys) -> None:
    """The chain calls update() on a set it cannot know (a defaultdict's item); the project's only
    update runs the SQL it is given (the check cannot read it) and names no version: init lists it."""
    files = {"db/store.py": "from collections import defaultdict\n\n\n"
             "class Store:\n    def __init__(self, con):\n        self.con = con\n        self.migrate()\n\n"
             "    def migrate(self):\n        seen = defaultdict(set)\n        version = self.con.execute('PRAGMA user_version')"
             ".fetchone()[0]\n        if version < 1:\n            self.con.execute('CREATE TABLE t (id)')\n"
             "            self.con.execute('PRAGMA user_version = 1')\n        if version < 2:\n"
             "            seen[1].update({1})\n            self.con.execute('PRAGMA user_version = 2')\n",
             "db/rows.py": "class Rows:\n    def update(self, con, statement, values):\n"
             "        con.execute(statement, values)\n"}
    table = found_table(tmp_path, files, capsys)
    assert table["records-nothing"] == ["db/rows.py:Rows.update"]
