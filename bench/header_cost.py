"""What one request's Accept costs to negotiate, by size, and what header_uri costs: `python bench/header_cost.py`.

Runs in-process on the negotiation functions a request calls (no server, no cache: every value is
distinct), so the figures are the CPU a long header buys a client, per request.
"""

from __future__ import annotations

import time

from werkzeug.urls import iri_to_uri

from ljkg import formats
from ljkg.http_headers import header_uri
from ljkg.negotiation import _by_accept, _wants_html

REPEAT, ROUNDS = 20, 5  # the best of ROUNDS rounds: the machine may be shared


def accept_of(entries: int) -> str:
    return ", ".join(f"x-unknown/type-{n};q=0.1" for n in range(entries)) + ", text/turtle"


def per_call_ms(call, *args) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(REPEAT):
            call(*args)
        best = min(best, time.perf_counter() - start)
    return best / REPEAT * 1000


def main() -> None:
    print("| Accept bytes | entries | negotiate a resource (ms) | wants_html (ms) |")
    print("|---|---|---|---|")
    for entries in (5, 10, 50, 100, 160):
        accept = accept_of(entries)
        print(f"| {len(accept):,} | {entries + 1} | {per_call_ms(_by_accept, accept, formats.RESOURCE):.2f} | "
              f"{per_call_ms(_wants_html, accept):.2f} |")
    plain, unicode = "http://127.0.0.1:5000/id/place/ljubljana.ttl", "http://127.0.0.1:5000/id/place/žale.ttl"
    print(f"\nheader_uri: an ASCII URI {per_call_ms(header_uri, plain) * 1000:.1f} µs (iri_to_uri on it: "
          f"{per_call_ms(iri_to_uri, plain) * 1000:.1f} µs), an IRI with one non-ASCII character "
          f"{per_call_ms(header_uri, unicode) * 1000:.1f} µs")


if __name__ == "__main__":
    main()
