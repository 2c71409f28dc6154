"""Every competency query in queries/ runs on the graph and gives exactly its golden answer.

Each query runs as the English page serves it and as the Slovenian one does (labels in that language
first: examples.py). Golden answers are tests/golden/queries/NN-slug.tsv (English) and
tests/golden/queries/sl/NN-slug.tsv (Slovenian): a header line of variable names, then one line per row,
terms rendered with conftest.term_text (our IRIs without the base); an unbound value is empty.
Rows are compared as a set, or as a list when the query has ORDER BY. Set UPDATE_GOLDEN=1 to rewrite
the files from the current answers (then check every changed line against the source text by hand).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import TESTS, run_select

from ljkg.examples import LANGUAGE_LINE, TOPICS, VIEWS, parse
from ljkg.settings import PROJECT_ROOT

QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
GOLDEN = TESTS / "golden" / "queries"
LANGS = ("en", "sl")
HEADER = re.compile(r"^(# title@en|# title@sl|# question@en|# question@sl|# topic|#defaultView): *(\S+)")


def golden_file(stem: str, lang: str) -> Path:
    return GOLDEN / (stem + ".tsv") if lang == "en" else GOLDEN / lang / (stem + ".tsv")


def compare(query: str, got: list[str], expected: list[str]) -> None:
    """Rows as a list when the query orders them, else as a set (and then no row twice)."""
    assert got[0] == expected[0], "variables differ"
    if re.search(r"\bORDER\s+BY\b", query, re.I):
        assert got[1:] == expected[1:]
    else:
        assert len(got) == len(set(got)), "duplicate rows"
        assert set(got[1:]) == set(expected[1:])


def escape(value: str | None) -> str:
    if value is None:
        return ""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def render(names: list[str], rows: list[dict]) -> list[str]:
    return ["\t".join(names)] + ["\t".join(escape(row[n]) for n in names) for row in rows]


def variables(query: str) -> list[str]:
    select = re.search(r"SELECT\s+(?:DISTINCT\s+)?(.*?)\s+WHERE", query, re.S | re.I)
    assert select, "the query must be a SELECT"
    return [v.lstrip("?$") for v in select.group(1).split()]


def test_there_are_enough_queries():
    assert len(QUERIES) >= 14, "queries/ holds at least 14 competency queries"


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_header(path: Path):
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [HEADER.match(line) for line in lines[:6]]
    keys = [m.group(1) for m in found if m]
    assert keys == ["# title@en", "# title@sl", "# question@en", "# question@sl", "# topic", "#defaultView"], \
        f"{path.name}: headers title@en, title@sl, question@en, question@sl, topic, defaultView, in that order"
    assert found[4].group(2) in TOPICS, f"{path.name}: topic {found[4].group(2)!r} is not one of {list(TOPICS)}"
    assert found[5].group(2) in VIEWS, f"{path.name}: #defaultView:{found[5].group(2)} is not one of {VIEWS}"
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.rq", path.name)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_asks_for_the_page_language(path: Path):
    """A language tag may be named only in the one line the page swaps: anything else would stay English
    on the Slovenian page."""
    text = path.read_text(encoding="utf-8")
    example = parse(path.stem, text)
    assert '"en"' not in LANGUAGE_LINE.sub("", text) and '"sl"' not in LANGUAGE_LINE.sub("", text), \
        f"{path.name}: a language is named outside the line VALUES (?lang ?fallback) {{ (\"en\" \"sl\") }}"
    if example.chooses_language:
        assert 'VALUES (?lang ?fallback) { ("sl" "en") }' in example.in_language("sl")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_answer(oxstore, path: Path, lang: str):
    query = parse(path.stem, path.read_text(encoding="utf-8")).in_language(lang)
    assert "http://ljkg.test" not in query, "our namespaces are relative PREFIXes"
    names = variables(query)
    rows = run_select(oxstore, query)
    assert rows, f"{path.name} has no answer"
    got = render(names, rows)
    golden = golden_file(path.stem, lang)
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text("\n".join(got) + "\n", encoding="utf-8")
    compare(query, got, golden.read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("lang", LANGS)
def test_every_golden_file_has_a_query(lang: str):
    stems = {p.stem for p in QUERIES}
    assert {p.stem for p in golden_file("x", lang).parent.glob("*.tsv")} == stems
