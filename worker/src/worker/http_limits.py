"""What one connection may cost the server: time to send its headers and its body, and the size
of its header block (issue 21: 64 idle sockets held every connection slot; 97 headers of 60 KB
each were read and answered 200).

Each read waits only for what is left of its phase's deadline, so a client that trickles one byte
at a time is cut off as surely as one that sends nothing.
"""

from __future__ import annotations

import io
import socket
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    header_seconds: float = 5.0  # from the connection (or the previous answer) to the blank line
    body_seconds: float = 10.0  # from the blank line to the body's last byte
    max_header_bytes: int = 32 * 1024  # every header line together, the request line apart
    max_header_lines: int = 64
    max_connections: int = 64  # beyond this, 503 at once: idle connections must not exhaust file descriptors


class HeaderBlockTooLarge(Exception):
    """More header lines, or more header bytes, than ``Limits`` allows."""


class DeadlineSocket(io.RawIOBase):
    """The reading end of a connection; a read after the deadline raises ``TimeoutError``."""

    def __init__(self, connection: socket.socket, write_timeout: float) -> None:
        super().__init__()
        self.connection = connection
        self.write_timeout = write_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the deadline passed")
            self.connection.settimeout(remaining)
        try:
            return self.connection.recv_into(buffer)
        finally:
            self.connection.settimeout(self.write_timeout)  # what answers are written with


class RequestReader(io.BufferedReader):
    """The handler's ``rfile``: a deadline per phase, and a budget for the header block."""

    def __init__(self, raw: DeadlineSocket) -> None:
        super().__init__(raw)
        self.clock = raw
        self.header_limits: Limits | None = None
        self.header_bytes = self.header_lines = 0

    def start_phase(self, seconds: float) -> None:
        self.clock.deadline = time.monotonic() + seconds

    def count_header_lines(self, limits: Limits | None) -> None:
        """Count each header line read from now against ``limits`` (None: stop counting)."""
        self.header_limits, self.header_bytes, self.header_lines = limits, 0, 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        limits = self.header_limits
        if limits is not None and line not in (b"\r\n", b"\n", b""):
            self.header_bytes += len(line)
            self.header_lines += 1
            if self.header_bytes > limits.max_header_bytes:
                raise HeaderBlockTooLarge(f"the header block is larger than {limits.max_header_bytes} bytes")
            if self.header_lines > limits.max_header_lines:
                raise HeaderBlockTooLarge(f"more than {limits.max_header_lines} header lines")
        return line
