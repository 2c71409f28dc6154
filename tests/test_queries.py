"""Every competency query in queries/ runs on the graph and gives exactly its golden answer.

Golden answers are tests/golden/queries/NN-slug.tsv: a header line of variable names, then one line per
row, terms rendered with conftest.term_text (our IRIs without the base); an unbound value is empty.
Rows are compared as a set, or as a list when the query has ORDER BY. Set UPDATE_GOLDEN=1 to rewrite
the files from the current answers (then check every changed line against the source text by hand).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import TESTS, run_select

from ljkg.settings import PROJECT_ROOT

QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
GOLDEN = TESTS / "golden" / "queries"
HEADER = re.compile(r"^# (title@en|title@sl|question): \S")


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
    keys = [HEADER.match(line).group(1) for line in lines[:3] if HEADER.match(line)]
    assert keys == ["title@en", "title@sl", "question"], f"{path.name}: header title@en, title@sl, question"
    assert re.fullmatch(r"\d\d-[a-z0-9-]+\.rq", path.name)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_query_answer(oxstore, path: Path):
    query = path.read_text(encoding="utf-8")
    assert "http://ljkg.test" not in query, "our namespaces are relative PREFIXes"
    names = variables(query)
    rows = run_select(oxstore, query)
    assert rows, f"{path.name} has no answer"
    got = render(names, rows)
    golden = GOLDEN / (path.stem + ".tsv")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text("\n".join(got) + "\n", encoding="utf-8")
    expected = golden.read_text(encoding="utf-8").splitlines()
    assert got[0] == expected[0], "variables differ"
    if re.search(r"\bORDER\s+BY\b", query, re.I):
        assert got[1:] == expected[1:]
    else:
        assert len(got) == len(set(got)), "duplicate rows"
        assert set(got[1:]) == set(expected[1:])


def test_every_golden_file_has_a_query():
    stems = {p.stem for p in QUERIES}
    assert {p.stem for p in GOLDEN.glob("*.tsv")} == stems
