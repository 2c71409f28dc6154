"""/browse/<class>: the resources of a class, paged and sorted by label, narrowed by facets, in HTML, JSON, CSV.

The class is named by its prefixed name (`/browse/org:Membership`), a facet by its name in browse.toml
(`?network=<IRI or value>`); `.json` / `.csv` suffixes or `format=` pick a representation, as Datasette's
table pages do. Request input reaches SPARQL only as an IRI we built from a known prefix or as a literal
written by Oxigraph; anything else is a 400 or 404 that says what was wrong.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request

from .. import browse, formats
from ..app import publication
from ..describe import labels_of
from ..errors import BadRequest, NotFound
from ..http_headers import set_validators
from ..languages import asked, chosen, pick
from .common import etag_parts, negotiate

bp = Blueprint("browse", __name__)
SUFFIXES = {f.suffix: f for f in formats.LISTS}


def config() -> browse.BrowseConfig:
    """browse.toml, read and checked once per app (create_app reads it, so a bad file stops the start)."""
    return current_app.config["BROWSE"]


def list_url(curie: str, params: dict[str, str], fmt: formats.Format | None = None) -> str:
    base = publication().namespaces.base
    suffix = f".{fmt.suffix}" if fmt is not None and fmt is not formats.HTML else ""
    query = dict(params)
    if asked():  # the JSON and CSV lists carry labels too: in the language the reader chose
        query["lang"] = asked()
    return f"{base}browse/{curie}{suffix}" + (f"?{urlencode(query)}" if query else "")


def _int(name: str, default: int, most: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > most:
        raise BadRequest(f"?{name}= must be a whole number from 0 to {most}, not {raw[:40]!r}")
    return int(raw)


@bp.route("/browse/<string:name>", methods=["GET", "HEAD"])
def class_list(name: str):
    pub = publication()
    stem, dot, suffix = name.rpartition(".")
    curie, fmt_by_suffix = (stem, SUFFIXES[suffix]) if dot and suffix in SUFFIXES else (name, None)
    cls = browse.expand(curie, pub.prefixes)
    if cls is None:
        raise NotFound(f"{curie[:80]!r} is not a class name with a known prefix (e.g. /browse/org:Membership)")
    try:
        ox.NamedNode(cls)
    except ValueError:  # Oxigraph's text names the code point; ours says where
        raise NotFound(f"{curie[:80]!r} does not name a class: an IRI cannot hold one of its characters") from None
    facets = config().facets.get(cls, ())
    by_name = {f.name: f for f in facets}
    unknown = [k for k in request.args if k not in browse.RESERVED and k not in by_name]
    if unknown:
        offered = ", ".join(sorted(by_name)) or "none"
        raise BadRequest(f"?{unknown[0][:40]}= is not a facet of {curie} (its facets: {offered})")
    repeated = next((k for k in by_name if len(request.args.getlist(k)) > 1), None)
    if repeated:
        raise BadRequest(f"?{repeated}= is given {len(request.args.getlist(repeated))} times; a facet narrows the "
                         "list to one value at a time")
    selected = [(by_name[k], v) for k, v in request.args.items(multi=True) if k in by_name]
    limit = _int("limit", browse.PAGE, browse.MOST)
    offset = _int("offset", 0, 10**9)
    fmt, negotiated = negotiate(formats.LISTS, fmt_by_suffix)  # after the input checks: a 400 says more than a 406
    lang = chosen()
    found = browse.listing(pub.store, cls, facets, selected, lang, limit, offset)
    if found.total == 0 and not browse.classes_with_instances(pub.store, cls):
        raise NotFound(f"no resource of the class {curie} is published here")

    iris = {cls, *found.items} | {v.value for values in found.facets.values() for v, _ in values
                                  if isinstance(v, ox.NamedNode)}
    labels, _ = labels_of(pub.store, iris)
    chosen_values = {(f.name, v) for f, v in selected}
    params = {k: v for k, v in request.args.items() if k in by_name}
    paging = {k: v for k, v in request.args.items() if k in ("limit",)}

    def with_value(facet: str, value: str) -> str:
        others = {k: v for k, v in params.items() if k != facet}
        if (facet, value) not in chosen_values:
            others[facet] = value
        return list_url(curie, {**others, **paging})

    model = {
        "class": cls, "curie": curie, "label": pick(labels.get(cls), lang) or curie,
        "total": found.total, "limit": limit, "offset": offset,
        "filters": params,
        "items": [{"id": i, "label": pick(labels.get(i), lang) or pub.namespaces.path_of(i)} for i in found.items],
        "facets": [{
            "name": f.name, "label": f.labels.get(lang) or f.labels.get("en") or f.name,
            "values": [{"value": v.value, "label": pick(labels.get(v.value), lang) or v.value if
                        isinstance(v, ox.NamedNode) else v.value, "count": n,
                        "selected": (f.name, v.value) in chosen_values, "toggle": with_value(f.name, v.value)}
                       for v, n in found.facets.get(f.name, [])],
        } for f in facets],
        "next": list_url(curie, {**params, **paging, "offset": str(offset + limit)}, fmt)
        if offset + limit < found.total else None,
        # past the end, "previous" leads back to the last page that has items
        "previous": list_url(curie, {**params, **paging, "offset": str(
            max(0, min(offset - limit, (found.total - 1) // limit * limit if found.total else 0)))}, fmt)
        if offset > 0 else None,
        "clear": list_url(curie, paging, fmt) if params else None,
    }
    if fmt is formats.HTML:
        body = render_template("browse.html", page=model,
                               downloads=[(f.label, list_url(curie, {**params, **paging, "offset": str(offset)}
                                                             if offset else {**params, **paging}, f))
                                          for f in (formats.JSON, formats.RESULTS_CSV)])
    elif fmt is formats.JSON:
        body = json.dumps({k: v for k, v in model.items() if k != "curie"} | {"class_curie": curie},
                          ensure_ascii=False, indent=1)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["id", "label"])
        writer.writerows([item["id"], item["label"]] for item in model["items"])
        body = out.getvalue()
    response = Response(body, content_type=fmt.content_type)
    if negotiated:
        response.vary.add("Accept")
    if fmt is formats.HTML:
        response.vary.add("Accept-Language")
    if found.total > offset + limit:
        response.headers["Link"] = f'<{model["next"]}>; rel="next"'
    return set_validators(response, pub.version, pub.modified, *etag_parts(fmt))
