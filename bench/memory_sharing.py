"""Does a forked query process keep sharing the in-memory store with its parent? Measure it.

The in-memory store's query processes are forked from the serving process so that they share its
Oxigraph store copy-on-write. This script loads a data root into an in-memory pyoxigraph store, forks
one child per query kind, and reads the child's /proc/self/smaps_rollup before and after the query:
Private_Dirty that grows while the child only reads is store memory it no longer shares. It then
times the same scan three times in one child (the first run pays for the page copies) and the cost of a
fork, which is what replacing a query process after each long query would cost.

    python bench/memory_sharing.py --root /tmp/ljkg-bench/data-1m-seed1-8034f69d5cae
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

GRAPH = ox.NamedNode("http://bench.ljkg.example/graph")
QUERIES = {
    "point lookup": "SELECT * WHERE { GRAPH ?g { <http://bench.ljkg.example/nothing> ?p ?o } }",
    "count every quad": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "label search": "SELECT ?s WHERE { GRAPH ?g { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
                    "FILTER(CONTAINS(LCASE(?l), 'no such text')) } }",
}


def memory_mib() -> dict[str, int]:
    """This process's Rss, Pss and private/shared dirty pages, in MiB."""
    wanted = ("Rss", "Pss", "Shared_Dirty", "Private_Dirty")
    found = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name = line.split(":")[0]
        if name in wanted:
            found[name] = int(line.split()[1]) // 1024
    return found


def in_child(work: Callable[[], str]) -> str:
    """Run `work` in a forked child and return what it reports (the parent's memory stays untouched)."""
    reading, writing = os.pipe()
    sys.stdout.flush()  # or the child's exit would print the parent's buffered lines again
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.close(reading)
            os.write(writing, work().encode())
            status = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(status)  # never run on into the parent's code
    os.close(writing)
    report = b""
    while chunk := os.read(reading, 65536):
        report += chunk
    os.close(reading)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit(f"the measuring child failed (wait status {status})")
    return report.decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True, help="a data root (ontology/ and data/ with .ttl files)")
    args = parser.parse_args()
    files = sorted(Path(args.root).glob("ontology/*.ttl")) + sorted(Path(args.root).glob("data/*.ttl"))
    if not files:
        parser.error(f"{args.root} has no ontology/*.ttl or data/*.ttl: give a data root "
                     "(bench/generate.py writes one)")
    store = ox.Store()
    started = time.monotonic()
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri="http://bench.ljkg.example/",
                        to_graph=GRAPH)
    print(f"loaded {len(store):,} quads in {time.monotonic() - started:.1f} s; parent: {memory_mib()}")

    print("\n| query (in a fresh child) | seconds | Private_Dirty before → after (MiB) | Pss after (MiB) |")
    print("|---|---|---|---|")
    for name, query in QUERIES.items():
        def run(query: str = query, name: str = name) -> str:
            before = memory_mib()
            began = time.monotonic()
            rows = len(list(store.query(query)))
            took = time.monotonic() - began
            after = memory_mib()
            return (f"| {name} ({rows} rows) | {took:.3f} | {before['Private_Dirty']} → {after['Private_Dirty']} "
                    f"| {after['Pss']} |")
        print(in_child(run))

    def three_scans() -> str:
        times = []
        for _ in range(3):
            began = time.monotonic()
            len(list(store.query(QUERIES["count every quad"])))
            times.append(f"{time.monotonic() - began:.3f}")
        return ", ".join(times)
    print(f"\nthe same scan three times in one fresh child (s): {in_child(three_scans)}")

    began = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    print(f"one fork of this process: {(time.monotonic() - began) * 1000:.1f} ms")
    os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
