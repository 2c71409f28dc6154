"""Idle, slow and malformed connections, and SIGTERM, against the real `python server.py`.

What is tested is the HTTP server's own behaviour (which connections it holds, when it closes them, how
it stops), so each test starts the real command and talks to it over raw sockets.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time

import pytest
import requests
from test_server_launch import _alive, _listening, _quietly, descendants, launch

IDLE = 350  # past waitress's default connection_limit (100), which used to lock every other client out
TRICKLING = 20


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1].strip("/"))


def closed_by_server(conn: socket.socket, within: float) -> bool:
    """Whether the server closes `conn` within `within` seconds (any answer it sends first is drained)."""
    conn.settimeout(0.2)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if conn.recv(65536) == b"":
                return True
        except TimeoutError:
            continue
        except OSError:
            return True  # reset
    return False


def trickle_until_closed(conn: socket.socket, byte: bytes, within: float = 8) -> bool:
    """Send a byte every 0.3 s (never idle, never complete) until the server closes `conn`, or `within`."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            conn.sendall(byte)
        except OSError:
            return True
        if closed_by_server(conn, 0.3):
            return True
    return False


def read_until_closed(conn: socket.socket, within: float) -> tuple[bytes, bool]:
    """Everything the server sends within `within` seconds; (data, whether it closed the connection)."""
    conn.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            piece = conn.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return data, True
        if not piece:
            return data, True
        data += piece
    return data, False


@pytest.fixture(scope="module")
def quick_timeout():
    proc, base = launch("--client-timeout", "2", "--query-workers", "1")
    yield proc, base
    proc.terminate()
    proc.wait(timeout=10)


def test_hundreds_of_idle_and_trickling_connections_do_not_lock_a_client_out():
    proc, base = launch("--query-workers", "1")  # the defaults are what is tested
    port = port_of(base)
    idle: list[socket.socket] = []
    stop = threading.Event()

    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        while not stop.wait(0.3):
            try:
                conn.sendall(b"a")
            except OSError:
                return

    try:
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]
        slow = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(TRICKLING)]
        threads = [threading.Thread(target=trickle, args=(conn,), daemon=True) for conn in slow]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the server has accepted them all by now
        for _ in range(3):
            started = time.monotonic()
            r = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
            assert r.status_code == 200 and r.json()["boolean"] is True
            assert time.monotonic() - started < 2.0
    finally:
        stop.set()
        for conn in idle + slow:
            conn.close()
        proc.terminate()
        proc.wait(timeout=10)


def test_a_slowloris_header_trickle_is_cut_off_at_the_client_timeout(quick_timeout):
    _proc, base = quick_timeout
    conn = socket.create_connection(("127.0.0.1", port_of(base)), timeout=5)
    try:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        closed = trickle_until_closed(conn, b"X")
        assert closed, "a trickling connection was held past --client-timeout"
        assert time.monotonic() - started < 5  # 2 s, and the once-a-second sweep
    finally:
        conn.close()


def test_a_trickled_body_is_cut_off_at_the_client_timeout(quick_timeout):
    _proc, base = quick_timeout
    conn = socket.create_connection(("127.0.0.1", port_of(base)), timeout=5)
    try:
        conn.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 100000\r\n\r\nquery=")
        started = time.monotonic()
        closed = trickle_until_closed(conn, b"A")
        assert closed and time.monotonic() - started < 5
    finally:
        conn.close()


def test_an_idle_connection_is_closed_and_others_are_still_served(quick_timeout):
    _proc, base = quick_timeout
    conn = socket.create_connection(("127.0.0.1", port_of(base)), timeout=5)
    try:
        assert closed_by_server(conn, 5)
    finally:
        conn.close()
    assert requests.get(base, timeout=5).status_code == 200


def test_content_length_with_transfer_encoding_is_refused_and_the_connection_closed(quick_timeout):
    """RFC 9112 section 6.1: behind a proxy that frames by the other header, the rest would be a second,
    smuggled request; here it is never read."""
    _proc, base = quick_timeout
    body = b"query=ASK%7B%7D"
    smuggled = b"GET /id/place/ljubljana HTTP/1.1\r\nHost: x\r\n\r\n"
    request = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: " + str(len(body)).encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
               + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n" + smuggled)
    conn = socket.create_connection(("127.0.0.1", port_of(base)), timeout=5)
    try:
        conn.sendall(request)
        answer, closed = read_until_closed(conn, 5)
    finally:
        conn.close()
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"Content-Length and Transfer-Encoding" in answer
    assert answer.count(b"HTTP/1.1 ") == 1  # the second request was not answered
    assert closed


def test_a_plain_keep_alive_connection_still_serves_two_requests(quick_timeout):
    _proc, base = quick_timeout
    conn = socket.create_connection(("127.0.0.1", port_of(base)), timeout=5)
    try:
        conn.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n" * 2)
        answer, _ = read_until_closed(conn, 1.5)
    finally:
        conn.close()
    assert answer.count(b"HTTP/1.1 200 ") == 2


# Runs for many seconds on the embedded data, so it is still running when SIGTERM arrives.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.mark.parametrize("processes", ["1", "2"])
def test_sigterm_stops_every_process_within_seconds(processes):
    proc, base = launch("--processes", processes, "--query-workers", "2", "--query-timeout", "60")
    port = port_of(base)
    try:
        for _ in range(10):
            r = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
            assert r.status_code == 200
        ask = {"params": {"query": SLOW_QUERY}, "timeout": 30}
        slow = [threading.Thread(target=_quietly, args=(requests.get, base + "sparql"), kwargs=ask, daemon=True)
                for _ in range(2)]
        for thread in slow:
            thread.start()
        time.sleep(1.0)  # the slow queries are running in query processes
        family = [proc.pid, *descendants(proc.pid)]
        assert len(family) >= (3 if processes == "1" else 7)  # serving + query processes (reserved one too)
        os.kill(proc.pid, signal.SIGTERM)
        started = time.monotonic()
        while time.monotonic() - started < 5 and any(_alive(pid) for pid in family[1:]):
            time.sleep(0.1)
        proc.wait(timeout=max(0.1, 5 - (time.monotonic() - started)))
        left = [pid for pid in family if _alive(pid)]
        assert not left, f"still running 5 s after SIGTERM: {left}"
        assert not _listening(port)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
