"""Findings as SARIF 2.1.0 for code scanning, as plain data classes: every rule documented,
every location relative to the repository root, and the commit it was found in."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bundler import __version__
from bundler.errors import BundlerError
from bundler.frozen import frozen
from bundler.model import DEFAULT_SEVERITY, CheckResult, Code, Finding, Severity
from bundler.outputs.report import error_location
from bundler.findings.suppress import fingerprint

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_BASE_ID = "REPOROOT"  # every artifact URI is relative to the repository root


@frozen
class Provenance:
    """Where the checked code lives, for SARIF: the repository folder and, in git, its state."""

    root: Path
    repository_uri: str | None = None
    revision: str | None = None
    branch: str | None = None


@dataclass
class SarifMessage:
    text: str


@dataclass
class SarifHelp:
    text: str
    markdown: str


@dataclass
class SarifRule:
    id: str
    name: str
    shortDescription: SarifMessage
    fullDescription: SarifMessage
    help: SarifHelp
    helpUri: str
    defaultConfiguration: dict[str, str]


@dataclass
class SarifResult:
    ruleId: str
    ruleIndex: int
    level: str
    message: SarifMessage
    locations: list[dict[str, Any]]
    partialFingerprints: dict[str, str]
    suppressions: list[dict[str, Any]] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class SarifLog:
    runs: list[dict[str, Any]]
    version: str = "2.1.0"


def sarif_rule(code: Code) -> SarifRule:
    from bundler.findings.codes import DOCS, help_uri

    doc = DOCS[code]
    return SarifRule(
        id=code.value, name="".join(part.title() for part in code.value.split("-")),
        shortDescription=SarifMessage(doc.summary),
        fullDescription=SarifMessage(f"{doc.summary} Reported when {doc.trigger}"),
        help=SarifHelp(doc.text(code), doc.markdown(code)), helpUri=help_uri(code),
        defaultConfiguration={"level": sarif_level(DEFAULT_SEVERITY[code])},
    )


def sarif_location(file: str, line: int | None) -> dict[str, Any]:
    """A repository-relative path as a URI reference (``my notes/x.py`` → ``my%20notes/x.py``)."""
    from urllib.parse import quote

    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(file, safe="/!"), "uriBaseId": ROOT_BASE_ID}}
    if line:
        physical["region"] = {"startLine": max(line, 1)}
    return {"physicalLocation": physical}


def sarif_result(finding: Finding, codes: list[Code]) -> SarifResult:
    suppressions = []
    if finding.suppression is not None:
        kind = "inSource" if finding.suppression.kind == "comment" else "external"
        suppressions.append({"kind": kind, "justification": finding.suppression.reason})
    return SarifResult(
        ruleId=finding.code.value, ruleIndex=codes.index(finding.code), level=sarif_level(finding.severity),
        message=SarifMessage(finding.message),
        locations=[sarif_location(finding.source_location.file, finding.source_location.line)],
        partialFingerprints={"bundlerFinding/v1": fingerprint(finding)}, suppressions=suppressions,
        properties={k: v for k, v in (("version", finding.version), ("path", finding.path)) if v is not None},
    )


def render_sarif(result: CheckResult | None, provenance: Provenance | None = None,
                 error: BundlerError | None = None) -> str:
    """One run; when the check could not run, a run without results whose invocation failed."""
    from bundler.findings.codes import README_URI

    codes = list(Code)
    findings = [*result.findings, *result.suppressed] if result is not None else []
    invocation: dict[str, Any] = {"executionSuccessful": error is None}
    if error is not None:
        file, line = error_location(error)
        notification: dict[str, Any] = {"level": "error", "message": {"text": str(error)}}
        if file:
            notification["locations"] = [sarif_location(file, line)]
        invocation["toolExecutionNotifications"] = [notification]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "bundler", "version": __version__, "semanticVersion": __version__,
                            "informationUri": README_URI, "rules": [asdict(sarif_rule(code)) for code in codes]}},
        "invocations": [invocation],
        "results": [without_empty(asdict(sarif_result(f, codes))) for f in findings],
    }
    if provenance is not None:
        run["originalUriBaseIds"] = {ROOT_BASE_ID: {"uri": provenance.root.resolve().as_uri() + "/"}}
        if provenance.repository_uri and provenance.revision:
            details = {"repositoryUri": provenance.repository_uri, "revisionId": provenance.revision,
                       "branch": provenance.branch, "mappedTo": {"uriBaseId": ROOT_BASE_ID}}
            run["versionControlProvenance"] = [{k: v for k, v in details.items() if v}]
    log = {"$schema": SARIF_SCHEMA, **asdict(SarifLog(runs=[run]))}
    return json.dumps(log, indent=2) + "\n"


def without_empty(result: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in result.items() if value not in ([], {})}


def sarif_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note", Severity.OFF: "none"}[severity]
