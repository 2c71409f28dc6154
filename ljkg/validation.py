"""SHACL validation with pyshacl: the start-up gate, the `validate` command and the published report."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef, Variable
from rdflib.query import Result

from .loading import Loaded

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass
class Violation:
    focus: str
    path: str | None
    source_shape: str
    severity: str
    message: str
    value: str | None = None


@dataclass
class Outcome:
    conforms: bool
    report: Graph
    violations: list[Violation]

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "Violation"]


def _str(value) -> str | None:
    return None if value is None else str(value)


def read_report(report: Graph) -> list[Violation]:
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        severity = report.value(result, SH.resultSeverity)
        out.append(Violation(
            focus=str(report.value(result, SH.focusNode)),
            path=_str(report.value(result, SH.resultPath)),
            source_shape=str(report.value(result, SH.sourceShape)),
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            message=_str(report.value(result, SH.resultMessage)) or "",
            value=_str(report.value(result, SH.value)),
        ))
    return sorted(out, key=lambda v: (v.source_shape, v.focus, v.path or "", v.message, v.value or ""))


class OxigraphQueriedGraph(Graph):
    """The data graph as pyshacl sees it: rdflib answers its triple lookups, Oxigraph its SPARQL queries.

    pyshacl evaluates SPARQL targets and SHACL-SPARQL constraints by querying the data graph. In rdflib's
    engine those queries were over 40 % of a validation at 1M triples (the vocabulary target alone scanned
    the graph for 73 s); Oxigraph answers them in a fraction of that. pyshacl's own per-node work stays on
    rdflib's indexes, which answer single lookups faster than a call into Oxigraph would. The graph is a
    view of the caller's store (no copy); Oxigraph gets a copy with the same blank node labels, so a node
    handed back and forth is the same node in both.
    """

    def __init__(self, data: Graph) -> None:
        super().__init__(store=data.store, identifier=data.identifier, namespace_manager=data.namespace_manager)
        self.oxigraph = ox.Store()
        self.oxigraph.bulk_load(data.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        self._prefixes = {prefix: str(iri) for prefix, iri in data.namespaces()}

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs) -> Result:  # noqa: N803
        bindings = initBindings or {}
        head, brace, body = query_object.partition("{") if isinstance(query_object, str) else ("", "", "")
        if not brace or "*" in head or any(isinstance(term, BNode) for term in bindings.values()):
            # SELECT *, or a blank node that a query cannot name: rdflib pre-binds as SHACL says
            return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)
        try:
            answer = self.oxigraph.query(
                head + brace + _inline(body, bindings),
                prefixes={**self._prefixes, **{prefix: str(iri) for prefix, iri in (initNs or {}).items()}},
                substitutions={ox.Variable(str(name)): _to_oxigraph(term) for name, term in bindings.items()
                               if _mentions(head, str(name))} or None,
            )
        except SyntaxError:
            # a constant where only a variable may stand (a subquery projecting $this, GROUP BY $this):
            # rdflib pre-binds it, or reports the query's own syntax error as before
            return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)
        if isinstance(answer, ox.QueryBoolean):
            out = Result("ASK")
            out.askAnswer = bool(answer)
            return out
        if not isinstance(answer, ox.QuerySolutions):
            raise NotImplementedError("pyshacl asked the data graph for a graph result (SHACL rules?)")
        out = Result("SELECT")
        out.vars = [Variable(v.value) for v in answer.variables]
        out.bindings = [{var: _to_rdflib(term) for var, term in zip(out.vars, row, strict=True)
                         if term is not None}
                        for row in answer]
        return out


def _variable(name: str) -> re.Pattern:
    return re.compile(rf"(?<![\w?$])[?$]{re.escape(name)}(?!\w)")


def _mentions(text: str, name: str) -> bool:
    return _variable(name).search(text) is not None


def _inline(body: str, bindings: dict) -> str:
    """Write each pre-bound variable into the query's patterns as the constant it is bound to.

    Oxigraph substitutes a variable only where the SELECT projects it, and it plans the query before
    substituting: `$this ?p ?o` was then planned as a scan of the whole graph, and a constraint took
    100 ms per focus node at 1M triples instead of 0.1 ms. A constant in the text is planned as one (this
    is how SHACL itself inserts $PATH); the projection keeps the variable, which Oxigraph then binds.
    """
    for name, term in bindings.items():
        body = _variable(str(name)).sub(lambda _m, term=term: str(_to_oxigraph(term)), body)
    return body


def _to_oxigraph(term) -> ox.Term:
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    return ox.NamedNode(str(term))


def _to_rdflib(term: ox.Term):
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)  # as rdflib writes a plain literal
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    return URIRef(term.value)


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def validate_graph(data: Graph, shapes: Graph) -> Outcome:
    """pyshacl over ``data``, its SPARQL answered by Oxigraph (`OxigraphQueriedGraph`).

    In place, since pyshacl's copy of the data would be a plain rdflib graph again (and copying a million
    triples took about 15 s); with no inference and no SHACL rules pyshacl adds nothing to the data. Shapes
    with rules get pyshacl's copy (and rdflib's SPARQL), so the caller's graph is never changed.
    """
    from pyshacl import validate as pyshacl_validate  # here: a serving process never validates (checked.py)

    has_rules = (None, SH.rule, None) in shapes
    conforms, report, _text = pyshacl_validate(
        data if has_rules else OxigraphQueriedGraph(data), shacl_graph=shapes, inference="none",
        advanced=True, allow_warnings=True, inplace=not has_rules,
    )
    return Outcome(bool(conforms), report, read_report(report))


def validate(loaded: Loaded) -> Outcome:
    return validate_graph(loaded.union(), loaded.shapes)


def render_text(outcome: Outcome, loaded: Loaded | None = None) -> str:
    """A report for people: counts by class (when the files are at hand), then violations by shape."""
    lines = []
    if loaded is not None:
        union = loaded.union()
        counts: dict[str, int] = defaultdict(int)
        for _s, cls in union.subject_objects(RDF.type):
            counts[union.namespace_manager.normalizeUri(cls)] += 1
        lines += [f"Dataset version {loaded.version}, base {loaded.namespaces.base}",
                  f"{len(union)} triples in {len(loaded.files)} files", "", "Resources by class:"]
        lines += [f"  {n:5d}  {cls}" for cls, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append("")
    if outcome.conforms:
        lines.append("Conforms: yes (no violations).")
    else:
        lines.append(f"Conforms: NO ({len(outcome.violations)} results).")
    by_shape: dict[str, list[Violation]] = defaultdict(list)
    for v in outcome.violations:
        by_shape[v.source_shape].append(v)
    for shape, items in sorted(by_shape.items()):
        lines.append(f"\n{shape}  ({len(items)})")
        for v in items:
            where = f" path {v.path}" if v.path else ""
            lines.append(f"  [{v.severity}] {v.focus}{where}: {v.message}")
    return "\n".join(lines) + "\n"
