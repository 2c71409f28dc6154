"""How fast is our SHACL validation, and does a faster validator give the same report? Case by case, then timed.

Three validators of the same shapes and data:
- ours: `ljkg.validation.validate_graph`, pyshacl with the data graph's SPARQL answered by Oxigraph;
- pyshacl: pyshacl alone over the rdflib graph, as a user would run it (the comparison for our speed);
- pyrudof: rudof's Rust engine (`pip install -e '.[bench]'`), a candidate replacement.
First every broken-graph case of tests/shapes/cases/ (each added to the real data, as tests/test_shapes.py
does) is validated by ours and pyrudof, and their (focus node, source shape) pairs compared: a validator
that misses a case cannot replace pyshacl, however fast it is. Then each validator chosen is timed on the
real data and on a data root (e.g. from bench/generate.py), wall and CPU seconds, with its result count.
tests/test_shapes.py checks that ours and pyshacl alone give the same full report.

    python bench/validators.py                                   # the cases + the real data
    python bench/validators.py --root /tmp/ljkg-100k --with pyshacl,pyrudof    # + timing on a generated root
    python bench/validators.py --root /tmp/ljkg-1m --with '' --processes 1,2      # ours in 1, then 2 processes
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from functools import partial
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ljkg.loading import load  # noqa: E402
from ljkg.validation import read_report, validate_graph  # noqa: E402

BASE = "http://ljkg.test/"
Results = set[tuple[str, str]]


def pyshacl_results(data: Graph, shapes: Graph, processes: int = 1) -> Results:
    return {(v.focus, v.source_shape) for v in validate_graph(data, shapes, processes).violations}


def pyshacl_alone_results(data: Graph, shapes: Graph) -> Results:
    from pyshacl import validate

    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                        allow_warnings=True)
    return {(v.focus, v.source_shape) for v in read_report(report)}


def pyrudof_results(turtle_documents: list[str], shapes: Graph) -> Results:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    for i, document in enumerate(turtle_documents):
        rudof.read_data(document, base=BASE, merge=i > 0, reader_mode=pyrudof.ReaderMode.Strict)
    rudof.read_shacl(shapes.serialize(format="turtle"), base=BASE)
    return {(entry.focus_node, entry.source_shape) for entry in rudof.validate_shacl()}


def compare_cases() -> tuple[int, list[str]]:
    """Every shape case: do both validators find the same (focus, shape) results?"""
    from test_shapes import CASES

    loaded = load(ROOT, BASE)
    base_graph = loaded.union()
    base_turtle = base_graph.serialize(format="turtle")
    prefixes = "".join(f"@prefix {p}: <{n}> .\n" for p, n in base_graph.namespaces())
    disagreements = []
    for case in CASES:
        text = case.read_text(encoding="utf-8")
        graph = Graph()
        graph += base_graph
        graph.parse(data=prefixes + text, format="turtle", publicID=BASE)
        ours = pyshacl_results(graph, loaded.shapes)
        theirs = pyrudof_results([base_turtle, prefixes + text], loaded.shapes)
        if {f for f, _ in ours} != {f for f, _ in theirs}:
            missing = sorted(s for _f, s in ours - theirs)
            disagreements.append(f"{case.parent.name}/{case.name}: pyrudof misses {missing or '-'}, "
                                 f"adds {sorted(s for _f, s in theirs - ours) or '-'}")
    return len(CASES), disagreements


def cpu_seconds() -> float:
    """This process's CPU time and that of its finished children (the forked validation processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def time_root(root: Path, others: list[str], processes: list[int]) -> None:
    loaded = load(root, BASE)
    data = loaded.union()
    runs = {"ours" if n == processes[0] else f"ours×{n}": partial(pyshacl_results, data, loaded.shapes, n)
            for n in processes}
    if "pyshacl" in others:
        runs["pyshacl"] = lambda: pyshacl_alone_results(data, loaded.shapes)
    if "pyrudof" in others:
        files = [p.read_text(encoding="utf-8") for p in loaded.files if p.parent.name in ("ontology", "data")]
        runs["pyrudof"] = lambda: pyrudof_results(files, loaded.shapes)
    print(f"{root}: {len(data)} triples")
    seconds = {}
    for name, run in runs.items():
        wall, cpu = time.perf_counter(), cpu_seconds()
        results = run()
        seconds[name] = time.perf_counter() - wall
        print(f"  {name:8s} {len(results):6d} results in {seconds[name]:7.1f} s wall, "
              f"{cpu_seconds() - cpu:7.1f} s CPU"
              + (f"  ({seconds[name] / seconds['ours']:.1f}x ours)" if name != "ours" else ""), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="also time both validators on this data root")
    parser.add_argument("--with", dest="others", default="pyshacl",
                        help="validators timed beside ours, comma-separated: pyshacl, pyrudof (default: pyshacl)")
    parser.add_argument("--processes", default="1",
                        help="ours in this many processes, comma-separated, each timed (default: 1; the first is "
                             "the one the others are compared with)")
    args = parser.parse_args()
    processes = [int(n) for n in args.processes.split(",")]
    total, disagreements = compare_cases()
    print(f"shape cases: {total - len(disagreements)} of {total} agree")
    for line in disagreements:
        print("  " + line)
    others = [name for name in args.others.split(",") if name]
    time_root(ROOT, others, [1])
    if args.root:
        time_root(args.root, others, processes)


if __name__ == "__main__":
    main()
