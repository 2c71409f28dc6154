"""The format names standard clients send in `format=`, `output=` and `results=` are understood, each for
the query form it is sent with; a name that means nothing here leaves the choice to Accept."""

from __future__ import annotations

import warnings

import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

QUERIES = {
    "SELECT": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2",
    "ASK": "ASK { ?s ?p ?o }",
    "CONSTRUCT": "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 2",
    "DESCRIBE": "DESCRIBE <id/place/ljubljana>",
}
RESULTS = {JSON: "application/sparql-results+json", XML: "application/sparql-results+xml", CSV: "text/csv",
           TSV: "text/tab-separated-values"}
GRAPHS = {JSON: "application/ld+json", XML: "application/rdf+xml", RDFXML: "application/rdf+xml",
          TURTLE: "text/turtle", N3: "text/turtle", JSONLD: "application/ld+json"}
SPARQLWRAPPER_FORMATS = (JSON, XML, CSV, TSV, RDFXML, TURTLE, N3, JSONLD)


def expected(form: str, fmt: str) -> str:
    """What the server should send; a format the form has no such answer in (Turtle for SELECT, CSV for
    CONSTRUCT) gets the default, which is what SPARQLWrapper asks for then (Accept: */*)."""
    if form in ("SELECT", "ASK"):
        return RESULTS.get(fmt, "application/sparql-results+json")
    return GRAPHS.get(fmt, "text/turtle")


@pytest.mark.parametrize("form", QUERIES)
@pytest.mark.parametrize("fmt", SPARQLWRAPPER_FORMATS)
def test_sparqlwrapper_every_return_format(served, form, fmt):
    client = SPARQLWrapper(served.url("sparql"))
    client.setQuery(QUERIES[form])
    client.setReturnFormat(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SPARQLWrapper warns when a format does not fit the query form
        result = client.query()
        converted = result.convert()
    assert result.response.status == 200
    assert result.response.headers["Content-Type"].split(";")[0] == expected(form, fmt)
    if isinstance(converted, rdflib.Graph):
        assert len(converted) > 0
    elif isinstance(converted, dict):
        assert "boolean" in converted or converted["results"]["bindings"]
    elif isinstance(converted, bytes):
        assert converted.strip()


NAMES = {  # name: (for SELECT/ASK, for CONSTRUCT/DESCRIBE); None: not a name of that kind (Accept decides)
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "rdf+xml": (None, "application/rdf+xml"),
    "rdf": (None, "application/rdf+xml"),
    "json-ld": (None, "application/ld+json"),
    "jsonld": (None, "application/ld+json"),
    "turtle": (None, "text/turtle"),
    "ttl": (None, "text/turtle"),
    "n3": (None, "text/turtle"),
    "nt": (None, "application/n-triples"),
    "ntriples": (None, "application/n-triples"),
    "application/sparql-results+json": ("application/sparql-results+json", None),
    "text/csv; charset=utf-8": ("text/csv", None),
    "application/rdf+xml": (None, "application/rdf+xml"),
    "application/ld+json,application/x-json+ld": (None, "application/ld+json"),
    "RDF+XML": (None, "application/rdf+xml"),
}
# Accept that asks for something else than any name gives, so a name that is ignored shows.
FALLBACK = {"solutions": ("text/tab-separated-values", "text/tab-separated-values"),
            "graph": ("application/n-quads", "application/n-quads")}


@pytest.mark.parametrize("parameter", ["format", "output", "results"])
@pytest.mark.parametrize("name", NAMES)
def test_format_names_per_query_form(served, http, parameter, name):
    for kind, query, wanted in (("solutions", QUERIES["SELECT"], NAMES[name][0]),
                                ("graph", QUERIES["CONSTRUCT"], NAMES[name][1])):
        accept, fallback = FALLBACK[kind]
        r = http.get(served.url("sparql"), params={"query": query, parameter: name}, headers={"Accept": accept})
        assert r.status_code == 200, (kind, r.text)
        assert r.headers["Content-Type"].split(";")[0] == (wanted or fallback), kind


@pytest.mark.parametrize("name", ["rdf+xml", "rdf", "xml", "json-ld", "json", "ttl", "n3", "nt", "ntriples",
                                  "text/turtle", "csv", "yaml"])
def test_format_names_for_resources(served, http, name):
    table = {"rdf+xml": "application/rdf+xml", "rdf": "application/rdf+xml", "xml": "application/rdf+xml",
             "json-ld": "application/ld+json", "json": "application/ld+json", "ttl": "text/turtle",
             "n3": "text/turtle", "nt": "application/n-triples", "ntriples": "application/n-triples",
             "text/turtle": "text/turtle"}
    r = http.get(served.url("id/place/ljubljana"), params={"format": name},
                 headers={"Accept": "application/n-triples;q=0.5"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == table.get(name, "application/n-triples")


def test_form_post_names_a_format(served, http):
    r = http.post(served.url("sparql"), data={"query": QUERIES["CONSTRUCT"], "output": "rdf+xml"})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/rdf+xml")


def test_unknown_name_and_nothing_acceptable_is_406_naming_both(served, http):
    r = http.get(served.url("sparql"), params={"query": QUERIES["SELECT"], "format": "yaml"},
                 headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "'yaml'" in r.text and "image/png" in r.text


@pytest.mark.parametrize("parameter", ["format", "output", "results"])
def test_a_browser_naming_a_format_gets_that_format_not_the_page(served, http, parameter):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = http.get(served.url("sparql"), params={"query": QUERIES["SELECT"], parameter: "csv"},
                 headers={"Accept": browser})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == "text/csv"
    page = http.get(served.url("sparql"), params={"query": QUERIES["SELECT"]}, headers={"Accept": browser})
    assert page.headers["Content-Type"].startswith("text/html")
