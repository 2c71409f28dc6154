"""The full-text index: SQLite FTS5 (standard library) over labels, descriptions and source sentences.

Why FTS5 and not SPARQL regex: a regex scans every literal for every request, while FTS5 answers from an
inverted index with bm25 ranking, snippets and a prefix index, in one file many threads and processes can
read at once. The ``unicode61 remove_diacritics 2`` tokenizer folds č/š/ž and friends on both sides, so
``zatocisce`` finds "zatočišče". See docs/search.md.

The index depends only on the published graph, so it is built once per dataset version (from the store,
through `Store.select`, the same for every store), written to a temporary file and renamed into place; a
restart on the same version reuses the file. Readers open it read-only, one connection per thread.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

log = logging.getLogger(__name__)

SCHEMA = 4  # bump when the layout or what is indexed changes: the file name includes it

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA_ORG = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"

# Which column a predicate feeds; the column's weight in bm25 makes a label match beat a sentence mention.
LABELS = (f"{RDFS}label", f"{SKOS}prefLabel", f"{SCHEMA_ORG}name", f"{FOAF}name", f"{DCT}title")
ALTERNATIVES = (f"{SKOS}altLabel", f"{SCHEMA_ORG}alternateName", f"{SKOS}hiddenLabel")
DESCRIPTIONS = (f"{DCT}description", f"{SKOS}definition", f"{RDFS}comment", f"{SCHEMA_ORG}description")
KINDS = ("label", "alt", "description", "sentence")
KIND_WEIGHTS = (10.0, 5.0, 2.0, 1.0)
NAMES = KINDS[:2]  # what the `names` table holds: labels and alternative labels
# One row per resource in each table, a column per kind and language group, so that the language filter is
# an FTS5 column filter and no query has to group rows by resource. "x": untagged or another language.
# `entries` holds every text; `names` only the labels, so that its bm25 length normalisation counts label
# words alone and an exact label ("LIKE") beats a longer one ("Membership of MOL in LIKE") whatever else
# the resources say.
LANGUAGES = ("sl", "en", "x")
COLUMNS = tuple(f"{kind}_{lang}" for lang in LANGUAGES for kind in KINDS)
WEIGHTS = ", ".join(str(w) for _lang in LANGUAGES for w in KIND_WEIGHTS)
NAME_COLUMNS = tuple(f"{kind}_{lang}" for lang in LANGUAGES for kind in NAMES)
NAME_WEIGHTS = ", ".join(str(w) for _lang in LANGUAGES for w in KIND_WEIGHTS[:2])
# Each tier's first WINDOW matches in document order (shortest labels first, see write_index) are ordered by
# bm25; matches past the window follow in document order. So a query costs O(WINDOW), not O(matches), and
# the order is still one fixed order that paging walks through without gaps or repeats.
WINDOW = 400

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
    score: float


@dataclass(frozen=True)
class Page:
    total: int
    hits: list[Hit] = field(default_factory=list)


def words(text: str) -> list[str]:
    """The words of a search text, as FTS5's tokenizer will see them (letters and digits only), checked."""
    if len(text) > MAX_QUERY_CHARS:
        raise SearchInputError(f"q is {len(text)} characters long; at most {MAX_QUERY_CHARS} are searched")
    found = [w for w in _WORD.findall(text.replace("_", " "))]
    if len(found) > MAX_WORDS:
        raise SearchInputError(f"q has {len(found)} words; at most {MAX_WORDS} are searched")
    return found


def match_expression(found: list[str], *, every_prefix: bool, columns: tuple[str, ...] = ()) -> str:
    """An FTS5 MATCH expression built only from quoted word tokens: no operator of the user's reaches FTS5.

    Words are letters and digits (`words`), so a double quote cannot occur inside one.
    """
    terms = []
    for i, word in enumerate(found):
        prefix = every_prefix or i == len(found) - 1
        terms.append(f'"{word}"' + ("*" if prefix else ""))
    expression = " ".join(terms)
    return in_columns(expression, columns) if columns else expression


def in_columns(expression: str, columns: tuple[str, ...]) -> str:
    """An FTS5 expression restricted to some columns (every phrase of it must occur in one of them)."""
    return "{" + " ".join(columns) + "} : (" + expression + ")"


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
    """Document order: fewest words in the shortest label first, then the least text, then the IRI. It is
    the static part of the ranking (the order past each tier's bm25 window) and what autocomplete scans."""
    iri, document = item
    names = [len(_WORD.findall(v)) for c in NAME_COLUMNS for v in document.get(c, ())]
    return (min(names, default=10**6), sum(len(_WORD.findall(v)) for vs in document.values() for v in vs), iri)


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
        db.executescript(f"""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE entries USING fts5({", ".join(COLUMNS)},
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
            CREATE VIRTUAL TABLE names USING fts5({", ".join(NAME_COLUMNS)},
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
            CREATE TABLE docs (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, {
                ", ".join(f"label_{lang} TEXT NOT NULL" for lang in LANGUAGES)});
            CREATE TABLE types (doc INTEGER NOT NULL, type TEXT NOT NULL);
        """)
        ordered = sorted(documents.items(), key=_order)

        def cells(document: dict[str, list[str]], columns: tuple[str, ...]) -> tuple[str, ...]:
            return tuple("\n".join(sorted(document.get(c, []))) for c in columns)

        db.executemany(f"INSERT INTO entries (rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * len(COLUMNS)})",
                       ((n, *cells(d, COLUMNS)) for n, (_, d) in enumerate(ordered, 1)))
        db.executemany(f"INSERT INTO names (rowid, {', '.join(NAME_COLUMNS)}) "
                       f"VALUES (?{', ?' * len(NAME_COLUMNS)})",
                       ((n, *cells(d, NAME_COLUMNS)) for n, (_, d) in enumerate(ordered, 1)
                        if any(d.get(c) for c in NAME_COLUMNS)))
        db.executemany(f"INSERT INTO docs VALUES (?, ?{', ?' * len(LANGUAGES)})",
                       ((n, iri, *(min(d.get(f"label_{lang}") or d.get(f"alt_{lang}") or [""]) for lang in LANGUAGES))
                        for n, (iri, d) in enumerate(ordered, 1)))
        db.executemany("INSERT INTO types VALUES (?, ?)",
                       ((n, t) for n, (iri, _) in enumerate(ordered, 1) for t in sorted(set(types.get(iri, ())))))
        db.executescript("""
            CREATE INDEX types_by_type ON types (type, doc);
            CREATE INDEX types_by_doc ON types (doc);
            INSERT INTO entries(entries) VALUES ('optimize');
            INSERT INTO names(names) VALUES ('optimize');
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
        self._uri = f"{path.resolve().as_uri()}?mode=ro"
        # a connection of its own, closed at once: `--processes N` forks after this, and an SQLite connection
        # must not cross a fork
        with contextlib.closing(sqlite3.connect(self._uri, uri=True)) as db:
            self.classes = frozenset(t for (t,) in db.execute("SELECT DISTINCT type FROM types"))

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        return db

    def _docs(self, ids: list[int]) -> dict[int, tuple[str, dict[str, str], tuple[str, ...]]]:
        """IRI, labels by language group and types of some documents."""
        marks = ",".join("?" * len(ids))
        db = self._db()
        kinds: dict[int, list[str]] = {}
        for doc, t in db.execute(f"SELECT doc, type FROM types WHERE doc IN ({marks}) ORDER BY type", ids):
            kinds.setdefault(doc, []).append(t)
        out = {}
        for doc, iri, *labels in db.execute(
                f"SELECT id, iri, {', '.join(f'label_{g}' for g in LANGUAGES)} FROM docs WHERE id IN ({marks})", ids):
            out[doc] = (iri, dict(zip(LANGUAGES, labels, strict=True)), tuple(kinds.get(doc, ())))
        return out

    @staticmethod
    def _label(labels: dict[str, str], prefer: str) -> tuple[str, str]:
        """The label in ``prefer``'s group, else sl/en, else untagged; with its language ('' untagged)."""
        for g in (group(prefer), *LANGUAGES):
            if labels.get(g):
                return labels[g], "" if g == "x" else g
        return "", ""

    def _tier(self, table: str, weights: str, expression: str, restrict: tuple[str, list],
              start: int, count: int) -> list[tuple[int, float]]:
        """Positions start..start+count of one tier's order (see WINDOW): (document, bm25) pairs."""
        sql = (f"SELECT rowid, bm25({table}, {weights}) FROM {table} WHERE {table} MATCH ?{restrict[0]} "
               "ORDER BY rowid LIMIT ? OFFSET ?")
        db, params = self._db(), [expression, *restrict[1]]
        rows: list[tuple[int, float]] = []
        if start < WINDOW:
            window = sorted(db.execute(sql, (*params, WINDOW, 0)), key=lambda r: (r[1], r[0]))
            rows = window[start:start + count]
            if len(window) < WINDOW:
                return rows
        if len(rows) < count:
            rows += db.execute(sql, (*params, count - len(rows), max(start, WINDOW))).fetchall()
        return rows

    def _count(self, table: str, expression: str, restrict: tuple[str, list]) -> int:
        return self._db().execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?{restrict[0]}",
                                  (expression, *restrict[1])).fetchone()[0]

    def search(self, text: str, *, types: tuple[str, ...] = (), lang: str | None = None, prefer: str = "en",
               limit: int = 20, offset: int = 0) -> Page:
        """Resources matching every word (each a prefix): first those whose labels hold every word (bm25
        over the labels alone), then those whose other texts complete the match (bm25 over all, weighted)."""
        found = words(text)
        if not found:
            return Page(0)
        everything = match_expression(found, every_prefix=True)
        named_in = tuple(f"{kind}_{group(lang)}" for kind in NAMES) if lang else NAME_COLUMNS
        named = in_columns(everything, named_in)
        anywhere = in_columns(everything, tuple(f"{kind}_{group(lang)}" for kind in KINDS)) if lang else everything
        rest = f"({anywhere}) NOT ({named})"  # the second tier: exactly the matches the first one lacks
        restrict: tuple[str, list] = ("", [])
        if types:
            restrict = (f" AND +rowid IN (SELECT doc FROM types WHERE type IN ({','.join('?' * len(types))}))",
                        list(types))
        total = self._count("entries", anywhere, restrict)
        page = self._tier("names", NAME_WEIGHTS, named, restrict, offset, limit) if total else []
        if len(page) < limit:  # the page reaches past the first tier
            labelled = offset + len(page) if page else self._count("names", named, restrict)
            if labelled < total:  # else the second tier is empty, and FTS5 would scan every match to say so
                page += self._tier("entries", WEIGHTS, rest, restrict, max(0, offset - labelled),
                                   limit - len(page))
        if not page:
            return Page(total)
        db = self._db()
        ids = [doc for doc, _ in page]
        # one pass over the matches between the page's first and last document: `rowid IN (…)` would make
        # FTS5 evaluate the expression (merging every prefix's doclists) once per document
        snippets = dict(db.execute(
            f"SELECT rowid, snippet(entries, -1, '{OPEN}', '{CLOSE}', '…', 16) FROM entries "
            f"WHERE entries MATCH ? AND rowid BETWEEN ? AND ? AND +rowid IN ({','.join('?' * len(ids))})",
            (anywhere, min(ids), max(ids), *ids)))
        docs = self._docs(ids)
        hits = []
        for doc, score in page:
            iri, labels, kinds = docs[doc]
            label, label_lang = self._label(labels, lang or prefer)
            hits.append(Hit(iri, label, label_lang, kinds, snippets.get(doc, ""), score))
        return Page(total, hits)

    def complete(self, text: str, *, lang: str, limit: int = 10) -> list[Hit]:
        """Labels whose words start with what was typed (the last word a prefix), ``lang``'s labels first."""
        found = words(text)
        if not found:
            return []
        picked: dict[int, str] = {}  # document -> the language group its labels matched in
        for g in (group(lang), *(x for x in LANGUAGES if x != group(lang))):
            if len(picked) >= limit:
                break
            expression = match_expression(found, every_prefix=False, columns=(f"label_{g}", f"alt_{g}"))
            for doc, _score in self._tier("names", NAME_WEIGHTS, expression, ("", []), 0, limit):
                picked.setdefault(doc, g)
        ids = list(picked)[:limit]
        docs = self._docs(ids) if ids else {}
        hits = []
        for doc in ids:
            iri, labels, kinds = docs[doc]
            label, label_lang = self._label(labels, picked[doc])
            hits.append(Hit(iri, label, label_lang, kinds, label, 0.0))
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
