"""The embedded stores: Oxigraph in memory (the default) or in a directory on disk, behind one class.

Our own queries (pages, descriptions, metadata) run in-process: they are bounded and pyoxigraph releases
the GIL while it evaluates. Public /sparql queries run in forked query processes (querypool.py) that
are killed at the time limit. An in-memory store is shared with them copy-on-write; a disk store is
reopened read-only by each of them after the fork, since a RocksDB handle must not cross a fork.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from ..querypool import QueryPool
from ..sparql import Answer, QueryJob
from .layout import hold_served, reached, replace_version

Progress = Callable[[str], None]


def fill(store: ox.Store, files: dict[str, list[Path]], base: str, extra_graphs: dict[str, bytes],
         progress: Progress | None = None) -> ox.Store:
    """Bulk-load Turtle files and N-Triples documents (both by named graph IRI) into an Oxigraph store.

    Files are parsed by Oxigraph itself (they were already parsed and validated by rdflib + pyshacl):
    re-serialising a large rdflib graph would cost more than parsing the files again.
    """
    started = time.monotonic()
    for graph_iri, paths in files.items():
        for path in paths:
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base,
                            to_graph=ox.NamedNode(graph_iri))
            if progress:
                progress(f"  stored {path.name} in <{graph_iri}> ({time.monotonic() - started:.1f} s)")
    for graph_iri, ntriples in extra_graphs.items():
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri))
        if progress:
            lines = ntriples.count(b"\n")
            progress(f"  stored {lines:,} triples in <{graph_iri}> ({time.monotonic() - started:.1f} s)")
    return store


class OxigraphStore:
    """One Oxigraph store: `memory` (ox.Store()) or `disk` (a directory prepared by `ljkg load`)."""

    def __init__(self, store: ox.Store, base: str, name: str = "memory", path: Path | None = None,
                 held: int | None = None) -> None:
        self.store = store
        self.base = base
        self.name = name
        self.path = path
        self.held = held  # a descriptor with a shared lock on `path`: no `ljkg load --replace` removes it
        self.pool: QueryPool | None = None

    @classmethod
    def open_read_only(cls, folder: str | Path, base: str) -> OxigraphStore:
        """The version `folder` serves now (see layout.py), kept by this process until close() even when a
        load swaps a new one in: a restart picks that one up."""
        path, held = hold_served(folder)
        try:
            return cls(ox.Store.read_only(str(path)), base, "disk", path, held)
        except BaseException:
            os.close(held)
            raise

    def start_pool(self, evaluate: Callable, size: int, timeout: float, processes: int = 1,
                   memory_limit: int = 0, reserved: int = 0, network: bool = False, recycle_at: int = 0) -> None:
        """Fork the query processes now, while the server is still single-threaded; without `network` they
        cannot open a socket (sandbox.py)."""
        self.pool = QueryPool(partial(_in_child, self._child_store, evaluate), size, timeout, processes,
                              memory_limit, reserved, network, recycle_at)

    def _child_store(self) -> ox.Store:
        if self.path is None:
            return self.store  # shared copy-on-write with the parent
        return _reopened(str(self.path), os.getpid())

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
        if self.held is not None:
            os.close(self.held)
            self.held = None


_REOPENED: dict[tuple[str, int], ox.Store] = {}
_REOPENING = threading.Lock()


def _reopened(path: str, pid: int) -> ox.Store:
    """This process's own read-only handle on a disk store, opened once and shared by its query threads
    (each handle has its own block cache)."""
    key = (path, pid)
    with _REOPENING:
        if key not in _REOPENED:
            _REOPENED[key] = ox.Store.read_only(path)
        return _REOPENED[key]


def _in_child(store_of: Callable[[], ox.Store], evaluate: Callable, job: QueryJob) -> Answer:
    return evaluate(store_of(), job)


def files_by_graph(files: Iterable[Path], graph_iri: Callable[[str], str]) -> dict[str, list[Path]]:
    """Group the loaded files by the named graph of their folder (ontology/ or data/)."""
    grouped: dict[str, list[Path]] = {}
    for path in files:
        if path.parent.name in ("ontology", "data"):
            grouped.setdefault(graph_iri(path.parent.name), []).append(path)
    return grouped


def from_files(loaded) -> ox.Store:
    """An in-memory store of a Loaded's ontology and data graphs (tests and benchmarks start here)."""
    files = files_by_graph(loaded.files, lambda folder: str(loaded.graph_iri(folder)))
    return fill(ox.Store(), files, loaded.namespaces.base, {})


def write_directory(folder: str | Path, files: dict[str, list[Path]], base: str, extra_graphs: dict[str, bytes],
                    progress: Progress | None = None, replace: bool = False) -> int:
    """Fill a new version of the on-disk store beside the served one, then swap it in; return its quad count.

    The served version stays whole until the new one is complete and the swap is one rename (layout.py), so
    a load that fails or is killed at any point leaves a store to serve.
    """
    say = progress or (lambda _message: None)

    def write(path: Path) -> int:
        store = ox.Store(str(path))
        fill(store, files, base, extra_graphs, progress)
        reached("write", say)
        store.optimize()
        count = len(store)
        store.flush()
        del store
        gc.collect()  # closes the database (pyoxigraph has no close())
        return count

    return replace_version(folder, write, replace=replace, progress=progress)
