"""What one client may cost a real `worker-service serve` (short deadlines, see conftest): the
header block's size and line count, the time to send headers and body, a connection slot."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import Api

HEALTH = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"


@pytest.mark.parametrize(("headers", "error"), [
    (b"".join(b"X-%d: %s\r\n" % (n, b"a" * 60_000) for n in range(97)), "the header block is larger than 32768 bytes"),
    (b"".join(b"X-%d: 1\r\n" % n for n in range(65)), "more than 64 header lines"),
    (b"".join(b"X-%d: 1\r\n" % n for n in range(200)), "more than 64 header lines"),
])
def test_a_header_block_too_large_is_431_in_json(api: Api, headers: bytes, error: str) -> None:
    status, answer_headers, body = api.raw(HEALTH + headers + b"\r\n")
    assert (status, answer_headers["Content-Type"], body["error"]) == (431, "application/json", error)
    assert api.healthy()


def test_a_header_block_at_the_limits_is_served(api: Api) -> None:
    headers = b"".join(b"X-%d: %s\r\n" % (n, b"a" * 400) for n in range(62))  # with Host: 64 lines, under 32 KB
    assert api.raw(HEALTH + headers + b"\r\n")[0] == 200


def answer_to_a_trickle(api: Api, start: bytes, trickle: bytes) -> bytes:
    """Send ``start``, then one byte of ``trickle`` at a time, a little apart, until the server
    answers or closes; what it answered."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as connection:
        connection.sendall(start)
        connection.settimeout(0.2)
        for byte in trickle:
            try:
                connection.sendall(bytes([byte]))
                if answer := connection.recv(65536):
                    connection.settimeout(30)
                    while chunk := connection.recv(65536):
                        answer += chunk
                    return answer
            except TimeoutError:
                continue
            except OSError:
                return b""
    raise AssertionError("the server kept reading a trickle of bytes")


def test_headers_that_trickle_in_are_cut_off_with_408(api: Api) -> None:
    answer = answer_to_a_trickle(api, HEALTH, b"X-Slow: " + b"a" * 10_000)
    assert answer.split(b" ", 2)[1] == b"408" and b'"the headers did not arrive in time"' in answer
    assert api.healthy()


def test_a_body_that_trickles_in_is_cut_off_with_408(api: Api) -> None:
    head = (f"POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {api.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n").encode()
    answer = answer_to_a_trickle(api, head, b"{" + b" " * 9_999)
    assert answer.split(b" ", 2)[1] == b"408" and b'"the body did not arrive in time"' in answer


def test_idle_connections_are_closed_so_they_cannot_hold_the_connection_cap(api: Api) -> None:
    idle = [socket.create_connection(("127.0.0.1", api.port), timeout=30) for _ in range(64)]
    try:
        status, headers, body = api.raw(HEALTH + b"\r\n")
        if status == 503:  # the 64 arrived before any was closed: the cap holds, with the true reason
            assert "too many connections" in body["error"] and headers["Retry-After"] == "1"
        assert [connection.recv(1) for connection in idle] == [b""] * 64  # closed by the server, unanswered
        for _ in range(50):  # each slot is given back just after its connection is closed
            if api.healthy():
                break
            time.sleep(0.1)
        assert api.healthy()
    finally:
        for connection in idle:
            connection.close()
