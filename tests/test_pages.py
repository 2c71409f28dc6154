"""Pages for people, in a real headless Chromium: home → resource → query page → results table."""

from __future__ import annotations

import shutil

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def start_chromium(log_requests: bool = False) -> webdriver.Chrome:
    """Headless Chromium with nothing of its own on the network, so a test sees only what a page asks for;
    `log_requests` keeps the DevTools log of every request the page makes."""
    assert CHROMIUM and CHROMEDRIVER, \
        "the browser tests need Debian's chromium and chromium-driver (.ci/run installs them)"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"):
        options.add_argument(flag)
    if log_requests:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def test_home_to_resource_to_query(served, browser):
    browser.get(served.url("?lang=en"))
    assert browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_element(By.ID, "timeline").find_elements(By.CSS_SELECTOR, "tbody tr")
    browser.find_element(By.CSS_SELECTOR, f'#entities a[href^="{served.url("id/place/ljubljana")}"]').click()
    WebDriverWait(browser, 10).until(ec.url_to_be(served.url("id/place/ljubljana?lang=en")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ljubljana"
    # external links and the source sentence quoted
    assert browser.find_elements(By.CSS_SELECTOR, '#external a[href="http://www.wikidata.org/entity/Q437"]')
    quotes = browser.find_elements(By.CSS_SELECTOR, "#sources blockquote")
    assert quotes and all(q.text for q in quotes)
    # the query page: pick an example, run it, see the table
    browser.find_element(By.LINK_TEXT, "SPARQL queries").click()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.ID, "query")))
    first = browser.find_elements(By.CSS_SELECTOR, "a.example")[0]
    first.click()  # JavaScript fills the editor
    editor = browser.find_element(By.ID, "query")
    assert "SELECT" in editor.get_attribute("value") or "ASK" in editor.get_attribute("value")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results table")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert rows
    share = browser.find_element(By.ID, "share").get_attribute("href")
    assert "query=" in share
    assert requests.get(share, headers={"Accept": "text/html"}, timeout=10).status_code == 200


def test_query_page_reports_errors(served, browser):
    browser.get(served.url("sparql?query=SELECT+%3Fs+WHERE+%7B&lang=en"))
    assert "400" in browser.find_element(By.ID, "query-error").text


def test_literals_are_escaped(served, http):
    r = http.get(served.url("sparql"), params={"query": 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'},
                 headers={"Accept": "text/html"})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_ontology_documentation(served, http):
    r = http.get(served.url("ontology"), headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "memberOf" in r.text or "hostedBy" in r.text
    assert 'lang="sl"' in r.text and 'lang="en"' in r.text


def test_each_quoted_passage_matches_its_character_offsets(served, browser):
    """The caption's "characters N–M" point at exactly the quoted text in the source file."""
    from ljkg.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "source" / "mednarodno-sodelovanje.sl.txt").read_text(encoding="utf-8")
    browser.get(served.url("id/place/ljubljana?lang=en"))
    figures = browser.find_elements(By.CSS_SELECTOR, "#sources figure")
    assert figures
    for figure in figures:
        caption = figure.find_element(By.TAG_NAME, "figcaption").text
        start, end = (int(n) for n in caption.rsplit("characters ", 1)[1].split("–"))
        assert figure.find_element(By.TAG_NAME, "blockquote").text == text[start:end]
