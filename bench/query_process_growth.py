"""Which request kind makes the query processes grow? `python bench/query_process_growth.py --kind slow-query`

bench/soak.py reports one figure, the PSS of the whole process tree. This script starts `python server.py`
on the project's data, has --clients threads send one kind of request only (a hostile kind of
bench/soak.py, `examples` for its normal requests, `mix` for both as it sends them) for --seconds, and
samples every second, for each process below the server (its query zygote, ljkg/zygote.py, and the
query processes): its pid, PSS, RSS and private memory
(/proc/PID/smaps_rollup). It prints how many query processes there were at each sample (alive, and
zombies), how many distinct ones it saw (each replacement is a new pid), and the tree's PSS in the first
third vs the last third, per request sent.

    python bench/query_process_growth.py --kind slow-query --seconds 60
    python bench/query_process_growth.py --kind mix --clients 8 --seconds 90

Results go to bench/results/growth-<kind>-<label>.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare_procs as procs  # noqa: E402
from fairness import session_from, start_server, subjects  # noqa: E402
from latency import free_port  # noqa: E402
from soak import hostile_requests, normal_request  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def rollup(pid: int) -> dict[str, int]:
    """KiB by smaps_rollup field (Rss, Pss, Private_Dirty, ...); empty for a process that is gone."""
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    fields[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        pass
    return fields


def state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def client(url: str, iris: list[str], kind: str, stop: threading.Event, sent: Counter, lock: threading.Lock,
           seed: int) -> None:
    rng = random.Random(seed)
    session = session_from(f"127.0.0.{10 + seed}")
    while not stop.is_set():
        if kind == "mix":  # bench/soak.py's mix: one request in 20 hostile
            name, method, target, kwargs = (rng.choice(hostile_requests(url)) if rng.randrange(20) == 0
                                            else normal_request(url, iris, rng))
        elif kind == "examples":
            name, method, target, kwargs = normal_request(url, iris, rng)
        else:
            name, method, target, kwargs = next(r for r in hostile_requests(url) if r[0] == kind)
        try:
            status: int | str = session.request(method, target, timeout=30, **kwargs).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
            session = session_from(f"127.0.0.{10 + seed}")
        with lock:
            sent[f"{name} {status}"] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="slow-query",
                        help="a hostile kind of bench/soak.py, 'examples' (its normal requests) or 'mix' (both)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--label", default="default")
    parser.add_argument("server_args", nargs="*", help="extra server flags, after --")
    args = parser.parse_args()
    kinds = [r[0] for r in hostile_requests("http://x/")] + ["examples", "mix"]
    if args.kind not in kinds:
        raise SystemExit(f"--kind must be one of {', '.join(kinds)}")
    procs.install_cleanup()
    RESULTS.mkdir(exist_ok=True)
    port = free_port()
    proc = start_server(ROOT, port, args.server_args, Path(f"/tmp/ljkg-growth-{port}.log"))
    url = f"http://127.0.0.1:{port}/"
    iris = [iri for iri in subjects(url + "sparql", 2000) if iri.startswith(url)] or [url]
    sent: Counter = Counter()
    lock, stop = threading.Lock(), threading.Event()
    threads = [threading.Thread(target=client, args=(url, iris, args.kind, stop, sent, lock, seed), daemon=True)
               for seed in range(args.clients)]
    samples: list[dict] = []
    seen: set[int] = set()
    try:
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while (elapsed := time.monotonic() - started) < args.seconds:
            children = [pid for pid in procs.tree([proc.pid]) if pid != proc.pid]  # the zygote, its processes
            seen.update(children)
            per = {pid: rollup(pid) for pid in children}
            samples.append({
                "t": round(elapsed, 1),
                "serving_pss": (serving := rollup(proc.pid)).get("Pss", 0),
                "serving_rss": serving.get("Rss", 0),
                "alive": sum(1 for pid in children if state(pid) not in ("Z", "gone")),
                "zombies": sum(1 for pid in children if state(pid) == "Z"),
                "children": {pid: {k: per[pid].get(k, 0) for k in ("Rss", "Pss", "Private_Dirty", "Shared_Dirty",
                                                                   "Shared_Clean", "Anonymous")}
                             for pid in children},
            })
            time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
    finally:
        procs.stop(proc)

    def tree(sample: dict) -> int:
        return sample["serving_pss"] + sum(c["Pss"] for c in sample["children"].values())

    third = args.seconds / 3
    first = [tree(s) for s in samples if s["t"] < third]
    last = [tree(s) for s in samples if s["t"] >= 2 * third]
    requests_sent = sum(sent.values())
    growth_kib = statistics.mean(last) - statistics.mean(first) if first and last else 0.0
    result = {
        "kind": args.kind, "clients": args.clients, "seconds": args.seconds, "server_args": args.server_args,
        "answers": dict(sent), "distinct_query_processes": len(seen),
        "most_alive_at_once": max((s["alive"] for s in samples), default=0),
        "most_zombies_at_once": max((s["zombies"] for s in samples), default=0),
        "tree_pss_mib": {"first_third": round(statistics.mean(first) / 1024, 1) if first else None,
                         "last_third": round(statistics.mean(last) / 1024, 1) if last else None},
        "growth_kib_per_request": round(growth_kib / max(1, requests_sent), 1),
        "every_10_s": [{"t": s["t"], "tree_pss_mib": round(tree(s) / 1024, 1),
                        "serving_pss_mib": round(s["serving_pss"] / 1024, 1),
                        "serving_rss_mib": round(s["serving_rss"] / 1024, 1), "alive": s["alive"],
                        "zombies": s["zombies"],
                        "query_processes": {pid: {k: round(v / 1024, 1) for k, v in c.items()}
                                            for pid, c in s["children"].items()}}
                       for s in samples if int(s["t"]) % 10 == 0],
    }
    out = RESULTS / f"growth-{args.kind}-{args.label}.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
