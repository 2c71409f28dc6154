"""The SPARQL 1.1 Protocol at /sparql: parse the request, run it isolated, answer in the chosen format.

A plain GET without a query returns the service description (or the query page for a browser).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, request

from .. import errors, formats
from ..app import publication
from ..fairness import admitted
from ..http_headers import set_validators
from ..iris import iri_problem, quoted
from ..negotiation import format_override, wants_html
from ..sparql import QueryJob, is_volatile
from .common import graph_response, negotiate

bp = Blueprint("sparql", __name__)

ALLOWED = ["GET", "HEAD", "POST", "OPTIONS"]
FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise errors.BadRequest(f"the '{name}' parameter is given {len(values)} times; give it once")
    return values[0] if values else None


def parse_protocol() -> QueryJob | None:
    """The protocol request as a QueryJob, or None for a GET with no query (the service description)."""
    pub = publication()
    if request.method in ("GET", "HEAD"):
        if request.args.getlist("update"):
            raise errors.Forbidden("SPARQL Update is not accepted: this endpoint is read-only")
        query = _single(request.args.getlist("query"), "query")
        if query is None:
            return None
        graphs_from = request.args
    elif request.method == "POST":
        mimetype = request.mimetype
        if mimetype == FORM:
            if request.form.getlist("update"):
                raise errors.Forbidden("SPARQL Update is not accepted: this endpoint is read-only")
            query = _single(request.form.getlist("query"), "query")
            graphs_from = request.form
            if query is None:
                raise errors.BadRequest("the form has no 'query' parameter")
        elif mimetype == QUERY_BODY:
            query = request.get_data(as_text=True)
            graphs_from = request.args
        elif mimetype == UPDATE_BODY:
            raise errors.Forbidden("SPARQL Update is not accepted: this endpoint is read-only")
        else:
            raise errors.UnsupportedMediaType(
                f"POST body type '{mimetype or '(none)'}' is not supported; send {FORM} (query=...) "
                f"or {QUERY_BODY}")
    else:
        raise errors.MethodNotAllowed(ALLOWED)
    if not query.strip():
        raise errors.BadRequest("the query is empty")
    if len(query) > pub.settings.max_query_length:
        raise errors.PayloadTooLarge(f"the query has {len(query)} characters; the limit is "
                                     f"{pub.settings.max_query_length}")
    return QueryJob(
        query=query,
        accept=request.headers.get("Accept"),
        format_override=format_override(request.args, request.form if graphs_from is request.form else {}),
        default_graphs=_graph_iris(graphs_from, "default-graph-uri"),
        named_graphs=_graph_iris(graphs_from, "named-graph-uri"),
    )


def _graph_iris(values, name: str) -> tuple[str, ...]:
    """The graphs a protocol parameter names, each an absolute IRI (the store would refuse anything else, in
    its own words, from inside the query process)."""
    graphs = tuple(values.getlist(name))
    for number, graph in enumerate(graphs, 1):
        problem = iri_problem(graph)
        if problem:
            which = f"{name} (value {number} of {len(graphs)})" if len(graphs) > 1 else name
            raise errors.BadRequest(f"the {which} parameter {quoted(graph)} is not an absolute IRI: {problem}")
    return graphs


@bp.route("/sparql", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"])
def endpoint():
    if request.method not in ALLOWED:
        raise errors.MethodNotAllowed(ALLOWED)
    job = parse_protocol()
    pub = publication()
    named = format_override(request.args)  # format=, output= or results= ask for that format, not the page
    if request.method != "POST" and wants_html(request.headers.get("Accept")) and named in (None, "html"):
        from .pages import query_page  # a browser: the query page, with the results table if a query was given

        with admitted():  # (it evaluates the query, if one was given)
            page = query_page()
        response = Response(page, content_type=formats.HTML.content_type)
        response.vary.add("Accept")
        return response
    if job is None:
        return service_description()
    volatile = is_volatile(job.query)
    answer = None if volatile else pub.answers.get(job)  # the dataset never changes while served
    if answer is None:
        with admitted():
            answer = pub.store.sparql(job)
        if not volatile:
            pub.answers.put(job, answer, weight=len(answer.body) + _size(job))
    fmt = next(f for f in formats.ALL if f.name == answer.format_name)
    response = Response(answer.body, content_type=fmt.content_type)
    response.vary.add("Accept")
    response.headers["X-Row-Limit"] = str(pub.settings.row_limit)
    # shown in place as before, but saved (a download link, "Save as") under a name with the format's
    # extension, not as "sparql"
    response.headers["Content-Disposition"] = f'inline; filename="ljkg-query-{_digest(job)[:8]}.{fmt.suffix}"'
    if answer.truncated:
        response.headers["X-Truncated"] = "true"
        response.headers["Warning"] = f'199 - "results truncated to the row limit of {pub.settings.row_limit}"'
    if volatile:  # another evaluation answers differently: no validator, and no cache may keep it
        response.headers["Cache-Control"] = "no-store"
        return response
    return set_validators(response, pub.version, pub.modified, "sparql", answer.format_name, _digest(job))


def _size(job: QueryJob) -> int:
    """What the job weighs as a cache key: all of it comes from the request."""
    return sum(len(text) for text in (job.query, job.accept or "", job.format_override or "",
                                      *job.default_graphs, *job.named_graphs))


def _digest(job: QueryJob) -> str:
    """Part of the ETag: which query, on which dataset (the format is its own part)."""
    text = "\x1f".join((job.query, *job.default_graphs, "\x1e", *job.named_graphs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def service_description() -> Response:
    pub = publication()
    fmt, negotiated = negotiate(formats.METADATA)
    from .pages import service_page

    iri = pub.namespaces.base + "sparql"
    triples = pub.store.construct(f"""
        CONSTRUCT {{ ?s ?p ?o }} WHERE {{
          GRAPH <{pub.metadata_graph_iri}> {{
            {{ BIND(<{iri}> AS ?s) ?s ?p ?o }}
            UNION {{ <{iri}> <http://www.w3.org/ns/shacl#declare> ?s . ?s ?p ?o }}
            UNION {{ <{iri}> <http://www.w3.org/ns/sparql-service-description#defaultDataset> ?ds .
                     ?ds (<http://www.w3.org/ns/sparql-service-description#defaultGraph>
                          |<http://www.w3.org/ns/sparql-service-description#namedGraph>
                          |<http://www.w3.org/ns/sparql-service-description#graph>)* ?s . ?s ?p ?o }}
          }} }}""")
    return graph_response(triples, fmt, path="sparql", negotiated=negotiated, offered=formats.METADATA,
                          html=service_page)
