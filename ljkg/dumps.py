"""Whole-dataset dumps, rendered once per dataset version and kept: byte-for-byte stable, hashed, gzipped."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

import pyoxigraph as ox

from . import formats


@dataclass(frozen=True)
class Dump:
    body: bytes
    sha256: str
    fmt: formats.Format
    gzipped: bool


def render_dump(pub, fmt_name: str) -> bytes:
    fmt = formats.by_name(fmt_name, formats.DUMPS)
    if fmt is None:
        raise ValueError(f"unknown dump format {fmt_name!r}; one of: {', '.join(f.name for f in formats.DUMPS)}")
    return dump(pub, fmt, gzipped=False).body


def dump(pub, fmt: formats.Format, gzipped: bool) -> Dump:
    key = ("dump", fmt.name, gzipped)
    if key not in pub.cache:
        body = gzip.compress(dump(pub, fmt, False).body, compresslevel=9, mtime=0) if gzipped else _render(pub, fmt)
        pub.cache[key] = Dump(body, hashlib.sha256(body).hexdigest(), fmt, gzipped)
    return pub.cache[key]


def size(pub, fmt: formats.Format) -> int:
    """The byte size of a dump, for the catalogue's dcat:byteSize. A harvester reading the catalogue should
    not make every serving process keep all five dumps (hundreds of MB at a million triples): unless the
    dump is kept already (it was downloaded), it is rendered, measured and let go; only its size is kept."""
    kept = pub.cache.get(("dump", fmt.name, False))
    if kept is not None:
        return len(kept.body)
    key = ("dump-size", fmt.name)
    if key not in pub.cache:
        pub.cache[key] = len(_render(pub, fmt))
    return pub.cache[key]


def _render(pub, fmt: formats.Format) -> bytes:
    quads = pub.store.quads()  # sorted: the same graph gives the same bytes
    if fmt.rdf in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        return ox.serialize(quads, format=fmt.rdf, prefixes=pub.prefixes) if fmt.rdf is ox.RdfFormat.TRIG \
            else ox.serialize(quads, format=fmt.rdf)
    triples = sorted({str(q.triple): q.triple for q in quads}.items())
    triples = [t for _, t in triples]
    if fmt is formats.JSONLD:
        return pub.jsonld.dumps(pub.jsonld.compact(triples))
    if fmt is formats.TURTLE:
        return ox.serialize(triples, format=fmt.rdf, prefixes=pub.prefixes)
    return ox.serialize(triples, format=fmt.rdf)
