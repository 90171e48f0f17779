"""The four output formats carry the same findings; JSON follows the contract and its published
schema (SARIF's own rules are test_sarif.py's); when the check cannot run, every machine-readable
format still says why."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bundler.errors import SourceError
from bundler.model import CheckResult, Code, Finding, Location, Migration, MigrationList, Severity, Suppression
from bundler.outputs.report import render, render_error, render_github, render_json, render_text
from bundler.outputs.sarif import render_sarif

REPOSITORY = Path(__file__).resolve().parents[3]
SCHEMA = REPOSITORY / "tests" / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"
REPORT_SCHEMA = REPOSITORY / "schema" / "bundler-check.schema.json"

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
        "fingerprint": data["findings"][0]["fingerprint"],
    }
    assert data["suppressed"] == []


SUPPRESSED = CheckResult(REGISTRY, (STORE,), FAILING.findings[1:], (
    Finding(Code.MISSING_MIGRATION, Severity.ERROR, "never applies 28", Location("src/store.py", 41), 28,
            "SessionStore.__init__", Suppression("comment", "28 is applied by the launcher", Location("src/store.py", 41))),
    Finding(Code.UNKNOWN_VERSION, Severity.ERROR, "records 31", Location("src/store.py", 60), 31,
            "SessionStore.__init__", Suppression("baseline", "in the baseline bundler-baseline.json")),
))
ERROR = SourceError("syntax error: invalid syntax", where="services/notes/src/notes/store.py:12")


@pytest.mark.parametrize("report", [
    render_json(FAILING), render_json(PASSING), render_json(SUPPRESSED), render_error(ERROR, "json"),
], ids=["failing", "passing", "suppressed", "could-not-verify"])
def test_json_follows_its_published_schema(report: str) -> None:
    jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text())).validate(json.loads(report))


def test_the_published_schema_really_rejects_what_breaks_the_contract() -> None:
    schema = json.loads(REPORT_SCHEMA.read_text())
    data = json.loads(render_json(FAILING))
    del data["findings"][0]["version"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(data)


def test_suppressed_findings_are_reported_with_their_reason_never_dropped() -> None:
    data = json.loads(render_json(SUPPRESSED))
    assert [f["code"] for f in data["findings"]] == ["out-of-order"]
    assert [f["suppression"] for f in data["suppressed"]] == [
        {"kind": "comment", "reason": "28 is applied by the launcher"},
        {"kind": "baseline", "reason": "in the baseline bundler-baseline.json"}]
    results = json.loads(render_sarif(SUPPRESSED))["runs"][0]["results"]
    assert [r.get("suppressions") for r in results] == [None, [
        {"kind": "inSource", "justification": "28 is applied by the launcher"}], [
        {"kind": "external", "justification": "in the baseline bundler-baseline.json"}]]
    assert render_text(SUPPRESSED).splitlines()[-1] == (
        "verified: 1 path applies 1 of the 2 registered migrations, all but 28 (1 warning, 2 suppressed)")


def test_when_the_check_cannot_run_every_machine_format_says_why() -> None:
    assert json.loads(render_error(ERROR, "json")) == {"ok": False, "error": {
        "message": "services/notes/src/notes/store.py:12: syntax error: invalid syntax",
        "file": "services/notes/src/notes/store.py", "line": 12, "exit_code": 2}}
    assert render_error(ERROR, "github") == (
        "::error file=services/notes/src/notes/store.py,line=12,title=bundler could not verify::"
        "services/notes/src/notes/store.py:12: syntax error: invalid syntax\n")
    log = json.loads(render_error(ERROR, "sarif"))
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and log["runs"][0]["results"] == []
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and "syntax error" in notification["message"]["text"]
    assert notification["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}


def test_an_error_that_names_no_file_has_no_location() -> None:
    error = SourceError("is before 1980-01-01", where="SOURCE_DATE_EPOCH")
    assert json.loads(render_error(error, "json"))["error"]["file"] is None
    assert render_error(error, "github").startswith("::error title=bundler could not verify::SOURCE_DATE_EPOCH: ")


def test_github_workflow_commands_escape_their_data() -> None:
    lines = render_github(FAILING).splitlines()
    assert lines[0] == (
        "::error file=src/store.py,line=41,title=missing-migration::"
        "SessionStore.__init__ never applies version 28, 100%25: add it"
    )
    assert lines[1].startswith("::warning file=src/store.py,line=50,title=out-of-order::")


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_every_format_names_every_finding(fmt: str) -> None:
    output = render(FAILING, fmt)
    assert "missing-migration" in output and "out-of-order" in output
