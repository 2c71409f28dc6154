"""Pages for people: home, ontology documentation, query page, and the HTML of metadata resources."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template, request

from .. import errors, formats
from ..app import publication
from ..describe import labels_of
from ..discovery import dataset_jsonld
from ..examples import Example, by_topic, pasteable, read_folder
from ..i18n import status_title
from ..languages import chosen, pick
from ..sparql import QueryJob
from .page_model import browse_link, compact, term_view

bp = Blueprint("pages", __name__)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def examples() -> tuple[Example, ...]:
    return read_folder(str(publication().settings.data_root / "queries"))


def example_text(example: Example, lang: str = "en") -> str:
    """The example in the page's language, as a user can paste it anywhere (a BASE line for our prefixes)."""
    return pasteable(example.in_language(lang), publication().namespaces.base)


GRAPH_VARIABLES = ["subject", "predicate", "object"]
PAGE_ACCEPT = f"{formats.RESULTS_JSON.media_type}, {formats.NTRIPLES.media_type}"


def _binding(term) -> dict:
    """A term as a SPARQL 1.1 JSON results binding, so solutions and triples reach the page in one shape."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if term.language:
        return {"type": "literal", "value": term.value, "xml:lang": term.language}
    return {"type": "literal", "value": term.value, "datatype": term.datatype.value}


def run_select(query: str) -> tuple[str, list[str], list[dict], bool]:
    """Run a query through the isolated pool, for the page: its kind (solutions, boolean or graph), variables
    and SPARQL JSON bindings; a CONSTRUCT or DESCRIBE answer becomes subject/predicate/object rows."""
    # one evaluation whatever the form: content negotiation picks SPARQL JSON or N-Triples by the kind
    answer = publication().store.sparql(QueryJob(query=query, accept=PAGE_ACCEPT))
    if answer.kind == "graph":
        fmt = next(f for f in formats.ALL if f.name == answer.format_name)
        rows = [{v: _binding(t) for v, t in zip(GRAPH_VARIABLES, (q.subject, q.predicate, q.object), strict=True)}
                for q in ox.parse(answer.body, format=fmt.rdf)]
        return "graph", GRAPH_VARIABLES, rows, answer.truncated
    document = json.loads(answer.body)
    if "boolean" in document:
        return ("boolean", ["boolean"],
                [{"boolean": {"type": "literal", "value": str(document["boolean"]).lower()}}], False)
    return "solutions", document["head"]["vars"], document["results"]["bindings"], answer.truncated


def _cell(binding: dict | None, lang: str, labels: dict):
    if binding is None:
        return None
    kind = binding["type"]
    if kind == "uri":
        return term_view(ox.NamedNode(binding["value"]), labels, lang)
    if kind == "bnode":
        return term_view(ox.BlankNode(binding["value"]), labels, lang)
    return term_view(ox.Literal(binding["value"], language=binding.get("xml:lang")) if "xml:lang" in binding
                     else ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
                     if "datatype" in binding else ox.Literal(binding["value"]), labels, lang)


def table(query: str, lang: str) -> dict:
    """The result as the page's table, and as the data the result views (views.bundle.js) draw from: the
    bindings themselves and each IRI's label in the page's language."""
    kind, variables, bindings, truncated = run_select(query)
    iris = {b["value"] for row in bindings for b in row.values() if b["type"] == "uri"}
    labels, _ = labels_of(publication().store, iris)
    rows = [[_cell(row.get(v), lang, labels) for v in variables] for row in bindings]
    data = {"kind": kind, "vars": variables, "bindings": bindings, "truncated": truncated,
            "labels": {iri: text for iri in iris if (text := pick(labels.get(iri), lang))}}
    return {"kind": kind, "variables": variables, "rows": rows, "truncated": truncated, "data": data}


@bp.route("/", methods=["GET", "HEAD"])
def home():
    pub = publication()
    lang = chosen()
    counts = pub.store.select(f"""
        SELECT ?class (COUNT(DISTINCT ?s) AS ?n)
        WHERE {{ GRAPH ?g {{ ?s a ?class }} FILTER(?g != <{pub.metadata_graph_iri}>) }}
        GROUP BY ?class ORDER BY DESC(?n) ?class""")
    class_labels, _ = labels_of(pub.store, {r["class"].value for r in counts})
    data_graph = pub.namespaces["graph"] + "data"
    entities = pub.store.select(
        f"SELECT ?class ?s WHERE {{ GRAPH <{data_graph}> {{ ?s a ?class }} }} ORDER BY ?class ?s")
    entity_labels, _ = labels_of(pub.store, {r["s"].value for r in entities})
    groups: dict[str, list] = {}
    for r in entities:
        groups.setdefault(r["class"].value, []).append(term_view(r["s"], entity_labels, lang))
    dataset = labels_of(pub.store, [pub.namespaces.dataset])[0].get(pub.namespaces.dataset, {})
    description = pub.store.select(f"""
        SELECT ?d WHERE {{ <{pub.namespaces.dataset}> <http://purl.org/dc/terms/description> ?d
        FILTER(LANG(?d) = "{lang}") }}""")
    timeline = next((e for e in examples() if "timeline" in e.slug), None)
    technical = current_app.config["BROWSE"].technical

    def listed(cls: ox.NamedNode):
        """A class as the home page shows it: its label, linking to its list on this server."""
        view = term_view(cls, class_labels, lang)
        href = browse_link(cls.value)
        if href:
            view.href, view.external = href, False
        return view

    classes = sorted(((listed(r["class"]), int(r["n"].value), r["class"].value in technical) for r in counts),
                     key=lambda c: c[0].text.lower())
    return render_template(
        "home.html",
        title=pick(dataset, lang) or "Ljubljana",
        description=description[0]["d"].value if description else "",
        counts=[(t, n) for t, n, tech in classes if not tech],
        technical=[(t, n) for t, n, tech in classes if tech],
        groups=[(listed(ox.NamedNode(c)), sorted(items, key=lambda t: t.text))
                for c, items in groups.items() if c not in technical],
        timeline=table(example_text(timeline, lang), lang) if timeline else None,
        examples=examples(),
        structured_data=[dataset_jsonld(pub, lang)],
    )


def query_page() -> str:
    lang = chosen()
    query = request.values.get("query")
    result, error = None, None
    if query:
        try:
            result = table(query, lang)
        except errors.PublisherError as exc:
            error = f"{exc.status} {status_title(exc.title)}: {exc.message}"
    default = example_text(examples()[0], lang) if examples() else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    groups = [(topic, [(e, example_text(e, lang)) for e in group]) for topic, group in by_topic(examples())]
    return render_template("query.html", query=query or default, result=result, error=error,
                           example_groups=groups, ran=bool(query))


def _definitions(store, iris) -> dict[str, dict[str, str]]:
    values = " ".join(f"<{i}>" for i in iris)
    out: dict[str, dict[str, str]] = {}
    if not iris:
        return out
    for r in store.select(f"""SELECT ?x ?d WHERE {{ VALUES ?x {{ {values} }}
            ?x <{SKOS}definition>|<{RDFS}comment> ?d }}"""):
        out.setdefault(r["x"].value, {}).setdefault(r["d"].language or "", r["d"].value)
    return out


def ontology_page() -> str:
    pub = publication()
    lang = chosen()
    g = pub.namespaces["graph"] + "ontology"
    terms = pub.store.select(f"""
        SELECT ?term ?kind WHERE {{ GRAPH <{g}> {{
          ?term a ?kind . VALUES ?kind {{ <{OWL}Class> <{OWL}ObjectProperty> <{OWL}DatatypeProperty>
                                        <{OWL}AnnotationProperty> <{RDFS}Class> <{RDF_PROPERTY}> }}
          FILTER(STRSTARTS(STR(?term), "{pub.namespaces['ljo']}")) }} }} ORDER BY ?kind ?term""")
    iris = {r["term"].value for r in terms}
    details = pub.store.select(f"""
        SELECT ?term ?p ?o WHERE {{ GRAPH <{g}> {{ ?term ?p ?o
          VALUES ?p {{ <{RDFS}subClassOf> <{RDFS}subPropertyOf> <{RDFS}domain> <{RDFS}range>
                      <https://schema.org/domainIncludes> <https://schema.org/rangeIncludes> }}
          FILTER(isIRI(?o)) }} }}""")
    linked = iris | {r["o"].value for r in details}
    labels, _ = labels_of(pub.store, linked)
    both = {i: labels.get(i, {}) for i in iris}
    definitions = _definitions(pub.store, iris)
    relations: dict[str, dict[str, list]] = {}
    for r in details:
        relations.setdefault(r["term"].value, {}).setdefault(compact(r["p"].value), []).append(
            term_view(r["o"], labels, lang))
    header = pub.store.select(f"""SELECT ?p ?o WHERE {{ GRAPH <{g}> {{ <{pub.namespaces.ontology}> ?p ?o }} }}""")
    header_labels, _ = labels_of(pub.store, {r["p"].value for r in header})
    sections: dict[str, list] = {}
    for r in terms:
        iri = r["term"].value
        sections.setdefault(compact(r["kind"].value), []).append({
            "iri": iri, "name": compact(iri), "labels": both[iri], "definitions": definitions.get(iri, {}),
            "relations": relations.get(iri, {}),
        })
    return render_template("ontology.html", sections=sections,
                           header=[(pick(header_labels.get(r["p"].value), lang) or compact(r["p"].value),
                                    term_view(r["o"], header_labels, lang)) for r in header])


RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"


def service_page() -> str:
    return query_page()


def metadata_page() -> str:
    pub = publication()
    from ..describe import describe
    from .page_model import resource_page

    d = describe(pub.store, pub.namespaces.dataset, pub.settings.incoming_limit)
    return render_template("resource.html", page=resource_page(d, chosen()),
                           structured_data=[dataset_jsonld(pub, chosen())],
                           page_path=pub.namespaces.dataset.removeprefix(pub.namespaces.base))


def report_page() -> str:
    pub = publication()
    return render_template("report.html", outcome=pub.outcome)
