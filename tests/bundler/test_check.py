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
    args = ["--config", str(fixture / verdict.get("config", "pyproject.toml"))]
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
