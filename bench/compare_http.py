"""A deliberately small HTTP/1.1 keep-alive client for the load generator of bench/compare.py.

Why not requests or http.client: with 2 cores the client shares the CPU with the server under test, and
a request through requests costs ~10x the Python of a pre-built request line sent on a raw socket. Each
request here is built once per target (bytes), sent with one sendall, and its response read with one
header split plus Content-Length or chunked framing, so the client spends as little of the shared CPU as
possible and its own cost can be measured (client CPU is reported next to every figure).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import quote, urlencode


class HttpError(Exception):
    """The connection failed or the response could not be framed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def get_request(host: str, port: int, path: str, accept: str, params: dict | None = None) -> bytes:
    """A complete keep-alive GET request, ready to send as is."""
    target = path + ("?" + urlencode(params, quote_via=quote) if params else "")
    return (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n"
            "User-Agent: ljkg-bench\r\nConnection: keep-alive\r\n\r\n").encode("ascii")


def post_request(host: str, port: int, path: str, content_type: str, body: bytes,
                 accept: str = "*/*") -> bytes:
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: {accept}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            "User-Agent: ljkg-bench\r\nConnection: keep-alive\r\n\r\n").encode("ascii")
    return head + body


class Connection:
    """One persistent connection; reconnects by itself when the server closes it."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.buf = b""

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
                self.buf = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        self.buf = b""
        return sock

    def request(self, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send one pre-built request; return (status, lower-cased headers, body).

        A request on a reused connection that the server had already closed is retried once on a
        fresh connection (keep-alive race); anything else raises HttpError.
        """
        for attempt in (0, 1):
            reused = self.sock is not None
            try:
                sock = self.sock or self._connect()
                sock.sendall(raw)
                return self._read_response(sock)
            except (OSError, HttpError) as exc:
                self.close()
                if attempt == 0 and reused and not isinstance(exc, TimeoutError):
                    continue
                raise HttpError(f"{type(exc).__name__}: {exc}") from None
        raise HttpError("unreachable")

    def _recv(self, sock: socket.socket) -> bytes:
        data = sock.recv(262144)
        if not data:
            raise HttpError("connection closed by the server")
        return data

    def _read_response(self, sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
        buf = self.buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            buf += self._recv(sock)
        head = buf[:end].decode("latin-1").split("\r\n")
        rest = buf[end + 4:]
        try:
            status = int(head[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"bad status line {head[0]!r}") from None
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if status in (100, 101):  # informational: the real response follows
            self.buf = rest
            return self._read_response(sock)
        if "content-length" in headers:
            length = int(headers["content-length"])
            chunks = [rest]
            have = len(rest)
            while have < length:
                data = self._recv(sock)
                chunks.append(data)
                have += len(data)
            joined = b"".join(chunks)
            body, self.buf = joined[:length], joined[length:]
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked(sock, rest)
        elif status in (204, 304):
            body, self.buf = b"", rest
        else:  # no framing: the body runs until the server closes the connection
            chunks = [rest]
            while True:
                data = sock.recv(262144)
                if not data:
                    break
                chunks.append(data)
            body = b"".join(chunks)
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _read_chunked(self, sock: socket.socket, buf: bytes) -> bytes:
        parts = []
        pos = 0
        while True:
            line_end = buf.find(b"\r\n", pos)
            while line_end < 0:
                buf += self._recv(sock)
                line_end = buf.find(b"\r\n", pos)
            size = int(buf[pos:line_end].split(b";", 1)[0], 16)
            start = line_end + 2
            if size == 0:
                # optional trailers, then the final empty line
                trailer_end = buf.find(b"\r\n", start)
                while trailer_end < 0:
                    buf += self._recv(sock)
                    trailer_end = buf.find(b"\r\n", start)
                while trailer_end != start:
                    start = trailer_end + 2
                    trailer_end = buf.find(b"\r\n", start)
                    while trailer_end < 0:
                        buf += self._recv(sock)
                        trailer_end = buf.find(b"\r\n", start)
                self.buf = buf[start + 2:]
                return b"".join(parts)
            while len(buf) < start + size + 2:
                buf += self._recv(sock)
            parts.append(buf[start:start + size])
            pos = start + size + 2
            if pos > 1 << 20:  # keep the working buffer small on big responses
                buf = buf[pos:]
                pos = 0


def wait_for_port(port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll until something listens on the port, the process dies (alive() false) or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return True
        if not alive():
            return False
        time.sleep(0.05)
    return False
