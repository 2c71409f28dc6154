"""One negotiation function on werkzeug's Accept parser (q-values, wildcards, q=0), and an honest 406."""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .errors import NotAcceptable
from .formats import Format, by_name


def choose(accept: str | None, offered: tuple[Format, ...], override: str | None = None) -> Format:
    """Pick the representation: an explicit `format=` override, else the client's Accept, else the default.

    A browser's Accept (text/html first) gets HTML where HTML is offered; no Accept or */* gets the first
    offered format; nothing acceptable raises NotAcceptable naming what is offered.
    """
    if override:
        fmt = by_name(override, offered)
        if fmt is None:
            raise NotAcceptable(offered, f"format={override!r} is not offered here")
        return fmt
    if not accept or not accept.strip():
        return offered[0]
    parsed = parse_accept_header(accept, MIMEAccept)
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    for fmt in offered:  # primary media types first, so an alias never beats a primary match
        candidates.append(fmt.media_type)
        owner[fmt.media_type] = fmt
    for fmt in offered:
        for alias in fmt.aliases:
            if alias not in owner:
                candidates.append(alias)
                owner[alias] = fmt
    best = parsed.best_match(candidates)
    if best is None:
        raise NotAcceptable(offered, f"nothing offered matches Accept: {accept}")
    return owner[best]


def wants_html(accept: str | None) -> bool:
    """True when a client ranks HTML above every RDF type (a browser)."""
    if not accept:
        return False
    parsed = parse_accept_header(accept, MIMEAccept)
    html = max(parsed.quality("text/html"), parsed.quality("application/xhtml+xml"))
    return html > 0 and parsed.best_match(["text/html", "text/turtle", "application/ld+json"]) == "text/html"
