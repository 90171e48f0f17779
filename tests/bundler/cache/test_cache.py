"""`bundler check` from its cache: the cold answer after every kind of change, the same output in
every format when nothing changed, no parser imported, and an entry that is torn or foreign is a miss."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bundler.cache import entries
from bundler.cli import main

from ..conftest import STORE as BASE_STORE

CHECKER_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "checker"

HELPERS = """\
from versions import V28


def record(conn, version):
    conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, ?)", (version, "now"))


def record_28(conn):
    record(conn, V28)
"""

# the conftest's store, recording through a helper of another module and constants of a third
STORE = "import helpers\nfrom versions import V27\n\n\n" + BASE_STORE.replace(
    "self.conn.execute(\"INSERT INTO schema_versions (version, applied_at) VALUES (27, 'now')\")",
    "helpers.record(self.conn, V27)").replace(
    "self.conn.execute(\"INSERT INTO schema_versions (version, applied_at) VALUES (28, 'now')\")",
    "helpers.record_28(self.conn)")


@pytest.fixture
def cache_in_a_temporary_folder() -> None:
    """Here the cache is where it lives: in the project's build folder."""


@pytest.fixture
def project(codebase) -> Path:
    return codebase(store__py=STORE, helpers__py=HELPERS, versions__py="V27 = 27\nV28 = 28\n")


def answer(capsys, root: Path, *args: str, cache: bool = True) -> tuple[int, str, str]:
    """(exit code, standard output, standard error) of one check, with or without the cache."""
    code = main(["check", "--config", str(root / "pyproject.toml"), *args, *([] if cache else ["--no-cache"])])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cached_answer_is_the_cold_one(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    """Checks twice through the cache (the second answers from it when nothing changed) and once
    without: all three must agree."""
    cold = answer(capsys, root, *args, cache=False)
    assert answer(capsys, root, *args) == cold
    assert answer(capsys, root, *args) == cold
    return cold


def entries_in(root: Path) -> list[Path]:
    return sorted(entries.cache_folder(root).glob("*.json"))


def test_a_second_check_answers_from_the_cache(project, capsys) -> None:
    first = answer(capsys, project, "--verbose")
    second = answer(capsys, project, "--verbose")
    assert first[0] == second[0] == 0 and "answered from the cache" in second[1] and "cache" not in first[1]
    assert len(entries_in(project)) == 1
    assert (entries.cache_folder(project) / ".gitignore").read_text().endswith("*\n")


BREAK_HELPER = ("helpers.py", "record(conn, V28)", "record(conn, 29)")  # the store records 29, not 28
CHANGES = {
    # a followed helper in another module records another number
    "helper": [BREAK_HELPER],
    # a constant imported from a third module
    "constant": [("versions.py", "V28 = 28", "V28 = 30")],
    # a suppression comment
    "comment": [BREAK_HELPER, ("store.py", "    def m28(self):\n",
                               "    def m28(self):  # bundler: ignore[unknown-version] the 29 of another branch\n")],
    # the configuration
    "configuration": [BREAK_HELPER, ("pyproject.toml", 'stores = ["store.py:Store.__init__"]',
                                     'stores = ["store.py:Store.__init__"]\n[tool.bundler.severity]\n'
                                     'unknown-version = "warning"')],
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_kind_of_input_changed_gives_the_cold_answer(project, capsys, change) -> None:
    for name, old, new in CHANGES[change]:
        before = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
        path = project / name
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
        after = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
        assert after != before


def test_a_file_that_appears_where_a_module_was_not_found_gives_the_cold_answer(project, capsys) -> None:
    """`import helpers` looked for src/helpers.py first and did not find it: a new one there is the module now."""
    before = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    (project / "src").mkdir()
    (project / "src" / "helpers.py").write_text(HELPERS.replace("record(conn, V28)", "record(conn, 31)"))
    after = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    assert after != before and "31" in after[1]


def test_a_changed_baseline_gives_the_cold_answer(project, capsys) -> None:
    (project / "helpers.py").write_text(HELPERS.replace(*BREAK_HELPER[1:]))
    assert answer(capsys, project, "--write-baseline", str(project / "baseline.json"))[0] == 0
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('baseline = "baseline.json"\n')
    accepted = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    assert accepted[0] == 0
    (project / "baseline.json").write_text(json.dumps({"format": 1, "findings": []}))
    refused = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    assert refused[0] == 1
    (project / "baseline.json").unlink()
    assert cached_answer_is_the_cold_one(capsys, project, "--format", "json")[0] == 2


def test_a_changed_bundle_gives_the_cold_answer(project, capsys, tmp_path) -> None:
    bundle = tmp_path / "app.pyz"

    def build(store: str) -> None:
        with zipfile.ZipFile(bundle, "w") as archive:
            for name in ("helpers.py", "versions.py", "runner.py"):
                archive.writestr(f"site-packages/{name}", (project / name).read_text())
            archive.writestr("site-packages/store.py", store)

    build(STORE)
    before = cached_answer_is_the_cold_one(capsys, project, "--bundle", str(bundle), "--format", "json")
    assert before[0] == 0
    build(STORE.replace("        self.m28()\n", ""))
    after = cached_answer_is_the_cold_one(capsys, project, "--bundle", str(bundle), "--format", "json")
    assert after[0] == 1 and "stale-bundle" in after[1]


def test_a_new_version_module_in_a_folder_of_them_gives_the_cold_answer(tmp_path, capsys) -> None:
    root = tmp_path / "modules"
    shutil.copytree(CHECKER_FIXTURES / "styles_modules", root)
    before = cached_answer_is_the_cold_one(capsys, root, "--format", "json")
    (root / "src" / "app" / "upgrades" / "db30.py").write_text((root / "src" / "app" / "upgrades" / "db29.py").read_text())
    after = cached_answer_is_the_cold_one(capsys, root, "--format", "json")
    assert after != before and '"version": 30' in after[1]


def test_a_module_that_appears_anywhere_in_the_project_gives_the_cold_answer(tmp_path, capsys) -> None:
    """A method called on an object the checker cannot know may be any method of that name in the
    project: a new module defining a recording one, in a folder nothing imports, turns the pass
    into a stop."""
    root = tmp_path / "injected"
    shutil.copytree(CHECKER_FIXTURES / "injected_object", root)
    (root / "app" / "tagging.py").unlink()
    (root / "app" / "service.py").unlink()
    before = cached_answer_is_the_cold_one(capsys, root, "--config", str(root / "injected.toml"))
    assert before[0] == 0
    (root / "app" / "plugins").mkdir()
    (root / "app" / "plugins" / "tags.py").write_text(
        "class Tagger:\n    def add_tags(self, conn):\n        conn.execute(\"INSERT OR IGNORE INTO schema_versions"
        " (version, applied_at) VALUES (2, 'now')\")\n")
    after = cached_answer_is_the_cold_one(capsys, root, "--config", str(root / "injected.toml"))
    assert after[0] == 2 and "app/plugins/tags.py:Tagger.add_tags" in after[2]


def test_a_change_that_keeps_the_size_and_the_time_is_seen_while_the_time_is_recent(project, capsys) -> None:
    """A file rewritten within the clock's resolution keeps its time: recent files are hashed."""
    helpers = project / "helpers.py"
    before = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    stamp = helpers.stat().st_mtime_ns
    helpers.write_text(HELPERS.replace("record(conn, V28)", "record(conn, 29 )"))
    os.utime(helpers, ns=(stamp, stamp))
    after = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    assert after != before


def test_files_settled_long_ago_are_trusted_by_size_and_time_and_hashed_when_either_moves(project, capsys) -> None:
    for path in project.iterdir():
        os.utime(path, (1_000_000_000, 1_000_000_000))
    before = cached_answer_is_the_cold_one(capsys, project, "--format", "json")
    helpers = project / "helpers.py"
    helpers.write_text(HELPERS.replace("record(conn, V28)", "record(conn, 32)"))
    os.utime(helpers, (1_000_000_100, 1_000_000_100))
    assert cached_answer_is_the_cold_one(capsys, project, "--format", "json") != before


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
@pytest.mark.parametrize("passing", [True, False])
def test_the_warm_answer_prints_what_the_cold_one_printed_in_every_format(project, capsys, tmp_path, fmt, passing) -> None:
    if not passing:
        (project / "helpers.py").write_text(HELPERS.replace(*BREAK_HELPER[1:]))
    cold = cached_answer_is_the_cold_one(capsys, project, "--format", fmt)
    assert cold[0] == (0 if passing else 1)
    written = {}
    for cache in (False, True, True):
        output = tmp_path / f"report-{cache}.{fmt}"
        code = answer(capsys, project, "--format", fmt, "--output", str(output), "--sarif", str(tmp_path / "also.sarif"),
                      cache=cache)[0]
        written.setdefault((code, output.read_text(), (tmp_path / "also.sarif").read_text()), cache)
    assert len(written) == 1


def test_a_torn_or_foreign_entry_is_a_miss_never_an_error(project, capsys) -> None:
    cold = cached_answer_is_the_cold_one(capsys, project)
    [entry] = entries_in(project)
    data = entry.read_bytes()
    for damaged in (data[: len(data) // 2], b"", b"[]", data.replace(b'"sha256"', b'"sha257"'),
                    data.replace(b'"class":"CheckResult"', b'"class":"Path"'), b"\xff" * 10):
        entry.write_bytes(damaged)
        assert answer(capsys, project) == cold
        assert answer(capsys, project) == cold  # rewritten whole by the miss


def test_no_cache_neither_reads_nor_writes_it(project, capsys) -> None:
    answer(capsys, project, cache=False)
    assert entries_in(project) == []


def test_entries_another_front_end_reads_are_not_cached(project) -> None:
    """Only the Python front end tells the journal what it reads."""
    from dataclasses import replace

    from bundler.cache.check import read_through_the_journal
    from bundler.config import load_config
    from bundler.model import EntrySpec

    config = load_config(str(project / "pyproject.toml"))
    assert read_through_the_journal(config)
    assert not read_through_the_journal(replace(config, stores=(EntrySpec("src/store.ts", "Store", "init"),)))


def test_the_folder_is_bounded_and_keeps_the_entries_used_last(tmp_path, monkeypatch) -> None:
    for number in range(5):
        entries.write_entry(tmp_path, f"k{number}", {})
        os.utime(tmp_path / f"k{number}.json", (number, number))
    monkeypatch.setattr(entries, "MAX_ENTRIES", 3)
    assert entries.read_entry(tmp_path, "k0") is not None  # used now: the newest
    entries.write_entry(tmp_path, "k5", {})
    assert sorted(path.stem for path in tmp_path.glob("*.json")) == ["k0", "k4", "k5"]


def test_another_tool_python_or_parser_is_another_key(project, monkeypatch) -> None:
    import bundler
    from bundler.cache import inputs
    from bundler.config import load_config

    config = load_config(str(project / "pyproject.toml"))
    key = inputs.cache_key(config, [])
    for target, name, value in ((bundler, "__version__", "0.0.0-other"), (inputs, "tool_digest", lambda: "edited"),
                                (inputs.sys, "version", "3.99"), (inputs, "parser_versions", lambda: {"libcst": ["9"]})):
        with monkeypatch.context() as patched:
            patched.setattr(target, name, value)
            assert inputs.cache_key(config, []) != key, name
    assert inputs.cache_key(config, []) == key


def test_a_warm_check_imports_no_parser(project, python, subprocess_env) -> None:
    probe = ("import sys\nfrom bundler.cli import main\ncode = main(sys.argv[1:])\n"
             "print(sorted(m for m in ('libcst', 'sqlparse', 'bundler.check') if m in sys.modules), file=sys.stderr)\n"
             "sys.exit(code)\n")
    command = [python, "-c", probe, "check", "--config", str(project / "pyproject.toml"), "--format", "sarif"]
    cold = subprocess.run(command, capture_output=True, text=True, env=subprocess_env, check=False)
    warm = subprocess.run(command, capture_output=True, text=True, env=subprocess_env, check=False)
    assert cold.stderr.strip() == "['bundler.check', 'libcst', 'sqlparse']"
    assert warm.stderr.strip() == "[]"
    assert (warm.returncode, warm.stdout) == (cold.returncode, cold.stdout)
