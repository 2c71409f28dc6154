"""Where a serving ljkg's memory is, process by process, while clients run the benchmark's query mix.

bench/compare.py reports one figure, the peak PSS of the whole process tree. This script starts one ljkg
server (any arguments after `--` go to `ljkg serve`), runs the same query mix with N clients for a while
(optionally with the benchmark's slow query looped beside it), samples every process's PSS twice a second,
and prints the tree when ready, at its peak, and after the load: which process holds what.

    python bench/query_memory.py --root DATA_ROOT -- --store STORE_DIR --base-uri http://bench.ljkg.example/
    python bench/query_memory.py --root DATA_ROOT --slow -- --store STORE_DIR --query-processes 8 ...

The queries are drawn from the data root with the benchmark's own workload (bench/workload/*.rq); answers
are not checked here (bench/compare.py does that).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_procs as procs  # noqa: E402
from compare_http import free_port  # noqa: E402
from compare_workload import WORKLOAD_DIR, build, reference_store  # noqa: E402

DEFAULT_BASE = "http://bench.ljkg.example/"


def private_mib(pid: int) -> tuple[int, int]:
    """(PSS, Private_Dirty) of a process in MiB, (0, 0) once it is gone."""
    found = {"Pss": 0, "Private_Dirty": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name = line.split(":")[0]
            if name in found:
                found[name] = int(line.split()[1]) // 1024
    except OSError:
        pass
    return found["Pss"], found["Private_Dirty"]


def snapshot(root_pid: int) -> list[tuple[int, int, int]]:
    return [(pid, *private_mib(pid)) for pid in procs.tree([root_pid])]


def show(label: str, rows: list[tuple[int, int, int]], root_pid: int) -> None:
    print(f"{label}: {sum(r[1] for r in rows):,} MiB PSS in {len(rows)} processes")
    for pid, pss, private in rows:
        role = "serving process" if pid == root_pid else "query process"
        print(f"  {pid:>8}  {role:<16} PSS {pss:>6,} MiB   private dirty {private:>6,} MiB")


def post(url: str, query: str, accept: str, timeout: float) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True, help="a data root made by bench/generate.py")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base IRI the server was given [{DEFAULT_BASE}]")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load [20]")
    parser.add_argument("--per-kind", type=int, default=50, help="query instances per kind [50]")
    parser.add_argument("--slow", action="store_true", help="loop the benchmark's slow query beside the mix")
    parser.add_argument("--ljkg-cmd", default=f"{sys.executable} -m ljkg.cli", help="how to run ljkg")
    parser.add_argument("serve_args", nargs="*", help="after --: arguments for `ljkg serve`")
    args = parser.parse_args()
    if not (args.root / "data").is_dir():
        parser.error(f"{args.root}: no data/ folder (make one with bench/generate.py)")

    store = reference_store(args.root, args.base)
    workload = build(store, args.base, args.per_kind, seed=1, max_rows=2000, budget=5.0)
    queries = [(inst.query, inst.accept) for inst in workload.sequence() if inst.query]
    slow = (WORKLOAD_DIR / "slow-cross-join.rq").read_text(encoding="utf-8").replace("$base", args.base)
    del store
    port = free_port()
    procs.install_cleanup()
    log = Path(f"/tmp/query-memory-{port}.log")
    server = procs.start([*args.ljkg_cmd.split(), "serve", "--port", str(port), *args.serve_args], log)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 120
    while post(url, "ASK {}", "application/sparql-results+json", 2) != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            print(f"the server did not start: {procs.log_tail(log)}", file=sys.stderr)
            return 2
        time.sleep(0.2)
    time.sleep(1)
    show("ready", snapshot(server.pid), server.pid)

    stop = time.monotonic() + args.duration
    statuses: dict[int, int] = {}
    totals: list[int] = []
    peak: list[tuple[int, int, int]] = []
    lock = threading.Lock()

    def client(start: int) -> None:
        index = start
        while time.monotonic() < stop:
            query, accept = queries[index % len(queries)]
            index += args.clients
            status = post(url, query, accept, 30)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    def slow_client() -> None:
        while time.monotonic() < stop:
            post(url, slow, "application/sparql-results+json", 30)

    def sampler() -> None:
        while time.monotonic() < stop:
            rows = snapshot(server.pid)
            totals.append(sum(r[1] for r in rows))
            if totals[-1] >= max(totals):
                peak[:] = rows
            time.sleep(0.5)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads += [threading.Thread(target=sampler)] + ([threading.Thread(target=slow_client)] if args.slow else [])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = statuses.get(200, 0)
    print(f"\n{args.clients} clients, {args.duration:g} s{' with the slow query' if args.slow else ''}: "
          f"{answered} answered, other statuses {({k: v for k, v in statuses.items() if k != 200})}")
    print(f"tree PSS sampled {len(totals)} times: median {statistics.median(totals):,} MiB, "
          f"peak {max(totals):,} MiB")
    show("at the peak", peak, server.pid)
    time.sleep(1)
    show("after the load", snapshot(server.pid), server.pid)
    procs.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
