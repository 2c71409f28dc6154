"""How a page says when something held: OWL-Time instants and intervals, and schema.org dates, in sl or en.

Why here and not in the data: the graph keeps machine-readable years and dates (`time:inXSDgYear`,
`time:inXSDDate`, `schema:startDate`), and a reader wants "since 1994" or "16 Nov – 12 Dec 2021". The
month names are CLDR's (Babel) and the words around the dates come from the interface's catalogues
(i18n.py); only the order of day and month is written here, per language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pyoxigraph as ox
from babel.dates import get_month_names

from ..i18n import translations

TIME = "http://www.w3.org/2006/time#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
IN_TIME = (TIME + "inXSDDate", TIME + "inXSDgYearMonth", TIME + "inXSDgYear", TIME + "inXSDDateTimeStamp")
# the links from a thing or a relation to its time, and from an interval to its ends
TIME_LINKS = (ORG + "memberDuring", TIME + "hasTime")
BEGINNING, END = TIME + "hasBeginning", TIME + "hasEnd"
# what says when a thing began or ended without a time resource (events, hosted guests)
BEGIN_LITERALS = (SCHEMA + "startDate", "ontology/hostedSince")
END_LITERALS = (SCHEMA + "endDate",)

DATE = re.compile(r"^(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

Graph = Mapping[str, Sequence[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]]


def say_date(value: str, lang: str, with_year: bool = True) -> str:
    """A year, year-month or date literal as a reader writes it: 1994; Nov 2021; 16 Nov 2021 / 16. 11. 2021."""
    m = DATE.match(value)
    if not m:
        return value
    year, month, day = m.group(1), m.group(2), m.group(3)
    tail = f" {year}" if with_year else ""
    if day:
        if lang == "sl":
            return f"{int(day)}. {int(month)}.{tail}"
        return f"{int(day)} {_month(int(month), 'en')}{tail}"
    if month:
        return f"{_month(int(month), lang)}{tail}"
    return year


def _month(number: int, lang: str) -> str:
    """English abbreviates (Nov 2021), Slovenian writes the month out (november 2021)."""
    width = "abbreviated" if lang == "en" else "wide"
    return get_month_names(width, context="stand-alone", locale=lang)[number]


def _literal(graph: Graph, node: str, predicates: Sequence[str]) -> str | None:
    for p, o in graph.get(node, ()):
        if p in predicates and isinstance(o, ox.Literal):
            return o.value
    return None


def _link(graph: Graph, node: str, predicates: Sequence[str]) -> str | None:
    for p, o in graph.get(node, ()):
        if p in predicates and isinstance(o, ox.NamedNode | ox.BlankNode):
            return o.value
    return None


def span(begin: str | None, end: str | None, lang: str) -> str | None:
    """"since X", "until Y" or "X – Y" (one year written once when both ends fall in it)."""
    words = translations(lang)
    if begin and end:
        same_year = begin[:4] == end[:4] and len(begin) > 4 and len(end) > 4
        return words.gettext("%(begin)s – %(end)s") % {
            "begin": say_date(begin, lang, with_year=not same_year), "end": say_date(end, lang)}
    if begin:
        return words.gettext("since %(date)s") % {"date": say_date(begin, lang)}
    if end:
        return words.gettext("until %(date)s") % {"date": say_date(end, lang)}
    return None


def when(graph: Graph, node: str, lang: str, base: str = "") -> str | None:
    """When `node` held, read from the triples in `graph` (subject IRI → [(predicate IRI, object)]).

    The time chain first (`org:memberDuring` / `time:hasTime` → interval → `time:hasBeginning` /
    `time:hasEnd` → instant → `time:inXSD…`), then an instant of its own, then its start and end dates.
    """
    interval = _link(graph, node, TIME_LINKS) or node
    begin_node, end_node = _link(graph, interval, (BEGINNING,)), _link(graph, interval, (END,))
    begin = _literal(graph, begin_node, IN_TIME) if begin_node else None
    end = _literal(graph, end_node, IN_TIME) if end_node else None
    if begin or end:
        return span(begin, end, lang)
    instant = _literal(graph, interval, IN_TIME)
    if instant:
        return say_date(instant, lang)
    begins = tuple(p if p.startswith("http") else base + p for p in BEGIN_LITERALS)
    return span(_literal(graph, node, begins), _literal(graph, node, END_LITERALS), lang)
