"""Do cheap queries stay fast while two clients keep slow ones running? `python bench/fairness.py`

Starts `python server.py` on synthetic data (bench/generate.py, 10k triples by default), then two "slow"
clients (source addresses 127.0.0.2 and 127.0.0.3) keep --slow queries in flight between them (half each,
each thread sending its next as soon as one is answered, or when refused after Retry-After, or 50 ms
with --hammer), while a third client (127.0.0.4) sends
point lookups one after another, each a distinct query (so no cache answers it). Prints and writes to
bench/results/fairness-<label>.json the lookups' p50/p99/max in ms and what the slow clients got back.
Extra server flags go after `--`, e.g. `python bench/fairness.py -- --client-queries 0 --query-reserved 0`
for the behaviour without either fairness measure.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_procs as procs  # noqa: E402
from latency import free_port, write_result  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
JSON = {"Accept": "application/sparql-results+json"}
# Every triple joined with 300 others: about 3 million rows counted, a second or more per query at 10k triples.
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . { SELECT ?d WHERE { ?d ?e ?f } LIMIT 300 } }"


class FromAddress(HTTPAdapter):
    """Requests sent from a given loopback source address: the server tells clients apart by it."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_maxsize=32)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def data_root(triples: str) -> Path:
    """Synthetic data of that size, generated once into /tmp."""
    folder = Path(f"/tmp/ljkg-bench-data-{triples}")
    if not (folder / "data").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", triples, "--seed", "1",
                        "--out", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def start_server(data: Path, port: int, extra: list[str], log: Path) -> subprocess.Popen:
    proc = procs.start([sys.executable, "server.py", "--data", str(data), "--port", str(port), *extra], log,
                       cwd=ROOT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/sparql", timeout=2).status_code < 500:
                return proc
        except requests.ConnectionError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {procs.log_tail(log)}")
        time.sleep(0.5)
    raise SystemExit("server did not become ready")


def subjects(url: str, count: int) -> list[str]:
    query = f"SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(isIRI(?s)) }} LIMIT {count}"
    rows = requests.post(url, data={"query": query}, headers=JSON, timeout=30).json()["results"]["bindings"]
    return [row["s"]["value"] for row in rows]


def slow_client(url: str, address: str, stop: threading.Event, outcomes: Counter, lock: threading.Lock,
                hammer: bool) -> None:
    session = session_from(address)
    while not stop.is_set():
        query = f"# {address} {time.monotonic_ns()}\n{SLOW}"  # never the same text: no cache answers it
        try:
            response = session.post(url, data={"query": query}, headers=JSON, timeout=60)
            status = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        with lock:
            outcomes[f"{address} {status}"] += 1
        if status in (429, 503):  # a hostile client is back at once, a polite one after Retry-After
            stop.wait(0.05 if hammer else float(response.headers.get("Retry-After", 1)))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", default="10k")
    parser.add_argument("--slow", type=int, default=16, help="slow queries kept in flight (two clients)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long lookups are timed")
    parser.add_argument("--label", default="default")
    parser.add_argument("--hammer", action="store_true",
                        help="slow clients ignore Retry-After and send again after 50 ms")
    parser.add_argument("server_args", nargs="*", help="extra server flags, after --")
    args = parser.parse_args()
    procs.install_cleanup()
    RESULTS.mkdir(exist_ok=True)
    data = data_root(args.triples)
    port = free_port()
    proc = start_server(data, port, args.server_args, Path(f"/tmp/ljkg-fairness-{port}.log"))
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        iris = subjects(url, 500)
        started = time.monotonic()
        single = session_from("127.0.0.2").post(url, data={"query": SLOW}, headers=JSON, timeout=60)
        slow_alone = time.monotonic() - started
        stop, lock, outcomes = threading.Event(), threading.Lock(), Counter()
        threads = [threading.Thread(target=slow_client, args=(url, ("127.0.0.2", "127.0.0.3")[i % 2], stop,
                                                               outcomes, lock, args.hammer), daemon=True)
                   for i in range(args.slow)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)  # every slow thread has sent its first
        lookups = session_from("127.0.0.4")
        times: list[float] = []
        statuses: Counter = Counter()
        end = time.monotonic() + args.seconds
        n = 0
        while time.monotonic() < end:
            n += 1
            query = f"# lookup {n}\nSELECT ?p ?o WHERE {{ <{iris[n % len(iris)]}> ?p ?o }}"
            t0 = time.perf_counter()
            response = lookups.post(url, data={"query": query}, headers=JSON, timeout=60)
            times.append((time.perf_counter() - t0) * 1000)
            statuses[response.status_code] += 1
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
    finally:
        procs.stop(proc)
    result = {
        "triples": args.triples, "slow_in_flight": args.slow, "seconds": args.seconds,
        "server_args": args.server_args, "hammer": args.hammer, "slow_query_alone_s": round(slow_alone, 3),
        "slow_query_alone_status": single.status_code,
        "lookups": len(times), "lookup_statuses": dict(statuses),
        "lookup_ms": {"p50": round(statistics.median(times), 1), "p99": round(pct(times, 99), 1),
                      "max": round(max(times), 1)},
        "slow_outcomes": dict(sorted(outcomes.items())),
    }
    write_result(f"fairness-{args.label}", result)


if __name__ == "__main__":
    main()
