"""The nearest matches offered on a 404 page: what the reader probably meant by an IRI we do not publish.

Two sources, best first: a full-text search for the words of the IRI's last segment (`/id/place/ljubljana`
misspelt as `/id/place/ljubljana-grad` still finds Ljubljana), then, for a typo no word matches
(`/id/place/lubljana`), difflib's ratio between that segment and the local names and labels of the IRIs
in the same namespace, diacritics folded. The candidates come from the search index (a bounded range of
its IRI index), never from the store, so a 404 costs the same on every backend, and little at any size.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from urllib.parse import unquote

from .search import MAX_QUERY_CHARS, MAX_WORDS, Hit, SearchIndex, SearchInputError

SUGGESTIONS = 5
CUTOFF = 0.6  # difflib ratio below which a name is not offered: 0.6 is difflib's own default
# What bounds the CPU a 404 costs (anyone can ask for missing pages): difflib compares the local names and
# labels of at most CANDIDATES IRIs, and only for a segment short enough to be a typo of one. Measured:
# 10,000 names against a 31-character text take about 0.1 s, so 2,000 about 20 ms at worst.
CANDIDATES = 1000
TYPO_CHARS = 64
_SEPARATORS = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics, separators as spaces: `Zatočišče-X` and `zatocisce x` compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", plain).strip()


def words_of(iri: str) -> str:
    """The last path segment of an IRI as search text: `…/id/place/ljubljana-grad` gives `ljubljana grad`."""
    segment = unquote(iri.rstrip("/").rpartition("/")[2])
    return " ".join(fold(segment)[:MAX_QUERY_CHARS].split()[:MAX_WORDS])  # what /search accepts


def nearest(index: SearchIndex, iri: str, lang: str, limit: int = SUGGESTIONS) -> list[Hit]:
    """Resources the reader may have meant by ``iri``: search hits first, then close names, no repeats."""
    text = words_of(iri)
    if not text:
        return []
    found: dict[str, Hit] = {}
    try:
        for hit in index.search(text, prefer=lang, limit=limit).hits:
            found.setdefault(hit.iri, hit)
    except SearchInputError:  # too many words for a search: the names below may still match
        pass
    if len(found) < limit and len(text) <= TYPO_CHARS:
        namespace, _, segment = iri.rstrip("/").rpartition("/")
        namespace += "/"
        # a typo seldom changes the first letter: those names first, then the namespace's others
        near = index.under(namespace + segment[:1], prefer=lang, limit=CANDIDATES) if segment else []
        rest = index.under(namespace, prefer=lang, limit=CANDIDATES - len(near)) if len(near) < CANDIDATES else []
        by_name: dict[str, str] = {}
        labelled: dict[str, tuple[str, str]] = {}
        for candidate, label, label_lang in [*near, *rest]:
            labelled[candidate] = (label, label_lang)
            by_name.setdefault(words_of(candidate), candidate)
            if label:
                by_name.setdefault(fold(label), candidate)
        for name in difflib.get_close_matches(text, list(by_name), n=limit * 2, cutoff=CUTOFF):
            candidate = by_name[name]
            if candidate not in found and candidate != iri:
                label, label_lang = labelled[candidate]
                found[candidate] = Hit(candidate, label, label_lang, (), "", 0.0)
    return list(found.values())[:limit]
