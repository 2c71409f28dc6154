"""The query page's result views in a real headless Chromium, each checked against the data the endpoint
gives for the same query: the chart's bars, the timeline's marks, the map's points, the graph's nodes;
the view chosen by `#defaultView:` and kept in the URL; copy as code; the local history; a 390 px screen;
downloads with a filename; and no request to anywhere but our server."""

from __future__ import annotations

import json
import re
import shlex
from collections import Counter
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree

import pytest
import rdflib
import requests
from conftest import start_server, stop_server
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from test_pages import start_chromium

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
LJUBLJANA = (46.0511, 14.5051)  # latitude, longitude (about: data/coordinates.ttl has the exact point)
EVERY_POINT = """PREFIX geo: <http://www.opengis.net/ont/geosparql#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?place ?label ?wkt WHERE { ?place geo:hasGeometry/geo:asWKT ?wkt ; rdfs:label ?label
  FILTER (LANG(?label) = "en") }"""


@pytest.fixture(scope="module")
def memory():
    served, server = start_server("memory")
    yield served
    stop_server(served, server)


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium(log_requests=True)
    driver.set_window_size(1280, 1000)
    yield driver
    driver.quit()


def example(served, name: str) -> str:
    return f"BASE <{served.base}>\n" + (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")


def bindings(served, query: str) -> list[dict]:
    """The same query's rows, as the endpoint gives them to any client."""
    r = requests.get(served.url("sparql"), params={"query": query}, timeout=30,
                     headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200
    return r.json()["results"]["bindings"]


def open_view(browser, served, query: str, view: str | None = None, lang: str = "en") -> str:
    """Open the query page with `query` run; wait until the views script has drawn what it shows first."""
    url = served.url(f"sparql?lang={lang}&query={quote(query)}" + (f"&view={view}" if view else ""))
    browser.get(url)
    return shown(browser)


def shown(browser) -> str:
    """The view the page shows once the views script has drawn it."""
    return WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "const v = document.getElementById('result-views'); return v && v.dataset.view"))


def switch(browser, view: str) -> None:
    browser.find_element(By.CSS_SELECTOR, f'.view-bar button[data-view="{view}"]').click()
    WebDriverWait(browser, 15).until(lambda b: b.execute_script(
        "return document.getElementById('result-views').dataset.view") == view)


def attrs(browser, selector: str, *names: str) -> list[dict]:
    return browser.execute_script("""
        return [...document.querySelectorAll(arguments[0])].map(e => Object.fromEntries(
            arguments[1].map(n => [n, e.getAttribute(n)])));""", selector, list(names))


def screenshot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("document.getElementById('results').scrollIntoView()")
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_the_bar_chart_draws_the_member_counts(served, browser):
    # without its #defaultView comment the page opens on the table; the chart is a button away
    query = re.sub(r"(?im)^#\s*defaultView:.*$", "", example(served, "13-member-counts"))
    assert open_view(browser, served, query) == "Table"
    switch(browser, "BarChart")
    bars = attrs(browser, ".view-BarChart rect.bar", "data-value", "width")
    counts = sorted(int(row["value"]["value"]) for row in bindings(served, query))
    assert counts and sorted(int(b["data-value"]) for b in bars) == counts
    # drawn to scale: each bar's length is its count times one factor
    factors = {round(float(b["width"]) / int(b["data-value"]), 6) for b in bars if int(b["data-value"])}
    assert len(factors) == 1


def test_the_timeline_has_a_mark_per_dated_row_at_its_year(served, browser):
    query = example(served, "12-timeline")
    open_view(browser, served, query, "Timeline")
    marks = attrs(browser, ".view-Timeline circle.mark", "data-year", "cx")
    years = Counter(int(row["date"]["value"][:4]) for row in bindings(served, query) if "date" in row)
    assert years and Counter(int(m["data-year"]) for m in marks) == years
    # placed on one time axis: a later year is further right
    by_year = sorted((int(m["data-year"]), float(m["cx"])) for m in marks)
    assert all(a[1] <= b[1] for a, b in pairwise(by_year))
    assert by_year[0][1] < by_year[-1][1]


def test_the_map_puts_ljubljana_inside_slovenia(served, browser):
    query = example(served, "17-map-presentations-and-guests")
    open_view(browser, served, query, "Map")
    placed = [row for row in bindings(served, query) if "wkt" in row]
    assert placed and len(browser.find_elements(By.CSS_SELECTOR, ".view-Map circle.place")) == len(placed)
    screenshot(browser, "map-1280")
    open_view(browser, served, EVERY_POINT, "Map")
    wkt = next(row["wkt"]["value"] for row in bindings(served, EVERY_POINT)
               if row["place"]["value"] == served.url("id/place/ljubljana"))
    lon, lat = wkt.removeprefix("POINT(").removesuffix(")").split()
    assert abs(float(lat) - LJUBLJANA[0]) < 0.01 and abs(float(lon) - LJUBLJANA[1]) < 0.01
    point = browser.find_element(By.CSS_SELECTOR, f'.view-Map circle.place[data-lat="{lat}"][data-lon="{lon}"]')
    # the projected point lies on the vendored basemap's outline of Slovenia, not merely somewhere
    assert browser.execute_script("""
        const c = arguments[0], slovenia = document.querySelector('.view-Map path.country[data-name="Slovenia"]');
        const other = document.querySelector('.view-Map path.country[data-name="Austria"]');
        const p = new DOMPoint(+c.getAttribute('cx'), +c.getAttribute('cy'));
        return slovenia.isPointInFill(p) && !other.isPointInFill(p);""", point)


def test_the_graph_has_a_node_per_distinct_subject_and_object(served, browser):
    query = f"DESCRIBE <{served.url('id/place/ljubljana')}>"
    assert open_view(browser, served, query) == "Table"
    switch(browser, "Graph")
    answer = requests.get(served.url("sparql"), params={"query": query}, headers={"Accept": "application/n-triples"},
                          timeout=30)
    g = rdflib.Graph().parse(data=answer.text, format="nt")
    terms = {t for s, _, o in g for t in (s, o)}
    nodes = browser.find_elements(By.CSS_SELECTOR, ".view-Graph g.node")
    assert len(terms) > 5 and len(nodes) == len(terms)
    assert len(browser.find_elements(By.CSS_SELECTOR, ".view-Graph g.edge")) == len(g)


def test_default_view_comment_picks_the_view_and_the_url_reproduces_it(served, browser):
    """On every store: the view chosen from the result's shape and the query's comment."""
    query = "#defaultView:Timeline\n" + example(served, "12-timeline")
    assert open_view(browser, served, query, lang="sl") == "Timeline"
    params = parse_qs(urlsplit(browser.current_url).query)
    assert params["view"] == ["Timeline"] and params["lang"] == ["sl"] and params["query"] == [query]
    # a view the result cannot show is not offered, and the comment falls back to the table
    assert not browser.find_elements(By.CSS_SELECTOR, '.view-bar button[data-view="Map"]')
    assert open_view(browser, served, "#defaultView:Map\n" + example(served, "13-member-counts")) == "Table"
    switch(browser, "LineChart")
    link = browser.current_url
    assert parse_qs(urlsplit(link).query)["view"] == ["LineChart"]
    browser.get(link)  # the link reproduces what was shown
    assert shown(browser) == "LineChart"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".view-LineChart circle.point")) == \
        len(bindings(served, example(served, "13-member-counts")))


def test_copy_as_code_gives_a_curl_line_that_works(memory, browser):
    query = example(memory, "13-member-counts")
    open_view(browser, memory, query)
    browser.find_element(By.ID, "copy-code").click()
    Select(browser.find_element(By.CSS_SELECTOR, "#code-dialog select")).select_by_value("curl")
    line = browser.find_element(By.CSS_SELECTOR, "#code-dialog code").text
    words = shlex.split(line)
    assert words[:2] == ["curl", "-G"]
    url, header = words[2], words[words.index("-H") + 1]
    data = words[words.index("--data-urlencode") + 1]
    name, _, value = data.partition("=")
    key, _, accept = header.partition(": ")
    r = requests.get(url, params={name: value}, headers={key: accept}, timeout=30)  # what curl -G sends
    assert r.status_code == 200 and value == query
    assert r.json()["results"]["bindings"] == bindings(memory, query)
    for language in ("sparqlwrapper", "requests", "fetch", "r"):  # every other language names the endpoint
        Select(browser.find_element(By.CSS_SELECTOR, "#code-dialog select")).select_by_value(language)
        assert json.dumps(memory.url("sparql")) in browser.find_element(By.CSS_SELECTOR, "#code-dialog code").text


def test_history_lists_the_last_query_after_a_reload(memory, browser):
    query = "SELECT ?city WHERE { ?city a schema:City } # history check"
    open_view(browser, memory, query)
    browser.get(memory.url("sparql?lang=en"))
    entries = WebDriverWait(browser, 10).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#history a.history-entry"))
    assert "history check" in entries[0].get_attribute("textContent")  # (inside a closed <details>)
    assert parse_qs(urlsplit(entries[0].get_attribute("href")).query)["query"] == [query]


def test_at_390_px_nothing_is_wider_than_the_screen(memory, browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    try:
        for name, view in (("17-map-presentations-and-guests", "Table"), ("12-timeline", "Timeline"),
                           ("17-map-presentations-and-guests", "Map")):
            assert open_view(browser, memory, example(memory, name), view) == view
            assert browser.execute_script("return document.documentElement.scrollWidth") <= 390, (name, view)
            if view == "Map":
                screenshot(browser, "map-390")
        browser.get(memory.url("id/place/ljubljana?lang=en"))
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_views_request_nothing_outside_the_server(memory, browser):
    browser.get_log("performance")  # drop what earlier tests logged
    open_view(browser, memory, example(memory, "17-map-presentations-and-guests"), "Map")
    urls = [json.loads(entry["message"])["message"]["params"]["request"]["url"]
            for entry in browser.get_log("performance")
            if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"]
    assert any("views.bundle.js" in u for u in urls) and any("countries-110m.json" in u for u in urls)
    foreign = [u for u in urls if not u.startswith(memory.base) and not u.startswith(("data:", "blob:"))]
    assert not foreign, f"the page fetched from elsewhere: {foreign}"


def test_each_view_downloads_as_svg_and_png(memory, browser, tmp_path):
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)})
    query = example(memory, "12-timeline")
    open_view(browser, memory, query, "Timeline")
    browser.find_element(By.ID, "download-svg").click()
    browser.find_element(By.ID, "download-png").click()
    svg, png = tmp_path / "ljkg-Timeline.svg", tmp_path / "ljkg-Timeline.png"
    WebDriverWait(browser, 15).until(lambda b: svg.exists() and png.exists() and png.stat().st_size > 0)
    drawn = ElementTree.parse(svg).getroot()
    marks = drawn.findall(".//{http://www.w3.org/2000/svg}circle[@class='mark']")
    assert len(marks) == sum(1 for row in bindings(memory, query) if "date" in row)  # the view, as a file
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_literals_stay_data_in_the_views_attribute(memory, browser):
    hostile = """' onmouseover='alert(1)' "</div><script>alert(2)</script>&amp;"""
    query = f"SELECT ?x WHERE {{ BIND({json.dumps(hostile)} AS ?x) }}"
    assert open_view(browser, memory, query) == "Table"
    views = browser.find_element(By.ID, "result-views")
    assert views.get_attribute("onmouseover") is None and not browser.find_elements(By.CSS_SELECTOR, "main script")
    data = json.loads(views.get_attribute("data-result"))
    assert data["bindings"][0]["x"]["value"] == hostile


def test_downloads_are_named_files(served, http):
    query = "SELECT ?city WHERE { ?city a schema:City }"
    r = http.get(served.url("sparql"), params={"query": query, "format": "csv"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and disposition.split("filename=")[1].strip('"').endswith(".csv")
    turtle = http.get(served.url("sparql"), params={"query": "CONSTRUCT WHERE { ?s a schema:City }"},
                      headers={"Accept": "text/turtle"}, timeout=30)
    assert turtle.headers["Content-Disposition"].split("filename=")[1].strip('"').endswith(".ttl")


def test_without_javascript_a_construct_result_is_a_table_with_rdf_downloads(memory, http):
    query = "CONSTRUCT WHERE { ?s a schema:City }"
    page = http.get(memory.url("sparql"), params={"query": query, "lang": "en"}, headers={"Accept": "text/html"},
                    timeout=30)
    assert page.status_code == 200
    results = page.text.split('id="results"')[1].split("</section>")[0]
    assert results.count("<tr>") == 1 + 10  # the header and the ten cities' type triples
    assert 'format=turtle" download' in results and "format=csv" not in results
