"""Dereferenceable Linked Data: every IRI under our base, as HTML, Turtle, JSON-LD, N-Triples, RDF/XML.

One rule serves them all: 200 with Content-Location (Cool URIs, section 4.2's alternative to 303) for a
negotiated request, and suffix URLs (`.ttl`, `.jsonld`, ...) for clients and CDNs that ignore Accept.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .. import formats
from ..app import publication
from ..describe import describe
from ..discovery import dataset_jsonld, event_jsonld
from ..errors import NotAcceptable, NotFound
from ..http_headers import set_validators
from ..iris import iri_problem, quoted
from ..languages import asked, chosen
from ..negotiation import choose, format_override
from ..serialize import by_subject
from . import page_model
from .common import etag_parts, graph_response, negotiate

bp = Blueprint("resources", __name__)

# IRIs that name a whole graph: dereferencing them returns that graph, not a bounded description.
WHOLE_GRAPHS = {"ontology": "ontology", "catalogue": "metadata", "graph/ontology": "ontology",
                "graph/data": "data", "graph/metadata": "metadata"}


def split_suffix(name: str) -> tuple[str, formats.Format | None]:
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix in formats.RESOURCE_SUFFIXES:
        return stem, formats.BY_SUFFIX[suffix]
    return name, None


def graph_triples(path: str) -> list:
    """A whole graph, one subject at a time (the catalogue as /.well-known/void serves it)."""
    pub = publication()
    if path == "catalogue":
        from .dataset import catalogue_triples

        return catalogue_triples(pub)
    g = pub.namespaces["graph"] + WHOLE_GRAPHS[path]
    return by_subject(pub.store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"))


@bp.route("/<path:name>", methods=["GET", "HEAD"])
def resource(name: str):
    pub = publication()
    path, suffix_format = split_suffix(name)
    iri = pub.namespaces.iri_of(path)
    problem = iri_problem(path, pub.namespaces.base)
    if problem:  # no resource can have it as its IRI: a 404 whatever the client accepts
        raise_not_found(path, f"{quoted(iri)} is not an IRI, so nothing is described by it: {problem} "
                              f"(counted in the path {quoted(path)})")
    fmt, negotiated = negotiate(formats.RESOURCE, suffix_format)

    if path in WHOLE_GRAPHS and fmt is not formats.HTML:
        return graph_response(graph_triples(path), fmt, path=path, negotiated=negotiated)
    if path == "ontology":
        from .pages import ontology_page

        return graph_response([], fmt, path=path, negotiated=negotiated, html=ontology_page)

    # a page depends on its language, and on whether ?lang= chose it (its links then carry it)
    key = (path, fmt.name, (chosen(), asked()) if fmt is formats.HTML else "", negotiated)
    cached = pub.representations.get(key)
    if cached is not None:  # the dataset never changes while we run: a rendering stays right
        body, headers = cached
        response = Response(body, headers=headers)
        return set_validators(response, pub.version, pub.modified, *etag_parts(fmt))
    description = describe(pub.store, iri, pub.settings.incoming_limit)
    if not description.exists:
        raise_not_found(path, f"{quoted(iri)} is not described in this dataset")
    response = graph_response(
        description.triples, fmt, path=path, negotiated=negotiated, frame_iri=iri,
        html=lambda: resource_html(description),
    )
    response.headers["X-Incoming-Links"] = f"{len(description.incoming)}/{description.incoming_total}"
    if response.status_code == 200:
        pub.representations.put(key, (response.get_data(), [(k, v) for k, v in response.headers
                                                             if k not in ("ETag", "Last-Modified", "Content-Length")]))
    return response


def resource_html(description) -> str:
    """A resource's page, with schema.org markup in its head when it is an event or an exhibition."""
    lang = chosen()
    page = page_model.resource_page(description, lang)
    pub = publication()
    if description.iri == pub.namespaces.dataset:
        marked = dataset_jsonld(pub, lang)
    else:
        marked = event_jsonld(pub, description.iri, lang)
    return render_template("resource.html", page=page, structured_data=[marked] if marked else [],
                           meta_description=page.descriptions[0] if page.descriptions else page.title,
                           page_path=pub.namespaces.path_of(description.iri))


def raise_not_found(path: str, message: str):
    """404 in the client's format: a page for browsers, an empty graph for RDF clients.

    `message` shows request input only through iris.quoted, so it stays one line (a Turtle comment)."""
    accept = request.headers.get("Accept")
    try:
        fmt = choose(accept, formats.RESOURCE, format_override(request.args))
    except NotAcceptable:
        fmt = formats.TURTLE
    if fmt is formats.HTML or fmt is formats.JSONLD or accept is None:
        raise NotFound(message)
    response = graph_response([], fmt, path=path, negotiated=True, status=404, validators=False)
    if fmt is formats.TURTLE:
        response.set_data(f"# 404 Not Found: {message}\n".encode())
    from werkzeug.exceptions import HTTPException

    raise HTTPException(response=response)
