"""Latency of the worker's HTTP API under load, against plain SQLite inserts in the same run.

20 clients post events to a real `worker-service serve` with its drain running, each request on
a new connection, as a hook sends them. The baseline is single-row INSERT-and-COMMITs on a WAL
database in the same folder, from one connection: what one durable write costs on this disk,
measured half before and half after the load. Goal (issue 21): p99 under 50 ms, and no request
over 250 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIENTS = 20
EVENTS_PER_CLIENT = 250
BASELINE_INSERTS = 2000
GOAL_P99_MS, GOAL_MAX_MS = 50, 250


class WorkerFailed(Exception):
    """An event the worker did not accept: the benchmark stops, naming the answer."""


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p99 and max, in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000, max(latencies) * 1000


def plain_inserts(path: Path, count: int) -> list[float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    latencies = []
    for number in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO events (payload) VALUES (?)", (json.dumps({"n": number}),))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - start)
    conn.close()
    return latencies


async def post(port: int, token: str, body: bytes) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
    answer = await reader.read()
    writer.close()
    head, _, text = answer.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1].decode()
    if status != "201":
        raise WorkerFailed(f"the worker answered {status} to an event: {text.decode(errors='replace')}")


async def clients_posting(port: int, token: str) -> tuple[list[float], float]:
    latencies: list[float] = []

    async def client(number: int) -> None:
        for event in range(EVENTS_PER_CLIENT):
            body = json.dumps({"content_session_id": f"session-{number}", "tool_use_id": f"toolu_{event}",
                               "tool_name": "Read", "tool_input": {"path": f"src/{event}.py"}}).encode()
            start = time.perf_counter()
            await post(port, token, body)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(number) for number in range(CLIENTS)))
    return latencies, time.perf_counter() - start


def serve(folder: Path) -> tuple[subprocess.Popen[str], int, str]:
    env = dict(os.environ, WORKER_DATA_DIR=str(folder / "data"), HOME=str(folder))
    server = subprocess.Popen([sys.executable, "-m", "worker", "serve", "--port", "0"], stdout=subprocess.PIPE,
                              text=True, env=env)
    line = server.stdout.readline() if server.stdout else ""
    if not line.startswith("listening on "):
        server.kill()
        raise SystemExit("worker-service serve did not start")
    return server, int(line.rsplit(":", 1)[1]), (folder / "data" / "api-token").read_text().strip()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as name:
        folder = Path(name)
        baseline = plain_inserts(folder / "plain.db", BASELINE_INSERTS // 2)
        server, port, token = serve(folder)
        try:
            latencies, elapsed = asyncio.run(clients_posting(port, token))
        except WorkerFailed as exc:
            raise SystemExit(f"worker latency: {exc}") from None
        finally:
            server.terminate()
            server.wait(timeout=30)
        baseline += plain_inserts(folder / "plain.db", BASELINE_INSERTS // 2)
    p50, p99, worst = percentiles(latencies)
    base50, base99, base_worst = percentiles(baseline)
    print(f"worker under load: {len(latencies)} events from {CLIENTS} clients with the drain running,"
          f" {len(latencies) / elapsed:.0f} requests/s; p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.0f} ms"
          f" (goal p99 < {GOAL_P99_MS} ms, max < {GOAL_MAX_MS} ms)")
    print(f"  against a plain SQLite insert-and-commit (p50 {base50:.2f} ms, p99 {base99:.2f} ms, max {base_worst:.1f} ms):"
          f" p50 {p50 / base50:.1f}x, p99 {p99 / base99:.1f}x, max {worst / base_worst:.1f}x;"
          f" {len(latencies) / elapsed / (len(baseline) / sum(baseline)):.2f}x its writes per second")


if __name__ == "__main__":
    main()
