"""ecosystem/run.py on a tiny fake snapshot: a git repository made here, holding code written for
these tests (never a real project's), with manifests pointing at its commits."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import RUN_PY

STEPS = '''
def migrate_1to2(db):
    db.execute("ALTER TABLE notes ADD COLUMN title TEXT")


def migrate_2to3(db):
    db.execute("ALTER TABLE notes ADD COLUMN tags TEXT")


MIGRATIONS = [migrate_1to2, migrate_2to3]
'''
UNLISTED = STEPS + '''

def migrate_3to4(db):
    db.execute("CREATE INDEX notes_title ON notes (title)")
'''


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(folder), "PATH": "/usr/bin:/bin"})
    return done.stdout.strip()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """``<snapshots>/acme+notes/repo`` (a bare clone, as fetch leaves it) with two commits: every
    step listed, then a step written but not listed. Returns the snapshots folder and both SHAs."""
    work = tmp_path_factory.mktemp("work")
    git(work, "init", "-q")
    (work / "app").mkdir()
    (work / "app" / "migrations.py").write_text(STEPS)
    (work / "README").write_text("not laid out\n")
    git(work, "add", ".")
    git(work, "commit", "-qm", "two steps")
    good = git(work, "rev-parse", "HEAD")
    (work / "app" / "migrations.py").write_text(UNLISTED)
    git(work, "commit", "-qam", "a step not listed")
    bad = git(work, "rev-parse", "HEAD")
    snapshots = tmp_path_factory.mktemp("snapshots")
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(snapshots / "acme+notes" / "repo")], check=True)
    return snapshots, good, bad


def state(name: str, commit: str, exit_code: int, missing: list[int] | None = None, extra: str = "",
          expect_extra: str = "") -> str:
    expect = f"exit = {exit_code}" + (f"\nmissing = {missing}" if missing is not None else "") + expect_extra
    return f'''
[[state]]
name = "{name}"
commit = "{commit}"
paths = ["app/"]
how = "written for the test"
{extra}
[state.config]
style = "naming"
runner = "app/migrations.py"
stores = ["app/migrations.py:MIGRATIONS"]

[state.config.styles]
name-pattern = "to(\\\\d+)$"

[state.expect]
{expect}
'''


def projects(tmp_path: Path, *states: str, header: str = 'repository = "acme/notes"\nproject = "notes"\n') -> Path:
    folder = tmp_path / "projects"
    folder.mkdir(exist_ok=True)
    (folder / "notes.toml").write_text(header + "".join(states))
    return folder


def run(snapshots: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(RUN_PY), "--snapshots", str(snapshots), "--projects", str(folder), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_verdicts_that_match_pass(snapshot, tmp_path):
    snapshots, good, bad = snapshot
    folder = projects(tmp_path, state("notes", good, 0), state("notes-bug", bad, 1, [4]))
    done = run(snapshots, folder)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["ok       notes", "ok       notes-bug", "total: 2 ok of 2 states"]


def test_a_verdict_that_differs_fails_and_says_how(snapshot, tmp_path):
    snapshots, _, bad = snapshot
    done = run(snapshots, projects(tmp_path, state("notes-bug", bad, 1, [3])))
    assert done.returncode == 1
    assert "DIFF     notes-bug: missing {4} (expected {3})" in done.stdout


def test_a_wrong_exit_code_names_the_findings(snapshot, tmp_path):
    snapshots, _, bad = snapshot
    done = run(snapshots, projects(tmp_path, state("notes-bug", bad, 0)))
    assert done.returncode == 1
    assert "exit 1 (expected 0); findings: missing-migration {4}" in done.stdout


def test_codes_and_mentions_must_appear_among_the_findings(snapshot, tmp_path):
    snapshots, _, bad = snapshot
    found = '\ncodes = ["missing-migration"]\nmentions = ["migrate_3to4"]'
    absent = '\ncodes = ["unknown-version"]\nmentions = ["an index"]'
    done = run(snapshots, projects(tmp_path, state("found", bad, 1, expect_extra=found),
                                   state("absent", bad, 1, expect_extra=absent)))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "ok       found"
    assert lines[1] == ("DIFF     absent: no unknown-version among missing-migration {4}; "
                        "no finding mentions 'an index' (missing-migration {4})")


def test_only_the_listed_paths_are_laid_out_with_the_configuration(snapshot, tmp_path):
    snapshots, good, _ = snapshot
    done = run(snapshots, projects(tmp_path, state("notes", good, 0)), "--keep", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stdout
    tree = tmp_path / "kept" / "notes"
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()) == [
        "app/migrations.py", "pyproject.toml"]
    config = tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["bundler"]
    assert config == {"style": "naming", "runner": "app/migrations.py", "stores": ["app/migrations.py:MIGRATIONS"],
                      "styles": {"name-pattern": r"to(\d+)$"}}


def test_whole_lays_out_the_top_level_folders_that_hold_the_listed_paths(snapshot, tmp_path, runner: ModuleType):
    """A user's checkout has every file beside the migration code; --whole lays out the folders
    the listed paths sit in (not the repository's other top-level files)."""
    snapshots, good, _ = snapshot
    listed = state("notes", good, 0).replace('paths = ["app/"]', 'paths = ["app/migrations.py"]')
    done = run(snapshots, projects(tmp_path, listed), "--whole", "--keep", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stdout
    tree = tmp_path / "kept" / "notes"
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()) == [
        "app/migrations.py", "pyproject.toml"]
    vouched = listed.replace("[state.expect]", '[state.whole-config]\nrecords-nothing = ["app/x.py:f"]\n\n[state.expect]')
    done = run(snapshots, projects(tmp_path, vouched), "--whole", "--keep", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stdout
    assert tomllib.loads((tree / "pyproject.toml").read_text())["tool"]["bundler"]["records-nothing"] == ["app/x.py:f"]
    done = run(snapshots, projects(tmp_path, vouched), "--keep", str(tmp_path / "kept"))
    assert "records-nothing" not in (tree / "pyproject.toml").read_text()
    loaded = runner.read_state(tomllib.loads(listed)["state"][0], "acme/notes", None, "notes.toml")
    other = dataclasses.replace(loaded, paths=("src/app/db/", "src/app/schema.py", "src/tools/x.py", "setup.py"))
    assert runner.whole_paths(other) == ("src", "setup.py")
    assert runner.whole_paths(dataclasses.replace(other, root="src")) == ("src/app", "src/tools", "setup.py")


def test_fixtures_are_files_of_another_commit_laid_out_under_their_own_name(snapshot, tmp_path):
    """An older release's code (here the step list before migrate_3to4) beside the state's files."""
    snapshots, good, bad = snapshot
    fixture = f'fixtures = [{{ commit = "{good}", path = "app/migrations.py", to = "old/migrations_v3.py" }}]'
    done = run(snapshots, projects(tmp_path, state("notes-bug", bad, 1, [4], extra=fixture)),
               "--keep", str(tmp_path / "kept"))
    assert done.returncode == 0, done.stdout
    tree = tmp_path / "kept" / "notes-bug"
    assert (tree / "old" / "migrations_v3.py").read_text() == STEPS
    assert "migrate_3to4" in (tree / "app" / "migrations.py").read_text()

    absent = fixture.replace("app/migrations.py", "app/gone.py")
    done = run(snapshots, projects(tmp_path, state("notes-bug", bad, 1, [4], extra=absent)))
    assert done.returncode == 1
    assert f"DIFF     notes-bug: fixture app/gone.py at {good[:12]}:" in done.stdout


def test_known_differences_fail_only_on_a_change(snapshot, tmp_path):
    snapshots, good, bad = snapshot
    folder = projects(tmp_path, state("notes", good, 0), state("notes-bug", bad, 0), state("notes-new", bad, 1, [9]))
    known = tmp_path / "known.txt"
    known.write_text("# comment\nnotes-bug   the checker does not know this yet\n")
    done = run(snapshots, folder, "--known", str(known))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0] == "ok       notes"
    assert lines[1].startswith("known    notes-bug: exit 1 (expected 0)")
    assert lines[2].startswith("NEW DIFF notes-new: missing {4} (expected {9})")
    known.write_text("notes   listed, but it passes\nnotes-bug   not yet\nnotes-new   not yet\n")
    done = run(snapshots, folder, "--known", str(known))
    assert done.returncode == 1
    assert "FIXED    notes: passes now: remove it from known.txt" in done.stdout


def test_a_known_list_naming_no_state_is_refused(snapshot, tmp_path):
    snapshots, good, _ = snapshot
    known = tmp_path / "known.txt"
    known.write_text("gone   a state since removed\n")
    done = run(snapshots, projects(tmp_path, state("notes", good, 0)), "--known", str(known))
    assert done.returncode == 2
    assert "known.txt names no state gone" in done.stderr


def test_absent_snapshots_are_skipped_and_counted(snapshot, tmp_path):
    _, good, _ = snapshot
    done = run(tmp_path / "empty", projects(tmp_path, state("notes", good, 0)))
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["skip     notes: no snapshot (acme+notes)", "total: 1 skip of 1 states"]


def test_a_repository_without_snapshot_says_why(snapshot, tmp_path):
    snapshots, good, _ = snapshot
    header = 'repository = "acme/notes"\nproject = "notes"\nsnapshot = "unavailable: too large"\n'
    done = run(snapshots, projects(tmp_path, state("notes", good, 0), header=header))
    assert done.returncode == 0
    assert "skip     notes: no snapshot (unavailable: too large)" in done.stdout


def test_a_commit_missing_from_the_snapshot_is_a_difference(snapshot, tmp_path):
    snapshots, _, _ = snapshot
    done = run(snapshots, projects(tmp_path, state("notes", "0" * 40, 0)))
    assert done.returncode == 1
    assert "commit 000000000000 is not in the snapshot" in done.stdout
    assert "fetch it again" in done.stdout


@pytest.mark.parametrize(("change", "message"), [
    (lambda text: text.replace('commit = "', 'commit = "x'), "commit must be a full 40-hex SHA"),
    (lambda text: text.replace('how = ', 'hwo = '), "unknown key 'hwo'"),
    (lambda text: text + text, "state name 'notes' is also used in notes.toml"),
    (lambda text: text.replace("exit = 0", "exit = 3"), "expect.exit must be 0, 1 or 2"),
    (lambda text: text.replace('paths = ["app/"]', 'paths = ["/etc/"]'), "paths must be a non-empty list"),
    (lambda text: text.replace('how = ', 'fixtures = [{ commit = "abc", path = "a.py", to = "b.py" }]\nhow = '),
     "fixtures commit must be a full 40-hex SHA"),
    (lambda text: text.replace('how = ', 'fixtures = ["a.py"]\nhow = '), "fixtures must be a list of"),
])
def test_a_malformed_manifest_is_one_line_naming_the_file(snapshot, tmp_path, change, message):
    snapshots, good, _ = snapshot
    done = run(snapshots, projects(tmp_path, change(state("notes", good, 0))))
    assert done.returncode == 2
    assert done.stderr.startswith("ecosystem: error: notes.toml")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_configurations_are_written_as_the_toml_they_were_read_from(runner: ModuleType):
    config = {"style": "records", "stores": ["a.py:X", 'b "q".py:Y'], "strict": True, "base": 3,
              "styles": {"name-pattern": r"^up_(\d+)$", "record-keys": ["version"]},
              "severity": {"duplicate-version": "off"}, "runtime": {"timeout": 2.5}}
    assert tomllib.loads(runner.toml_text(config, "tool.bundler"))["tool"]["bundler"] == config


def test_the_seeded_manifests_follow_the_format(runner: ModuleType):
    states = runner.load_states(RUN_PY.parent / "projects")
    assert len(states) >= 18
    assert all(runner.SHA.fullmatch(s.commit) for s in states)
    known = runner.read_known(RUN_PY.parent / "known-differences.txt")
    assert set(known) <= {s.name for s in states}
    assert all(known.values()), "every known difference says why"
    whole = runner.read_known(RUN_PY.parent / "known-differences-whole.txt")
    assert set(whole) <= {s.name for s in states}
    assert all(whole.values()), "every whole-tree difference says why"
