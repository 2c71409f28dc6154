"""The SPARQL 1.1 Protocol at /sparql, spoken by real clients (SPARQLWrapper, rdflib's SPARQLStore)."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
import rdflib
from conftest import STORES, start_server, stop_server
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TSV, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { <id/place/ljubljana> rdfs:label ?label } ORDER BY ?label"""


def wrapper(served, fmt=JSON, method=None) -> SPARQLWrapper:
    sw = SPARQLWrapper(served.url("sparql"))
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    return sw


def test_sparqlwrapper_select_json_get_and_post(served):
    for method in (None, POST):
        sw = wrapper(served, JSON, method)
        sw.setQuery(LABELS)
        result = sw.queryAndConvert()
        labels = {(b["label"]["value"], b["label"]["xml:lang"]) for b in result["results"]["bindings"]}
        assert labels == {("Ljubljana", "sl"), ("Ljubljana", "en")}


@pytest.mark.parametrize("fmt", [XML, CSV, TSV])
def test_sparqlwrapper_other_result_formats(served, fmt):
    sw = wrapper(served, fmt)
    sw.setQuery(COUNT)
    body = sw.query().response.read().decode("utf-8")
    assert body  # parsed by format below
    if fmt == CSV:
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0] == ["n"] and int(rows[1][0]) > 100
    elif fmt == TSV:
        lines = body.splitlines()
        assert lines[0] == "?n" and int(lines[1].split("^^")[0].strip('"')) > 100


def test_sparqlwrapper_ask_and_construct(served):
    sw = wrapper(served, JSON)
    sw.setQuery("ASK { <id/place/ljubljana> ?p ?o }")
    assert sw.queryAndConvert()["boolean"] is True
    sw = SPARQLWrapper(served.url("sparql"))
    sw.setQuery("CONSTRUCT { <id/place/ljubljana> ?p ?o } WHERE { <id/place/ljubljana> ?p ?o }")
    graph = sw.queryAndConvert()
    assert isinstance(graph, rdflib.Graph)
    city = rdflib.URIRef(served.url("id/place/ljubljana"))
    assert (city, rdflib.RDFS.label, rdflib.Literal("Ljubljana", lang="sl")) in graph


def test_rdflib_sparqlstore(served):
    store = SPARQLStore(served.url("sparql"), returnFormat="json")
    graph = rdflib.Graph(store=store)
    city = served.url("id/place/ljubljana")
    rows = list(graph.query(f"SELECT ?o WHERE {{ <{city}> <http://www.w3.org/2000/01/rdf-schema#label> ?o }}"))
    assert {str(r[0]) for r in rows} == {"Ljubljana"}
    assert len(graph) > 100  # SPARQLStore counts with a query


def test_post_sparql_query_body(served, http):
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
    r = http.post(served.url("sparql"), data=COUNT.encode(), headers=headers)
    assert r.status_code == 200
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 100


def test_protocol_graphs_beat_from(served, http):
    ontology = served.url("graph/ontology")
    data = served.url("graph/data")
    q = f"SELECT (COUNT(*) AS ?n) FROM <{data}> WHERE {{ ?s a <http://www.w3.org/2002/07/owl#Ontology> }}"
    only_data = http.get(served.url("sparql"), params={"query": q}).json()
    assert only_data["results"]["bindings"][0]["n"]["value"] == "0"
    overridden = http.get(served.url("sparql"), params={"query": q, "default-graph-uri": ontology}).json()
    assert overridden["results"]["bindings"][0]["n"]["value"] == "1"
    named = http.get(served.url("sparql"), params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": data}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [data]


def test_default_graph_is_union_of_named_graphs(served, http):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    total = int(http.get(served.url("sparql"), params={"query": q}).json()["results"]["bindings"][0]["n"]["value"])
    per_graph = http.get(served.url("sparql"), params={
        "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"}).json()
    assert total == sum(int(b["n"]["value"]) for b in per_graph["results"]["bindings"])


# --- errors -------------------------------------------------------------------------------------------

def test_malformed_query_is_400_with_position(served, http):
    r = http.get(served.url("sparql"), params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "1:" in r.text and "malformed" in r.text.lower()
    r = http.get(served.url("sparql"), params={"query": "SELEC"}, headers={"Accept": "application/json"})
    body = r.json()
    assert r.status_code == 400 and body["status"] == 400 and body["error"] == "Malformed query"
    assert body["message"].startswith("error at 1:") and "malformed" not in body["message"].lower()  # said once


def test_sparqlwrapper_sees_bad_query(served):
    sw = wrapper(served)
    sw.setQuery("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed):
        sw.query()


def test_no_query_plain_get_is_service_description(served, http):
    r = http.get(served.url("sparql"), headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(served.url("sparql"))
    assert (None, SD.endpoint, endpoint) in g
    assert (None, SD.feature, SD.UnionDefaultGraph) in g
    assert (None, SD.supportedLanguage, SD.SPARQL11Query) in g


def test_post_without_query_is_400(served, http):
    r = http.post(served.url("sparql"), data={"nothing": "here"})
    assert r.status_code == 400 and "query" in r.text


def test_duplicate_query_parameter_is_400(served, http):
    r = http.get(served.url("sparql") + "?query=ASK%7B%7D&query=ASK%7B%7D")
    assert r.status_code == 400 and "once" in r.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_with_allow(served, http, method):
    r = http.request(method, served.url("sparql"))
    assert r.status_code == 405
    assert "GET" in r.headers["Allow"] and "POST" in r.headers["Allow"]


def test_unsupported_body_type_is_415(served, http):
    r = http.post(served.url("sparql"), data="<x/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415 and "application/sparql-query" in r.text


@pytest.mark.parametrize("how", ["form", "body", "query"])
def test_updates_are_refused(served, http, how):
    update = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
    if how == "form":
        r = http.post(served.url("sparql"), data={"update": update})
    elif how == "body":
        r = http.post(served.url("sparql"), data=update, headers={"Content-Type": "application/sparql-update"})
    else:
        r = http.post(served.url("sparql"), data={"query": update})
    assert r.status_code == 403 and "read-only" in r.text
    ask = http.get(served.url("sparql"), params={"query": "ASK { <http://example.org/a> ?p ?o }"}).json()
    assert ask["boolean"] is False  # nothing changed


def test_service_is_refused_without_fetching(served, http):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    r = http.get(served.url("sparql"), params={"query": q})
    assert r.status_code == 400 and "SERVICE" in r.text and "--allow-remote" in r.text


def test_service_in_a_string_is_not_mistaken(served, http):
    q = 'SELECT ?x WHERE { BIND("SERVICE <http://x>" AS ?x) }'
    r = http.get(served.url("sparql"), params={"query": q})
    assert r.status_code == 200 and r.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


def test_query_too_long_is_413(served, http):
    q = "ASK {}" + " " * 200_000
    r = http.post(served.url("sparql"), data={"query": q})
    assert r.status_code == 413


HOSTILE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.parametrize("store", STORES)
def test_timeout_is_503_and_really_stops(store):
    s, server = start_server(store, query_timeout=1.0, query_workers=1)
    try:
        import requests

        started = time.monotonic()
        r = requests.get(s.url("sparql"), params={"query": HOSTILE}, timeout=30)
        elapsed = time.monotonic() - started
        assert r.status_code == 503
        assert r.headers["Retry-After"]
        assert "time limit" in r.text
        assert elapsed < 5
        if store == "remote":  # stopping it there is the backend's own timeout (started with --timeout-s)
            assert s.pub.store.timeout == 1.0
        else:
            assert s.pub.store.pool.killed == 1
        # the only query process was killed and replaced: a cheap query is answered at once
        ok = requests.get(s.url("sparql"), params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert ok.status_code == 200 and ok.json()["boolean"] is True
    finally:
        stop_server(s, server)


# Sorting every pair of triples: the solutions are kept in memory (tens of MiB a second on the example data).
MEMORY_HUNGRY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 1"


@pytest.mark.parametrize("store", ["memory", "disk"])  # (a remote engine bounds its own memory)
def test_a_query_over_the_memory_limit_is_503_and_the_server_answers_on(store):
    s, server = start_server(store, query_memory=32, query_timeout=30.0)
    try:
        import requests

        started = time.monotonic()
        r = requests.get(s.url("sparql"), params={"query": MEMORY_HUNGRY}, headers={"Accept": "application/json"},
                         timeout=60)
        assert r.status_code == 503
        assert r.json()["error"] == "Query Over Memory Limit" and "32 MiB" in r.json()["message"]
        assert time.monotonic() - started < 15  # stopped long before its time limit
        assert s.pub.store.pool.killed == 2  # its process, then the fresh one it was given
        ok = requests.get(s.url("sparql"), params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert ok.status_code == 200 and ok.json()["boolean"] is True
    finally:
        stop_server(s, server)


@pytest.mark.parametrize("store", STORES)
def test_row_limit_is_signalled(store):
    s, server = start_server(store, row_limit=5)
    try:
        import requests

        r = requests.get(s.url("sparql"), params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=10)
        body = r.json()
        assert len(body["results"]["bindings"]) == 5
        assert body["truncated"] is True and body["limit"] == 5
        assert r.headers["X-Truncated"] == "true"
        small = requests.get(s.url("sparql"), params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}, timeout=10)
        assert "X-Truncated" not in small.headers and "truncated" not in small.json()
        g = requests.get(s.url("sparql"), params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                         headers={"Accept": "application/n-triples"}, timeout=10)
        assert g.headers["X-Truncated"] == "true" and len(g.text.strip().splitlines()) == 5
    finally:
        stop_server(s, server)


def test_results_json_is_valid_sparql_json(served, http):
    r = http.get(served.url("sparql"), params={"query": LABELS}, headers={"Accept": "application/sparql-results+json"})
    doc = json.loads(r.text)
    assert doc["head"]["vars"] == ["label"]
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_repeated_query_is_answered_from_cache_or_304(served, http):
    from ljkg.sparql import QueryJob

    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?class } # cache probe"
    accept = "application/sparql-results+json"
    first = http.get(served.url("sparql"), params={"query": query}, headers={"Accept": accept})
    assert first.status_code == 200 and first.headers["ETag"].startswith('W/"')
    assert QueryJob(query=query, accept=accept) in served.pub.answers  # the next one skips the store
    cached = http.get(served.url("sparql"), params={"query": query}, headers={"Accept": accept})
    assert cached.content == first.content and cached.headers["ETag"] == first.headers["ETag"]
    again = http.get(served.url("sparql"), params={"query": query},
                     headers={"Accept": accept, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.content
    as_csv = http.get(served.url("sparql"), params={"query": query},
                      headers={"Accept": "text/csv", "If-None-Match": first.headers["ETag"]})
    assert as_csv.status_code == 200 and as_csv.headers["ETag"] != first.headers["ETag"]
    other = http.get(served.url("sparql"), params={"query": query + " 2"},
                     headers={"Accept": accept, "If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200
