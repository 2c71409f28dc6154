"""Dereferenceable IRIs: every format of a resource is the same graph; suffix URLs; 404s; caching; CORS."""

from __future__ import annotations

import gzip
import json

import pytest
import rdflib
from pyld import jsonld
from rdflib.compare import isomorphic

RDF_FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/ld+json": ("jsonld", "json-ld"),
}
SAMPLE = ["id/place/ljubljana", "ontology/hostedBy", "source/mednarodno-sodelovanje", "dataset", "sparql"]


def offline_loader(served):
    context = None

    def load(url, options=None):
        nonlocal context
        if url != served.url("context/v1.jsonld"):
            raise AssertionError(f"the JSON-LD client was sent to fetch {url}")
        if context is None:
            import requests

            context = requests.get(url, timeout=10).json()
        return {"contextUrl": None, "documentUrl": url, "document": context}

    return load


def parse(served, body: str, media_type: str) -> rdflib.Graph:
    if media_type == "application/ld+json":
        # a JSON-LD processor (pyld) expands it with the published context, rdflib reads the result
        expanded = jsonld.expand(json.loads(body), {"documentLoader": offline_loader(served)})
        nquads = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
        return rdflib.Graph().parse(data=nquads, format="nt")
    return rdflib.Graph().parse(data=body, format=RDF_FORMATS[media_type][1])


@pytest.mark.parametrize("path", SAMPLE)
def test_every_format_is_the_same_graph(served, http, path):
    graphs = {}
    for media_type, (suffix, _) in RDF_FORMATS.items():
        negotiated = http.get(served.url(path), headers={"Accept": media_type})
        assert negotiated.status_code == 200, (path, media_type)
        assert negotiated.headers["Content-Location"] == served.url(f"{path}.{suffix}")
        assert "Accept" in negotiated.headers["Vary"]
        by_suffix = http.get(served.url(f"{path}.{suffix}"))
        assert by_suffix.status_code == 200
        assert by_suffix.headers["Content-Type"].split(";")[0] == media_type
        graphs[media_type] = parse(served, by_suffix.text, media_type)
        assert len(graphs[media_type]) > 0
    reference = graphs["application/n-triples"]
    for media_type, graph in graphs.items():
        assert isomorphic(graph, reference), media_type


def test_description_has_outgoing_incoming_and_labels(served, http):
    g = rdflib.Graph().parse(data=http.get(served.url("id/place/ljubljana.ttl")).text, format="turtle")
    me = rdflib.URIRef(served.url("id/place/ljubljana"))
    assert (me, rdflib.RDFS.label, rdflib.Literal("Ljubljana", lang="en")) in g
    assert any(True for _ in g.subject_predicates(me))  # incoming links
    for obj in g.objects(me, None):
        if isinstance(obj, rdflib.URIRef) and obj.startswith(served.base + "id/"):
            assert any(True for _ in g.objects(obj, rdflib.RDFS.label)), obj  # neighbours' labels


@pytest.mark.parametrize("path", ["id/organisation/like", "id/organisation/icorn", "id/place/ljubljana"])
def test_description_stays_in_the_neighbourhood(served, http, path):
    """A description is the resource, its relations with their time, its links and their labels: never
    the rest of the dataset (a hub must not drag the whole graph into every response)."""
    g = rdflib.Graph().parse(data=http.get(served.url(path + ".nt")).text, format="nt")
    total = http.get(served.url("sparql"), params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
                     headers={"Accept": "application/sparql-results+json"}).json()
    assert len(g) < int(total["results"]["bindings"][0]["n"]["value"]) / 10
    me = rdflib.URIRef(served.url(path))
    strangers = {s for s in g.subjects() if s != me and not isinstance(s, rdflib.BNode)
                 and (s, None, me) not in g and (me, None, s) not in g
                 and not set(g.predicates(s, None)) <= {rdflib.RDFS.label, rdflib.SKOS.prefLabel}}
    near = set(g.subjects(None, me)) | set(g.objects(me, None))
    for _hop in range(3):  # a relation → its interval → the interval's instants
        near |= {o for r in near for o in g.objects(r, None)}
    assert strangers <= near, sorted(strangers - near)[:5]
    assert not any(str(s).startswith(served.url("dataset/")) for s in g.subjects())


def test_html_alternates_and_dataset_links(served, http):
    r = http.get(served.url("id/place/ljubljana"), headers={"Accept": "text/html"})
    assert r.headers["Content-Type"].startswith("text/html")
    links = r.headers["Link"]
    for suffix in ("ttl", "jsonld", "nt", "rdf", "html"):
        assert f"<{served.url('id/place/ljubljana.' + suffix)}>; rel=\"alternate\"" in links
    assert f"<{served.url('.well-known/void')}>; rel=\"describedby\"" in links
    assert 'rel="license"' in links


def test_unknown_iri_is_404_in_the_clients_format(served, http):
    html = http.get(served.url("id/place/atlantis"), headers={"Accept": "text/html"})
    assert html.status_code == 404 and "text/html" in html.headers["Content-Type"]
    assert "atlantis" in html.text
    turtle = http.get(served.url("id/place/atlantis"), headers={"Accept": "text/turtle"})
    assert turtle.status_code == 404 and turtle.headers["Content-Type"].startswith("text/turtle")
    assert len(rdflib.Graph().parse(data=turtle.text, format="turtle")) == 0


def test_conditional_get_and_head(served, http):
    url = served.url("id/place/ljubljana.ttl")
    first = http.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert "max-age=" in first.headers["Cache-Control"]
    assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert http.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    head = http.head(url)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.text == ""
    other = http.get(served.url("id/place/ljubljana.nt"))
    assert other.headers["ETag"] != etag  # one validator per representation


def test_gzip_for_large_bodies(served, http):
    r = http.get(served.url("ontology.ttl"), headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["Content-Encoding"] == "gzip"
    raw = r.raw.read()
    assert gzip.decompress(raw).startswith(b"@prefix") or b"<" in gzip.decompress(raw)[:200]


def test_cors_on_reads(served, http):
    r = http.get(served.url("id/place/ljubljana.jsonld"), headers={"Origin": "https://portal.example.eu"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"] and "Link" in r.headers["Access-Control-Expose-Headers"]
    pre = http.options(served.url("sparql"),
                       headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204 and "POST" in pre.headers["Access-Control-Allow-Methods"]


def test_links_stay_on_this_server(served, http):
    """Following our IRIs from a representation never leaves the server."""
    g = rdflib.Graph().parse(data=http.get(served.url("id/place/ljubljana.ttl")).text, format="turtle")
    ours = {str(t) for triple in g for t in triple if isinstance(t, rdflib.URIRef) and "127.0.0.1" in str(t)}
    assert ours
    for iri in sorted(ours)[:30]:
        assert iri.startswith(served.base)
        assert http.get(iri, headers={"Accept": "text/turtle"}).status_code == 200, iri


def test_language_of_pages(served, http):
    sl = http.get(served.url("id/place/ljubljana"), headers={"Accept": "text/html", "Accept-Language": "sl"})
    en = http.get(served.url("id/place/ljubljana"), params={"lang": "en"}, headers={"Accept": "text/html",
                                                                                      "Accept-Language": "sl"})
    assert '<html lang="sl">' in sl.text and '<html lang="en">' in en.text
    assert sl.headers["ETag"] != en.headers["ETag"]


def test_base_uri_is_used_behind_a_proxy():
    from conftest import start_server, stop_server

    s, server = start_server(base_uri="https://data.example.org/ljubljana/")
    try:
        import requests

        port = s.pub.settings.port
        local = f"http://127.0.0.1:{port}/"
        r = requests.get(local + "id/place/ljubljana", headers={"Accept": "text/turtle", "Host": "internal:8080"},
                         timeout=10)
        assert r.status_code == 200
        g = rdflib.Graph().parse(data=r.text, format="turtle")
        assert (rdflib.URIRef("https://data.example.org/ljubljana/id/place/ljubljana"), rdflib.RDFS.label, None) in g
        assert "internal" not in r.text and "127.0.0.1" not in r.text
        assert r.headers["Content-Location"] == "https://data.example.org/ljubljana/id/place/ljubljana.ttl"
        page = requests.get(local + "id/place/ljubljana", headers={"Accept": "text/html"}, timeout=10)
        assert "127.0.0.1" not in page.text
    finally:
        stop_server(s, server)
