"""The load generator of bench/compare.py: N keep-alive clients for a fixed time, every answer checked.

Why threads and raw sockets: on a 2-core machine the client shares the CPU with the server, so it must
be light and its own cost must be visible. Clients are threads of the benchmark process (the socket
calls release the GIL), each with one persistent connection and pre-built request bytes; the verdict of
each answer is memoised by body digest (see compare_workload.Checker). The phase reports the client's
CPU (this process) and the server's CPU (its process tree) in cores, which tells who was the bottleneck.
"""

from __future__ import annotations

import json
import resource
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import compare_procs as procs
from compare_http import Connection, HttpError
from compare_workload import Instance, floor_query

if TYPE_CHECKING:
    import pyoxigraph as ox
    from compare_targets import Running


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of already sorted values."""
    if not values:
        return None
    rank = max(1, min(len(values), int(round(p / 100 * len(values) + 0.5))))
    return values[rank - 1]


@dataclass
class KindStats:
    ok: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class Phase:
    clients: int
    seconds: float
    ok: int
    errors: int
    qps: float
    p50_ms: float | None
    p99_ms: float | None
    client_cpu: float  # cores used by the benchmark process (client threads, checks, sampler)
    server_cpu: float | None  # cores used by the target's process tree
    machine_cpu: float | None  # cores busy on the whole machine (the rest is other processes)
    kinds: dict[str, KindStats]
    slow: dict | None = None  # the slow-query client's outcomes, when one ran beside the mix

    def as_dict(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "kinds"}
        out["kinds"] = {k: v.__dict__ for k, v in self.kinds.items()}
        return out


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores), from /proc/stat."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / procs.CLK_TCK


def _rusage_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _summarise(records: list[list[tuple[str, float, str | None]]], clients: int, seconds: float,
               client_cpu: float, server_cpu: float | None, machine_cpu: float | None) -> Phase:
    latencies: dict[str, list[float]] = defaultdict(list)
    reasons: dict[str, Counter] = defaultdict(Counter)
    for per_client in records:
        for kind, ms, error in per_client:
            if error is None:
                latencies[kind].append(ms)
            else:
                reasons[kind][error] += 1
    kinds: dict[str, KindStats] = {}
    every: list[float] = []
    for kind in sorted(set(latencies) | set(reasons)):
        values = sorted(latencies[kind])
        every += values
        kinds[kind] = KindStats(len(values), sum(reasons[kind].values()), percentile(values, 50),
                                percentile(values, 99), dict(reasons[kind].most_common(5)))
    every.sort()
    ok = sum(k.ok for k in kinds.values())
    errors = sum(k.errors for k in kinds.values())
    return Phase(clients, seconds, ok, errors, ok / seconds if seconds else 0.0, percentile(every, 50),
                 percentile(every, 99), client_cpu, server_cpu, machine_cpu, kinds)


def drive(running: Running, sequence: list[Instance], clients: int, duration: float,
          slow_query: str | None = None, request_timeout: float = 60.0, unique: bool = True) -> Phase:
    """`clients` threads loop over the sequence (each from its own offset) for `duration` seconds.

    unique: every SPARQL request gets its own query text (a trailing comment `#c<client>n<count>`), so an
    answer cache (ljkg keeps /sparql answers per dataset version) never serves a repeat: the mix measures
    evaluation, not the cache. unique=False sends the pool's texts as they are (a cache's best case).
    With slow_query, one more thread loops that query at the same time; its answers (expected: time-limit
    errors) are reported apart and are not part of the mix's figures.
    """
    raws = [running.request_bytes(inst) for inst in sequence]
    tail = b" HTTP/1.1\r\n"
    bust = [unique and inst.query is not None for inst in sequence]
    records: list[list[tuple[str, float, str | None]]] = [[] for _ in range(clients)]
    slow_outcomes: list[tuple[float, str]] = []
    start = threading.Event()
    stop = threading.Event()
    checker = running.checker

    def client(i: int) -> None:
        conn = Connection(running.port, timeout=request_timeout)
        out = records[i]
        n = len(sequence)
        pos = (i * 7919) % n
        count = 0
        start.wait()
        try:
            while not stop.is_set():
                inst = sequence[pos]
                raw = raws[pos]
                if bust[pos]:
                    count += 1
                    raw = raw.replace(tail, b"%%0A%%23c%dn%d" % (i, count) + tail, 1)
                t = time.perf_counter()
                try:
                    status, headers, body = conn.request(raw)
                except HttpError as exc:
                    out.append((inst.kind, (time.perf_counter() - t) * 1000, f"connection: {str(exc)[:60]}"))
                    time.sleep(0.05)
                    pos = (pos + 1) % n
                    continue
                ms = (time.perf_counter() - t) * 1000
                out.append((inst.kind, ms, checker.check(inst, status, headers, body)))
                pos = (pos + 1) % n
        except Exception as exc:  # a bug in the client must show up in the figures, not vanish in a thread
            out.append((sequence[pos].kind, 0.0, f"client crashed: {exc!r}"[:160]))
        finally:
            conn.close()

    def slow_client() -> None:
        conn = Connection(running.port, timeout=request_timeout)
        raw = running.sparql_bytes(slow_query)
        start.wait()
        try:
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    status, _, body = conn.request(raw)
                    outcome = f"HTTP {status}"
                    if status == 200:
                        try:
                            json.loads(body)
                        except ValueError:  # oxigraph: 200 already sent when the time limit cuts the body
                            outcome = "HTTP 200, body cut off"
                except HttpError as exc:
                    outcome = f"connection: {str(exc)[:40]}"
                    time.sleep(0.05)
                slow_outcomes.append(((time.perf_counter() - t) * 1000, outcome))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    slow_thread = threading.Thread(target=slow_client, daemon=True) if slow_query else None
    for th in threads + ([slow_thread] if slow_thread else []):
        th.start()
    cpu0, server0, busy0 = _rusage_cpu(), running.sampler.cpu_total(), machine_busy()
    t0 = time.perf_counter()
    start.set()
    time.sleep(duration)
    stop.set()
    # the phase ends when the last mix request in flight has its answer (not the slow client's)
    for th in threads:
        th.join(timeout=request_timeout + 5)
    seconds = time.perf_counter() - t0
    client_cpu = (_rusage_cpu() - cpu0) / seconds
    server_cpu = (running.sampler.cpu_total() - server0) / seconds
    phase = _summarise(records, clients, seconds, client_cpu, server_cpu, (machine_busy() - busy0) / seconds)
    if slow_thread:
        slow_thread.join(timeout=request_timeout + 5)
        lat = sorted(ms for ms, _ in slow_outcomes)
        phase.slow = {"requests": len(slow_outcomes), "outcomes": dict(Counter(o for _, o in slow_outcomes)),
                      "p50_ms": percentile(lat, 50)}
    return phase


def drive_in_process(store: ox.Store, base: str, sequence: list[Instance], clients: int, duration: float) -> Phase:
    """The floor: the same instances evaluated directly on pyoxigraph in this process (no HTTP)."""
    records: list[list[tuple[str, float, str | None]]] = [[] for _ in range(clients)]
    start = threading.Event()
    stop = threading.Event()

    def client(i: int) -> None:
        out = records[i]
        n = len(sequence)
        pos = (i * 7919) % n
        start.wait()
        while not stop.is_set():
            inst = sequence[pos]
            t = time.perf_counter()
            floor_query(store, inst, base)
            out.append((inst.kind, (time.perf_counter() - t) * 1000, None))
            pos = (pos + 1) % n

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for th in threads:
        th.start()
    cpu0, busy0 = _rusage_cpu(), machine_busy()
    t0 = time.perf_counter()
    start.set()
    time.sleep(duration)
    stop.set()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t0
    return _summarise(records, clients, seconds, (_rusage_cpu() - cpu0) / seconds, None,
                      (machine_busy() - busy0) / seconds)
