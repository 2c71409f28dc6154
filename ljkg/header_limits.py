"""Request headers the server parses and remembers are bounded in bytes before anything reads them.

Accept and Accept-Language are parsed on every request (negotiation.py, languages.py, errors.py) and their
parsed forms are cached per process; waitress lets a single header carry up to 256 KB, and one Accept of
that size with 33,000 entries cost 0.36 s of CPU to parse. A client has no reason to send more than a few
hundred bytes of either, so a longer one is refused with 431 here, before routing, parsing or a cache sees it.
"""

from __future__ import annotations

from flask import Flask, request

from .errors import HeaderFieldTooLarge

LIMITED = ("Accept", "Accept-Language")


def check(limit: int) -> None:
    """Raise HeaderFieldTooLarge naming the first limited header over `limit` bytes (WSGI gives header
    values as ISO-8859-1 text, so a character is a byte)."""
    for name in LIMITED:
        value = request.headers.get(name)
        if value is not None and len(value) > limit:
            raise HeaderFieldTooLarge(
                f"the {name} header has {len(value)} bytes; the limit is {limit} (--max-header-field)")


def init_app(app: Flask) -> None:
    limit = app.config["PUBLICATION"].settings.max_header_field

    @app.before_request
    def _bounded_headers() -> None:
        check(limit)
