"""Latency of /browse/<class> lists and of the resource pages that tell the story:
`python bench/browse.py [--data DIR] [--requests N]`.

Starts `python server.py` on a free loopback port (on DIR, e.g. a root written by bench/generate.py; the
project's browse.toml is copied in when DIR has none, so the facets are the same), then times N sequential
requests of each kind and prints p50/p90/p99 in milliseconds. What it answers: whether a list page with its
facet counts (four SPARQL queries) stays as cheap as a resource page as the graph grows.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import requests
from latency import free_port, pct, timed, wait_until_serving

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    if not (args.data / "browse.toml").exists():
        shutil.copy(ROOT / "browse.toml", args.data / "browse.toml")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port), "--data", str(args.data)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_serving(base, proc)
        s = requests.Session()
        html = {"Accept": "text/html"}
        # no cache sits in front of /browse, so every request is answered by the store
        cases = {
            "list schema:Event (HTML)": lambda: s.get(base + "browse/schema:Event", headers=html),
            "list + facet (JSON)": lambda: s.get(base + "browse/schema:Event.json",
                                                 params={"status": base + "ontology/EventPlanned"}),
            "list org:Membership (CSV)": lambda: s.get(base + "browse/org:Membership.csv"),
            "list, offset 1000": lambda: s.get(base + "browse/time:Instant.json", params={"offset": 1000}),
            # rendered once, then kept (Publication.representations): what a reader gets after the first
            "resource page (kept, MOL)": lambda: s.get(base + "id/organisation/mol", params={"lang": "sl"},
                                                       headers=html),
        }
        for fn in cases.values():
            assert fn().status_code == 200
            timed(fn, 3)
        print(f"{'request':28} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
        for name, fn in cases.items():
            values = timed(fn, args.requests)
            print(f"{name:28} {statistics.median(values):8.2f} {pct(values, 90):8.2f} {pct(values, 99):8.2f}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
