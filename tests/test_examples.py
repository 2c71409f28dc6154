"""The examples as a user meets them: on the query page in their language, grouped by topic, each giving its
golden answer when sent to /sparql (on every store); and as RDF at /.well-known/sparql-examples."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pyoxigraph as ox
import pytest
import rdflib
from conftest import run_select
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from test_queries import LANGS, QUERIES, compare, golden_file, render, variables

from ljkg.examples import TOPICS, parse

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SCHEMA = rdflib.Namespace("https://schema.org/")


class ExampleLinks(HTMLParser):
    """The topic headings and the example links (title, data-query) of the page's #examples section."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.depth = 0
        self.topics: list[str] = []
        self.links: list[dict] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("id") == "examples":
            self.inside = True
        if not self.inside:
            return
        if tag == "section":
            self.depth += 1
        if tag == "h3" or (tag == "a" and "example" in (attrs.get("class") or "").split()):
            self._text = []
            if tag == "a":
                self.links.append({"query": attrs.get("data-query"), "view": attrs.get("data-view")})

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag in ("h3", "a") and self._text is not None:
            text = "".join(self._text).strip()
            (self.topics.append(text) if tag == "h3" else self.links[-1].__setitem__("title", text))
            self._text = None
        if tag == "section":
            self.depth -= 1
            if self.depth == 0:
                self.inside = False


def page_examples(served, http, lang: str) -> ExampleLinks:
    response = http.get(served.url("sparql"), params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    parser = ExampleLinks()
    parser.feed(response.text)
    return parser


def http_rows(served, query: str) -> list[dict]:
    """The answer /sparql gives, terms written as the golden files write them (our IRIs without the base)."""
    client = SPARQLWrapper(served.url("sparql"))
    client.setMethod(POST)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    document = client.queryAndConvert()
    rows = []
    for binding in document["results"]["bindings"]:
        row = {}
        for name in document["head"]["vars"]:
            term = binding.get(name)
            row[name] = None if term is None else text_of(term, served.base)
        rows.append(row)
    return rows


def text_of(term: dict, base: str) -> str:
    if term["type"] == "uri":
        return "<" + term["value"].removeprefix(base) + ">"
    if "xml:lang" in term:
        return f"{term['value']}@{term['xml:lang']}"
    datatype = term.get("datatype", "http://www.w3.org/2001/XMLSchema#string")
    return term["value"] if datatype.endswith("#string") else f"{term['value']}^^{datatype.rsplit('#', 1)[-1]}"


@pytest.mark.parametrize("lang", LANGS)
def test_examples_on_the_page_give_their_golden_answers(served, http, lang):
    """Every example link of the page, in the page's language, run against /sparql, answers as golden."""
    page = page_examples(served, http, lang)
    assert len(page.links) == len(QUERIES)
    by_title = {parse(p.stem, p.read_text(encoding="utf-8")).title(lang): p for p in QUERIES}
    for link in page.links:
        path = by_title[link["title"]]  # the title is shown in the page's language
        query = link["query"]
        assert "#defaultView:" in query, "the view comment stays in the text served"
        got = render(variables(query), http_rows(served, query))
        compare(query, got, golden_file(path.stem, lang).read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("lang", LANGS)
def test_examples_are_grouped_by_topic_in_the_page_language(served, http, lang):
    page = page_examples(served, http, lang)
    used = {parse(p.stem, p.read_text(encoding="utf-8")).topic for p in QUERIES}
    expected = [TOPICS[t][1 if lang == "sl" else 0] for t in TOPICS if t in used]
    assert page.topics == expected
    views = {link["view"] for link in page.links}
    assert {"Table", "Timeline", "Map"} <= views


def test_labels_fall_back_to_the_other_language():
    """A thing labelled only in English still gets its label in the Slovenian text of an example."""
    store = ox.Store()
    thing = ox.NamedNode("http://ljkg.test/id/place/nowhere")
    store.add(ox.Quad(thing, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                      ox.Literal("Only in English", language="en")))
    store.add(ox.Quad(thing, ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"),
                      ox.NamedNode("http://www.wikidata.org/entity/Q1")))
    path = next(p for p in QUERIES if p.stem.startswith("15-"))
    query = parse(path.stem, path.read_text(encoding="utf-8")).in_language("sl")
    rows = run_select(store, query)
    assert [r["label"] for r in rows] == ["Only in English@en"]


def examples_graph(served, http, accept: str, fmt: str) -> rdflib.Graph:
    response = http.get(served.url(".well-known/sparql-examples"), headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(accept)
    graph = rdflib.Graph()
    graph.parse(data=response.content, format=fmt, publicID=served.url(".well-known/sparql-examples"))
    return graph


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", "turtle"), ("application/ld+json", "json-ld")])
def test_examples_published_as_shacl_executables(served, http, accept, fmt):
    graph = examples_graph(served, http, accept, fmt)
    executables = sorted(graph.subjects(rdflib.RDF.type, SH.SPARQLExecutable))
    assert len(executables) == len(QUERIES), "one executable per example file"
    sparql = rdflib.URIRef(served.url("sparql"))
    for node, path in zip(executables, QUERIES, strict=True):
        assert str(node) == served.url(f".well-known/sparql-examples#{path.stem}")
        assert (node, rdflib.RDF.type, SH.SPARQLSelectExecutable) in graph
        assert {lit.language for lit in graph.objects(node, rdflib.RDFS.label)} == {"en", "sl"}
        assert {lit.language for lit in graph.objects(node, rdflib.RDFS.comment)} == {"en", "sl"}
        assert (node, SCHEMA.target, sparql) in graph
        assert {lit.language for lit in graph.objects(node, SCHEMA.keywords)} == {"en", "sl"}
        text = str(graph.value(node, SH.select))
        assert text.startswith(f"BASE <{served.base}>") and path.read_text(encoding="utf-8") in text
        # the published text runs as it is and gives the English golden answer
        got = render(variables(text), http_rows(served, text))
        compare(text, got, golden_file(path.stem, "en").read_text(encoding="utf-8").splitlines())


def test_examples_linked_from_dataset_and_service(served, http):
    response = http.get(served.url(".well-known/void"), headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.content, format="turtle")
    examples = rdflib.URIRef(served.url(".well-known/sparql-examples"))
    assert (rdflib.URIRef(served.url("dataset")), rdflib.FOAF.page, examples) in graph
    assert (rdflib.URIRef(served.url("sparql")), rdflib.RDFS.seeAlso, examples) in graph


def test_examples_suffixes_and_unknown_suffix(served, http):
    assert http.get(served.url(".well-known/sparql-examples.nt")).headers["Content-Type"].startswith(
        "application/n-triples")
    missing = http.get(served.url(".well-known/sparql-examples.csv"))
    assert missing.status_code == 404 and re.search(r"sparql-examples\.ttl", missing.text)
