"""ljkg.metadata: VoID counts checked by independent SPARQL, DCAT-AP 3.0.1 conformance with the official
shapes (vendored in tests/vendor/dcat-ap-3.0.1/), and the SPARQL service description."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from conftest import TEST_BASE
from pyshacl import validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef

from ljkg import formats
from ljkg.iris import LINK_TARGETS
from ljkg.loading import GRAPH_FOLDERS, Loaded, LoadError, load
from ljkg.metadata import DCAT, DCT, EU, IANA, SD, VOID, build_metadata
from ljkg.quality import DCAT_AP_FILES
from ljkg.settings import Settings

VENDOR = Path(__file__).resolve().parent / "vendor" / "dcat-ap-3.0.1"
SH_NS = Namespace("http://www.w3.org/ns/shacl#")
DATASET, CATALOGUE = URIRef(TEST_BASE + "dataset"), URIRef(TEST_BASE + "catalogue")
SPARQL = URIRef(TEST_BASE + "sparql")
LJUBLJANA = URIRef("https://sws.geonames.org/3196359/")

# Recommendations we cannot honestly meet, each a Warning (never a Violation):
# - the publisher (City Municipality of Ljubljana) is not in the EU corporate-body authority table;
# - no verified bounding box for Ljubljana (its centroid is given).
KNOWN_WARNINGS = {
    (str(focus), str(DCT.publisher), "NodeConstraintComponent") for focus in (CATALOGUE, DATASET, SPARQL)
} | {(str(LJUBLJANA), str(DCAT.bbox), "MinCountConstraintComponent")}

TINY_ONTOLOGY = """\
@prefix ljo: <ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<ontology> a owl:Ontology ; rdfs:label "Ontology"@en, "Ontologija"@sl .
ljo:City a owl:Class ; rdfs:label "City"@en, "Mesto"@sl .
ljo:Municipality a owl:Class ; rdfs:label "Municipality"@en, "Občina"@sl .
ljo:seatedIn a owl:ObjectProperty ; rdfs:label "seated in"@en, "s sedežem v"@sl .
"""
TINY_DATA = """\
@prefix ljo: <ontology/> .
@prefix place: <id/place/> .
@prefix organisation: <id/organisation/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix euc: <http://publications.europa.eu/resource/authority/country/> .
place:ljubljana a ljo:City ; rdfs:label "Ljubljana"@en, "Ljubljana"@sl ;
    owl:sameAs wd:Q437, <https://sws.geonames.org/3196359/> ; ljo:country euc:SVN .
place:lille a ljo:City ; rdfs:label "Lille"@en ; owl:sameAs wd:Q648 ;
    skos:exactMatch <https://sws.geonames.org/2998324/> .
organisation:mol a ljo:Municipality ; rdfs:label "Mestna občina Ljubljana"@sl ;
    ljo:seatedIn place:ljubljana ;
    prov:qualifiedDerivation [ a prov:Derivation ; rdfs:comment "a blank node" ] .
"""


@pytest.fixture(scope="module")
def kg(request, tmp_path_factory) -> Loaded:
    """The real dataset; while ontology/ and data/ are still being written, a tiny stand-in."""
    try:
        return request.getfixturevalue("loaded")
    except LoadError:
        root = tmp_path_factory.mktemp("kg")
        for folder, text in (("ontology", TINY_ONTOLOGY), ("data", TINY_DATA), ("shapes", None)):
            (root / folder).mkdir()
            if text:
                (root / folder / f"{folder}.ttl").write_text(text, encoding="utf-8")
        return load(root, TEST_BASE)


def counts_of(kg: Loaded) -> dict[str, int]:
    return {folder: len(kg.dataset.graph(kg.graph_iri(folder))) for folder in GRAPH_FOLDERS}


@pytest.fixture(scope="module")
def union(kg) -> Graph:
    return kg.union()


@pytest.fixture(scope="module")
def metadata(kg, union) -> Graph:
    return build_metadata(kg.namespaces, union, kg.version, kg.releases, Settings(),
                          graph_counts=counts_of(kg))


@cache
def dcat_ap_shapes(name: str) -> Graph:
    return Graph().parse(VENDOR / name, format="turtle")


def dcat_ap_results(data: Graph) -> tuple[set, set, str]:
    """(violations, warnings, report text) of ``data`` against each DCAT-AP shapes file in turn."""
    violations, warnings, texts = set(), set(), []
    for name in DCAT_AP_FILES:
        conforms, report, text = validate(data, shacl_graph=dcat_ap_shapes(name), inference="none",
                                          allow_warnings=False)
        if not conforms:
            texts.append(f"--- {name}\n{text}")
        for result in report.objects(None, SH_NS.result):  # top-level results, not their sh:detail
            key = (str(report.value(result, SH_NS.focusNode)), str(report.value(result, SH_NS.resultPath)),
                   str(report.value(result, SH_NS.sourceConstraintComponent)).rsplit("#", 1)[-1])
            severity = report.value(result, SH_NS.resultSeverity)
            (warnings if severity == SH_NS.Warning else violations).add(key)
    return violations, warnings, "\n".join(texts)


def scalar(graph: Graph, query: str) -> int:
    return int(next(iter(graph.query(query)))[0])


def test_catalogue_conforms_to_dcat_ap(metadata):
    violations, warnings, text = dcat_ap_results(metadata)
    if violations or warnings != KNOWN_WARNINGS:
        print(text)
    assert violations == set()
    assert warnings == KNOWN_WARNINGS


def test_missing_mandatory_description_is_the_one_violation(metadata):
    broken = Graph()
    broken += metadata
    broken.remove((DATASET, DCT.description, None))
    violations, warnings, _text = dcat_ap_results(broken)
    assert violations == {(str(DATASET), str(DCT.description), "MinCountConstraintComponent")}
    assert warnings == KNOWN_WARNINGS


def test_void_counts_match_sparql(metadata, union):
    expected = {
        VOID.triples: "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        VOID.entities: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER isIRI(?s) }",
        VOID.distinctSubjects: "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }",
        VOID.distinctObjects: "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }",
        VOID.properties: "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }",
        VOID.classes: "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }",
    }
    for prop, query in expected.items():
        assert metadata.value(DATASET, prop).toPython() == scalar(union, query), prop
    assert metadata.value(DATASET, VOID.triples).toPython() > 0


def test_void_partitions_match_sparql(metadata, union):
    classes = {row.c: int(row.n) for row in union.query(
        "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { ?s a ?c FILTER isIRI(?c) "
        "BIND(IF(isIRI(?s), ?s, ?unbound) AS ?x) } GROUP BY ?c")}
    found = {metadata.value(p, VOID["class"]): metadata.value(p, VOID.entities).toPython()
             for p in metadata.objects(DATASET, VOID.classPartition)}
    assert found == classes
    properties = {row.p: int(row.n)
                  for row in union.query("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")}
    found = {metadata.value(p, VOID.property): metadata.value(p, VOID.triples).toPython()
             for p in metadata.objects(DATASET, VOID.propertyPartition)}
    assert found == properties
    for prop in (VOID.classPartition, VOID.propertyPartition):
        for part in metadata.objects(DATASET, prop):
            assert str(part).startswith(TEST_BASE + "dataset/partition/")


def test_linksets_count_actual_links(metadata, union):
    linksets = {metadata.value(ls, VOID.objectsTarget): ls
                for ls in metadata.subjects(RDF.type, VOID.Linkset)}
    assert len(linksets) == len(LINK_TARGETS)
    for target_ns in LINK_TARGETS.values():
        target = next(t for t in linksets if str(metadata.value(t, VOID.uriSpace)) == target_ns)
        linkset = linksets[target]
        assert str(linkset).startswith(TEST_BASE + "dataset/linkset/")
        assert metadata.value(linkset, VOID.subjectsTarget) == DATASET
        filter_ = f'FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{target_ns}"))'
        count = scalar(union, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o {filter_} }}")
        predicates = {row.p for row in union.query(f"SELECT DISTINCT ?p WHERE {{ ?s ?p ?o {filter_} }}")}
        assert metadata.value(linkset, VOID.triples).toPython() == count, target_ns
        assert set(metadata.objects(linkset, VOID.linkPredicate)) == predicates


def test_void_endpoint_dumps_and_uri_space(metadata):
    assert metadata.value(DATASET, VOID.sparqlEndpoint) == SPARQL
    assert metadata.value(DATASET, VOID.uriSpace) == Literal(TEST_BASE)
    assert set(metadata.objects(DATASET, VOID.dataDump)) == {
        URIRef(f"{TEST_BASE}dataset/dump.{fmt.suffix}") for fmt in formats.DUMPS}
    assert URIRef(f"{TEST_BASE}ontology") in set(metadata.objects(DATASET, VOID.vocabulary))
    assert set(metadata.objects(DATASET, VOID.exampleResource))
    assert metadata.value(DATASET, DCT.license) == URIRef(EU + "licence/CC_BY_4_0")


def test_every_dump_distribution_has_media_type_and_file_type(metadata):
    distributions = set(metadata.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(formats.DUMPS)
    for fmt in formats.DUMPS:
        dist = URIRef(f"{TEST_BASE}dataset/distribution/{fmt.suffix}")
        assert dist in distributions
        assert metadata.value(dist, DCAT.downloadURL) == URIRef(f"{TEST_BASE}dataset/dump.{fmt.suffix}")
        assert metadata.value(dist, DCAT.mediaType) == URIRef(IANA + fmt.media_type)
        assert str(metadata.value(dist, DCT["format"])).startswith(EU + "file-type/")


def test_service_description(kg, metadata, union):
    assert (SPARQL, RDF.type, SD.Service) in metadata and (SPARQL, RDF.type, DCAT.DataService) in metadata
    assert metadata.value(SPARQL, SD.endpoint) == SPARQL
    assert metadata.value(SPARQL, SD.supportedLanguage) == SD.SPARQL11Query
    assert set(metadata.objects(SPARQL, SD.feature)) == {SD.UnionDefaultGraph}
    results = {str(f).rsplit("/", 1)[-1] for f in metadata.objects(SPARQL, SD.resultFormat)}
    assert results == {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                       "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads", "TriG"}
    sd_dataset = metadata.value(SPARQL, SD.defaultDataset)
    default_graph = metadata.value(sd_dataset, SD.defaultGraph)
    assert metadata.value(default_graph, VOID.triples).toPython() == len(union)
    named = {metadata.value(n, SD.name): metadata.value(metadata.value(n, SD.graph), VOID.triples).toPython()
             for n in metadata.objects(sd_dataset, SD.namedGraph)}
    assert named == {kg.graph_iri(folder): count for folder, count in counts_of(kg).items()}
    comment = str(metadata.value(SPARQL, RDFS.comment))
    assert "5 s" in comment and "10000" in comment


def test_federation_is_stated_only_when_allowed(kg, union):
    remote = build_metadata(kg.namespaces, union, kg.version, kg.releases, Settings(allow_remote=True))
    assert SD.BasicFederatedQuery in set(remote.objects(SPARQL, SD.feature))
    named = remote.value(remote.value(SPARQL, SD.defaultDataset), SD.namedGraph)
    assert remote.value(remote.value(named, SD.graph), VOID.triples) is None  # no per-graph count given


def test_only_iris_and_every_minted_resource_labelled_in_sl_and_en(kg, metadata):
    assert not any(isinstance(term, BNode) for triple in metadata for term in triple)
    ours = {s for s in metadata.subjects() if str(s).startswith(TEST_BASE)}
    labelled_elsewhere = {URIRef(TEST_BASE + "ontology"), URIRef(TEST_BASE + "id/organisation/mol")}
    for resource in ours - labelled_elsewhere:
        languages = {label.language for label in metadata.objects(resource, RDFS.label)}
        assert {"sl", "en"} <= languages, resource
    assert dict(metadata.namespaces())["dcat"] == URIRef(str(DCAT))
    assert dict(metadata.namespaces())["place"] == URIRef(kg.namespaces["place"])


def test_dataset_facts(kg, metadata):
    for prop in (DCT.title, DCT.description, DCAT.keyword):
        assert {v.language for v in metadata.objects(DATASET, prop)} == {"sl", "en"}, prop
    temporal = metadata.value(DATASET, DCT.temporal)
    assert str(metadata.value(temporal, DCAT.startDate)) == "1994-01-01"
    assert str(metadata.value(temporal, DCAT.endDate)) == "2021-12-12"
    assert metadata.value(DATASET, DCT.modified).toPython() == kg.releases.current.date
    assert metadata.value(DATASET, DCT.issued).toPython() == kg.releases.issued
    assert str(metadata.value(DATASET, DCAT.version)) == kg.releases.current.version
    assert str(metadata.value(DATASET, URIRef("http://www.w3.org/2002/07/owl#versionInfo"))) == kg.version
    assert metadata.value(CATALOGUE, DCAT.dataset) == DATASET
    assert metadata.value(CATALOGUE, DCAT.service) == SPARQL
