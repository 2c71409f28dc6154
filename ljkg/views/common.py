"""Turning a chosen format and some triples into a response, the same way for every view."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Response, request

from .. import formats
from ..app import publication
from ..formats import Format
from ..http_headers import header_uri, set_validators
from ..negotiation import choose, format_override
from ..serialize import graph_bytes


def negotiate(offered: tuple[Format, ...], suffix_format: Format | None = None) -> tuple[Format, bool]:
    """The format for this request and whether it was negotiated (then the response varies on Accept)."""
    if suffix_format is not None:
        return suffix_format, False
    override = format_override(request.args)
    named = formats.by_name(override, offered) if override else None  # a name this response does not know
    return named or choose(request.headers.get("Accept"), offered, override), named is None  # falls to Accept


def alternates(path: str, offered: tuple[Format, ...]) -> str:
    """Link: rel=alternate for each representation, always under the public base (as URIs: see header_uri)."""
    base = publication().namespaces.base
    return ", ".join(f'<{header_uri(f"{base}{path}.{f.suffix}")}>; rel="alternate"; type="{f.media_type}"'
                     for f in offered)


def graph_response(
    triples: Sequence,
    fmt: Format,
    *,
    path: str,
    negotiated: bool,
    offered: tuple[Format, ...] = formats.RESOURCE,
    html: Callable[[], str] | None = None,
    html_path: str | None = None,
    frame_iri: str | None = None,
    status: int = 200,
    validators: bool = True,
) -> Response:
    pub = publication()
    if fmt is formats.HTML:
        assert html is not None
        body: bytes | str = html()
    else:
        body = graph_bytes(triples, fmt, pub.jsonld, pub.prefixes, frame_iri=frame_iri)
    response = Response(body, status=status, content_type=fmt.content_type)
    if negotiated:
        response.vary.add("Accept")
        if fmt.suffix and status == 200:  # (html_path: when the page is another resource's own)
            located = html_path if fmt is formats.HTML and html_path else path
            response.headers["Content-Location"] = header_uri(f"{pub.namespaces.base}{located}.{fmt.suffix}")
    response.headers["Link"] = alternates(path, offered)
    if fmt is formats.HTML:
        response.vary.add("Accept-Language")
    if validators and status == 200:
        response = set_validators(response, pub.version, pub.modified, *etag_parts(fmt))
    return response


def etag_parts(fmt: Format) -> tuple[str, ...]:
    """What besides the dataset version a representation depends on: its format, and for HTML the language."""
    if fmt is formats.HTML:
        from ..languages import chosen

        return (fmt.name, chosen())
    return (fmt.name,)
