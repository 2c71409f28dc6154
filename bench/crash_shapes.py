"""Which query shapes crash Oxigraph, and from what size: each try runs in a throwaway subprocess.

The guard's depth and size limits (ljkg/sparql_tokens.py, docs/query-limits.md) are set well below the
sizes printed here. A query runs as our query processes run it: in a thread of a process (8 MiB stack,
the Linux default), on a store holding a few triples.

    python bench/crash_shapes.py [--max 100000] [--only braces,bind]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = r"""
import sys, threading
import pyoxigraph as ox
store = ox.Store()
ex = "http://example.org/"
store.add(ox.Quad(ox.NamedNode(ex + "s"), ox.NamedNode(ex + "p"), ox.NamedNode(ex + "o")))
query = sys.stdin.read()
def run():
    try:
        result = store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                pass
        print("ok")
    except BaseException as exc:
        print("error", type(exc).__name__, str(exc)[:80])
thread = threading.Thread(target=run)
thread.start()
thread.join()
"""

P = "<http://example.org/p>"
SHAPES = {
    "braces": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "parens": lambda n: "SELECT * WHERE { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "brackets": lambda n: "SELECT * WHERE { ?s ?p " + f"[ {P} " * n + "1" + " ]" * n + " }",
    "collections": lambda n: "SELECT * WHERE { ?s ?p " + "(" * n + "1" + ")" * n + " }",
    "subqueries": lambda n: "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{}" + " }" * n,
    "not-exists": lambda n: "SELECT * WHERE { " + "FILTER NOT EXISTS { " * n + "}" * n + " }",
    "bind": lambda n: "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(n)) + " }",
    "optional": lambda n: "SELECT * WHERE { ?s ?p ?o " + " ".join(f"OPTIONAL {{ ?s ?p ?o{i} }}"
                                                                  for i in range(n)) + " }",
    "union": lambda n: "SELECT * WHERE { " + " UNION ".join("{ ?s ?p ?o }" for _ in range(n)) + " }",
    "minus": lambda n: "SELECT * WHERE { ?s ?p ?o " + " ".join("MINUS { ?s ?p ?o }" for _ in range(n)) + " }",
    "filter": lambda n: "SELECT * WHERE { ?s ?p ?o " + " ".join("FILTER(?o)" for _ in range(n)) + " }",
    "triples": lambda n: "SELECT * WHERE { " + " ".join(f"?s{i} ?p ?o{i} ." for i in range(n)) + " }",
    "or-chain": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join("?o" for _ in range(n)) + ") }",
    "and-chain": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join("?o" for _ in range(n)) + ") }",
    "plus-chain": lambda n: "SELECT * WHERE { BIND(" + " + ".join("1" for _ in range(n)) + " AS ?x) }",
    "not-chain": lambda n: "SELECT * WHERE { FILTER(" + "!" * n + "true) }",
    "minus-sign-chain": lambda n: "SELECT * WHERE { BIND(" + "- " * n + "1 AS ?x) }",
    "path-sequence": lambda n: "SELECT * WHERE { ?s " + "/".join([P] * n) + " ?o }",
    "path-alternative": lambda n: "SELECT * WHERE { ?s " + "|".join([P] * n) + " ?o }",
    "path-parens": lambda n: "SELECT * WHERE { ?s " + "(" * n + P + ")" * n + " ?o }",
    "path-inverse": lambda n: "SELECT * WHERE { ?s " + "^" * n + P + " ?o }",
    "values-rows": lambda n: "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(n)) + " } }",
    "in-list": lambda n: "SELECT * WHERE { ?s ?p ?o FILTER(?o IN (" + ", ".join(str(i) for i in range(n)) + ")) }",
    "concat-args": lambda n: "SELECT * WHERE { BIND(CONCAT(" + ", ".join('"a"' for _ in range(n)) + ") AS ?x) }",
    "exists-nest": lambda n: "SELECT * WHERE { " + "FILTER(EXISTS { " * n + "}) " * n + " }",
    "optional-nest": lambda n: "SELECT * WHERE { " + "OPTIONAL { " * n + "}" * n + " }",
    "graph-nest": lambda n: "SELECT * WHERE { " + "GRAPH ?g { " * n + "}" * n + " }",
    # the guard's two limits at once: 100 nested groups with 500 BINDs in the innermost
    "depth-and-binds": lambda n: "SELECT * WHERE { " + "FILTER NOT EXISTS { " * 100
    + " ".join(f"BIND({i} AS ?v{i})" for i in range(n)) + "}" * 100 + " }",
    "coalesce-nest": lambda n: "SELECT * WHERE { BIND(" + "COALESCE(" * n + "1" + ")" * n + " AS ?x) }",
}


def crashes(query: str, timeout: float) -> str:
    """'crash' (the process died), 'timeout', 'ok' or 'error ...' (refused or failed cleanly)."""
    try:
        done = subprocess.run([sys.executable, "-c", CHILD], input=query, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    if done.returncode != 0 or not done.stdout.strip():
        return f"crash (exit {done.returncode})"
    return done.stdout.strip()


def first_crash(shape, limit: int, max_chars: int, timeout: float) -> tuple[int | None, str]:
    """The smallest size that crashes (binary search between a size that does not and one that does)."""
    low, high = 1, None
    size = 16
    while size <= limit and len(shape(size)) <= max_chars:
        verdict = crashes(shape(size), timeout)
        if verdict.startswith("crash"):
            high = size
            break
        low = size
        size *= 2
    if high is None:
        return None, f"none up to {low} ({crashes(shape(low), timeout)})"
    while high - low > max(1, low // 50):
        middle = (low + high) // 2
        if crashes(shape(middle), timeout).startswith("crash"):
            high = middle
        else:
            low = middle
    return high, f"crashes from about {high}; {low} gives {crashes(shape(low), timeout)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max", type=int, default=100_000, help="largest size to try (default 100000)")
    parser.add_argument("--max-chars", type=int, default=1_000_000, help="longest query text to try")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per try before 'timeout'")
    parser.add_argument("--only", default="", help="comma-separated shape names")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(SHAPES)
    for name in names:
        _, verdict = first_crash(SHAPES[name], args.max, args.max_chars, args.timeout)
        print(f"{name:18} {verdict}", flush=True)


if __name__ == "__main__":
    main()
