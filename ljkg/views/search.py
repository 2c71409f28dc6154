"""/search (HTML, JSON, CSV) and /search/complete (the autocomplete contract the query editor calls).

Every parameter is checked here and refused with a 400 that names it; the search text reaches FTS5 only as
quoted words (SearchIndex.expression), so no input can be an FTS5 query of its own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request

from .. import formats
from ..app import publication
from ..describe import labels_of
from ..errors import NOT_FOUND_HELP, BadRequest
from ..http_headers import set_validators
from ..languages import SUPPORTED, chosen, pick
from ..nearest import nearest, words_of
from ..search import Hit, SearchIndex, SearchInputError, highlighted, plain
from .common import alternates, negotiate
from .page_model import compact

bp = Blueprint("search", __name__)
bp.record_once(lambda state: state.app.extensions.setdefault(NOT_FOUND_HELP, not_found_help))

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 500
MAX_COMPLETIONS = 50


@dataclass(frozen=True)
class Asked:
    q: str
    types: tuple[str, ...]  # class IRIs
    type_args: tuple[str, ...]  # as given, for links
    lang: str | None
    page: int
    size: int

    def link(self, suffix: str = "", **changes) -> str:
        values = {"q": self.q, "type": list(self.type_args), "lang": self.lang or "", "page": self.page,
                  "size": self.size, **changes}
        query = urlencode({k: v for k, v in values.items() if v not in ("", None, [])}, doseq=True)
        return f"{publication().namespaces.base}search{suffix}?{query}"


def _number(name: str, default: int, low: int, high: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name}={text!r} is not a whole number (expected {low}–{high})") from None
    if not low <= value <= high:
        raise BadRequest(f"{name}={value} is out of range (expected {low}–{high})")
    return value


def _language(required: bool) -> str | None:
    text = request.args.get("lang", "").strip().lower()
    if not text:
        if required:
            return chosen()
        return None
    if text not in SUPPORTED:
        raise BadRequest(f"lang={text!r} is not offered; use one of: {', '.join(SUPPORTED)}")
    return text


def resolve_type(value: str, index: SearchIndex) -> tuple[str, ...]:
    """A `type=` value as class IRIs: an IRI, a prefixed name (schema:Event) or a bare local name (Event)."""
    value = value.strip()
    if value in index.classes:
        return (value,)
    prefix, colon, local = value.partition(":")
    namespace = publication().prefixes.get(prefix) if colon else None
    if namespace and namespace + local in index.classes:
        return (namespace + local,)
    if not colon:
        found = tuple(sorted(c for c in index.classes
                             if c.rsplit("#", 1)[-1].rsplit("/", 1)[-1].lower() == value.lower()))
        if found:
            return found
    raise BadRequest(f"type={value!r} is not a class of this dataset's resources "
                     "(give a class IRI, a prefixed name such as schema:Event, or a name such as Organization)")


def _asked(index: SearchIndex) -> Asked:
    q = request.args.get("q", "")
    type_args = tuple(t for t in request.args.getlist("type") if t.strip())
    types = tuple(dict.fromkeys(iri for t in type_args for iri in resolve_type(t, index)))
    return Asked(q.strip(), types, type_args, _language(required=False), _number("page", 1, 1, MAX_PAGE),
                 _number("size", PAGE_SIZE, 1, MAX_PAGE_SIZE))


def _hit_json(hit: Hit) -> dict:
    return {"iri": hit.iri, "label": hit.label, "lang": hit.lang, "types": list(hit.types),
            "snippet": plain(hit.snippet), "snippet_html": str(highlighted(hit.snippet)), "score": round(hit.score, 4)}


def _digest() -> str:
    """What an answer depends on besides version and format: the query string (stable across processes)."""
    return hashlib.sha256(request.query_string).hexdigest()[:16]


@bp.route("/search", methods=["GET", "HEAD"])
@bp.route("/search.<suffix>", methods=["GET", "HEAD"])
def search(suffix: str | None = None):
    pub = publication()
    suffix_format = None
    if suffix is not None:
        suffix_format = next((f for f in formats.SEARCH if f.suffix == suffix), None)
        if suffix_format is None:
            abort(404, description=f"no representation '.{suffix}' of search results; available: "
                                   + ", ".join(f"search.{f.suffix}" for f in formats.SEARCH))
    fmt, negotiated = negotiate(formats.SEARCH, suffix_format)
    index = pub.search
    assert index is not None
    asked = _asked(index)
    if not asked.q and fmt is not formats.HTML:
        raise BadRequest("q is missing: give the text to search for, e.g. ?q=ljubljana")
    try:
        page = index.search(asked.q, types=asked.types, lang=asked.lang, prefer=asked.lang or chosen(),
                            limit=asked.size, offset=(asked.page - 1) * asked.size)
    except SearchInputError as exc:
        raise BadRequest(str(exc)) from None
    more = asked.page * asked.size < page.total
    if fmt is formats.JSON:
        body = json.dumps({"query": asked.q, "lang": asked.lang, "types": list(asked.types), "total": page.total,
                           "total_exact": page.exact, "page": asked.page, "size": asked.size,
                           "next": asked.link(".json", page=asked.page + 1) if more else None,
                           "results": [_hit_json(h) for h in page.hits]}, ensure_ascii=False)
    elif fmt is formats.RESULTS_CSV:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(("iri", "label", "lang", "types", "score", "snippet"))
        for h in page.hits:
            writer.writerow((h.iri, h.label, h.lang, " ".join(h.types), round(h.score, 4), plain(h.snippet)))
        body = out.getvalue()
    else:
        body = render_template("search.html", asked=asked, total=page.total, exact=page.exact, more=more,
                               hits=[(h, highlighted(h.snippet)) for h in page.hits],
                               classes=class_choices(index))
    response = Response(body, content_type=fmt.content_type)
    if negotiated:
        response.vary.add("Accept")
    response.vary.add("Accept-Language")
    response.headers["Link"] = alternates("search", formats.SEARCH)
    return set_validators(response, pub.version, pub.modified, fmt.name, chosen(),
                          _digest())


@bp.route("/search/complete", methods=["GET", "HEAD"])
def complete():
    """`{"query", "results": [{"iri", "label", "lang", "types"}]}`: the last word a prefix, `lang` first."""
    pub = publication()
    index = pub.search
    assert index is not None
    q = request.args.get("q", "")
    lang = _language(required=True)
    limit = _number("limit", 10, 1, MAX_COMPLETIONS)
    try:
        hits = index.complete(q, lang=lang, limit=limit)
    except SearchInputError as exc:
        raise BadRequest(str(exc)) from None
    body = json.dumps({"query": q, "results": [{"iri": h.iri, "label": h.label, "lang": h.lang,
                                                 "types": list(h.types)} for h in hits]}, ensure_ascii=False)
    response = Response(body, content_type=formats.JSON.content_type)
    return set_validators(response, pub.version, pub.modified, "complete", _digest())


def not_found_help() -> dict:
    """The 404 page's search box, filled with the words of the missing IRI, and the nearest matches."""
    pub = publication()
    if pub.search is None:
        return {}
    iri = pub.namespaces.iri_of(request.path.lstrip("/"))
    return {"search_text": words_of(iri), "suggestions": nearest(pub.search, iri, chosen())}


def class_choices(index: SearchIndex) -> list[tuple[str, str]]:
    """The type filter's options: (class IRI, its label in the page's language), by label; the labels are
    read from the store once per language."""
    pub, lang = publication(), chosen()
    key = ("search-class-labels", lang)
    if key not in pub.cache:
        labels, _ = labels_of(pub.store, index.classes)
        pub.cache[key] = sorted(((c, pick(labels.get(c), lang) or compact(c)) for c in index.classes),
                                key=lambda pair: (pair[1].lower(), pair[0]))
    return pub.cache[key]
