"""The query page's SPARQL editor in a real headless Chromium: completion, Ctrl+Enter, the error marker,
nothing fetched from anywhere but our server, and the same page without JavaScript."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_pages import start_chromium


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium(log_requests=True)  # every request the page makes
    yield driver
    driver.quit()


def open_editor(browser, url: str):
    browser.get(url)
    return WebDriverWait(browser, 10).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#query-editor .cm-content")))


def editor_text(browser) -> str:
    return browser.execute_script("return window.ljkgEditor.state.doc.toString()")


def accept(browser, option: str) -> None:
    """Wait until the completion list offers `option` as its selected entry, then take it with Enter."""
    selected = "#query-editor .cm-tooltip-autocomplete li[aria-selected=true]"
    WebDriverWait(browser, 10).until(
        lambda b: [e for e in b.find_elements(By.CSS_SELECTOR, selected)
                   if e.find_element(By.CSS_SELECTOR, ".cm-completionLabel").text == option])
    browser.switch_to.active_element.send_keys(Keys.ENTER)


def test_completion_and_ctrl_enter_run_a_query_without_prefix_lines(served, browser):
    content = open_editor(browser, served.url("sparql?lang=en"))
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys("SELECT ?city WHERE { ?city a sche")
    accept(browser, "schema:")  # a predeclared prefix
    browser.switch_to.active_element.send_keys("Cit")
    accept(browser, "schema:City")  # a class the dataset uses, from /sparql/vocabulary.json
    browser.switch_to.active_element.send_keys(" }")
    assert " ".join(editor_text(browser).split()) == "SELECT ?city WHERE { ?city a schema:City }"
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.ENTER)
    WebDriverWait(browser, 15).until(ec.presence_of_element_located((By.CSS_SELECTOR, "#results table")))
    cities = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert len(cities) == 10  # the ten cities, though the query has no PREFIX line
    assert "query=SELECT" in browser.current_url and not browser.find_elements(By.ID, "query-error")
    # the editor starts with the query that was run
    assert " ".join(editor_text(browser).split()) == "SELECT ?city WHERE { ?city a schema:City }"


def test_syntax_error_is_marked_at_its_line_and_column(served, browser):
    query = "SELECT ?s WHERE {\n  ?s ?p ?o .\n  BIND(1 AS 2) ?s ?p ?o }"
    open_editor(browser, served.url(f"sparql?lang=en&query={quote(query)}"))
    message = browser.find_element(By.ID, "query-error").text
    assert "400" in message and "3:13" in message  # the server's line:column, in the user's own text
    marker = WebDriverWait(browser, 10).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#query-editor .cm-lintRange-error")))
    line, column, text = browser.execute_script("""
        const view = window.ljkgEditor, pos = view.posAtDOM(arguments[0], 0), line = view.state.doc.lineAt(pos);
        return [line.number, pos - line.from + 1, view.state.sliceDoc(pos, pos + 1)];""", marker)
    assert (line, column, text) == (3, 13, "2")


def test_the_page_requests_nothing_outside_the_server(served, browser):
    browser.get_log("performance")  # drop what earlier tests logged
    content = open_editor(browser, served.url("sparql?lang=sl"))
    content.click()
    content.send_keys(Keys.CONTROL, Keys.END)
    content.send_keys(Keys.ENTER, "?x a ljo:Hos")  # completion fetches the vocabulary
    accept(browser, "ljo:Hosting")
    content.send_keys(" Ljubl")  # and asks search/complete for resources by label
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        "return performance.getEntriesByType('resource').some(e => e.name.includes('search/complete'))"))
    urls = [json.loads(entry["message"])["message"]["params"]["request"]["url"]
            for entry in browser.get_log("performance")
            if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"]
    urls += browser.execute_script("return performance.getEntries().map(e => e.name).filter(n => /^[a-z]+:/.test(n))")
    assert any("static/vendor/editor.bundle.js" in u for u in urls)
    assert any("sparql/vocabulary.json" in u for u in urls)
    foreign = [u for u in urls if not u.startswith(served.base) and not u.startswith("data:")]
    assert not foreign, f"the page fetched from elsewhere: {foreign}"


class FormReader(HTMLParser):
    """The query form as a browser without JavaScript sees it: its action and its fields' names."""

    def __init__(self) -> None:
        super().__init__()
        self.action, self.fields, self.inside = None, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "query-form":
            self.action, self.inside = attrs["action"], True
        elif self.inside and tag in ("input", "textarea") and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def test_without_javascript_the_form_still_runs_a_query(served, http):
    page = http.get(served.url("sparql?lang=en"), headers={"Accept": "text/html"}, timeout=10)
    form = FormReader()
    form.feed(page.text)
    assert form.action == served.url("sparql") and "query" in form.fields
    fields = {**form.fields, "query": "SELECT ?city WHERE { ?city a schema:City }"}
    answer = requests.get(form.action, params=fields, headers={"Accept": "text/html"}, timeout=10)
    assert answer.status_code == 200
    assert len(re.findall(r"<tr>", answer.text.split('id="results"')[1].split("</section>")[0])) >= 10
