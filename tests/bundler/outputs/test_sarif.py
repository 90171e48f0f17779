"""SARIF 2.1.0: the schema, the SARIF multitool's GitHub rules, documented rules, locations
relative to the repository root, provenance and fingerprints."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from bundler.model import CheckResult, Code, Finding, Location, Severity
from bundler.outputs.report import render_error
from bundler.outputs.sarif import Provenance, render_sarif

from .test_report import ERROR, FAILING, PASSING, REGISTRY, REPOSITORY, SCHEMA, STORE, SUPPRESSED

MULTITOOL = REPOSITORY / "build" / "multitool"
MULTITOOL_VERSION = "5.7.0"


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


def test_sarif_uris_are_encoded_paths() -> None:
    spaced = CheckResult(REGISTRY, (STORE,), (Finding(Code.MISSING_MIGRATION, Severity.ERROR, "m",
                                                      Location("my notes/store #2.py", 4), 28, "S"),))
    [result] = json.loads(render_sarif(spaced))["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20notes/store%20%232.py"
