"""The store interface: everything the publisher needs, expressed as SPARQL, so stores can be swapped.

Internal queries (pages, descriptions, metadata counts) are ours and bounded; `sparql()` answers the
public endpoint with the time and row limits. Terms are pyoxigraph terms in both directions.
"""

from __future__ import annotations

from typing import Protocol

import pyoxigraph as ox

from ..sparql import Answer, QueryJob

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]


class Store(Protocol):
    name: str

    def select(self, query: str) -> list[Row]:
        """Run one of our own SELECT queries on the union default graph."""

    def construct(self, query: str) -> list[ox.Triple]:
        """Run one of our own CONSTRUCT queries on the union default graph."""

    def quads(self) -> list[ox.Quad]:
        """Every quad, in a stable order (dumps are byte-for-byte stable)."""

    def sparql(self, job: QueryJob) -> Answer:
        """Answer a public /sparql request under the time and row limits."""

    def close(self) -> None: ...
