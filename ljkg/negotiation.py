"""One negotiation function on werkzeug's Accept parser (q-values, wildcards, q=0), and an honest 406.

Parsed Accept values are remembered per process (clients repeat the same few headers, and parsing one costs
50 µs), but only short ones: what a cache keeps is bounded by bytes as well as by entries, so distinct long
headers cannot grow a process (query processes negotiate too). Longer values are parsed every time; the
longest any request may send is `--max-header-field` (header_limits.py; a 4 KB one costs 5-15 ms: bench/header_cost.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .errors import NotAcceptable
from .formats import ALL, HTML, Format, by_name

CACHED_ACCEPT_BYTES = 256  # browsers send 60–300 bytes; 1,024 entries of at most this are 256 KB a cache
CACHED_ACCEPTS = 1024
# The parameters clients name a format in: SPARQLWrapper sends all three (Virtuoso reads format, Joseki and
# Fuseki output, 4store results), Jena and curl users one of them.
OVERRIDES = ("format", "output", "results")


def format_override(*sources: Mapping[str, str]) -> str | None:
    """The first format a request names in `format=`, `output=` or `results=` (query string, then form)."""
    for source in sources:
        for name in OVERRIDES:
            value = source.get(name)
            if value and value.strip():
                return value
    return None


def choose(accept: str | None, offered: tuple[Format, ...], override: str | None = None) -> Format:
    """Pick the representation: a `format=` override the offered formats know, else Accept, else the default.

    A name that means nothing for this response (`csv` for a graph, `turtle` for a SELECT, a typo) is not an
    error: the client's Accept decides, as if no name were given. A browser's Accept (text/html first) gets
    HTML where HTML is offered; no Accept or */* gets the first offered format; nothing acceptable raises
    NotAcceptable naming what is offered.
    """
    if override:
        named = by_name(override, offered)
        if named is not None:
            return named
    if not accept or not accept.strip():
        return offered[0]
    fmt = _by_accept_cached(accept, offered) if len(accept) <= CACHED_ACCEPT_BYTES else _by_accept(accept, offered)
    if fmt is None:
        ignored = f"format={override!r} is not one of them, and " if override else ""
        raise NotAcceptable(offered, f"{ignored}nothing offered matches Accept: {accept}")
    return fmt


def _by_accept(accept: str, offered: tuple[Format, ...]) -> Format | None:
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
    return None if best is None else owner[best]


_by_accept_cached = lru_cache(maxsize=CACHED_ACCEPTS)(_by_accept)


def wants_html(accept: str | None) -> bool:
    """True when a client names HTML explicitly and ranks it at least as high as every data format.

    A wildcard alone (*/*) is a machine client's default and does not count as asking for HTML.
    """
    if not accept:
        return False
    return _wants_html_cached(accept) if len(accept) <= CACHED_ACCEPT_BYTES else _wants_html(accept)


def _wants_html(accept: str) -> bool:
    parsed = parse_accept_header(accept, MIMEAccept)
    explicit = max((q for value, q in parsed if value in HTML.media_types), default=0)
    if explicit <= 0:
        return False
    machine = max(parsed.quality(m) for f in ALL if f is not HTML for m in f.media_types)
    return explicit >= machine


_wants_html_cached = lru_cache(maxsize=CACHED_ACCEPTS)(_wants_html)
