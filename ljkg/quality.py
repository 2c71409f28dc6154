"""The data.europa.eu Metadata Quality Assessment (MQA), as data, scored over our catalogue graph.

Why our own scorer: data.europa.eu scores a catalogue only after harvesting it, weeks later and far from
here. Keeping its indicators as data (one row per indicator, with the points the methodology gives) lets
`ljkg check-metadata` and the tests say, before a release, what a harvester will reward and what is
missing. Each indicator is a SPARQL ASK over the catalogue graph (rdflib), except three: DCAT-AP compliance
(pyshacl with the official shapes) and the two "URL resolves" checks, which ask the server over HTTP
through a ``fetch`` function the caller gives (loopback only: see cli.check_metadata). Methodology and
weights: docs/metadata-quality.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from .metadata import DCAT, DCT, EU, IANA

DCAT_AP_FILES = ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
SH = Namespace("http://www.w3.org/ns/shacl#")
DIMENSIONS = ("Findability", "Accessibility", "Interoperability", "Reusability", "Contextuality")

# EU file types (the codes of http://publications.europa.eu/resource/authority/file-type/) that are open,
# non-proprietary standards, and those a machine can parse; only formats a linked-data publisher may offer.
NON_PROPRIETARY = ("RDF_TURTLE", "RDF_N_TRIPLES", "JSON_LD", "RDF_N_QUADS", "RDF_TRIG", "RDF_XML", "CSV", "TSV",
                   "JSON", "XML", "RDF", "HTML", "TXT")
MACHINE_READABLE = ("RDF_TURTLE", "RDF_N_TRIPLES", "JSON_LD", "RDF_N_QUADS", "RDF_TRIG", "RDF_XML", "CSV", "TSV",
                    "JSON", "XML", "RDF")
LICENCES = (EU + "licence/", "http://creativecommons.org/", "https://creativecommons.org/",
            "http://opendatacommons.org/", "https://opendatacommons.org/")  # known licence vocabularies

Fetch = Callable[[str], int | str]  # an IRI -> its HTTP status, or a sentence saying why it was not asked


@dataclass(frozen=True)
class Check:
    """One MQA indicator: ``ask`` is an ASK over the catalogue with ?it bound to the dataset or to each
    distribution; ``resolves`` (a property) instead asks the server for each value of it."""
    key: str
    dimension: str
    title: str
    on: str  # "dataset" or "distribution"
    points: int
    ask: str = ""
    resolves: URIRef | None = None


def _has(prop: str) -> str:
    return f"ASK {{ ?it {prop} ?value }}"


def _within(prop: str, namespaces: tuple[str, ...]) -> str:
    tests = " || ".join(f'STRSTARTS(STR(?value), "{ns}")' for ns in namespaces)
    return f"ASK {{ ?it {prop} ?value FILTER(isIRI(?value) && ({tests})) }}"


def _file_type_in(codes: tuple[str, ...]) -> str:
    values = " ".join(f"<{EU}file-type/{code}>" for code in codes)
    return f"ASK {{ ?it dct:format ?value VALUES ?value {{ {values} }} }}"


CHECKS: tuple[Check, ...] = (
    Check("keyword", "Findability", "keywords (dcat:keyword)", "dataset", 30, _has("dcat:keyword")),
    Check("theme", "Findability", "categories (dcat:theme)", "dataset", 30, _has("dcat:theme")),
    Check("spatial", "Findability", "geo search (dct:spatial)", "dataset", 20, _has("dct:spatial")),
    Check("temporal", "Findability", "time-based search (dct:temporal)", "dataset", 20, _has("dct:temporal")),
    Check("access-url", "Accessibility", "access URL answers 200 (dcat:accessURL)", "distribution", 50,
          resolves=DCAT.accessURL),
    Check("download-url", "Accessibility", "download URL given (dcat:downloadURL)", "distribution", 20,
          _has("dcat:downloadURL")),
    Check("download-url-200", "Accessibility", "download URL answers 200", "distribution", 30,
          resolves=DCAT.downloadURL),
    Check("format", "Interoperability", "format (dct:format)", "distribution", 20, _has("dct:format")),
    Check("media-type", "Interoperability", "media type (dcat:mediaType)", "distribution", 10,
          _has("dcat:mediaType")),
    Check("format-vocabulary", "Interoperability", "format from the EU file types, media type from IANA",
          "distribution", 10,
          f'ASK {{ ?it dct:format ?f ; dcat:mediaType ?m FILTER(STRSTARTS(STR(?f), "{EU}file-type/") '
          f'&& STRSTARTS(STR(?m), "{IANA}")) }}'),
    Check("non-proprietary", "Interoperability", "non-proprietary format", "distribution", 20,
          _file_type_in(NON_PROPRIETARY)),
    Check("machine-readable", "Interoperability", "machine-readable format", "distribution", 20,
          _file_type_in(MACHINE_READABLE)),
    Check("dcat-ap", "Interoperability", "DCAT-AP 3.0.1 compliance (no SHACL violation)", "dataset", 30),
    Check("licence", "Reusability", "licence (dct:license)", "distribution", 20, _has("dct:license")),
    Check("licence-vocabulary", "Reusability", "licence from a known vocabulary", "distribution", 10,
          _within("dct:license", LICENCES)),
    Check("access-rights", "Reusability", "access restrictions (dct:accessRights)", "dataset", 10,
          _has("dct:accessRights")),
    Check("access-rights-vocabulary", "Reusability", "access rights from the EU vocabulary", "dataset", 5,
          _within("dct:accessRights", (EU + "access-right/",))),
    Check("contact-point", "Reusability", "contact point (dcat:contactPoint)", "dataset", 20,
          _has("dcat:contactPoint")),
    Check("publisher", "Reusability", "publisher (dct:publisher)", "dataset", 10, _has("dct:publisher")),
    Check("rights", "Contextuality", "rights (dct:rights)", "distribution", 5, _has("dct:rights")),
    Check("byte-size", "Contextuality", "file size (dcat:byteSize)", "distribution", 5, _has("dcat:byteSize")),
    Check("issued", "Contextuality", "date of issue (dct:issued)", "dataset", 5, _has("dct:issued")),
    Check("modified", "Contextuality", "modification date (dct:modified)", "dataset", 5, _has("dct:modified")),
)
MAX_POINTS = sum(c.points for c in CHECKS)  # 405
RATINGS = ((351, "Excellent"), (221, "Good"), (121, "Sufficient"), (0, "Bad"))


@dataclass(frozen=True)
class Result:
    check: Check
    passed: int  # datasets or distributions that pass
    population: int
    points: float
    note: str = ""  # why some failed, when that is known (an HTTP status, a SHACL message)


@dataclass(frozen=True)
class Score:
    results: tuple[Result, ...]

    @property
    def total(self) -> float:
        return sum(r.points for r in self.results)

    @property
    def rating(self) -> str:
        return rating(self.total)

    @property
    def full(self) -> bool:
        return all(r.passed == r.population > 0 for r in self.results)


def rating(points: float) -> str:
    return next(name for floor, name in RATINGS if points >= floor)


def assess(catalogue: Graph, fetch: Fetch, shapes: Path | None) -> Score:
    """Score every dataset of ``catalogue`` (points averaged over datasets; a distribution indicator gives
    its points in proportion to the distributions that pass, as the methodology does)."""
    datasets = sorted(catalogue.subjects(RDF.type, DCAT.Dataset))
    distributions = sorted({d for ds in datasets for d in catalogue.objects(ds, DCAT.distribution)})
    compliance = _compliance(catalogue, shapes)
    results = []
    for check in CHECKS:
        subjects = datasets if check.on == "dataset" else distributions
        notes: list[str] = []
        if check.key == "dcat-ap":
            violating, readable, why = compliance
            passing = [s for s in subjects if readable and s not in violating]
            notes = [why] if why else []
        elif check.resolves is not None:
            passing = [s for s in subjects if _resolves(catalogue, s, check.resolves, fetch, notes)]
        else:
            passing = [s for s in subjects if catalogue.query(check.ask, initBindings={"it": s},
                                                              initNs={"dcat": DCAT, "dct": DCT}).askAnswer]
        share = len(passing) / len(subjects) if subjects else 0.0
        results.append(Result(check, len(passing), len(subjects), round(check.points * share, 2),
                              "; ".join(sorted(set(notes))[:3])))
    return Score(tuple(results))


def _resolves(catalogue: Graph, subject, prop: URIRef, fetch: Fetch, notes: list[str]) -> bool:
    urls = [str(u) for u in catalogue.objects(subject, prop)]
    if not urls:
        notes.append("no URL given")
        return False
    ok = True
    for url in urls:
        status = fetch(url)
        if status != 200:
            notes.append(f"{url}: {status}")
            ok = False
    return ok


def _compliance(catalogue: Graph, shapes: Path | None) -> tuple[set, bool, str]:
    """(focus nodes with a violation, whether the shapes could be read, why not or the first violation)."""
    from pyshacl import validate

    if shapes is None or not all((shapes / name).is_file() for name in DCAT_AP_FILES):
        return set(), False, f"DCAT-AP shapes not found in {shapes} (need {', '.join(DCAT_AP_FILES)})"
    violating, first = set(), ""
    for name in DCAT_AP_FILES:
        shape_graph = Graph().parse(shapes / name, format="turtle")
        _conforms, report, _text = validate(catalogue, shacl_graph=shape_graph, inference="none",
                                            allow_warnings=True)
        for result in report.objects(None, SH.result):
            if report.value(result, SH.resultSeverity) == SH.Violation:
                focus = report.value(result, SH.focusNode)
                violating.add(focus)
                first = first or f"{name}: {focus} {report.value(result, SH.resultPath)}: " \
                                 f"{report.value(result, SH.resultMessage)}"
    datasets = set(catalogue.subjects(RDF.type, DCAT.Dataset))
    # a violation anywhere in the catalogue counts against every dataset: harvesters reject the record
    return (datasets if violating else set()), True, first


def render(score: Score) -> str:
    """The score as text: one line per check (pass/fail, points), per dimension, then the total."""
    lines = []
    for dimension in DIMENSIONS:
        rows = [r for r in score.results if r.check.dimension == dimension]
        got, most = sum(r.points for r in rows), sum(r.check.points for r in rows)
        lines.append(f"{dimension}: {_num(got)} / {most}")
        for r in rows:
            mark = "pass" if r.passed == r.population > 0 else "FAIL"
            line = (f"  {mark}  {r.check.key:<26} {_num(r.points):>6} / {r.check.points:<3} {r.check.title} "
                    f"[{r.passed}/{r.population} {r.check.on}s]")
            lines.append(line + (f" ({r.note})" if r.note and mark == "FAIL" else ""))
    lines.append(f"Total: {_num(score.total)} / {MAX_POINTS} ({score.rating})")
    return "\n".join(lines) + "\n"


def _num(points: float) -> str:
    return f"{points:g}"
