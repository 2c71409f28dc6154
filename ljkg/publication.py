"""Everything published, assembled once at start-up: load → validate → metadata → store → dumps.

The Flask app and the `dump` command both start here, so what is served and what is dumped agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from rdflib import Graph

from .iris import Namespaces
from .jsonld import JsonLd
from .loading import GRAPH_FOLDERS, Loaded, load
from .settings import Settings
from .sparql import Limits, evaluate
from .store.memory import MemoryStore, oxigraph_store
from .validation import Outcome, render_text, validate


class BoundedCache:
    """Rendered representations of an immutable dataset, least recently used dropped first."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class StartupRefused(Exception):
    """The data violates the shapes and --allow-invalid was not given; the message is the report."""


@dataclass
class Publication:
    settings: Settings
    namespaces: Namespaces
    loaded: Loaded
    outcome: Outcome
    jsonld: JsonLd
    store: MemoryStore
    version: str
    modified: datetime
    metadata_graph_iri: str
    cache: dict = field(default_factory=dict)  # rendered dumps and reports, by key
    representations: BoundedCache = field(default_factory=BoundedCache)  # rendered resources

    @property
    def invalid(self) -> bool:
        return not self.outcome.conforms

    @property
    def prefixes(self) -> dict[str, str]:
        return self.namespaces.prefixes()


def build_publication(settings: Settings, *, start_queries: bool = False) -> Publication:
    namespaces = Namespaces(settings.base)
    loaded = load(settings.data_root, namespaces.base)
    outcome = validate(loaded)
    if not outcome.conforms and not settings.allow_invalid:
        raise StartupRefused(render_text(outcome, loaded))

    from .metadata import build_metadata

    published = loaded.union()
    counts = {str(loaded.graph_iri(f)): len(loaded.dataset.graph(loaded.graph_iri(f))) for f in GRAPH_FOLDERS}
    metadata: Graph = build_metadata(namespaces, published, loaded.version, loaded.modified, settings,
                                     graph_counts=counts)
    metadata_iri = namespaces["graph"] + "metadata"
    store = MemoryStore(oxigraph_store(loaded, {metadata_iri: metadata}), namespaces.base)
    jsonld = JsonLd(namespaces, settings.data_root / "ontology" / "context" / "v1.jsonld")
    if start_queries:
        limits = Limits(settings.row_limit, settings.allow_remote)
        evaluator = partial(_evaluate, base=namespaces.base, limits=limits, jsonld=jsonld,
                            prefixes=namespaces.prefixes())
        store.start_pool(evaluator, settings.query_workers, settings.query_timeout)
    return Publication(settings, namespaces, loaded, outcome, jsonld, store, loaded.version,
                       loaded.modified, metadata_iri)


def _evaluate(store, job, *, base, limits, jsonld, prefixes):
    return evaluate(store, job, base, limits, jsonld, prefixes)

