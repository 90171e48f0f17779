"""``worker-service``: the worker's command line. Errors end as one line on stderr, never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from worker import __version__
from worker.errors import BadInput, StorageError, WorkerError
from worker.events import parse_event_text
from worker.http_limits import Limits
from worker.service import data_dir, database_path, open_store
from worker.store.db import dangling_references
from worker.store.introspect import column_names
from worker.store.pending import PendingMessageStore
from worker.store.session_store import SessionStore


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise BadInput(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="worker-service", description="The SQLite memory worker.")
    parser.add_argument("--version", action="version", version=f"worker-service {__version__}")
    parser.add_argument("--data-dir", help="data directory (default: $WORKER_DATA_DIR or ~/.memory-worker)")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_ArgumentParser)
    commands.add_parser("migrate", help="create or upgrade the database, then print the recorded versions")
    status = commands.add_parser("status", help="recorded versions, pending_messages columns, queue depth")
    status.add_argument("--json", action="store_true", help="print JSON")
    enqueue = commands.add_parser("enqueue", help="enqueue one tool-use event (JSON)")
    enqueue.add_argument("event", help="the event as JSON, or - to read it from standard input")
    process = commands.add_parser("process", help="claim and complete messages until the queue is empty")
    process.add_argument("--worker-pid", type=int, default=None, help="pid to claim as (default: this process)")
    serve = commands.add_parser("serve", help="JSON HTTP API on 127.0.0.1")
    serve.add_argument("--port", type=int, default=37777, help="port (0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                       help="a browser origin allowed to call the API (repeatable; none by default)")
    serve.add_argument("--header-timeout", type=seconds, default=Limits.header_seconds, metavar="SECONDS",
                       help="close a connection whose request line and headers take longer (default %(default)s)")
    serve.add_argument("--body-timeout", type=seconds, default=Limits.body_seconds, metavar="SECONDS",
                       help="answer 408 when a request body takes longer (default %(default)s)")
    commands.add_parser("token", help="print the API token (created in the data directory on first use)")
    return parser


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return value


def status_report(store: SessionStore) -> dict[str, Any]:
    return {
        "version": __version__,
        "database": str(store.db_path),
        "schema_versions": store.versions(),
        "pending_messages_columns": column_names(store.conn, "pending_messages"),
        "queue": PendingMessageStore(store.conn).depth(),
        "failed": PendingMessageStore(store.conn).failures(),
        "dangling_references": sum(dangling_references(store.conn).values()),
    }


def run(args: argparse.Namespace) -> int:
    directory = data_dir(args.data_dir)
    if args.command == "serve":
        from worker.http_api import serve_forever

        serve_forever(directory, host=args.host, port=args.port, allowed_origins=frozenset(args.allow_origin),
                      limits=Limits(header_seconds=args.header_timeout, body_seconds=args.body_timeout))
        return 0
    if args.command == "token":
        from worker.http_api import load_or_create_token

        open_store(directory).close()  # the data directory, usable, or a one-line error
        print(load_or_create_token(directory))
        return 0
    with open_store(directory) as store:
        if args.command == "migrate":
            print(f"{database_path(directory)}: versions {', '.join(map(str, store.versions()))}")
        elif args.command == "status":
            report = status_report(store)
            if args.json:
                print(json.dumps(report, indent=2, sort_keys=True))
            else:
                print_status(report)
        elif args.command == "enqueue":
            text = sys.stdin.read() if args.event == "-" else args.event
            source = "stdin" if args.event == "-" else "event argument"
            result = PendingMessageStore(store.conn).enqueue_event(parse_event_text(text, source=source))
            print(f"{'enqueued' if result.created else 'already queued'}: message {result.id}")
        elif args.command == "process":
            pid = args.worker_pid if args.worker_pid is not None else os.getpid()
            done = PendingMessageStore(store.conn).process_all(pid)
            print(f"processed {done} message(s)")
    return 0


def print_status(report: dict[str, Any]) -> None:
    queue = report["queue"]
    print(f"database: {report['database']}")
    print(f"schema versions: {', '.join(map(str, report['schema_versions']))}")
    print(f"pending_messages columns: {', '.join(report['pending_messages_columns'])}")
    print("queue: " + (", ".join(f"{k} {v}" for k, v in sorted(queue.items())) or "empty"))
    for failure in report["failed"]:
        print(f"failed: message {failure['id']}: {failure['reason']}")
    if report["dangling_references"]:
        print(f"dangling references: {report['dangling_references']} (from before; kept as they are)")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(build_parser().parse_args(argv))
    except WorkerError as exc:
        print(f"worker-service: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except sqlite3.Error as exc:
        print(f"worker-service: error: database: {exc}", file=sys.stderr)
        return StorageError.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
