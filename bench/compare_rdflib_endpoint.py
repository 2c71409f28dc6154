"""Serve a data root with rdflib-endpoint, the way our publisher lays it out, for bench/compare.py.

Why not `rdflib-endpoint serve FILES`: its CLI parses every file into the default graph and resolves the
relative IRIs of our files against the file's own path (file:///...), so the IRIs would not match ours.
This launcher uses the package's own SparqlEndpoint app on an rdflib Dataset with default_union=True
(what the CLI builds too), but parses ontology/ and data/ into the named graphs graph/ontology and
graph/data, resolved against --base, so every engine in the comparison holds the same quads and answers
the same queries over the union default graph.

    python bench/compare_rdflib_endpoint.py --root DIR --base B --port P
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from rdflib import Dataset, URIRef


def build_dataset(root: Path, base: str) -> Dataset:
    dataset = Dataset(default_union=True)
    for folder in ("ontology", "data"):
        graph = dataset.graph(URIRef(base + "graph/" + folder))
        for path in sorted(p for p in (root / folder).glob("*.ttl") if p.is_file()):
            graph.parse(path, format="turtle", publicID=base)
    return dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--base", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    t0 = time.perf_counter()
    dataset = build_dataset(args.root, args.base)
    print(f"parsed {len(dataset)} triples in {time.perf_counter() - t0:.1f} s", flush=True)
    app = SparqlEndpoint(graph=dataset, path="/sparql", title="ljkg benchmark", cors_enabled=False)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    sys.exit(main())
