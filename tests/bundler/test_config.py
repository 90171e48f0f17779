"""[tool.bundler]: defaults, overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bundler.config import load_config, parse_spec
from bundler.errors import ConfigError
from bundler.ftypes import Code, EntrySpec, Severity


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
