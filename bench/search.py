"""Full-text index build time and search latency: `python bench/search.py --triples 100k [--clients 8]`.

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


def queries(index: SearchIndex, count: int, seed: int) -> list[str]:
    with sqlite3.connect(f"{index.path.resolve().as_uri()}?mode=ro", uri=True) as db:
        labels = [row[0] for row in db.execute("SELECT display FROM entries WHERE display != '' LIMIT 200000")]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        found = re.findall(r"\w{3,}", rng.choice(labels)) or ["ljubljana"]
        kind = rng.random()
        if kind < 0.4:
            out.append(rng.choice(found))
        elif kind < 0.7:
            word = rng.choice(found)
            out.append(word[: max(3, len(word) // 2)])  # a prefix, as typed
        else:
            out.append(" ".join(rng.sample(found, min(2, len(found)))))
    return out


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", default="100k", help="size for bench/generate.py (10k, 100k, 1m)")
    parser.add_argument("--data", type=Path, help="an existing or wanted data root (default: a temp folder)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--searches", type=int, default=4000)
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
        timed_searches(index, asked[:200], args.clients)  # warm the page cache
        times = sorted(timed_searches(index, asked, args.clients))
        q = statistics.quantiles(times, n=100)
        print(f"triples={triples:,} load={loaded:.1f}s index_build={built:.1f}s (read from store {collected:.1f}s, "
              f"write {built - collected:.1f}s) entries={len(texts):,} file={path.stat().st_size / 2**20:.1f}MiB")
        print(f"searches={len(times)} clients={args.clients} p50={q[49]:.2f}ms p90={q[89]:.2f}ms "
              f"p99={q[98]:.2f}ms max={times[-1]:.2f}ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
