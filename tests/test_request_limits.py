"""Request bodies and header blocks past their limits, against the real `python server.py`.

The server's own behaviour is what is tested (waitress refuses before the app, while the body streams),
so these start the real command and talk to it over raw sockets: a client that keeps sending after the
refusal is exactly the case to see.
"""

from __future__ import annotations

import select
import socket

import pytest
import requests
from test_server_launch import launch

from ljkg.settings import BY_NAME

MAX_BODY = 1_000_000  # a small limit keeps the test quick; the default is BY_NAME["max_body"].default


@pytest.fixture(scope="module")
def server():
    proc, base = launch("--max-body", str(MAX_BODY), "--max-header", "16384", "--query-workers", "1")
    port = int(base.rsplit(":", 1)[1].strip("/"))
    yield proc, base, port
    proc.terminate()
    proc.wait(timeout=10)


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and every process below it (the serving and query processes)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as fh:
                todo += [int(child) for child in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def push(port: int, head: bytes, chunks, limit_bytes: int) -> tuple[bytes, int]:
    """Send the head, then body pieces until the server answers or stops reading; (answer, bytes sent)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    sent = 0
    answer = b""
    try:
        conn.sendall(head)
        for piece in chunks:
            if select.select([conn], [], [], 0)[0]:
                break  # the server has answered before the body ended
            try:
                conn.sendall(piece)
            except OSError:
                break
            sent += len(piece)
            if sent > limit_bytes:
                break
        conn.settimeout(5)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass  # reset after the answer: the rest of the body was never read
    finally:
        conn.close()
    return answer, sent


def test_an_oversized_content_length_is_refused_before_the_body_is_read(server):
    proc, _base, port = server
    before = tree_rss_kib(proc.pid)
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 1000000000\r\n\r\nquery=ASK%7B%7D&pad=")
    answer, sent = push(port, head, iter(lambda: b"a" * 65536, None), 200_000_000)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert f"limit of {MAX_BODY} bytes".encode() in answer
    assert b"--max-body" in answer and BY_NAME["max_body"].env.encode() in answer
    assert sent < 100_000_000  # the server stopped reading: the client could not push the 1 GB in
    assert tree_rss_kib(proc.pid) - before < 30_000  # nothing of it was kept


def test_a_chunked_body_is_refused_while_it_streams(server):
    proc, _base, port = server
    before = tree_rss_kib(proc.pid)
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    answer, sent = push(port, head, iter(lambda: piece, None), 200_000_000)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert f"limit of {MAX_BODY} bytes".encode() in answer and b"--max-body" in answer
    assert sent < 100_000_000
    assert tree_rss_kib(proc.pid) - before < 30_000


def test_a_body_under_the_limit_is_still_answered(server):
    _proc, base, _port = server
    padding = "#" + "x" * (MAX_BODY - 1000)  # a SPARQL comment: the query is still ASK {}
    r = requests.post(base + "sparql", data={"query": "ASK {}\n" + padding[:90_000]}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.post(base + "sparql", data={"query": "ASK {}", "pad": padding}, timeout=30)
    assert r.status_code == 200 and r.json()["boolean"] is True


def test_below_flask_the_refusal_speaks_the_clients_format():
    """Under another WSGI server (plain waitress with its 1 GB default cap, as `server:app` would run), the
    middleware refuses a declared length over the limit, in the client's format, before Flask reads it."""
    from conftest import start_server, stop_server

    served, wsgi = start_server(max_body=1000)
    try:
        url = served.url("sparql")
        r = requests.post(url, data={"query": "ASK {}", "pad": "a" * 2000},
                          headers={"Accept": "application/json"}, timeout=10)
        assert r.status_code == 413
        assert r.json()["status"] == 413 and "limit of 1000 bytes" in r.json()["message"]
        assert "--max-body" in r.json()["message"]
        r = requests.post(url, data={"query": "ASK {}"}, timeout=10)
        assert r.status_code == 200 and r.json()["boolean"] is True
    finally:
        stop_server(served, wsgi)


def test_a_huge_header_block_is_431(server):
    _proc, _base, port = server
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 20_000
    answer, _ = push(port, head, [], 0)
    assert b" 431 " in answer.split(b"\r\n", 1)[0], answer[:200]
    assert b"limit of 16384 bytes" in answer and b"--max-header" in answer


def test_headers_under_the_limit_are_served(server):
    _proc, base, _port = server
    r = requests.get(base + "sparql", params={"query": "ASK {}"}, headers={"X-Padding": "a" * 10_000}, timeout=10)
    assert r.status_code == 200
