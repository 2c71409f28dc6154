"""Resource pages that tell the story, read in a real headless Chromium on every store: the n-ary relations
with their time, the dates of an exhibition, labels (never compact IRIs) for every property in both
languages, incoming links grouped by property with counts, and ?lang= kept across a click."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_pages import start_chromium

CURIE = re.compile(r"^[a-z][a-z0-9]*:[A-Za-z_]")


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def count(served, http, query: str) -> int:
    r = http.get(served.url("sparql"), params={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("lang, since", [("en", "since 1994"), ("sl", "od 1994")])
def test_mol_page_says_its_membership_with_the_year_and_links_to_it(served, browser, lang, since):
    browser.get(served.url(f"id/organisation/mol?lang={lang}"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#relations tr.relation")
    like = [r for r in rows if r.find_elements(By.CSS_SELECTOR, f'a[href^="{served.url("id/organisation/like")}"]')]
    assert like, [r.text for r in rows]
    assert like[0].find_element(By.CSS_SELECTOR, "td.when").text == since
    link = like[0].find_element(By.CSS_SELECTOR, "td.relation-link a")
    assert link.get_attribute("href").split("?")[0] == served.url("id/membership/mol-like")


@pytest.mark.parametrize("lang, dates", [("en", "16 Nov – 12 Dec 2021"), ("sl", "16. 11. – 12. 12. 2021")])
def test_the_exhibition_page_shows_its_dates(served, browser, lang, dates):
    browser.get(served.url(f"id/event/exhibition-nemogoce-se-je-vrniti-v-nemogoco-dezelo?lang={lang}"))
    assert browser.find_element(By.CSS_SELECTOR, "#when time").text == dates


def test_ljubljana_page_says_the_hosting_of_the_guests_from_morocco_since_2011(served, browser):
    browser.get(served.url("id/place/ljubljana?lang=en"))
    rows = [r for r in browser.find_elements(By.CSS_SELECTOR, "#relations tr.relation") if "Morocco" in r.text]
    assert rows
    assert rows[0].find_element(By.CSS_SELECTOR, "td.when").text == "since 2011"
    assert len(rows[0].find_elements(By.CSS_SELECTOR, "td.parties a")) == 2  # the two guests


PAGES = ("id/organisation/mol", "id/place/ljubljana", "id/organisation/like", "id/membership/mol-icorn",
         "id/event/exhibition-nemogoce-se-je-vrniti-v-nemogoco-dezelo", "dataset", "catalogue", "sparql",
         "id/country/slovenia", "source/mednarodno-sodelovanje/s04")


@pytest.mark.parametrize("lang", ["en", "sl"])
def test_every_property_on_a_page_is_labelled_in_the_page_language(served, browser, lang):
    for path in PAGES:
        if path in ("sparql",):
            continue
        browser.get(served.url(f"{path}?lang={lang}"))
        names = [a.text for a in browser.find_elements(By.CSS_SELECTOR,
                                                       "#properties th a, #incoming th a, p.types a")]
        assert names, path
        raw = [n for n in names if CURIE.match(n) or n.startswith("http")]
        assert not raw, (path, raw)


def test_incoming_links_are_grouped_by_property_with_their_counts(served, browser, http):
    browser.get(served.url("id/place/ljubljana?lang=en"))
    groups = browser.find_elements(By.CSS_SELECTOR, "#incoming tr.incoming-group")
    assert len(groups) >= 5
    for group in groups:
        prop = group.find_element(By.CSS_SELECTOR, "th a")
        assert group.find_element(By.CSS_SELECTOR, "th").text.startswith("as “")
        assert not CURIE.match(prop.text)
        shown = int(group.find_element(By.CSS_SELECTOR, "th small.count").text.strip("()"))
        iri = prop.get_attribute("title")
        city = served.url("id/place/ljubljana")
        assert shown == count(served, http, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{iri}> <{city}> }}")
        assert len(group.find_elements(By.CSS_SELECTOR, "td > div")) == shown


def test_the_chosen_language_survives_a_click(served, browser):
    browser.get(served.url("id/organisation/mol?lang=sl"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sl"
    browser.find_element(By.CSS_SELECTOR, "#relations td.relation-link a").click()
    WebDriverWait(browser, 10).until(ec.url_contains("id/membership/"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sl"
    assert "lang=sl" in browser.current_url
    # and once more, from a property value on that page
    browser.find_element(By.CSS_SELECTOR, f'#properties a[href^="{served.url("id/organisation/")}"]').click()
    WebDriverWait(browser, 10).until(ec.url_contains("id/organisation/"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "sl"
    # a language from Accept-Language alone is not written into links (the browser sends it again)
    browser.get(served.url("id/organisation/mol"))
    hrefs = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#properties a")]
    assert hrefs and not any("lang=" in h for h in hrefs)


@pytest.mark.parametrize("path", ["id/place/ljubljana", "id/organisation/like", "ontology/Hosting",
                                  "source/mednarodno-sodelovanje"])
def test_type_links_lead_to_our_list_of_that_class(served, http, path):
    page = http.get(served.url(path), params={"lang": "sl"}, headers={"Accept": "text/html"}).text
    types = re.search(r'<p class="types">(.*?)</p>', page, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)"[^>]*title="([^"]+)"', types)
    assert links, types
    for href, class_iri in links:
        href = href.replace("&amp;", "&")
        assert href.startswith(served.url("browse/")) and href.endswith("?lang=sl"), href
        listing = http.get(href.replace("?lang=sl", ".json"))
        assert listing.status_code == 200, (href, listing.text[:200])
        assert listing.json()["class"] == class_iri
        assert served.url(path) in {i["id"] for i in listing.json()["items"]} or listing.json()["next"]
