"""Connections that never finish their headers are closed after ``--header-timeout`` (issue 16 item 6); a request
whose headers are in is not cut, however long it runs, and keep-alive connections still serve."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from test_api_fixtures import sample_store_path, serve  # noqa: F401 - fixtures


def _closed_after(sock: socket.socket, limit: float) -> float | None:
    """Seconds until the server closes ``sock`` (None if it is still open after ``limit``)."""
    sock.settimeout(limit)
    t0 = time.monotonic()
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - t0


def _answer(sock: socket.socket, request: bytes) -> bytes:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(v for k, _, v in (line.partition(b":") for line in head.split(b"\r\n")[1:])
                      if k.strip().lower() == b"content-length"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_incomplete_headers_are_closed_and_complete_requests_served(sample_store_path: Path) -> None:  # noqa: F811
    with serve("--store", str(sample_store_path), "--workers", "1", "--header-timeout", "1") as base:
        addr = urlsplit(base)
        where = (addr.hostname, addr.port)
        with socket.create_connection(where) as slow:  # a request line and one header, then nothing
            slow.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
            took = _closed_after(slow, 8)
            assert took is not None and took < 6, took  # 1 s, with room for a loaded machine
        with socket.create_connection(where) as silent:  # connected, never a byte
            took = _closed_after(silent, 8)
            assert took is not None and took < 6, took  # 1 s, with room for a loaded machine
        with socket.create_connection(where) as ok:  # keep-alive: two requests, the second after a pause
            for pause in (0.0, 0.6):
                time.sleep(pause)
                head = _answer(ok, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
                               b"Accept: application/sparql-results+json\r\n\r\n")
                assert head.startswith(b"HTTP/1.1 200"), head
            ok.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n")  # after an answer, headers are due again
            took = _closed_after(ok, 8)
            assert took is not None and took < 6, took  # 1 s, with room for a loaded machine
        with socket.create_connection(where) as long:  # a query running past the deadline (~1 s) is answered
            values = " ".join(str(k) for k in range(45))  # several times the 1 s header deadline
            query = quote(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?k {{ {values} }} ?a ?b ?c . ?d ?e ?f }}")
            t0 = time.monotonic()
            head = _answer(long, f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n"
                           "Accept: application/sparql-results+json\r\n\r\n".encode())
            assert head.startswith(b"HTTP/1.1 200"), head
            assert time.monotonic() - t0 > 1  # it did run past the header deadline
