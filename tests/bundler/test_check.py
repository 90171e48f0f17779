"""`bundler check` on the fixture code bases under tests/fixtures/checker/.

Each fixture is a small code base (a registry, a passing store, usually a failing store) and
an ``expected.toml`` holding its verdicts: the exit code and the (code, version) findings.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from bundler.cli import main

from .conftest import STORE

CHECKER_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checker"
# The same verdicts of TypeScript code bases (the front end is chosen by the entries' suffix).
TYPESCRIPT_FIXTURES = CHECKER_FIXTURES.parent / "typescript"


def fixture_verdicts() -> list[Path]:
    return sorted([*CHECKER_FIXTURES.glob("*/expected.toml"), *TYPESCRIPT_FIXTURES.glob("*/expected.toml")])


def verdicts() -> list:
    cases = []
    for expected in fixture_verdicts():
        for variant, verdict in tomllib.loads(expected.read_text()).items():
            cases.append(pytest.param(expected.parent, verdict, id=f"{expected.parent.name}-{variant}"))
    return cases


def run_check(capsys, *args: str) -> tuple[int, dict]:
    code = main(["check", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out else {}


@pytest.mark.parametrize(("fixture", "verdict"), verdicts())
def test_fixture_verdict(fixture: Path, verdict: dict, capsys) -> None:
    # paths in messages are relative to the fixture, as if it were a repository of its own
    args = ["--config", str(fixture / verdict.get("config", "pyproject.toml")), "--root", str(fixture)]
    if "store" in verdict:
        args += ["--store", str(fixture / verdict["store"])]
    if "bundle" in verdict:
        args += ["--bundle", str(fixture / verdict["bundle"])]
    if verdict["exit"] == 2:
        assert main(["check", *args]) == 2
        assert capsys.readouterr().err == f"bundler: error: {verdict['error']}\n"
        return
    code, report = run_check(capsys, *args)

    found = Counter((f["code"], f["version"]) for f in report["findings"])
    assert found == Counter((f[0], f[1] if len(f) > 1 else None) for f in verdict.get("findings", [])), report["findings"]
    assert code == verdict["exit"]
    assert report["ok"] is (code == 0)


def test_every_fixture_has_a_failing_variant_unless_it_is_about_passing() -> None:
    for expected in fixture_verdicts():
        exits = {v["exit"] for v in tomllib.loads(expected.read_text()).values()}
        assert exits & {0, 2}, expected
        assert exits - {0}, expected


GROUPED_STORE = """\
class Store:
    def __init__(self, conn):
        self.conn = conn
        self._upgrade()

    def _upgrade(self):
        self.m27()

    def m27(self):
        self.conn.execute("INSERT INTO schema_versions (version, applied_at) VALUES (27, 'now')")
"""


def test_a_missing_number_points_at_the_call_of_its_neighbour_where_the_mirror_goes(codebase, capsys) -> None:
    root = codebase(store__py=GROUPED_STORE)
    code, report = run_check(capsys, "--config", str(root / "pyproject.toml"))
    [finding] = report["findings"]
    assert (code, finding["code"], finding["version"]) == (1, "missing-migration", 28)
    # the helper that applies 27 is the neighbour: the mirror of 28 goes after its call
    assert (finding["file"], finding["line"]) == ("store.py", 4)
    assert finding["message"].endswith("add a mirror after the call for 27")


def test_a_method_that_records_the_missing_number_but_is_never_called_is_named(codebase, capsys) -> None:
    root = codebase(store__py=STORE.replace("        self.m28()\n", ""))
    code, report = run_check(capsys, "--config", str(root / "pyproject.toml"))
    [finding] = report["findings"]
    assert code == 1 and (finding["file"], finding["line"]) == ("store.py", 4)
    assert finding["message"].endswith(
        ": Store.m28 (store.py:9) records 28 but is never called: call m28 after the call for 27")


def test_a_shadowed_base_method_is_not_offered_as_an_uncalled_recorder(codebase, capsys) -> None:
    """Store.m28 is called but records nothing; Base.m28 records 28 but never runs on a Store."""
    store = STORE.replace("class Store:", "class Base:\n    def m28(self):\n        self.conn.execute(\"INSERT INTO"
                          " schema_versions (version, applied_at) VALUES (28, 'now')\")\n\n\nclass Store(Base):")
    store = store.replace("    def m28(self):\n        self.conn.execute(\"INSERT INTO"
                                                         " schema_versions (version, applied_at) VALUES (28, 'now')\")\n",
                                                         "    def m28(self):\n        pass\n")
    code, report = run_check(capsys, "--config", str(codebase(store__py=store) / "pyproject.toml"))
    [finding] = report["findings"]
    assert code == 1 and "never called" not in finding["message"]


def test_a_method_that_is_called_but_records_nothing_there_is_not_called_never_called(codebase, capsys) -> None:
    store = STORE.replace("        self.m28()\n", "        self.m28(False)\n")
    store = store.replace("    def m28(self):\n        self.conn", "    def m28(self, enabled):\n        if enabled:\n            self.conn")
    code, report = run_check(capsys, "--config", str(codebase(store__py=store) / "pyproject.toml"))
    [finding] = report["findings"]
    assert code == 1 and finding["version"] == 28 and "never called" not in finding["message"]


# --- findings inside a bundle (issue 19.2) ---------------------------------------------------

WITHOUT_TAGS = ("        self.create_notes()\n        self.add_tags()\n", "        self.create_notes()\n")


def app_without_tags(built_app: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The app whose store lacks version 2, in its source and (built as it is) in a temporary
    archive beside build/notes.pyz: (project, that archive)."""
    import shutil
    import zipfile

    project = tmp_path / "notes"
    shutil.copytree(built_app, project)
    store = project / "src" / "notes" / "store.py"
    store.write_text(store.read_text().replace(*WITHOUT_TAGS))
    temporary = project / "build" / ".notes.pyz.4242.tmp"
    with zipfile.ZipFile(project / "build" / "notes.pyz") as source, zipfile.ZipFile(temporary, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            copy.writestr(info, store.read_bytes() if info.filename == "site-packages/notes/store.py" else data)
    return project, temporary


def test_a_finding_inside_a_bundle_names_the_archive_the_user_knows(built_app: Path, tmp_path: Path) -> None:
    from bundler.check import run_check
    from bundler.config import load_config
    from bundler.outputs.report import render

    project, temporary = app_without_tags(built_app, tmp_path)
    result = run_check(load_config(str(project / "pyproject.toml")), [temporary],
                       shown_as={temporary: "build/notes.pyz"})
    inside = [f for f in result.findings if f.location.file.startswith("build/notes.pyz!")]
    assert [(f.code.value, f.location.file) for f in inside] == [
        ("missing-migration", "build/notes.pyz!site-packages/notes/store.py")]
    for fmt in ("text", "json", "github", "sarif"):
        assert ".tmp" not in render(result, fmt)
    github = render(result, "github").splitlines()
    assert all(line.startswith("::error file=src/notes/store.py,line=") for line in github[:-1])
    sarif = json.loads(render(result, "sarif"))
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]} \
        == {"src/notes/store.py"}


def test_the_baseline_and_comments_accept_the_bundles_copy_of_an_accepted_finding(
    built_app: Path, tmp_path: Path, capsys,
) -> None:
    project, temporary = app_without_tags(built_app, tmp_path)
    config = str(project / "pyproject.toml")
    baseline = project / "bundler-baseline.json"
    assert main(["check", "--config", config, "--bundle", str(temporary), "--write-baseline", str(baseline)]) == 0
    assert len(json.loads(baseline.read_text())["findings"]) == 1  # the source's finding and its copy: one entry
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.bundler]\n", '[tool.bundler]\nbaseline = "bundler-baseline.json"\n'))
    capsys.readouterr()
    assert main(["check", "--config", config, "--bundle", str(temporary)]) == 0
    assert capsys.readouterr().out.endswith("(2 suppressed)\n")

    baseline.unlink()
    pyproject.write_text(pyproject.read_text().replace('baseline = "bundler-baseline.json"\n', ""))
    store = project / "src" / "notes" / "store.py"
    store.write_text(store.read_text().replace("        self.create_notes()\n",
                                               "        self.create_notes()  # bundler: ignore[missing-migration] later\n"))
    assert main(["check", "--config", config]) == 0
    assert main(["build", "--config", config]) == 0  # the copy in the new bundle carries the comment
    out = capsys.readouterr().out
    assert "verify: " in out and ".tmp" not in out


def test_the_build_accepts_in_the_bundle_what_the_baseline_accepts_in_the_source(
    built_app: Path, tmp_path: Path, capsys,
) -> None:
    project, temporary = app_without_tags(built_app, tmp_path)
    temporary.unlink()
    config = str(project / "pyproject.toml")
    assert main(["check", "--config", config, "--write-baseline", str(project / "bundler-baseline.json")]) == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.bundler]\n", '[tool.bundler]\nbaseline = "bundler-baseline.json"\n'))
    capsys.readouterr()
    assert main(["build", "--config", config]) == 0
    out = capsys.readouterr().out
    assert "check: verified: 1 path applies 1 of the 2 registered migrations, all but 2 (1 suppressed)" in out
