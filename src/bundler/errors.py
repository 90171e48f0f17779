"""One small family of errors; the CLI alone turns them into one-line messages and exit codes."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bundler.model import CheckResult

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_CANNOT_VERIFY = 2


class BundlerError(Exception):
    """Anything that stops the tool from verifying. Exit 2: never a pass."""

    exit_code = EXIT_CANNOT_VERIFY

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(BundlerError):
    """Bad command line or ``[tool.bundler]`` configuration."""


class SourceError(BundlerError):
    """A file that is missing, unreadable, not Python, or without the configured class/method."""


class UnresolvableError(BundlerError):
    """A version number (or the SQL that records it) that cannot be resolved statically."""

    at_call_site = False  # set once the message points at the call that passes the unknown
    from_parameter = False  # the unknown number came through a parameter (so maybe from a caller)
    unread: str | None = None  # file.py:function whose code cannot be read and may record (records-nothing vouches)


class MayRecord(UnresolvableError):
    """Code that may apply or record, which the interpreter cannot read: a call whose target it
    cannot know, SQL text it cannot read (as against a record whose number it cannot read)."""


class BundleError(BundlerError):
    """An archive that cannot be read, or that lacks what must be verified."""


class BuildFailed(BundlerError):
    """The packager stopped: a check failed or a step of the build did."""

    exit_code = 1


class CheckFailed(BuildFailed):
    """A check found errors on the way to an install; the CLI prints ``result`` as the report."""

    def __init__(self, result: CheckResult, what: str) -> None:
        self.result = result
        super().__init__(f"{what} failed the check; nothing was changed")


def error_line(stderr: str) -> str | None:
    """The line of a failed subprocess's output that an error message quotes: the first exception of a
    traceback (when handling one exception raised another, the first is the cause; shiv's
    bootstrap turns a failed import into an AttributeError), else the last line."""
    lines = [line.rstrip() for line in stderr.splitlines() if line.strip()]
    in_traceback = False
    for line in lines:
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
        elif in_traceback and not line[0].isspace():
            return line
    return lines[-1].strip() if lines else None
