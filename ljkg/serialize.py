"""Triples and query solutions to bytes, with pyoxigraph's writers (JSON-LD through jsonld.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from .formats import JSONLD, Format
from .jsonld import JsonLd

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def graph_bytes(triples: Sequence, fmt: Format, jsonld: JsonLd, prefixes: dict[str, str] | None = None,
                frame_iri: str | None = None) -> bytes:
    """Serialise triples (or quads, for N-Quads/TriG) in a format; JSON-LD is compacted (or framed)."""
    if fmt is JSONLD:
        if frame_iri is not None:
            return jsonld.dumps(jsonld.frame_resource(triples, frame_iri))
        return jsonld.dumps(jsonld.compact(triples))
    items = list(triples)
    if fmt.rdf in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG) and items and isinstance(items[0], ox.Triple):
        items = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in items]
    if fmt.rdf in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) and prefixes:
        used = _used_prefixes(items, prefixes)
        return ox.serialize(items, format=fmt.rdf, prefixes=used)
    return ox.serialize(items, format=fmt.rdf)


def by_subject(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Triples sorted by subject, rdf:type first, then by property and value: pyoxigraph's Turtle writer
    groups only consecutive triples of one subject (``s p o ; p o .``), so this is what makes a document
    read one resource at a time."""
    return sorted(triples, key=lambda t: (str(t.subject), t.predicate.value != RDF_TYPE, str(t.predicate),
                                          str(t.object)))


def _used_prefixes(items: Iterable, prefixes: dict[str, str]) -> dict[str, str]:
    """Only the prefixes a document uses, so Turtle stays readable."""
    iris = set()
    for item in items:
        for term in (item.subject, item.predicate, item.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    used = {}
    for iri in iris:
        for prefix, ns in ordered:
            if iri.startswith(ns):
                used[prefix] = ns
                break
    return dict(sorted(used.items()))


def solutions_bytes(variables: Sequence[str], rows: Sequence[ox.QuerySolution], fmt: Format) -> bytes:
    """Serialise (possibly truncated) SELECT rows with pyoxigraph's result writers.

    pyoxigraph writes only whole result iterators, so the kept rows go through its TSV reader first:
    TSV's term syntax is exactly what str() of a pyoxigraph term gives.
    """
    lines = ["\t".join("?" + v for v in variables)]
    for row in rows:
        lines.append("\t".join("" if row[v] is None else str(row[v]) for v in variables))
    tsv = ("\n".join(lines) + "\n").encode("utf-8")
    if fmt.results is ox.QueryResultsFormat.TSV:
        return tsv
    return ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=fmt.results)
