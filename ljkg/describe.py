"""A resource's bounded description, built from SPARQL so any store can answer it.

Outgoing triples (with one level of blank-node closure), the labels of everything it links to, and its
incoming links: at most `incoming_limit` of them, with the total counted, so a hub cannot exhaust us.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store.base import Store

OUTGOING_LIMIT = 2000
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROVENANCE = (
    "http://www.w3.org/ns/prov#wasDerivedFrom",
    "http://purl.org/dc/terms/source",
    "http://www.w3.org/ns/prov#hadPrimarySource",
)


# N-ary relations (ORG / OWL-Time style) are shown inside the resources they relate, with their time.
RELATION_CLASSES = ("http://www.w3.org/ns/org#Membership", "ontology/Hosting", "ontology/Residence",
                    "ontology/Participation", "ontology/FormerName", "ontology/MemberCount")
TIME_PATH = ("<http://www.w3.org/ns/org#memberDuring>|<http://www.w3.org/2006/time#hasTime>"
             "|<http://www.w3.org/2006/time#hasBeginning>|<http://www.w3.org/2006/time#hasEnd>")


@dataclass
class Description:
    iri: str
    outgoing: list[ox.Triple] = field(default_factory=list)
    incoming: list[ox.Triple] = field(default_factory=list)
    incoming_total: int = 0
    incoming_counts: dict[str, int] = field(default_factory=dict)  # property IRI → incoming links, all counted
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI → {lang: label}
    label_triples: list[ox.Triple] = field(default_factory=list)
    closure: list[ox.Triple] = field(default_factory=list)
    nested: list[ox.Triple] = field(default_factory=list)  # n-ary relations it takes part in, with their time

    @property
    def exists(self) -> bool:
        return bool(self.outgoing or self.incoming)

    @property
    def triples(self) -> list[ox.Triple]:
        """The RDF representation: outgoing, blank-node closure, incoming (bounded), neighbour labels."""
        seen: dict[str, ox.Triple] = {}
        for t in (*self.outgoing, *self.closure, *self.incoming, *self.nested, *self.label_triples):
            seen.setdefault(str(t), t)
        return list(seen.values())

    @property
    def types(self) -> list[str]:
        return [t.object.value for t in self.outgoing if t.predicate == RDF_TYPE]

    @property
    def truncated(self) -> bool:
        return self.incoming_total > len(self.incoming)


def _iri(value: str) -> str:
    """An IRI in SPARQL syntax, written by Oxigraph; one that is not an IRI raises ValueError instead of
    becoming a syntax error in our query (callers check request input with iris.iri_problem first)."""
    return str(ox.NamedNode(value))


def describe(store: Store, iri: str, incoming_limit: int) -> Description:
    """The bounded description of `iri`, which must be an IRI (ValueError otherwise)."""
    node = _iri(iri)
    d = Description(iri)
    d.outgoing = [ox.Triple(ox.NamedNode(iri), r["p"], r["o"]) for r in store.select(
        f"SELECT ?p ?o WHERE {{ {node} ?p ?o }} LIMIT {OUTGOING_LIMIT}")]
    d.closure = store.construct(
        f"CONSTRUCT {{ ?b ?p ?o }} WHERE {{ {node} ?x ?b . FILTER(isBlank(?b)) ?b ?p ?o }}")
    d.incoming = [ox.Triple(r["s"], r["p"], ox.NamedNode(iri)) for r in store.select(
        f"SELECT ?s ?p WHERE {{ ?s ?p {node} }} ORDER BY ?p ?s LIMIT {int(incoming_limit)}")]
    # counted by property, so a page can say how many links each kind has even past the limit
    d.incoming_counts = {r["p"].value: int(r["n"].value) for r in store.select(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ ?s ?p {node} }} GROUP BY ?p")}
    d.incoming_total = sum(d.incoming_counts.values())
    d.nested = nested_relations(store, node, incoming_limit)
    neighbours = {iri}
    for t in (*d.outgoing, *d.incoming, *d.closure, *d.nested):
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                neighbours.add(term.value)
    d.labels, d.label_triples = labels_of(store, neighbours)
    return d


def nested_relations(store: Store, node: str, limit: int) -> list[ox.Triple]:
    """Triples of the n-ary relations linked to the resource and of their intervals and instants."""
    classes = ", ".join(f"<{c}>" for c in RELATION_CLASSES)
    # the relation and its time chain are reached from ?r in the same group as the sub-select, so ?r is
    # bound there (a BIND in a group of its own would see ?r unbound and match every triple). The classes
    # are a FILTER, not VALUES: Oxigraph started from VALUES and read every relation of those classes
    # (15 ms a page at 1M, 0.2 ms now, same answers)
    return store.construct(f"""
        CONSTRUCT {{ ?x ?p ?o }} WHERE {{
          {{ {{ SELECT DISTINCT ?r WHERE {{
                {{ ?r ?in {node} }} UNION {{ {node} ?out ?r }}
                ?r a ?class . FILTER(?class IN ({classes})) }} LIMIT {int(limit)} }}
             ?r ({TIME_PATH})* ?x }}
          UNION {{ {node} ({TIME_PATH})+ ?x }}
          ?x ?p ?o
        }}""")


def labels_of(store: Store, iris) -> tuple[dict[str, dict[str, str]], list[ox.Triple]]:
    iris = sorted(set(iris))
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    triples: list[ox.Triple] = []
    for start in range(0, len(iris), 200):
        values = " ".join(_iri(i) for i in iris[start:start + 200])
        # not "VALUES ?p { label prefLabel }": Oxigraph then joins every label in the store with the
        # VALUES (2 s at 1M triples); one branch per property is a lookup per IRI (4 ms)
        for row in store.select(
            f"SELECT ?x ?p ?l WHERE {{ VALUES ?x {{ {values} }} "
            f"{{ ?x {LABEL} ?l BIND({LABEL} AS ?p) }} UNION {{ ?x {PREF_LABEL} ?l BIND({PREF_LABEL} AS ?p) }} }}"
        ):
            lit = row["l"]
            labels[row["x"].value].setdefault(lit.language or "", lit.value)
            triples.append(ox.Triple(row["x"], row["p"], lit))
    return dict(labels), triples


@dataclass
class SourceQuote:
    fact: str
    sentence: str
    text: str
    start: int | None
    end: int | None


def sources_of(store: Store, iri: str) -> list[SourceQuote]:
    """The source sentences behind a resource and the facts (n-ary resources) one link away from it."""
    node = _iri(iri)
    preds = ", ".join(_iri(p) for p in PROVENANCE)
    rows = store.select(f"""
        PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT DISTINCT ?fact ?sentence ?text ?start ?end WHERE {{
          {{ BIND({node} AS ?fact) {node} ?prov ?sentence }}
          UNION {{ ?fact ?in {node} . ?fact ?prov ?sentence }}
          UNION {{ {node} ?out ?fact . ?fact ?prov ?sentence }}
          FILTER(?prov IN ({preds}))
          OPTIONAL {{ ?sentence rdf:value ?v1 }}
          OPTIONAL {{ ?sentence oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?v2 }}
          # start and end apart, the end from the start's selector (data that passes the shapes has one): with
          # both in one OPTIONAL, Oxigraph joined every selector in the store (130 ms a page at 1M, now 0.5 ms)
          OPTIONAL {{ ?sentence oa:hasSelector ?ps . ?ps a oa:TextPositionSelector ; oa:start ?start }}
          OPTIONAL {{ ?sentence oa:hasSelector ?pe . ?pe a oa:TextPositionSelector ; oa:end ?end
                      FILTER(!BOUND(?ps) || ?pe = ?ps) }}
          BIND(COALESCE(?v1, ?v2) AS ?text)
          FILTER(BOUND(?text))
        }} ORDER BY ?start ?fact LIMIT 200""")
    out = []
    for r in rows:
        out.append(SourceQuote(r["fact"].value, r["sentence"].value, r["text"].value,
                               int(r["start"].value) if r["start"] is not None else None,
                               int(r["end"].value) if r["end"] is not None else None))
    return out
