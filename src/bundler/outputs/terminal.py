"""How the CLI talks to a person: colour only on a terminal and never with NO_COLOR, quiet and verbose."""

from __future__ import annotations

import os
import sys
from dataclasses import field
from typing import TextIO

from bundler.frozen import mutable
from bundler.model import CheckResult, Severity

RESET = "\033[0m"
STYLES = {"error": "\033[1;31m", "warning": "\033[1;33m", "note": "\033[1;36m", "ok": "\033[1;32m", "dim": "\033[2m"}


COLOR_CHOICES = ("auto", "always", "never")


def wants_colour(stream: TextIO, choice: str = "auto") -> bool:
    """``--color`` decides when given; else https://no-color.org (a non-empty NO_COLOR turns colour
    off), then FORCE_COLOR (non-empty and not 0 turns it on, for CI logs), then a terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    return hasattr(stream, "isatty") and stream.isatty()


@mutable  # compared by identity
class Terminal:
    """Where and how reports are printed: quiet or verbose, and in colour when the stream is a terminal."""

    quiet: bool = False
    verbose: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    errors: TextIO = field(default_factory=lambda: sys.stderr)
    color: str = "auto"

    @property
    def colour(self) -> bool:
        return wants_colour(self.stream, self.color)

    def paint(self, text: str, style: str, *, stream: TextIO | None = None) -> str:
        if not wants_colour(stream or self.stream, self.color):
            return text
        return f"{STYLES[style]}{text}{RESET}"

    def progress(self, line: str, seconds: float | None = None) -> None:
        """One line per step; dropped with --quiet; with --verbose, the step's own duration."""
        if self.quiet:
            return
        step, colon, rest = line.partition(": ")
        if colon:
            line = f"{self.paint(step + ':', 'dim')} {rest}"
        if self.verbose and seconds is not None:
            line = f"{line} {self.paint(f'[{seconds:.2f} s]', 'dim')}"
        print(line, file=self.stream, flush=True)

    def detail(self, line: str) -> None:
        """Only with --verbose."""
        if self.verbose:
            print(self.paint(line, "dim"), file=self.stream, flush=True)

    def notice(self, line: str) -> None:
        """A line about what was done beside the report, on standard error; dropped with --quiet."""
        if not self.quiet:
            print(line, file=self.errors, flush=True)

    def error(self, message: str) -> None:
        print(f"bundler: {self.paint('error:', 'error', stream=self.errors)} {message}", file=self.errors, flush=True)

    def report(self, result: CheckResult) -> None:
        """The text report: findings (coloured by severity), then the summary unless quiet."""
        from bundler.outputs.report import summary_line

        for listing in (result.registry, *result.paths):
            where = f" in {listing.origin}" if listing.origin != "source" else ""
            self.detail(f"{listing.name} ({listing.location}){where} applies {', '.join(map(str, listing.applied()))}")
        for finding in result.findings:
            style = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(finding.severity, "note")
            print(f"{finding.location}: {self.paint(finding.code.value, style)}: {finding.message}", file=self.stream)
        if not self.quiet:
            print(self.paint(summary_line(result), "ok" if result.ok else "error"), file=self.stream)
