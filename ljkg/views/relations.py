"""The n-ary relations a resource takes part in, as rows a reader follows: what, with whom, when.

Why: a membership, a hosting or a participation is a resource of its own (ORG / OWL-Time style), so a
plain property table shows "member (of): Membership of MOL in LIKE" and hides the year two links away.
The description already holds each relation's triples and its time chain (`describe.nested_relations`);
this reads them into "member of LIKE, since 1994", each row linking to the relation's own page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..describe import RDF_TYPE, RELATION_CLASSES, Description
from ..languages import pick
from . import times

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
# what a row does not list among the other parties: naming, typing, provenance, prose and the time
# (the time is the row's own column)
NOT_PARTIES = {
    RDF_TYPE.value, RDFS_LABEL, "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#altLabel", "http://www.w3.org/ns/prov#wasDerivedFrom",
    "http://purl.org/dc/terms/description", *times.TIME_LINKS, times.BEGINNING, times.END,
}


@dataclass
class Party:
    role: str  # the property's label: "organization", "guest"
    iri: str
    values: list = field(default_factory=list)  # page_model.Term


@dataclass
class RelationRow:
    relation: object  # page_model.Term linking to the relation's page
    kind: str  # the relation's class label: "membership"
    role: str  # this resource's part in it: "member"
    parties: list[Party]
    when: str | None
    as_of: list = field(default_factory=list)  # Terms of `ljo:asOf` instants ("as the text was written")


def graph_of(d: Description) -> dict[str, list[tuple[str, ox.NamedNode | ox.Literal | ox.BlankNode]]]:
    """Subject → [(predicate, object)] over everything the description holds."""
    out: dict[str, list] = defaultdict(list)
    for t in (*d.outgoing, *d.closure, *d.nested):
        out[t.subject.value].append((t.predicate.value, t.object))
    return out


def relation_rows(d: Description, lang: str, base: str, term_view) -> list[RelationRow]:
    """One row per n-ary relation linked to `d.iri`, in either direction, sorted by time then label."""
    graph = graph_of(d)
    classes = {c if c.startswith("http") else base + c for c in RELATION_CLASSES}
    as_of = base + "ontology/asOf"
    rows = []
    for rel, pairs in graph.items():
        kinds = [o.value for p, o in pairs if p == RDF_TYPE.value and o.value in classes]
        if rel == d.iri or not kinds:
            continue
        roles = [p for p, o in pairs if o.value == d.iri]
        if roles:
            role = pick(d.labels.get(roles[0]), lang) or roles[0]
        else:  # the resource points at the relation (a network's former name, its member count)
            out = [t.predicate.value for t in d.outgoing if t.object.value == rel]
            if not out:
                continue
            role = pick(d.labels.get(out[0]), lang) or out[0]
        parties: dict[str, Party] = {}
        for p, o in pairs:
            if p in NOT_PARTIES or p == as_of or o.value == d.iri:
                continue
            if isinstance(o, ox.Literal) and o.language and o.language != lang:
                continue  # the page's language only (the table below keeps both)
            party = parties.setdefault(p, Party(pick(d.labels.get(p), lang) or p, p))
            party.values.append(term_view(o, d.labels, lang))
        rows.append(RelationRow(
            relation=term_view(ox.NamedNode(rel), d.labels, lang),
            kind=pick(d.labels.get(kinds[0]), lang) or kinds[0],
            role=role,
            parties=sorted(parties.values(), key=lambda x: x.role),
            when=times.when(graph, rel, lang, base),
            as_of=[term_view(o, d.labels, lang) for p, o in pairs if p == as_of],
        ))
    return sorted(rows, key=lambda r: (r.kind, r.when or "~", r.relation.text))
