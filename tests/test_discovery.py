"""Being found, as a crawler and a dataset search engine see us: schema.org JSON-LD in the head of the home,
dataset and event pages, sitemap.xml, robots.txt, hreflang and typed alternates, meta description."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import pytest
import rdflib
from test_pages import start_chromium

from ljkg.releases import read_releases
from ljkg.settings import PROJECT_ROOT

SCHEMA = rdflib.Namespace("https://schema.org/")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
EXHIBITION = "id/event/exhibition-nemogoce-se-je-vrniti-v-nemogoco-dezelo"


class Head(HTMLParser):
    """What a crawler reads from <head>: JSON-LD blocks, <link> and <meta> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.in_head = True
        self.jsonld: list[str] = []
        self.links: list[dict] = []
        self.meta: dict[str, str] = {}
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.in_head:
            return
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._script = []
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "meta" and "name" in attrs:
            self.meta[attrs["name"]] = attrs.get("content", "")

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.jsonld.append("".join(self._script))
            self._script = None
        if tag == "head":
            self.in_head = False


def head_of(served, http, path: str, lang: str = "en") -> Head:
    response = http.get(served.url(path), params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    head = Head()
    head.feed(response.text)
    return head


def marked_up(served, head: Head, kind: str) -> tuple[dict, rdflib.Graph, rdflib.URIRef]:
    """The one JSON-LD block of this type, as JSON and as the RDF graph it means (rdflib, no network)."""
    blocks = [json.loads(text) for text in head.jsonld]
    block = next(b for b in blocks if b.get("@type") == kind)
    graph = rdflib.Graph().parse(data=json.dumps(block), format="json-ld", publicID=served.base)
    node = rdflib.URIRef(block["@id"])
    assert (node, rdflib.RDF.type, SCHEMA[kind]) in graph
    return block, graph, node


@pytest.mark.parametrize("path", ["", "dataset"])
@pytest.mark.parametrize("lang", ["en", "sl"])
def test_dataset_jsonld_has_what_dataset_search_reads(served, http, path, lang):
    head = head_of(served, http, path, lang)
    block, graph, node = marked_up(served, head, "Dataset")
    name = graph.value(node, SCHEMA.name)
    description = graph.value(node, SCHEMA.description)
    assert name and 50 <= len(str(description)) <= 5000  # Google's bounds for a description
    assert (node, SCHEMA.license, rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")) in graph
    creator = graph.value(node, SCHEMA.creator)
    assert graph.value(creator, SCHEMA.name)
    assert {str(x) for x in graph.objects(node, SCHEMA.inLanguage)} == {"sl", "en"}
    assert str(graph.value(node, SCHEMA.temporalCoverage)).startswith("1994-")
    place = graph.value(node, SCHEMA.spatialCoverage)
    assert str(graph.value(place, SCHEMA.name)) == "Ljubljana" and graph.value(place, SCHEMA.geo)
    downloads = [graph.value(d, SCHEMA.contentUrl) for d in graph.objects(node, SCHEMA.distribution)]
    assert len(downloads) >= 5 and all(graph.value(d, SCHEMA.encodingFormat)
                                       for d in graph.objects(node, SCHEMA.distribution))
    for url in downloads:
        assert http.head(str(url)).status_code == 200, url
    record = read_releases(PROJECT_ROOT)  # the same days as the catalogue's dct:issued and dct:modified
    assert str(graph.value(node, SCHEMA.datePublished)) == record.issued.isoformat()
    assert str(graph.value(node, SCHEMA.dateModified)) == record.current.date.isoformat()
    if lang == "sl":
        assert "Ljubljane" in str(name)  # the page's language
    assert head.meta["description"]


def test_exhibition_page_has_event_markup(served, http):
    head = head_of(served, http, EXHIBITION)
    block, graph, node = marked_up(served, head, "ExhibitionEvent")
    assert str(node) == served.url(EXHIBITION)
    assert str(graph.value(node, SCHEMA.startDate)) == "2021-11-16"
    assert str(graph.value(node, SCHEMA.endDate)) == "2021-12-12"
    location = graph.value(node, SCHEMA.location)
    assert str(graph.value(location, SCHEMA.name)) == "Kresija Gallery"


def test_event_page_has_event_markup_and_a_place_page_none(served, http):
    block, _graph, _node = marked_up(served, head_of(served, http, "id/event/presentation-in-budapest"), "Event")
    assert block["location"][0]["name"] == "Budapest"
    assert head_of(served, http, "id/place/ljubljana").jsonld == []


def test_hreflang_and_typed_alternates(served, http):
    head = head_of(served, http, "id/place/ljubljana")
    hreflang = {link["hreflang"]: link["href"] for link in head.links if "hreflang" in link}
    assert hreflang == {"en": served.url("id/place/ljubljana?lang=en"), "sl": served.url("id/place/ljubljana?lang=sl"),
                        "x-default": served.url("id/place/ljubljana")}
    slovenian = http.get(hreflang["sl"], headers={"Accept": "text/html"})
    assert '<html lang="sl">' in slovenian.text
    typed = {link["type"]: link["href"] for link in head.links
             if link.get("rel") == "alternate" and "type" in link}
    assert typed["text/turtle"] == served.url("id/place/ljubljana.ttl")
    for media_type, href in typed.items():
        assert http.get(href).headers["Content-Type"].startswith(media_type)


def test_sitemap_lists_every_resource_page_with_lastmod(served, http):
    response = http.get(served.url("sitemap.xml"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == SITEMAP + "urlset"
    entries = {u.findtext(SITEMAP + "loc"): u.findtext(SITEMAP + "lastmod") for u in root.iter(SITEMAP + "url")}
    assert all(entries.values()), "every URL has its last modification"
    rows = http.get(served.url("sparql"), params={"query": "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
                                                           "FILTER(isIRI(?s)) }"},
                    headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
    ours = {r["s"]["value"] for r in rows if r["s"]["value"].startswith(served.base) and "#" not in r["s"]["value"]
            and "/.well-known/" not in r["s"]["value"]}
    assert ours and ours <= set(entries), sorted(ours - set(entries))[:5]
    assert {served.base, served.url("sparql")} <= set(entries)
    page = http.get(served.url("id/place/ljubljana"), headers={"Accept": "text/html"})
    assert page.status_code == 200
    modified = parsedate_to_datetime(page.headers["Last-Modified"]).date().isoformat()
    assert entries[served.url("id/place/ljubljana")] == modified, "lastmod is the page's Last-Modified date"
    assert http.get(served.url("sitemap-2.xml")).status_code == 404


def test_robots_names_the_sitemap(served, http):
    response = http.get(served.url("robots.txt"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert f"Sitemap: {served.url('sitemap.xml')}" in lines
    assert http.get(served.url("sitemap.xml")).status_code == 200


def test_home_with_jsonld_has_no_csp_error_in_chromium(served):
    """JSON-LD in <script type="application/ld+json"> is data: the strict CSP must not report it. The same
    console shows an error for an inline script, so the check can see one."""
    browser = start_chromium()
    try:
        browser.get(served.url("?lang=en"))
        text = browser.execute_script(
            'return document.querySelector(\'head script[type="application/ld+json"]\').textContent')
        assert json.loads(text)["@type"] == "Dataset"
        errors = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
        assert errors == []
        browser.execute_script("const s = document.createElement('script'); s.textContent = '1';"
                               "document.head.appendChild(s);")
        assert any("Content Security Policy" in e["message"] for e in browser.get_log("browser"))
    finally:
        browser.quit()


def test_a_long_sitemap_becomes_an_index(served, http, monkeypatch):
    """Past the protocol's 50,000 URLs a file: an index of numbered sitemaps holding every URL once (the
    limit lowered here so the small graph needs several; the server runs in this process)."""
    from ljkg import discovery

    whole = ET.fromstring(http.get(served.url("sitemap.xml")).content)
    everything = [u.findtext(SITEMAP + "loc") for u in whole.iter(SITEMAP + "url")]
    monkeypatch.setattr(discovery, "SITEMAP_LIMIT", 100)
    index = ET.fromstring(http.get(served.url("sitemap.xml")).content)
    assert index.tag == SITEMAP + "sitemapindex"
    parts = [s.findtext(SITEMAP + "loc") for s in index.iter(SITEMAP + "sitemap")]
    assert len(parts) == -(-len(everything) // 100)
    listed = []
    for part in parts:
        root = ET.fromstring(http.get(part).content)
        listed += [u.findtext(SITEMAP + "loc") for u in root.iter(SITEMAP + "url")]
    assert listed == everything


def test_the_icon_is_ours_wherever_a_client_looks_for_it(served, http):
    home = http.get(served.url("?lang=en"), headers={"Accept": "text/html"}).text
    assert f'<link rel="icon" type="image/svg+xml" href="{served.url("static/favicon.svg")}">' in home
    old_place = http.get(served.url("favicon.ico"), allow_redirects=False)
    assert old_place.status_code == 301 and old_place.headers["Location"] == served.url("static/favicon.svg")
    icon = http.get(served.url("static/favicon.svg"))
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
