"""The interface's words come from the gettext catalogues in ljkg/translations, and none is left untranslated.

The catalogue checks read the sources the way `pybabel extract -F babel.cfg` does (Babel's own extractors,
the project's babel.cfg), so a string marked in a template or module but missing from the Slovenian
catalogue fails here before any reader sees English on a Slovenian page.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import start_server, stop_server

from ljkg.settings import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "ljkg" / "translations"
LANGUAGES = ("sl", "en")
TRANSLATED = ("sl",)  # every language but English, whose msgids are the text itself


def catalogue(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f)


def extracted() -> dict[tuple[str | None, str], str]:
    """Every marked string of the sources, as (context, msgid) → where it is marked."""
    with (PROJECT_ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[tuple[str | None, str], str] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PROJECT_ROOT), method_map, options_map):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((context, msgid), f"{filename}:{lineno}")
    return found


@pytest.mark.parametrize("lang", TRANSLATED)
def test_sources_mark_strings_and_the_catalogue_translates_every_one(lang):
    marked = extracted()
    assert len(marked) > 80, "the templates' strings are not being extracted"
    translated = catalogue(lang)
    problems = []
    for (context, msgid), where in sorted(marked.items(), key=lambda kv: kv[1]):
        message = translated.get(msgid, context=context)
        if message is None:
            problems.append(f"{where}: {msgid!r} is not in {lang}/messages.po")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"{where}: {msgid!r} is {'fuzzy' if message.fuzzy else 'untranslated'} in {lang}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(lang):
    """The server reads the .mo, translators edit the .po: the .mo must be what compiling the .po gives now."""
    compiled = BytesIO()
    write_mo(compiled, catalogue(lang))  # what `pybabel compile` writes
    committed = (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes()
    assert compiled.getvalue() == committed, f"{lang}: the .mo is stale; run pybabel compile -d ljkg/translations"


def test_no_template_chooses_its_words_by_language():
    choosing = re.compile(r"(?<![.\w])lang\s*[!=]=\s*['\"]")
    found = [f"{p.name}:{n}: {line.strip()}" for p in sorted((PROJECT_ROOT / "ljkg" / "templates").glob("*.html"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if choosing.search(line)]
    assert not found, "\n".join(found)
    # nor do the query page's scripts keep a Slovenian word list of their own
    for path in (PROJECT_ROOT / "frontend" / "src" / "views.js", PROJECT_ROOT / "ljkg/static/vendor/views.bundle.js"):
        assert "Stolpčni graf" not in path.read_text(encoding="utf-8"), path


class Page(HTMLParser):
    """A page's visible text (whitespace collapsed) and the JSON of the query form's data-ui-strings."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.ui_strings: dict | None = None
        self.skip = 0
        self.feed(html)
        self.text = re.sub(r"\s+", " ", " ".join(self.parts))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "form" and attrs.get("id") == "query-form" and "data-ui-strings" in attrs:
            self.ui_strings = json.loads(attrs["data-ui-strings"])
        for name in ("placeholder", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


@pytest.fixture(scope="module")
def site():
    served, server = start_server("memory")
    yield served
    stop_server(served, server)


def page(http, site, path: str, lang: str, status: int = 200, **params) -> Page:
    r = http.get(site.url(path), params={**params, "lang": lang}, headers={"Accept": "text/html"})
    assert r.status_code == status, r.text[:300]
    assert f'<html lang="{lang}">' in r.text
    return Page(r.text)


WORDS = {  # path, query parameters, status → what a reader sees in sl and in en
    "home": ("", {}, 200, ["Viri po razredih", "Dokumentacija ontologije", "Opis podatkov", "Iskanje …", "Licenca"],
             ["Resources by class", "Ontology documentation", "Dataset", "Search …", "Licence"]),
    "query": ("sparql", {}, 200,
              ["Končna točka", "Izvedi", "Vnaprej določene predpone (brez vrstice PREFIX)", "Primeri"],
              ["Endpoint", "Run query", "Predeclared prefixes (no PREFIX line needed)", "Examples"]),
    "results": ("sparql", {"query": "SELECT ?s WHERE { ?s a <https://schema.org/Country> } LIMIT 2"}, 200,
                ["Rezultati", "Povezava do poizvedbe"], ["Results", "Link to this query"]),
    "resource": ("id/place/ljubljana", {}, 200, ["Lastnosti", "Povezave sem", "kot „", "Oblike zapisa"],
                 ["Properties", "Incoming links", "as “", "Formats"]),
    "browse": ("browse/schema:Country", {}, 200, ["Viri", " od ", "virov"], ["Resources", " of ", "resources"]),
    "search": ("search", {"q": "Ljubljana"}, 200, ["Iskalni niz", "Jezik", "zadetkov", "Išči"],
               ["Search text", "Language", "results", "Search"]),
    "error": ("id/no-such-thing", {}, 404, ["Na začetek", "Vir"], ["Home", "Source"]),
}


@pytest.mark.parametrize("name", WORDS)
def test_pages_speak_the_chosen_language(http, site, name):
    path, params, status, sl_words, en_words = WORDS[name]
    sl = page(http, site, path, "sl", status, **params).text
    en = page(http, site, path, "en", status, **params).text
    assert [w for w in sl_words if w not in sl] == [], sl[:2000]
    assert [w for w in en_words if w not in en] == [], en[:2000]
    # and neither page shows the other language's interface words
    assert [w for w in ("Resources by class", "Run query", "Incoming links", "Search text") if w in sl] == []
    assert [w for w in ("Viri po razredih", "Izvedi", "Povezave sem", "Iskalni niz", "Na začetek") if w in en] == []


def test_search_counts_results_with_slovenian_plural_forms(http, site):
    """Slovenian has four plural forms (1 zadetek, 2 zadetka, 3–4 zadetki, 5+ zadetkov); English two."""
    from babel.support import Translations

    sl = Translations.load(str(TRANSLATIONS), ["sl"])
    said = [sl.ngettext("%(num)s result", "%(num)s results", n) % {"num": n} for n in (1, 2, 3, 5, 101)]
    assert said == ["1 zadetek", "2 zadetka", "3 zadetki", "5 zadetkov", "101 zadetek"]
    r = http.get(site.url("search"), params={"q": "Ljubljana", "lang": "sl"}, headers={"Accept": "text/html"})
    total = re.search(r'id="search-total">([^<]*)<', r.text).group(1)
    assert re.fullmatch(r"\d+ zadet(ek|ka|ki|kov)", total), total


SL_VIEW_WORDS = {"Table": "Tabela", "BarChart": "Stolpčni graf", "Map": "Zemljevid", "svg": "Prenesi SVG",
                 "code": "Kopiraj kot kodo", "triples": "trojic",
                 "history": "Vaše nedavne poizvedbe (shranjene samo v tem brskalniku)"}


def test_the_query_page_hands_its_scripts_their_words_in_the_page_language(http, site):
    sl = page(http, site, "sparql", "sl").ui_strings
    en = page(http, site, "sparql", "en").ui_strings
    assert sl is not None and en is not None, "the query form carries no data-ui-strings"
    assert {k: sl.get(k) for k in SL_VIEW_WORDS} == SL_VIEW_WORDS
    assert en["Table"] == "Table" and en["BarChart"] == "Bar chart" and en["svg"] == "Download SVG"
    assert sl.keys() == en.keys()


def test_the_result_views_show_the_catalogue_words(http, site):
    """In a real browser: the view buttons views.bundle.js draws carry the words the page handed it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from test_pages import start_chromium

    query = "SELECT ?s WHERE { ?s a <https://schema.org/Country> } LIMIT 3"
    handed = page(http, site, "sparql", "sl", query=query).ui_strings
    assert handed is not None, "the query form carries no data-ui-strings"
    browser = start_chromium()
    try:
        from urllib.parse import urlencode

        browser.get(site.url("sparql") + "?" + urlencode({"query": query, "lang": "sl"}))
        button = WebDriverWait(browser, 15).until(
            lambda b: b.find_element(By.CSS_SELECTOR, '#result-views button[data-view="Table"]'))
        assert button.text == handed["Table"] == "Tabela"
        assert browser.find_element(By.ID, "copy-code").text == handed["code"]
        assert browser.find_element(By.ID, "download-svg").text == handed["svg"]
    finally:
        browser.quit()


@pytest.mark.parametrize("path, params, sl_title, en_title", [
    ("id/place/lubljana", {}, "404 Ni najdeno", "404 Not Found"),
    ("search", {"q": "x", "page": "0"}, "400 Napačna zahteva", "400 Bad Request"),
    ("sparql", {"query": "SELECT * WHERE {"}, "400 Napačno oblikovana poizvedba", "400 Malformed query"),
])
def test_error_titles_are_in_the_page_language(served, http, path, params, sl_title, en_title):
    for lang, title in (("sl", sl_title), ("en", en_title)):
        r = http.get(served.url(path), params={**params, "lang": lang}, headers={"Accept": "text/html"})
        if path == "sparql":  # the query page shows the error under the editor, as a page of its own
            assert r.status_code == 200 and f'id="query-error" role="alert">{title}: error at 1:' in r.text
        else:
            assert r.status_code == int(title[:3])
            assert f"<h1>{title}</h1>" in r.text, (lang, r.text[:400])
