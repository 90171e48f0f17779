"""The front end is chosen by the entries' suffix, and TypeScript's parser is an optional extra
that a Python check never imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bundler.cli import main
from bundler.frontends.typescript import parse
from bundler.frontends.typescript.extract import defines

WORKER = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "typescript" / "worker"


def test_a_python_check_does_not_import_the_typescript_parser(codebase, subprocess_env) -> None:
    project = codebase()
    probe = ("import sys\nfrom bundler.cli import main\ncode = main(['check', '--config', sys.argv[1]])\n"
             "assert code == 0, code\nprint(sorted(m for m in sys.modules if m.startswith('tree_sitter')))\n")
    done = subprocess.run([sys.executable, "-c", probe, str(project / "pyproject.toml")], capture_output=True,
                          text=True, env=subprocess_env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_without_the_extra_the_check_says_which_extra_to_install(monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "tree_sitter", None)  # import tree_sitter raises ImportError
    parse.parser_for.cache_clear()
    try:
        code = main(["check", "--config", str(WORKER / "pyproject.toml"), "--root", str(WORKER)])
    finally:
        parse.parser_for.cache_clear()
    assert code == 2
    assert capsys.readouterr().err == ("bundler: error: reading TypeScript and JavaScript needs the typescript"
                                       " extra: pip install 'migration-bundler[typescript]'\n")


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    store = folder / "src" / "store.ts"
    store.write_text(store.read_text().replace("    this.addSettings();\n", "    this.addSettings(;\n"))
    code = main(["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder)])
    assert code == 2
    assert capsys.readouterr().err == "bundler: error: src/store.ts: syntax error at line 24\n"


def test_one_check_reads_one_language(capsys) -> None:
    code = main(["check", "--config", str(WORKER / "pyproject.toml"), "--root", str(WORKER),
                 "--store", str(WORKER / "src" / "store.py") + ":SessionStore.__init__"])
    assert code == 2
    assert "the runner and the stores must be written in one language" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".js", ".cjs", ".mjs"])
def test_javascript_stores_are_read_as_typescript_ones(tmp_path: Path, suffix: str, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    (folder / "src" / f"legacy{suffix}").write_text(
        "const { recordVersion } = { recordVersion: null };\n"
        "class Legacy {\n  constructor(db) {\n    this.db = db;\n    this.first();\n  }\n"
        "  first() {\n    this.db.exec('INSERT INTO schema_versions (version, applied_at) VALUES (1, 0)');\n  }\n}\n"
        "module.exports = { Legacy };\n")
    code = main(["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder), "--format", "json",
                 "--store", str(folder / "src" / f"legacy{suffix}") + ":Legacy.constructor"])
    report = capsys.readouterr().out
    assert code == 1
    assert '"missing-migration"' in report and f'"file": "src/legacy{suffix}"' in report


def test_a_comment_suppresses_a_typescript_finding_as_a_python_one(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    (folder / "src" / "store.ts").write_text((folder / "src" / "skips.ts").read_text())
    args = ["check", "--config", str(folder / "pyproject.toml"), "--root", str(folder), "--format", "json"]
    assert main(args) == 1
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    store = folder / finding["file"]
    lines = store.read_text().splitlines()
    lines[finding["line"] - 1] += "  // bundler: ignore[missing-migration] 3 is applied by the runner on upgrade"
    store.write_text("\n".join(lines) + "\n")
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["suppression"]["reason"]) for f in report["suppressed"]] == [
        ("missing-migration", "3 is applied by the runner on upgrade")]


def test_fix_leaves_typescript_to_the_user(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    (folder / "src" / "store.ts").write_text((folder / "src" / "skips.ts").read_text())
    assert main(["fix", "--config", str(folder / "pyproject.toml")]) == 1
    assert "version 3: bundler fix writes Python only; fix this one by hand" in capsys.readouterr().err


def test_the_baseline_keeps_accepting_a_finding_when_typescript_code_moves(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    store = folder / "src" / "store.ts"
    store.write_text((folder / "src" / "skips.ts").read_text())
    config = ["--config", str(folder / "pyproject.toml"), "--root", str(folder)]
    assert main(["check", *config, "--write-baseline", str(folder / "baseline.json")]) == 0
    with (folder / "pyproject.toml").open("a") as table:
        table.write('baseline = "baseline.json"\n')
    for moved in (store, folder / "src" / "runner.ts"):
        moved.write_text("// moved down a line\n" + moved.read_text())
    capsys.readouterr()
    assert main(["check", *config]) == 0
    assert "1 suppressed" in capsys.readouterr().out


def test_what_typescript_does_not_read_yet_is_refused_by_name(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "worker"
    shutil.copytree(WORKER, folder)
    with (folder / "pyproject.toml").open("a") as table:
        table.write('style = "decorators"\n')
    assert main(["check", "--config", str(folder / "pyproject.toml")]) == 2
    assert "[tool.bundler] style: registry styles other than method lists are read from Python only" \
        in capsys.readouterr().err


def test_runtime_parity_is_refused_for_typescript(capsys) -> None:
    assert main(["check", "--config", str(WORKER / "pyproject.toml"), "--runtime"]) == 2
    assert "--runtime runs Python paths only" in capsys.readouterr().err


@pytest.mark.parametrize(("code", "defined"), [
    ("class T {\n  addTags(db: Database): void {}\n}", True),
    ("class T {\n  async addTags<D>(db: D) {}\n}", True),
    ("export function addTags(db) {}", True),
    ("const addTags = (db) => db.run('x');", True),
    ("class T {\n  addTags = async db => {};\n}", True),
    ("export default { addTags: function (db) {} };", True),
    ("class T {\n  addTags = this.applyTags;\n}", True),  # bound to another function by its name
    ("export const addTags = makeTagger();", True),  # or to what a call returns
    ("this.tagger.addTags(this.db);", False),  # a call of a method: after a dot
    ("const addTagsLater = 1; readdTags(db);", False),  # inside longer names
    ("const label = 'addTags';", False),
])
def test_a_name_is_looked_for_only_where_it_may_define_a_function(code: str, defined: bool) -> None:
    assert defines(code.encode(), b"addTags") is defined
