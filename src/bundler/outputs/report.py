"""Findings to text, JSON, GitHub workflow commands and (in sarif.py) SARIF 2.1.0: formatting only."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bundler.errors import BundlerError
from bundler.model import CheckResult, Finding, MigrationList, Severity

if TYPE_CHECKING:
    from bundler.outputs.sarif import Provenance

FORMATS = ("text", "json", "github", "sarif")


def render(result: CheckResult, fmt: str, provenance: Provenance | None = None) -> str:
    if fmt == "sarif":
        from bundler.outputs.sarif import render_sarif  # its data classes cost start-up time every other format spares

        return render_sarif(result, provenance)
    return {"text": render_text, "json": render_json, "github": render_github}[fmt](result)


def render_error(error: BundlerError, fmt: str, provenance: Provenance | None = None) -> str:
    """When the check cannot run (exit 2), a machine-readable result all the same (``fmt`` is
    json, github or sarif: in text, the error line is the whole report)."""
    file, line = error_location(error)
    if fmt == "json":
        return json.dumps({"ok": False, "error": {"message": str(error), "file": file, "line": line,
                                                  "exit_code": error.exit_code}}, indent=2) + "\n"
    if fmt == "github":
        where = f" file={escape_property(file)}{f',line={line}' if line else ''}," if file else " "
        return f"::error{where}title=bundler could not verify::{escape_data(str(error))}\n"
    from bundler.outputs.sarif import render_sarif

    return render_sarif(None, provenance, error)


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


def applied_phrase(result: CheckResult) -> str:
    """What every path applies of the registry: all of it, or how much and which numbers not
    (their findings accepted: suppressed, or at a severity that does not fail)."""
    registered = result.registry.applied()
    applied = result.applied_by_every_path()
    if len(applied) == len(registered):
        return f"all {len(registered)} registered migrations"
    lacking = ", ".join(str(version) for version in registered if version not in applied)
    return f"{len(applied)} of the {len(registered)} registered migrations, all but {lacking}"


def summary_line(result: CheckResult) -> str:
    errors = sum(f.severity is Severity.ERROR for f in result.findings)
    warnings = sum(f.severity is Severity.WARNING for f in result.findings)
    paths = len(result.paths)
    suppressed = f"{len(result.suppressed)} suppressed" if result.suppressed else ""
    if result.ok:
        extra = ", ".join(filter(None, (counted(warnings, "warning") if warnings else "", suppressed)))
        return (f"verified: {paths} path{'s apply' if paths != 1 else ' applies'} {applied_phrase(result)}"
                f"{f' ({extra})' if extra else ''}")
    return ", ".join(filter(None, (f"failed: {counted(errors, 'error')}", counted(warnings, "warning"), suppressed)))


def render_text(result: CheckResult) -> str:
    lines = [f"{f.location}: {f.code.value}: {f.message}" for f in result.findings]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def render_github(result: CheckResult) -> str:
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    lines = [
        f"::{command[f.severity]} file={escape_property(f.source_location.file)},line={f.source_location.line},"
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
    from bundler.findings.suppress import fingerprint  # JSON and SARIF need it; text, the default, does not

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
