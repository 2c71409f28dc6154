"""The JSON Schema of a framed resource document, derived from the published context.

A developer who codes against our JSON-LD needs to know each key's shape without reading JSON-LD's
compaction rules: this schema states it, and it is built from the same context and the same NESTED keys
that shape the documents (ljkg/jsonld.py), so the two cannot drift apart. The tests validate every
resource's JSON-LD against it.
"""

from __future__ import annotations

from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def resource_schema(terms: dict[str, Any], nested: frozenset[str], schema_url: str, context_url: str) -> dict:
    """The schema: one property per context term, with the shape the framed document gives it."""
    properties: dict[str, Any] = {
        "id": {"$ref": "#/$defs/iri"},
        "type": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                 "description": "class terms of the context (City, Membership, ...), else compact IRIs"},
    }
    for key, definition in terms.items():
        if key.startswith("@") or key in ("id", "type") or isinstance(definition, str):
            continue  # keywords, and prefixes or class names (not keys)
        properties[key] = _shape(key, definition, nested)
    node = {
        "type": "object",
        "properties": properties,
        "patternProperties": {":": {"type": "array", "description": "a property without a term: a compact "
                                    "IRI key, always an array"}},
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "$id": schema_url,
        "title": "A resource of the dataset, as framed JSON-LD",
        "description": f"GET any IRI of ours with Accept: application/ld+json. Keys are the terms of {context_url}.",
        "type": "object",
        "allOf": [{"$ref": "#/$defs/node"}],
        "required": ["@context", "id"],
        "properties": {
            "@context": {"const": context_url},
            "@included": {"type": "array", "items": {"$ref": "#/$defs/node"},
                          "description": "what the frame cannot nest: labels of what the resource links "
                                         "to, of the properties used, other incoming links; flat nodes"},
        },
        "$defs": {
            "iri": {"type": "string", "pattern": "^https?://", "description": "a full IRI, never a compact one"},
            "languageMap": {"type": "object",
                            "propertyNames": {"pattern": "^([A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*|@none)$"},
                            "additionalProperties": {"anyOf": [{"type": "string"},
                                                               {"type": "array", "items": {"type": "string"}}]}},
            "literal": {"anyOf": [{"type": ["string", "number", "boolean"]},
                                  {"type": "object", "required": ["@value"]}]},
            "node": {**node, "properties": {**node["properties"], "@context": True, "@included": True}},
        },
    }


def _shape(key: str, definition: dict, nested: frozenset[str]) -> dict:
    many = definition.get("@container") == "@set"
    if definition.get("@container") == "@language":
        return {"$ref": "#/$defs/languageMap"}
    if key in nested or "@reverse" in definition:
        one: dict = {"type": "object", "required": ["id"], "allOf": [{"$ref": "#/$defs/node"}]}
    elif definition.get("@type") == "@id":
        one = {"$ref": "#/$defs/iri"}
    else:
        one = {"$ref": "#/$defs/literal"}
    return {"type": "array", "items": one} if many else one
