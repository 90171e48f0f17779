"""The four output formats carry the same findings; JSON follows the contract and its published
schema, SARIF the 2.1.0 schema and the SARIF multitool's GitHub rules; when the check cannot run,
every machine-readable format still says why."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from bundler.errors import SourceError
from bundler.ftypes import CheckResult, Code, Finding, Location, Migration, MigrationList, Severity, Suppression
from bundler.report import Provenance, render, render_error, render_github, render_json, render_sarif, render_text

REPOSITORY = Path(__file__).resolve().parents[2]
SCHEMA = REPOSITORY / "tests" / "fixtures" / "sarif" / "sarif-2.1.0-rtm.5.json"
REPORT_SCHEMA = REPOSITORY / "schema" / "bundler-check.schema.json"
MULTITOOL = REPOSITORY / "build" / "multitool"
MULTITOOL_VERSION = "5.7.0"

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
    assert render_text(SUPPRESSED).splitlines()[-1] == "verified: 1 path applies all 2 registered migrations (1 warning, 2 suppressed)"


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
        "artifactLocation": {"uri": "src/store.py", "uriBaseId": "REPOROOT"}, "region": {"startLine": 41}
    }
    assert results[0]["properties"] == {"version": 28, "path": "SessionStore.__init__"}
    assert len(results[0]["partialFingerprints"]["bundlerFinding/v1"]) == 32


def test_every_sarif_rule_documents_its_code_and_links_into_the_readme() -> None:
    rules = json.loads(render_sarif(PASSING))["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [code.value for code in Code]
    readme = (REPOSITORY / "README.md").read_text()
    for rule in rules:
        assert rule["fullDescription"]["text"] and rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].endswith(f"#{rule['id']}")
        assert f"\n### {rule['id']}\n" in readme, f"the README has no section for {rule['id']}"


def test_sarif_names_the_repository_root_and_the_commit() -> None:
    provenance = Provenance(REPOSITORY, "https://github.com/example/notes", "0" * 40, "main")
    run = json.loads(render_sarif(FAILING, provenance))["runs"][0]
    assert run["originalUriBaseIds"]["REPOROOT"]["uri"] == REPOSITORY.as_uri() + "/"
    assert run["versionControlProvenance"] == [{"repositoryUri": "https://github.com/example/notes",
                                                "revisionId": "0" * 40, "branch": "main",
                                                "mappedTo": {"uriBaseId": "REPOROOT"}}]


def multitool() -> Path:
    """The SARIF multitool, installed once from npm into build/; skipped, saying why, without npm."""
    binary = MULTITOOL / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if not binary.exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: the SARIF multitool cannot be fetched")
        MULTITOOL.mkdir(parents=True, exist_ok=True)
        try:
            installed = subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(MULTITOOL),
                 f"@microsoft/sarif-multitool@{MULTITOOL_VERSION}"], capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.skip("npm did not answer within 5 minutes: the SARIF multitool cannot be fetched")
        if installed.returncode != 0 or not binary.exists():
            pytest.skip(f"npm could not install the SARIF multitool: {installed.stderr.strip().splitlines()[-1:]}")
    binary.chmod(0o755)  # its postinstall script, which npm may decline to run, does only this
    return binary


@pytest.mark.parametrize("report", [
    render_sarif(FAILING, Provenance(REPOSITORY, "https://github.com/example/notes", "0" * 40, "main")),
    render_sarif(SUPPRESSED, Provenance(REPOSITORY)),
    render_error(ERROR, "sarif", Provenance(REPOSITORY)),
], ids=["failing", "suppressed", "could-not-verify"])
def test_sarif_passes_the_multitools_github_and_sarif_rules(report: str, tmp_path: Path) -> None:
    log, verdict = tmp_path / "bundler.sarif", tmp_path / "validation.sarif"
    log.write_text(report)
    result = subprocess.run([str(multitool()), "validate", "--rule-kind", "Gh;Sarif", str(log), "--output", str(verdict)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    problems = [(r["ruleId"], r["message"]) for r in json.loads(verdict.read_text())["runs"][0]["results"]
                if r.get("level", "warning") in ("error", "warning")]
    assert problems == []


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


def test_sarif_uris_are_encoded_paths() -> None:
    spaced = CheckResult(REGISTRY, (STORE,), (Finding(Code.MISSING_MIGRATION, Severity.ERROR, "m",
                                                      Location("my notes/store #2.py", 4), 28, "S"),))
    [result] = json.loads(render_sarif(spaced))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20notes/store%20%232.py"
