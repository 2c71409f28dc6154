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
        template = json.loads(Path(template_path).read_text(encoding="utf-8"))
        terms: dict[str, Any] = {}
        for prefix, rel in OWN_PREFIXES.items():
            terms[prefix] = namespaces.base + rel
        for prefix, iri in VOCAB_PREFIXES.items():
            terms.setdefault(prefix, iri)
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
        nquads = ox.serialize(list(triples), format=ox.RdfFormat.N_QUADS if _has_quads(triples)
                              else ox.RdfFormat.N_TRIPLES).decode("utf-8")
        return jsonld.from_rdf(nquads, {"format": "application/n-quads"})

    def compact(self, triples) -> dict:
        """A whole graph (dump, CONSTRUCT result) compacted with our context."""
        return jsonld.compact(self._expanded(triples), self.context_url, self._options())

    def frame_resource(self, triples, iri: str) -> dict:
        """One resource with what links to it nested (memberships with network and year inline)."""
        frame: dict[str, Any] = {"@context": self.context_url, "@id": iri, "@embed": "@once"}
        for term in self.reverse_terms:
            frame[term] = {"@embed": "@once"}
        options = {**self._options(), "omitGraph": True}
        framed = jsonld.frame(self._expanded(triples), frame, options)
        framed["@context"] = self.context_url
        return framed

    @staticmethod
    def dumps(document: dict) -> bytes:
        return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _has_quads(items) -> bool:
    return bool(items) and isinstance(next(iter(items)), ox.Quad)
