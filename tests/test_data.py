"""The data: one focused check per fact of the issue (beyond the golden query answers), then the
graph-wide rules: no blank nodes, sl+en labels, only verified external links, no stray IRIs."""

from __future__ import annotations

import csv
import re

import pytest
from conftest import TEST_BASE, TESTS, run_select
from rdflib import RDF, RDFS, BNode, Literal, URIRef

from ljkg.iris import LINK_TARGETS, VOCAB_PREFIXES
from ljkg.settings import PROJECT_ROOT

PREFIXES = """
PREFIX ljo: <ontology/>
PREFIX organisation: <id/organisation/>
PREFIX unit: <id/unit/>
PREFIX place: <id/place/>
PREFIX country: <id/country/>
PREFIX event: <id/event/>
PREFIX passage: <source/mednarodno-sodelovanje/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX skosxl: <http://www.w3.org/2008/05/skos-xl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def ask(store, where: str) -> bool:
    query = PREFIXES + "ASK {" + where + "}"
    return bool(store.query(query, base_iri=TEST_BASE, use_default_graph_as_union=True))


def select(store, query: str) -> list[dict]:
    return run_select(store, PREFIXES + query)


# ---- the 14 facts -----------------------------------------------------------------------------

FACTS = {
    "01 MOL is a member of LIKE since 1994 (n-ary + shortcut, from sentence 1)": """
        organisation:mol org:memberOf organisation:like .
        ?m a org:Membership ; org:member organisation:mol ; org:organization organisation:like ;
           org:memberDuring ?i ; prov:wasDerivedFrom passage:s01 .
        ?i a time:Interval ; time:hasBeginning ?b . ?b a time:Instant ; time:inXSDgYear "1994"^^xsd:gYear .
        FILTER NOT EXISTS { ?i time:hasEnd ?e }""",
    "02 LIKE is a network of cities and regions for culture, seated in Lille, on cultural policy": """
        organisation:like a ljo:Network ; schema:location place:lille ; dcterms:description ?sl , ?en .
        place:lille a schema:City ; schema:containedInPlace country:france .
        FILTER (LANG(?sl) = "sl" && CONTAINS(?sl, "lokalnih in regionalnih kulturnih politik"))
        FILTER (LANG(?en) = "en" && CONTAINS(?en, "local and regional cultural policies"))""",
    "03 LIKE was named Les Rencontres until 2015 (a name resource with an end year)": """
        organisation:like ljo:formerName ?n .
        ?n a ljo:FormerName ; skosxl:literalForm "Les Rencontres" ; time:hasTime ?i ;
           prov:wasDerivedFrom passage:s03 .
        ?i time:hasEnd/time:inXSDgYear "2015"^^xsd:gYear .""",
    "04 about 200 European cities and regions are members of LIKE (approximate)": """
        organisation:like ljo:memberCount ?c .
        ?c schema:value 200 ; ljo:qualifier ljo:Approximately ;
           schema:unitText "European cities and regions"@en .""",
    "05 Ljubljana joined ICORN in 2011": """
        organisation:mol org:memberOf organisation:icorn .
        ?m org:member organisation:mol ; org:organization organisation:icorn ;
           org:memberDuring/time:hasBeginning/time:inXSDgYear "2011"^^xsd:gYear ;
           prov:wasDerivedFrom passage:s04 .
        organisation:icorn a ljo:CitiesOfRefugeNetwork ; skos:altLabel "ICORN" .
        organisation:mol schema:areaServed place:ljubljana .""",
    "06 ICORN began in 1994 on the initiative of Rushdie and the IPW; what a city of refuge offers": """
        organisation:icorn schema:foundingDate "1994"^^xsd:gYear ;
            schema:founder <id/person/salman-rushdie> , organisation:ipw ; dcterms:description ?d .
        <id/person/salman-rushdie> owl:sameAs <http://www.wikidata.org/entity/Q44306> .
        organisation:ipw skos:altLabel "IPW" .
        FILTER (LANG(?d) = "en" && CONTAINS(?d, "social network")
                && CONTAINS(?d, "conditions for work and life"))""",
    "07 over 70 cities are ICORN members (a lower bound)": """
        organisation:icorn ljo:memberCount ?c .
        ?c schema:value 70 ; ljo:qualifier ljo:MoreThan .""",
    "08 in 2011 Ljubljana received its first two guests, from Morocco": """
        ?h a ljo:Hosting ; ljo:hostCity place:ljubljana ; ljo:guest ?g1 , ?g2 ;
           time:hasTime/time:hasBeginning/time:inXSDgYear "2011"^^xsd:gYear .
        FILTER (?g1 != ?g2)
        ?g1 a schema:Person ; ljo:comesFrom country:morocco ; ljo:hostedBy place:ljubljana .
        ?g2 a schema:Person ; ljo:comesFrom country:morocco ; ljo:hostedBy place:ljubljana .""",
    "09a persecuted artists from Ethiopia, Iraq and Iran were hosted (no number, no year)": """
        ?h1 ljo:guest/ljo:comesFrom country:ethiopia ; ljo:hostCity place:ljubljana .
        ?h2 ljo:guest/ljo:comesFrom country:iraq ; ljo:hostCity place:ljubljana .
        ?h3 ljo:guest/ljo:comesFrom country:iran ; ljo:hostCity place:ljubljana .
        FILTER NOT EXISTS { ?h1 time:hasTime ?t1 } FILTER NOT EXISTS { ?h2 time:hasTime ?t2 }
        FILTER NOT EXISTS { ?h3 time:hasTime ?t3 }
        ?h1 ljo:guest ?g . ?g a foaf:Group .""",
    "09b a female dramaturge from Syria lives in Ljubljana, as of about November 2021": """
        ?r a ljo:Residence ; ljo:resident ?p ; prov:atLocation place:ljubljana ; ljo:asOf ?i .
        ?i time:inXSDgYearMonth "2021-11"^^xsd:gYearMonth ; ljo:qualifier ljo:Approximately .
        ?p schema:gender schema:Female ; schema:jobTitle "dramaturginja"@sl ; ljo:comesFrom country:syria ;
           ljo:residesIn place:ljubljana .""",
    "10 the exhibition for the tenth anniversary, Kresija gallery, 16 Nov - 12 Dec 2021": """
        ?e a schema:ExhibitionEvent ; schema:name "Nemogoče se je vrniti v nemogočo deželo"@sl ;
           schema:location ?g ; schema:startDate "2021-11-16"^^xsd:date ;
           schema:endDate "2021-12-12"^^xsd:date ;
           ljo:occasion ?o .
        ?g rdfs:label "Galerija Kresija"@sl ; schema:containedInPlace place:ljubljana .
        ?o ljo:anniversaryNumber 10 ; ljo:anniversaryOf/org:organization organisation:icorn .""",
    "11 since 2012 the Department for Culture, agreed with the Section, takes part in the Culture Forum": """
        ?p a ljo:Participation ; org:member unit:department-for-culture ;
           org:organization unit:eurocities-culture-forum ;
           ljo:inAgreementWith unit:section-for-international-relations-and-protocol ;
           org:memberDuring/time:hasBeginning/time:inXSDgYear "2012"^^xsd:gYear .
        unit:department-for-culture ljo:participatesIn unit:eurocities-culture-forum ;
            org:unitOf unit:city-administration .
        unit:city-administration org:unitOf organisation:mol ; skos:altLabel "MU MOL" .
        unit:eurocities-culture-forum org:unitOf organisation:eurocities ; dcterms:description ?d .
        FILTER (LANG(?d) = "en" && CONTAINS(?d, "exchange experience")
                && CONTAINS(?d, "best and current"))""",
    "12 in 2015 Ljubljana hosted the regular meeting of the Culture Forum": """
        ?m a schema:Event ; ljo:hostedBy place:ljubljana ; schema:organizer unit:eurocities-culture-forum ;
           schema:startDate "2015"^^xsd:gYear ; schema:eventStatus ljo:EventHeld ;
           prov:wasDerivedFrom passage:s12 .""",
    "13 presentations in Budapest, Warsaw and at the Pula book fair, with MU MOL and Turizem Ljubljana": """
        ?s schema:organizer unit:department-for-culture ;
           schema:contributor unit:city-administration , organisation:turizem-ljubljana .
        ?b schema:superEvent ?s ; schema:location place:budapest ; schema:eventStatus ljo:EventHeld .
        ?w schema:superEvent ?s ; schema:location place:warsaw ; schema:eventStatus ljo:EventHeld .
        ?p schema:superEvent ?s , ?fair ; schema:location place:pula ; schema:eventStatus ljo:EventHeld .
        ?fair schema:location place:pula .
        FILTER NOT EXISTS { ?b schema:startDate ?d1 } FILTER NOT EXISTS { ?w schema:startDate ?d2 }
        FILTER NOT EXISTS { ?p schema:startDate ?d3 }""",
}


@pytest.mark.parametrize("name", sorted(FACTS), ids=[k.split()[0] for k in sorted(FACTS)])
def test_fact(oxstore, name):
    assert ask(oxstore, FACTS[name]), name


def test_fact_14_days_of_ljubljana_are_only_planned(oxstore):
    rows = select(oxstore, """
        SELECT ?city ?status ?year ?stated WHERE {
          ?e schema:superEvent event:days-of-ljubljana-2017 ; schema:location ?city ;
             schema:eventStatus ?status ; schema:startDate ?year ; ljo:asOf/time:inXSDgYear ?stated ;
             prov:wasDerivedFrom passage:s15 .
        }""")
    cities = ("sofia", "prague", "belgrade", "moscow", "vienna")
    assert {r["city"] for r in rows} == {f"<id/place/{c}>" for c in cities}
    assert {(r["status"], r["year"], r["stated"]) for r in rows} == {
        ("<ontology/EventPlanned>", "2017^^gYear", "2016^^gYear")}
    # nothing says that a Day of Ljubljana took place: no other status, no end date, no held part
    assert not ask(oxstore, """
        ?e schema:superEvent* event:days-of-ljubljana-2017 .
        { ?e schema:eventStatus ?s . FILTER (?s != ljo:EventPlanned) } UNION { ?e schema:endDate ?d }""")


def test_guests_are_anonymous(oxstore):
    assert not ask(oxstore, """
        { ?h ljo:guest ?g } UNION { ?h ljo:resident ?g }
        { ?g schema:name ?n } UNION { ?g foaf:name ?n } UNION { ?g schema:givenName ?n }
        UNION { ?g schema:familyName ?n }""")
    people = select(oxstore, "SELECT ?p WHERE { ?h ljo:guest|ljo:resident ?p . ?p a schema:Person }")
    assert len(people) == 3, "two guests from Morocco and the dramaturge: no one else is a named person"


def test_every_fact_resource_cites_a_sentence(oxstore):
    rows = select(oxstore, """
        SELECT DISTINCT ?s WHERE {
          ?s a ?c . FILTER (STRSTARTS(STR(?s), STR(<id/>)) && !STRSTARTS(STR(?s), STR(<id/geometry/>)))
          FILTER NOT EXISTS { ?s prov:wasDerivedFrom ?sentence . ?sentence a ljo:Sentence }
        }""")
    # only the countries that the text never mentions (they come from entities.md) have no sentence
    unmentioned = ("slovenia", "france", "hungary", "poland", "croatia", "bulgaria", "czechia", "serbia",
                   "russia", "austria")
    assert {r["s"] for r in rows} == {f"<id/country/{c}>" for c in unmentioned}



# The verified coordinates of /work/shared/entities.md ("Coordinates of the cities"; the Kresija building
# for the gallery), as data/coordinates.ttl must state them: longitude first.
POINTS = {
    "place/ljubljana": (14.5061, 46.0514), "place/lille": (3.0583, 50.6278),
    "place/budapest": (19.0514, 47.4925), "place/warsaw": (21.0167, 52.2333), "place/pula": (13.8456, 44.8703),
    "place/sofia": (23.3333, 42.7000), "place/prague": (14.4214, 50.0875),
    "place/belgrade": (20.4667, 44.8167), "place/moscow": (37.6178, 55.7558),
    "place/vienna": (16.3667, 48.2000), "place/kresija-gallery": (14.5069, 46.0508),
}


def test_every_city_and_the_gallery_have_their_verified_point(oxstore):
    rows = select(oxstore, """
        SELECT ?s ?wkt WHERE { ?s geo:hasGeometry ?g . ?g a geo:Geometry ; geo:asWKT ?wkt
                               FILTER (DATATYPE(?wkt) = geo:wktLiteral) }""")
    got = {}
    for r in rows:
        match = re.fullmatch(r"POINT\(([-\d.]+) ([-\d.]+)\)\^\^wktLiteral", r["wkt"])
        assert match, f"{r['s']}: {r['wkt']} is not a WKT point literal"
        got[r["s"].removeprefix("<id/").removesuffix(">")] = (float(match[1]), float(match[2]))
    assert got == POINTS
    cities = {r["c"] for r in select(oxstore, "SELECT ?c WHERE { ?c a schema:City }")}
    assert cities == {f"<id/{k}>" for k in POINTS if k != "place/kresija-gallery"}


def test_points_trace_to_the_coordinates_source_not_to_a_sentence(oxstore):
    rows = select(oxstore, """
        SELECT ?g ?from WHERE { ?g a geo:Geometry ; prov:wasDerivedFrom ?from }""")
    assert len(rows) == len(POINTS)
    assert {r["from"] for r in rows} == {"<source/city-coordinates>"}
    described = select(oxstore, """
        SELECT ?d WHERE { <source/city-coordinates> a prov:Entity ; dcterms:description ?d }""")
    assert any("Wikipedia" in r["d"] for r in described)

# ---- graph-wide rules --------------------------------------------------------------------------

def data_graph(loaded):
    return loaded.dataset.graph(loaded.graph_iri("data"))


def test_no_blank_nodes(loaded):
    for folder in ("ontology", "data"):
        graph = loaded.dataset.graph(loaded.graph_iri(folder))
        assert not [t for t in graph if isinstance(t[0], BNode) or isinstance(t[2], BNode)], folder


def test_every_typed_resource_has_one_sl_and_one_en_label(loaded):
    graph = loaded.union()
    for subject in set(graph.subjects(RDF.type, None)):
        labels = list(graph.objects(subject, RDFS.label))
        langs = sorted(label.language for label in labels if isinstance(label, Literal))
        assert langs == ["en", "sl"] and len(labels) == 2, f"{subject}: labels {labels}"


def verified_links() -> dict[str, str]:
    with open(TESTS / "golden" / "verified-links.tsv", encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {row["iri"]: row["entity"] for row in rows}


def test_verified_links_file_matches_entities_md():
    links = verified_links()
    shared = PROJECT_ROOT.parent / "shared" / "entities.md"
    if shared.exists():
        text = shared.read_text(encoding="utf-8")
        for iri in links:
            token = iri.rstrip("/").rsplit("/", 1)[-1]
            if "authority" in iri:
                token = "/".join(iri.split("/")[-2:])
            assert token in text, iri
    assert len(links) == 50


def test_external_links_are_verified_and_on_the_right_entity(loaded):
    graph = loaded.union()
    verified = verified_links()
    used = {}
    for s, _p, o in graph:
        if isinstance(o, URIRef) and any(str(o).startswith(ns) for ns in LINK_TARGETS.values()):
            assert str(o) in verified, f"{s} links to unverified {o}"
            en = {str(label) for label in graph.objects(s, RDFS.label) if label.language == "en"}
            if str(o).endswith("/SLV"):
                assert s == URIRef(TEST_BASE + "source/mednarodno-sodelovanje")
            else:
                assert en == {verified[str(o)]}, f"{o} is {verified[str(o)]}, not {en}"
            used[str(o)] = s
    assert set(used) == set(verified), "every verified identifier is used"


def test_link_properties_are_consistent(loaded):
    """owl:sameAs to Wikidata/GeoNames; skos:exactMatch to the EU tables; organisations have no links."""
    graph = loaded.union()
    owl_same = URIRef(VOCAB_PREFIXES["owl"] + "sameAs")
    exact = URIRef(VOCAB_PREFIXES["skos"] + "exactMatch")
    for s, p, o in graph:
        if str(o).startswith(LINK_TARGETS["Wikidata"]) or str(o).startswith(LINK_TARGETS["GeoNames"]):
            assert p == owl_same, (s, p, o)
        if str(o).startswith(VOCAB_PREFIXES["euc"]):
            assert p == exact, (s, p, o)
    organisation = URIRef(VOCAB_PREFIXES["org"] + "Organization")
    for org_iri in graph.subjects(RDF.type, organisation):
        assert not list(graph.objects(org_iri, owl_same)) and not list(graph.objects(org_iri, exact))


def test_all_iris_are_ours_or_known(loaded):
    """A relative IRI that did not resolve against the base (or a typo'd namespace) shows up here."""
    allowed = [TEST_BASE, *VOCAB_PREFIXES.values(), "https://creativecommons.org/licenses/by/4.0/"]
    for triple in loaded.union():
        for term in triple:
            if isinstance(term, URIRef):
                assert any(str(term).startswith(a) for a in allowed), term


def test_data_files_open_with_their_scope():
    files = sorted((PROJECT_ROOT / "data").glob("*.ttl"))
    assert {f.name for f in files} >= {"ljubljana.ttl", "like.ttl", "icorn.ttl", "eurocities.ttl",
                                       "presentations-abroad.ttl", "places.ttl", "source.ttl"}
    for path in files:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name} opens with its scope"
