"""Lists of the resources of a class, narrowed by facets, with counts: a few SPARQL queries any store answers.

Why a config file (`browse.toml` in the data folder) rather than an annotation in the ontology: facets are
a choice about how people browse (which path from a membership leads to its network, and that a date
groups by year), not a statement about the world, and most facet paths run through reused vocabularies
we do not own. The file is read and checked once at start-up: a bad path stops the server with its name.

Per request: one query for the page of resources (sorted by label in the page's language), one for the
total, one GROUP BY for every facet's values and counts (a UNION, so one round trip to a remote store),
and one for labels.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .store.base import Store

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
FACET_VALUES = 30  # values shown per facet (most frequent first); the counts are over all of them
# Page sizes are fixed, like describe.OUTGOING_LIMIT: they bound what one request costs, and a client that
# wants everything pages through with ?offset= (or asks /sparql).
PAGE = 50  # resources a page lists when ?limit= is not given
MOST = 500  # the largest ?limit= accepted


class BrowseConfigError(ValueError):
    """browse.toml says something we cannot use; the message names the entry."""


@dataclass(frozen=True)
class Facet:
    name: str
    path: str  # a SPARQL property path of full IRIs
    labels: dict[str, str]
    year: bool = False

    def value_expression(self, var: str) -> str:
        """What the facet groups by: the term itself, or the year of a date."""
        return f"SUBSTR(STR({var}), 1, 4)" if self.year else var


@dataclass(frozen=True)
class BrowseConfig:
    facets: dict[str, tuple[Facet, ...]] = field(default_factory=dict)  # class IRI → its facets
    technical: frozenset[str] = frozenset()


def expand(curie: str, prefixes: dict[str, str]) -> str | None:
    prefix, colon, local = curie.partition(":")
    if not colon or prefix not in prefixes or not local:
        return None
    return prefixes[prefix] + local


def _path(text: str, prefixes: dict[str, str], where: str) -> str:
    steps = []
    for step in text.split("/"):
        step = step.strip()
        inverse = step.startswith("^")
        iri = expand(step.lstrip("^"), prefixes)
        if iri is None:
            raise BrowseConfigError(f"{where}: {step!r} is not a prefixed name with a known prefix")
        steps.append(("^" if inverse else "") + str(ox.NamedNode(iri)))
    return "/".join(steps)


RESERVED = frozenset({"lang", "format", "output", "results", "limit", "offset"})


def load_config(root: Path, prefixes: dict[str, str]) -> BrowseConfig:
    path = root / "browse.toml"
    if not path.is_file():
        return BrowseConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BrowseConfigError(f"{path}: {exc}") from exc
    technical = set()
    for curie in raw.get("technical", []):
        iri = expand(curie, prefixes)
        if iri is None:
            raise BrowseConfigError(f"{path}: technical class {curie!r} has no known prefix")
        technical.add(iri)
    facets: dict[str, tuple[Facet, ...]] = {}
    for curie, entries in raw.get("facets", {}).items():
        cls = expand(curie, prefixes)
        if cls is None:
            raise BrowseConfigError(f"{path}: class {curie!r} has no known prefix")
        out = []
        for name, spec in entries.items():
            where = f"{path}: facets.{curie}.{name}"
            if name in RESERVED or not name.replace("-", "").isalnum():
                raise BrowseConfigError(f"{where}: the name must be letters, digits and '-', and not one of "
                                        f"{sorted(RESERVED)}")
            if not isinstance(spec, dict) or "path" not in spec:
                raise BrowseConfigError(f"{where}: needs a path")
            labels = {lang: spec[lang] for lang in ("sl", "en") if lang in spec}
            out.append(Facet(name, _path(spec["path"], prefixes, where), labels, bool(spec.get("year"))))
        facets[cls] = tuple(out)
    return BrowseConfig(facets, frozenset(technical))


def _filters(selected: list[tuple[Facet, str]]) -> str:
    parts = []
    for i, (facet, value) in enumerate(selected):
        var = f"?f{i}"
        parts.append(f"?s {facet.path} {var} . FILTER(STR({facet.value_expression(var)}) = {ox.Literal(value)})")
    return "\n".join(parts)


@dataclass
class Listing:
    items: list[str]  # resource IRIs, in label order
    total: int
    facets: dict[str, list[tuple[ox.NamedNode | ox.Literal, int]]]  # facet name → (value, count), most first


def listing(store: Store, cls: str, facets: tuple[Facet, ...], selected: list[tuple[Facet, str]],
            lang: str, limit: int, offset: int) -> Listing:
    """The page of `cls` resources matching every selected facet value, the total, and the facet counts."""
    node = str(ox.NamedNode(cls))
    where = f"?s a {node} .\n{_filters(selected)}"
    rows = store.select(f"""
        SELECT ?s (MIN(?k) AS ?key) WHERE {{
          {where}
          OPTIONAL {{ ?s <{RDFS_LABEL}> ?l1 FILTER(LANGMATCHES(LANG(?l1), {ox.Literal(lang)})) }}
          OPTIONAL {{ ?s <{RDFS_LABEL}> ?l2 }}
          BIND(LCASE(COALESCE(?l1, ?l2, STR(?s))) AS ?k)
        }} GROUP BY ?s ORDER BY ?key ?s LIMIT {int(limit)} OFFSET {int(offset)}""")
    total = store.select(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} }}")
    counts: dict[str, list] = {f.name: [] for f in facets}
    if facets:
        branches = " UNION ".join(
            f"{{ ?s {f.path} ?x BIND({ox.Literal(f.name)} AS ?facet) BIND({f.value_expression('?x')} AS ?v) }}"
            for f in facets)
        for r in store.select(f"""
            SELECT ?facet ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} {branches} }}
            GROUP BY ?facet ?v ORDER BY ?facet DESC(?n) ?v"""):
            values = counts[r["facet"].value]
            if len(values) < FACET_VALUES:
                values.append((r["v"], int(r["n"].value)))
    return Listing([r["s"].value for r in rows], int(total[0]["n"].value) if total else 0, counts)


def classes_with_instances(store: Store, cls: str) -> bool:
    return bool(store.select(f"SELECT ?s WHERE {{ ?s a {ox.NamedNode(cls)} }} LIMIT 1"))
