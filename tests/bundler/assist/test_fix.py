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

from tests.newapp import RUNNER, STORE, write_app

CHECKER_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checker"

# Every failing fixture of the checker (each variant with exit 1), what fix makes of it, and what
# it says. "fixed": the check passes. "other": no missing number left, the fixture's other
# findings stay (fix does not guess which of two numbers is wrong). "stub": the registry's
# migration cannot be carried over: the call and a stub method that raises, said so (the check
# still names the number: the stub records nothing, as running it would). "by hand": fix writes
# nothing and says why: nothing is missing, a number is written wrong where fix cannot rewrite it,
# or the style numbers a step by its shape, so a stub would be counted as the step.
OUTCOMES = {
    "defined_not_called-bad": ("fixed", None), "dispatch_getattr-bad": ("fixed", None),
    "dispatch_getattr-short": ("fixed", None),
    "grouping-bad": ("fixed", None), "method_loop-bad": ("fixed", None), "helpers_deep-bad": ("fixed", None),
    "incident-bad": ("fixed", None), "function_entries-bad": ("fixed", None),
    "import_time_registry-unregistered": ("by hand", "import the step for 2 by hand"),
    "fresh_schema-stale": ("fixed", "raised the stamp from 2 to 3"), "naming_functions-unlisted": ("fixed", None),
    "naming_functions-folder": ("fixed", None), "styles_decorators-bad": ("fixed", None),
    "styles_modules-bad": ("fixed", None), "styles_naming-bad": ("fixed", None), "styles_records-bad": ("fixed", None),
    "styles_register-bad": ("fixed", None), "styles_version_chain-bad": ("fixed", None),
    "appended_list-bad": ("fixed", None),  # listed in the path's own list, not the registry's file
    "rebound_global-missing": ("fixed", None),
    # the registry's step: a module function a class holds, taking the connection as an argument
    "class_alias-missing": ("stub", "label_table could not be carried over into PartialStore (it uses arguments"
                            " besides self, which PartialStore does not have): wrote PartialStore.label_table as a stub"
                            " that raises (it records nothing, so the check still names 3)"),
    "defined_in_try-missing": ("fixed", None),
    "defined_in_try-unknown": ("by hand", None),  # a step that records a number the registry lacks: the author's call
    "outside_class_attribute-missing": ("fixed", None),
    # the registry's step reached through an object it builds, taking the connection as an argument
    "injected_object-missing": ("stub", "Tagger.add_tags could not be carried over into NoteStore (it uses arguments"
                                " besides self, which NoteStore does not have): wrote NoteStore.add_tags as a stub"
                                " that raises (it records nothing, so the check still names 2)"),
    # a method named like the registry's recording another number: renumbered, not mirrored
    "clash-bad": ("fixed", "Store.add_session_platform_source_column recorded 24; it records 25 now"),
    "user_version-bad": ("fixed", "Store.v28 recorded 29; it records 28 now"),
    # a head behind the last step is raised; one beyond it (no step between) lowered
    "head_modules-behind": ("fixed", "raised the head db_version from 42 to 43"),
    "chain_target-bumped": ("fixed", "lowered the head NEXT_SCHEMA_VERSION from 4 to 3"),
    "dispatch_naming-bumped": ("fixed", "lowered the head NEXT_VERSION from 4 to 3"),
    "head_methods-bumped": ("fixed", "lowered the head VERSION from 30 to 29"),
    "head_modules-bumped": ("fixed", "lowered the head db_version from 44 to 43"),
    "modules_runtime_sql-bumped": ("fixed", "lowered the head db_version from 4 to 3"),
    "records_position-bumped": ("fixed", "lowered the head NEXT_VERSION from 4 to 3"),
    "order_warning-strict": ("fixed", "moved the call applying 29 below the one applying 28"),
    "helper_param-bad": ("other", None), "sql_forms-bad": ("other", None),
    "multi_record-bad": ("stub", "as a stub that raises (it records nothing, so the check still names 28)"),
    "constants-bad": ("by hand", "not as one literal bundler fix can rewrite: make it record 28 by hand"),
    "chain_delegation-bumped": ("by hand", "Storage.init records 5 too (a schema made for 5?): write the step for 5;"
                                " bundler fix does not lower the head under it; no stub: a chain's block"),
    "records_tuples-gap": ("by hand", "the registry's steps skip 3 below the head 4: write the missing step, or"
                           " renumber the steps (before any database recorded them), by hand; no stub: a list's entry"),
    "decorators_named-repeats": ("by hand", "the check still fails: duplicate-version (migrations.py:15)\n"),
    "delegation-bad": ("by hand", "the check still fails: unknown-version (store_bad.py:11)"),
    # a list of SQL run by position: the registry's item appended to the path's copy of the list; the registry's
    # own list numbered from another start: the registry's start
    "sql_list_enumerate-bad": ("fixed", None),
    "sql_list_enumerate-shifted": ("fixed", "numbered MIGRATIONS's items from 0 where migrate numbers them from 1"),
    # the registry records inline in migrate's if blocks: only its block for 2 is carried over (with the local
    # it uses), never the whole function
    "module_lambda-bad": ("fixed", None),
    # the same registry, and a store recording 1 through a class attribute's lambda, with no block to copy beside:
    # the calls below self.stamp(1), and a stub method per number (never anything in the class body's lambda)
    "module_lambda-method": ("stub", "migrate applies 2 inline, not in a step of its own (migrations.py:6): wrote"
                             " Store.migrate_to_2 as a stub that raises (it records nothing, so the check still names 2)"),
    "import_chain-bad": ("fixed", None),  # the elif branch importing up3's function
    "listed_modules-unwritten": ("by hand", "names rename_owner, which is not a module beside"
                                 " app/upgrades/split_names.py: write it by hand (bundler fix writes no migration"
                                 " nobody wrote; no stub: a module the list names counts as its step"),
    "listed_modules-bumped": ("fixed", "lowered the head BUMPED from 6 to 5"),  # 1 and 3 retired: no gap
    # a module no item names: listed as the next item, the head raised with it
    "listed_modules-unlisted": ("fixed", "listed drop_legacy as item 5 of UPGRADES"),
    # a class registers when its module is imported: the import only, beside the neighbours' (no call)
    "subclass_registry-unimported": ("fixed", "imported app.upgrades.search, which registers IndexBodies"),
    # the neighbouring step is a call of a helper, not an if block fix can write beside
    "chain_unrecorded-copy": ("by hand", "the path's neighbouring block is not an if block"),
    # the registry's own step records nothing: which number it should stamp is the author's to write
    "chain_unrecorded-unstamped": ("by hand", None),
    "chain_unrecorded-raising": ("by hand", "the path's neighbouring block is not an if block"),
    "chain_unrecorded-returning": ("by hand", None),  # which of the returning steps should stamp is a choice
    "exclusive_branches-loop": ("by hand", None),  # two migrations of one number: which to renumber is a choice
    "key_value_row-stale": ("fixed", "raised the stamp from 2 to 3"),  # the one line of the script that stamps
    # the package imports a module it does not have: which name was meant is a choice
    "decorators_package-typo": ("by hand", "shop_typo/upgrades/__init__.py registers the steps of the modules it"
                                " imports: import the module of upgrade_3 (shop_typo/upgrades/order_index.py) there"),
    # the path stops at a number passed as a literal, not the list's own end: no list of its own to add to
    "records_slice-stale": ("by hand", None),
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


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_fix_on_every_failing_fixture(name: str, tmp_path: Path, capsys) -> None:
    outcome, said = OUTCOMES[name]
    config = fixture_copy(name, tmp_path)
    before = findings(capsys, config)
    files = {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()}
    code = main(["fix", "--write", "--config", str(config)])
    out, err = capsys.readouterr()
    after = findings(capsys, config)
    assert said is None or said in out + err, out + err
    if outcome == "fixed":
        assert code == 0 and after == [] and main(["check", "--config", str(config)]) == 0, out + err
    elif outcome == "other":
        assert "missing-migration" in before and "missing-migration" not in after and after, err
    elif outcome == "stub":
        assert code == 1 and after == before and set(after) == {"missing-migration"}  # the verdict names each number
        stubs = [line for p in config.parent.rglob("*.py") for line in p.read_text().splitlines()
                 if "raise NotImplementedError" in line]
        assert stubs and all("is not written yet" in line for line in stubs)
        assert len(stubs) == before.count("missing-migration")  # one per number, each called where the finding says
    else:
        assert code == 1 and after == before and "nothing bundler fix can write; the check still fails: " in out
        assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files  # nothing written


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


def test_an_inline_registrys_block_is_carried_over_alone_with_the_locals_it_uses(tmp_path: Path, capsys) -> None:
    """The registry's migrate records every number inline; the store's copy lacks the block for 2,
    which uses ``folder``, a local migrate sets before its blocks from an imported helper."""
    config = fixture_copy("module_lambda-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert ("         stamp(conn, 1)\n+    if current < 2:\n+        folder = data_dir()\n"
            "+        conn.execute(\"ALTER TABLE notes ADD COLUMN folder TEXT\")\n") in diff
    assert "+from helpers import data_dir\n" in diff and "def migrate" not in diff


LAMBDA_STORE = """\
import sqlite3


class Store:
    stamp = lambda self, version: self.conn.execute(  # noqa: E731
        "INSERT OR IGNORE INTO schema_versions (version) VALUES (?)", (version,))

    def __init__(self, path):
        self.conn = sqlite3.connect(path)
        self.conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)")
        self.stamp(1)
"""


def test_a_call_goes_where_the_class_attributes_lambda_is_called_never_into_the_class_body(
        tmp_path: Path, capsys) -> None:
    """The store records 1 through a lambda bound in its class body: the check places that record
    at the lambda; the call of the mirror goes below the method's ``self.stamp(1)``."""
    app = write_app(tmp_path / "notes")
    store = app / "src" / "notes" / "store.py"
    store.write_text(LAMBDA_STORE)
    config = str(app / "pyproject.toml")
    assert main(["fix", "--config", config]) == 1
    diff = capsys.readouterr().out
    assert "         self.stamp(1)\n+        self.add_tags()\n+\n+    def add_tags(self):\n" in diff
    assert main(["fix", "--write", "--config", config]) == 0, capsys.readouterr()


def test_a_chain_of_imports_gets_the_branch_importing_the_step(tmp_path: Path, capsys) -> None:
    config = fixture_copy("import_chain-bad", tmp_path)
    assert main(["fix", "--config", str(config)]) == 1
    diff = capsys.readouterr().out
    assert ("             from .up2 import do_migration\n+        elif current == 2:\n"
            "+            from .up3 import do_migration\n         elif current == 3:\n") in diff


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


LOOP_RUNNER = RUNNER.replace("        self.add_tags()\n", "        self.add_tags()\n        self.add_pins()\n") + """
    def add_pins(self):
        self.conn.execute("ALTER TABLE notes ADD COLUMN pinned INTEGER")
        self.conn.execute("INSERT INTO schema_versions (version) VALUES (3)")
"""
# A store running its two steps in a loop: over a tuple the fix writes into, or over a list it
# builds step by step (no literal to write into): the call goes after the loop.
LOOPS = {
    "        for step in (self.create_notes, self.add_tags):\n            step()\n":
        "        for step in (self.create_notes, self.add_tags, self.add_pins):\n",
    "        steps = []\n        steps.append(self.create_notes)\n        steps.append(self.add_tags)\n"
    "        for step in steps:\n            step()\n":
        "            step()\n        self.add_pins()\n",
}


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_a_step_beside_a_loops_step_runs_once_never_once_per_entry(loop: str, tmp_path: Path, capsys) -> None:
    """The neighbour is applied by ``step()`` in a loop over two steps: a call inside the loop
    would add the column twice. The new step goes into the tuple the loop walks, else after the
    loop; either way it runs once, in order, and the runtime check agrees."""
    store = STORE.replace("        self.create_notes()\n        self.add_tags()\n", loop)
    app = write_app(tmp_path / "notes", files={"src/notes/paths.py": PATHS, "src/notes/runner.py": LOOP_RUNNER,
                                               "src/notes/store.py": store},
                    extra='[tool.bundler.runtime]\nrunner = "notes.paths:runner_path"\nstores = ["notes.paths:store_path"]')
    config = str(app / "pyproject.toml")
    assert main(["fix", "--write", "--config", config]) == 0, capsys.readouterr()
    assert LOOPS[loop] in (app / "src" / "notes" / "store.py").read_text()
    capsys.readouterr()
    assert main(["check", "--runtime", "--config", config]) == 0, capsys.readouterr()
    assert capsys.readouterr().out == "verified: 1 path applies all 3 registered migrations\n"


def test_the_imports_and_constants_a_mirror_uses_are_carried_over_too(tmp_path: Path, capsys) -> None:
    config = fixture_copy("constants-bad", tmp_path)
    store = config.parent / "app" / "store_bad.py"  # without its claims (which records 27: renumbered, not mirrored)
    text = store.read_text().replace("        self.claims()\n", "")
    store.write_text(text.replace('    def claims(self):\n        self.conn.execute(Store.RECORD, (self.CLAIMS, "now"))\n\n', ""))
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
    assert main(["fix", "--write", "--runtime", "--config", str(config)]) == 0, capsys.readouterr()  # checked running
    assert capsys.readouterr().out.splitlines()[-1].startswith("verified: ")


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


def test_an_out_of_order_warning_is_left_as_it_is(tmp_path: Path, capsys) -> None:
    """Reordering runs the steps differently: fix does it only where the configuration makes the order an error."""
    config = fixture_copy("order_warning-ok", tmp_path)
    files = {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()}
    assert main(["fix", "--write", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "fix: nothing bundler fix can write\n"
    assert {p: p.read_bytes() for p in config.parent.rglob("*") if p.is_file()} == files


def test_a_stub_fails_loudly_when_the_path_runs(tmp_path: Path, capsys) -> None:
    """The stubs record nothing: the store stops at the first one, naming the registry step it must mirror."""
    config = fixture_copy("module_lambda-method", tmp_path)
    assert main(["fix", "--write", "--config", str(config)]) == 1
    namespace: dict[str, object] = {}
    exec(compile((config.parent / "app_method.py").read_text(), "app_method.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Store.migrate_to_2: the mirror of the step for 2 inside migrate"):
        namespace["Store"](str(tmp_path / "notes.db"))  # type: ignore[operator]


CHAIN_REGISTRY = """\
def migrate(conn, options):
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current < 1:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("PRAGMA user_version = 1")
    if current < 2:
        conn.execute(f"ALTER TABLE notes ADD COLUMN {options.column} TEXT")
        conn.execute("PRAGMA user_version = 2")
"""

# the registry's chain up to its block for 2
CHAIN_STORE = CHAIN_REGISTRY.split("    if current < 2")[0].replace("migrate(conn, options)", "open_notes(conn)")


def test_no_raising_block_goes_into_a_chain_where_its_test_would_count_as_the_step(tmp_path: Path, capsys) -> None:
    """The registry's block for 2 uses its argument ``options``, which the store has no way to
    have. A block ``if current < 2: raise ...`` would be read as the step for 2 (a chain numbers
    its blocks by their tests) and the check would pass: fix writes nothing and says so."""
    (tmp_path / "registry.py").write_text(CHAIN_REGISTRY)
    (tmp_path / "store.py").write_text(CHAIN_STORE)
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.bundler]\nstyle = "version-chain"\nversion-record = "user_version"\n'
                      'runner = "registry.py:migrate"\nstores = ["store.py:open_notes"]\n')
    assert main(["fix", "--write", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "uses options, which open_notes does not have; a block that raises would count as the step for 2" in err
    assert (tmp_path / "store.py").read_text() == CHAIN_STORE


POSITION_REGISTRY = """\
STEPS = [
    "CREATE TABLE notes (id INTEGER PRIMARY KEY)",
    "ALTER TABLE notes ADD COLUMN tags TEXT",
    '''CREATE INDEX notes_tags
       ON notes (tags)''',
]


def upgrade(conn):
    done = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in enumerate(STEPS[done:], start=done + 1):
        conn.execute(sql)
        conn.execute(f"PRAGMA user_version = {number}")
"""

POSITION_STORE = """\
OWN_STEPS = ["CREATE TABLE notes (id INTEGER PRIMARY KEY)"]


def open_notes(conn):
    at = conn.execute("PRAGMA user_version").fetchone()[0]
    for n, sql in enumerate(OWN_STEPS[at:], at + 1):
        conn.execute(sql)
        conn.execute("PRAGMA user_version = %d" % n)
"""


def test_a_copy_of_a_list_run_by_position_gets_the_registrys_next_items(tmp_path: Path, capsys) -> None:
    """The store's own list is the start of the registry's, numbered alike: the items after it
    are carried over as written, after its last item, so each keeps its number."""
    (tmp_path / "registry.py").write_text(POSITION_REGISTRY)
    (tmp_path / "store.py").write_text(POSITION_STORE)
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.bundler]\nversion-record = "user_version"\nrunner = "registry.py:upgrade"\n'
                      'stores = ["store.py:open_notes"]\n')
    assert main(["fix", "--write", "--config", str(config)]) == 0, capsys.readouterr()
    assert (tmp_path / "store.py").read_text().startswith(
        'OWN_STEPS = ["CREATE TABLE notes (id INTEGER PRIMARY KEY)",\n'
        '             "ALTER TABLE notes ADD COLUMN tags TEXT",\n'
        "             '''CREATE INDEX notes_tags\n       ON notes (tags)''']\n")

    (tmp_path / "store.py").write_text(POSITION_STORE.replace('"CREATE TABLE notes (id INTEGER PRIMARY KEY)"',
                                                              '"CREATE TABLE notes (id INTEGER)"'))
    capsys.readouterr()
    assert main(["fix", "--write", "--config", str(config)]) == 1  # not the registry's start: nothing to carry
    assert "OWN_STEPS is not the start of STEPS, numbered alike: add the registry's step for 2" in capsys.readouterr().err
