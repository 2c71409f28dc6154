"""One negotiation function on werkzeug's Accept parser (q-values, wildcards, q=0), and an honest 406."""

from __future__ import annotations

from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .errors import NotAcceptable
from .formats import ALL, HTML, Format, by_name


@lru_cache(maxsize=1024)  # clients repeat the same few Accept headers; parsing one costs 50 µs
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


@lru_cache(maxsize=1024)
def wants_html(accept: str | None) -> bool:
    """True when a client names HTML explicitly and ranks it at least as high as every data format.

    A wildcard alone (*/*) is a machine client's default and does not count as asking for HTML.
    """
    if not accept:
        return False
    parsed = parse_accept_header(accept, MIMEAccept)
    explicit = max((q for value, q in parsed if value in HTML.media_types), default=0)
    if explicit <= 0:
        return False
    machine = max(parsed.quality(m) for f in ALL if f is not HTML for m in f.media_types)
    return explicit >= machine
