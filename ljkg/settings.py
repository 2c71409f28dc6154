"""Every setting in one registry: CLI flags, environment variables, defaults and the README table.

Precedence is flag > environment variable > default; every default runs.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str

    @property
    def env(self) -> str:
        return "LJKG_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "127.0.0.1", "Interface to listen on."),
    Setting("port", int, 5000, "TCP port to listen on."),
    Setting("data", str, str(PROJECT_ROOT),
            "Folder holding ontology/, data/, shapes/ and queries/ (default: the embedded dataset)."),
    Setting("base_uri", str, "",
            "Public base IRI of the dataset, e.g. https://data.example.org/ljkg/ "
            "(default: http://HOST:PORT/, so every link resolves on this server)."),
    Setting("store", str, "",
            "Serve from an on-disk Oxigraph store filled by `ljkg load --store DIR` (no reload at start-up; "
            "default: none, the files of --data are loaded into memory)."),
    Setting("cache_dir", str, "",
            "Folder keeping each dataset version's validation report and metadata, so a restart on unchanged "
            "files skips SHACL (default: $XDG_CACHE_HOME/ljkg or ~/.cache/ljkg; 'off' disables it)."),
    Setting("search_dir", str, "",
            "Folder keeping the full-text search index, one file per dataset version (default: inside "
            "--store DIR beside DIR/current, else the cache folder; a temporary folder when neither is writable)."),
    Setting("sparql_backend", str, "",
            "Answer pages and /sparql from this remote SPARQL 1.1 endpoint (its default graph must be the "
            "union of its named graphs; fill it with `ljkg dump --format nquads`; default: none, a local store)."),
    Setting("processes", int, 1,
            "HTTP server processes sharing the port (each with --workers threads and its own query "
            "processes); the in-memory store is loaded once and shared copy-on-write."),
    Setting("workers", int, 8, "Request-handling threads of the WSGI server (per process)."),
    Setting("query_workers", int, 8,
            "/sparql queries evaluated at once (one thread each, in the query processes)."),
    Setting("query_processes", int, 2,
            "Isolated processes the query threads are spread over; a query over the time limit is killed with "
            "its process, whose other queries start again in another."),
    Setting("query_memory", int, 256,
            "MiB of memory a query may add to its process while it runs (0: no limit); past it the process is "
            "killed, its queries start again in a fresh one, and one that goes over again gets a 503."),
    Setting("query_recycle", int, 128,
            "MiB a query process may have grown by since it started (what its queries allocated and kept) before "
            "it is replaced, once the queries running in it have answered (0: never; "
            "docs/query-processes-memory.md)."),
    Setting("answer_cache", int, 64,
            "MiB of /sparql answers each serving process keeps for repeated queries, in each of its two caches "
            "(the answers, and whole responses replayed in front of Flask, which share most of their bytes); "
            "0: keep none."),
    Setting("query_reserved", int, 2,
            "Query threads kept for short queries (in a process of their own): a query still running there after "
            "50 ms makes way and waits for one of the --query-workers threads (docs/fairness.md)."),
    Setting("client_queries", int, 3,
            "Most /sparql queries one client address may have evaluating at once; past it 429 (0: no limit)."),
    Setting("trusted_proxy", str, "",
            "IP address of the reverse proxy whose X-Forwarded-For / Forwarded (last hop) names the client, "
            "as REMOTE_ADDR for --client-queries and logs; from any other peer those headers are dropped."),
    Setting("trusted_proxy_header", str, "x-forwarded-for",
            "Which header the --trusted-proxy sets: x-forwarded-for or forwarded (RFC 7239)."),
    Setting("query_timeout", float, 5.0, "Seconds a /sparql query may run before it is stopped (503)."),
    Setting("row_limit", int, 10000, "Most result rows or triples returned by /sparql (truncation is signalled)."),
    Setting("max_query_length", int, 100_000, "Longest accepted SPARQL query text, in characters."),
    Setting("max_header_field", int, 4096,
            "Longest Accept or Accept-Language header accepted, in bytes (longer: 431, before any parsing; "
            "browsers send under 300)."),
    Setting("max_body", int, 4 * 1024 * 1024,
            "Largest request body accepted, in bytes (413 past it: refused by Content-Length before it is read, "
            "and a chunked body as soon as it streams past)."),
    Setting("max_header", int, 128 * 1024,
            "Largest request line plus headers accepted, in bytes (431 past it; a GET query string counts, so "
            "send longer queries by POST)."),
    Setting("max_connections", int, 10_000,
            "Client connections one serving process keeps open at once (idle or slow ones included); past it "
            "new ones wait in the listen queue. Raised to the open-file limit at start if that is lower."),
    Setting("client_timeout", float, 20.0,
            "Seconds a connection may take to deliver a whole request (headers and body), from its first byte "
            "or from the end of its previous answer; slower or idle connections are closed (slowloris)."),
    Setting("max_query_depth", int, 100,
            "Deepest nesting of brackets ((), [], {}) accepted in a SPARQL query; deeper is refused with 400 "
            "before the engine sees it (Oxigraph crashed from about 850 nested FILTER NOT EXISTS groups)."),
    Setting("max_query_patterns", int, 500,
            "Most BIND, OPTIONAL, MINUS, FILTER, UNION, VALUES, GRAPH and SERVICE patterns accepted in a SPARQL "
            "query; more is refused with 400 (Oxigraph crashed from about 2,600 BINDs in one group)."),
    Setting("incoming_limit", int, 100, "Most incoming links shown in a resource description (the total is counted)."),
    Setting("cache_max_age", int, 300, "Cache-Control max-age, in seconds, for dataset responses."),
    Setting("validation_processes", int, 0,
            "Processes SHACL validation is shared out between, when files are validated (0: one per CPU, and a "
            "graph under 50,000 triples in one; a number given is used at any size)."),
    Setting("allow_invalid", bool, False,
            "Start even if the data violates the shapes (every page then says so)."),
    Setting("allow_remote", bool, False,
            "Let SPARQL SERVICE fetch remote endpoints (off: such queries are refused with 400, and the query "
            "processes cannot open a socket at all: docs/sandbox.md)."),
)

BY_NAME = {s.name: s for s in SETTINGS}
PROXY_HEADERS = ("x-forwarded-for", "forwarded")  # waitress trusts one kind at a time


def _coerce(setting: Setting, value: Any) -> Any:
    if setting.type is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{setting.env}: expected true/false, got {value!r}")
    try:
        return setting.type(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{setting.env}: expected {setting.type.__name__}, got {value!r}") from exc


@dataclass(frozen=True)
class Settings:
    host: str = BY_NAME["host"].default
    port: int = BY_NAME["port"].default
    data: str = BY_NAME["data"].default
    base_uri: str = BY_NAME["base_uri"].default
    store: str = BY_NAME["store"].default
    cache_dir: str = BY_NAME["cache_dir"].default
    search_dir: str = BY_NAME["search_dir"].default
    sparql_backend: str = BY_NAME["sparql_backend"].default
    processes: int = BY_NAME["processes"].default
    workers: int = BY_NAME["workers"].default
    query_workers: int = BY_NAME["query_workers"].default
    query_processes: int = BY_NAME["query_processes"].default
    query_memory: int = BY_NAME["query_memory"].default
    query_recycle: int = BY_NAME["query_recycle"].default
    answer_cache: int = BY_NAME["answer_cache"].default
    query_reserved: int = BY_NAME["query_reserved"].default
    client_queries: int = BY_NAME["client_queries"].default
    trusted_proxy: str = BY_NAME["trusted_proxy"].default
    trusted_proxy_header: str = BY_NAME["trusted_proxy_header"].default
    query_timeout: float = BY_NAME["query_timeout"].default
    row_limit: int = BY_NAME["row_limit"].default
    max_query_length: int = BY_NAME["max_query_length"].default
    max_header_field: int = BY_NAME["max_header_field"].default
    max_body: int = BY_NAME["max_body"].default
    max_header: int = BY_NAME["max_header"].default
    max_connections: int = BY_NAME["max_connections"].default
    client_timeout: float = BY_NAME["client_timeout"].default
    max_query_depth: int = BY_NAME["max_query_depth"].default
    max_query_patterns: int = BY_NAME["max_query_patterns"].default
    incoming_limit: int = BY_NAME["incoming_limit"].default
    cache_max_age: int = BY_NAME["cache_max_age"].default
    validation_processes: int = BY_NAME["validation_processes"].default
    allow_invalid: bool = BY_NAME["allow_invalid"].default
    allow_remote: bool = BY_NAME["allow_remote"].default
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        """A mistyped proxy address stops the start, not a request."""
        if self.trusted_proxy:
            try:
                ipaddress.ip_address(self.trusted_proxy)
            except ValueError:
                raise ValueError(f"{BY_NAME['trusted_proxy'].env}: {self.trusted_proxy!r} is not an IP address "
                                 "(one reverse proxy, as it connects to us)") from None
        if self.trusted_proxy_header.lower() not in PROXY_HEADERS:
            raise ValueError(f"{BY_NAME['trusted_proxy_header'].env}: expected one of {', '.join(PROXY_HEADERS)}, "
                             f"got {self.trusted_proxy_header!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            if s.env in environ:
                values[s.name] = _coerce(s, environ[s.env])
        for name, value in overrides.items():
            if value is not None:
                values[name] = _coerce(BY_NAME[name], value)
        return cls(**values)

    @property
    def data_root(self) -> Path:
        return Path(self.data)

    @property
    def base(self) -> str:
        from .iris import default_base

        base = self.base_uri or default_base(self.host, self.port)
        return base if base.endswith("/") else base + "/"

    @property
    def validators(self) -> tuple[int, int | None]:
        """How many processes validate, and from how many triples: --validation-processes at any size, else
        the CPUs this process may run on, from validation.PARALLEL_FROM (None)."""
        if self.validation_processes > 0:
            return self.validation_processes, 0
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return cpus, None

    @property
    def cache_folder(self) -> Path | None:
        """Where validated versions are kept, or None when the cache is off."""
        if self.cache_dir.strip().lower() == "off":
            return None
        if self.cache_dir:
            return Path(self.cache_dir)
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(home) / "ljkg"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
