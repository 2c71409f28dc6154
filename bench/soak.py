"""Soak: many clients for a while, some requests hostile, a query process killed mid-load. `python bench/soak.py`

Starts `python server.py` (the project's data, or --triples N of synthetic data), then --clients threads
send requests for --seconds, each from its own loopback address (127.0.0.10, .11, ...: the per-client
limit tells clients apart by address): the example queries (queries/*.rq, each made unique so caches do not answer
it), point lookups, resource pages in HTML and Turtle, the dataset's VoID. One request in --hostile-every is
hostile instead: deeply nested groups, a SERVICE call, a huge or odd header, a bad path, a malformed query,
an oversized body, a query that runs into the time limit. At --kill-at (a fraction of the run) one query
process of the server gets SIGKILL. It reports

- errors: non-hostile requests answered with anything but 2xx/3xx (target: none),
- 500s: any request answered 500 (target: none, hostile ones included),
- lost: requests that got no answer at all: connection reset or closed, timed out (target: none),
- memory: PSS summed over the server's process tree, mean of the first third vs the last third (target: flat),

and writes them to bench/results/soak-<label>.json. Figures on a loaded machine say so in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_procs as procs  # noqa: E402
from fairness import JSON, data_root, session_from, start_server, subjects  # noqa: E402
from latency import free_port, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EXAMPLES = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "queries").glob("*.rq"))]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"  # what browsers send
CUT_OFF = {"oversized-body"}  # 413 sent and the socket closed while the client still sends: not lost
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # runs into any time limit


def hostile_requests(url: str) -> list[tuple[str, str, str, dict]]:
    """(kind, method, path-or-url, requests keyword arguments) for each hostile request."""
    sparql = url + "sparql"
    return [
        ("deep-braces", "POST", sparql, {"data": {"query": "SELECT * WHERE " + "{" * 10000 + "}" * 10000}}),
        ("deep-parentheses", "POST", sparql,
         {"data": {"query": "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }"}}),
        ("many-binds", "POST", sparql,
         {"data": {"query": "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3500)) + " }"}}),
        ("service", "POST", sparql,
         {"data": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}}),
        ("huge-header", "GET", url, {"headers": {"X-Padding": "a" * 200_000}}),
        ("odd-header", "GET", url, {"headers": {"Accept": "text/html;q=\x01\x7f, */*;q=abc", "X-Odd": "é" * 50}}),
        ("bad-path-nul", "GET", url + "%00", {}),
        ("bad-path-dots", "GET", url + "..%2f..%2fetc%2fpasswd", {}),
        ("bad-path-bytes", "GET", url + "res%ff%fe", {}),
        ("malformed-query", "POST", sparql, {"data": {"query": "SELEC * WHERE { ?s ?p "}}),
        ("oversized-body", "POST", sparql, {"data": {"query": "# " + "x" * 5_000_000}}),
        ("slow-query", "POST", sparql, {"data": {"query": f"# {random.random()}\n{SLOW}"}}),
    ]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.errors: Counter = Counter()  # non-hostile, not 2xx/3xx
        self.server_errors: Counter = Counter()  # any 500
        self.lost: Counter = Counter()
        self.hostile: Counter = Counter()
        self.latencies: list[float] = []

    def record(self, kind: str, hostile: bool, status: int | str, seconds: float) -> None:
        with self.lock:
            self.counts["hostile" if hostile else "normal"] += 1
            if isinstance(status, str):
                if kind in CUT_OFF:  # refused before it was read: the connection closes under the sender
                    self.hostile[f"{kind} closed"] += 1
                else:
                    self.lost[f"{kind}: {status}"] += 1
                return
            if hostile:
                self.hostile[f"{kind} {status}"] += 1
            else:
                self.latencies.append(seconds)
                if status >= 400:
                    self.errors[f"{kind} {status}"] += 1
            if status >= 500 and status != 503:
                self.server_errors[f"{kind} {status}"] += 1


def client(url: str, iris: list[str], stop: threading.Event, tally: Tally, hostile_every: int, seed: int) -> None:
    rng = random.Random(seed)
    address = f"127.0.0.{10 + seed}"  # each client its own address, as the per-client limit tells them apart
    session = session_from(address)
    while not stop.is_set():
        hostile = rng.randrange(hostile_every) == 0
        if hostile:
            kind, method, target, kwargs = rng.choice(hostile_requests(url))
        else:
            kind, method, target, kwargs = normal_request(url, iris, rng)
        started = time.perf_counter()
        try:
            response = session.request(method, target, timeout=30, **kwargs)
            status: int | str = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
            session = session_from(address)  # (a connection the server closed: start afresh)
        tally.record(kind, hostile, status, time.perf_counter() - started)


def normal_request(url: str, iris: list[str], rng: random.Random) -> tuple[str, str, str, dict]:
    choice = rng.random()
    if choice < 0.4:
        query = f"# {rng.random()}\n{rng.choice(EXAMPLES)}"
        return "example-query", "POST", url + "sparql", {"data": {"query": query}, "headers": JSON}
    if choice < 0.7:
        query = f"# {rng.random()}\nSELECT ?p ?o WHERE {{ <{rng.choice(iris)}> ?p ?o }}"
        return "point-lookup", "POST", url + "sparql", {"data": {"query": query}, "headers": JSON}
    if choice < 0.85:
        return "page-html", "GET", rng.choice(iris), {"headers": {"Accept": BROWSER}}
    if choice < 0.95:
        return "page-turtle", "GET", rng.choice(iris), {"headers": {"Accept": "text/turtle"}}
    return "void", "GET", url + ".well-known/void", {}


def tree_pss(pid: int) -> int:
    return sum(procs.pss_kib(p) for p in procs.tree([pid]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--hostile-every", type=int, default=20)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of the run; negative: no kill")
    parser.add_argument("--triples", default="", help="synthetic data of this size instead of the project's")
    parser.add_argument("--label", default="default")
    parser.add_argument("server_args", nargs="*", help="extra server flags, after --")
    args = parser.parse_args()
    procs.install_cleanup()
    RESULTS.mkdir(exist_ok=True)
    data = data_root(args.triples) if args.triples else ROOT
    port = free_port()
    proc = start_server(data, port, args.server_args, Path(f"/tmp/ljkg-soak-{port}.log"))
    url = f"http://127.0.0.1:{port}/"
    own = [iri for iri in subjects(url + "sparql", 2000) if iri.startswith(url)]
    iris = own or [url]
    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=client, args=(url, iris, stop, tally, args.hostile_every, seed), daemon=True)
               for seed in range(args.clients)]
    memory: list[tuple[float, int]] = []
    serving: list[int] = []  # the serving process alone (its caches), beside the whole tree
    killed: dict = {}
    try:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while (elapsed := time.monotonic() - started) < args.seconds:
            memory.append((elapsed, tree_pss(proc.pid)))
            serving.append(procs.pss_kib(proc.pid))
            if args.kill_at >= 0 and not killed and elapsed >= args.kill_at * args.seconds:
                # a query process: a leaf of the tree (not the zygote that forks them, ljkg/zygote.py)
                children = [p for p in procs.tree([proc.pid]) if p != proc.pid and not procs.children(p)]
                if children:
                    victim = random.choice(children)
                    os.kill(victim, signal.SIGKILL)
                    killed = {"pid": victim, "at_s": round(elapsed, 1)}
            time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
        alive = proc.poll() is None
    finally:
        procs.stop(proc)
    third = args.seconds / 3
    first = [kib for t, kib in memory if t < third]
    last = [kib for t, kib in memory if t >= 2 * third]
    lat = sorted(tally.latencies)
    result = {
        "clients": args.clients, "seconds": args.seconds, "hostile_every": args.hostile_every,
        "data": args.triples or "project", "server_args": args.server_args, "killed": killed,
        "server_alive_at_end": alive,
        "requests": dict(tally.counts),
        "errors_non_hostile": dict(tally.errors), "server_errors_500": dict(tally.server_errors),
        "lost": dict(tally.lost),
        "hostile_answers": dict(sorted(tally.hostile.items())),
        "normal_latency_ms": {"p50": round(statistics.median(lat) * 1000, 1) if lat else None,
                              "p99": round(lat[int(0.99 * (len(lat) - 1))] * 1000, 1) if lat else None},
        "pss_mib": {"first_third": round(statistics.mean(first) / 1024, 1) if first else None,
                    "last_third": round(statistics.mean(last) / 1024, 1) if last else None,
                    "max": round(max(kib for _, kib in memory) / 1024, 1) if memory else None,
                    "every_10_s": [round(kib / 1024, 1) for t, kib in memory if int(t) % 10 == 0],
                    "serving_process_every_10_s": [round(kib / 1024, 1) for (t, _), kib
                                                   in zip(memory, serving, strict=True) if int(t) % 10 == 0]},
    }
    write_result(f"soak-{args.label}", result)


if __name__ == "__main__":
    main()
