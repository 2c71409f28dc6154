"""Headers every response shares: CORS, caching validators from the dataset version, Link, gzip."""

from __future__ import annotations

import gzip
import re

from flask import Flask, Response, current_app, request
from werkzeug.urls import iri_to_uri

GZIP_MIN_BYTES = 1024
CORS_EXPOSED = "Link, ETag, Last-Modified, Content-Location, Vary, Retry-After, X-Truncated, X-Row-Limit, X-Cache"


# Characters a URI may hold as they are (RFC 3986 unreserved, reserved and '%'): such a string is a valid
# header value already, and checking that is about 20 times cheaper than converting it
# (bench/header_cost.py).
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")


def header_uri(iri: str) -> str:
    """An IRI as it may appear in a header (Link, Content-Location): converted to a URI by werkzeug's
    RFC 3987 mapping (UTF-8, percent-encoded; an IDN host in punycode). Headers are ISO-8859-1 and
    end at CR/LF, so `/id/place/ž` or a path with a space or a newline would otherwise break the response."""
    return iri if _URI_CHARS.fullmatch(iri) else iri_to_uri(iri)


def etag_for(version: str, *parts: str) -> str:
    return "-".join((version, *[p for p in parts if p]))


CONDITIONAL = ("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range")


def set_validators(response: Response, version: str, modified, *parts: str) -> Response:
    """ETag/Last-Modified from the dataset version, then answer 304 if the client already has it.

    Cache-Control is written as text, not through werkzeug's parsed view, and the conditional check runs
    only when the request has a condition: both were a tenth of a /sparql request's CPU time.
    """
    response.set_etag(etag_for(version, *parts), weak=True)  # weak: the same under gzip
    response.last_modified = modified
    max_age = current_app.config["PUBLICATION"].settings.cache_max_age
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    if any(name in request.headers for name in CONDITIONAL):
        return response.make_conditional(request)
    return response


def add_vary(response: Response, header: str) -> None:
    response.vary.add(header)


def init_app(app: Flask) -> None:
    @app.after_request
    def _common(response: Response) -> Response:
        pub = app.config["PUBLICATION"]
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
        base = pub.namespaces.base
        links = [f'<{header_uri(base)}.well-known/void>; rel="describedby"; type="text/turtle"',
                 '<https://creativecommons.org/licenses/by/4.0/>; rel="license"']
        existing = response.headers.get("Link")
        response.headers["Link"] = ", ".join(([existing] if existing else []) + links)
        if pub.invalid:
            response.headers["X-Data-Invalid"] = "the published data does not conform to its shapes"
        return _maybe_gzip(response)

    @app.before_request
    def _preflight():
        """CORS preflight for every path, answered before routing (Flask's automatic OPTIONS says less)."""
        if request.method != "OPTIONS":
            return None
        response = Response(status=204)
        response.headers["Allow"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
        return response


def _maybe_gzip(response: Response) -> Response:
    if (response.status_code != 200 or response.direct_passthrough or "Content-Encoding" in response.headers
            or "no-transform" in response.headers.get("Cache-Control", "")
            or "gzip" not in request.headers.get("Accept-Encoding", "")):
        return response
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
