"""JSON-LD for developers: our published @context, compaction and framing with pyld, no network ever.

The context template lives in ontology/context/v1.jsonld; the prefixes of our own namespaces are added at
start-up from the configured base (a JSON-LD context cannot hold relative prefix IRIs). Every JSON-LD
response refers to the context by its URL; pyld resolves that URL from memory and refuses any other.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyld import jsonld
from pyld.jsonld import JsonLdError

from .iris import OWN_PREFIXES, VOCAB_PREFIXES, Namespaces

CONTEXT_VERSION = "v1"


class JsonLd:
    def __init__(self, namespaces: Namespaces, template_path: Path) -> None:
        self.namespaces = namespaces
        text = Path(template_path).read_text(encoding="utf-8")
        # our own terms are written "ljo:x" in the template and expanded here, so that no prefix of our
        # namespaces is in the context and every "id" a developer sees is a full, dereferenceable IRI
        for prefix, rel in OWN_PREFIXES.items():
            text = text.replace(f'"{prefix}:', f'"{namespaces.base}{rel}')
        template = json.loads(text)
        terms: dict[str, Any] = {"@version": 1.1}
        terms.update({p: iri for p, iri in VOCAB_PREFIXES.items() if not p.startswith("eu")})
        terms.update(template["@context"])
        self.context_document = {"@context": terms}
        self.context_url = namespaces.base + f"context/{CONTEXT_VERSION}.jsonld"
        self.context_bytes = json.dumps(self.context_document, ensure_ascii=False, indent=2).encode("utf-8")
        self.reverse_terms = [k for k, v in template["@context"].items() if isinstance(v, dict) and "@reverse" in v]

    def load_document(self, url: str, options: dict | None = None) -> dict:
        """pyld's document loader: our own context from memory, everything else refused (no fetching)."""
        if url == self.context_url:
            return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(self.context_document)}
        raise JsonLdError(f"remote documents are not loaded: {url}", "jsonld.LoadDocumentError",
                          code="loading document failed")

    def _options(self) -> dict:
        return {"documentLoader": self.load_document}

    def _expanded(self, triples) -> list:
        # pyld's own N-Quads reader drops duplicates by comparing each new triple with every one kept:
        # 11k triples took 26 s. Handing pyld its RDF dataset structure directly skips that reader.
        return jsonld.from_rdf(_rdf_dataset(triples), {})

    def compact(self, triples) -> dict:
        """A whole graph (dump, CONSTRUCT result) compacted with our context."""
        return jsonld.compact(self._expanded(triples), self.context_url, self._options())

    def frame_resource(self, triples, iri: str) -> dict:
        """One resource with what links to it nested (memberships with network and year inline)."""
        frame: dict[str, Any] = {"@context": self.context_url, "@id": iri, "@embed": "@once"}
        for term in self.reverse_terms:
            frame[term] = {"@embed": "@once"}
        options = {**self._options(), "omitGraph": True}
        expanded = self._expanded(triples)
        framed = jsonld.frame(expanded, frame, options)
        embedded = set()
        _collect_embedded(framed, embedded)
        # what the frame cannot reach from the resource (labels of predicates, other incoming links)
        # still belongs to the description: it goes to @included, so every format is the same graph
        rest = [node for node in jsonld.flatten(expanded, None, self._options())
                if node.get("@id") not in embedded and len(node) > 1]
        if rest:
            included = jsonld.compact({"@graph": rest}, self.context_url, self._options())
            framed["@included"] = included.get("@graph", [{k: v for k, v in included.items() if k != "@context"}])
        framed["@context"] = self.context_url
        return framed

    @staticmethod
    def dumps(document: dict) -> bytes:
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _collect_embedded(value, found: set) -> None:
    """IDs of every node object that carries properties (an embedded node, not a bare reference)."""
    if isinstance(value, list):
        for item in value:
            _collect_embedded(item, found)
    elif isinstance(value, dict):
        node_id = value.get("id", value.get("@id"))
        if node_id is not None and len([k for k in value if k not in ("id", "@id")]) > 0:
            found.add(node_id)
        for key, item in value.items():
            if key != "@context":
                _collect_embedded(item, found)


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _rdf_dataset(items) -> dict[str, list[dict]]:
    """pyoxigraph triples or quads as pyld's RDF dataset (what its N-Quads reader would produce), deduplicated."""
    graphs: dict[str, dict] = {}
    for item in items:
        graph = item.graph_name if isinstance(item, ox.Quad) else ox.DefaultGraph()
        name = "@default" if isinstance(graph, ox.DefaultGraph) else _term(graph)["value"]
        key = (item.subject, item.predicate, item.object)
        graphs.setdefault(name, {}).setdefault(key, None)
    return {name: [{"subject": _term(s), "predicate": _term(p), "object": _term(o)} for s, p, o in triples]
            for name, triples in graphs.items()}


def _term(term) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "IRI", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": "_:" + term.value}
    literal = {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    if term.language:
        literal["language"] = term.language
        literal["datatype"] = RDF_LANG_STRING
    return literal
