"""Findings to text, JSON, GitHub workflow commands and SARIF 2.1.0: formatting only."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bundler import __version__
from bundler.errors import BundlerError
from bundler.ftypes import DEFAULT_SEVERITY, CheckResult, Code, Finding, MigrationList, Severity
from bundler.suppress import fingerprint

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT_BASE_ID = "REPOROOT"  # every artifact URI is relative to the repository root


@dataclass(frozen=True)
class Provenance:
    """Where the checked code lives, for SARIF: the repository folder and, in git, its state."""

    root: Path
    repository_uri: str | None = None
    revision: str | None = None
    branch: str | None = None


def render(result: CheckResult, fmt: str, provenance: Provenance | None = None) -> str:
    if fmt == "sarif":
        return render_sarif(result, provenance)
    return {"text": render_text, "json": render_json, "github": render_github}[fmt](result)


def render_error(error: BundlerError, fmt: str, provenance: Provenance | None = None) -> str:
    """When the check cannot run (exit 2), a machine-readable result all the same."""
    file, line = error_location(error)
    if fmt == "json":
        return json.dumps({"ok": False, "error": {"message": str(error), "file": file, "line": line,
                                                  "exit_code": error.exit_code}}, indent=2) + "\n"
    if fmt == "github":
        where = f" file={escape_property(file)}{f',line={line}' if line else ''}," if file else " "
        return f"::error{where}title=bundler could not verify::{escape_data(str(error))}\n"
    if fmt == "sarif":
        return render_sarif(None, provenance, error)
    return f"bundler: error: {error}\n"


def error_location(error: BundlerError) -> tuple[str | None, int | None]:
    """The file (and line) an error names, when it names one: ``where`` is ``file``,
    ``file:line``, or something else (``--root x``, ``SOURCE_DATE_EPOCH``)."""
    where = error.where or ""
    match = re.fullmatch(r"(\S+?)(?::(\d+))?", where)
    if match is None or not re.search(r"[./]", match.group(1)):
        return None, None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def summary_line(result: CheckResult) -> str:
    errors = sum(f.severity is Severity.ERROR for f in result.findings)
    warnings = sum(f.severity is Severity.WARNING for f in result.findings)
    registered = len(result.registry.applied())
    paths = len(result.paths)
    suppressed = f"{len(result.suppressed)} suppressed" if result.suppressed else ""
    if result.ok:
        extra = ", ".join(filter(None, (counted(warnings, "warning") if warnings else "", suppressed)))
        return (f"verified: {paths} path{'s apply' if paths != 1 else ' applies'} all {registered} registered"
                f" migrations{f' ({extra})' if extra else ''}")
    return ", ".join(filter(None, (f"failed: {counted(errors, 'error')}", counted(warnings, "warning"), suppressed)))


def render_text(result: CheckResult) -> str:
    lines = [f"{f.location}: {f.code.value}: {f.message}" for f in result.findings]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def render_github(result: CheckResult) -> str:
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    lines = [
        f"::{command[f.severity]} file={escape_property(f.location.file)},line={f.location.line},"
        f"title={escape_property(f.code.value)}::{escape_data(f.message)}"
        for f in result.findings
    ]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def listing_json(listing: MigrationList) -> dict[str, Any]:
    return {"name": listing.name, "file": listing.location.file, "line": listing.location.line,
            "origin": listing.origin, "applied": listing.applied()}


def finding_json(finding: Finding) -> dict[str, Any]:
    found = {"code": finding.code.value, "severity": finding.severity.value, "message": finding.message,
             "file": finding.location.file, "line": finding.location.line, "version": finding.version,
             "path": finding.path, "fingerprint": fingerprint(finding)}
    if finding.suppression is not None:
        found["suppression"] = {"kind": finding.suppression.kind, "reason": finding.suppression.reason}
    return found


def result_json(result: CheckResult) -> dict[str, Any]:
    registry = [
        {"version": version, "method": m.method, "file": m.location.file, "line": m.location.line}
        for m in result.registry.migrations
        for version in m.versions
    ]
    return {"ok": result.ok, "registry": registry, "paths": [listing_json(p) for p in result.paths],
            "findings": [finding_json(f) for f in result.findings],
            "suppressed": [finding_json(f) for f in result.suppressed]}


def render_json(result: CheckResult) -> str:
    return json.dumps(result_json(result), indent=2) + "\n"


# --- SARIF 2.1.0, as plain data classes ------------------------------------------------------


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
    from bundler.codes import DOCS, help_uri

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
        message=SarifMessage(finding.message), locations=[sarif_location(finding.location.file, finding.location.line)],
        partialFingerprints={"bundlerFinding/v1": fingerprint(finding)}, suppressions=suppressions,
        properties={k: v for k, v in (("version", finding.version), ("path", finding.path)) if v is not None},
    )


def render_sarif(result: CheckResult | None, provenance: Provenance | None = None,
                 error: BundlerError | None = None) -> str:
    """One run; when the check could not run, a run without results whose invocation failed."""
    from bundler.codes import README_URI

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
