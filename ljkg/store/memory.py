"""The embedded default store: the validated graph in an in-memory Oxigraph store."""

from __future__ import annotations

import pyoxigraph as ox

from ..loading import GRAPH_FOLDERS, Loaded


def oxigraph_store(loaded: Loaded) -> ox.Store:
    """Copy ontology and data (each in its named graph) into a new in-memory Oxigraph store."""
    store = ox.Store()
    for folder in GRAPH_FOLDERS:
        graph_iri = loaded.graph_iri(folder)
        nt = loaded.dataset.graph(graph_iri).serialize(format="nt", encoding="utf-8")
        store.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(graph_iri)))
    return store
