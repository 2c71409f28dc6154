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


# --- one shape per key, and the published JSON Schema (docs/jsonld.md) -------------------------------------

METADATA_PATHS = ("sparql", "catalogue", "dataset", "graph/", "dataset/", "context/", ".well-known/")


def _resource_documents(served, http) -> dict[str, dict]:
    """Every resource of ours that the resource view frames, as JSON-LD."""
    query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), '{served.url()}')) }}"
    rows = http.get(served.url("sparql"), params={"query": query},
                    headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    documents = {}
    for row in rows:
        iri = row["s"]["value"]
        path = iri[len(served.url()):]
        if "#" in iri or path in ("", "ontology") or path.startswith(METADATA_PATHS) or path.endswith(".txt"):
            continue
        response = http.get(iri, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, iri
        documents[iri] = response.json()
    assert len(documents) > 150
    return documents


def _shape(value) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "value" if "@value" in value else "object"
    return "string" if isinstance(value, str) else type(value).__name__


def _key_shapes(node, found: dict) -> None:
    if isinstance(node, list):
        for item in node:
            _key_shapes(item, found)
    elif isinstance(node, dict) and "@value" not in node:
        for key, value in node.items():
            if key in ("@context", "@included"):
                _key_shapes(value, found)
                continue
            found.setdefault(key, set()).add(_shape(value))
            if not key.startswith("@") and key not in ("label", "prefLabel", "altLabel", "name", "title",
                                                       "description", "definition", "comment", "unitText",
                                                       "jobTitle"):
                _key_shapes(value, found)


def test_every_key_has_one_shape_in_every_resource_document(served, http):
    found: dict[str, set] = {}
    for document in _resource_documents(served, http).values():
        _key_shapes(document, found)
    assert found["sameAs"] == {"array"} and found["derivedFrom"] == {"array"}
    varying = {key: shapes for key, shapes in found.items() if len(shapes) > 1}
    assert not varying, varying


def test_links_are_full_iris_and_relations_nested(served, http):
    ljubljana = http.get(served.url("id/place/ljubljana"), headers={"Accept": "application/ld+json"}).json()
    assert sorted(ljubljana["sameAs"]) == ["http://www.wikidata.org/entity/Q437", "https://sws.geonames.org/3196359/"]
    assert ljubljana["type"] == ["City"]
    assert all(link.startswith(served.url("source/")) for link in ljubljana["derivedFrom"])
    hosting = ljubljana["hostings"][0]
    assert isinstance(hosting, dict) and hosting["hostCity"] == served.url("id/place/ljubljana")
    assert all(isinstance(guest, str) for guest in hosting["guest"])
    labelled = {node["id"]: node for node in ljubljana["@included"]}
    assert labelled["https://sws.geonames.org/3196359/"]["label"]["en"] == "Ljubljana"
    assert served.url("source/mednarodno-sodelovanje/s12") in labelled


def test_every_resource_document_validates_against_the_published_schema(served, http):
    import jsonschema

    schema = http.get(served.url("context/v1.schema.json"))
    assert schema.status_code == 200 and schema.headers["Content-Type"] == "application/schema+json"
    validator = jsonschema.Draft202012Validator(schema.json())
    validator.check_schema(schema.json())
    failures = {iri: [error.message for error in validator.iter_errors(document)][:3]
                for iri, document in _resource_documents(served, http).items()
                if not validator.is_valid(document)}
    assert not failures, failures
