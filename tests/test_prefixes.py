"""Every RDF file declares its prefixes as ljkg/iris.py does (same prefix, same IRI), and no file
spells one of our namespaces as an absolute IRI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from ljkg.iris import OWN_PREFIXES, VOCAB_PREFIXES
from ljkg.settings import PROJECT_ROOT

CANONICAL = {**OWN_PREFIXES, **VOCAB_PREFIXES}
PREFIX_LINE = re.compile(r"^\s*@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.", re.M)
SPARQL_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", re.M | re.I)
RDF_FILES = sorted(
    p for folder in ("ontology", "data", "shapes") for p in (PROJECT_ROOT / folder).glob("*.ttl")
) + sorted((PROJECT_ROOT / "tests" / "shapes" / "cases").rglob("*.ttl"))
QUERY_FILES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))


def test_files_found():
    assert len(RDF_FILES) > 10 and QUERY_FILES


@pytest.mark.parametrize("path", RDF_FILES + QUERY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_prefixes_agree_with_iris_py(path: Path):
    text = path.read_text(encoding="utf-8")
    pattern = SPARQL_PREFIX if path.suffix == ".rq" else PREFIX_LINE
    declared = pattern.findall(text)
    if path.suffix == ".ttl":
        assert declared, f"{path.name} declares its prefixes"
    for prefix, iri in declared:
        assert prefix in CANONICAL, f"{path.name}: prefix {prefix}: is not in ljkg/iris.py"
        expected = CANONICAL[prefix]
        assert iri == expected, f"{path.name}: {prefix}: is <{iri}>, iris.py says <{expected}>"


@pytest.mark.parametrize("path", RDF_FILES + QUERY_FILES, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_no_absolute_iri_of_our_namespace(path: Path):
    text = path.read_text(encoding="utf-8")
    for match in re.finditer(r"<([a-z][a-z0-9+.-]*:[^>\s]*)>", text):
        iri = match.group(1)
        for rel in OWN_PREFIXES.values():
            assert f"/{rel}" not in iri or any(iri.startswith(v) for v in VOCAB_PREFIXES.values()), (
                f"{path.name}: absolute IRI {iri} of our namespace {rel}: write it relative"
            )


# ---- Predeclared prefixes: any /sparql query may use them without a PREFIX line, on every store ----

SH = "http://www.w3.org/ns/shacl#"


def select(http, served, query: str) -> requests.Response:
    return http.get(served.url("sparql"), params={"query": query},
                    headers={"Accept": "application/sparql-results+json"}, timeout=20)


def values(response: requests.Response, var: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [b[var]["value"] for b in response.json()["results"]["bindings"]]


def test_vocabularies_and_our_namespaces_need_no_prefix_line(served, http):
    cities = values(select(http, served, "SELECT ?c WHERE { ?c a schema:City ; geo:hasGeometry/geo:asWKT ?w }"), "c")
    assert len(cities) == 10 and served.url("id/place/ljubljana") in cities
    terms = values(select(http, served, "SELECT ?t WHERE { VALUES ?t { ljo:Hosting place:ljubljana rdfs:label "
                                        "skosxl:Label geosparql:asWKT wgs84:lat } }"), "t")
    assert terms == [served.url("ontology/Hosting"), served.url("id/place/ljubljana"),
                     "http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2008/05/skos-xl#Label",
                     "http://www.opengis.net/ont/geosparql#asWKT", "http://www.w3.org/2003/01/geo/wgs84_pos#lat"]


def test_a_query_s_own_prefix_line_wins(served, http):
    query = "PREFIX schema: <http://example.org/mine#>\nSELECT ?t WHERE { BIND(schema:City AS ?t) }"
    assert values(select(http, served, query), "t") == ["http://example.org/mine#City"]
    # an empty answer, not schema.org's cities: the query's schema: is its own
    assert values(select(http, served, "PREFIX schema: <http://example.org/mine#>\n"
                                       "SELECT ?c WHERE { ?c a schema:City }"), "c") == []


def test_syntax_errors_still_point_into_the_users_text(served, http):
    response = select(http, served, "SELECT ?s WHERE {\n  ?s a schema:City .\n  BIND(1 AS 2) }")
    assert response.status_code == 400 and "3:13" in response.text
    unknown = select(http, served, "SELECT ?s WHERE { ?s a nope:City }")
    assert unknown.status_code == 400 and "1:" in unknown.text


def test_the_service_description_declares_them(served, http):
    from rdflib import Graph, Literal, Namespace, URIRef

    from ljkg.iris import QUERY_ONLY_PREFIXES

    sh = Namespace(SH)
    turtle = http.get(served.url("sparql"), headers={"Accept": "text/turtle"}, timeout=20)
    assert turtle.status_code == 200
    g = Graph().parse(data=turtle.text, format="turtle")
    declared = {str(g.value(d, sh.prefix)): str(g.value(d, sh.namespace))
                for d in g.objects(URIRef(served.url("sparql")), sh.declare)}
    expected = {**CANONICAL, **QUERY_ONLY_PREFIXES}
    expected = {name: served.url(iri) if not re.match(r"[a-z]+:", iri) else iri for name, iri in expected.items()}
    assert declared == expected
    assert all(isinstance(g.value(d, sh.namespace), Literal) for d in g.objects(None, sh.declare))
