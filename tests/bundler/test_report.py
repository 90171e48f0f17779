"""The four output formats carry the same findings; JSON follows the contract, SARIF the 2.1.0 schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bundler.ftypes import CheckResult, Code, Finding, Location, Migration, MigrationList, Severity
from bundler.report import render, render_github, render_json, render_sarif, render_text

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"

REGISTRY = MigrationList(
    "MigrationRunner.run_all_migrations", Location("src/runner.py", 8),
    (Migration("MigrationRunner.m27", Location("src/runner.py", 14), (27,)),
     Migration("MigrationRunner.m28", Location("src/runner.py", 18), (28,))),
)
STORE = MigrationList(
    "SessionStore.__init__", Location("src/store.py", 41),
    (Migration("SessionStore.m27", Location("src/store.py", 50), (27,)),),
)
FAILING = CheckResult(REGISTRY, (STORE,), (
    Finding(Code.MISSING_MIGRATION, Severity.ERROR, "SessionStore.__init__ never applies version 28, 100%: add it",
            Location("src/store.py", 41), 28, "SessionStore.__init__"),
    Finding(Code.OUT_OF_ORDER, Severity.WARNING, "order, a: b", Location("src/store.py", 50), 27, "SessionStore.__init__"),
))
PASSING = CheckResult(REGISTRY, (MigrationList("SessionStore.__init__", Location("src/store.py", 41), REGISTRY.migrations),))


def test_text_is_one_line_per_finding_then_a_summary() -> None:
    assert render_text(FAILING).splitlines() == [
        "src/store.py:41: missing-migration: SessionStore.__init__ never applies version 28, 100%: add it",
        "src/store.py:50: out-of-order: order, a: b",
        "failed: 1 error, 1 warning",
    ]
    assert render_text(PASSING) == "verified: 1 path applies all 2 registered migrations\n"


def test_json_has_the_contract_fields() -> None:
    data = json.loads(render_json(FAILING))
    assert data["ok"] is False
    assert data["registry"][1] == {"version": 28, "method": "MigrationRunner.m28", "file": "src/runner.py", "line": 18}
    assert data["paths"][0]["name"] == "SessionStore.__init__"
    assert data["paths"][0]["applied"] == [27]
    assert {"name", "file", "line", "applied"} <= set(data["paths"][0])
    assert data["findings"][0] == {
        "code": "missing-migration", "severity": "error", "version": 28, "path": "SessionStore.__init__",
        "file": "src/store.py", "line": 41, "message": FAILING.findings[0].message,
    }


def test_github_workflow_commands_escape_their_data() -> None:
    lines = render_github(FAILING).splitlines()
    assert lines[0] == (
        "::error file=src/store.py,line=41,title=missing-migration::"
        "SessionStore.__init__ never applies version 28, 100%25: add it"
    )
    assert lines[1].startswith("::warning file=src/store.py,line=50,title=out-of-order::")


@pytest.mark.parametrize("result", [FAILING, PASSING], ids=["failing", "passing"])
def test_sarif_validates_against_the_2_1_0_schema(result: CheckResult) -> None:
    log = json.loads(render_sarif(result))
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == [f.code.value for f in result.findings]
    for sarif_result in run["results"]:
        assert run["tool"]["driver"]["rules"][sarif_result["ruleIndex"]]["id"] == sarif_result["ruleId"]


def test_sarif_locations_and_levels() -> None:
    results = json.loads(render_sarif(FAILING))["runs"][0]["results"]
    assert results[0]["level"] == "error" and results[1]["level"] == "warning"
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/store.py"}, "region": {"startLine": 41}
    }
    assert results[0]["properties"] == {"version": 28, "path": "SessionStore.__init__"}


def test_the_schema_really_rejects_a_broken_log() -> None:
    """Guards the guard: a log without its version must not validate."""
    log = json.loads(render_sarif(FAILING))
    del log["version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(log, json.loads(SCHEMA.read_text()))


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_format_names_every_finding(fmt: str) -> None:
    output = render(FAILING, fmt)
    assert "missing-migration" in output and "out-of-order" in output
