"""Full-text index build time and search latency: `python bench/search.py --triples 100k [--clients 8]
[--processes 2]`.

Generates (or reuses) a synthetic data root with bench/generate.py, bulk-loads it into an in-memory Oxigraph
store (no SHACL: the index is what is measured), builds the search index exactly as the server does
(ljkg.search.collect through the Store interface, then write_index), and times searches from N threads at
once, each with its own read-only connection as request threads have. Queries are words and word prefixes
drawn (seeded) from the indexed labels, plus two-word queries, so each finds something.

Targets (docs/search.md): at 1M triples the index builds in under 30 s, and searches answer with p99 under
20 ms with 8 clients.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from ljkg.checked import metadata_graph_iri  # noqa: E402
from ljkg.iris import Namespaces  # noqa: E402
from ljkg.loading import source_files  # noqa: E402
from ljkg.search import SearchIndex, collect, index_path, write_index  # noqa: E402
from ljkg.store.oxigraph import OxigraphStore, files_by_graph, fill  # noqa: E402

BASE = "http://bench.test/"


def data_root(size: str, out: Path | None) -> Path:
    root = out or Path(tempfile.gettempdir()) / f"ljkg-bench-{size}"
    if not (root / "data").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--triples", size, "--seed", "1",
                        "--out", str(root)], check=True)
    return root


def queries(index: SearchIndex, count: int, seed: int) -> dict[str, list[str]]:
    """Two mixes: words as they occur in labels (the synthetic data repeats a few template words in every
    label, so these hit thousands of resources) and words drawn evenly from the vocabulary (names, as
    people mostly search); each as whole words (40 %), typed prefixes (30 %) and two-word queries (30 %)."""
    with sqlite3.connect(f"{index.path.resolve().as_uri()}?mode=ro", uri=True) as db:
        labels = [label for row in db.execute("SELECT label_sl, label_en FROM docs") for label in row if label]
    rng = random.Random(seed)
    in_labels = [re.findall(r"\w{3,}", label) or ["ljubljana"] for label in labels]
    vocabulary = sorted({w for found in in_labels for w in found})

    def shaped(pick) -> str:
        kind = rng.random()
        if kind < 0.4:
            return pick()
        if kind < 0.7:
            word = pick()
            return word[: max(3, len(word) // 2)]
        return f"{pick()} {pick()}"

    def from_a_label() -> str:
        return rng.choice(rng.choice(in_labels))

    return {"label words": [shaped(from_a_label) for _ in range(count)],
            "vocabulary": [shaped(lambda: rng.choice(vocabulary)) for _ in range(count)]}


def timed_searches(index: SearchIndex, texts: list[str], clients: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    share = [texts[i::clients] for i in range(clients)]
    start = threading.Barrier(clients)

    def client(mine: list[str]) -> None:
        local = []
        start.wait()
        for text in mine:
            began = time.perf_counter()
            index.search(text, prefer="sl", limit=20)
            local.append((time.perf_counter() - began) * 1000)
        with lock:
            times.extend(local)

    threads = [threading.Thread(target=client, args=(m,)) for m in share]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def spread_searches(index: SearchIndex, texts: list[str], clients: int, processes: int) -> list[float]:
    """The clients split over forked processes (as `ljkg serve --processes N` spreads request threads), so
    that one GIL does not serialise the Python part of every search; times come back through a pipe."""
    if processes <= 1:
        return timed_searches(index, texts, clients)
    per = max(1, clients // processes)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.starmap(_in_child, [(index.path, texts[i::processes], per) for i in range(processes)])
    return [t for part in parts for t in part]


def _in_child(path: Path, texts: list[str], clients: int) -> list[float]:
    return timed_searches(SearchIndex(path), texts, clients)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="100k", help="size for bench/generate.py (10k, 100k, 1m)")
    parser.add_argument("--data", type=Path, help="an existing or wanted data root (default: a temp folder)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--searches", type=int, default=4000)
    parser.add_argument("--processes", type=int, default=1, help="split the clients over this many processes")
    args = parser.parse_args(argv)
    root = data_root(args.triples, args.data)
    namespaces = Namespaces(BASE)
    began = time.monotonic()
    files = files_by_graph(source_files(root), lambda folder: namespaces["graph"] + folder)
    store = OxigraphStore(fill(ox.Store(), files, BASE, {}), BASE)
    loaded = time.monotonic() - began
    triples = len(store.store)
    with tempfile.TemporaryDirectory() as folder:
        path = index_path(Path(folder), "bench", BASE)
        began = time.monotonic()
        texts, types = collect(store.select, metadata_graph_iri(namespaces), namespaces["ljo"] + "Sentence")
        collected = time.monotonic() - began
        write_index(path, texts, types)
        built = time.monotonic() - began
        index = SearchIndex(path)
        asked = queries(index, args.searches, seed=1)
        print(f"triples={triples:,} load={loaded:.1f}s index_build={built:.1f}s (read from store {collected:.1f}s, "
              f"write {built - collected:.1f}s) resources={len({i for i, _ in texts}):,} "
              f"file={path.stat().st_size / 2**20:.1f}MiB load_average={os.getloadavg()[0]:.1f}")
        timed_searches(index, asked["vocabulary"][:200], args.clients)  # warm the page cache
        for mix, texts_of_mix in asked.items():
            times = sorted(spread_searches(index, texts_of_mix, args.clients, args.processes))
            q = statistics.quantiles(times, n=100)
            print(f"{mix}: searches={len(times)} clients={args.clients} processes={args.processes} "
                  f"p50={q[49]:.2f}ms p90={q[89]:.2f}ms "
                  f"p99={q[98]:.2f}ms max={times[-1]:.2f}ms load_average={os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
