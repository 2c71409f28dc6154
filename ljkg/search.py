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

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

log = logging.getLogger(__name__)

SCHEMA = 1  # bump when the layout or what is indexed changes: the file name includes it

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
COLUMNS = ("label", "alt", "description", "sentence")
WEIGHTS = (10.0, 5.0, 2.0, 1.0)
LANGUAGES = ("sl", "en")

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
    if columns:
        expression = "{" + " ".join(columns) + "} : (" + expression + ")"
    return expression


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


def write_index(path: Path, texts: dict, types: dict) -> None:
    """Write the index to a temporary file beside ``path`` and rename it into place (readers never see a
    half-written file; two builders racing both write the same content)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        db.executescript(f"""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE VIRTUAL TABLE entries USING fts5(
                {", ".join(COLUMNS)}, iri UNINDEXED, lang UNINDEXED, display UNINDEXED,
                tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
            CREATE TABLE types (iri TEXT NOT NULL, type TEXT NOT NULL);
            CREATE INDEX types_by_type ON types (type, iri);
            CREATE INDEX types_by_iri ON types (iri);
        """)
        db.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((*("\n".join(sorted(columns.get(c, []))) for c in COLUMNS), iri, lang,
              min(columns.get("label") or columns.get("alt") or [""]))
             for (iri, lang), columns in sorted(texts.items())))
        db.executemany("INSERT INTO types VALUES (?, ?)",
                       ((iri, t) for iri, ts in sorted(types.items()) for t in sorted(set(ts))))
        db.execute("INSERT INTO entries(entries) VALUES ('optimize')")
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

    def _types(self, iris: list[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        marks = ",".join("?" * len(iris))
        for iri, t in self._db().execute(f"SELECT iri, type FROM types WHERE iri IN ({marks}) ORDER BY type", iris):
            out.setdefault(iri, []).append(t)
        return {i: tuple(ts) for i, ts in out.items()}

    def search(self, text: str, *, types: tuple[str, ...] = (), lang: str | None = None, prefer: str = "en",
               limit: int = 20, offset: int = 0) -> Page:
        """Entities matching every word (each a prefix), best first, one hit per IRI: its best-ranked row,
        in ``prefer``'s language on a tie."""
        found = words(text)
        if not found:
            return Page(0)
        expression = match_expression(found, every_prefix=True)
        filters, params = self._filters(types, lang)
        weights = ", ".join(str(w) for w in WEIGHTS)
        db = self._db()
        total = db.execute(f"SELECT count(DISTINCT iri) FROM entries WHERE entries MATCH ? {filters}",
                           (expression, *params)).fetchone()[0]
        page = db.execute(f"""WITH hits AS MATERIALIZED (
              SELECT iri, bm25(entries, {weights}) AS score FROM entries WHERE entries MATCH ? {filters})
            SELECT iri, min(score) AS best FROM hits GROUP BY iri ORDER BY best, iri LIMIT ? OFFSET ?""",
                          (expression, *params, limit, offset)).fetchall()
        if not page:
            return Page(total)
        iris = [iri for iri, _ in page]
        marks = ",".join("?" * len(iris))
        rows = db.execute(f"""
            SELECT iri, lang, display, bm25(entries, {weights}) AS score,
                   snippet(entries, -1, '{OPEN}', '{CLOSE}', '…', 16)
            FROM entries WHERE entries MATCH ? AND iri IN ({marks}) {filters}
            ORDER BY score, lang != ?""", (expression, *iris, *params, prefer)).fetchall()
        best: dict[str, tuple] = {}
        for row in rows:
            best.setdefault(row[0], row)
        labels = self._labels(iris, prefer)
        kinds = self._types(iris)
        hits = []
        for iri, score in page:
            _iri, row_lang, _display, _score, snippet = best[iri]
            label, label_lang = labels.get(iri, ("", row_lang))
            hits.append(Hit(iri, label, label_lang, kinds.get(iri, ()), snippet, score))
        return Page(total, hits)

    def complete(self, text: str, *, lang: str, limit: int = 10) -> list[Hit]:
        """Labels whose words start with what was typed (the last word a prefix), in ``lang`` first."""
        found = words(text)
        if not found:
            return []
        expression = match_expression(found, every_prefix=False, columns=("label", "alt"))
        rows = self._db().execute(f"""
            SELECT iri, lang, display, bm25(entries, {", ".join(str(w) for w in WEIGHTS)}) AS score
            FROM entries WHERE entries MATCH ? AND display != ''
            ORDER BY lang != ?, score, iri LIMIT ?""", (expression, lang, limit * 4)).fetchall()
        chosen: dict[str, tuple] = {}
        for row in rows:
            chosen.setdefault(row[0], row)
        picked = list(chosen.values())[:limit]
        kinds = self._types([r[0] for r in picked]) if picked else {}
        return [Hit(iri, display, row_lang, kinds.get(iri, ()), display, score)
                for iri, row_lang, display, score in picked]

    def _labels(self, iris: list[str], prefer: str) -> dict[str, tuple[str, str]]:
        marks = ",".join("?" * len(iris))
        out: dict[str, tuple[str, str]] = {}
        for iri, lang, display in self._db().execute(
                f"""SELECT iri, lang, display FROM entries WHERE iri IN ({marks}) AND display != ''
                    ORDER BY lang != ?, lang = '' , lang""", (*iris, prefer)):
            out.setdefault(iri, (display, lang))
        return out

    @staticmethod
    def _filters(types: tuple[str, ...], lang: str | None) -> tuple[str, list]:
        sql, params = "", []
        if types:
            sql += f" AND iri IN (SELECT iri FROM types WHERE type IN ({','.join('?' * len(types))}))"
            params += list(types)
        if lang:
            sql += " AND lang = ?"
            params.append(lang)
        return sql, params

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
    for folder in [*folders, Path(tempfile.mkdtemp(prefix="ljkg-search-"))]:
        path = index_path(folder, version, base)
        try:
            ensure_index(path, build)
        except OSError as exc:
            log.warning("cannot keep the search index in %s (%s); trying the next folder", folder, exc.strerror)
            continue
        return SearchIndex(path)
    raise OSError("no folder can hold the search index")
