"""Browser hardening, over HTTP and in a real headless Chromium: every HTML response carries a strict
Content-Security-Policy and its companions, the browser enforces it without our own pages tripping it, and
an IRI that is not http(s) is never a link."""

from __future__ import annotations

import re

import pytest
import requests
from conftest import start_server, stop_server
from selenium.webdriver.common.by import By
from test_pages import browser  # noqa: F401  (the headless Chromium fixture)

JAVASCRIPT_IRI = "javascript:alert(document.domain)"
JAVASCRIPT_QUERY = f"SELECT ?x WHERE {{ BIND(<{JAVASCRIPT_IRI}> AS ?x) }}"
NOT_LINKED = (JAVASCRIPT_IRI, "JaVaScRiPt:alert(2)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
              "vbscript:msgbox(1)", "file:///etc/passwd", "mailto:someone@example.org", "urn:isbn:0451450523",
              "http:no-host")
REQUIRED_DIRECTIVES = {
    "default-src": "'self'", "script-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}


@pytest.fixture(scope="module")
def site():
    """The headers do not depend on the store: one in-memory server for the module."""
    s, server = start_server("memory")
    yield s
    stop_server(s, server)


def html_responses(site) -> dict[str, requests.Response]:
    """One response of each kind of HTML the server sends a browser."""
    page = {"Accept": "text/html"}
    get = lambda path, **params: requests.get(site.url(path), params=params, headers=page, timeout=20)  # noqa: E731
    return {
        "home": get(""),
        "resource": get("id/place/ljubljana"),
        "ontology": get("ontology"),
        "dataset": get("dataset"),
        "report": get("dataset/validation-report"),
        "query page with results": get("sparql", query=JAVASCRIPT_QUERY),
        "service page": get("sparql"),
        "query page with a syntax error": get("sparql", query="SELECT ?s WHERE {"),
        "404 page": get("id/place/nowhere-at-all"),
        "400 page": requests.post(site.url("sparql"), data={"nothing": "here"}, headers=page, timeout=20),
        "405 page": requests.put(site.url("sparql"), headers=page, timeout=20),
    }


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_html_response_carries_the_policy_and_its_companions(site):
    responses = html_responses(site)
    expected_status = {"404 page": 404, "400 page": 400, "405 page": 405}
    for kind, r in responses.items():
        assert r.status_code == expected_status.get(kind, 200), (kind, r.status_code)
        assert r.headers["Content-Type"].startswith("text/html"), kind
        policy = directives(r.headers.get("Content-Security-Policy", ""))
        for name, source in REQUIRED_DIRECTIVES.items():
            assert source in policy.get(name, []), (kind, name, r.headers.get("Content-Security-Policy"))
        assert policy["script-src"][0] == "'self'" and not [s for s in policy["script-src"]
                                                            if "unsafe" in s or "nonce" in s], kind
        styles = policy["style-src"]
        assert "'self'" in styles and not [s for s in styles if "unsafe" in s], kind
        assert len([s for s in styles if re.fullmatch(r"'nonce-[A-Za-z0-9_-]{22,}'", s)]) == 1, (kind, styles)
        assert r.headers.get("X-Content-Type-Options") == "nosniff", kind
        assert r.headers.get("X-Frame-Options") == "DENY", kind
        assert r.headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer"), kind
        # nothing on the page needs the policy loosened: no inline script, style element or attribute
        # (a JSON-LD block is data, which no browser runs: test_discovery.py checks Chromium agrees)
        assert not re.search(r'<script(?![^>]*\b(?:src=|type="application/ld\+json"))[^>]*>', r.text), kind
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", r.text, re.IGNORECASE), kind


def test_the_style_nonce_is_new_for_every_response(site):
    nonces = set()
    for _ in range(5):
        policy = requests.get(site.url(""), headers={"Accept": "text/html"}, timeout=20).headers[
            "Content-Security-Policy"]
        nonces.add(re.search(r"'nonce-([^']+)'", policy).group(1))
    assert len(nonces) == 5


def test_other_responses_are_inert_and_not_sniffed(site):
    for path, accept in (("id/place/ljubljana", "text/turtle"), ("sparql?query=ASK%7B%7D", "application/json"),
                         ("static/style.css", "*/*"), ("id/place/ljubljana", "application/rdf+xml")):
        r = requests.get(site.url(path), headers={"Accept": accept}, timeout=20)
        assert r.status_code == 200, path
        assert r.headers.get("X-Content-Type-Options") == "nosniff", path
        assert "default-src 'none'" in r.headers.get("Content-Security-Policy", ""), path


def test_only_http_iris_become_links(site):
    values = " ".join(f"(<{iri}>)" for iri in NOT_LINKED)
    query = f"SELECT ?x WHERE {{ VALUES (?x) {{ {values} (<https://www.wikidata.org/wiki/Q437>) }} }}"
    r = requests.get(site.url("sparql"), params={"query": query}, headers={"Accept": "text/html"}, timeout=20)
    assert r.status_code == 200, r.text
    start = r.text.index('<table class="results"')
    table = r.text[start:r.text.index("</table>", start)]
    hrefs = re.findall(r'href="([^"]*)"', table)
    assert hrefs == ["https://www.wikidata.org/wiki/Q437"]
    for iri in NOT_LINKED:
        assert f">{iri}</span>" in table  # shown, as text


def test_a_javascript_iri_is_text_in_the_browser_and_nothing_runs(site, browser):  # noqa: F811
    browser.get(site.url("sparql?" + requests.compat.urlencode({"query": JAVASCRIPT_QUERY, "lang": "en"})))
    cells = browser.find_elements(By.CSS_SELECTOR, "#results tbody td")
    assert [c.text for c in cells] == [JAVASCRIPT_IRI]
    assert not browser.find_elements(By.CSS_SELECTOR, 'a[href^="javascript:" i]')
    assert not cells[0].find_elements(By.TAG_NAME, "a")


VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""
PROBE = """
const s = document.createElement("script");
s.textContent = "window.__inlineRan = true";
document.head.appendChild(s);
const st = document.createElement("style");
st.textContent = "body { outline: 3px solid red }";
document.head.appendChild(st);
return [window.__inlineRan === true, getComputedStyle(document.body).outlineStyle];
"""


def test_no_page_trips_the_policy_and_the_browser_enforces_it(site, browser):  # noqa: F811
    """Our own pages load with no violation (console and `securitypolicyviolation` events), and the policy
    is in force: an inline script or style element put into the page afterwards is refused."""
    hook = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATIONS})
    try:
        pages = {"home": "?lang=en", "resource": "id/place/ljubljana",
                 "query page with results": "sparql?" + requests.compat.urlencode({"query": JAVASCRIPT_QUERY}),
                 "error page": "id/place/nowhere-at-all"}
        for kind, path in pages.items():
            browser.get_log("browser")  # start each page with an empty console
            browser.get(site.url(path))
            assert browser.find_element(By.TAG_NAME, "h1").text, kind
            # the stylesheet applied (a blocked one would leave the default, non-flex nav)
            nav = browser.find_element(By.TAG_NAME, "nav")
            assert nav.value_of_css_property("display") == "flex", kind
            console = [e["message"] for e in browser.get_log("browser")
                       if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]
            assert console == [], (kind, console)
            assert browser.execute_script("return window.__cspViolations") == [], kind
            ran, outline = browser.execute_script(PROBE)
            assert not ran and outline != "solid", (kind, "the policy did not stop an inline script or style")
            seen = browser.execute_script("return window.__cspViolations")
            assert any(v.startswith("script-src") for v in seen) and any(v.startswith("style-src") for v in seen)
            refused = [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
            assert refused, kind  # the console check above can see a violation
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})
