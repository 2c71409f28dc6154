"""Our namespaces and the one place that knows the base IRI.

The RDF files in ontology/, data/ and shapes/ declare our namespaces as *relative* IRIs
(``@prefix place: <id/place/> .``); they are resolved against the base given at parse time, so the
same files serve ``http://127.0.0.1:5000/`` locally and the public ``--base-uri`` in production.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pyoxigraph as ox

# Our own namespaces, relative to the base. Each path segment is a route of the server.
OWN_PREFIXES: dict[str, str] = {
    "ljo": "ontology/",
    "organisation": "id/organisation/",
    "unit": "id/unit/",
    "place": "id/place/",
    "country": "id/country/",
    "person": "id/person/",
    "group": "id/group/",
    "membership": "id/membership/",
    "name": "id/name/",
    "count": "id/count/",
    "hosting": "id/hosting/",
    "residence": "id/residence/",
    "participation": "id/participation/",
    "event": "id/event/",
    "interval": "id/interval/",
    "instant": "id/instant/",
    "geometry": "id/geometry/",
    "src": "source/",
    "passage": "source/mednarodno-sodelovanje/",
    "ljs": "shapes/",
    "graph": "graph/",
}

# Reused vocabularies, declared once here; the tests check every RDF file's @prefix lines against this.
VOCAB_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "skosxl": "http://www.w3.org/2008/05/skos-xl#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": "http://rdfs.org/ns/void#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "oa": "http://www.w3.org/ns/oa#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "sh": "http://www.w3.org/ns/shacl#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "vann": "http://purl.org/vocab/vann/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adms": "http://www.w3.org/ns/adms#",
    "wd": "http://www.wikidata.org/entity/",
    "gn": "https://sws.geonames.org/",
    "euc": "http://publications.europa.eu/resource/authority/country/",
    "eulang": "http://publications.europa.eu/resource/authority/language/",
    "eulic": "http://publications.europa.eu/resource/authority/licence/",
    "eutheme": "http://publications.europa.eu/resource/authority/data-theme/",
    "euft": "http://publications.europa.eu/resource/authority/file-type/",
    "euar": "http://publications.europa.eu/resource/authority/access-right/",
    "eufreq": "http://publications.europa.eu/resource/authority/frequency/",
    "euavail": "http://publications.europa.eu/resource/authority/planned-availability/",
    "dcatap": "http://data.europa.eu/r5r/",
}

# Prefixes a query may use without declaring them, besides all of the above. `geo:` is GeoSPARQL (as in
# most GeoSPARQL queries, and in our data); `geosparql:` is the same namespace under its spelt-out name,
# `geof:` its functions, and `wgs84:` the older W3C Basic Geo vocabulary (whose usual prefix, `geo:`, is
# taken). They are for queries only: files and serialisers keep one prefix per namespace.
QUERY_ONLY_PREFIXES: dict[str, str] = {
    "geosparql": "http://www.opengis.net/ont/geosparql#",
    "geof": "http://www.opengis.net/def/function/geosparql/",
    "wgs84": "http://www.w3.org/2003/01/geo/wgs84_pos#",
}

# Namespaces whose links count as external links (linksets in VoID).
LINK_TARGETS: dict[str, str] = {
    "Wikidata": "http://www.wikidata.org/entity/",
    "GeoNames": "https://sws.geonames.org/",
    "EU authority tables": "http://publications.europa.eu/resource/authority/",
}


def default_base(host: str, port: int) -> str:
    """The base used when no --base-uri is given: the server's own address, so every link resolves."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


@dataclass(frozen=True)
class Namespaces:
    """Absolute namespaces for one base."""

    base: str

    def __post_init__(self) -> None:
        if not self.base.endswith("/"):
            object.__setattr__(self, "base", self.base + "/")

    def __getitem__(self, prefix: str) -> str:
        if prefix in OWN_PREFIXES:
            return self.base + OWN_PREFIXES[prefix]
        return VOCAB_PREFIXES[prefix]

    @property
    def ontology(self) -> str:
        return self.base + "ontology"

    @property
    def dataset(self) -> str:
        return self.base + "dataset"

    def prefixes(self) -> dict[str, str]:
        """All prefixes with our own made absolute, for SPARQL and serialisers."""
        out = {p: self.base + rel for p, rel in OWN_PREFIXES.items()}
        out.update(VOCAB_PREFIXES)
        return out

    def predeclared(self) -> dict[str, str]:
        """The prefixes every /sparql query may use without a PREFIX line (its own PREFIX lines win)."""
        return {**self.prefixes(), **QUERY_ONLY_PREFIXES}

    def sparql_prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes().items())

    def owns(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def path_of(self, iri: str) -> str:
        """The route path (no leading slash) that serves an IRI of ours."""
        return iri[len(self.base):]

    def iri_of(self, path: str) -> str:
        return self.base + path.lstrip("/")


# What SPARQL's IRIREF and RFC 3987 both exclude (controls, space, <>"{}|^`\\), and a '%' that starts no escape.
# Only to say *where* an IRI is wrong: whether it is one is Oxigraph's parser's call (`iri_problem`).
_EXCLUDED = re.compile(r'[\x00-\x20\x7f<>"{}|^`\\\ud800-\udfff]')
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def quoted(value: str, limit: int = 200) -> str:
    """A value from a request, shown in a message: in quotes, control characters escaped, at most `limit`
    characters (a request may carry kilobytes, a message should not), and always encodable as UTF-8."""
    shown = json.dumps(value[:limit], ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
    return shown + ("…" if len(value) > limit else "")


def iri_problem(value: str, base: str = "") -> str | None:
    """Why `base + value` is not an absolute IRI, in words a client can act on (positions count in `value`);
    None when it is one.

    Every IRI that reaches a query or a header is checked here first: a SPARQL text built around a string
    that is not an IRI is a syntax error in our own query, and Oxigraph's own error text is for us, not
    for the client.
    """
    try:
        ox.NamedNode(base + value)
        return None
    except ValueError:  # (UnicodeEncodeError, for a lone surrogate, is one)
        pass
    found = _EXCLUDED.search(value)
    if found:
        return _bad_character(found.group(), found.start() + 1)
    found = _BAD_PERCENT.search(value)
    if found:
        return f"the '%' at position {found.start() + 1} does not start a %XX escape (two hexadecimal digits)"
    for position, char in enumerate(value, 1):
        if not char.isascii() and _rejected("http://x/" + char):
            return _bad_character(char, position)
    if not base and not _SCHEME.match(value):
        return "it is not an absolute IRI (one starts with a scheme, like http://)"
    return "it is not a valid IRI"


def _bad_character(char: str, position: int) -> str:
    return f"the character {quoted(char)} (U+{ord(char):04X}) at position {position} cannot appear in an IRI"


def _rejected(iri: str) -> bool:
    try:
        ox.NamedNode(iri)
        return False
    except ValueError:
        return True
