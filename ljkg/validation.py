"""SHACL validation with pyshacl: the start-up gate, the `validate` command and the published report."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, BNode, ConjunctiveGraph, Graph, Literal, Namespace, URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from .loading import Loaded

SH = Namespace("http://www.w3.org/ns/shacl#")
log = logging.getLogger(__name__)


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
    view of the caller's store (no copy).

    Oxigraph answers only where its answer is rdflib's: its copy keeps the blank nodes' labels, and it is
    not used if it holds any literal spelt otherwise than rdflib does (Oxigraph lowercases language tags and
    writes numbers, dates and durations in canonical form). A query bound to a blank node or a literal
    (Oxigraph would read the literal in its own form), and any query it cannot take as written, goes to
    rdflib's engine, parsed once per text.
    """

    def __init__(self, data: Graph) -> None:
        super().__init__(store=data.store, identifier=data.identifier, namespace_manager=data.namespace_manager)
        self._data = data
        self._prefixes = {prefix: str(iri) for prefix, iri in data.namespaces()}
        self._prepared: dict = {}
        self._copy: ox.Store | None = None
        self.why_not_oxigraph = ""
        self.by_oxigraph = self.by_rdflib = 0  # queries each engine answered (for the log)

    @property
    def oxigraph(self) -> ox.Store | None:
        """The copy, made at the first query (shapes without SPARQL never pay for it); None if unusable."""
        if self._copy is None and not self.why_not_oxigraph:
            self._copy = self._copy_for_oxigraph()
        return self._copy

    def _copy_for_oxigraph(self) -> ox.Store | None:
        try:
            triples = self._data.serialize(format="nt", encoding="utf-8")
            copy = ox.Store()
            if b"_:" in triples:  # a bulk load would relabel the blank nodes
                copy.bulk_extend(ox.parse(triples, format=ox.RdfFormat.N_TRIPLES, rename_blank_nodes=False))
            else:
                copy.bulk_load(triples, format=ox.RdfFormat.N_TRIPLES)
        except Exception as exc:  # an IRI rdflib took but cannot write, or one Oxigraph refuses
            self.why_not_oxigraph = f"Oxigraph cannot hold the data ({exc})"
            return None
        held = {_oxigraph_spelling(row[0])
                for row in copy.query("SELECT DISTINCT ?o { ?s ?p ?o FILTER isLiteral(?o) }")}
        changed = {_spelling(o) for o in set(self._data.objects()) if isinstance(o, Literal)} - held
        if changed:
            self.why_not_oxigraph = f"Oxigraph would spell {len(changed)} literals otherwise, e.g. {min(changed)}"
            return None
        return copy

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs) -> Result:  # noqa: N803
        bindings = {str(name): term for name, term in (initBindings or {}).items()}
        if (isinstance(query_object, str) and not any(isinstance(t, BNode | Literal) for t in bindings.values())
                and self.oxigraph is not None):
            try:
                prebound = _prebind(query_object, bindings)  # None: SELECT *, or no group pattern
                if prebound is not None:
                    text, projected = prebound
                    answer = _as_result(self.oxigraph.query(
                        text, prefixes={**self._prefixes, **{p: str(iri) for p, iri in (initNs or {}).items()}},
                        substitutions={ox.Variable(name): ox.NamedNode(bindings[name]) for name in projected}
                        or None))
                    self.by_oxigraph += 1
                    return answer
            except (SyntaxError, ValueError, RuntimeError, OSError):
                pass  # a constant where only a variable may stand, a function Oxigraph lacks: rdflib, as before
        self.by_rdflib += 1
        if isinstance(query_object, str):
            key = (query_object, tuple(sorted((initNs or {}).items())))
            if key not in self._prepared:  # pyshacl sends the same text for every focus node
                self._prepared[key] = prepareQuery(query_object, initNs={**dict(self.namespaces()), **(initNs or {})})
            query_object = self._prepared[key]
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


# One pass over a query's text: strings, IRIs and comments are skipped whole, so a "$this" or "{" in them
# is neither a variable nor the start of the pattern. An IRI starts with a scheme, so `<=$max && ?v>` is
# not one; a "#" escaped in a prefixed name (ex:a\#b) starts no comment.
_Q1, _Q2 = "'", '"'
_TOKENS = re.compile(
    rf"(?P<skip>{_Q1 * 3}(?:[^{_Q1}\\]|\\.|{_Q1}(?!{_Q1 * 2}))*{_Q1 * 3}"  # long strings
    rf"|{_Q2 * 3}(?:[^{_Q2}\\]|\\.|{_Q2}(?!{_Q2 * 2}))*{_Q2 * 3}"
    rf"|{_Q1}(?:[^{_Q1}\\\n]|\\.)*{_Q1}|{_Q2}(?:[^{_Q2}\\\n]|\\.)*{_Q2}"  # strings
    r'|<[A-Za-z][A-Za-z0-9+.-]*:[^<>"{}|^`\\\s]*>'  # IRIs
    r"|(?<!\\)\#[^\n]*)"  # comments
    r"|(?P<var>[?$]\w+)|(?P<brace>\{)|(?P<star>\*)"
)


def _prebind(text: str, bindings: dict[str, URIRef]) -> tuple[str, set[str]] | None:
    """Write each pre-bound variable into the query's pattern as the constant it is bound to.

    Oxigraph substitutes a variable only where the SELECT projects it, and it plans the query before
    substituting: `$this ?p ?o` was then planned as a scan of the whole graph, and a constraint took
    100 ms per focus node at 1M triples instead of 0.1 ms. A constant in the text is planned as one (this
    is how SHACL itself inserts $PATH). Before the first "{" (the projection) the variables stay, for
    Oxigraph to bind: returns the new text and those names, or None for SELECT * (whose rows would lose
    a variable written in) and for a text with no pattern.
    """
    out, done, projected, in_pattern = [], 0, set(), False
    for token in _TOKENS.finditer(text):
        if token["brace"]:
            in_pattern = True
        elif token["star"] and not in_pattern:
            return None
        elif token["var"] and token["var"][1:] in bindings:
            name = token["var"][1:]
            if in_pattern:
                out += [text[done:token.start()], str(ox.NamedNode(bindings[name]))]
                done = token.end()
            else:
                projected.add(name)
    return ("".join(out) + text[done:], projected) if in_pattern else None


def _as_result(answer) -> Result:
    if isinstance(answer, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(answer)
        return out
    if not isinstance(answer, ox.QuerySolutions):
        raise ValueError("pyshacl asked the data graph for a graph result")  # SHACL rules run on pyshacl's copy
    out = Result("SELECT")
    out.vars = [Variable(v.value) for v in answer.variables]
    out.bindings = [{var: _to_rdflib(term) for var, term in zip(out.vars, row, strict=True) if term is not None}
                    for row in answer]
    return out


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


def _spelling(literal: Literal) -> tuple[str, str, str]:
    """A literal as rdflib holds it (rdflib's own equality ignores the case of a language tag)."""
    return str(literal), str(literal.datatype or ""), literal.language or ""


def _oxigraph_spelling(literal: ox.Literal) -> tuple[str, str, str]:
    """A literal as Oxigraph holds it, raw: through `_to_rdflib`, rdflib would rewrite some forms again."""
    if literal.language:
        return literal.value, "", literal.language
    return literal.value, "" if literal.datatype.value == _XSD_STRING else literal.datatype.value, ""


def validate_graph(data: Graph, shapes: Graph) -> Outcome:
    """pyshacl over ``data``, its SPARQL answered by Oxigraph (`OxigraphQueriedGraph`).

    In place, since pyshacl's copy of the data would be a plain rdflib graph again (and copying a million
    triples took about 15 s); with no inference and no SHACL rules pyshacl adds nothing to the data. Shapes
    with rules get pyshacl's copy (and rdflib's SPARQL), so the caller's graph is never changed.
    """
    from pyshacl import validate as pyshacl_validate  # here: a serving process never validates (checked.py)

    if (None, SH.rule, None) in shapes or isinstance(data, ConjunctiveGraph):  # rules add; a dataset has graphs
        conforms, report, _text = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                                   allow_warnings=True)
        return Outcome(bool(conforms), report, read_report(report))
    queried = OxigraphQueriedGraph(data)
    conforms, report, _text = pyshacl_validate(queried, shacl_graph=shapes, inference="none", advanced=True,
                                               allow_warnings=True, inplace=True)
    if queried.by_rdflib:
        log.info("SHACL-SPARQL: %d queries answered by Oxigraph, %d by rdflib's engine%s", queried.by_oxigraph,
                 queried.by_rdflib, f" ({queried.why_not_oxigraph})" if queried.why_not_oxigraph else "")
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
