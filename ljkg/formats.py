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
    names: tuple[str, ...] = field(default=())  # other `format=` values it answers to

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


HTML = Format("html", "text/html", "HTML", suffix="html", aliases=("application/xhtml+xml",))
TURTLE = Format("turtle", "text/turtle", "Turtle", suffix="ttl", aliases=("application/x-turtle",),
                rdf=ox.RdfFormat.TURTLE, names=("ttl", "n3"))
JSONLD = Format("jsonld", "application/ld+json", "JSON-LD", suffix="jsonld", aliases=("application/json",),
                rdf=ox.RdfFormat.JSON_LD, names=("json-ld", "json"))
NTRIPLES = Format("ntriples", "application/n-triples", "N-Triples", suffix="nt", rdf=ox.RdfFormat.N_TRIPLES,
                  names=("n-triples", "nt"))
RDFXML = Format("rdfxml", "application/rdf+xml", "RDF/XML", suffix="rdf", rdf=ox.RdfFormat.RDF_XML,
                names=("xml", "rdf/xml"))
NQUADS = Format("nquads", "application/n-quads", "N-Quads", suffix="nq", rdf=ox.RdfFormat.N_QUADS)
TRIG = Format("trig", "application/trig", "TriG", suffix="trig", rdf=ox.RdfFormat.TRIG)

RESULTS_JSON = Format("json", "application/sparql-results+json", "SPARQL JSON", suffix="srj",
                      aliases=("application/json",), results=ox.QueryResultsFormat.JSON)
RESULTS_XML = Format("xml", "application/sparql-results+xml", "SPARQL XML", suffix="srx",
                     aliases=("application/xml", "text/xml"), results=ox.QueryResultsFormat.XML)
RESULTS_CSV = Format("csv", "text/csv", "CSV", suffix="csv", results=ox.QueryResultsFormat.CSV)
RESULTS_TSV = Format("tsv", "text/tab-separated-values", "TSV", suffix="tsv", results=ox.QueryResultsFormat.TSV)

JSON = Format("json", "application/json", "JSON", suffix="json")  # plain JSON documents (search answers)

# What each kind of response offers, in order of preference (the first is the default for */*).
RESOURCE = (TURTLE, HTML, JSONLD, NTRIPLES, RDFXML)
GRAPH_RESULTS = (TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, TRIG)
SOLUTIONS = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
DUMPS = (TURTLE, NTRIPLES, JSONLD, NQUADS, TRIG)
METADATA = (TURTLE, JSONLD, HTML, NTRIPLES, RDFXML)
SEARCH = (HTML, JSON, RESULTS_CSV)

ALL = (HTML, TURTLE, JSONLD, NTRIPLES, RDFXML, NQUADS, TRIG, RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
BY_SUFFIX = {f.suffix: f for f in ALL if f.suffix}
RESOURCE_SUFFIXES = tuple(f.suffix for f in RESOURCE)


def by_name(value: str, offered: tuple[Format, ...]) -> Format | None:
    """Resolve a `format=` value: a short name, a suffix or a media type, among the offered formats."""
    value = value.strip().lower()
    for fmt in offered:
        if value in (fmt.name, fmt.suffix, *fmt.names) or value in fmt.media_types:
            return fmt
    return None
