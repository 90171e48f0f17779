"""[tool.bundler]: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundler.config import load_config, parse_spec
from bundler.errors import ConfigError
from bundler.model import Code, EntrySpec, Severity


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(body)
    return path


def test_this_repository_configuration(worker_project: Path) -> None:
    config = load_config(str(worker_project / "pyproject.toml"))
    assert config.runner == EntrySpec("src/worker/store/runner.py", "MigrationRunner", "run_all_migrations")
    assert config.stores == (EntrySpec("src/worker/store/session_store.py", "SessionStore", "__init__"),)
    assert config.severity[Code.OUT_OF_ORDER] is Severity.WARNING
    assert config.runtime.runner == "worker.store.runner:migrate_path"


def test_the_nearest_pyproject_is_found_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path, '[tool.bundler]\nrunner = "a.py:A.run"\nstores = ["b.py:B.__init__"]\n')
    (tmp_path / "sub").mkdir()
    assert load_config(cwd=tmp_path / "sub").root == tmp_path.resolve()


def test_dotted_module_specs_are_accepted() -> None:
    assert parse_spec("worker.store.runner:MigrationRunner.run_all_migrations", "runner", Path("."), "x") == EntrySpec(
        "worker.store.runner", "MigrationRunner", "run_all_migrations"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[tool.bundler]\nrunnr = "a.py:A.b"\n', "unknown key 'runnr'; did you mean 'runner'?"),
        ('[tool.bundler]\nzzz = 1\n', "unknown key 'zzz'; valid keys:"),
        ('[tool.bundler]\nversion-table = 3\n', "version-table: expected str, got int"),
        ('[tool.bundler]\nversion-table = " "\n', "version-table: must not be empty"),
        ('[tool.bundler]\nversion-record = "stamp"\n', "version-record: 'stamp' is not one of table, user_version"),
        ('[tool.bundler]\nstores = []\n', "stores: must name at least one store"),
        ('[tool.bundler]\nstores = [3]\n', "stores: every item must be a str"),
        ('[tool.bundler.severity]\nmissing-migraton = "warning"\n', "did you mean 'missing-migration'?"),
        ('[tool.bundler.runtime]\ntimeout = -1\n', "timeout: must be a number of seconds"),
        ('[tool.bundler.runtime]\nupgrade-fixtures = ["/etc/passwd"]\n', "is outside the project"),
        ('[tool.bundler]\nrunner = "a.py:A.b.c"\n', "is not of the form"),
        ('[tool.bundler]\nrunner = "not a module:A.b"\n', "neither a .py path nor a dotted module name"),
        ("[tool]\nbundler = 3\n", "[tool.bundler] must be a table"),
        ('[tool.bundler]\nhead = "schema.py"\n', "head: name the constant"),
        ('[tool.bundler]\nbase = "1"\n', "base: must be a whole number"),
        ('[tool.bundler]\nrecords-nothing = "a.py:f"\n', "records-nothing: expected list"),
    ],
)
def test_bad_values_name_the_key_and_the_file(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.bundler]\nrunner = "a.py:A.run"\nstores = ["b.py:B.__init__"]\n')
    config = load_config(str(path), runner="c.py:C.go", stores=["d.py:D.x", "e.py:E.y"], cwd=tmp_path)
    assert config.runner == EntrySpec("c.py", "C", "go")
    assert [s.target for s in config.stores] == ["d.py", "e.py"]


def test_missing_entries_are_a_configuration_error(tmp_path: Path) -> None:
    config = load_config(str(write(tmp_path, "[tool.bundler]\n")))
    with pytest.raises(ConfigError, match="no runner configured"):
        config.require_entries()


def test_head_base_and_records_nothing_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, '[tool.bundler]\nhead = "app/schema.py:Schema.VERSION"\nbase = 4\n'
                           'records-nothing = ["app/steps.py:rebuild_table", "app/store.py:Store.reindex"]\n')
    config = load_config(str(path))
    assert config.head == EntrySpec("app/schema.py", "Schema", "VERSION")
    assert config.base == 4
    assert config.records_nothing == (EntrySpec("app/steps.py", "rebuild_table"), EntrySpec("app/store.py", "Store", "reindex"))


# --- a configuration that does not fit the code suggests the one that does (issue 19.5) --------

CHAIN = """\
def migrate(conn):
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < 1:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        conn.execute("PRAGMA user_version = 1")
    if version < 2:
        conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")
        conn.execute("PRAGMA user_version = 2")
"""

CHAIN_METHOD = """\
class Upgrader:
    def __init__(self, conn):
        self.conn = conn

    def upgrade(self):
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < 1:
            self.conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        if version < 2:
            self.conn.execute("ALTER TABLE notes ADD COLUMN tags TEXT")
"""


def check_error(codebase, capsys, **files: str) -> str:
    from bundler.cli import main

    assert main(["check", "--config", str(codebase(**files) / "pyproject.toml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    return err


def test_a_function_is_an_entry_and_a_chain_read_as_a_method_list_suggests_its_style(codebase, capsys) -> None:
    err = check_error(codebase, capsys, db__py=CHAIN,
                      pyproject__toml='[tool.bundler]\nrunner = "db.py:migrate"\nstores = ["db.py:migrate"]\n')
    assert "the registry migrate records no version number" in err
    assert 'its if-blocks test the version: set style = "version-chain"' in err


def test_a_class_where_a_function_or_method_is_expected_says_what_it_is(codebase, capsys) -> None:
    err = check_error(codebase, capsys, pyproject__toml='[tool.bundler]\nrunner = "runner.py:MigrationRunner"\n'
                      'stores = ["store.py:Store.__init__"]\n')
    assert ("MigrationRunner is a class in runner.py: name the method that applies the migrations,"
            " runner.py:MigrationRunner.METHOD (its methods: __init__, run_all_migrations, m27, m28)") in err


def test_a_version_chain_configured_as_a_method_list_suggests_its_style_and_record(codebase, capsys) -> None:
    err = check_error(codebase, capsys, db__py=CHAIN_METHOD, pyproject__toml=(
        '[tool.bundler]\nrunner = "db.py:Upgrader.upgrade"\nstores = ["db.py:Upgrader.upgrade"]\n'))
    assert ("records no version number: nothing to check against; its if-blocks test the version: set style ="
            ' "version-chain" and it sets PRAGMA user_version: set version-record = "user_version"') in err


def test_a_mistyped_class_name_gets_the_nearest(codebase, capsys) -> None:
    err = check_error(codebase, capsys, pyproject__toml=(
        '[tool.bundler]\nrunner = "runner.py:MigrationRuner.run_all_migrations"\nstores = ["store.py:Store.__init__"]\n'))
    assert "class MigrationRuner not found" in err and "did you mean 'MigrationRunner'?" in err
