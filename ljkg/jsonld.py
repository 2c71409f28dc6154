"""JSON-LD for developers: our published @context, compaction and framing with pyld, no network ever.

The context template lives in ontology/context/v1.jsonld; the prefixes of our own namespaces are added at
start-up from the configured base (a JSON-LD context cannot hold relative prefix IRIs). Every JSON-LD
response refers to the context by its URL; pyld resolves that URL from memory and refuses any other.

A developer reads a key the same way in every document (docs/jsonld.md): the n-ary relations a resource
takes part in, and their times, are always nested objects (NESTED); every other link is always a full IRI
(its label is in `@included`); a key that may hold several values is always an array. Framing alone cannot
promise that (`@embed: @once` embeds a node where it first meets it and refers to it elsewhere), so the
framed tree is embedded everywhere and then reduced to that one shape per key.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyld import jsonld
from pyld.jsonld import JsonLdError

from .iris import OWN_PREFIXES, VOCAB_PREFIXES, Namespaces
from .jsonld_schema import resource_schema

CONTEXT_VERSION = "v1"

# Keys whose values are nested objects: the n-ary relations a resource takes part in and their parts.
NESTED = frozenset({
    "memberships", "members", "hostings", "hostingsAsGuest", "residences", "subEvents", "units",
    "memberDuring", "hasTime", "since", "until", "hostedSince", "asOf", "memberCount", "formerName", "selector",
})
# Identifier namespaces we link to: no prefix for them in the context, so links to them stay full IRIs.
LINK_TARGETS = ("wd", "gn")
_COMPACT_IRI = re.compile(r"^([A-Za-z][\w.-]*):(.*)$")


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
        terms.update({p: iri for p, iri in VOCAB_PREFIXES.items()
                      if not p.startswith("eu") and p not in LINK_TARGETS})
        terms.update(template["@context"])
        self._prefixes = {p: iri for p, iri in terms.items() if isinstance(iri, str) and not p.startswith("@")}
        self._terms = set(terms)
        self._language_maps = {k for k, v in terms.items()
                               if isinstance(v, dict) and v.get("@container") == "@language"}
        self._iri_terms = {k for k, v in terms.items() if isinstance(v, dict) and v.get("@type") == "@id"}
        self.context_document = {"@context": terms}
        self.context_url = namespaces.base + f"context/{CONTEXT_VERSION}.jsonld"
        self.context_bytes = json.dumps(self.context_document, ensure_ascii=False, indent=2).encode("utf-8")
        self.schema_url = namespaces.base + f"context/{CONTEXT_VERSION}.schema.json"
        self.schema_document = resource_schema(terms, NESTED, self.schema_url, self.context_url)
        self.schema_bytes = json.dumps(self.schema_document, ensure_ascii=False, indent=2).encode("utf-8")
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
        document = jsonld.compact(self._expanded(triples), self.context_url, self._options())
        return self._full_iris(document)

    def frame_resource(self, triples, iri: str) -> dict:
        """One resource with what links to it nested (memberships with network and year inline)."""
        frame: dict[str, Any] = {"@context": self.context_url, "@id": iri, "@embed": "@always"}
        for term in self.reverse_terms:
            frame[term] = {"@embed": "@always"}
        options = {**self._options(), "omitGraph": True, "embed": "@always"}
        expanded = self._expanded(triples)
        framed = self._one_shape(jsonld.frame(expanded, frame, options))
        embedded = set()
        _collect_embedded(framed, embedded)
        # what the frame cannot reach from the resource (labels of predicates, other incoming links)
        # still belongs to the description: it goes to @included, so every format is the same graph
        rest = [node for node in jsonld.flatten(expanded, None, self._options())
                if node.get("@id") not in embedded and len(node) > 1]
        if rest:
            included = jsonld.compact({"@graph": rest}, self.context_url, self._options())
            nodes = included.get("@graph", [{k: v for k, v in included.items() if k != "@context"}])
            framed["@included"] = [self._one_shape(node) for node in nodes]
        framed["@context"] = self.context_url
        return framed

    def _one_shape(self, node: dict) -> dict:
        """The framed tree with one shape per key: NESTED keys keep their embedded objects, the other links
        become references (a full IRI, or {"id": IRI} for a key without a term)."""
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "@context":
                out[key] = value
            elif key in ("id", "@id"):
                out[key] = self._full(value)
            elif key in ("type", "@type") or key not in self._terms:  # (a key without a term: always an array)
                out[key] = [self._value(key, item) for item in (value if isinstance(value, list) else [value])]
            else:
                out[key] = _each(value, lambda item, k=key: self._value(k, item))
        return out

    def _value(self, key: str, item: Any) -> Any:
        if key in NESTED and isinstance(item, str):  # a flat node of @included refers to its parts
            return {"id": self._full(item)}
        if not isinstance(item, dict) or "@value" in item or "@language" in item or key in self._language_maps:
            return self._full(item) if key in self._iri_terms and isinstance(item, str) else item
        node_id = item.get("id", item.get("@id"))
        if key in NESTED or node_id is None or node_id.startswith("_:"):
            return self._one_shape(item)  # nested, or a blank node: it has no page to refer to
        if key in self._iri_terms:
            return self._full(node_id)
        return {"id": self._full(node_id)}

    def _full(self, value: Any) -> Any:
        """A compact IRI written out in full (ids are promised in full; keys may stay compact)."""
        if isinstance(value, str):
            match = _COMPACT_IRI.match(value)
            if match and match.group(1) in self._prefixes and not match.group(2).startswith("//"):
                return self._prefixes[match.group(1)] + match.group(2)
        return value

    def _full_iri_or_node(self, item: Any) -> Any:
        return self._full_iris(item) if isinstance(item, dict) else self._full(item)

    def _full_iris(self, document: Any) -> Any:
        """Every id and every value of an IRI-typed key in full, throughout a compacted document."""
        if isinstance(document, list):
            return [self._full_iris(item) for item in document]
        if not isinstance(document, dict):
            return document
        out = {}
        for key, value in document.items():
            if key in ("id", "@id") or key in self._iri_terms:
                out[key] = _each(value, self._full_iri_or_node)
            elif key == "@context":
                out[key] = value
            else:
                out[key] = self._full_iris(value)
        return out

    @staticmethod
    def dumps(document: dict) -> bytes:
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _each(value: Any, change) -> Any:
    """`change` applied to a value or to each value of an array."""
    return [change(item) for item in value] if isinstance(value, list) else change(value)


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
