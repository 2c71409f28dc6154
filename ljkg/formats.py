"""THE format table: every representation the server offers, looked up by media type, suffix or name.

Views never spell a media type; they ask this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    name: str  # the `format=` parameter value
    media_type: str
    label: str
    suffix: str | None = None  # for suffix URLs (resources, dumps)
    aliases: tuple[str, ...] = field(default=())  # other media types it answers to
    rdf: ox.RdfFormat | None = None
    results: ox.QueryResultsFormat | None = None
    charset: bool = True
    names: tuple[str, ...] = field(default=())  # other `format=` / `output=` / `results=` values it answers to

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


HTML = Format("html", "text/html", "HTML", suffix="html", aliases=("application/xhtml+xml",))
TURTLE = Format("turtle", "text/turtle", "Turtle", suffix="ttl", aliases=("application/x-turtle",),
                rdf=ox.RdfFormat.TURTLE,
                names=("ttl", "n3", "text/n3", "text/rdf+n3", "application/n3", "application/turtle"))
JSONLD = Format("jsonld", "application/ld+json", "JSON-LD", suffix="jsonld", aliases=("application/json",),
                rdf=ox.RdfFormat.JSON_LD,
                names=("json-ld", "json", "application/x-json+ld"))
NTRIPLES = Format("ntriples", "application/n-triples", "N-Triples", suffix="nt", rdf=ox.RdfFormat.N_TRIPLES,
                  names=("n-triples", "nt", "text/plain"))
RDFXML = Format("rdfxml", "application/rdf+xml", "RDF/XML", suffix="rdf", rdf=ox.RdfFormat.RDF_XML,
                names=("xml", "rdf/xml", "rdf+xml", "rdf", "application/xml", "text/xml"))
NQUADS = Format("nquads", "application/n-quads", "N-Quads", suffix="nq", rdf=ox.RdfFormat.N_QUADS,
                names=("n-quads",))
TRIG = Format("trig", "application/trig", "TriG", suffix="trig", rdf=ox.RdfFormat.TRIG)

RESULTS_JSON = Format("json", "application/sparql-results+json", "SPARQL JSON", suffix="srj",
                      aliases=("application/json",), results=ox.QueryResultsFormat.JSON,
                      names=("sparql-results+json", "text/javascript", "application/javascript"))
RESULTS_XML = Format("xml", "application/sparql-results+xml", "SPARQL XML", suffix="srx",
                     aliases=("application/xml", "text/xml"), results=ox.QueryResultsFormat.XML,
                     names=("sparql-results+xml",))
RESULTS_CSV = Format("csv", "text/csv", "CSV", suffix="csv", results=ox.QueryResultsFormat.CSV)
RESULTS_TSV = Format("tsv", "text/tab-separated-values", "TSV", suffix="tsv", results=ox.QueryResultsFormat.TSV)

JSON = Format("json", "application/json", "JSON", suffix="json")  # plain JSON documents (search answers)

# The names clients put in `format=`, `output=` or `results=` (SPARQLWrapper: json, xml, turtle, n3, rdf, rdf+xml,
# csv, tsv, json-ld; Jena, Virtuoso and curl users: the same, short names, or media types). One name can mean
# two formats, e.g. `json` and `xml`, and each offered tuple below holds at most one of them: SPARQL JSON / XML
# results for SELECT and ASK, JSON-LD / RDF/XML for graphs.
# What each kind of response offers, in order of preference (the first is the default for */*).
RESOURCE = (TURTLE, HTML, JSONLD, NTRIPLES, RDFXML)
GRAPH_RESULTS = (TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, TRIG)
SOLUTIONS = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
DUMPS = (TURTLE, NTRIPLES, JSONLD, NQUADS, TRIG)
METADATA = (TURTLE, JSONLD, HTML, NTRIPLES, RDFXML)
SEARCH = (HTML, JSON, RESULTS_CSV)
LISTS = SEARCH  # /browse/<class> lists: the same three, a browser (and curl) get the page

ALL = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, TRIG, RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
BY_SUFFIX = {f.suffix: f for f in ALL if f.suffix}
RESOURCE_SUFFIXES = tuple(f.suffix for f in RESOURCE)


def by_name(value: str, offered: tuple[Format, ...]) -> Format | None:
    """Resolve a `format=` value: a short name, a suffix or a media type, among the offered formats.

    A comma-separated list (SPARQLWrapper sends `results=application/ld+json,application/x-json+ld`) gives
    the first item known here. Media type parameters are ignored, and a space reads as `+`: `?format=rdf+xml`
    typed into a URL by hand arrives as "rdf xml" (a `+` in a query string is a space), and no name has a
    space of its own.
    """
    for item in value.split(",", 32)[:32]:
        name = item.split(";", 1)[0].strip().lower().replace(" ", "+")
        for fmt in offered:
            if name in (fmt.name, fmt.suffix, *fmt.names) or name in fmt.media_types:
                return fmt
    return None
