"""Dataset metadata, dumps and the published validation report, over HTTP."""

from __future__ import annotations

import gzip
import hashlib
import json

import rdflib
from rdflib.compare import isomorphic

VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")


def test_void_well_known(served, http):
    r = http.get(served.url(".well-known/void"), headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    dataset = rdflib.URIRef(served.url("dataset"))
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in g
    assert (dataset, VOID.sparqlEndpoint, rdflib.URIRef(served.url("sparql"))) in g
    assert (dataset, VOID.uriSpace, None) in g
    dumps = set(g.objects(dataset, VOID.dataDump))
    assert rdflib.URIRef(served.url("dataset/dump.ttl")) in dumps
    for dump in dumps:  # every advertised dump is really there
        assert http.head(str(dump)).status_code == 200, dump
    triples = int(g.value(dataset, VOID.triples))
    count = http.get(served.url("sparql"), params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                 f"FILTER(?g != <{served.pub.metadata_graph_iri}>) }}"
    }).json()
    assert triples == int(count["results"]["bindings"][0]["n"]["value"])


def test_void_for_people_names_the_page_it_sends(served, http):
    r = http.get(served.url(".well-known/void"), headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    located = http.get(r.headers["Content-Location"], headers={"Accept": "text/html"})
    assert located.status_code == 200 and located.text == r.text


def test_catalogue_is_harvestable(served, http):
    g = rdflib.Graph().parse(data=http.get(served.url("catalogue.ttl")).text, format="turtle")
    catalogue = rdflib.URIRef(served.url("catalogue"))
    assert (catalogue, rdflib.RDF.type, DCAT.Catalog) in g
    assert set(g.objects(catalogue, DCAT.dataset)) == {rdflib.URIRef(served.url("dataset"))}
    distributions = set(g.objects(rdflib.URIRef(served.url("dataset")), DCAT.distribution))
    assert len(distributions) >= 4
    for dist in distributions:
        url = g.value(dist, DCAT.downloadURL)
        media = g.value(dist, DCAT.mediaType)
        r = http.head(str(url))
        assert r.status_code == 200
        assert str(media).endswith(r.headers["Content-Type"].split(";")[0])


def test_dumps_are_stable_and_hashed(served, http):
    first = http.get(served.url("dataset/dump.nt"))
    second = http.get(served.url("dataset/dump.nt"))
    assert first.content == second.content
    assert first.headers["ETag"].strip('"') == hashlib.sha256(first.content).hexdigest()
    assert http.get(served.url("dataset/dump.nt"), headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    gz = http.get(served.url("dataset/dump.nt.gz"), headers={"Accept-Encoding": "identity"})
    assert gz.headers["Content-Type"] == "application/gzip"
    assert gzip.decompress(gz.content) == first.content
    g = rdflib.Graph().parse(data=first.text, format="nt")
    ttl = rdflib.Graph().parse(data=http.get(served.url("dataset/dump.ttl")).text, format="turtle")
    assert isomorphic(g, ttl)
    ds = rdflib.Dataset()
    ds.parse(data=http.get(served.url("dataset/dump.trig")).text, format="trig")
    names = {str(c.identifier) for c in ds.graphs() if len(c)}
    assert names >= {served.url("graph/data"), served.url("graph/ontology")}
    doc = json.loads(http.get(served.url("dataset/dump.jsonld")).text)
    assert doc["@context"] == served.url("context/v1.jsonld")


def test_unknown_dump_is_404(served, http):
    r = http.get(served.url("dataset/dump.xlsx"))
    assert r.status_code == 404 and "dump.ttl" in r.text


def test_validation_report_is_published(served, http):
    g = rdflib.Graph().parse(data=http.get(served.url("dataset/validation-report.ttl")).text, format="turtle")
    SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    report = next(g.subjects(rdflib.RDF.type, SH.ValidationReport))
    assert g.value(report, SH.conforms).toPython() is True


def test_context_is_published_and_versioned(served, http):
    r = http.get(served.url("context/v1.jsonld"))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/ld+json")
    ctx = r.json()["@context"]
    assert ctx["label"]["@container"] == "@language"
    assert http.get(served.url("context/v9.jsonld")).status_code == 404


def test_source_text_is_served_byte_for_byte(served, http):
    from ljkg.settings import PROJECT_ROOT

    r = http.get(served.url("source/mednarodno-sodelovanje.sl.txt"))
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert r.content == (PROJECT_ROOT / "source" / "mednarodno-sodelovanje.sl.txt").read_bytes()
    described = http.get(served.url("source/mednarodno-sodelovanje.sl.txt.ttl"))
    assert described.status_code == 200 and "MediaObject" in described.text
    assert http.get(served.url("source/nothing.txt")).status_code == 404
