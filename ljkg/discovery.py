"""Being found: schema.org JSON-LD for the pages' <head> (what Google Dataset Search and event search read),
the sitemap, robots.txt, and the language and format alternates of a page.

Why schema.org beside DCAT: search engines read schema.org in the page, not DCAT behind a link. The facts
come from the same place as the DCAT-AP catalogue (metadata.py's bilingual texts, temporal extent, place,
licence; the publication's version and dates), so the two descriptions cannot drift apart.

The JSON-LD carries its context inline (`@vocab` https://schema.org/, URL properties as IRIs) rather than
by URL: a reader, ours in the tests included, needs no network to expand it, and it is the vocabulary the
data itself uses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote, unquote_plus, urlsplit

from . import formats
from .languages import SUPPORTED, pick
from .metadata import DESCRIPTION, KEYWORDS, LJUBLJANA, LJUBLJANA_CENTROID, MUNICIPALITY_SITE, TEMPORAL, TITLE

SCHEMA = "https://schema.org/"
# As in schema.org's own context: the URL-valued properties we use are IRIs, not strings.
CONTEXT = {"@vocab": SCHEMA, **{name: {"@type": "@id"} for name in (
    "url", "license", "sameAs", "contentUrl", "documentation", "eventStatus")}}
LICENCE_PAGE = "https://creativecommons.org/licenses/by/4.0/"
SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
EVENT_TYPES = (SCHEMA + "Event", SCHEMA + "ExhibitionEvent")


def _text(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "sl" else pair[0]


def dataset_jsonld(pub, lang: str) -> dict:
    """schema.org Dataset of the whole publication, with what Google Dataset Search reads."""
    ns = pub.namespaces
    lon, lat = LJUBLJANA_CENTROID.removeprefix("POINT(").removesuffix(")").split()
    publisher = {"@type": "GovernmentOrganization", "@id": ns["organisation"] + "mol",
                 "name": _text(("City Municipality of Ljubljana", "Mestna občina Ljubljana"), lang),
                 "url": str(MUNICIPALITY_SITE)}
    return {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": ns.dataset,
        "url": ns.base,
        "name": _text(TITLE, lang),
        "description": _text(DESCRIPTION, lang),
        "keywords": list(KEYWORDS[1] if lang == "sl" else KEYWORDS[0]),
        "inLanguage": list(SUPPORTED[::-1]),  # sl, en: the source's language first
        "license": LICENCE_PAGE,
        "isAccessibleForFree": True,
        "creator": publisher,
        "publisher": publisher,
        "version": pub.version,
        "temporalCoverage": f"{TEMPORAL[0].isoformat()}/{TEMPORAL[1].isoformat()}",
        "spatialCoverage": {"@type": "Place", "name": "Ljubljana", "sameAs": str(LJUBLJANA),
                            "geo": {"@type": "GeoCoordinates", "latitude": float(lat), "longitude": float(lon)}},
        "distribution": [{"@type": "DataDownload", "encodingFormat": fmt.media_type,
                          "contentUrl": f"{ns.dataset}/dump.{fmt.suffix}", "name": f"{fmt.label} dump"}
                         for fmt in formats.DUMPS],
        "includedInDataCatalog": {"@type": "DataCatalog", "@id": ns.iri_of("catalogue"),
                                  "name": "Catalogue: " + TITLE[0] if lang != "sl" else "Katalog: " + TITLE[1]},
        "subjectOf": {"@type": "WebAPI", "name": "SPARQL", "url": ns.iri_of("sparql"),
                      "documentation": ns.iri_of(".well-known/sparql-examples")},
    } | _release_dates(pub)


def _release_dates(pub) -> dict[str, str]:
    """datePublished (the first release) and dateModified (the latest), the days data/releases.toml records
    and the catalogue states as dct:issued and dct:modified; none without a release record."""
    dates = {"datePublished": pub.issued, "dateModified": pub.modified}
    return {key: moment.date().isoformat() for key, moment in dates.items() if moment is not None}


def event_jsonld(pub, iri: str, lang: str) -> dict | None:
    """schema.org markup of an event or exhibition page (None for anything else)."""
    from .describe import labels_of

    store = pub.store
    values = " ".join(f"<{t}>" for t in EVENT_TYPES)
    rows = store.select(f"""
        SELECT ?type ?start ?end ?status ?place ?organizer WHERE {{
          <{iri}> a ?type . VALUES ?type {{ {values} }}
          OPTIONAL {{ <{iri}> <{SCHEMA}startDate> ?start }} OPTIONAL {{ <{iri}> <{SCHEMA}endDate> ?end }}
          OPTIONAL {{ <{iri}> <{SCHEMA}eventStatus> ?status }} OPTIONAL {{ <{iri}> <{SCHEMA}location> ?place }}
          OPTIONAL {{ <{iri}> <{SCHEMA}organizer> ?organizer }} }}""")
    if not rows:
        return None
    first = max(rows, key=lambda r: r["type"].value == SCHEMA + "ExhibitionEvent")  # the most specific type
    linked = {iri} | {r[k].value for r in rows for k in ("place", "organizer") if r[k] is not None}
    labels, _ = labels_of(store, linked)
    out: dict = {"@context": CONTEXT, "@type": first["type"].value.removeprefix(SCHEMA), "@id": iri, "url": iri,
                 "name": pick(labels.get(iri), lang) or iri}
    for key in ("start", "end"):
        if first[key] is not None:
            out[key + "Date"] = first[key].value
    status = first["status"]
    if status is not None and status.value.startswith(SCHEMA):  # ours (held, planned) mean nothing to a reader
        out["eventStatus"] = status.value
    places = sorted({r["place"].value for r in rows if r["place"] is not None})
    if places:
        out["location"] = [{"@type": "Place", "@id": p, "name": pick(labels.get(p), lang) or p} for p in places]
    organizers = sorted({r["organizer"].value for r in rows if r["organizer"] is not None})
    if organizers:
        out["organizer"] = [{"@type": "Organization", "@id": o, "name": pick(labels.get(o), lang) or o}
                            for o in organizers]
    return out


def page_links(base: str, path: str, query_string: bytes) -> dict:
    """The same page in each language (hreflang, x-default without ?lang), for the <head> and the language
    switch: every other parameter is kept as it was sent, byte for byte, repeated ones too (facets, the
    query), so switching language shows the same list or answer. The path (decoded by the router) is
    percent-encoded again, so `a%3Fb` stays one segment and not a query."""
    kept = [pair for pair in query_string.decode("latin-1").split("&")
            if pair and unquote_plus(pair.partition("=")[0]) != "lang"]
    encoded_path = quote(path.lstrip("/"), safe="/:@!$&'()*+,;=~")

    def url(lang: str | None) -> str:
        pairs = [quote(pair, safe="=+%/:@!$'()*,;~?", encoding="latin-1") for pair in kept]
        if lang:
            pairs.append(f"lang={lang}")
        return base + encoded_path + ("?" + "&".join(pairs) if pairs else "")

    return {"languages": [(lang, url(lang)) for lang in SUPPORTED], "default": url(None)}


def page_iris(pub) -> list[str]:
    """Every page of ours: the home page, the query page and every IRI of ours the store describes."""
    base = pub.namespaces.base
    rows = pub.store.select(f"""SELECT DISTINCT ?s WHERE {{ ?s ?p ?o
        FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}")) }}""")
    pages = [r["s"].value for r in rows]  # hash IRIs are parts of a page; /.well-known/ holds data, not pages
    iris = {i for i in pages if "#" not in i and not i.startswith(base + ".well-known/")}
    return [base, base + "sparql", *sorted(iris - {base, base + "sparql"})]


def sitemap(pub, page: int | None = None) -> bytes | None:
    """The sitemap: one file while the pages fit, else an index of numbered files; None for a page past
    the end."""
    iris = pub.cache.get("sitemap-iris")
    if iris is None:
        iris = pub.cache["sitemap-iris"] = page_iris(pub)
    lastmod = pub.modified.date().isoformat() if pub.modified else None  # (no release record: no lastmod)
    chunks = [iris[i:i + SITEMAP_LIMIT] for i in range(0, len(iris), SITEMAP_LIMIT)]
    if page is None and len(chunks) > 1:
        root = ET.Element("sitemapindex", xmlns=SITEMAP_NS)
        for number in range(1, len(chunks) + 1):
            entry = ET.SubElement(root, "sitemap")
            ET.SubElement(entry, "loc").text = f"{pub.namespaces.base}sitemap-{number}.xml"
            if lastmod:
                ET.SubElement(entry, "lastmod").text = lastmod
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)
    if page is not None and not 1 <= page <= len(chunks):
        return None
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for iri in chunks[(page or 1) - 1]:
        entry = ET.SubElement(root, "url")
        ET.SubElement(entry, "loc").text = iri
        if lastmod:
            ET.SubElement(entry, "lastmod").text = lastmod
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def robots(base: str) -> str:
    """robots.txt: everything may be crawled but query answers (each a costly run of the engine)."""
    path = urlsplit(base).path or "/"
    return f"User-agent: *\nDisallow: {path}sparql?\nAllow: /\nSitemap: {base}sitemap.xml\n"
