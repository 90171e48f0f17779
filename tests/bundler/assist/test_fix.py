"""bundler fix: the call where the finding says, a mirror carried over from the registry, or a
stub that fails loudly and says why; afterwards the missing numbers are applied."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from bundler.cli import main

from tests.newapp import write_app

CHECKER_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checker"

# Every failing fixture of the checker (each variant with exit 1), and what fix makes of it:
# "fixed" (the check passes; a warning may stay), "other" (no missing number left; the fixture's
# other findings stay: fix writes steps, it does not untangle names or numbers), "stub" (the
# registry's migration cannot be carried over: a stub that raises, said so), "no step" (the
# head declares a number no migration records: fix writes no migration, and says so), "not
# missing" (no missing-migration: nothing for fix to write).
OUTCOMES = {
    "defined_not_called-bad": "fixed", "dispatch_getattr-bad": "fixed", "grouping-bad": "fixed",
    "method_loop-bad": "fixed", "helpers_deep-bad": "fixed", "incident-bad": "fixed",
    "function_entries-bad": "fixed", "fresh_schema-stale": "fixed", "naming_functions-unlisted": "fixed",
    "naming_functions-folder": "fixed", "styles_decorators-bad": "fixed", "styles_modules-bad": "fixed",
    "styles_naming-bad": "fixed", "styles_records-bad": "fixed", "styles_register-bad": "fixed",
    "styles_version_chain-bad": "fixed",
    "clash-bad": "other", "helper_param-bad": "other", "constants-bad": "other", "sql_forms-bad": "other",
    "user_version-bad": "other", "multi_record-bad": "stub",
    "chain_delegation-bumped": "no step", "chain_target-bumped": "no step", "dispatch_naming-bumped": "no step",
    "head_methods-bumped": "no step", "head_modules-bumped": "no step", "records_position-bumped": "no step",
    "records_tuples-gap": "no step",
    "decorators_named-repeats": "not missing", "delegation-bad": "not missing", "head_modules-behind": "not missing",
    "order_warning-strict": "not missing",
    # shapes fix does not write yet (issue 19): it writes nothing, and the check still fails
    "appended_list-bad": "fixed", "sql_list_enumerate-bad": "by hand", "sql_list_enumerate-shifted": "by hand",
    "modules_runtime_sql-bumped": "no step",
}


def failing_fixtures() -> list[str]:
    return sorted(f"{expected.parent.name}-{variant}" for expected in CHECKER_FIXTURES.glob("*/expected.toml")
                  for variant, verdict in tomllib.loads(expected.read_text()).items()
                  if isinstance(verdict, dict) and verdict.get("exit") == 1)


def test_every_failing_fixture_has_an_outcome() -> None:
    assert sorted(OUTCOMES) == failing_fixtures()


def fixture_copy(name: str, tmp_path: Path) -> Path:
    fixture, variant = name.rsplit("-", 1)
    verdict = tomllib.loads((CHECKER_FIXTURES / fixture / "expected.toml").read_text())[variant]
    copy = tmp_path / fixture
    shutil.copytree(CHECKER_FIXTURES / fixture, copy)
    config = copy / verdict.get("config", "pyproject.toml")
    if "store" in verdict:
        config.write_text(re.sub(r"^stores = .*$", f'stores = ["{verdict["store"]}"]', config.read_text(), flags=re.M))
    return config


def findings(capsys, config: Path) -> list[str]:
    capsys.readouterr()
    main(["check", "--format", "json", "--config", str(config)])
    return [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]


@pytest.mark.parametrize("name, outcome", sorted(OUTCOMES.items()))
def test_fix_on_every_failing_fixture(name: str, outcome: str, tmp_path: Path, capsys) -> None:
    config = fixture_copy(name, tmp_path)
    before = findings(capsys, config)
    files = {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()}
    code = main(["fix", "--write", "--config", str(config)])
    err = capsys.readouterr().err
    after = findings(capsys, config)
    if outcome == "fixed":
        assert "missing-migration" in before
        assert code == 0 and main(["check", "--config", str(config)]) == 0, err  # the check passes
    elif outcome == "other":
        assert "missing-migration" in before and "missing-migration" not in after and after, err
    elif outcome == "stub":
        assert "could not be carried over" in err and "as a stub that raises; write its body" in err
        stubs = [p.read_text() for p in config.parent.rglob("*.py") if "raise NotImplementedError" in p.read_text()]
        assert len(stubs) == 1 and "is not written yet" in stubs[0]
    elif outcome == "no step":
        assert code == 1 and "no step of the registry records it" in err and "add the step, or lower the head" in err
        assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files  # nothing written
    elif outcome == "by hand":
        assert "missing-migration" in before and code == 1 and after == before
        assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files
    else:
        assert "missing-migration" not in before and code == 1 and after == before
        assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files


def test_a_records_entry_is_never_its_neighbours_step_under_another_number(tmp_path: Path, capsys) -> None:
    """A dict of SQL lists: shaped like its neighbour, 28 would hold 27's SQL; it holds the registry step's SQL."""
    config = fixture_copy("styles_records-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert '+    28: ["ALTER TABLE pending_messages ADD COLUMN worker_pid INTEGER"],\n' in diff


def test_a_chain_block_tests_the_paths_own_variable(tmp_path: Path, capsys) -> None:
    config = fixture_copy("styles_version_chain-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert ("+    if current < 28:\n+        conn.execute(\"ALTER TABLE pending_messages ADD COLUMN worker_pid INTEGER\")\n"
            "+        conn.execute(\"PRAGMA user_version = 28\")\n") in diff


def test_a_step_module_takes_the_name_the_paths_template_reaches(tmp_path: Path, capsys) -> None:
    config = fixture_copy("styles_modules-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert "--- /dev/null\n+++ b/src/app/upgrades_bad/db28.py\n" in diff
    assert "--- a/src/app/upgrades_bad/db_28.py\n+++ /dev/null\n" in diff  # renamed, not registered twice


def test_helpers_and_the_connection_attribute_are_carried_over(tmp_path: Path, capsys) -> None:
    """The registry's m28 calls helpers the store lacks, and keeps its connection in self.conn
    where the store keeps it in self.db: both carried over, so no stub is needed."""
    config = fixture_copy("incident-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert "self.conn" not in "".join(line for line in diff.splitlines() if line.startswith("+"))
    assert "+            self.db.execute(" in diff or "+        self.db.execute(" in diff
    config = fixture_copy("helpers_deep-bad", tmp_path / "deep")
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert all(f"+    def {name}(self" in diff for name in ("m28", "_alter", "_finish", "_really_finish"))


def test_a_stale_fresh_stamp_is_raised_and_said_what_it_does_not_prove(tmp_path: Path, capsys) -> None:
    config = fixture_copy("fresh_schema-stale", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert '-        self.conn.execute("PRAGMA user_version = 2")\n+        self.conn.execute("PRAGMA user_version = 3")' \
        in captured.out
    assert "make sure the schema it creates has what the steps after 2 add" in captured.err


def test_the_diff_by_default_and_write_applies_it(tmp_path: Path, capsys) -> None:
    app = write_app(tmp_path / "notes")
    store = app / "src" / "notes" / "store.py"
    text = store.read_text().replace("        self.add_tags()\n", "")
    store.write_text(text[: text.index("    def add_tags")].rstrip() + "\n")
    config = str(app / "pyproject.toml")

    assert main(["fix", "--config", config]) == 1
    diff = capsys.readouterr().out
    assert diff.startswith("--- a/src/notes/store.py\n+++ b/src/notes/store.py\n")
    assert "+        self.add_tags()\n" in diff
    assert '+        """Mirrors Runner.add_tags (src/notes/runner.py:13), which records version 2."""\n' in diff
    assert "+        self.conn.execute(\"ALTER TABLE notes ADD COLUMN tags TEXT\")\n" in diff
    assert store.read_text() == text[: text.index("    def add_tags")].rstrip() + "\n"  # nothing written

    assert main(["fix", "--write", "--config", config]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["fix: wrote src/notes/store.py", "verified: 1 path applies all 2 registered migrations"]
    assert main(["fix", "--config", config]) == 0
    assert capsys.readouterr().out == "fix: nothing bundler fix can write\n"


PATHS = """\
import sqlite3

from notes.runner import Runner
from notes.store import Store


def runner_path(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE IF NOT EXISTS schema_versions (version INTEGER PRIMARY KEY)")
    Runner(conn).run_all()
    conn.commit()


def store_path(db_path):
    Store(db_path).conn.commit()
"""


def test_a_carried_over_mirror_builds_the_registrys_schema(tmp_path: Path, capsys) -> None:
    app = write_app(tmp_path / "notes", files={"src/notes/paths.py": PATHS},
                    extra='[tool.bundler.runtime]\nrunner = "notes.paths:runner_path"\nstores = ["notes.paths:store_path"]')
    store = app / "src" / "notes" / "store.py"
    text = store.read_text().replace("        self.add_tags()\n", "")
    store.write_text(text[: text.index("    def add_tags")].rstrip() + "\n")
    config = str(app / "pyproject.toml")
    assert main(["check", "--runtime", "--config", config, "--format", "json"]) == 1
    assert {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"missing-migration", "schema-drift"}
    assert main(["fix", "--write", "--config", config]) == 0
    capsys.readouterr()
    assert main(["check", "--runtime", "--config", config]) == 0  # no drift: the mirror is the registry's step
    assert capsys.readouterr().out == "verified: 1 path applies all 2 registered migrations\n"


def test_the_imports_and_constants_a_mirror_uses_are_carried_over_too(tmp_path: Path, capsys) -> None:
    config = fixture_copy("constants-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert ("+from app.versions import SELF_HEALING_CLAIM, SUBAGENTS, UNIQUE_HASH\n+RECORD = \"INSERT OR IGNORE INTO"
            " schema_versions (version, applied_at) VALUES (?, ?)\"\n") in diff
    assert "+        self.conn.execute(RECORD, (SELF_HEALING_CLAIM, \"now\"))\n" in diff


CHAIN_PATHS = """\
import sqlite3

import migrate
import store_bad

BASE = "CREATE TABLE observations (memory_session_id TEXT, content_hash TEXT); CREATE TABLE pending_messages (id);"


def registry_path(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript(BASE)
    migrate.migrate(conn)
    conn.commit()


def store_path(db_path):
    conn = sqlite3.connect(db_path)
    conn.executescript(BASE)
    store_bad.open_database(conn)
    conn.commit()
"""


def test_a_carried_over_chain_block_leaves_no_runtime_drift(tmp_path: Path, capsys) -> None:
    config = fixture_copy("styles_version_chain-bad", tmp_path)
    (config.parent / "paths.py").write_text(CHAIN_PATHS)
    config.write_text(config.read_text() + '\n[tool.bundler.runtime]\nrunner = "paths:registry_path"\n'
                      'stores = ["paths:store_path"]\n')
    assert main(["check", "--runtime", "--config", str(config), "--format", "json"]) == 1
    assert {f["code"] for f in json.loads(capsys.readouterr().out)["findings"]} == {"missing-migration", "schema-drift"}
    assert main(["fix", "--write", "--config", str(config)]) == 0
    capsys.readouterr()
    assert main(["check", "--runtime", "--config", str(config)]) == 0, capsys.readouterr()


def test_fix_takes_the_checks_options_that_choose_what_it_checks(tmp_path: Path, capsys) -> None:
    """A user passes fix what they passed check: the paths (--runner/--store), --no-cache, --runtime."""
    config = fixture_copy("clash-bad", tmp_path)
    store = f"{config.parent / 'store_ok.py'}:Store.__init__"
    assert main(["check", "--config", str(config), "--store", store, "--no-cache"]) == 0
    capsys.readouterr()
    files = {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()}
    assert main(["fix", "--write", "--no-cache", "--config", str(config), "--store", store]) == 0
    assert capsys.readouterr().out == "fix: nothing bundler fix can write\n"
    assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files
