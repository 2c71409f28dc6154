"""Which IRIs a page may turn into links: only http: and https: ones.

Why: an IRI is whatever a query or the store says it is, and `<a href="javascript:…">` (or data:,
vbscript:, file:) runs or opens something the moment a visitor clicks it, escaping or not. The pages link
our own resources and the web; any other IRI is shown as text. The templates ask through one macro
(`link` in macros.html), which asks this filter.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

LINKABLE_SCHEMES = frozenset({"http", "https"})


def http_href(iri: str | None) -> str | None:
    """The IRI itself if a browser may follow it from a page, else None.

    urllib parses as browsers do where it matters here: it drops the leading control characters and
    space and the tabs and newlines a browser ignores, and lowercases the scheme, so `JaVa\\tScript:`
    is read as javascript:. An absolute http(s) IRI has a host; `http:foo` (a relative reference in a
    browser's eyes) is not linked either.
    """
    if not iri:
        return None
    try:
        parts = urlsplit(str(iri))
    except ValueError:  # e.g. an unbalanced [ in the host
        return None
    if parts.scheme in LINKABLE_SCHEMES and parts.netloc:
        return str(iri)
    return None


def init_app(app: Flask) -> None:
    app.add_template_filter(http_href, "http_href")
