"""Findings to text, JSON, GitHub workflow commands and SARIF 2.1.0: formatting only."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bundler import __version__
from bundler.ftypes import CheckResult, Code, Finding, MigrationList, Severity

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/memory-worker/memory-worker#finding-codes"

CODE_DESCRIPTIONS = {
    Code.MISSING_MIGRATION: "A registered migration number is not applied by a migration path.",
    Code.VERSION_CONFLICT: "One migration records different numbers in the registry and in a path.",
    Code.DUPLICATE_VERSION: "Two different migrations in one list record the same number.",
    Code.UNKNOWN_VERSION: "A path records a number the registry does not have.",
    Code.OUT_OF_ORDER: "A path applies registered migrations in another order than the registry.",
    Code.STALE_BUNDLE: "A module inside the bundle differs from the source it was built from.",
    Code.SCHEMA_DRIFT: "Two migration paths produce different schemas on a fresh database.",
    Code.DATA_LOSS: "A migration path loses rows while upgrading an old-shaped database.",
}


def render(result: CheckResult, fmt: str) -> str:
    return {"text": render_text, "json": render_json, "github": render_github, "sarif": render_sarif}[fmt](result)


def summary_line(result: CheckResult) -> str:
    errors = sum(f.severity is Severity.ERROR for f in result.findings)
    warnings = sum(f.severity is Severity.WARNING for f in result.findings)
    registered = len(result.registry.applied())
    paths = len(result.paths)
    if result.ok:
        extra = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
        return f"verified: {paths} path{'s apply' if paths != 1 else ' applies'} all {registered} registered migrations{extra}"
    return f"failed: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"


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
    return {"code": finding.code.value, "severity": finding.severity.value, "message": finding.message,
            "file": finding.location.file, "line": finding.location.line, "version": finding.version,
            "path": finding.path}


def result_json(result: CheckResult) -> dict[str, Any]:
    registry = [
        {"version": version, "method": m.method, "file": m.location.file, "line": m.location.line}
        for m in result.registry.migrations
        for version in m.versions
    ]
    return {"ok": result.ok, "registry": registry, "paths": [listing_json(p) for p in result.paths],
            "findings": [finding_json(f) for f in result.findings]}


def render_json(result: CheckResult) -> str:
    return json.dumps(result_json(result), indent=2) + "\n"


# --- SARIF 2.1.0, as plain data classes ------------------------------------------------------


@dataclass
class SarifMessage:
    text: str


@dataclass
class SarifRule:
    id: str
    name: str
    shortDescription: SarifMessage
    defaultConfiguration: dict[str, str]
    helpUri: str


@dataclass
class SarifResult:
    ruleId: str
    ruleIndex: int
    level: str
    message: SarifMessage
    locations: list[dict[str, Any]]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class SarifLog:
    runs: list[dict[str, Any]]
    version: str = "2.1.0"


def render_sarif(result: CheckResult) -> str:
    codes = list(Code)
    rules = [
        SarifRule(
            id=code.value, name="".join(part.title() for part in code.value.split("-")),
            shortDescription=SarifMessage(CODE_DESCRIPTIONS[code]),
            defaultConfiguration={"level": sarif_level(Severity.WARNING if code is Code.OUT_OF_ORDER else Severity.ERROR)},
            helpUri=INFORMATION_URI,
        )
        for code in codes
    ]
    results = [
        SarifResult(
            ruleId=f.code.value, ruleIndex=codes.index(f.code), level=sarif_level(f.severity),
            message=SarifMessage(f.message),
            locations=[{"physicalLocation": {"artifactLocation": {"uri": f.location.file},
                                             "region": {"startLine": max(f.location.line, 1)}}}],
            properties={k: v for k, v in (("version", f.version), ("path", f.path)) if v is not None},
        )
        for f in result.findings
    ]
    run = {
        "tool": {"driver": {"name": "bundler", "version": __version__, "informationUri": INFORMATION_URI,
                            "rules": [asdict(r) for r in rules]}},
        "results": [asdict(r) for r in results],
    }
    log = {"$schema": SARIF_SCHEMA, **asdict(SarifLog(runs=[run]))}
    return json.dumps(log, indent=2) + "\n"


def sarif_level(severity: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note", Severity.OFF: "none"}[severity]
