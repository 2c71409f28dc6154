"""How many /sparql queries one client may have evaluating at once, so that one client cannot hold every
request thread and query thread while others wait (docs/fairness.md).

A client is its address: the TCP peer (REMOTE_ADDR), or, when the peer is a reverse proxy named in
--trusted-proxies, the address that proxy says it forwarded for (X-Forwarded-For, else Forwarded). A
forwarded address from any other peer is ignored: anyone can send the header.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from flask import current_app, request
from werkzeug.http import parse_dict_header, parse_list_header

from . import errors
from .settings import BY_NAME, Settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LIMIT = BY_NAME["client_queries"]


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy header or the peer gives it: `[v6]:port`, `v4:port`, a bare address."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _forwarded_chain(environ: dict) -> list[str]:
    """The addresses the proxies appended, nearest last: X-Forwarded-For, else RFC 7239 Forwarded `for=`."""
    if environ.get("HTTP_X_FORWARDED_FOR"):
        return parse_list_header(environ["HTTP_X_FORWARDED_FOR"])
    chain = []
    for element in parse_list_header(environ.get("HTTP_FORWARDED", "")):
        pairs = {key.lower(): value for key, value in parse_dict_header(element.replace(";", ",")).items()}
        if pairs.get("for"):
            chain.append(pairs["for"])
    return chain


def client_address(environ: dict, proxies: tuple[IPNetwork, ...]) -> str:
    """Who a request counts against. Behind trusted proxies, the nearest forwarded address that is not one
    of them (those further left were written by the client itself and prove nothing)."""
    peer = environ.get("REMOTE_ADDR", "")
    current = _address(peer)
    if current is None or not any(current in net for net in proxies):
        return peer
    for hop in reversed(_forwarded_chain(environ)):
        address = _address(hop)
        if address is None:  # (an obfuscated or "unknown" hop: count the request against the last proxy)
            return str(current)
        current = address
        if not any(address in net for net in proxies):
            return str(address)
    return str(current)


class ClientLimiter:
    """Counts each client's queries in evaluation; past `limit` (0: no limit) a query is refused with 429."""

    def __init__(self, limit: int, proxies: tuple[IPNetwork, ...]) -> None:
        self.limit = limit
        self.proxies = proxies
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}

    @contextmanager
    def admit(self, environ: dict) -> Iterator[None]:
        """Hold one of the client's places while the block runs, or raise TooManyRequests."""
        if self.limit <= 0:
            yield
            return
        client = client_address(environ, self.proxies)
        with self._lock:
            running = self._running.get(client, 0)
            if running >= self.limit:
                raise errors.TooManyRequests(
                    f"client {client} already has {running} queries running, the most one client may have "
                    f"({LIMIT.flag} / {LIMIT.env} = {self.limit}); wait for one to answer and try again")
            self._running[client] = running + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]


def limiter() -> ClientLimiter:
    """The app's limiter, made on first use from its settings."""
    app = current_app._get_current_object()
    found = app.extensions.get("ljkg.fairness")
    if found is None:
        settings: Settings = app.config["PUBLICATION"].settings
        found = app.extensions.setdefault(
            "ljkg.fairness", ClientLimiter(settings.client_queries, settings.trusted_networks))
    return found


def admitted() -> AbstractContextManager[None]:
    """For a view: hold the requesting client's place while it evaluates a query."""
    return limiter().admit(request.environ)
