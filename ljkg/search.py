"""The full-text index: SQLite FTS5 (standard library) over labels, descriptions and source sentences.

Why FTS5 and not SPARQL regex: a regex scans every literal for every request, while FTS5 answers from an
inverted index with snippets and a prefix index, in one file many threads and processes can read at once.
Results are ranked by an order fixed when the index is built (see TIERS), so a page costs the same however
many resources match. The ``unicode61 remove_diacritics 2`` tokenizer folds č/š/ž and friends on both sides, so
``zatocisce`` finds "zatočišče". See docs/search.md.

The index depends only on the published graph, so it is built once per dataset version (from the store,
through `Store.select`, the same for every store), written to a temporary file and renamed into place; a
restart on the same version reuses the file. Readers open it read-only and immutable, one connection per
thread.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from markupsafe import Markup, escape

from .turns import Turns

log = logging.getLogger(__name__)

SCHEMA = 5  # bump when the layout or what is indexed changes: the file name includes it

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA_ORG = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"

# Which column a predicate feeds, and so which tier a match in it belongs to.
LABELS = (f"{RDFS}label", f"{SKOS}prefLabel", f"{SCHEMA_ORG}name", f"{FOAF}name", f"{DCT}title")
ALTERNATIVES = (f"{SKOS}altLabel", f"{SCHEMA_ORG}alternateName", f"{SKOS}hiddenLabel")
DESCRIPTIONS = (f"{DCT}description", f"{SKOS}definition", f"{RDFS}comment", f"{SCHEMA_ORG}description")
KINDS = ("label", "alt", "description", "sentence")
NAMES = KINDS[:2]  # what the `labels` table holds: labels and alternative labels
# `entries`: one row per resource, a column per kind and language group, so that the language filter is an
# FTS5 column filter and no query has to group rows by resource. "x": untagged or another language.
LANGUAGES = ("sl", "en", "x")
COLUMNS = tuple(f"{kind}_{lang}" for lang in LANGUAGES for kind in KINDS)
NAME_COLUMNS = tuple(f"{kind}_{lang}" for lang in LANGUAGES for kind in NAMES)
# The ranking is static, fixed when the index is built, so that no query needs a ranking function: FTS5
# streams a match in rowid order, and a page costs O(page) however many resources match. (FTS5's bm25 reads
# the whole doclist of every word on every query to count its documents: O(matches), 2-7 ms per common word
# at 1M triples, whatever LIMIT the query has.) The tiers, each in rowid order:
# 1. `labels`: one row per label text (a column per language group), numbered at build time shortest label
#    first, then labels before alternative labels, then document order: the resources with a label holding
#    every word, the label the words fill most first (what bm25's length normalisation would say too);
# 2. `entries` (one row per resource, in document order: shortest label, then least text) in three parts:
#    every word in the labels (spread over several), then with the descriptions, then anywhere (sentences).
TIERS = (NAMES, (*NAMES, "description"), KINDS)
TIER_SCORES = (0.75, 0.5, 0.25)
# Prefixes up to this length have their own FTS5 prefix index; a longer prefix query would make FTS5 merge
# the doclists of every term with that prefix before returning a row, so it is expanded into its terms
# (the `terms` table) when it has at most MAX_EXPANSION of them.
PREFIX_INDEXED = 4
MAX_EXPANSION = 32
# `total` is counted up to this many matches (or to the end of the page asked for, if further); past it the
# answer says it is a lower bound (`Page.exact`), since counting every match is O(matches).
COUNT_CAP = 1000
# Searches of one process evaluated at once; the others wait their turn (ljkg/turns.py says why). Two: one
# can be in SQLite while the other runs Python. Measured at 1M triples, 8 clients: 1 and 2 gave the same p99.
SEARCHES_AT_ONCE = 2

# Snippet markers: control characters stripped from every indexed text, so no data can forge one; the
# markup is built from escaped pieces between them (`highlighted`).
OPEN, CLOSE = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+", re.UNICODE)

MAX_QUERY_CHARS = 200
MAX_WORDS = 12


class SearchInputError(ValueError):
    """The search text cannot be used as given; the message says why (it becomes a 400)."""


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str
    lang: str
    types: tuple[str, ...]
    snippet: str  # with OPEN/CLOSE around matches; render with `highlighted`
    score: float  # higher is better (see SearchIndex.search)


class Expression(NamedTuple):
    text: str
    merges: bool  # some prefix is answered by merging doclists: evaluating it per row is costly


@dataclass(frozen=True)
class Page:
    total: int  # exact, or a lower bound when `exact` is false (see COUNT_CAP)
    hits: list[Hit] = field(default_factory=list)
    exact: bool = True


def words(text: str) -> list[str]:
    """The words of a search text, as FTS5's tokenizer will see them (letters and digits only), checked."""
    if len(text) > MAX_QUERY_CHARS:
        raise SearchInputError(f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS} are searched")
    found = [w for w in _WORD.findall(text.replace("_", " "))]
    if len(found) > MAX_WORDS:
        raise SearchInputError(f"q has {len(found)} words; at most {MAX_WORDS} are searched")
    return found


def fold(word: str) -> str | None:
    """A word as the `unicode61 remove_diacritics 2` tokenizer stores it, when that is certain: letters and
    digits that are ASCII once their diacritics are removed (`zatočišče` → `zatocisce`). None otherwise (the
    word then goes to FTS5 as a prefix query unexpanded, which is always right, only slower)."""
    folded = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c)).lower()
    return folded if folded.isascii() and folded.isalnum() else None


def in_columns(expression: str, columns: tuple[str, ...]) -> str:
    """An FTS5 expression restricted to some columns (every phrase of it must occur in one of them)."""
    return "{" + " ".join(columns) + "} : (" + expression + ")"


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def highlighted(snippet: str) -> Markup:
    """A snippet as HTML: every piece of data escaped, only our own <mark> elements added."""
    out = Markup("")
    for i, piece in enumerate(re.split(f"([{OPEN}{CLOSE}])", snippet)):
        if piece == OPEN:
            out += Markup("<mark>")
        elif piece == CLOSE:
            out += Markup("</mark>")
        elif i % 2 == 0:
            out += escape(piece)
    # an unbalanced marker (a snippet cut inside a match) is closed by the parser rules of <mark>; add one
    return out + (Markup("</mark>") if snippet.count(OPEN) > snippet.count(CLOSE) else Markup(""))


def plain(snippet: str) -> str:
    """A snippet without its markers, for CSV and JSON's `text`."""
    return snippet.replace(OPEN, "").replace(CLOSE, "")


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def index_path(folder: Path, version: str, base: str) -> Path:
    key = hashlib.sha256(f"{SCHEMA}\n{version}\n{base}".encode()).hexdigest()[:24]
    return folder / f"search-{key}.sqlite"


# --- building -------------------------------------------------------------------------------------------

def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in iris)


def collect(select: Callable[[str], list], excluded_graph: str, sentence_class: str) -> tuple[dict, dict]:
    """Texts by (iri, lang) and column, and types by iri, read from the store with SPARQL (any Store)."""
    texts: dict[tuple[str, str], dict[str, list[str]]] = {}
    predicates = {**{p: "label" for p in LABELS}, **{p: "alt" for p in ALTERNATIVES},
                  **{p: "description" for p in DESCRIPTIONS}}
    rows = select(f"""SELECT ?s ?p ?o WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
        VALUES ?p {{ {_values(predicates)} }} FILTER(?g != <{excluded_graph}> && isLiteral(?o) && isIRI(?s)) }}""")
    rows += [{"s": r["s"], "p": None, "o": r["o"]} for r in select(f"""SELECT ?s ?o WHERE {{ GRAPH ?g {{
        ?s a <{sentence_class}> ; <{RDF}value> ?o }} FILTER(?g != <{excluded_graph}> && isLiteral(?o)) }}""")]
    for r in rows:
        literal = r["o"]
        lang = (literal.language or "").lower().split("-")[0]
        column = predicates[r["p"].value] if r["p"] is not None else "sentence"
        texts.setdefault((r["s"].value, lang), {}).setdefault(column, []).append(_clean(literal.value))
    subjects = {iri for iri, _ in texts}
    types: dict[str, list[str]] = {}
    for r in select(f"""SELECT DISTINCT ?s ?t WHERE {{ GRAPH ?g {{ ?s a ?t }}
            FILTER(?g != <{excluded_graph}> && isIRI(?s) && isIRI(?t)) }}"""):
        if r["s"].value in subjects:
            types.setdefault(r["s"].value, []).append(r["t"].value)
    return texts, types


def group(lang: str) -> str:
    """The column group of a language tag: sl, en, or x for untagged and other languages."""
    return lang if lang in LANGUAGES else "x"


def _order(item: tuple[str, dict[str, list[str]]]) -> tuple[int, int, str]:
    """Document order: fewest words in the shortest label first, then the least text, then the IRI: the
    order within each part of the second tier, and the tie-break between labels of the same length."""
    iri, document = item
    names = [len(_WORD.findall(v)) for c in NAME_COLUMNS for v in document.get(c, ())]
    return (min(names, default=10**6), sum(len(_WORD.findall(v)) for vs in document.values() for v in vs), iri)


def _label_rows(ordered: list[tuple[str, dict[str, list[str]]]]) -> list[tuple[int, int, str, str]]:
    """(document, words, language group, text) for every distinct label of every document, best first: fewest
    words, then labels before alternative labels, then document order (the `labels` table's rowid order)."""
    rows = {}
    for n, (_, document) in enumerate(ordered, 1):
        for rank, kind in enumerate(NAMES):
            for g in LANGUAGES:
                for text in document.get(f"{kind}_{g}", ()):
                    size = len(_WORD.findall(text))
                    rows.setdefault((n, g, text), (size, rank, n, text))
    return [(n, size, g, text) for (n, g, text), (size, *_rest) in sorted(rows.items(), key=lambda r: r[1])]


def write_index(path: Path, texts: dict, types: dict) -> None:
    """Write the index to a temporary file beside ``path`` and rename it into place (readers never see a
    half-written file; two builders racing both write the same content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    documents: dict[str, dict[str, list[str]]] = {}
    for (iri, lang), columns in texts.items():
        document = documents.setdefault(iri, {})
        for kind, values in columns.items():
            document.setdefault(f"{kind}_{group(lang)}", []).extend(values)
    try:
        db = sqlite3.connect(tmp)
        # `labels` needs no positions (no snippets, no phrases of several words come from it): detail=column
        # keeps its doclists short
        db.executescript(f"""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE entries USING fts5({", ".join(COLUMNS)},
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
            CREATE VIRTUAL TABLE labels USING fts5({", ".join(LANGUAGES)}, doc UNINDEXED, words UNINDEXED,
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4', detail = column);
            CREATE TABLE docs (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, {
                ", ".join(f"label_{lang} TEXT NOT NULL" for lang in LANGUAGES)}, types TEXT NOT NULL);
            CREATE TABLE types (doc INTEGER NOT NULL, type TEXT NOT NULL);
            CREATE TABLE terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
        """)
        ordered = sorted(documents.items(), key=_order)

        def cells(document: dict[str, list[str]], columns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple("\n".join(sorted(document.get(c, []))) for c in columns)

        db.executemany(f"INSERT INTO entries (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                       ((n, *cells(d, COLUMNS)) for n, (_, d) in enumerate(ordered, 1)))
        db.executemany(f"INSERT INTO labels (rowid, {', '.join(LANGUAGES)}, doc, words) VALUES (?, ?, ?, ?, ?, ?)",
                       ((row, *(text if g == lang else "" for lang in LANGUAGES), n, size)
                        for row, (n, size, g, text) in enumerate(_label_rows(ordered), 1)))
        db.executemany(f"INSERT INTO docs VALUES (?, ?{', ?' * len(LANGUAGES)}, ?)",
                       ((n, iri, *(min(d.get(f"label_{lang}") or d.get(f"alt_{lang}") or [""]) for lang in LANGUAGES),
                         " ".join(sorted(set(types.get(iri, ()))))) for n, (iri, d) in enumerate(ordered, 1)))
        db.executemany("INSERT INTO types VALUES (?, ?)",
                       ((n, t) for n, (iri, _) in enumerate(ordered, 1) for t in sorted(set(types.get(iri, ())))))
        # every term of the texts, for expanding long prefixes (`labels` holds a subset of them)
        db.executescript("""
            CREATE INDEX types_by_type ON types (type, doc);
            CREATE INDEX types_by_doc ON types (doc);
            INSERT INTO entries(entries) VALUES ('optimize');
            INSERT INTO labels(labels) VALUES ('optimize');
            CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, entries, row);
            INSERT INTO terms SELECT term FROM temp.vocabulary;
            DROP TABLE temp.vocabulary;
        """)
        db.commit()
        db.close()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def ensure_index(path: Path, build: Callable[[], tuple[dict, dict]]) -> bool:
    """Build the index at ``path`` unless it is there already; True when it was built now.

    A lock file keeps processes starting together (`--processes N` on a disk store) from building it twice.
    """
    if path.is_file():
        log.info("search index reused from %s", path)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            log.info("search index reused from %s", path)
            return False
        started = time.monotonic()
        texts, types = build()
        write_index(path, texts, types)
        log.info("search index built at %s (%d entries, %.1f s)", path, len(texts), time.monotonic() - started)
        return True


# --- reading --------------------------------------------------------------------------------------------

class SearchIndex:
    """Read-only access to one built index file, one SQLite connection per thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._turns = Turns(SEARCHES_AT_ONCE)
        # immutable=1: the file is never written after its rename into place (a new dataset version is a new
        # file), so SQLite may skip the shared lock and the change check it would make for every statement
        self._uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
        # a connection of its own, closed at once: `--processes N` forks after this, and an SQLite connection
        # must not cross a fork
        with contextlib.closing(sqlite3.connect(self._uri, uri=True)) as db:
            self.classes = frozenset(t for (t,) in db.execute("SELECT DISTINCT type FROM types"))

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            # read through one shared mapping of the file rather than copying pages into each connection
            db.execute(f"PRAGMA mmap_size = {1 << 30}")
        return db

    def _phrase(self, word: str, prefix: bool) -> tuple[str, bool] | None:
        """One word as an FTS5 phrase, and whether FTS5 must merge doclists to answer it; None when no indexed
        term can match it (so neither can the query).

        One character is a whole word (its prefix would be most of the vocabulary); up to PREFIX_INDEXED
        characters the prefix index answers; a longer prefix becomes the OR of its terms."""
        if not prefix or len(word) < 2:
            return _quoted(word), False
        if len(word) <= PREFIX_INDEXED:
            return _quoted(word) + "*", False
        if (folded := fold(word)) is None:
            return _quoted(word) + "*", True
        terms = self._rows("SELECT json_group_array(term) FROM (SELECT term FROM terms WHERE term >= ? AND term < ? "
                           "LIMIT ?)", (folded, folded + "\U0010ffff", MAX_EXPANSION + 1))
        if not terms:
            return None
        if len(terms) > MAX_EXPANSION:
            return _quoted(word) + "*", True
        return ("(" + " OR ".join(_quoted(t) for t in terms) + ")" if len(terms) > 1 else _quoted(terms[0])), False

    def expression(self, found: list[str], *, every_prefix: bool) -> Expression | None:
        """An FTS5 MATCH expression built only from quoted word tokens: no operator of the user's reaches FTS5
        (words are letters and digits, see `words`). Every word is a prefix, or only the last one."""
        phrases = [self._phrase(word, every_prefix or i == len(found) - 1) for i, word in enumerate(found)]
        if not found or None in phrases:
            return None
        return Expression(" AND ".join(p for p, _ in phrases), any(m for _, m in phrases))  # type: ignore[misc]

    def _rows(self, sql: str, params: tuple | list) -> list:
        """The one JSON array a statement aggregates its rows into. Why: Python's sqlite3 releases and takes
        back the GIL around every row it steps, and with many request threads each of those hand-overs
        waits in line; one row per statement keeps a search to a handful of them."""
        return json.loads(self._db().execute(sql, params).fetchone()[0])

    def _docs(self, ids: list[int]) -> dict[int, tuple[str, dict[str, str], tuple[str, ...]]]:
        """IRI, labels by language group and types of some documents."""
        out = {}
        for doc, iri, *labels, kinds in self._rows(
                f"SELECT json_group_array(json_array(id, iri, {', '.join(f'label_{g}' for g in LANGUAGES)}, types)) "
                f"FROM docs WHERE id IN ({','.join('?' * len(ids))})", ids):
            out[doc] = (iri, dict(zip(LANGUAGES, labels, strict=True)), tuple(kinds.split()))
        return out

    @staticmethod
    def _label(labels: dict[str, str], prefer: str) -> tuple[str, str]:
        """The label in ``prefer``'s group, else sl/en, else untagged; with its language ('' untagged)."""
        for g in (group(prefer), *LANGUAGES):
            if labels.get(g):
                return labels[g], "" if g == "x" else g
        return "", ""

    def _walk(self, tiers: list[tuple[str, list, Callable[[int], float]]], start: int, count: int,
              total: int | None = None) -> list[tuple[int, float]]:
        """Positions start..start+count of the tiers' documents one after the other, each once, with their
        scores. A tier is a query yielding (rowid, document, a number for its score) in rank order, which
        is read in chunks past the last rowid seen; the walk stops as soon as the page is full, or when
        ``total`` documents were met (later tiers are empty, and FTS5 would read every match to say so)."""
        seen: set[int] = set()
        picked: list[tuple[int, float]] = []
        for sql, params, score in tiers:
            after = 0
            while len(seen) != total:
                size = max(64, 2 * (start + count - len(seen)))
                chunk = self._rows(f"SELECT json_group_array(json_array(r, d, v)) FROM ({sql} AND rowid > ? "
                                   "ORDER BY rowid LIMIT ?)", (*params, after, size))
                chunk.sort()
                for _rowid, doc, value in chunk:
                    if doc not in seen:
                        seen.add(doc)
                        if len(seen) > start:
                            picked.append((doc, score(value)))
                            if len(picked) == count:
                                return picked
                if len(chunk) < size:
                    break
                after = chunk[-1][0]
        return picked

    @staticmethod
    def _labels(expression: str, restrict: tuple[str, list], found: int) -> tuple[str, list, Callable[[int], float]]:
        """The first tier: a label holding every word; scored 1 + the share of that label the words make."""
        return (f"SELECT rowid AS r, doc AS d, words AS v FROM labels WHERE labels MATCH ?{restrict[0]}",
                [expression, *restrict[1]], lambda size: 1 + min(1.0, found / max(size, 1)))

    def _count(self, expression: str, restrict: tuple[str, list], cap: int) -> int:
        return self._db().execute(f"SELECT count(*) FROM (SELECT 1 FROM entries WHERE entries MATCH ?{restrict[0]} "
                                  "LIMIT ?)", (expression, *restrict[1], cap)).fetchone()[0]

    def search(self, text: str, *, types: tuple[str, ...] = (), lang: str | None = None, prefer: str = "en",
               limit: int = 20, offset: int = 0) -> Page:
        """Resources matching every word (each a prefix), in the tiers' order (see TIERS)."""
        with self._turns:
            return self._search(text, types, lang, prefer, limit, offset)

    def _search(self, text: str, types: tuple[str, ...], lang: str | None, prefer: str, limit: int,
                offset: int) -> Page:
        found = words(text)
        parsed = self.expression(found, every_prefix=True)
        if parsed is None:
            return Page(0)
        everything = parsed.text
        groups = (group(lang),) if lang else LANGUAGES
        kept = f"IN (SELECT doc FROM types WHERE type IN ({','.join('?' * len(types))}))"
        entries_only: tuple[str, list] = (f" AND +rowid {kept}", list(types)) if types else ("", [])
        labels_only: tuple[str, list] = (f" AND +doc {kept}", list(types)) if types else ("", [])
        within = [in_columns(everything, tuple(f"{kind}_{g}" for g in groups for kind in kinds)) for kinds in TIERS]
        anywhere = within[-1] if lang else everything
        cap = max(COUNT_CAP, offset + limit + 1)
        total = self._count(anywhere, entries_only, cap)
        if not total:
            return Page(0)
        tiers = [self._labels(in_columns(everything, groups) if lang else everything, labels_only, len(found))]
        for i, (expression, score) in enumerate(zip(within, TIER_SCORES, strict=True)):
            # each part of the second tier is what the one before lacks (the first one skips the first tier)
            part = f"({expression}) NOT ({within[i - 1]})" if i else expression
            tiers.append((f"SELECT rowid AS r, rowid AS d, 0 AS v FROM entries WHERE entries MATCH ?{entries_only[0]}",
                          [part, *entries_only[1]], lambda _value, score=score: score))
        scored = self._walk(tiers, offset, limit, total if total < cap else None)
        if not scored:
            return Page(total, exact=total < cap)
        ids = [doc for doc, _ in scored]
        marks = ",".join("?" * len(ids))
        # `rowid IN (…)` has FTS5 look each document up, which is cheap unless some prefix needs a merge of
        # doclists: then one pass over the matches between the page's first and last document (`+rowid`
        # keeps the list away from FTS5)
        narrowed = (f"rowid BETWEEN {min(ids)} AND {max(ids)} AND +rowid IN ({marks})" if parsed.merges
                    else f"rowid IN ({marks})")
        snippets = dict(self._rows(
            f"SELECT json_group_array(json_array(r, s)) FROM (SELECT rowid AS r, snippet(entries, -1, "
            f"'{OPEN}', '{CLOSE}', '…', 16) AS s FROM entries WHERE entries MATCH ? AND {narrowed} "
            f"LIMIT {len(ids)})",  # a LIMIT keeps SQLite from folding snippet() into the aggregate (an error)
            (anywhere, *ids)))
        docs = self._docs(ids)
        hits = []
        for doc, score in scored:
            iri, labels, kinds = docs[doc]
            label, label_lang = self._label(labels, lang or prefer)
            hits.append(Hit(iri, label, label_lang, kinds, snippets.get(doc, ""), score))
        return Page(total, hits, exact=total < cap)

    def complete(self, text: str, *, lang: str, limit: int = 10) -> list[Hit]:
        """Labels whose words start with what was typed (the last word a prefix), ``lang``'s labels first;
        the shortest matching labels first in each language."""
        with self._turns:
            return self._complete(text, lang, limit)

    def _complete(self, text: str, lang: str, limit: int) -> list[Hit]:
        parsed = self.expression(words(text), every_prefix=False)
        if parsed is None:
            return []
        picked: dict[int, str] = {}  # document -> the language group its labels matched in
        for g in (group(lang), *(x for x in LANGUAGES if x != group(lang))):
            if len(picked) >= limit:
                break
            for doc, _score in self._walk([self._labels(in_columns(parsed.text, (g,)), ("", []), 0)], 0, limit):
                picked.setdefault(doc, g)
        ids = list(picked)[:limit]
        docs = self._docs(ids) if ids else {}
        hits = []
        for doc in ids:
            iri, labels, kinds = docs[doc]
            label, label_lang = self._label(labels, picked[doc])
            hits.append(Hit(iri, label, label_lang, kinds, label, 1.0))
        return hits

    def under(self, namespace: str, prefer: str, limit: int = 5000) -> list[tuple[str, str, str]]:
        """Up to ``limit`` indexed IRIs that start with ``namespace``, each with its label (in ``prefer``
        where it has one) and the label's language: what a mistyped IRI is compared with. A range over the
        IRI's unique index, so it reads no more than that."""
        if not namespace:
            return []
        upper = namespace[:-1] + chr(ord(namespace[-1]) + 1)
        rows = self._db().execute(
            f"SELECT iri, {', '.join(f'label_{g}' for g in LANGUAGES)} FROM docs "
            "WHERE iri >= ? AND iri < ? ORDER BY iri LIMIT ?", (namespace, upper, limit))
        return [(iri, *self._label(dict(zip(LANGUAGES, labels, strict=True)), prefer)) for iri, *labels in rows]

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


# --- where the index lives ------------------------------------------------------------------------------

def candidate_folders(search_dir: str, store: str, cache: Path | None) -> list[Path]:
    """Where the index may be kept, first choice first: --search-dir, else inside the --store folder (beside
    its `oxigraph/`), else the validation cache folder; a private temporary folder always works."""
    if search_dir:
        return [Path(search_dir)]
    folders = [Path(store)] if store else []
    return folders + ([cache / "search"] if cache else [])


def open_index(folders: list[Path], version: str, base: str, build: Callable[[], tuple[dict, dict]]) -> SearchIndex:
    """The index of this dataset version, built in the first folder that can be written if none has it."""
    for folder in folders:
        path = index_path(folder, version, base)
        if path.is_file():
            log.info("search index reused from %s", path)
            return SearchIndex(path)
    for folder in folders:
        path = index_path(folder, version, base)
        try:
            ensure_index(path, build)
        except OSError as exc:
            log.warning("cannot keep the search index in %s (%s); trying the next folder", folder, exc.strerror)
            continue
        return SearchIndex(path)
    # the last resort, made only when needed and removed when the process that made it exits
    private = Path(tempfile.mkdtemp(prefix="ljkg-search-"))
    maker = os.getpid()
    atexit.register(lambda: os.getpid() == maker and shutil.rmtree(private, ignore_errors=True))
    path = index_path(private, version, base)
    ensure_index(path, build)
    return SearchIndex(path)
