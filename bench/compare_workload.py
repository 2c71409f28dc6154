"""The mixed workload of bench/compare.py and the reference every answer is checked against.

Why a reference: a server that answers fast and wrong must not look fast. Every query instance is first
evaluated in-process with pyoxigraph on the same files (same base IRI, same named graphs, union default
graph), and every HTTP answer is compared with that: SELECT as a multiset of rows of terms (or a list when
the ORDER BY is total), CONSTRUCT as a graph, DESCRIBE and dereferenced JSON-LD as "contains every
outgoing triple of the subject" (engines differ in what else they describe). A wrong answer is an error.

Templates live in bench/workload/*.rq: a `# kind:` header names the kind, `# pool:` the parameter pool
(bench/workload/pool-*.rq, a SELECT over the data whose variables fill ${...} placeholders) and
`# check:` the comparison. Instances are drawn from the pools with a fixed seed, so every target gets
the same requests and caches cannot make the run trivial.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import pyoxigraph as ox

WORKLOAD_DIR = Path(__file__).resolve().parent / "workload"
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
INTEGER_TYPES = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                   "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                   "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
DECIMAL_TYPES = {XSD + t for t in ("decimal", "double", "float")}
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
DEREF_KINDS = {
    "deref-html": ("resource as HTML (dereference)", "text/html", "html"),
    "deref-jsonld": ("resource as JSON-LD (dereference)", "application/ld+json", "jsonld"),
}
GRAPH_CHECKS = {"graph", "describe"}
MIN_INSTANCES = 10

Term = tuple


# ---- terms ------------------------------------------------------------------------------------------------

def literal_key(value: str, lang: str | None, datatype: str | None) -> Term:
    """A literal as a comparable tuple; numbers compare by value (engines differ in canonical forms)."""
    if lang:
        return ("L", value, lang.lower(), RDF_LANGSTRING)
    datatype = datatype or XSD_STRING
    if datatype in INTEGER_TYPES:
        with contextlib.suppress(ValueError):
            value = str(int(value))
    elif datatype in DECIMAL_TYPES:
        with contextlib.suppress(ValueError):
            value = repr(float(value))
    return ("L", value, "", datatype)


def ox_key(term: Any) -> Term | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("I", term.value)
    if isinstance(term, ox.BlankNode):
        return ("B",)
    if isinstance(term, ox.Literal):
        return literal_key(term.value, term.language, term.datatype.value)
    return ("T", str(term))  # RDF-star triple terms: not in our data


def json_key(binding: dict | None) -> Term | None:
    if binding is None:
        return None
    kind = binding.get("type")
    if kind == "uri":
        return ("I", binding["value"])
    if kind == "bnode":
        return ("B",)
    if kind in ("literal", "typed-literal"):
        return literal_key(binding["value"], binding.get("xml:lang"), binding.get("datatype"))
    return ("T", json.dumps(binding, sort_keys=True))


def triple_key(t: Any) -> tuple:
    return (ox_key(t.subject), ox_key(t.predicate), ox_key(t.object))


# ---- templates and instances ---------------------------------------------------------------------------

@dataclass
class QueryTemplate:
    kind: str
    title: str
    pool: str
    check: str
    role: str
    text: str
    path: Path

    def render(self, base: str, params: dict[str, str]) -> str:
        """The query with its parameters filled in and its comment lines dropped (they are for people)."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        return Template(body).substitute(base=base, **params).strip() + "\n"


def _headers(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"#\s*(kind|title|pool|check|role):\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def read_templates(folder: Path = WORKLOAD_DIR) -> tuple[list[QueryTemplate], dict[str, str], QueryTemplate | None]:
    """(mix templates in file order, pool queries by name, the slow query)."""
    templates: list[QueryTemplate] = []
    pools: dict[str, str] = {}
    slow = None
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        h = _headers(text)
        if "pool" in h and "kind" not in h:
            pools[h["pool"]] = text
            continue
        if "kind" not in h:
            raise ValueError(f"{path}: no '# kind:' header")
        t = QueryTemplate(h["kind"], h.get("title", h["kind"]), h.get("pool", ""), h.get("check", "multiset"),
                      h.get("role", "mix"), text, path)
        if t.role == "slow":
            slow = t
        else:
            templates.append(t)
    return templates, pools, slow


@dataclass
class Instance:
    kind: str
    index: int
    check: str
    accept: str
    query: str | None = None  # SPARQL kinds
    path: str | None = None  # dereference kinds: the request path
    iri: str | None = None  # the subject, for describe/jsonld/html checks
    expected: Any = None
    expected_rows: int = 0

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.index)


@dataclass
class Workload:
    base: str
    kinds: list[str]  # SPARQL kinds in the mix, in file order
    titles: dict[str, str]
    instances: dict[str, list[Instance]]
    slow_query: str | None
    notes: list[str] = field(default_factory=list)
    build_seconds: float = 0.0

    def sequence(self, deref: bool = False) -> list[Instance]:
        """Kinds interleaved round-robin, each kind's instances in their (seeded) order."""
        kinds = list(DEREF_KINDS) if deref else self.kinds
        kinds = [k for k in kinds if self.instances.get(k)]
        if not kinds:
            return []
        longest = max(len(self.instances[k]) for k in kinds)
        return [self.instances[k][i % len(self.instances[k])] for i in range(longest) for k in kinds]


def reference_store(root: Path, base: str) -> ox.Store:
    """The data root as our publisher loads it: ontology/ and data/ in two named graphs, resolved on base."""
    store = ox.Store()
    for folder in ("ontology", "data"):
        graph = ox.NamedNode(base + "graph/" + folder)
        for path in sorted(p for p in (root / folder).glob("*.ttl") if p.is_file()):
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base, to_graph=graph)
    return store


def run_query(store: ox.Store, query: str, base: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    return store.query(query, base_iri=base, use_default_graph_as_union=True)


def expected_for(store: ox.Store, check: str, query: str | None, base: str, iri: str | None) -> tuple[Any, int]:
    """The reference answer in the form the check compares, and its size."""
    if check in ("describe", "jsonld", "html"):
        return outgoing(store, iri, base)
    result = run_query(store, query, base)
    if check == "graph":
        triples = Counter(triple_key(t) for t in result)
        return triples, sum(triples.values())
    variables = tuple(sorted(v.value for v in result.variables))
    rows = [tuple(ox_key(s[v]) for v in variables) for s in result]
    if check == "ordered":
        return (variables, rows), len(rows)
    return (variables, Counter(rows)), len(rows)


def expected_with_graph(store: ox.Store, workload: Workload, graph: str, triples: list) -> dict[tuple, Any]:
    """Every instance's reference answer with one more named graph in the union (then removed again).

    Our publisher adds its own metadata graph (VoID, DCAT, service description) to the union default
    graph; its answers are checked against the data plus that graph, which is what it publishes.
    """
    name = ox.NamedNode(graph)
    store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
    try:
        return {inst.key: expected_for(store, inst.check, inst.query, workload.base, inst.iri)[0]
                for insts in workload.instances.values() for inst in insts}
    finally:
        store.remove_graph(name)


def outgoing(store: ox.Store, iri: str, base: str) -> tuple[frozenset, int]:
    pairs = frozenset((ox_key(s["p"]), ox_key(s["o"]))
                      for s in run_query(store, f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}", base))
    return pairs, len(pairs)


def build(store: ox.Store, base: str, per_kind: int, seed: int, max_rows: int, budget: float = 10.0,
          folder: Path = WORKLOAD_DIR) -> Workload:
    """Draw up to `per_kind` instances per kind from the pools (fixed seed), each with its reference answer.

    Instances whose reference answer is empty or larger than max_rows are skipped: empty answers would let
    a broken server pass, and huge ones measure the wire instead of the engine (and hit row limits).
    A kind stops drawing (with at least MIN_INSTANCES) once its reference answers took `budget` seconds:
    on 1M triples a label search costs ~0.4 s, and the reference is recomputed for our publisher's
    metadata graph too. Fewer, repeated instances are still uncached: none of the engines caches results.
    """
    t0 = time.perf_counter()
    templates, pools, slow = read_templates(folder)
    pool_rows: dict[str, list[dict[str, str]]] = {}
    for name, text in pools.items():
        result = run_query(store, Template(text).substitute(base=base), base)
        names = [v.value for v in result.variables]
        rows = [{n: s[n].value for n in names if s[n] is not None} for s in result]
        rows.sort(key=lambda r: sorted(r.items()))
        random.Random(f"{seed}:{name}").shuffle(rows)
        pool_rows[name] = rows
    workload = Workload(base, [], {}, {}, slow.render(base, {}) if slow else None)
    for template in templates:
        rows = pool_rows.get(template.pool, [{}] if not template.pool else [])
        chosen: list[Instance] = []
        skipped = 0
        started = time.perf_counter()
        for row in rows:
            if len(chosen) >= per_kind:
                break
            if len(chosen) >= MIN_INSTANCES and time.perf_counter() - started > budget:
                workload.notes.append(f"{template.kind}: {len(chosen)} instances (reference budget of "
                                      f"{budget:g} s reached)")
                break
            query = template.render(base, row)
            iri = row.get("iri")
            expected, size = expected_for(store, template.check, query, base, iri)
            if size == 0 or size > max_rows:
                skipped += 1
                continue
            accept = NTRIPLES if template.check in GRAPH_CHECKS else RESULTS_JSON
            chosen.append(Instance(template.kind, len(chosen), template.check, accept, query=query, iri=iri,
                                   expected=expected, expected_rows=size))
        workload.titles[template.kind] = template.title
        if chosen:
            workload.kinds.append(template.kind)
            workload.instances[template.kind] = chosen
        else:
            workload.notes.append(f"{template.kind}: no instance with 1..{max_rows} reference rows in pool "
                                  f"'{template.pool}' ({len(rows)} candidates); left out of the mix")
        if skipped:
            workload.notes.append(f"{template.kind}: {skipped} pool rows skipped (empty or > {max_rows} rows)")
    # dereferences: the same subjects as point lookups, as request paths under the base
    # (not file-like IRIs such as source/...txt: the server answers those with the file itself)
    subjects = [r["iri"] for r in pool_rows.get("subjects", [])
                if r.get("iri", "").startswith(base) and "." not in r["iri"].rsplit("/", 1)[-1]]
    for kind, (title, accept, check) in DEREF_KINDS.items():
        workload.titles[kind] = title
        chosen = []
        for iri in subjects[:per_kind]:
            expected, size = outgoing(store, iri, base)
            if size:
                chosen.append(Instance(kind, len(chosen), check, accept, path="/" + iri[len(base):], iri=iri,
                                       expected=expected, expected_rows=size))
        workload.instances[kind] = chosen
    workload.build_seconds = time.perf_counter() - t0
    return workload


# ---- checking answers ------------------------------------------------------------------------------------

class Checker:
    """Compares HTTP answers with the reference; verdicts are memoised by (instance, body digest).

    Memoising is sound (the same bytes for the same instance always get the same verdict) and keeps the
    client's CPU for sending requests: after the first pass most checks are one hash and a dict lookup.
    """

    def __init__(self, jsonld_context: Any = None, expected: dict[tuple, Any] | None = None) -> None:
        self.jsonld_context = jsonld_context
        self.expected = expected or {}  # per-target reference answers overriding Instance.expected
        self._memo: dict[tuple, str | None] = {}
        self._lock = threading.Lock()

    def check(self, inst: Instance, status: int, headers: dict[str, str], body: bytes) -> str | None:
        """None when the answer is right, else a short reason (which counts as an error)."""
        if status != 200:
            return f"HTTP {status}"
        key = (inst.key, hashlib.blake2b(body, digest_size=16).digest())
        verdict = self._memo.get(key, "?")
        if verdict != "?":
            return verdict
        try:
            verdict = self._check(inst, headers.get("content-type", ""), body)
        except Exception as exc:  # an unparsable answer is a wrong answer
            verdict = f"unparsable answer: {type(exc).__name__}: {str(exc)[:120]}"
        with self._lock:
            self._memo[key] = verdict
        return verdict

    def _check(self, inst: Instance, content_type: str, body: bytes) -> str | None:
        expected = self.expected.get(inst.key, inst.expected)
        if inst.check in ("multiset", "ordered"):
            return compare_solutions(inst.check, expected, body)
        if inst.check == "html":
            if "text/html" not in content_type:
                return f"content type {content_type!r}, expected text/html"
            if inst.iri.encode() not in body and inst.iri.replace("&", "&amp;").encode() not in body:
                return "the page does not mention the resource IRI"
            return None
        if inst.check == "jsonld":
            triples = parse_jsonld(body, self.jsonld_context, inst.iri)
        else:
            triples = parse_graph(body, content_type)
        if inst.check == "graph":
            got = Counter(triple_key(t) for t in triples)
            if got != expected:
                missing = sum((expected - got).values())
                extra = sum((got - expected).values())
                return f"graph differs: {missing} triples missing, {extra} unexpected"
            return None
        subject = ("I", inst.iri)
        got_pairs = {(triple_key(t)[1], triple_key(t)[2]) for t in triples if triple_key(t)[0] == subject}
        missing = expected - got_pairs
        if missing:
            p, o = sorted(missing)[0]
            return f"{len(missing)} of {len(expected)} outgoing triples missing, e.g. {p[1]} {o}"
        return None


def compare_solutions(check: str, expected: Any, body: bytes) -> str | None:
    document = json.loads(body)
    variables = tuple(sorted(document["head"].get("vars", [])))
    exp_vars, exp_rows = expected
    if variables != exp_vars:
        return f"variables {variables} != {exp_vars}"
    rows = [tuple(json_key(b.get(v)) for v in variables) for b in document["results"]["bindings"]]
    if check == "ordered":
        if rows != exp_rows:
            if sorted(rows, key=repr) == sorted(exp_rows, key=repr):
                return "right rows in the wrong order"
            return f"{len(rows)} rows, expected {len(exp_rows)} (ordered); contents differ"
        return None
    got = Counter(rows)
    if got != exp_rows:
        missing = sum((exp_rows - got).values())
        extra = sum((got - exp_rows).values())
        return f"{sum(got.values())} rows, expected {sum(exp_rows.values())}: {missing} missing, {extra} unexpected"
    return None


def parse_graph(body: bytes, content_type: str) -> list:
    media = content_type.split(";")[0].strip() or NTRIPLES
    fmt = ox.RdfFormat.from_media_type(media)
    if fmt is None:
        try:  # say what the body really is: rdflib-endpoint sends DESCRIBE as RDF/XML labelled as results
            ox.parse(body, format=ox.RdfFormat.RDF_XML)
            sniffed = " (the body is RDF/XML)"
        except (SyntaxError, ValueError):
            sniffed = ""
        raise ValueError(f"a graph answered with the non-RDF content type {media!r}{sniffed}")
    return [q.triple for q in ox.parse(body, format=fmt)]


def parse_jsonld(body: bytes, context: Any, base: str) -> list:
    """JSON-LD with its remote context (a URL the parser cannot fetch) replaced by the fetched document."""
    document = json.loads(body)
    if context is not None:
        document = _inline_context(document, context)
    return [q.triple for q in ox.parse(json.dumps(document).encode(), format=ox.RdfFormat.JSON_LD, base_iri=base)]


def _inline_context(node: Any, context: Any) -> Any:
    if isinstance(node, dict):
        return {k: (context if k == "@context" and isinstance(v, str) else _inline_context(v, context))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_context(v, context) for v in node]
    return node


# ---- the check must be able to fail -----------------------------------------------------------------------

def self_test(store: ox.Store, workload: Workload) -> list[str]:
    """Feed the checker right and deliberately wrong answers built from the reference; return failures.

    An empty list means: every right answer passed and every wrong one was caught.
    """
    problems: list[str] = []
    checker = Checker()
    for kind in workload.kinds:
        inst = workload.instances[kind][0]
        result = run_query(store, inst.query, workload.base)
        if inst.check in GRAPH_CHECKS:
            triples = list(result)
            right = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            wrong = ox.serialize(triples[1:], format=ox.RdfFormat.N_TRIPLES) if len(triples) > 1 else b""
            cases = [(right, None), (wrong, "dropped triple")]
            headers = {"content-type": NTRIPLES}
        else:
            right = result.serialize(format=ox.QueryResultsFormat.JSON)
            doc = json.loads(right)
            bindings = doc["results"]["bindings"]
            cases = [(right, None)]
            if bindings:
                dropped = json.loads(right)
                dropped["results"]["bindings"] = bindings[1:]
                cases.append((json.dumps(dropped).encode(), "dropped row"))
                altered = json.loads(right)
                row = altered["results"]["bindings"][0]
                var = next(iter(row))
                row[var] = {"type": "literal", "value": row[var]["value"] + "-wrong"}
                cases.append((json.dumps(altered).encode(), "altered term"))
            if inst.check == "ordered" and len(bindings) > 1:
                swapped = json.loads(right)
                b = swapped["results"]["bindings"]
                b[0], b[1] = b[1], b[0]
                if b[0] != b[1]:
                    cases.append((json.dumps(swapped).encode(), "swapped rows"))
            headers = {"content-type": RESULTS_JSON}
        for body, wrong_how in cases:
            verdict = checker.check(inst, 200, headers, body)
            if wrong_how is None and verdict is not None:
                problems.append(f"{kind}: the reference's own answer was rejected: {verdict}")
            if wrong_how is not None and verdict is None:
                problems.append(f"{kind}: a wrong answer ({wrong_how}) was accepted")
        if checker.check(inst, 503, headers, right) is None:
            problems.append(f"{kind}: an HTTP error was accepted")
    for inst in workload.instances.get("deref-jsonld", [])[:1]:
        triples = [ox.Triple(ox.NamedNode(inst.iri), s["p"], s["o"])
                   for s in run_query(store, f"SELECT ?p ?o WHERE {{ <{inst.iri}> ?p ?o }}", workload.base)]
        right = ox.serialize(triples, format=ox.RdfFormat.JSON_LD)
        wrong = ox.serialize(triples[1:], format=ox.RdfFormat.JSON_LD)
        headers = {"content-type": "application/ld+json"}
        if checker.check(inst, 200, headers, right) is not None:
            problems.append("deref-jsonld: the reference's own triples as JSON-LD were rejected")
        if checker.check(inst, 200, headers, wrong) is None:
            problems.append("deref-jsonld: JSON-LD missing a triple was accepted")
    for inst in workload.instances.get("deref-html", [])[:1]:
        headers = {"content-type": "text/html; charset=utf-8"}
        if checker.check(inst, 200, headers, f"<a href='{inst.iri}'>x</a>".encode()) is not None:
            problems.append("deref-html: a page naming the resource was rejected")
        if checker.check(inst, 200, headers, b"<p>another page</p>") is None:
            problems.append("deref-html: a page not naming the resource was accepted")
    return problems


# ---- the in-process floor ------------------------------------------------------------------------------

def floor_query(store: ox.Store, inst: Instance, base: str) -> int:
    """Evaluate and materialise one instance in-process (no HTTP, no serialisation): the floor."""
    result = run_query(store, inst.query, base)
    if isinstance(result, ox.QuerySolutions):
        return sum(1 for s in result for _ in s)
    return sum(1 for _ in result)
