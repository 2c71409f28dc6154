"""What the query processes' seccomp sandbox costs: pool start-up, and a small query through the pool.

    python bench/sandbox_cost.py [--queries 300] [--rounds 3]

The embedded dataset in memory, a real query pool (the server's evaluate), started with the network
allowed (no filter, as with --allow-remote) and without (the filter loaded after each fork); the two
alternate, and which goes first alternates too, so the load of a shared machine falls on both alike.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ljkg.loading import load  # noqa: E402
from ljkg.sparql import Limits, QueryJob, evaluate  # noqa: E402
from ljkg.store.oxigraph import OxigraphStore, from_files  # noqa: E402

BASE = "http://bench.ljkg.example/"
QUERY = (ROOT / "queries").glob("01-*.rq")


def _evaluate(store, job, *, limits):
    return evaluate(store, job, BASE, limits, jsonld=None, prefixes={})


def one_round(data, network: bool, queries: int, text: str) -> tuple[float, list[float]]:
    store = OxigraphStore(data, BASE)
    started = time.perf_counter()
    store.start_pool(partial(_evaluate, limits=Limits(10_000, allow_remote=network)), size=2, timeout=10,
                     processes=2, network=network)
    start_ms = (time.perf_counter() - started) * 1000
    job = QueryJob(text, accept="application/json")
    times = []
    try:
        for _ in range(queries):
            began = time.perf_counter()
            store.sparql(job)
            times.append((time.perf_counter() - began) * 1000)
    finally:
        store.close()
    return start_ms, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    data = from_files(load(ROOT, BASE))
    text = next(iter(sorted(QUERY))).read_text(encoding="utf-8")
    results: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
    for index in range(options.rounds):
        for network in ((True, False) if index % 2 == 0 else (False, True)):
            start_ms, times = one_round(data, network, options.queries, text)
            results[network][0].append(start_ms)
            results[network][1].extend(times)
    print("| query processes | pool start, 2 processes (ms, median) | query 01 p50 (ms) | p90 (ms) |")
    print("|---|---|---|---|")
    for network, label in ((True, "no filter (--allow-remote)"), (False, "sandboxed (default)")):
        starts, times = results[network]
        deciles = statistics.quantiles(times, n=10)
        print(f"| {label} | {statistics.median(starts):.1f} | {statistics.median(times):.2f} | {deciles[8]:.2f} |")


if __name__ == "__main__":
    main()
