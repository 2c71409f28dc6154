"""GET /sparql/vocabulary.json: what the query editor completes, from what the dataset really uses.

The classes and properties are those of our VoID class and property partitions (so, exactly the terms a
query can match, with how often), labelled in sl and en from the graph itself; the prefixes are the ones
every query may use undeclared. One small JSON document, fixed for a dataset version, so the page asks
for it once and completes offline from then on.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response

from ..app import publication
from ..describe import labels_of
from ..http_headers import set_validators

bp = Blueprint("vocabulary", __name__)

VOID = "http://rdfs.org/ns/void#"
# A local name that can follow "prefix:" in SPARQL as it is (no escapes needed)
_PLAIN_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def prefixed(iri: str, prefixes: dict[str, str]) -> str | None:
    """``prefix:local`` for an IRI under the most specific predeclared namespace (ties: the shorter
    name), or None when no namespace leaves a plain local name."""
    candidates = [(len(namespace), -len(name), f"{name}:{iri[len(namespace):]}")
                  for name, namespace in prefixes.items()
                  if iri.startswith(namespace) and _PLAIN_LOCAL.fullmatch(iri[len(namespace):])]
    return max(candidates)[2] if candidates else None


def vocabulary_document() -> bytes:
    pub = publication()
    prefixes = pub.namespaces.predeclared()
    rows = pub.store.select(f"""
        SELECT ?kind ?term ?n WHERE {{ GRAPH <{pub.metadata_graph_iri}> {{
          {{ <{pub.namespaces.dataset}> <{VOID}classPartition> ?part . ?part <{VOID}class> ?term ;
             <{VOID}entities> ?n BIND ("classes" AS ?kind) }}
          UNION
          {{ <{pub.namespaces.dataset}> <{VOID}propertyPartition> ?part . ?part <{VOID}property> ?term ;
             <{VOID}triples> ?n BIND ("properties" AS ?kind) }} }} }}""")
    labels, _ = labels_of(pub.store, {r["term"].value for r in rows})
    document: dict = {"prefixes": prefixes, "classes": [], "properties": []}
    for r in rows:
        iri = r["term"].value
        document[r["kind"].value].append({
            "iri": iri, "name": prefixed(iri, prefixes), "count": int(r["n"].value),
            "labels": {lang: text for lang, text in labels.get(iri, {}).items() if lang in ("sl", "en")},
        })
    for kind in ("classes", "properties"):
        document[kind].sort(key=lambda t: (-t["count"], t["iri"]))
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@bp.route("/sparql/vocabulary.json", methods=["GET", "HEAD"])
def vocabulary() -> Response:
    pub = publication()
    if "vocabulary.json" not in pub.cache:
        pub.cache["vocabulary.json"] = vocabulary_document()
    response = Response(pub.cache["vocabulary.json"], content_type="application/json; charset=utf-8")
    return set_validators(response, pub.version, pub.modified, "vocabulary")
