"""Full-text search and autocomplete over HTTP, on every store (memory, disk, remote): what a user would try."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from conftest import TEST_BASE, start_server, stop_server
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from test_pages import browser  # noqa: F401  (the headless Chromium fixture)


def found(http, served, **params) -> dict:
    response = http.get(served.url("search.json"), params=params, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    return response.json()


def iris(document: dict) -> list[str]:
    return [r["iri"] for r in document["results"]]


def test_diacritics_are_folded_and_words_match_as_prefixes(served, http):
    folded = found(http, served, q="zatocisce")
    assert served.url("id/organisation/icorn") in iris(folded)
    prefix = found(http, served, q="zatoc")  # a prefix of "zatočišč", typed without the háček
    assert prefix["total"] >= folded["total"] > 0
    assert any("zatočišč" in r["snippet"] for r in prefix["results"])
    assert all("<mark>" in r["snippet_html"] for r in prefix["results"])


def test_an_exact_label_ranks_above_sentence_mentions(served, http):
    document = found(http, served, q="LIKE")
    assert iris(document)[0] == served.url("id/organisation/like")
    sentences = [i for i in iris(document) if "/source/mednarodno-sodelovanje/s" in i]
    assert sentences, "the source sentences mentioning LIKE are found too"
    assert all(iris(document).index(s) > 0 for s in sentences)


def test_type_filter_by_iri_prefixed_name_and_local_name(served, http):
    city = served.url("id/place/ljubljana")
    for given in ("https://schema.org/City", "schema:City", "City"):
        document = found(http, served, q="ljubljana", type=given)
        assert iris(document) == [city], given
        assert document["results"][0]["types"] == ["https://schema.org/City"]
    refused = http.get(served.url("search.json"), params={"q": "ljubljana", "type": "Unicorn"}, timeout=10)
    assert refused.status_code == 400 and "type='Unicorn'" in refused.text


def test_language_filter(served, http):
    english = found(http, served, q="city", lang="en", size=100)  # ICORN says "city" only in its description
    assert served.url("id/organisation/icorn") in iris(english)
    assert found(http, served, q="city", lang="sl")["total"] == 0
    # the Slovenian sentence quoting ICORN's English name is the one Slovenian text with "Refuge"
    assert iris(found(http, served, q="refuge", lang="sl")) == [served.url("source/mednarodno-sodelovanje/s04")]
    slovene = found(http, served, q="zatocisce", lang="sl")
    assert slovene["total"] > 0 and found(http, served, q="zatocisce", lang="en")["total"] == 0
    assert http.get(served.url("search.json"), params={"q": "x", "lang": "de"}, timeout=10).status_code == 400


def test_paging_covers_every_hit_once(served, http):
    whole = found(http, served, q="ljubljana", size=100)
    pages, page = [], 1
    while True:
        document = found(http, served, q="ljubljana", size=7, page=page)
        pages += iris(document)
        if not document["next"]:
            break
        page += 1
    assert pages == iris(whole) and len(pages) == whole["total"] > 7


def test_csv_and_html_and_negotiation(served, http):
    response = http.get(served.url("search.csv"), params={"q": "icorn"}, timeout=10)
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows and set(rows[0]) == {"iri", "label", "lang", "types", "score", "snippet"}
    assert served.url("id/organisation/icorn") in [r["iri"] for r in rows]
    negotiated = http.get(served.url("search"), params={"q": "icorn"}, headers={"Accept": "text/csv"}, timeout=10)
    assert negotiated.text == response.text and "Accept" in negotiated.headers["Vary"]
    assert http.get(served.url("search"), params={"q": "icorn", "format": "json"}, timeout=10).json()["total"]
    page = http.get(served.url("search"), params={"q": "icorn"}, headers={"Accept": "text/html"},
                    timeout=10)
    assert page.headers["Content-Type"].startswith("text/html")
    assert f'href="{served.url("id/organisation/icorn")}"' in page.text and "<mark>ICORN</mark>" in page.text


@pytest.mark.parametrize("q", ['"', "*", "NEAR(a b)", "a OR b", "^x", "col:x", "AND", "-", "x" * 200])
def test_hostile_search_text_is_words_only(served, http, q):
    for path in ("search.json", "search", "search/complete"):
        response = http.get(served.url(path), params={"q": q}, timeout=10)
        assert response.status_code == 200, (path, q, response.text)


def test_bad_parameters_are_400_naming_them(served, http):
    for params, named in (({"q": "x" * 201}, "q is 201"), ({"q": "a", "page": "0"}, "page=0"),
                          ({"q": "a", "size": "many"}, "size='many'"), ({}, "q is missing")):
        response = http.get(served.url("search.json"), params=params, timeout=10)
        assert response.status_code == 400 and named in response.text, (params, response.text)
    response = http.get(served.url("search/complete"), params={"q": "a", "limit": "0"}, timeout=10)
    assert response.status_code == 400 and "limit=0" in response.text


def test_complete_contract(served, http):
    response = http.get(served.url("search/complete"), params={"q": "Ljub", "lang": "en", "limit": 5}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    document = response.json()
    assert set(document) == {"query", "results"} and document["query"] == "Ljub"
    assert 0 < len(document["results"]) <= 5
    for result in document["results"]:
        assert set(result) == {"iri", "label", "lang", "types"}
        assert any(word.lower().startswith("ljub") for word in result["label"].split())
        assert isinstance(result["types"], list) and all(t.startswith("http") for t in result["types"])
    assert document["results"][0] == {"iri": served.url("id/place/ljubljana"), "label": "Ljubljana", "lang": "en",
                                      "types": ["https://schema.org/City"]}
    # the requested language first; only the last word is a prefix
    slovene = http.get(served.url("search/complete"), params={"q": "mreža mest zatoc", "lang": "sl"}, timeout=10)
    labels = slovene.json()["results"]
    assert labels and labels[0]["lang"] == "sl" and "zatočišč" in labels[0]["label"]
    assert http.get(served.url("search/complete"), params={"q": "mre mest", "lang": "sl"},
                    timeout=10).json()["results"] == []  # "mre" is not a whole word
    assert http.get(served.url("search/complete"), params={"q": ""}, timeout=10).json() == {"query": "",
                                                                                             "results": []}


def test_search_box_on_every_page(served, browser):  # noqa: F811
    for path in ("?lang=en", "id/place/ljubljana?lang=en", "ontology?lang=en", "sparql?lang=en"):
        browser.get(served.url(path))
        assert browser.find_elements(By.CSS_SELECTOR, 'header form[role="search"] input[name="q"]'), path
    box = browser.find_element(By.CSS_SELECTOR, 'header form[role="search"] input[name="q"]')
    box.send_keys("zatocisce")
    box.submit()
    WebDriverWait(browser, 10).until(ec.presence_of_element_located((By.CSS_SELECTOR, "ol.search-results li a")))
    assert "search?q=zatocisce" in browser.current_url
    marks = browser.find_elements(By.CSS_SELECTOR, "ol.search-results mark")
    assert marks and all(m.text.lower().startswith("zato") for m in marks)
    browser.find_element(By.CSS_SELECTOR, f'ol.search-results a[href="{served.url("id/organisation/icorn")}"]').click()
    WebDriverWait(browser, 10).until(ec.url_to_be(served.url("id/organisation/icorn")))


HOSTILE = ('\n<id/thing/hostile> <http://www.w3.org/2000/01/rdf-schema#label> '
           '"<script>alert(1)</script> Zzyzx \\u0002<img src=x onerror=alert(2)>\\u0003 tail"@en .\n')


def test_snippets_cannot_inject_markup(copy: Path, http, tmp_path: Path):
    (copy / "data" / "hostile.ttl").write_text(HOSTILE, encoding="utf-8")
    served, server = start_server(data=str(copy), cache_dir=str(tmp_path / "cache"))
    try:
        page = http.get(served.url("search"), params={"q": "script zzyzx"}, headers={"Accept": "text/html"},
                        timeout=10).text
        assert "<script>" not in page and "<img" not in page
        assert "&lt;<mark>script</mark>&gt;" in page and "&lt;img src=x onerror=alert(2)&gt;" in page
        hit = found(http, served, q="zzyzx")["results"][0]
        assert hit["label"].startswith("<script>alert(1)</script>")  # the data itself, as data
        assert "<script>" not in hit["snippet_html"] and "<img" not in hit["snippet_html"]
        assert hit["snippet_html"].count("<mark>") == hit["snippet_html"].count("</mark>") == 1
    finally:
        stop_server(served, server)


def test_index_reused_when_unchanged_and_rebuilt_after_a_change(copy: Path, http, tmp_path: Path):
    cache = str(tmp_path / "cache")

    def run(word: str):
        """A server on a fixed base (the index belongs to version and base), asked over its real port."""
        served, server = start_server(data=str(copy), cache_dir=cache, base_uri=TEST_BASE)
        try:
            port = served.pub.settings.port
            answer = http.get(f"http://127.0.0.1:{port}/search.json", params={"q": word}, timeout=10).json()
            return served.pub.search.path, os.stat(served.pub.search.path), iris(answer)
        finally:
            stop_server(served, server)

    first, first_stat, before = run("qwertyuiop")
    again, again_stat, _ = run("qwertyuiop")
    assert again == first and (again_stat.st_ino, again_stat.st_mtime_ns) == (first_stat.st_ino,
                                                                             first_stat.st_mtime_ns)
    (copy / "data" / "extra.ttl").write_text(
        '<id/thing/new> <http://www.w3.org/2000/01/rdf-schema#label> "Qwertyuiop"@en .\n', encoding="utf-8")
    changed, _, after = run("qwerty")
    assert before == [] and changed != first
    assert after == [TEST_BASE + "id/thing/new"]


MANY = 460  # more labels than one chunk the index reads at a time
COUNT_CAP = 1000  # how far the index counts matches (ljkg.search.COUNT_CAP): a user sees "1000+"


def test_paging_across_the_tiers(copy: Path, http, tmp_path: Path):
    """Hundreds of matching labels, then texts that only mention the word: together they list every resource
    exactly once, whatever the page size, with the exact label first."""
    lines = [f'<id/thing/w{n}> <http://www.w3.org/2000/01/rdf-schema#label> "Wombat {" extra" * (n % 7)} {n}"@en .'
             for n in range(MANY)]
    lines.append('<id/thing/wombat> <http://www.w3.org/2000/01/rdf-schema#label> "Wombat"@en .')
    lines += [f'<id/thing/d{n}> <http://purl.org/dc/terms/description> "about a wombat"@en .'
              for n in range(30)]
    (copy / "data" / "wombats.ttl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    served, server = start_server(data=str(copy), cache_dir=str(tmp_path / "cache"))
    try:
        expected = {served.url(f"id/thing/{k}") for k in
                    [f"w{n}" for n in range(MANY)] + ["wombat"] + [f"d{n}" for n in range(30)]}
        for size in (100, 37):
            listed, page = [], 1
            while True:
                document = found(http, served, q="wombat", size=size, page=page)
                listed += iris(document)
                if not document["next"]:
                    break
                page += 1
            assert document["total"] == len(expected) == len(listed) and set(listed) == expected, size
            assert listed[0] == served.url("id/thing/wombat")
            assert all("/id/thing/d" in i for i in listed[-30:]), "texts that only mention it come last"
    finally:
        stop_server(served, server)


def test_the_query_editor_completes_resources_by_label(served, browser):  # noqa: F811
    """The editor on /sparql offers our resources by label from /search/complete and inserts the IRI."""
    from test_editor import accept, editor_text, open_editor

    content = open_editor(browser, served.url("sparql?lang=sl"))
    content.click()
    content.send_keys(Keys.CONTROL, "a")
    content.send_keys(Keys.DELETE)
    content.send_keys("SELECT ?p ?o WHERE { Ljublj")
    accept(browser, "Ljubljana")
    text = " ".join(editor_text(browser).split())
    assert text.startswith("SELECT ?p ?o WHERE { ") and "Ljublj" not in text
    inserted = ("{ place:ljubljana", f"{{ <{served.url('id/place/ljubljana')}>")
    assert text.removesuffix("}").rstrip().endswith(inserted), text


def labelled(things: dict[str, list[tuple[str, str]]]) -> str:
    """Turtle giving each `id/thing/<key>` its (text, language) labels."""
    return "".join(f'<id/thing/{key}> <http://www.w3.org/2000/01/rdf-schema#label> "{text}"@{lang} .\n'
                   for key, labels in things.items() for text, lang in labels)


def test_a_common_word_lists_the_best_labels_first_with_a_lower_bound_total(copy: Path, http, tmp_path: Path):
    """A word in more labels than the index counts (search.COUNT_CAP): the total says it is a lower bound, the
    exact label comes first, then the shortest; a label holding every word beats words spread over two."""
    things = {f"q{n}": [(f"Quokka {'island ' * (n % 5)}{n}", "en")] for n in range(COUNT_CAP + 100)}
    things["quokka"] = [("Quokka", "en")]
    things["together"] = [("Quokka numbat meeting", "en")]
    things["spread"] = [("Quokka", "sl"), ("Numbat", "en")]  # each word in a label of its own
    (copy / "data" / "quokkas.ttl").write_text(labelled(things), encoding="utf-8")
    served, server = start_server(data=str(copy), cache_dir=str(tmp_path / "cache"))
    try:
        document = found(http, served, q="quokka", size=10)
        assert document["total"] == COUNT_CAP and document["total_exact"] is False and document["next"]
        assert iris(document)[0] == served.url("id/thing/quokka")
        assert [r["label"] for r in document["results"][1:3]] != [] and all(
            len(r["label"].split()) <= 2 for r in document["results"][1:3])  # then "Quokka 5", ...
        scores = [r["score"] for r in document["results"]]
        assert scores == sorted(scores, reverse=True) and scores[0] == 2.0
        page = http.get(served.url("search"), params={"q": "quokka"}, headers={"Accept": "text/html"}, timeout=10)
        assert f"{COUNT_CAP}+ results" in page.text
        both = found(http, served, q="quokka numbat")
        assert both["total_exact"] is True and iris(both) == [served.url("id/thing/together"),
                                                              served.url("id/thing/spread")]
        completed = http.get(served.url("search/complete"), params={"q": "quok", "lang": "en", "limit": 3},
                             timeout=10).json()["results"]
        assert completed[0]["iri"] == served.url("id/thing/quokka") and len(completed) == 3
    finally:
        stop_server(served, server)


def test_long_prefixes_diacritics_and_single_letters(copy: Path, http, tmp_path: Path):
    """A long typed prefix finds every word it begins, diacritics folded on both sides (the index expands it
    into its terms); one letter is a word of its own, not the prefix of half the vocabulary."""
    things = {"bee": [("Čebelarski muzej", "sl")], "hive": [("Čebelarstvo", "sl")], "onion": [("Cebula", "pl")],
              "vitamin": [("Vitamin K", "en")], "kiwi": [("Kiwi", "en")], "city": [("Łódź", "pl")]}
    (copy / "data" / "prefixes.ttl").write_text(labelled(things), encoding="utf-8")
    served, server = start_server(data=str(copy), cache_dir=str(tmp_path / "cache"))
    try:
        for q in ("cebela", "ČEBELA", "čebelars"):
            assert sorted(iris(found(http, served, q=q))) == [served.url("id/thing/bee"),
                                                               served.url("id/thing/hive")], q
        assert found(http, served, q="cebelax")["total"] == 0
        assert iris(found(http, served, q="Łódź")) == [served.url("id/thing/city")]
        letter = iris(found(http, served, q="k", size=100))
        assert served.url("id/thing/vitamin") in letter and served.url("id/thing/kiwi") not in letter
        assert served.url("id/thing/kiwi") in iris(found(http, served, q="kiw"))
        completed = http.get(served.url("search/complete"), params={"q": "muzej cebelar", "lang": "sl"},
                             timeout=10).json()["results"]
        assert [r["label"] for r in completed] == ["Čebelarski muzej"]  # the words in any order
    finally:
        stop_server(served, server)


def test_result_links_keep_the_chosen_language(served, http):
    page = http.get(served.url("search"), params={"q": "ljubljana", "lang": "sl"}, timeout=10).text
    assert f'href="{served.url("id/place/ljubljana")}?lang=sl"' in page


def test_many_clients_at_once_each_get_their_own_answer(served, http):
    """More concurrent searches than the index lets through at once: each waits its turn and gets the right
    answer (the server's threads share one index)."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    asked = {"ljubljana": served.url("id/place/ljubljana"), "icorn": served.url("id/organisation/icorn"),
             "like": served.url("id/organisation/like")}

    def one(word: str) -> tuple[str, list[str]]:
        with requests.Session() as session:
            return word, iris(found(session, served, q=word, size=5))

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, list(asked) * 8))
    assert len(answers) == 24 and all(asked[word] == got[0] for word, got in answers)


def test_next_of_a_json_page_is_the_next_json_page(served, http):
    document = found(http, served, q="ljubljana", size=1)
    assert document["next"] and "/search.json?" in document["next"]
    following = http.get(document["next"], timeout=10)  # no Accept header: the link alone says JSON
    assert following.headers["Content-Type"].startswith("application/json")
    assert following.json()["page"] == 2


def test_the_type_filter_offers_classes_by_label_in_the_page_language(served, http):
    page = http.get(served.url("search"), params={"q": "ljubljana", "lang": "sl"}, timeout=10).text
    options = dict(re.findall(r'<option value="(http[^"]+)"[^>]*>([^<]+)</option>', page))
    assert options.get("https://schema.org/City") not in (None, "https://schema.org/City", "schema:City")
    assert not any(label.startswith("http") for label in options.values())
    both = http.get(served.url("search"), params=[("q", "ljubljana"), ("type", "schema:City"),
                                                  ("type", "org:Membership")], timeout=10).text
    chosen = re.findall(r'<option value="(http[^"]+)" selected>', both)
    assert '<select name="type" multiple>' in both
    assert sorted(chosen) == ["http://www.w3.org/ns/org#Membership", "https://schema.org/City"]
