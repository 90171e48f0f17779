"""The command line: exit codes 0/1/2, one-line errors naming the input, reports to a file."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from bundler.cli import build_parser, main, parse_arguments, plain_check

from .conftest import STORE

UNRESOLVABLE_STORE = STORE.replace("VALUES (28, 'now')\")", "VALUES (?, ?)\", (compute_version(), 'now'))")
ARGUMENT_STORE = STORE.replace(
    "self.conn.execute(\"INSERT INTO schema_versions (version, applied_at) VALUES (28, 'now')\")",
    "self._record(self.conn.version)",
) + """
    def _record(self, version):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (?, 'now')", (version,))
"""
DYNAMIC_TABLE_STORE = STORE.replace("INSERT INTO schema_versions (version, applied_at) VALUES (28", "INSERT INTO {table} (version, applied_at) VALUES (28").replace(
    "self.conn.execute(\"INSERT INTO {table}", "self.conn.execute(f\"INSERT INTO {table}"
)


def run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--config", str(root / "pyproject.toml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_passing_code_base_exits_0_with_a_summary(codebase, capsys) -> None:
    code, out, err = run(capsys, codebase())
    assert (code, err) == (0, "")
    assert out == "verified: 1 path applies all 2 registered migrations\n"


def test_a_failing_code_base_exits_1_with_file_and_line(codebase, capsys) -> None:
    root = codebase(store__py=STORE.replace("        self.m28()\n", ""))
    code, out, _ = run(capsys, root)
    assert code == 1
    first = out.splitlines()[0]
    # at the insertion point: the call of 27, after which the mirror of 28 goes
    assert first.startswith("store.py:4: missing-migration: Store.__init__ (store.py:2) never applies version 28;")
    assert "MigrationRunner.m28 (runner.py:12)" in first
    assert out.splitlines()[-1] == "failed: 1 error, 0 warnings"


CANNOT_VERIFY = [
    ("pyproject.toml", "[tool.bundler\n", "pyproject.toml: not valid TOML"),
    ("pyproject.toml", "[project]\nname = 'x'\n", "pyproject.toml: no [tool.bundler] table"),
    ("pyproject.toml", "[tool.bundler]\nrunner = 'runner.py:MigrationRunner.run_all_migrations'\nstorse = []\n",
     "unknown key 'storse'; did you mean 'stores'?"),
    ("pyproject.toml", "[tool.bundler]\nrunner = 'runner.py:MigrationRunner.run_all_migrations'\nstores = 'store.py'\n",
     "stores: expected list, got str"),
    ("pyproject.toml", "[tool.bundler]\nrunner = 'runner.py'\nstores = ['store.py:Store.__init__']\n",
     "'runner.py' is not of the form path/to/file.py:Class.method"),
    ("pyproject.toml", "[tool.bundler]\nrunner = '../elsewhere.py:A.b'\nstores = ['store.py:Store.__init__']\n",
     "is outside the project"),
    ("pyproject.toml", "[tool.bundler]\nrunner = 'runner.py:MigrationRunner.run_all_migrations'\n",
     "no store configured"),
    ("pyproject.toml", "[tool.bundler]\nrunner = 'runner.py:MigrationRunner.run_all_migrations'\n"
     "stores = ['store.py:Store.__init__']\n[tool.bundler.severity]\nmissing-migration = 'fatal'\n",
     "missing-migration: 'fatal' is not one of"),
    ("runner.py", None, "runner.py: file not found"),
    ("store.py", None, "store.py: file not found"),
    ("store.py", "class Store:\n    def __init__(self:\n        pass\n", "store.py:2: syntax error"),
    ("store.py", b"class Store:\n    x = '\xff\xfe'\n", "store.py: not UTF-8 text"),
    ("store.py", b"\x7fELF\x00\x00binary", "store.py: not a Python source file"),
    ("store.py", "class Other:\n    pass\n", "store.py: class Store not found"),
    ("store.py", "class Store:\n    def close(self):\n        pass\n", "store.py:1: class Store has no method __init__"),
    ("store.py", UNRESOLVABLE_STORE, "store.py:11: cannot resolve the version number statically in Store.m28"),
    ("store.py", ARGUMENT_STORE, "store.py:11: cannot resolve the version number statically in Store.m28: an argument"),
    ("store.py", DYNAMIC_TABLE_STORE, "store.py:11: cannot resolve the version number statically"),
    ("runner.py", "class MigrationRunner:\n    def run_all_migrations(self):\n        self.conn.execute('VACUUM')\n",
     "runner.py:2: the registry MigrationRunner.run_all_migrations records no version number"),
]


@pytest.mark.parametrize(("name", "content", "message"), CANNOT_VERIFY, ids=[c[2][:40] for c in CANNOT_VERIFY])
def test_what_cannot_be_verified_exits_2_with_one_line_naming_the_input(codebase, capsys, name, content, message) -> None:
    root = codebase({name: content})
    code, out, err = run(capsys, root)
    assert code == 2, out
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("bundler: error: ")
    assert message in err


def test_bad_command_lines_exit_2(codebase, capsys) -> None:
    root = codebase()
    for args in (["--format", "xml"], ["--no-such-flag"], ["--store", "store.py"]):
        code, _, err = run(capsys, root, *args)
        assert code == 2 and err.count("\n") == 1, args


def test_no_configuration_anywhere_exits_2(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert "no pyproject.toml found" in capsys.readouterr().err


def test_flags_override_the_configuration_and_are_relative_to_the_current_folder(codebase, capsys, monkeypatch) -> None:
    root = codebase({"other_store.py": STORE.replace("        self.m28()\n", "")})
    monkeypatch.chdir(root)
    assert main(["check", "--store", "other_store.py:Store.__init__"]) == 1
    assert "other_store.py:4: missing-migration" in capsys.readouterr().out


def test_the_report_can_be_written_to_a_file(codebase, capsys, tmp_path) -> None:
    root = codebase()
    target = tmp_path / "report.json"
    code, out, _ = run(capsys, root, "--format", "json", "--output", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["ok"] is True
    code, _, err = run(capsys, root, "--output", str(tmp_path / "missing" / "r.txt"))
    assert code == 2 and "cannot write the report" in err


@pytest.mark.parametrize(
    ("make_bundle", "message"),
    [
        (lambda p: None, "no such bundle"),
        (lambda p: p.write_bytes(b"PK\x03\x04 truncated"), "not a readable zip archive"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("site-packages/other.py", "x = 1\n"), "no Python source for runner"),
    ],
    ids=["missing", "corrupt", "without-store"],
)
def test_unreadable_bundles_exit_2(codebase, capsys, tmp_path, make_bundle, message) -> None:
    bundle = tmp_path / "worker.pyz"
    make_bundle(bundle)
    code, _, err = run(capsys, codebase(), "--bundle", str(bundle))
    assert code == 2 and message in err and err.count("\n") == 1


def test_a_bundle_with_the_store_from_source_passes_and_a_rewritten_one_fails(codebase, capsys, tmp_path) -> None:
    root = codebase()
    good = tmp_path / "good.pyz"
    with zipfile.ZipFile(good, "w") as archive:
        archive.write(root / "runner.py", "site-packages/runner.py")
        archive.write(root / "store.py", "site-packages/store.py")
    assert run(capsys, root, "--bundle", str(good))[0] == 0

    stale = tmp_path / "stale.pyz"
    with zipfile.ZipFile(stale, "w") as archive:
        archive.write(root / "runner.py", "site-packages/runner.py")
        archive.writestr("site-packages/store.py", STORE.replace("        self.m28()\n", ""))
    code, out, _ = run(capsys, root, "--bundle", str(stale), "--format", "json")
    findings = {(f["code"], f["version"]) for f in json.loads(out)["findings"]}
    assert code == 1
    assert findings == {("stale-bundle", None), ("missing-migration", 28)}
    assert any(f"{stale}!site-packages/store.py" in f["file"] for f in json.loads(out)["findings"])


def test_the_console_script_runs_as_a_subprocess(codebase, python, subprocess_env) -> None:
    root = codebase()
    result = subprocess.run([python, "-m", "bundler", "check"], cwd=root, capture_output=True, text=True,
                            env=subprocess_env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("verified:")


def test_a_report_whose_reader_went_away_ends_without_a_traceback(codebase, python, subprocess_env) -> None:
    """`bundler check | head -0`: the pipe is closed before the report is written."""
    root = codebase()
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([python, "-m", "bundler", "check", "--no-cache"], cwd=root, stdout=write,
                                stderr=subprocess.PIPE, text=True, env=subprocess_env, timeout=60)
    finally:
        os.close(write)
    assert result.returncode == 2
    assert result.stderr == ""


def test_the_worker_this_repository_ships_passes_its_own_check(worker_project, monkeypatch, capsys) -> None:
    monkeypatch.chdir(worker_project)
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "verified: 1 path applies all 20 registered migrations\n"


def test_common_options_go_before_or_after_the_command(codebase, capsys) -> None:
    root = codebase()
    for args in (["-v", "check", "--config", str(root / "pyproject.toml")],
                 ["check", "-v", "--config", str(root / "pyproject.toml")],
                 ["--config", str(root / "pyproject.toml"), "-v", "check"]):
        assert main(args) == 0, args
        assert "applies" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "said"), [
    (["chek"], "invalid choice: 'chek' (choose from 'check',"),
    (["check", "--format", "jsn"], "check: argument --format: invalid choice: 'jsn'"),
    (["check", "--fromat", "json"], "unrecognized arguments: --fromat json"),
])
def test_a_mistyped_command_format_or_option_gets_the_nearest_valid_one(capsys, args, said) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert said in err and "did you mean" in err and err.count("bundler") == 1 and err.count("\n") == 1


def test_an_option_of_another_command_says_whose_it_is(capsys) -> None:
    """Not "did you mean '--format'" for the very option typed."""
    assert main(["fix", "--format", "json"]) == 2
    assert capsys.readouterr().err == ("bundler: error: unrecognized arguments: --format json;"
                                       " --format is an option of bundler check only\n")
    assert main(["build", "--no-cache"]) == 2
    assert "--no-cache is an option of bundler check and bundler fix only" in capsys.readouterr().err


@pytest.mark.parametrize("args", [
    ["check", "--no-cache", "-q", "--format", "json", "--bundle", "a.pyz", "--bundle", "b.pyz"],
    ["build", "--force", "--color", "never"], ["sync", "--to", "x", "--bundle", "y.pyz"], ["fix", "--write", "--store", "s.py:S.m"],
    ["version-bump", "minor"], ["explain", "missing-migration"], ["build-and-sync", "-v", "--to", "x"],
])
def test_a_command_line_starting_with_its_command_reads_as_the_whole_parser_reads_it(args) -> None:
    """The parser of the command alone (all a check builds) gives what the whole one gives."""
    assert parse_arguments(args) == build_parser().parse_args(args)
    assert len(build_parser(only=args[0])._subparsers._group_actions[0].choices) == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("args", [
    ["check"], ["check", "--no-cache"], ["check", "-q", "--no-cache", "--runtime", "--exit-zero", "--list-codes", "-q"],
    ["check", "--verbose", "--config", "services/notes/pyproject.toml"], ["check", "--config=", "--format=json", "--color", "never"],
    ["check", "--format", "sarif", "--format", "github", "-v", "--verbose"], ["check", "--config", "a", "--config=b=c"],
    ["check", "--config", "check", "--color=always", "--quiet"],
])
def test_a_plain_check_is_read_without_argparse_as_argparse_reads_it(args) -> None:
    """`bundler check` with common flags and options: what the check's parser, and the whole one, give."""
    plain = plain_check(args)
    assert plain is not None
    assert vars(plain) == vars(build_parser(only="check").parse_args(args)) == vars(build_parser().parse_args(args))
    assert parse_arguments(args) is not plain and vars(parse_arguments(args)) == vars(plain)


@pytest.mark.parametrize("args", [
    ["check", "--no-c"], ["check", "-qv"], ["check", "-q", "-v"], ["check", "--format", "xml"], ["check", "--config"],
    ["check", "--config", "-q"], ["check", "--config", "--no-cache"], ["check", "--bundle", "b.pyz"], ["check", "--help"],
    ["check", "--no-cache=1"], ["check", "--", "x"], ["check", "extra"], ["check", "--color", "blue"], ["fix"],
    ["-v", "check"], [],
])
def test_any_other_command_line_is_read_by_argparse(args) -> None:
    assert plain_check(args) is None


def test_a_mistyped_method_gets_the_nearest_one(codebase, capsys) -> None:
    root = codebase()
    code, _, err = run(capsys, root, "--runner", str(root / "runner.py") + ":MigrationRunner.run_all")
    assert code == 2 and "has no method run_all (named by --runner on the command line);" \
        " did you mean 'run_all_migrations'?" in err


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_when_the_check_cannot_run_machine_formats_still_write_a_result(fmt, codebase, capsys, tmp_path) -> None:
    root = codebase(store__py="class Store:\n    def __init__(self:\n")
    output = tmp_path / f"report.{fmt}"
    assert main(["check", "--config", str(root / "pyproject.toml"), "--format", fmt, "--output", str(output)]) == 2
    assert capsys.readouterr().err.startswith("bundler: error: store.py:2: syntax error")
    text = output.read_text()
    if fmt == "json":
        assert json.loads(text)["error"]["file"] == "store.py"
    elif fmt == "sarif":
        assert json.loads(text)["runs"][0]["invocations"][0]["executionSuccessful"] is False
    else:
        assert text.startswith("::error file=store.py,line=2,title=bundler could not verify::store.py:2: syntax error")


def test_a_configuration_error_is_machine_readable_too(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json"]) == 2
    error = json.loads(capsys.readouterr().out)["error"]
    assert error["message"].startswith("no pyproject.toml found") and error["exit_code"] == 2


@pytest.fixture
def monorepo(tmp_path: Path, monkeypatch) -> Path:
    """A git repository holding a project under services/notes/, checked from the repository's root."""
    from .conftest import PYPROJECT, RUNNER

    root = tmp_path / "monorepo"
    project = root / "services" / "notes"
    (project / "src" / "notes").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"runner.py:', '"src/notes/runner.py:')
                                            .replace('"store.py:', '"src/notes/store.py:'))
    (project / "src" / "notes" / "runner.py").write_text(RUNNER)
    (project / "src" / "notes" / "store.py").write_text(STORE.replace("        self.m28()\n", ""))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(root)]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "notes"], check=True)
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_from_a_monorepos_root_every_format_gives_paths_relative_to_it(fmt, monorepo, capsys) -> None:
    assert main(["check", "--config", "services/notes/pyproject.toml", "--format", fmt]) == 1
    out = capsys.readouterr().out
    where = "services/notes/src/notes/store.py"
    if fmt == "text":
        assert out.startswith(f"{where}:4: missing-migration: Store.__init__ ({where}:2) never applies version 28;")
    elif fmt == "github":
        assert out.startswith(f"::error file={where},line=4,title=missing-migration::")
    elif fmt == "json":
        report = json.loads(out)
        assert report["findings"][0]["file"] == where
        assert report["registry"][0]["file"] == "services/notes/src/notes/runner.py"
    else:
        run = json.loads(out)["runs"][0]
        assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
            "uri": where, "uriBaseId": "REPOROOT"}
        assert run["originalUriBaseIds"]["REPOROOT"]["uri"] == monorepo.resolve().as_uri() + "/"
        head = subprocess.run(["git", "-C", str(monorepo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
        assert run["versionControlProvenance"][0]["revisionId"] == head


def test_root_overrides_the_git_top_level(monorepo, capsys) -> None:
    assert main(["check", "--config", "services/notes/pyproject.toml", "--root", "services"]) == 1
    assert capsys.readouterr().out.startswith("notes/src/notes/store.py:4: missing-migration")
    assert main(["check", "--config", "services/notes/pyproject.toml", "--root", "/nonexistent-elsewhere"]) == 2
    assert "--root /nonexistent-elsewhere: does not hold the project folder" in capsys.readouterr().err


def test_an_error_about_a_configured_spec_names_the_configuration_key(codebase, capsys) -> None:
    from .conftest import PYPROJECT

    root = codebase(pyproject__toml=PYPROJECT.replace('"store.py:Store.__init__"', '"nowhere.py:Store.__init__"'))
    assert main(["check", "--config", str(root / "pyproject.toml")]) == 2
    assert capsys.readouterr().err == (
        f"bundler: error: nowhere.py: file not found (named by stores in {root / 'pyproject.toml'})\n")


def test_a_command_line_that_does_not_parse_still_gets_the_machine_format_it_asked_for(capsys) -> None:
    assert main(["check", "--format", "json", "--bogus"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["message"].startswith("unrecognized arguments: --bogus")
    assert captured.err.startswith("bundler: error: unrecognized arguments: --bogus")


def test_an_install_built_from_a_changed_tree_says_so_in_its_summary() -> None:
    from bundler.cli import describe
    from bundler.packaging.install import Manifest

    manifest = Manifest("notes.pyz", "0.1.0", "ab" * 32, [1, 2], "0123456789abcdef0123-dirty", "2026-01-01")
    assert describe(manifest) == "notes.pyz 0.1.0 (sha256 abababababab, commit 0123456789ab-dirty)"
    assert "commit 0123456789ab)" in describe(replace(manifest, source_commit="0123456789abcdef0123"))


def test_exit_zero_reports_findings_and_exits_0_but_not_when_it_cannot_verify(codebase, capsys) -> None:
    root = codebase(store__py=STORE.replace("        self.m28()\n", ""))
    assert main(["check", "--config", str(root / "pyproject.toml"), "--exit-zero"]) == 0
    assert "missing-migration" in capsys.readouterr().out
    assert main(["check", "--config", str(root / "nowhere.toml"), "--exit-zero"]) == 2


@pytest.mark.parametrize("flags, codes", [
    (["--ignore", "missing-migration"], []),
    (["--select", "missing-migration"], ["missing-migration"]),
    (["--select", "out-of-order,unknown-version"], []),
    (["--select", "duplicate-version", "--select", "missing-migration", "--ignore", "missing-migration"], []),
])
def test_select_and_ignore_choose_the_codes_checked(codebase, capsys, flags: list[str], codes: list[str]) -> None:
    root = codebase(store__py=STORE.replace("        self.m28()\n", ""))
    code = main(["check", "--config", str(root / "pyproject.toml"), "--format", "json", *flags])
    report = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in report["findings"]] == codes and code == (1 if codes else 0)


def test_select_turns_on_a_code_the_configuration_turned_off(codebase, capsys) -> None:
    from .conftest import PYPROJECT

    root = codebase(store__py=STORE.replace("        self.m28()\n", ""),
                    pyproject__toml=PYPROJECT + '[tool.bundler.severity]\nmissing-migration = "off"\n')
    assert main(["check", "--config", str(root / "pyproject.toml")]) == 0
    assert main(["check", "--config", str(root / "pyproject.toml"), "--select", "missing-migration"]) == 1


def test_an_unknown_code_on_the_command_line_is_named_with_the_nearest(codebase, capsys) -> None:
    assert main(["check", "--config", str(codebase() / "pyproject.toml"), "--ignore", "missing-migrations"]) == 2
    assert capsys.readouterr().err == ("bundler: error: --ignore: 'missing-migrations' is not a finding code;"
                                       " did you mean 'missing-migration'?\n")


def two_services(root: Path, store: str = STORE) -> Path:
    """A repository whose root has a pyproject.toml without [tool.bundler] and two configured services."""
    from .conftest import PYPROJECT, RUNNER

    (root / "pyproject.toml").write_text('[project]\nname = "tools"\n')
    (root / ".git").mkdir()  # the repository's top level: report paths are relative to it
    for name, text in (("notes", store), ("todo", STORE)):
        service = root / "services" / name
        service.mkdir(parents=True)
        for file, content in (("pyproject.toml", PYPROJECT), ("runner.py", RUNNER), ("store.py", text)):
            (service / file).write_text(content)
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "pyproject.toml").write_text("[tool.bundler]\nrunner = 1\n")  # never searched
    return root


def test_at_an_unconfigured_root_every_configured_project_below_is_checked(tmp_path: Path, monkeypatch,
                                                                           capsys) -> None:
    monkeypatch.chdir(two_services(tmp_path, STORE.replace("        self.m28()\n", "")))
    assert main(["check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "check: services/notes/pyproject.toml"
    assert out[1].startswith("services/notes/store.py:4: missing-migration: ")
    assert "check: services/todo/pyproject.toml" in out and out[-1] == "verified: 1 path applies all 2 registered migrations"
    assert main(["check", "--config", "services/todo/pyproject.toml"]) == 0


def test_several_projects_and_one_report_file_ask_for_config(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(two_services(tmp_path))
    assert main(["check", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["exit_code"] == 2
    assert captured.err == ("bundler: error: 2 configured projects below this folder (services/notes/pyproject.toml,"
                            " services/todo/pyproject.toml): pass --config to choose one\n")


def test_a_configured_folder_is_checked_alone(tmp_path: Path, monkeypatch, capsys) -> None:
    root = two_services(tmp_path)
    monkeypatch.chdir(root / "services" / "notes")
    assert main(["check"]) == 0
    assert capsys.readouterr().out == "verified: 1 path applies all 2 registered migrations\n"
