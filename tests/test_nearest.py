"""The 404 page offers a search box and the nearest matches (ljkg/nearest.py), on every store, over HTTP."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_pages import browser  # noqa: F401  (the headless Chromium fixture)

from ljkg.nearest import fold, words_of


class Suggestions(HTMLParser):
    """The links of `#suggestions` and the value of the 404 page's search box."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.search_text: str | None = None
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "ul" and attributes.get("id") == "suggestions":
            self._inside = True
        elif tag == "a" and self._inside:
            self.links.append(attributes["href"])
        elif tag == "input" and attributes.get("name") == "q" and self.search_text is None \
                and attributes.get("value") is not None:
            self.search_text = attributes["value"]

    def handle_endtag(self, tag):
        if tag == "ul":
            self._inside = False


def not_found(http, served, path: str, **params) -> Suggestions:
    response = http.get(served.url(path), params=params, headers={"Accept": "text/html"}, timeout=10)
    assert response.status_code == 404, response.text[:300]
    assert response.headers["Content-Type"].startswith("text/html")
    page = Suggestions()
    page.feed(response.text)
    return page


def test_a_typo_in_a_resource_iri_is_offered_the_resource(served, http):
    page = not_found(http, served, "id/place/lubljana")  # one letter missing, no word of it matches
    assert page.links and page.links[0] == served.url("id/place/ljubljana")
    assert page.search_text == "lubljana"


def test_the_words_of_the_missing_iri_fill_the_search_box_and_find_matches(served, http):
    page = not_found(http, served, "id/organisation/icorn-network")
    assert page.search_text == "icorn network"
    assert served.url("id/organisation/icorn") in page.links


def test_suggestions_keep_the_chosen_language(served, http):
    page = not_found(http, served, "id/place/lubljana", lang="sl")
    assert page.links[0] == served.url("id/place/ljubljana") + "?lang=sl"


def test_nothing_near_offers_the_search_box_alone(served, http):
    page = not_found(http, served, "id/place/qqqqxxxxzzzz")
    assert page.links == []
    assert page.search_text == "qqqqxxxxzzzz"


def test_machines_still_get_a_plain_404(served, http):
    response = http.get(served.url("id/place/lubljana"), headers={"Accept": "application/json"}, timeout=10)
    assert response.status_code == 404
    assert "suggestions" not in response.text


def test_hostile_paths_get_a_404_page_not_a_500(served, http):
    for path in ("id/place/" + "a" * 5000, "id/place/%00%ff", "id/" + "-_" * 300, "%E2%80%AE",
                 "id/place/" + " ".join(["word"] * 100)):
        response = http.get(served.url(path), headers={"Accept": "text/html"}, timeout=10)
        assert response.status_code in (400, 404, 414), (path[:40], response.status_code)


def test_folding_and_words():
    assert fold("Zatočišče-Mesto_X") == "zatocisce mesto x"
    assert words_of("http://example.org/id/place/ljubljana-grad/") == "ljubljana grad"
    assert words_of("http://example.org/id/place/%C5%BEale") == "zale"
    assert re.fullmatch(r"[a-z ]*", words_of("http://example.org/x/<script>alert(1)</script>"))


def test_a_reader_follows_a_suggestion_and_searches_from_the_404_page(served, browser):  # noqa: F811
    browser.get(served.url("id/place/lubljana?lang=sl"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("404")
    browser.find_element(By.CSS_SELECTOR, "#suggestions a").click()
    WebDriverWait(browser, 10).until(ec.url_to_be(served.url("id/place/ljubljana?lang=sl")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ljubljana"
    browser.get(served.url("id/organisation/icorn-network"))
    box = browser.find_element(By.CSS_SELECTOR, "main form.search-page input[name=q]")
    assert box.get_attribute("value") == "icorn network"
    box.submit()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "search-total")))
    assert served.url("id/organisation/icorn") in [
        a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".search-results a")]


def test_the_prefilled_search_is_one_the_search_accepts(served, http):
    page = not_found(http, served, "id/place/" + "-".join(f"w{i}" for i in range(60)))
    assert len(page.search_text.split()) == 12
    searched = http.get(served.url("search"), params={"q": page.search_text}, headers={"Accept": "text/html"})
    assert searched.status_code == 200


def test_the_language_switch_of_a_404_names_the_same_missing_page(served, http):
    page = http.get(served.url("id/place/a%3Fb%23c"), params={"lang": "sl", "x": "%FF"},
                    headers={"Accept": "text/html"}).text
    switch = re.search(r'<span class="langs">(.*?)</span>', page).group(1)
    english = re.search(r'<a href="([^"]+)" hreflang="en"', switch).group(1).replace("&amp;", "&")
    assert english == served.url("id/place/a%3Fb%23c") + "?x=%25FF&lang=en"
