"""The ontology: lean, bilingual, linked to the reused vocabularies, and labels for every reused term."""

from __future__ import annotations

from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef

from ljkg.iris import VOCAB_PREFIXES
from ljkg.settings import PROJECT_ROOT

SKOS = Namespace(VOCAB_PREFIXES["skos"])
DCTERMS = Namespace(VOCAB_PREFIXES["dcterms"])
SCHEMA = Namespace(VOCAB_PREFIXES["schema"])
BASE = "http://ljkg.test/"
LJO = BASE + "ontology/"


def parse(name: str) -> Graph:
    graph = Graph()
    graph.parse(PROJECT_ROOT / "ontology" / name, format="turtle", publicID=BASE)
    return graph


def own_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDFS.isDefinedBy, URIRef(BASE + "ontology"))}


def test_header():
    graph = parse("ljkg.ttl")
    ontology = URIRef(BASE + "ontology")
    assert (ontology, RDF.type, OWL.Ontology) in graph
    assert {t.language for t in graph.objects(ontology, DCTERMS.title)} == {"sl", "en"}
    assert {t.language for t in graph.objects(ontology, DCTERMS.description)} == {"sl", "en"}
    assert graph.value(ontology, OWL.versionIRI) == URIRef(BASE + "ontology/1.0.0")
    assert graph.value(ontology, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert graph.value(ontology, DCTERMS.creator) is not None
    assert graph.value(ontology, DCTERMS.created) is not None and graph.value(ontology, DCTERMS.modified)
    assert not list(graph.objects(ontology, OWL.imports)), "no remote imports"


def test_every_own_term_is_bilingual_and_linked():
    graph = parse("ljkg.ttl")
    terms = own_terms(graph)
    assert len(terms) >= 20
    for term in terms:
        assert str(term).startswith(LJO)
        local = str(term)[len(LJO):]
        for prop in (RDFS.label, SKOS.definition):
            langs = sorted(v.language for v in graph.objects(term, prop))
            assert langs == ["en", "sl"], f"{local}: {prop}"
        kind = graph.value(term, RDF.type)
        if kind == OWL.Class:
            assert local[0].isupper(), f"{local}: classes are PascalCase"
            assert graph.value(term, RDFS.subClassOf) is not None, local
        elif kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
            assert local[0].islower(), f"{local}: properties are camelCase"
            assert (term, RDFS.domain, None) in graph or (term, SCHEMA.domainIncludes, None) in graph, local
            assert (term, RDFS.range, None) in graph or (term, SCHEMA.rangeIncludes, None) in graph, local
        else:
            assert local[0].isupper(), f"{local}: individuals are PascalCase"


def test_own_terms_are_used():
    """Lean: every own class and property is used by the data (nothing defined just in case)."""
    ontology = parse("ljkg.ttl")
    data = Graph()
    for path in (PROJECT_ROOT / "data").glob("*.ttl"):
        data.parse(path, format="turtle", publicID=BASE)
    used = set(data.predicates()) | set(data.objects()) | set(ontology.objects(None, RDF.type))
    # a class is used if it or a subclass types something
    for cls in ontology.subjects(RDF.type, OWL.Class):
        subclasses = {cls} | set(ontology.subjects(RDFS.subClassOf, cls))
        subclasses |= {s for c in list(subclasses) for s in ontology.subjects(RDFS.subClassOf, c)}
        assert subclasses & used, f"{cls} is not used"
    for prop in set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
            ontology.subjects(RDF.type, OWL.DatatypeProperty)):
        assert prop in used, f"{prop} is not used"


def test_reused_labels_cover_every_reused_term_and_say_nothing_else():
    labels = parse("reused-labels.ttl")
    assert set(labels.predicates()) == {RDFS.label}
    for subject in set(labels.subjects()):
        assert not str(subject).startswith(BASE)
        langs = sorted(v.language for v in labels.objects(subject, RDFS.label) if isinstance(v, Literal))
        assert langs == ["en", "sl"], subject
    graph = parse("ljkg.ttl")
    for path in (PROJECT_ROOT / "data").glob("*.ttl"):
        graph.parse(path, format="turtle", publicID=BASE)
    terms = set(graph.predicates()) | set(graph.objects(None, RDF.type))
    reused = {t for t in terms if not str(t).startswith(BASE)}
    missing = sorted(str(t) for t in reused if (t, RDFS.label, None) not in labels)
    assert not missing
