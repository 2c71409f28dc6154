"""The servers bench/compare.py compares: how each is loaded, started, probed and measured.

Why a table of small start functions: each target is "commands to prepare a store (optional), commands
to start, an address to query", and a target that does not work yet (or fails) must only lose its own
row. Every start function runs under one MemorySampler so the peak PSS covers the load and the whole
measurement, and the load time is taken the same way for all: from the first process start until the
first successful query (HTTP 200 on a point lookup).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import compare_procs as procs
from compare_http import Connection, HttpError, free_port, get_request, post_request, wait_for_port
from compare_workload import Checker, Instance, Workload, expected_with_graph, parse_graph

from ljkg.store.layout import served_database

BENCH = Path(__file__).resolve().parent


class TargetFailed(Exception):
    """The target could not be prepared or started; the message says at which stage and why."""


@dataclass
class SizeContext:
    """Everything a target needs to know about one data size."""

    size: str
    root: Path
    base: str
    work: Path  # stores and logs of this size
    workload: Workload
    server_timeout: float
    load_timeout: float
    rdflib_load_timeout: float
    ljkg_cmd: list[str]
    oxigraph_cmd: str
    store: Any = None  # the in-process reference store (pyoxigraph)
    shared: dict = field(default_factory=dict)  # preparations reused by several targets
    validation_cache: Path | None = None  # kept across runs (--reuse-validation); else one in `work`, emptied

    def files(self, folder: str) -> list[Path]:
        return sorted(p for p in (self.root / folder).glob("*.ttl") if p.is_file())

    def graph(self, folder: str) -> str:
        return self.base + "graph/" + folder


@dataclass
class Running:
    """A started target: where to send requests and what its start-up cost."""

    name: str
    port: int
    sparql_path: str
    deref: bool
    sampler: procs.MemorySampler
    processes: list[subprocess.Popen] = field(default_factory=list)
    load_seconds: float | None = None
    prep_seconds: float | None = None
    prep_peak_kib: int = 0
    notes: list[str] = field(default_factory=list)
    checker: Checker = field(default_factory=Checker)

    first_answer: tuple | None = None

    def check_first_answer(self) -> None:
        if self.first_answer:
            verdict = self.checker.check(*self.first_answer)
            if verdict:
                self.notes.append(f"first answer wrong: {verdict}")

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def request_bytes(self, inst: Instance) -> bytes:
        if inst.path is not None:
            return get_request("127.0.0.1", self.port, inst.path, inst.accept)
        return get_request("127.0.0.1", self.port, self.sparql_path, inst.accept, {"query": inst.query})

    def sparql_bytes(self, query: str) -> bytes:
        return get_request("127.0.0.1", self.port, self.sparql_path, "application/sparql-results+json",
                           {"query": query})

    def stop(self) -> None:
        for p in reversed(self.processes):
            procs.stop(p)


@dataclass
class Target:
    name: str
    description: str
    start: Callable[[SizeContext, procs.MemorySampler], Running]
    ljkg: bool = False  # serves dereferenceable resources (HTML, JSON-LD)
    slow: bool = False  # has a query time limit: the slow-query phase runs against it


# ---- helpers -----------------------------------------------------------------------------------------------

def _launch(ctx: SizeContext, sampler: procs.MemorySampler, argv: list[str], log_name: str,
            port: int) -> subprocess.Popen:
    proc = procs.start(argv, ctx.work / "logs" / log_name, cwd=ctx.work)
    sampler.add(proc.pid)
    t0 = time.perf_counter()
    if not wait_for_port(port, ctx.load_timeout, alive=lambda: proc.poll() is None):
        log = ctx.work / "logs" / log_name
        code = proc.poll()
        procs.stop(proc)
        if code is None:
            how = f"no listener on port {port} after {ctx.load_timeout:g} s"
        elif code < 0:
            how = f"killed by signal {-code} after {time.perf_counter() - t0:.0f} s (SIGKILL: out of memory?)"
        else:
            how = f"exited with code {code} after {time.perf_counter() - t0:.0f} s"
        raise TargetFailed(f"{log_name.removesuffix('.log')}: {how}; log: {procs.log_tail(log)}")
    return proc


def _probe(running: Running, ctx: SizeContext, timeout: float, t0: float) -> None:
    """Poll a point lookup until it gets HTTP 200; set load_seconds from t0. Notes a wrong first answer
    (checked only after _published_reference for our publisher, whose union graph has its metadata too)."""
    inst = ctx.workload.instances[ctx.workload.kinds[0]][0]
    raw = running.request_bytes(inst)
    deadline = time.monotonic() + timeout
    last = "no answer"
    conn = Connection(running.port, timeout=min(30.0, timeout))
    try:
        while time.monotonic() < deadline:
            if not running.alive():
                raise TargetFailed(f"the server exited while loading: {last}")
            try:
                status, headers, body = conn.request(raw)
            except HttpError as exc:
                last = str(exc)
                time.sleep(0.1)
                continue
            if status == 200:
                running.load_seconds = time.perf_counter() - t0
                running.first_answer = (inst, status, headers, body)
                return
            last = f"HTTP {status}: {body[:200]!r}"
            time.sleep(0.1)
    finally:
        conn.close()
    raise TargetFailed(f"no successful query within {timeout:g} s ({last})")


def _ljkg_serve_argv(ctx: SizeContext, port: int, *extra: str) -> list[str]:
    return [*ctx.ljkg_cmd, "serve", "--data", str(ctx.root), "--base-uri", ctx.base, "--host", "127.0.0.1",
            "--port", str(port), "--query-timeout", f"{ctx.server_timeout:g}",
            "--cache-dir", str(_ljkg_cache(ctx)), *extra]


def _ljkg_cache(ctx: SizeContext) -> Path:
    """The validation cache every ljkg target of a size shares; `_ljkg_store` empties it first, unless
    it is one kept across runs."""
    return ctx.validation_cache or ctx.work / "ljkg-cache"


def _ljkg_store(ctx: SizeContext) -> tuple[Path, float, int]:
    """`ljkg load` once per size, from an empty validation cache (unless --reuse-validation kept one): the one
    time SHACL runs for this data.

    Its time and peak PSS are the "prep" of every ljkg target: the disk and remote stores are filled by it,
    and the in-memory targets then start from the files with the validation it kept (as a restart does).
    """
    if "ljkg-store" in ctx.shared:
        result = ctx.shared["ljkg-store"]
        if isinstance(result, TargetFailed):
            raise result
        return result
    store = ctx.work / "ljkg-store"
    subprocess.run(["rm", "-rf", str(store)], check=False)
    if ctx.validation_cache is None:
        subprocess.run(["rm", "-rf", str(_ljkg_cache(ctx))], check=False)
    argv = [*ctx.ljkg_cmd, "load", "--store", str(store), "--data", str(ctx.root), "--base-uri", ctx.base,
            "--cache-dir", str(_ljkg_cache(ctx)),
            "--query-timeout", f"{ctx.server_timeout:g}"]  # as served: the service description states it
    log = ctx.work / "logs" / "ljkg-load.log"
    with procs.MemorySampler() as sampler:
        try:
            code, seconds = procs.run_timed(argv, log, ctx.load_timeout, sampler)
        except TimeoutError as exc:
            ctx.shared["ljkg-store"] = TargetFailed(f"ljkg load: {exc}")
            raise ctx.shared["ljkg-store"] from None
    if code != 0:
        ctx.shared["ljkg-store"] = TargetFailed(f"ljkg load exited {code}: {procs.log_tail(log)}")
        raise ctx.shared["ljkg-store"]
    ctx.shared["ljkg-store"] = (store, seconds, sampler.peak_kib)
    ctx.shared["validation-reused"] = "reused from" in log.read_text(encoding="utf-8", errors="replace")
    return ctx.shared["ljkg-store"]


def _published_reference(running: Running, ctx: SizeContext) -> None:
    """Our publisher's union default graph also holds its metadata graph: fetch that graph (its IRI
    dereferences to the whole graph) and check this target against the data plus it."""
    graph = ctx.base + "graph/metadata"
    conn = Connection(running.port, timeout=ctx.load_timeout)
    try:
        status, headers, body = conn.request(get_request("127.0.0.1", running.port, "/graph/metadata",
                                                         "application/n-triples"))
    except HttpError as exc:
        raise TargetFailed(f"could not fetch the metadata graph: {exc}") from None
    finally:
        conn.close()
    if status != 200:
        running.notes.append(f"no metadata graph at {graph} (HTTP {status}): checked against the data only")
        return
    triples = parse_graph(body, headers.get("content-type", ""))
    key = hashlib.sha256(b"".join(sorted(str(t).encode() for t in triples))).hexdigest()
    cache = ctx.shared.setdefault("published", {})
    if key not in cache:
        t0 = time.perf_counter()
        cache[key] = expected_with_graph(ctx.store, ctx.workload, graph, triples)
        running.notes.append(f"reference recomputed with its metadata graph ({len(triples)} triples) "
                             f"in {time.perf_counter() - t0:.1f} s")
    running.checker.expected = cache[key]


def _ljkg_ready(running: Running, ctx: SizeContext) -> None:
    _published_reference(running, ctx)
    _jsonld_context(running, ctx)
    running.check_first_answer()


def _jsonld_context(running: Running, ctx: SizeContext) -> None:
    """Fetch the JSON-LD context our JSON-LD refers to, so the checker can expand JSON-LD offline."""
    insts = ctx.workload.instances.get("deref-jsonld") or []
    if not insts:
        return
    conn = Connection(running.port)
    try:
        status, _, body = conn.request(running.request_bytes(insts[0]))
        if status != 200:
            running.notes.append(f"JSON-LD dereference answered HTTP {status}")
            return
        url = json.loads(body).get("@context")
        if isinstance(url, str) and url.startswith(ctx.base):
            status, _, body = conn.request(get_request("127.0.0.1", running.port, "/" + url[len(ctx.base):],
                                                       "application/ld+json"))
            if status == 200:
                running.checker.jsonld_context = json.loads(body).get("@context")
    except (HttpError, ValueError) as exc:
        running.notes.append(f"could not fetch the JSON-LD context: {exc}")
    finally:
        conn.close()


# ---- the targets -------------------------------------------------------------------------------------------

def start_ljkg_memory(ctx: SizeContext, sampler: procs.MemorySampler, name: str = "ljkg-memory",
                      *extra: str) -> Running:
    _store, prep, prep_peak = _ljkg_store(ctx)  # validates once; this start reuses it, as a restart does
    port = free_port()
    running = Running(name, port, "/sparql", True, sampler, prep_seconds=prep, prep_peak_kib=prep_peak)
    t0 = time.perf_counter()
    running.processes.append(_launch(ctx, sampler, _ljkg_serve_argv(ctx, port, *extra), f"{name}.log", port))
    _probe(running, ctx, ctx.load_timeout, t0)
    _ljkg_ready(running, ctx)
    return running


def start_ljkg_memory_2p(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    """The same, with `--processes 2`: two serving processes share the port and the store (copy-on-write)."""
    return start_ljkg_memory(ctx, sampler, "ljkg-memory-2p", "--processes", "2")


def start_ljkg_disk(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    store, prep, prep_peak = _ljkg_store(ctx)
    port = free_port()
    running = Running("ljkg-disk", port, "/sparql", True, sampler, prep_seconds=prep, prep_peak_kib=prep_peak)
    t0 = time.perf_counter()
    argv = _ljkg_serve_argv(ctx, port, "--store", str(store))
    running.processes.append(_launch(ctx, sampler, argv, "ljkg-disk.log", port))
    _probe(running, ctx, ctx.load_timeout, t0)
    _ljkg_ready(running, ctx)
    return running


def start_ljkg_remote(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    store, prep, prep_peak = _ljkg_store(ctx)
    try:
        location = served_database(store)
    except OSError as exc:
        raise TargetFailed(f"`ljkg load` left no Oxigraph store: {exc}") from None
    backend_port, port = free_port(), free_port()
    running = Running("ljkg-remote", port, "/sparql", True, sampler, prep_seconds=prep, prep_peak_kib=prep_peak)
    t0 = time.perf_counter()
    backend = [ctx.oxigraph_cmd, "serve-read-only", "--location", str(location), "--bind",
               f"127.0.0.1:{backend_port}", "--union-default-graph", "--timeout-s", f"{ctx.server_timeout:g}"]
    running.processes.append(_launch(ctx, sampler, backend, "ljkg-remote-oxigraph.log", backend_port))
    argv = _ljkg_serve_argv(ctx, port, "--sparql-backend", f"http://127.0.0.1:{backend_port}/query")
    running.processes.append(_launch(ctx, sampler, argv, "ljkg-remote.log", port))
    _probe(running, ctx, ctx.load_timeout, t0)
    _ljkg_ready(running, ctx)
    return running


def start_oxigraph_memory(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    port = free_port()
    running = Running("oxigraph-memory", port, "/query", False, sampler)
    t0 = time.perf_counter()
    argv = [ctx.oxigraph_cmd, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph",
            "--timeout-s", f"{ctx.server_timeout:g}"]
    running.processes.append(_launch(ctx, sampler, argv, "oxigraph-memory.log", port))
    # Load over HTTP, one POST per file into its named graph; "@base" makes the relative IRIs ours.
    conn = Connection(port, timeout=ctx.load_timeout)
    try:
        for folder in ("ontology", "data"):
            target = "/store?graph=" + quote(ctx.graph(folder), safe="")
            for path in ctx.files(folder):
                body = f"@base <{ctx.base}> .\n".encode() + path.read_bytes()
                status, _, answer = conn.request(post_request("127.0.0.1", port, target, "text/turtle", body))
                if status not in (200, 201, 204):
                    raise TargetFailed(f"POST {path.name} to /store: HTTP {status}: {answer[:300]!r}")
    except HttpError as exc:
        raise TargetFailed(f"loading over HTTP: {exc}") from None
    finally:
        conn.close()
    _probe(running, ctx, ctx.load_timeout, t0)
    running.check_first_answer()
    return running


def start_oxigraph_disk(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    location = ctx.work / "oxigraph-store"
    subprocess.run(["rm", "-rf", str(location)], check=False)
    prep = 0.0
    with procs.MemorySampler() as prep_sampler:
        for folder in ("ontology", "data"):
            argv = [ctx.oxigraph_cmd, "load", "--location", str(location), "--base", ctx.base,
                    "--graph", ctx.graph(folder), "--file", *map(str, ctx.files(folder))]
            log = ctx.work / "logs" / "oxigraph-load.log"
            try:
                code, seconds = procs.run_timed(argv, log, ctx.load_timeout, prep_sampler)
            except TimeoutError as exc:
                raise TargetFailed(f"oxigraph load: {exc}") from None
            if code != 0:
                raise TargetFailed(f"oxigraph load exited {code}: {procs.log_tail(log)}")
            prep += seconds
    port = free_port()
    running = Running("oxigraph-disk", port, "/query", False, sampler, prep_seconds=prep,
                      prep_peak_kib=prep_sampler.peak_kib)
    t0 = time.perf_counter()
    argv = [ctx.oxigraph_cmd, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}",
            "--union-default-graph", "--timeout-s", f"{ctx.server_timeout:g}"]
    running.processes.append(_launch(ctx, sampler, argv, "oxigraph-disk.log", port))
    _probe(running, ctx, ctx.load_timeout, t0)
    running.check_first_answer()
    return running


def start_rdflib_endpoint(ctx: SizeContext, sampler: procs.MemorySampler) -> Running:
    port = free_port()
    running = Running("rdflib-endpoint", port, "/sparql", False, sampler)
    t0 = time.perf_counter()
    argv = [sys.executable, str(BENCH / "compare_rdflib_endpoint.py"), "--root", str(ctx.root),
            "--base", ctx.base, "--port", str(port)]
    proc = procs.start(argv, ctx.work / "logs" / "rdflib-endpoint.log", cwd=ctx.work)
    sampler.add(proc.pid)
    running.processes.append(proc)
    if not wait_for_port(port, ctx.rdflib_load_timeout, alive=lambda: proc.poll() is None):
        raise TargetFailed(f"rdflib-endpoint did not listen within {ctx.rdflib_load_timeout:g} s: "
                           f"{procs.log_tail(ctx.work / 'logs' / 'rdflib-endpoint.log')}")
    _probe(running, ctx, ctx.rdflib_load_timeout, t0)
    running.check_first_answer()
    return running


TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("ljkg-memory", "`ljkg serve --data ROOT` (in-memory Oxigraph, forked query processes)",
           start_ljkg_memory, ljkg=True, slow=True),
    Target("ljkg-memory-2p", "`ljkg serve --data ROOT --processes 2` (two serving processes on one port)",
           start_ljkg_memory_2p, ljkg=True, slow=True),
    Target("ljkg-disk", "`ljkg load --store DIR` then `ljkg serve --store DIR`", start_ljkg_disk,
           ljkg=True, slow=True),
    Target("ljkg-remote", "`ljkg serve --sparql-backend` in front of `oxigraph serve-read-only` on that store",
           start_ljkg_remote, ljkg=True, slow=True),
    Target("oxigraph-memory", "`oxigraph serve` (in memory), files POSTed to /store", start_oxigraph_memory,
           slow=True),
    Target("oxigraph-disk", "`oxigraph load` then `oxigraph serve-read-only`", start_oxigraph_disk),
    Target("rdflib-endpoint", "rdflib-endpoint's SparqlEndpoint on an rdflib Dataset (uvicorn)",
           start_rdflib_endpoint),
)}
