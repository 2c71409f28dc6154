"""Full-text index build time and search latency: `python bench/search.py --triples 100k [--clients 8]
[--processes 2]`.

Generates (or reuses) a synthetic data root with bench/generate.py, bulk-loads it into an in-memory Oxigraph
store (no SHACL: the index is what is measured), builds the search index exactly as the server does
(ljkg.search.collect through the Store interface, then write_index), and times searches from N threads at
once, each with its own read-only connection as request threads have. Four mixes of distinct query texts
drawn (seeded) from the indexed labels (see `queries`). `--index FILE` keeps the index; run again with the
same FILE to measure it without loading or building (the file must be of the current `SCHEMA`).

Targets (docs/search.md): at 1M triples the index builds in under 30 s, and searches answer with p99 under
20 ms with 8 clients.
"""

from __future__ import annotations

import argparse
import gc
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
from collections import Counter
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
    """Four mixes of distinct query texts (no text is asked twice, so no cache of any kind could help):
    **names**, whole words drawn evenly from the distinct label words (what people mostly search);
    **common words**, one to three of the words in at least 1 % of the labels (the generator's template
    words, "sintetičnega", "Membership": each in thousands of labels at 1M), possibly with a name;
    **prefixes**, a word of a label cut short as while typing (2 characters to one less than the word);
    **completion**, the same kind of prefix after zero to two whole words, sent to `complete`."""
    with sqlite3.connect(f"{index.path.resolve().as_uri()}?mode=ro", uri=True) as db:
        labels = [label for row in db.execute("SELECT label_sl, label_en FROM docs") for label in row if label]
    rng = random.Random(seed)
    in_labels = [re.findall(r"\w{3,}", label) or ["ljubljana"] for label in labels]
    frequency = Counter(w.lower() for found in in_labels for w in set(found))
    vocabulary = sorted({w for found in in_labels for w in found})
    common = sorted({w for found in in_labels for w in found if frequency[w.lower()] >= len(labels) / 100})

    def distinct(make) -> list[str]:
        out: dict[str, None] = {}
        for _ in range(count * 20):
            out.setdefault(make(), None)
            if len(out) == count:
                break
        return list(out)

    def cut(word: str) -> str:
        return word[: rng.randint(2, max(2, len(word) - 1))]

    def common_words() -> str:
        picked = [rng.choice(common) for _ in range(rng.randint(1, 3))]
        return " ".join(picked + ([rng.choice(vocabulary)] if rng.random() < 0.3 else []))

    def typed() -> str:
        found = rng.choice(in_labels)
        cut_at = rng.randrange(len(found))
        return " ".join(found[max(0, cut_at - rng.randint(0, 2)):cut_at] + [cut(found[cut_at])])

    return {"names": distinct(lambda: rng.choice(vocabulary)),
            "common words": distinct(common_words),
            "prefixes": distinct(lambda: cut(rng.choice(rng.choice(in_labels)))),
            "completion": distinct(typed)}


def timed_searches(index: SearchIndex, texts: list[str], clients: int, complete: bool = False) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()
    share = [texts[i::clients] for i in range(clients)]
    start = threading.Barrier(clients)

    def client(mine: list[str]) -> None:
        local = []
        start.wait()
        for text in mine:
            began = time.perf_counter()
            if complete:
                index.complete(text, lang="sl", limit=10)
            else:
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


def spread_searches(index: SearchIndex, texts: list[str], clients: int, processes: int,
                    complete: bool = False) -> list[float]:
    """The clients split over forked processes (as `ljkg serve --processes N` spreads request threads), so
    that one GIL does not serialise the Python part of every search; times come back through a pipe."""
    if processes <= 1:
        return timed_searches(index, texts, clients, complete)
    per = max(1, clients // processes)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.starmap(_in_child, [(index.path, texts[i::processes], per, complete)
                                         for i in range(processes)])
    return [t for part in parts for t in part]


def _in_child(path: Path, texts: list[str], clients: int, complete: bool) -> list[float]:
    return timed_searches(SearchIndex(path), texts, clients, complete)


def measure(index: SearchIndex, args: argparse.Namespace) -> None:
    asked = queries(index, args.searches, seed=1)
    timed_searches(index, asked["names"][:200], args.clients)  # warm the page cache
    for mix, texts_of_mix in asked.items():
        times = sorted(spread_searches(index, texts_of_mix, args.clients, args.processes, mix == "completion"))
        q = statistics.quantiles(times, n=100)
        print(f"{mix}: searches={len(times)} (distinct) clients={args.clients} processes={args.processes} "
              f"p50={q[49]:.2f}ms p95={q[94]:.2f}ms p99={q[98]:.2f}ms max={times[-1]:.2f}ms "
              f"load_average={os.getloadavg()[0]:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="100k", help="size for bench/generate.py (10k, 100k, 1m)")
    parser.add_argument("--data", type=Path, help="an existing or wanted data root (default: a temp folder)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--searches", type=int, default=4000)
    parser.add_argument("--processes", type=int, default=1, help="split the clients over this many processes")
    parser.add_argument("--index", type=Path, help="keep the built index in this file; if it exists, measure it "
                                                   "without loading or building anything")
    args = parser.parse_args(argv)
    if args.index and args.index.is_file():
        index = SearchIndex(args.index)
        print(f"index={args.index} (reused, not built) file={args.index.stat().st_size / 2**20:.1f}MiB "
              f"load_average={os.getloadavg()[0]:.1f}")
        measure(index, args)
        return 0
    root = data_root(args.triples, args.data)
    namespaces = Namespaces(BASE)
    began = time.monotonic()
    files = files_by_graph(source_files(root), lambda folder: namespaces["graph"] + folder)
    store = OxigraphStore(fill(ox.Store(), files, BASE, {}), BASE)
    loaded = time.monotonic() - began
    triples = len(store.store)
    with tempfile.TemporaryDirectory() as folder:
        path = args.index or index_path(Path(folder), "bench", BASE)
        began = time.monotonic()
        texts, types = collect(store.select, metadata_graph_iri(namespaces), namespaces["ljo"] + "Sentence")
        collected = time.monotonic() - began
        write_index(path, texts, types)
        built = time.monotonic() - began
        print(f"triples={triples:,} load={loaded:.1f}s index_build={built:.1f}s (read from store {collected:.1f}s, "
              f"write {built - collected:.1f}s) resources={len({i for i, _ in texts}):,} "
              f"file={path.stat().st_size / 2**20:.1f}MiB load_average={os.getloadavg()[0]:.1f}")
        # the server drops these once the index is written; kept, their millions of Python objects make every
        # full pass of the cycle collector stop all search threads for tens of milliseconds
        del store, texts, types
        gc.collect()
        measure(SearchIndex(path), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
