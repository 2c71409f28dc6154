"""Latency of the publisher's common requests: `python bench/latency.py [--requests N]`.

Starts `python server.py` on a free loopback port, warms it up, then times N sequential requests of each
kind and prints p50/p90/p99 in milliseconds. The comparison it names: an in-process pyoxigraph query on
the same store (the floor with no HTTP), as a ratio.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "queries" / "01-networks-of-ljubljana.rq").read_text(encoding="utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(base: str, proc: subprocess.Popen, seconds: float = 900) -> None:
    """Poll the home page until the server answers (a big --data root takes minutes to load)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode} before it answered")
        try:
            requests.get(base, timeout=60)  # the first home page of a big graph counts its classes
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within {seconds:.0f} s")


def write_result(name: str, result: dict) -> None:
    """Print a run's figures as JSON and keep them in bench/results/NAME.json, for bench/README.md."""
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{name}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(base, proc)
        s = requests.Session()
        cases = {
            "resource as Turtle": lambda: s.get(base + "id/place/ljubljana", headers={"Accept": "text/turtle"}),
            "resource as JSON-LD": lambda: s.get(base + "id/organisation/mol",
                                                 headers={"Accept": "application/ld+json"}),
            "resource as HTML": lambda: s.get(base + "id/place/ljubljana", headers={"Accept": "text/html"}),
            "resource 304": lambda: s.get(base + "id/place/ljubljana.ttl", headers={"If-None-Match": etag}),
            "example query (01, JSON)": lambda: s.get(base + "sparql", params={"query": EXAMPLE},
                                                      headers={"Accept": "application/sparql-results+json"}),
        }
        etag = s.get(base + "id/place/ljubljana.ttl").headers["ETag"]
        for fn in cases.values():
            timed(fn, 10)
        floor = in_process_floor(args.requests)
        print(f"{'request':28} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
        for name, fn in cases.items():
            values = timed(fn, args.requests)
            print(f"{name:28} {statistics.median(values):8.2f} {pct(values, 90):8.2f} {pct(values, 99):8.2f}")
        print(f"{'in-process query 01 (floor)':28} {floor:8.2f}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def in_process_floor(n: int) -> float:
    """The same example query on the same in-memory store, no HTTP: the limit we can approach."""
    from ljkg.loading import load
    from ljkg.store.oxigraph import from_files

    loaded = load(ROOT, "http://127.0.0.1:5000/")
    store = from_files(loaded)

    def run():
        list(store.query(EXAMPLE, base_iri="http://127.0.0.1:5000/", use_default_graph_as_union=True))

    return statistics.median(timed(run, n))


if __name__ == "__main__":
    main()
