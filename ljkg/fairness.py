"""How many /sparql queries one client may have evaluating at once, so that one client cannot hold every
request thread and query thread while others wait (docs/fairness.md).

A client is its address, REMOTE_ADDR: the TCP peer, or behind the reverse proxy named by --trusted-proxy,
the address that proxy forwarded for (waitress rewrites REMOTE_ADDR from that peer only; see
connections.proxy_options).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from flask import current_app, request

from . import errors
from .settings import BY_NAME

LIMIT = BY_NAME["client_queries"]


class ClientLimiter:
    """Counts each client's queries in evaluation; past `limit` (0: no limit) a query is refused with 429."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold one of the client's places while the block runs, or raise TooManyRequests."""
        if self.limit <= 0:
            yield
            return
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


def admitted() -> AbstractContextManager[None]:
    """For a view: hold the requesting client's place while it evaluates a query. (The app's limiter is
    made on first use, from its settings.)"""
    app = current_app._get_current_object()
    found = app.extensions.get("ljkg.fairness")
    if found is None:
        found = app.extensions.setdefault("ljkg.fairness",
                                          ClientLimiter(app.config["PUBLICATION"].settings.client_queries))
    return found.admit(request.remote_addr or "")
