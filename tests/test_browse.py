"""/browse/<class> on every store, over HTTP: each class lists its resources paged and sorted by label, a
facet narrows the list and its counts are the COUNT a SPARQL query gives, JSON and CSV say the same, the
home page links every class to its list with the technical classes apart, and bad input gets a 4xx."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"


def sparql_count(served, http, where: str) -> int:
    query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}"
    r = http.get(served.url("sparql"), params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def listing(served, http, curie: str, **params) -> dict:
    r = http.get(served.url(f"browse/{curie}.json"), params=params)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def home_classes(served, http, section: str) -> list[str]:
    page = http.get(served.url("?lang=en"), headers={"Accept": "text/html"}).text
    block = re.search(rf'id="{section}".*?</table>', page, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"', block)


def test_home_links_each_class_to_its_list_with_the_technical_classes_apart(served, http):
    main, technical = home_classes(served, http, "classes"), home_classes(served, http, "technical")
    assert main and technical
    for href in main + technical:
        assert href.startswith(served.url("browse/")), href
    names = [h.split("browse/")[1].split("?")[0] for h in main]
    apart = [h.split("browse/")[1].split("?")[0] for h in technical]
    for machinery in ("oa:TextPositionSelector", "oa:TextQuoteSelector", "time:Interval", "time:Instant"):
        assert machinery in apart and machinery not in names
    for thing in ("org:Membership", "schema:City", "schema:Person", "ljo:Hosting"):
        assert thing in names


@pytest.mark.parametrize("lang", ["en", "sl"])
def test_every_class_lists_all_its_resources_paged_and_sorted_by_label(served, http, lang):
    page = http.get(served.url(f"?lang={lang}"), headers={"Accept": "text/html"}).text
    curies = sorted(set(re.findall(r'href="[^"]*/browse/([^"?.]+)', page)))
    assert len(curies) > 20
    for curie in curies:
        seen, labels, offset = [], [], 0
        while True:
            doc = listing(served, http, curie, limit=4, offset=offset, lang=lang)
            seen += [i["id"] for i in doc["items"]]
            labels += [i["label"] for i in doc["items"]]
            if not doc["next"]:
                break
            assert len(doc["items"]) == 4
            offset += 4
        cls = doc["class"]
        assert len(seen) == len(set(seen)) == doc["total"] == sparql_count(served, http, f"?s a <{cls}>"), curie
        assert [x.lower() for x in labels] == sorted(x.lower() for x in labels), curie


FACETS = [  # (class, facet, value as the URL gives it, the same narrowing written by hand in SPARQL)
    ("org:Membership", "network", "id/organisation/like", f"?s a <{ORG}Membership> ; <{ORG}organization> <{{}}>"),
    ("schema:Event", "status", "ontology/EventPlanned", f"?s a <{SCHEMA}Event> ; <{SCHEMA}eventStatus> <{{}}>"),
    ("schema:Event", "country", "id/country/czechia",
     f"?s a <{SCHEMA}Event> ; <{SCHEMA}location>/<{SCHEMA}containedInPlace> <{{}}>"),
    ("ljo:Hosting", "country", "id/country/morocco", "?s a <{base}ontology/Hosting> ; "
                                                     "<{base}ontology/guest>/<{base}ontology/comesFrom> <{}>"),
]


@pytest.mark.parametrize("curie, facet, value, where", FACETS)
def test_a_facet_narrows_the_list_and_its_counts_are_sparql_counts(served, http, curie, facet, value, where):
    where = where.replace("{base}", served.base)
    everything = listing(served, http, curie)
    counts = {v["value"]: v["count"] for f in everything["facets"] if f["name"] == facet for v in f["values"]}
    iri = served.url(value)
    expected = sparql_count(served, http, where.format(iri))
    assert expected > 0 and counts[iri] == expected
    narrowed = listing(served, http, curie, **{facet: iri})
    kept = {i["id"] for i in narrowed["items"]}
    assert narrowed["total"] == len(kept) == expected and kept <= {i["id"] for i in everything["items"]}
    chosen = [v for f in narrowed["facets"] if f["name"] == facet for v in f["values"] if v["selected"]]
    assert [v["value"] for v in chosen] == [iri]
    # every count offered within the narrowed list is the SPARQL count of that combination
    for f in narrowed["facets"]:
        for v in f["values"]:
            assert listing(served, http, curie, **{facet: iri, f["name"]: v["value"]})["total"] == v["count"]


def test_a_year_facet_groups_dates_and_years_by_year(served, http):
    doc = listing(served, http, "schema:Event")
    years = {v["value"]: v["count"] for f in doc["facets"] if f["name"] == "year" for v in f["values"]}
    assert years["2017"] == sparql_count(
        served, http, f'?s a <{SCHEMA}Event> ; <{SCHEMA}startDate> ?d FILTER(STRSTARTS(STR(?d), "2017"))')
    assert set(years) >= {"2015", "2017"}


def test_json_and_csv_of_a_list_say_the_same(served, http):
    doc = listing(served, http, "schema:Country", lang="en")
    for url, headers in ((served.url("browse/schema:Country.csv"), {}),
                         (served.url("browse/schema:Country?format=csv"), {}),
                         (served.url("browse/schema:Country"), {"Accept": "text/csv"})):
        r = http.get(url, params={"lang": "en"}, headers=headers)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [(row["id"], row["label"]) for row in rows] == [(i["id"], i["label"]) for i in doc["items"]]
    assert doc["total"] == 15 and doc["class"] == SCHEMA + "Country"
    html = http.get(served.url("browse/schema:Country?lang=sl"), headers={"Accept": "text/html"})
    assert html.status_code == 200 and "Slovenija" in html.text and "Češka" in html.text


@pytest.mark.parametrize("path, status, words", [
    ("browse/org:Membership?colour=red", 400, "not a facet of org:Membership"),
    ("browse/org:Membership?limit=lots", 400, "?limit= must be a whole number"),
    ("browse/org:Membership?limit=100000", 400, "from 0 to 500"),
    ("browse/org:Membership?offset=-1", 400, "?offset="),
    ("browse/nope:Thing", 404, "known prefix"),
    ("browse/org:Nothing", 404, "no resource of the class org:Nothing"),
    ("browse/org:Mem%3Eber", 404, "cannot hold"),
])
def test_bad_input_gets_a_4xx_that_says_what_is_wrong(served, http, path, status, words):
    r = http.get(served.url(path), headers={"Accept": "application/json"})
    assert r.status_code == status and words in r.text, r.text


def test_a_hostile_facet_value_matches_nothing_and_breaks_nothing(served, http):
    doc = listing(served, http, "org:Membership", network='x" } ?s ?p ?o { "')
    assert doc["total"] == 0 and doc["items"] == []


def test_switching_language_keeps_the_facets_chosen(served, http):
    like = served.url("id/organisation/like")
    page = http.get(served.url("browse/org:Membership"), params={"network": like, "lang": "en"}).text
    switch = re.search(r'<span class="langs">(.*?)</span>', page).group(1)
    slovenian = html.unescape(re.search(r'<a href="([^"]+)" hreflang="sl"', switch).group(1))
    assert parse_qs(urlsplit(slovenian).query) == {"network": [like], "lang": ["sl"]}
    narrowed = http.get(slovenian, headers={"Accept": "text/html"})
    assert narrowed.status_code == 200 and 'lang="sl"' in narrowed.text[:200]
    total = listing(served, http, "org:Membership", network=like)["total"]
    assert f'<span id="total">{total}</span>' in narrowed.text


def test_a_facet_given_twice_is_refused_and_a_narrowed_list_offers_the_whole_one(served, http):
    like, icorn = served.url("id/organisation/like"), served.url("id/organisation/icorn")
    twice = http.get(served.url("browse/org:Membership.json"), params=[("network", like), ("network", icorn)])
    assert twice.status_code == 400 and "?network= is given 2 times" in twice.text
    page = http.get(served.url("browse/org:Membership"), params={"year": "abc", "lang": "sl"},
                    headers={"Accept": "text/html"}).text
    assert '<span id="total">0</span>' in page and "pokaži vse" in page
    clear = html.unescape(re.search(r'<a href="([^"]+)" id="clear">', page).group(1))
    assert parse_qs(urlsplit(clear).query) == {"lang": ["sl"]}
    assert listing(served, http, "org:Membership")["total"] > 0


def test_past_the_end_previous_leads_to_the_last_page_and_downloads_keep_the_language(served, http):
    total = listing(served, http, "org:Membership")["total"]
    page = http.get(served.url("browse/org:Membership"), params={"offset": 10**8, "limit": 2, "lang": "sl"},
                    headers={"Accept": "text/html"}).text
    previous = html.unescape(re.search(r'<a href="([^"]+)" rel="prev"', page).group(1))
    assert parse_qs(urlsplit(previous).query)["offset"] == [str((total - 1) // 2 * 2)]
    downloads = [html.unescape(h) for h in re.findall(r'<a href="([^"]+)" class="download"', page)]
    assert downloads and all("lang=sl" in h for h in downloads)


def test_the_count_of_a_list_takes_the_slovenian_plural(served, http):
    forms = {1: "vir", 2: "vira", 3: "viri", 4: "viri"}  # then "virov"
    seen = set()
    for curie in ("org:Membership", "schema:Event", "schema:Country", "schema:City", "ljo:Hosting"):
        for value in [None, *[v["value"] for f in listing(served, http, curie)["facets"] for v in f["values"]]][:6]:
            doc = listing(served, http, curie)
            facet = next((f["name"] for f in doc["facets"] for v in f["values"] if v["value"] == value), None)
            params = {"lang": "sl", **({facet: value} if facet else {})}
            page = http.get(served.url(f"browse/{curie}"), params=params, headers={"Accept": "text/html"}).text
            total = int(re.search(r'<span id="total">(\d+)</span>', page).group(1))
            word = re.search(r'<span id="total">\d+</span> (\w+)', page).group(1)
            assert word == forms.get(total % 100, "virov"), (curie, params, total, word)
            seen.add(forms.get(total % 100, "virov"))
    assert {"vir", "virov"} <= seen  # both ends of the rule were met
