"""The embedded default store: the validated graph in an in-memory Oxigraph store.

Our own queries run in-process (fast, bounded); public /sparql queries run in forked query processes
that share this store copy-on-write and are killed at the time limit (see querypool.py).
"""

from __future__ import annotations

from functools import partial

import pyoxigraph as ox
from rdflib import Graph

from ..loading import GRAPH_FOLDERS, Loaded
from ..querypool import QueryPool
from ..sparql import Answer, QueryJob


def oxigraph_store(loaded: Loaded, extra_graphs: dict[str, Graph] | None = None) -> ox.Store:
    """Copy ontology and data (each in its named graph), plus any extra graphs, into an in-memory store."""
    store = ox.Store()
    graphs = {str(loaded.graph_iri(folder)): loaded.dataset.graph(loaded.graph_iri(folder))
              for folder in GRAPH_FOLDERS}
    graphs.update(extra_graphs or {})
    for iri, graph in graphs.items():
        nt = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(iri))
    return store


class MemoryStore:
    name = "memory"

    def __init__(self, store: ox.Store, base: str) -> None:
        self.store = store
        self.base = base
        self.pool: QueryPool | None = None

    def start_pool(self, evaluate, size: int, timeout: float) -> None:
        """Fork the query processes now, while the server is still single-threaded."""
        self.pool = QueryPool(partial(evaluate, self.store), size, timeout)

    def select(self, query: str) -> list[dict]:
        solutions = self.store.query(query, base_iri=self.base, use_default_graph_as_union=True)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    def construct(self, query: str) -> list[ox.Triple]:
        return list(self.store.query(query, base_iri=self.base, use_default_graph_as_union=True))

    def quads(self) -> list[ox.Quad]:
        return sorted(self.store.quads_for_pattern(None, None, None, None), key=str)

    def sparql(self, job: QueryJob) -> Answer:
        assert self.pool is not None, "start_pool() first"
        return self.pool.run(job)

    def close(self) -> None:
        if self.pool:
            self.pool.close()
