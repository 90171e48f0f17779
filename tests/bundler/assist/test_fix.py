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

# Every failing method-list fixture with a missing-migration, and what fix makes of it:
# "fixed" (the check passes), "other" (no missing number left; the fixture's other findings stay),
# "stub" (the registry's migration cannot be carried over: a stub that raises, said so),
# "by hand" (nothing to place the call beside: said so).
OUTCOMES = {
    "defined_not_called-bad": "fixed", "dispatch_getattr-bad": "fixed", "grouping-bad": "fixed",
    "method_loop-bad": "fixed", "clash-bad": "other", "helper_param-bad": "other",
    "constants-bad": "other", "helpers_deep-bad": "stub", "incident-bad": "stub", "multi_record-bad": "stub",
    "sql_forms-bad": "stub", "user_version-bad": "stub", "fresh_schema-stale": "by hand", "head_methods-bumped": "by hand",
}


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
def test_fix_on_every_failing_method_list_fixture(name: str, outcome: str, tmp_path: Path, capsys) -> None:
    config = fixture_copy(name, tmp_path)
    before = findings(capsys, config)
    assert "missing-migration" in before
    code = main(["fix", "--write", "--config", str(config)])
    err = capsys.readouterr().err
    after = findings(capsys, config)
    if outcome == "fixed":
        assert code == 0 and "missing-migration" not in after, err  # the check passes (a warning may stay)
    elif outcome == "other":
        assert "missing-migration" not in after and after, err
    elif outcome == "stub":
        assert "could not be carried over" in err and "as a stub that raises; write its body" in err
        stubs = [p.read_text() for p in config.parent.rglob("*.py") if "raise NotImplementedError" in p.read_text()]
        assert len(stubs) == 1 and "is not written yet" in stubs[0]
    else:
        assert code == 1 and ("fix it by hand" in err or err == "")


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
