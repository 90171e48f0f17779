"""Accepted findings: ``# bundler: ignore[code] reason`` comments and the baseline file.

An accepted finding is reported as suppressed (JSON ``suppressed``, SARIF ``suppressions``),
never dropped; a comment that suppresses nothing, or gives no reason, is itself a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from bundler.errors import ConfigError
from bundler.frozen import frozen
from bundler.model import Code, Finding, Location, Severity, Suppression

# `# bundler: ignore[code] reason` in Python; `// ...` or `/* ... */` in TypeScript and JavaScript
COMMENT_MARK = "bundler:"  # in every suppression comment: a text without it has none
COMMENT = r"(?:#|//|/\*)\s*bundler:\s*ignore\[([^\]]*)\](.*?)(?:\*/)?\s*$"
BASELINE_FORMAT = 1
# file:line references in messages, dropped from fingerprints (Python, zipapps, TypeScript, JavaScript)
LINE_REFERENCE = "|".join(rf"(?<=\.{suffix}):\d+" for suffix in (
    "py", "pyz", "ts", "tsx", "mts", "cts", "js", "jsx", "cjs", "mjs"))


@frozen
class BaselineEntry:
    """One accepted finding of the baseline file, and where the file holds it (for a stale entry)."""

    reason: str
    code: str
    file: str
    version: int | None
    location: Location  # the entry's line in the baseline file


@frozen
class Comment:
    """A ``bundler: ignore[code] reason`` comment, where it sits, and the module it belongs to."""

    codes: tuple[str, ...]
    reason: str
    location: Location
    module: str  # the module's dotted name (or its path): a source file and its copy in a bundle share it


def suppression_comment(text: str, location: Location, module: str) -> Comment | None:
    """The suppression a comment's text holds, if it holds one."""
    match = re.search(COMMENT, text)  # compiled on first use (re caches it): most checks meet none
    if match is None:
        return None
    codes = tuple(code.strip() for code in match.group(1).split(",") if code.strip())
    return Comment(codes, match.group(2).strip(), location, module)


def fingerprint(finding: Finding) -> str:
    """Stable while code moves: the code, the file, the number, the path, and the message
    without its line numbers."""
    import hashlib  # only reports that carry fingerprints need it

    built_from = finding.built_from  # inside a bundle: known as the source's own finding is
    file, text = (built_from.location.file, built_from.message) if built_from else (finding.location.file, finding.message)
    message = re.sub(LINE_REFERENCE, "", text)  # compiled on first use (re caches it)
    key = "\0".join((finding.code.value, file, str(finding.version), finding.path or "", message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def apply_suppressions(
    findings: Iterable[Finding], own: Iterable[Comment], copies: Iterable[Comment],
    baseline: Mapping[str, BaselineEntry], severity: Mapping[Code, Severity], checked: Iterable[Code] = (),
) -> tuple[list[Finding], list[Finding]]:
    """(findings that count, suppressed findings). ``own`` are the comments of the project's
    files, reported when unused; ``copies`` those of the same modules read from bundles. A baseline
    entry that matches no finding is reported as unused (as ruff reports an unused noqa) when
    its code is among those this run ``checked`` (a check without --runtime cannot find drift)."""
    own = list(own)
    by_line = {(c.location.file, c.location.line): c for c in copies}
    by_line.update({(c.location.file, c.location.line): c for c in own})
    used: set[tuple[str, int]] = set()
    matched: set[str] = set()
    active, suppressed = [], []
    for finding in findings:
        comment = by_line.get((finding.location.file, finding.location.line))
        if comment is not None and comment.reason and finding.code.value in comment.codes:
            used.add((comment.module, comment.location.line))
            suppressed.append(replace(finding, suppression=Suppression("comment", comment.reason, comment.location)))
        elif baseline and (known := baseline.get(key := fingerprint(finding))) is not None:
            matched.add(key)
            suppressed.append(replace(finding, suppression=Suppression("baseline", known.reason)))
        else:
            active.append(finding)
    level = severity.get(Code.UNUSED_SUPPRESSION, Severity.WARNING)
    if level is not Severity.OFF:
        active += [unused(comment, level) for comment in own
                   if (comment.module, comment.location.line) not in used and not switched_off(comment, severity)]
        could_match = {code.value for code in checked if severity.get(code) is not Severity.OFF}
        active += [stale(entry, level) for key, entry in baseline.items()
                   if key not in matched and entry.code in could_match]
    return active, suppressed


def switched_off(comment: Comment, severity: Mapping[Code, Severity]) -> bool:
    """A comment whose every code is off in this run (``--ignore`` it, say) is not unused."""
    known = {code.value: code for code in Code}
    return bool(comment.codes) and all(c in known and severity.get(known[c]) is Severity.OFF for c in comment.codes)


def stale(entry: BaselineEntry, level: Severity) -> Finding:
    number = f" (version {entry.version})" if entry.version is not None else ""
    return Finding(Code.UNUSED_SUPPRESSION, level,
                   f"the baseline entry for {entry.code} in {entry.file}{number} matches no finding: it was fixed;"
                   " remove the entry (bundler check --write-baseline rewrites the file)", entry.location)


def unused(comment: Comment, level: Severity) -> Finding:
    codes = ", ".join(comment.codes) or "no code"
    unknown = [code for code in comment.codes if code not in {c.value for c in Code}]
    if unknown:
        from bundler.frontends.python.suggest import did_you_mean

        hint = did_you_mean(unknown[0], [c.value for c in Code]).removeprefix("; ")
        why = f"{', '.join(unknown)} is not a finding code ({hint or 'bundler check --list-codes lists them'})"
    elif not comment.reason:
        why = "it gives no reason: say why after the brackets"
    else:
        why = f"no {codes} finding is reported on this line"
    return Finding(Code.UNUSED_SUPPRESSION, level, f"the suppression ignore[{codes}] suppresses nothing: {why}",
                   comment.location)


def read_baseline(path: Path | None, display: str = "") -> dict[str, BaselineEntry]:
    """fingerprint → the accepted finding; no baseline configured: nothing is. ``display`` is
    how reports name the file (relative to the repository)."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        entries = data["findings"] if data.get("format") == BASELINE_FORMAT else None
        if not isinstance(entries, list):
            raise ConfigError(f"not a bundler baseline (format {BASELINE_FORMAT}); write one with --write-baseline",
                              where=str(path))
        reason, lines = baseline_reason(path), text.splitlines()
        return {entry["fingerprint"]: BaselineEntry(
            reason, str(entry.get("code")), str(entry.get("file")), entry.get("version"),
            Location(display or str(path), line_holding(lines, entry["fingerprint"])),
        ) for entry in entries}
    except FileNotFoundError:
        raise ConfigError("baseline file not found; write it with bundler check --write-baseline", where=str(path)) from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"cannot read the baseline: {exc}", where=str(path)) from None


def line_holding(lines: list[str], text: str) -> int:
    return next((number for number, line in enumerate(lines, 1) if text in line), 1)


def baseline_reason(path: Path) -> str:
    return f"in the baseline {path.name}"


def baseline_text(findings: Iterable[Finding]) -> str:
    """The baseline file: every finding that counts now, by fingerprint, with what it said (for review)."""
    entries = {}  # a finding inside a bundle has its source's fingerprint: one entry for both
    for finding in findings:
        entries.setdefault(fingerprint(finding), {
            "fingerprint": fingerprint(finding), "code": finding.code.value, "file": finding.source_location.file,
            "version": finding.version, "message": finding.built_from.message if finding.built_from else finding.message,
        })
    return json.dumps({"format": BASELINE_FORMAT, "findings": list(entries.values())}, indent=2) + "\n"
