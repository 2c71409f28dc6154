"""SHACL validation with pyshacl: the start-up gate, the `validate` command and the published report."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rdflib import RDF, Graph, Namespace
from rdflib.plugins.sparql import processor

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
    return sorted(out, key=lambda v: (v.source_shape, v.focus, v.path or ""))


@contextmanager
def sparql_parsed_once() -> Iterator[None]:
    """Parse each SHACL-SPARQL constraint once instead of once per focus node.

    pyshacl hands rdflib the constraint's text for every focus node (with $this as an initial binding),
    and rdflib parses it every time: at 10k triples that parsing was 60 % of the validation. Reusing the
    parsed and translated algebra for the same text, base and prefixes evaluates exactly the same query.
    """
    original = processor.SPARQLProcessor.query
    translated: dict = {}

    def query(self, str_or_query, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(str_or_query, str):
            key = (str_or_query, base, tuple(sorted((initNs or {}).items())))
            if key not in translated:
                translated[key] = processor.translateQuery(processor.parseQuery(str_or_query), base, initNs)
            str_or_query = translated[key]
        return processor.evalQuery(self.graph, str_or_query, initBindings, base)

    with _PATCH_LOCK:
        processor.SPARQLProcessor.query = query
        try:
            yield
        finally:
            processor.SPARQLProcessor.query = original


_PATCH_LOCK = threading.Lock()


def validate_graph(data: Graph, shapes: Graph) -> Outcome:
    from pyshacl import validate as pyshacl_validate  # here: a serving process never validates (checked.py)

    with sparql_parsed_once():
        conforms, report, _text = pyshacl_validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True,
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
