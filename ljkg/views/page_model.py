"""What a page shows, as plain data for the templates: labels chosen, IRIs made links, sources quoted."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from ..app import publication
from ..describe import Description, labels_of, sources_of
from ..formats import HTML, RESOURCE
from ..iris import LINK_TARGETS
from ..languages import pick
from . import times
from .relations import RelationRow, graph_of, relation_rows

DESCRIPTIVE = ("http://www.w3.org/2004/02/skos/core#definition", "http://purl.org/dc/terms/description",
               "https://schema.org/description", "http://www.w3.org/2000/01/rdf-schema#comment")
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass
class Term:
    text: str
    href: str | None = None  # a link (ours: on this server; external: the IRI)
    iri: str | None = None
    note: str | None = None  # language tag or datatype
    external: bool = False


@dataclass
class PropertyRow:
    label: str
    iri: str
    href: str
    values: list[Term] = field(default_factory=list)
    count: int = 0  # how many links of this property there are in all (incoming rows may show fewer)


@dataclass
class ResourcePage:
    iri: str
    path: str
    title: str
    descriptions: list[str]
    types: list[Term]
    properties: list[PropertyRow]
    incoming: list[PropertyRow]
    incoming_total: int
    incoming_shown: int
    external: list[Term]
    sources: list
    formats: list[tuple[str, str]]
    alternates: list[tuple[str, str, str]] = field(default_factory=list)  # (label, href, media type): <head>
    when: str | None = None  # when the resource itself held (an event, a membership, an interval)
    relations: list[RelationRow] = field(default_factory=list)


def term_view(term, labels: dict, lang: str) -> Term:
    ns = publication().namespaces
    if isinstance(term, ox.NamedNode):
        iri = term.value
        label = pick(labels.get(iri), lang)
        if ns.owns(iri):
            return Term(label or ns.path_of(iri) or iri, href=iri, iri=iri)
        return Term(label or compact(iri), href=iri, iri=iri, external=True)
    if isinstance(term, ox.Literal):
        note = term.language or (None if term.datatype.value == XSD + "string"
                                 else compact(term.datatype.value))
        return Term(term.value, note=note)
    return Term(str(term))


def compact(iri: str) -> str:
    for prefix, ns in sorted(publication().prefixes.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def browse_link(class_iri: str) -> str | None:
    """The list page of a class (for the home page and type links), or None if it has no prefixed name."""
    curie = compact(class_iri)
    if curie == class_iri:
        return None
    return f"{publication().namespaces.base}browse/{curie}"


def type_view(class_iri: str, labels: dict, lang: str) -> Term:
    """A resource's type links to our list of that class (the class IRI stays in the title), so a reader
    stays on our pages; a class without a prefixed name links to its IRI."""
    shown = term_view(ox.NamedNode(class_iri), labels, lang)
    listing = browse_link(class_iri)
    if listing is None:
        return shown
    return Term(shown.text, href=listing, iri=class_iri)


def rows_by_predicate(pairs, labels: dict, lang: str, counts: dict[str, int] | None = None) -> list[PropertyRow]:
    grouped: dict[str, list[Term]] = defaultdict(list)
    for predicate, value in pairs:
        grouped[predicate.value].append(term_view(value, labels, lang))
    rows = []
    for p, values in grouped.items():
        label = pick(labels.get(p), lang) or compact(p)
        values.sort(key=lambda t: (t.note not in (None, lang), t.text))
        rows.append(PropertyRow(label, p, p, values, (counts or {}).get(p, len(values))))
    return sorted(rows, key=lambda r: r.label.lower())


def resource_page(d: Description, lang: str) -> ResourcePage:
    pub = publication()
    labels = d.labels
    title = pick(labels.get(d.iri), lang) or pub.namespaces.path_of(d.iri)
    descriptions = []
    for t in d.outgoing:
        if t.predicate.value in DESCRIPTIVE and isinstance(t.object, ox.Literal) and \
                t.object.language in (lang, None, ""):
            descriptions.append(t.object.value)
    types = [type_view(t, labels, lang) for t in d.types]
    skip = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
    properties = rows_by_predicate(((t.predicate, t.object) for t in d.outgoing if t.predicate.value not in skip),
                                   labels, lang)
    incoming = rows_by_predicate(((t.predicate, t.subject) for t in d.incoming), labels, lang, d.incoming_counts)
    external = [term_view(t.object, labels, lang) for t in d.outgoing
                if isinstance(t.object, ox.NamedNode)
                and any(t.object.value.startswith(ns) for ns in LINK_TARGETS.values())]
    for ext in external:
        ext.text = ext.iri
    path = pub.namespaces.path_of(d.iri)
    sources = sources_of(pub.store, d.iri)
    fact_labels, _ = labels_of(pub.store, {s.fact for s in sources})
    grouped: dict[str, dict] = {}
    for s in sources:  # one quote per sentence, with every fact it supports
        entry = grouped.setdefault(s.sentence, {"sentence": s.sentence, "text": s.text, "start": s.start,
                                                "end": s.end, "facts": []})
        entry["facts"].append(Term(pick(fact_labels.get(s.fact), lang) or compact(s.fact), href=s.fact, iri=s.fact))
    sources = sorted(grouped.values(), key=lambda e: (e["start"] is None, e["start"] or 0))
    fmts = [(f.label, f"{pub.namespaces.base}{path}.{f.suffix}") for f in RESOURCE]
    base = pub.namespaces.base
    return ResourcePage(d.iri, path, title, descriptions, types, properties, incoming, d.incoming_total,
                        len(d.incoming), external, sources, fmts,
                        [(f.label, f"{pub.namespaces.base}{path}.{f.suffix}", f.media_type) for f in RESOURCE
                         if f is not HTML],
                        when=times.when(graph_of(d), d.iri, lang, base),
                        relations=relation_rows(d, lang, base, term_view))

