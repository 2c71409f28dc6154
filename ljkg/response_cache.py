"""Repeated GET /sparql requests answered in front of Flask, with the response the same request got before.

Why: the dataset never changes while it is served, so the same request always gets the same response. The
answer cache behind the view (`Publication.answers`) spares the store, but a request it answers still
goes through Flask's routing, request and response objects and the shared headers: at 10k triples that
was about 0.35 ms of the one GIL per request, twice what waitress itself costs, and it held a process to
about 2,100 repeated queries a second (bench/README.md, "Repeated requests answered in front of Flask").
Here, like a reverse proxy's cache, a GET is looked up by everything of the request the response can
depend on and replayed as it was sent (waitress adds `Date` and `Server`, as for any response).

Only what is safe to replay is kept: a 200 with an `ETag` that is not a page (pages follow the reader's
language choice). A request with a condition (`If-None-Match`, ...), a cookie or credentials goes to the
app, which answers `304` where it should. A query whose answer may change between evaluations (RAND, NOW,
UUID, blank nodes built by the query) has no `ETag` (`sparql.is_volatile`), so it is never kept. An entry
weighs its body, its key and its headers: all of the key comes from the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .http_headers import CONDITIONAL
from .publication import BoundedCache

# What the response to a GET /sparql can depend on besides the query string.
KEYED = ("SCRIPT_NAME", "wsgi.url_scheme", "HTTP_HOST", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING",
         "HTTP_ACCEPT_LANGUAGE")
# Requests the app must see itself: conditional ones (it answers 304 or 412), and ones that carry state.
PASSED_ON = tuple("HTTP_" + name.upper().replace("-", "_") for name in (*CONDITIONAL, "Cookie", "Authorization"))
HIT = ("X-Cache", "hit")  # how a client (and the tests) can tell a replayed response from a fresh one

StartResponse = Callable[..., object]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]


class ResponseCache:
    """WSGI middleware in front of the Flask app, keeping whole /sparql responses in a `BoundedCache`."""

    def __init__(self, app: WsgiApp, cache: BoundedCache, path: str = "/sparql") -> None:
        self.app = app
        self.cache = cache
        self.path = path

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        kept = self.cache.get(key)
        if kept is not None:
            body, status, headers = kept
            start_response(status, [*headers, HIT])
            return [body]
        sent: list = []  # status, a copy of the headers, and whether the app wrote through write()

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            write = start_response(status, headers, exc_info)
            sent[:] = [status, list(headers), False]

            def written(data: bytes) -> object:
                sent[2] = True  # bytes that bypass the body: this response cannot be replayed
                return write(data)

            return written

        result = self.app(environ, capture)
        if not sent or not _replayable(*sent):
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if _replayable(*sent):  # (an app may call start_response again, with exc_info, while its body runs)
            weight = len(body) + sum(len(part) for part in key if part) + sum(len(n) + len(v) for n, v in sent[1])
            self.cache.put(key, (body, sent[0], sent[1]), weight=weight)
        return [body]

    def _key(self, environ: dict) -> tuple | None:
        """The request's key, or None when the app must answer it itself."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") != self.path:
            return None
        if any(name in environ for name in PASSED_ON):
            return None
        return (environ.get("QUERY_STRING", ""), *[environ.get(name) for name in KEYED])


def _replayable(status: str, headers: list[tuple[str, str]], wrote: bool) -> bool:
    if wrote or not status.startswith("200 "):
        return False
    names = {name.lower(): value for name, value in headers}
    return "etag" in names and not names.get("content-type", "").startswith("text/html")
