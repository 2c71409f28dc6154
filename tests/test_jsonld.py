"""JSON-LD for developers: one published context, compact keys, n-ary relations nested, nothing fetched."""

from __future__ import annotations

import pytest


def test_membership_nested_with_network_and_year(served, http):
    doc = http.get(served.url("id/organisation/mol"), headers={"Accept": "application/json"}).json()
    assert doc["@context"] == served.url("context/v1.jsonld")
    assert doc["id"] == served.url("id/organisation/mol")
    assert doc["label"] == {"sl": "Mestna občina Ljubljana", "en": "City Municipality of Ljubljana"}
    by_network = {}
    for m in doc["memberships"]:
        network = m["organization"]
        network_id = network["id"] if isinstance(network, dict) else network
        by_network[network_id] = m["memberDuring"]["since"]["year"]
    assert by_network[served.url("id/organisation/like")] == "1994"
    assert by_network[served.url("id/organisation/icorn")] == "2011"
    assert served.url("id/organisation/like") in [n if isinstance(n, str) else n["id"] for n in doc["memberOf"]]


@pytest.mark.parametrize("path", ["id/place/budapest", "id/place/sofia", "id/place/lille"])
def test_same_keys_for_resources_of_a_type(served, http, path):
    doc = http.get(served.url(path + ".jsonld")).json()
    assert {"id", "type", "label", "sameAs"} <= set(doc)
    assert set(doc["label"]) == {"sl", "en"}
    assert all(isinstance(link, str) for link in doc["sameAs"])


def test_context_has_the_documented_keys(served, http):
    ctx = http.get(served.url("context/v1.jsonld")).json()["@context"]
    for key in ("label", "memberOf", "memberships", "since", "year", "hostedBy", "derivedFrom", "sameAs"):
        assert key in ctx, key
    assert not any(str(v).startswith("http://127.0.0.1") and k.endswith(":") for k, v in ctx.items())


def test_construct_results_use_the_context(served, http):
    r = http.get(served.url("sparql"), params={
        "query": "CONSTRUCT { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } WHERE { "
                 "<id/place/ljubljana> <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                 "BIND(<id/place/ljubljana> AS ?s) }"},
        headers={"Accept": "application/ld+json"})
    doc = r.json()
    assert doc["@context"] == served.url("context/v1.jsonld")
    assert doc["label"] == {"sl": "Ljubljana", "en": "Ljubljana"}
