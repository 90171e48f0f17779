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


def verdicts() -> list:
    cases = []
    for expected in sorted(CHECKER_FIXTURES.glob("*/expected.toml")):
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
    if verdict["exit"] == 2:
        assert main(["check", *args]) == 2
        assert capsys.readouterr().err == f"bundler: error: {verdict['error']}\n"
        return
    code, report = run_check(capsys, *args)

    found = Counter((f["code"], f["version"]) for f in report["findings"])
    assert found == Counter(tuple(f) for f in verdict.get("findings", [])), report["findings"]
    assert code == verdict["exit"]
    assert report["ok"] is (code == 0)


def test_every_fixture_has_a_failing_variant_unless_it_is_about_passing() -> None:
    for expected in CHECKER_FIXTURES.glob("*/expected.toml"):
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
    # _upgrade records nothing itself, so m27 is the neighbour: the mirror of 28 goes after its
    # call, inside _upgrade
    assert (finding["file"], finding["line"]) == ("store.py", 7)
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
