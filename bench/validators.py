"""Is there a faster SHACL validator that gives pyshacl's report? Check one against ours, case by case.

pyshacl (our validator, `ljkg.validation.validate_graph`) takes minutes at 100k triples. This script runs
pyrudof (rudof's Rust engine, `pip install -e '.[bench]'`) on the same shapes and data and compares the
two reports by (focus node, source shape): first on every broken-graph case of tests/shapes/cases/ (each
added to the real data, as tests/test_shapes.py does), then on a data root (e.g. from bench/generate.py),
timing both. A validator that misses a case cannot replace pyshacl, however fast it is.

    python bench/validators.py                      # the 95 cases + the real data
    python bench/validators.py --root /tmp/ljkg-100k --skip-pyshacl-root   # + timing on a generated root
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rdflib import Graph

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from ljkg.loading import load  # noqa: E402
from ljkg.validation import validate_graph  # noqa: E402

BASE = "http://ljkg.test/"
Results = set[tuple[str, str]]


def pyshacl_results(data: Graph, shapes: Graph) -> Results:
    return {(v.focus, v.source_shape) for v in validate_graph(data, shapes).violations}


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


def time_root(root: Path, with_pyshacl: bool) -> None:
    loaded = load(root, BASE)
    files = [p.read_text(encoding="utf-8") for p in loaded.files if p.parent.name in ("ontology", "data")]
    started = time.perf_counter()
    theirs = pyrudof_results(files, loaded.shapes)
    print(f"pyrudof  {root}: {len(theirs)} results in {time.perf_counter() - started:.1f} s")
    if with_pyshacl:
        started = time.perf_counter()
        ours = pyshacl_results(loaded.union(), loaded.shapes)
        print(f"pyshacl  {root}: {len(ours)} results in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="also time both validators on this data root")
    parser.add_argument("--skip-pyshacl-root", action="store_true", help="time only pyrudof on --root")
    args = parser.parse_args()
    total, disagreements = compare_cases()
    print(f"shape cases: {total - len(disagreements)} of {total} agree")
    for line in disagreements:
        print("  " + line)
    time_root(ROOT, with_pyshacl=True)
    if args.root:
        time_root(args.root, with_pyshacl=not args.skip_pyshacl_root)


if __name__ == "__main__":
    main()
