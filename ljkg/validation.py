"""SHACL validation with pyshacl: the start-up gate, the `validate` command and the published report."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import re
import signal
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing.connection import Pipe

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, BNode, ConjunctiveGraph, Graph, Literal, Namespace, URIRef, Variable
from rdflib.collection import Collection
from rdflib.plugins.sparql import prepareQuery
from rdflib.query import Result

from .loading import Loaded
from .processes import die_with_parent

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
    processes: int = 1  # how many processes validated (validate_graph)

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
            # pyshacl gives a SHACL-SPARQL result both its constraint's message and its shape's: keep both,
            # in a fixed order (a report read back from N-Triples lists them in another)
            message=" / ".join(sorted(str(m) for m in report.objects(result, SH.resultMessage))),
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
        self._calls: Counter = Counter()  # calls of each query text with other bindings, per batch key
        self._batches: dict = {}  # batch key → the answer for every $this, or None where that would differ
        self._copy: ox.Store | None = None
        self.why_not_oxigraph = ""
        self.by_oxigraph = self.by_rdflib = 0  # queries each engine answered (for the log)
        self.from_batches = 0  # of Oxigraph's, those answered from a query for every $this

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
                if (answer := self._from_batch(query_object, bindings, initNs or {})) is not None:
                    self.by_oxigraph += 1
                    self.from_batches += 1
                    return answer
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

    def _from_batch(self, text: str, bindings: dict, init_ns: dict) -> Result | None:
        """The answer for this $this, from one query answered for every $this at once (`BATCH_FROM`).

        pyshacl sends a SHACL-SPARQL constraint once per focus node, which at 1M triples was some 45,000
        queries. Once a text has come `BATCH_FROM` times with the same other bindings, it is run once
        with $this free, and each later call is answered with its rows. That is the same answer only where
        $this is bound before anything reads it (`_this_bound_first`); elsewhere, and for a $value or other
        binding, each call is a query of its own, as before.
        """
        if set(bindings) - {"this", "currentShape", "shapesGraph"} or not isinstance(bindings.get("this"), URIRef):
            return None
        ox.NamedNode(bindings["this"])  # ValueError for an IRI Oxigraph refuses: rdflib answers, as before
        key = (text, tuple(sorted((k, v) for k, v in bindings.items() if k != "this")), tuple(sorted(init_ns.items())))
        if key not in self._batches:
            self._calls[key] += 1
            if self._calls[key] < BATCH_FROM:
                return None
            try:
                self._batches[key] = self._answer_for_every_this(text, key[1], init_ns)
            except Exception:  # rdflib cannot parse it, or Oxigraph cannot run it with $this free: as before
                self._batches[key] = None
        batch = self._batches[key]
        if batch is None:
            return None
        variables, rows = batch
        out = Result("SELECT")
        out.vars = variables
        out.bindings = [dict(row) for row in rows.get(bindings["this"], ())]
        return out

    def _answer_for_every_this(self, text: str, others: tuple, init_ns: dict) -> tuple | None:
        key = (text, tuple(sorted(init_ns.items())))
        if key not in self._prepared:
            self._prepared[key] = prepareQuery(text, initNs={**dict(self.namespaces()), **init_ns})
        prebound = _prebind(text, dict(others))
        if not _this_bound_first(self._prepared[key].algebra) or prebound is None:
            return None
        free, projected = prebound
        solutions = self.oxigraph.query(
            free, prefixes={**self._prefixes, **{p: str(iri) for p, iri in init_ns.items()}},
            substitutions={ox.Variable(name): ox.NamedNode(dict(others)[name]) for name in projected} or None)
        variables = [Variable(v.value) for v in solutions.variables]
        rows: dict = defaultdict(list)
        for count, row in enumerate(_rows(solutions, variables)):
            if count == BATCH_MOST_ROWS:  # a broad first pattern: one query per focus node costs less
                return None
            rows[row.get(THIS)].append(row)
        return variables, rows


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


BATCH_FROM = 50  # calls of one constraint before it is answered for every $this: few focus nodes never pay a scan
BATCH_MOST_ROWS = 100_000  # rows of a query for every $this (they are violations): more, and it is not kept
THIS = Variable("this")
_SPINE = {"Filter": "p", "Extend": "p", "Join": "p1", "LeftJoin": "p1"}  # the operand evaluated first
_PATTERNS = {"BGP", "Filter", "Extend", "Join", "LeftJoin", "Union"}


def _this_bound_first(algebra) -> bool:
    """Whether a SELECT gives, for each $this, the rows of the same query with $this written in.

    So when $this is projected, and bound by a triple pattern of the first part evaluated (down the first
    operands of joins, filters, BINDs and OPTIONALs) before any expression reads it: expressions on that
    path (a FILTER or BIND of the group, an OPTIONAL's condition, EXISTS) see it bound. Elsewhere an
    expression that names $this would see it unbound, so there none may; triple patterns may, as a join
    on $this is what writing it in does. No aggregate, subquery, VALUES, MINUS, GRAPH, SERVICE or LIMIT.
    """
    node = algebra.p if algebra.name == "SelectQuery" else None
    while node is not None and node.name in ("Distinct", "Reduced", "OrderBy"):
        node = node.p
    if node is None or node.name != "Project" or THIS not in node.PV:
        return False
    node = node.p
    while node.name in _SPINE:
        if node.name in ("Join", "LeftJoin") and not _free_of_this(node.p2):
            return False
        node = node[_SPINE[node.name]]
    return node.name == "BGP" and any(THIS in triple for triple in node.triples)


def _free_of_this(node) -> bool:
    """A pattern evaluated apart from where $this is bound: its expressions do not name $this, nor does the
    optional side of an OPTIONAL in it (free, that side could bind $this to another node, and the row would
    then not join with the focus node's; written in, it would just not match)."""
    if node.name not in _PATTERNS or (node.name == "LeftJoin" and _names_this(node.p2)):
        return False
    return all(_free_of_this(node[side]) if side in ("p", "p1", "p2") else not _names_this(value)
               for side, value in node.items() if side not in ("_vars", "triples"))


def _names_this(value) -> bool:
    if isinstance(value, Variable):
        return value == THIS
    if isinstance(value, dict):  # a CompValue (an expression, or EXISTS' pattern)
        return any(_names_this(v) for k, v in value.items() if k != "_vars")
    if isinstance(value, list | tuple):
        return any(_names_this(v) for v in value)
    return False


def _as_result(answer) -> Result:
    if isinstance(answer, ox.QueryBoolean):
        out = Result("ASK")
        out.askAnswer = bool(answer)
        return out
    if not isinstance(answer, ox.QuerySolutions):
        raise ValueError("pyshacl asked the data graph for a graph result")  # SHACL rules run on pyshacl's copy
    out = Result("SELECT")
    out.vars = [Variable(v.value) for v in answer.variables]
    out.bindings = list(_rows(answer, out.vars))
    return out


def _rows(solutions: ox.QuerySolutions, variables: list[Variable]):
    for row in solutions:
        yield {var: _to_rdflib(term) for var, term in zip(variables, row, strict=True) if term is not None}


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


def validate_graph(data: Graph, shapes: Graph, processes: int = 1, parallel_from: int | None = None) -> Outcome:
    """pyshacl over ``data``, its SPARQL answered by Oxigraph (`OxigraphQueriedGraph`), in ``processes``.

    In place, since pyshacl's copy of the data would be a plain rdflib graph again (and copying a million
    triples took about 15 s); with no inference and no SHACL rules pyshacl adds nothing to the data. Shapes
    with rules get pyshacl's copy (and rdflib's SPARQL), so the caller's graph is never changed.
    From ``parallel_from`` triples (`PARALLEL_FROM`; below, one process is quicker than forking) the shapes
    are shared out between ``processes``; in one process or many, property shapes are validated on their
    node shape's targets, not one focus node at a time (`shape_groups`).
    """
    from pyshacl import validate as pyshacl_validate  # here: a serving process never validates (checked.py)

    if (None, SH.rule, None) in shapes or isinstance(data, ConjunctiveGraph):  # rules add; a dataset has graphs
        conforms, report, _text = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                                   allow_warnings=True)
        return Outcome(bool(conforms), report, read_report(report))
    with _no_cycle_collector():
        if processes > 1 and len(data) >= (PARALLEL_FROM if parallel_from is None else parallel_from):
            groups = shape_groups(data, shapes, processes * GROUPS_PER_PROCESS)
            processes = min(processes, len(groups))
            log.info("SHACL: %d groups of shapes in %d processes", len(groups), processes)
            conforms, report = _merged(_validate_in_processes(data, groups, processes))
        else:
            processes = 1
            conforms, report = _validate_in_place(OxigraphQueriedGraph(data), shape_groups(data, shapes, 1)[0])
    return Outcome(conforms, report, read_report(report), processes)


@contextlib.contextmanager
def _no_cycle_collector():
    """Python's cycle collector off while pyshacl runs (and in the processes forked meanwhile): a full
    collection walks every object of the data graph (ten million at 1M triples) and took 6-9 s of a
    validation there, to find nothing; pyshacl's work leaves no cycles that matter (the peak memory at 1M
    was the same with it off). Reference counting still frees everything else."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _validate_in_place(queried: OxigraphQueriedGraph, shapes: Graph) -> tuple[bool, Graph]:
    from pyshacl import validate as pyshacl_validate

    conforms, report, _text = pyshacl_validate(queried, shacl_graph=shapes, inference="none", advanced=True,
                                               allow_warnings=True, inplace=True)
    if queried.by_rdflib or queried.from_batches:
        log.info("SHACL-SPARQL: %d queries answered by Oxigraph (%d of them from one query for every focus node), "
                 "%d by rdflib's engine%s", queried.by_oxigraph, queried.from_batches, queried.by_rdflib,
                 f" ({queried.why_not_oxigraph})" if queried.why_not_oxigraph else "")
    return bool(conforms), report


# The shapes graph as pyshacl is given it: property shapes lifted onto their node shape's targets, and the
# work shared out between processes, each forked with the data graph (copy-on-write, nothing is sent) and
# validating its share; their reports are merged.

PARALLEL_FROM = 50_000  # triples: below, a fork and a second Oxigraph copy cost more than half the work
GROUPS_PER_PROCESS = 16  # estimates are off by up to 20 times: small groups from a queue even that out
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
MOST_GROUPS = 255  # each is one byte in the queue
SHAPE_LINKS = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
DEEPEST_BELOW_LIFTED = 8  # pyshacl stops at 15 levels; lifted, a shape is one level higher
SPARQL_WEIGHT = 10  # a SHACL-SPARQL constraint costs about ten property shapes per focus node (bench/README.md)


def shape_groups(data: Graph, shapes: Graph, parts: int) -> list[Graph]:
    """The shapes graph once per part of the work (at most ``parts``), each with the targets of its part only.

    The work of a targeted node shape is its own constraints (SHACL-SPARQL ones included) on its focus
    nodes, and each of its property shapes on them. pyshacl runs a property shape reached through
    sh:property once per focus node, reading the shape and building its constraint components every time
    (about 0.1 ms, the largest cost of a big graph; bench/README.md); a property shape with targets of its
    own runs once on all its focus nodes. So a property shape that only its node shape names is given that
    shape's targets instead of its sh:property link ("lifted"): its results name the property shape and the
    focus node, as before. Not lifted, where pyshacl would report otherwise:
    - a blank node (pyshacl copies a blank node source shape into the report, targets and all);
    - one that other shapes name too, or with targets of its own (a focus node both reach gets two results);
    - one without exactly one sh:path (pyshacl refuses it as a property shape, and would take it as a node
      shape if it had targets);
    - one with a constraint component of the shapes graph's own (pyshacl does not let a Warning one conform
      at the top level, and it gives one call's results each other's messages);
    - one from which sh:node, sh:property ... reach a cycle, or more than `DEEPEST_BELOW_LIFTED` shapes deep
      (pyshacl finds recursion, and stops at 15 levels, counting the levels from the top).
    One that is not lifted hangs from a blank node shape with the same targets in a part without the node
    shape's own constraints. Every shape stays in every group, for the constraints that name it (sh:node,
    sh:or ...), so the reports together are pyshacl's report of the whole.

    Kept whole (neither split nor lifted), where a part of the shape would not behave as the whole:
    - a shape nested in another (the outer one needs all of it);
    - a closed one (sh:closed reads its property shapes), a deactivated one, one with a sh:severity (a
      Warning node shape's property violations still conform), one with a property shape whose qualified
      values must be disjoint (pyshacl finds the sibling shapes through the node's sh:property);
    - a property shape with targets of its own;
    - one with a SPARQL target (evaluated once; its focus nodes cannot be counted beforehand).
    Not changed at all: a shapes graph where a shape may be a class (it targets its instances with no triple
    to move), with a constraint component whose parameter is a target or sh:property (the blank node
    shape would have it), or with a targeted blank node shape (pyshacl copies a blank node source shape
    into the report with the triples it has in the group's graph, some of which are elsewhere).
    Parts are balanced by an estimate: focus nodes counted in the data from the declared targets times the
    checks run on each (at least 1), largest first, each to the least loaded part.
    """
    classes = {RDFS.Class, OWL.Class, *shapes.subjects(RDFS.subClassOf, None)}
    parameters = {path for parameter in shapes.objects(None, SH.parameter)
                  for path in shapes.objects(parameter, SH.path)}
    if any((None, RDF.type, cls) in shapes for cls in classes) or parameters & {*TARGETS, SH.property, RDF.type}:
        return [shapes]
    targeted = {shape for target in TARGETS for shape in shapes.subjects(target, None)}
    if any(isinstance(shape, BNode) for shape in targeted):
        return [shapes]
    nested = {o for p in SHAPE_LINKS if p != SH.property for o in shapes.objects(None, p)}
    for logical in SHAPE_LISTS:
        for members in shapes.objects(None, logical):
            nested.update(Collection(shapes, members))
    disjoint = {shape for shape, prop in shapes.subject_objects(SH.property)
                if (prop, SH.qualifiedValueShapesDisjoint, None) in shapes}
    split = {shape for shape in targeted if shape not in nested | disjoint and not any(
        (shape, p, None) in shapes for p in (SH.path, SH.closed, SH.deactivated, SH.severity, SH.target))}
    named = Counter(shapes.objects(None, SH.property))
    lifted = {prop for shape in split for prop in shapes.objects(shape, SH.property)
              if isinstance(prop, URIRef) and named[prop] == 1 and prop not in nested
              and len(set(shapes.objects(prop, SH.path))) == 1
              and not any((prop, p, None) in shapes for p in (*TARGETS, *parameters))
              and _depth_below(shapes, prop) is not None}
    units = [unit for shape in targeted for unit in _units(data, shapes, shape, shape in split, parts > 1)]
    shares: list[list] = [[] for _ in range(min(parts, len(units), MOST_GROUPS))]
    loads = [0] * len(shares)
    for unit in sorted(units, key=lambda u: (-u[3], str(u[0]), [str(p) for p in u[2]])):
        lightest = loads.index(min(loads))
        shares[lightest].append(unit)
        loads[lightest] += unit[3]
    moved = [(s, p, o) for s, p, o in shapes if s in targeted and (p in TARGETS or (p == SH.property and s in split))]
    everywhere = set(shapes) - set(moved)
    groups = [_group(shapes, everywhere, share, lifted) for share in shares]
    return groups or [shapes]  # no targeted shape: one run, which may still find implicit targets


Unit = tuple  # (shape, with its own constraints?, the property shapes run on its focus nodes, estimated work)


def _depth_below(shapes: Graph, shape, above: frozenset = frozenset()) -> int | None:
    """How many shapes deep sh:node, sh:property, sh:or ... reach from ``shape``; None for a cycle, or for
    more than `DEEPEST_BELOW_LIFTED` (pyshacl detects recursion by the path it has taken from the top, so
    the same cycle is caught one level later below a lifted shape)."""
    if shape in above or len(above) > DEEPEST_BELOW_LIFTED:
        return None
    below = [*(o for link in SHAPE_LINKS for o in shapes.objects(shape, link)),
             *(member for link in SHAPE_LISTS for members in shapes.objects(shape, link)
               for member in Collection(shapes, members))]
    depths = [_depth_below(shapes, reached, above | {shape}) for reached in below]
    return None if None in depths else 1 + max(depths, default=0)


def _units(data: Graph, shapes: Graph, shape, split: bool, weigh: bool) -> list[Unit]:
    # at least 1: a SPARQL target or subclasses count none
    focus = max(1, _focus_estimate(data, shapes, shape)) if weigh else 1
    properties = sorted(shapes.objects(shape, SH.property))
    own = 1 + SPARQL_WEIGHT * len(list(shapes.objects(shape, SH.sparql)))
    if not split or not properties:
        return [(shape, True, (), focus * (own + len(properties)))]
    # the shape's own constraints go with its first property shape, so no process only finds focus nodes
    return [(shape, True, (properties[0],), focus * (own + 1))] + [
        (shape, False, (prop,), focus) for prop in properties[1:]]


def _group(shapes: Graph, everywhere: set, share: list[Unit], lifted: set) -> Graph:
    """A shapes graph for one part: what every part has, plus its units' targets and property links."""
    group = Graph()
    for prefix, namespace in shapes.namespaces():
        group.bind(prefix, namespace)
    for triple in everywhere:
        group.add(triple)
    holders = {}  # a split shape → the node its unlifted property shapes hang from in this group
    for shape, with_own, properties, _work in sorted(share, key=lambda u: not u[1]):  # own constraints first
        if with_own:
            holders[shape] = shape
            _copy_targets(shapes, shape, group, shape)
        for prop in properties:
            if prop in lifted:
                _copy_targets(shapes, shape, group, prop)
                continue
            if shape not in holders:
                holders[shape] = BNode()
                group.add((holders[shape], RDF.type, SH.NodeShape))
                _copy_targets(shapes, shape, group, holders[shape])
            group.add((holders[shape], SH.property, prop))
    return group


def _copy_targets(shapes: Graph, shape, group: Graph, onto) -> None:
    for target in TARGETS:
        for value in shapes.objects(shape, target):
            group.add((onto, target, value))


def _focus_estimate(data: Graph, shapes: Graph, shape) -> int:
    focus = sum(1 for _ in shapes.objects(shape, SH.targetNode))
    for cls in shapes.objects(shape, SH.targetClass):
        focus += sum(1 for _ in data.subjects(RDF.type, cls))
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        focus += sum(1 for _ in data.subjects(prop, None, unique=True))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        focus += sum(1 for _ in data.objects(None, prop, unique=True))
    return focus


def _validate_in_processes(data: Graph, groups: list[Graph], processes: int) -> list[tuple[bool, Graph]]:
    """Each group validated by whichever process is free first: this one, and the others forked from it
    (os.fork: a daemon process, like the one checked.py validates in, may not start multiprocessing
    children). The estimates behind the groups are off by up to twice for some shapes; taking the groups
    one at a time from a queue evens that out. Each child sends its reports back when the queue is empty."""
    queue, filling = os.pipe()  # one byte per group; reading one byte from a pipe is atomic
    os.write(filling, bytes(range(len(groups))))
    os.close(filling)
    parent, children = os.getpid(), {}
    try:
        for _ in range(min(processes, len(groups)) - 1):
            receiving, sending = Pipe(duplex=False)
            pid = os.fork()
            if pid == 0:  # the child: validate, send, and leave without running the parent's exit handlers
                receiving.close()
                status = 1
                try:
                    die_with_parent(parent)
                    # pickled as triples: blank nodes keep their labels (N-Triples would rename them)
                    sending.send(("ok", [(c, list(r)) for c, r in _validate_queued(data, groups, queue)]))
                    status = 0
                except BaseException as exc:  # a bug: say so in the parent instead of dying silently here
                    sending.send(("error", f"validation failed: {exc!r}"))
                finally:
                    os._exit(status)
            sending.close()
            children[pid] = receiving
        try:
            outcomes = _validate_queued(data, groups, queue)
        except Exception as exc:  # the same error whichever process took the group
            raise RuntimeError(f"validation failed: {exc!r}") from exc
        failure = None
        for pid in list(children):
            kind, payload = "error", "a validation process died (out of memory?)"
            with contextlib.suppress(EOFError, OSError):
                kind, payload = children[pid].recv()
            children.pop(pid).close()
            os.waitpid(pid, 0)
            if kind == "ok":
                outcomes += [(conforms, _graph(triples)) for conforms, triples in payload]
            else:
                failure = failure or payload
        if failure:
            raise RuntimeError(failure)
        return outcomes
    finally:  # whatever interrupted us (an error, Ctrl-C), no child is left running or unreaped
        os.close(queue)
        for pid, receiving in children.items():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            receiving.close()


def _validate_queued(data: Graph, groups: list[Graph], queue: int) -> list[tuple[bool, Graph]]:
    queried = OxigraphQueriedGraph(data)  # one copy per process, made at its first query
    outcomes = []
    while taken := os.read(queue, 1):
        outcomes.append(_validate_in_place(queried, groups[taken[0]]))
    return outcomes


def _graph(triples: list) -> Graph:
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return graph


def _merged(outcomes: list[tuple[bool, Graph]]) -> tuple[bool, Graph]:
    """One validation report holding every result of the reports; it conforms if each of them does."""
    merged = Graph()
    for prefix, namespace in outcomes[0][1].namespaces():  # this process's report, as pyshacl bound it
        merged.bind(prefix, namespace)
    root = BNode()
    conforms = all(conforming for conforming, _report in outcomes)
    for _conforming, report in outcomes:
        for node in report.subjects(RDF.type, SH.ValidationReport):
            for result in report.objects(node, SH.result):
                merged.add((root, SH.result, result))
        for s, p, o in report:
            if (s, RDF.type, SH.ValidationReport) not in report:
                merged.add((s, p, o))
    merged.add((root, RDF.type, SH.ValidationReport))
    merged.add((root, SH.conforms, Literal(conforms)))
    return conforms, merged


def validate(loaded: Loaded) -> Outcome:
    return validate_graph(loaded.union(), loaded.shapes)


def render_text(outcome: Outcome, loaded: Loaded | None = None, union: Graph | None = None) -> str:
    """A report for people: counts by class (when the files are at hand), then violations by shape."""
    lines = []
    if loaded is not None:
        union = loaded.union() if union is None else union
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
