"""Dataset-level resources: VoID, the JSON-LD context, dumps and the published SHACL report."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, abort, request

from .. import dumps, formats
from ..app import publication
from ..dumps import dump
from ..examples import EXAMPLES_PATH, description, read_folder
from ..http_headers import set_validators
from ..serialize import by_subject
from .common import graph_response, negotiate

bp = Blueprint("dataset", __name__)
DCAT_BYTE_SIZE = "http://www.w3.org/ns/dcat#byteSize"
XSD_NON_NEGATIVE = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"


@bp.route("/.well-known/void", methods=["GET", "HEAD"])
def void():
    """The whole dataset description (VoID, DCAT-AP catalogue, service description) in one graph."""
    pub = publication()
    fmt, negotiated = negotiate(formats.METADATA)
    from .pages import metadata_page

    return graph_response(catalogue_triples(pub), fmt, path="catalogue", negotiated=negotiated,
                          offered=formats.METADATA, html=metadata_page,
                          html_path=pub.namespaces.dataset.removeprefix(pub.namespaces.base))


def catalogue_triples(pub) -> list[ox.Triple]:
    """The metadata graph as harvesters read it (at /.well-known/void and /catalogue): with the dumps'
    sizes, one subject at a time."""
    triples = pub.store.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{pub.metadata_graph_iri}> {{ ?s ?p ?o }} }}")
    return by_subject([*triples, *dump_sizes(pub)])


def dump_sizes(pub) -> list[ox.Triple]:
    """dcat:byteSize of each dump as served. Stated here and not in the metadata graph: that graph is part
    of every dump, and a file cannot hold its own size; each size is measured once per version and kept."""
    size = ox.NamedNode(DCAT_BYTE_SIZE)
    return [ox.Triple(ox.NamedNode(f"{pub.namespaces.dataset}/distribution/{fmt.suffix}"), size,
                      ox.Literal(str(dumps.size(pub, fmt)), datatype=ox.NamedNode(XSD_NON_NEGATIVE)))
            for fmt in formats.DUMPS]


EXAMPLE_FORMATS = (formats.TURTLE, formats.JSONLD, formats.NTRIPLES, formats.RDFXML)


@bp.route(f"/{EXAMPLES_PATH}", methods=["GET", "HEAD"])
@bp.route(f"/{EXAMPLES_PATH}.<suffix>", methods=["GET", "HEAD"])
def sparql_examples(suffix: str | None = None):
    """The example queries as SHACL executables (examples.py), the way SPARQL-examples harvesters read them."""
    pub = publication()
    suffix_format = formats.BY_SUFFIX.get(suffix) if suffix else None
    if suffix and suffix_format not in EXAMPLE_FORMATS:
        offered = ", ".join(f"{EXAMPLES_PATH}.{f.suffix}" for f in EXAMPLE_FORMATS)
        abort(404, description=f"no representation '.{suffix}' of the SPARQL examples; available: {offered}")
    fmt, negotiated = negotiate(EXAMPLE_FORMATS, suffix_format)
    triples = pub.cache.get("example-triples")
    if triples is None:
        folder = str(pub.settings.data_root / "queries")
        triples = pub.cache["example-triples"] = description(read_folder(folder), pub.namespaces.base)
    return graph_response(triples, fmt, path=EXAMPLES_PATH, negotiated=negotiated, offered=EXAMPLE_FORMATS)


@bp.route("/context/<version>.jsonld", methods=["GET", "HEAD"])
def context(version: str):
    pub = publication()
    if pub.jsonld.context_url != pub.namespaces.base + f"context/{version}.jsonld":
        abort(404, description=f"no JSON-LD context version {version!r}; the current one is "
                               f"{pub.jsonld.context_url}")
    response = Response(pub.jsonld.context_bytes, content_type="application/ld+json; charset=utf-8")
    return set_validators(response, pub.version, pub.modified, "context")


@bp.route("/context/<version>.schema.json", methods=["GET", "HEAD"])
def context_schema(version: str):
    """The JSON Schema of a framed resource document (docs/jsonld.md)."""
    pub = publication()
    if pub.jsonld.schema_url != pub.namespaces.base + f"context/{version}.schema.json":
        abort(404, description=f"no JSON Schema for context version {version!r}; the current one is "
                               f"{pub.jsonld.schema_url}")
    response = Response(pub.jsonld.schema_bytes, content_type="application/schema+json")
    return set_validators(response, pub.version, pub.modified, "context-schema")


@bp.route("/dataset/dump.<suffix>", methods=["GET", "HEAD"])
def dump_file(suffix: str):
    pub = publication()
    gzipped = suffix.endswith(".gz")
    fmt = formats.BY_SUFFIX.get(suffix.removesuffix(".gz"))
    if fmt not in formats.DUMPS:
        offered = ", ".join(f"dump.{f.suffix}[.gz]" for f in formats.DUMPS)
        abort(404, description=f"no dump 'dump.{suffix}'; available: {offered}")
    d = dump(pub, fmt, gzipped)
    response = Response(d.body, content_type="application/gzip" if gzipped else fmt.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="ljkg-{pub.version}.{suffix}"'
    response.headers["Digest"] = f"sha-256={d.sha256}"
    response.set_etag(d.sha256)
    response.last_modified = pub.modified
    response.cache_control.public = True
    response.cache_control.no_transform = True
    response.cache_control.max_age = pub.settings.cache_max_age
    return response.make_conditional(request)


@bp.route("/dataset/validation-report", methods=["GET", "HEAD"])
@bp.route("/dataset/validation-report.<suffix>", methods=["GET", "HEAD"])
def validation_report(suffix: str | None = None):
    pub = publication()
    suffix_format = formats.BY_SUFFIX.get(suffix) if suffix else None
    if suffix and suffix_format not in formats.RESOURCE:
        abort(404, description=f"no representation '.{suffix}' of the validation report")
    fmt, negotiated = negotiate(formats.RESOURCE, suffix_format)
    triples = pub.cache.get("report-triples")
    if triples is None:
        nt = pub.outcome.report.serialize(format="nt", encoding="utf-8")
        triples = pub.cache["report-triples"] = list(ox.parse(nt, format=formats.NTRIPLES.rdf))
    from .pages import report_page

    return graph_response(triples, fmt, path="dataset/validation-report", negotiated=negotiated,
                          html=report_page)


@bp.route("/source/<name>.txt", methods=["GET", "HEAD"])
def source_text(name: str):
    """The source text itself, byte for byte (its RDF description is at the same IRI + .ttl, .jsonld...)."""
    pub = publication()
    folder = pub.settings.data_root / "source"
    path = folder / f"{name}.txt"
    if "/" in name or not path.is_file():
        abort(404, description=f"no source file {name}.txt")
    response = Response(path.read_bytes(), content_type="text/plain; charset=utf-8")
    response.headers["Content-Language"] = "sl"
    return set_validators(response, pub.version, pub.modified, "source")
