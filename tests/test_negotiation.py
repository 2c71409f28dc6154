"""Content negotiation, case by case from tests/golden/accept.tsv, through the real server."""

from __future__ import annotations

import pytest
from conftest import TESTS

CASES = [line.split("\t") for line in (TESTS / "golden" / "accept.tsv").read_text(encoding="utf-8").splitlines()
         if line and not line.startswith("#")]
QUERIES = {
    "solutions": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    "graph": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1",
}


def test_cases_exist():
    assert len(CASES) >= 25


@pytest.mark.parametrize(("kind", "accept", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_accept(served, http, kind, accept, expected):
    headers = {} if accept == "(none)" else {"Accept": accept}
    if kind == "resource":
        response = http.get(served.url("id/place/ljubljana"), headers=headers)
    else:
        response = http.get(served.url("sparql"), params={"query": QUERIES[kind]}, headers=headers)
    if expected == "406":
        assert response.status_code == 406
        assert "Available:" in response.text
        return
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in response.headers.get("Vary", "")


def test_format_parameter_overrides_accept(served, http):
    r = http.get(served.url("sparql"), params={"query": QUERIES["solutions"], "format": "csv"},
                 headers={"Accept": "application/sparql-results+xml"})
    assert r.headers["Content-Type"].startswith("text/csv")
    r = http.get(served.url("id/place/ljubljana"), params={"format": "jsonld"}, headers={"Accept": "text/turtle"})
    assert r.headers["Content-Type"].startswith("application/ld+json")


def test_unknown_format_parameter_falls_back_to_accept(served, http):
    r = http.get(served.url("sparql"), params={"query": QUERIES["solutions"], "format": "yaml"},
                 headers={"Accept": "text/csv"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/csv")
    r = http.get(served.url("sparql"), params={"query": QUERIES["solutions"], "format": "yaml"},
                 headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "yaml" in r.text
