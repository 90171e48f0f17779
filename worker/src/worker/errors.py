"""The worker's error family: the CLI and the HTTP API turn these into one-line messages."""


class WorkerError(Exception):
    """Base of every error the worker reports to a user instead of a traceback."""

    exit_code = 1


class BadInput(WorkerError):
    """A malformed event, a missing field, a bad argument: the caller's mistake."""

    exit_code = 2


class StorageError(WorkerError):
    """The data directory or the database cannot be used."""

    exit_code = 3
