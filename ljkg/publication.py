"""Everything published, assembled once at start-up: checked files (checked.py) → store → caches.

The Flask app and the `dump` command both start here, so what is served and what is dumped agree. Every
store carries the metadata graph with the validation report, and the verdict is read back from it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import pyoxigraph as ox
from rdflib import Graph

from .checked import StartupRefused, check, metadata_graph_iri
from .errors import PublisherError
from .iris import Namespaces
from .jsonld import JsonLd
from .sandbox import SandboxUnavailable
from .search import SearchIndex, candidate_folders, collect, open_index
from .settings import Settings
from .sparql import answer, evaluate, limits_of
from .store.base import Store
from .store.oxigraph import OxigraphStore, fill
from .store.remote import RemoteStore
from .validation import SH, Outcome, read_report, render_text


class BoundedCache:
    """Rendered representations of an immutable dataset, least recently used dropped first.

    Bounded by entries and, when ``max_bytes`` is set, by the total weight of the entries: what `put` is
    told, else the size of the value (bytes-like, or a tuple whose first item is). A caller whose keys come
    from the request counts them in, so that long keys cannot fill memory behind small values. An entry
    weighing more than a tenth of the budget is not kept.
    """

    def __init__(self, size: int = 4096, max_bytes: int | None = None) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict = OrderedDict()  # key -> (value, weight)
        self._lock = threading.Lock()

    @staticmethod
    def _weight(value) -> int:
        body = value[0] if isinstance(value, tuple) else value
        return len(body) if isinstance(body, bytes | bytearray | str) else 0

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        return None

    def put(self, key, value, weight: int | None = None) -> None:
        weight = self._weight(value) if weight is None else weight
        if self.max_bytes is not None and weight > self.max_bytes // 10:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._items.pop(key)[1]
            self._items[key] = (value, weight)
            self._bytes += weight
            while len(self._items) > self.size or (self.max_bytes is not None and self._bytes > self.max_bytes):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped


log = logging.getLogger(__name__)
__all__ = ["SandboxUnavailable", "StartupRefused", "StoreUnavailable", "build_publication", "metadata_graph_iri"]

ANSWER_CACHE_BYTES = 64 * 1024 * 1024  # /sparql answers kept per dataset version (each at most a tenth);
# --answer-cache sets it for a served publication


@dataclass
class Publication:
    settings: Settings
    namespaces: Namespaces
    outcome: Outcome
    jsonld: JsonLd
    store: Store
    version: str
    modified: datetime | None  # the latest release's day (releases.py), for Last-Modified
    metadata_graph_iri: str
    issued: datetime | None = None  # the first release's day: schema.org datePublished
    search: SearchIndex | None = None  # the full-text index of this version (search.py)
    cache: dict = field(default_factory=dict)  # rendered dumps and reports, by key
    representations: BoundedCache = field(default_factory=BoundedCache)  # rendered resources
    answers: BoundedCache = field(default_factory=lambda: BoundedCache(4096, ANSWER_CACHE_BYTES))  # /sparql
    # whole GET /sparql responses, replayed in front of Flask (response_cache.py); a body not gzipped is the
    # same bytes object as its entry in `answers`, so the two share most of their memory
    responses: BoundedCache = field(default_factory=lambda: BoundedCache(4096, ANSWER_CACHE_BYTES))

    @property
    def invalid(self) -> bool:
        return not self.outcome.conforms

    @property
    def prefixes(self) -> dict[str, str]:
        return self.namespaces.prefixes()


class StoreUnavailable(Exception):
    """The configured store cannot be opened or holds no dataset for this base; the message says why."""


def build_publication(settings: Settings, *, start_queries: bool = False) -> Publication:
    """The publication on the configured store: files (default), `--store DIR` or `--sparql-backend URL`."""
    namespaces = Namespaces(settings.base)
    jsonld = JsonLd(namespaces, settings.data_root / "ontology" / "context" / "v1.jsonld")
    metadata_iri = metadata_graph_iri(namespaces)
    limits = limits_of(settings)
    prefixes = namespaces.prefixes()
    store: Store
    if settings.store and settings.sparql_backend:
        raise StoreUnavailable("--store and --sparql-backend exclude each other: choose one store")
    if settings.sparql_backend or settings.store:
        try:
            if settings.sparql_backend:
                store = RemoteStore(settings.sparql_backend, namespaces.base, settings.query_timeout, limits,
                                    connections=max(4, settings.workers), predeclared=namespaces.predeclared())
                store.bind_answer(partial(_shape, limits=limits, jsonld=jsonld, prefixes=prefixes))
                store.check_dataset(namespaces.dataset)
            else:
                store = OxigraphStore.open_read_only(settings.store, namespaces.base)
            version, modified, issued, outcome = stored_state(store, namespaces)
        except (OSError, PublisherError) as exc:
            raise StoreUnavailable(str(exc)) from exc
    else:
        checked = check(settings, progress=log.info)
        store = OxigraphStore(fill(ox.Store(), checked.files, namespaces.base,
                                   {checked.metadata_graph_iri: checked.metadata}), namespaces.base)
        version, modified, issued, outcome = stored_state(store, namespaces)  # as for the other stores
    if not outcome.conforms and not settings.allow_invalid:
        store.close()
        raise StartupRefused(render_text(outcome))
    cache_bytes = max(0, settings.answer_cache) * 2**20
    pub = Publication(settings, namespaces, outcome, jsonld, store, version, modified, metadata_iri,
                      issued=issued, answers=BoundedCache(4096, cache_bytes), responses=BoundedCache(4096, cache_bytes))
    pub.search = search_index(settings, store, namespaces, version)
    if start_queries:
        try:
            start_query_processes(pub)
        except SandboxUnavailable:
            store.close()
            raise
    return pub


def search_index(settings: Settings, store: Store, namespaces: Namespaces, version: str) -> SearchIndex:
    """The full-text index of this dataset version: reused when kept, else built from the store's graph."""
    folders = candidate_folders(settings.search_dir, settings.store, settings.cache_folder)
    metadata = metadata_graph_iri(namespaces)
    try:
        return open_index(folders, version, namespaces.base,
                          partial(collect, store.select, metadata, namespaces["ljo"] + "Sentence"))
    except (OSError, PublisherError) as exc:
        store.close()
        raise StoreUnavailable(f"the search index cannot be built: {exc}") from exc


def start_query_processes(pub: Publication) -> None:
    """Fork the killable /sparql query processes of an embedded store (a remote store needs none), kept off
    the network unless --allow-remote (SandboxUnavailable when that cannot be done here).

    Call it in the process that serves, while it is still single-threaded: `ljkg serve --processes N`
    loads once, forks the HTTP processes, then each starts its own.
    """
    if isinstance(pub.store, OxigraphStore):
        settings, namespaces = pub.settings, pub.namespaces
        limits = limits_of(settings)
        evaluator = partial(_evaluate, base=namespaces.base, limits=limits, jsonld=pub.jsonld,
                            prefixes=namespaces.prefixes(), predeclared=namespaces.predeclared())
        pub.store.start_pool(evaluator, settings.query_workers, settings.query_timeout, settings.query_processes,
                            settings.query_memory * 2**20, settings.query_reserved, network=settings.allow_remote,
                            recycle_at=settings.query_recycle * 2**20)


def stored_state(store: Store, namespaces: Namespaces) -> tuple[str, datetime | None, datetime | None, Outcome]:
    """Version, modification and issue times (the latest and the first recorded release's days; None without
    a release record) and validation verdict of a store filled by `ljkg load`."""
    rows = store.select(f"""SELECT ?version ?modified ?issued WHERE {{
        <{namespaces.dataset}> <http://www.w3.org/2002/07/owl#versionInfo> ?version
        OPTIONAL {{ <{namespaces.dataset}> <http://purl.org/dc/terms/modified> ?modified }}
        OPTIONAL {{ <{namespaces.dataset}> <http://purl.org/dc/terms/issued> ?issued }} }} LIMIT 1""")
    if not rows:
        raise StoreUnavailable(
            f"the store holds no dataset <{namespaces.dataset}>: fill it with `ljkg load` using the same "
            "--base-uri as this server (the IRIs are resolved against it at load time)")
    root = namespaces.iri_of("dataset/validation-report")
    triples = store.construct(f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
        <{root}> (<urn:x:any>|!<urn:x:any>)* ?s . ?s ?p ?o }}""")
    if not triples:
        raise StoreUnavailable(f"the store has no validation report <{root}>: fill it with `ljkg load`")
    report = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    conforms = any(o.toPython() is True for o in report.objects(None, SH.conforms))
    version, modified, issued = rows[0]["version"].value, rows[0]["modified"], rows[0]["issued"]
    return (version, _moment(modified.value) if modified else None, _moment(issued.value) if issued else None,
            Outcome(conforms, report, read_report(report)))


def _moment(text: str) -> datetime:
    """An xsd:date (a release day) or xsd:dateTime as an aware datetime, UTC when no offset is given."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _evaluate(store, job, *, base, limits, jsonld, prefixes, predeclared):
    return evaluate(store, job, base, limits, jsonld, prefixes, predeclared)


def _shape(result, job, *, limits, jsonld, prefixes):
    return answer(result, job, limits, jsonld, prefixes)
