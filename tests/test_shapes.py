"""Every shape is proven by small broken graphs: tests/shapes/cases/<shapes-file-stem>/<what-is-wrong>.ttl.

A case is added to the real ontology + data (parsed with the test base) and validated against ALL
shapes (the whole graph: the real data conforms, so every result comes from the case); the results
must be exactly the ones its header lines announce, one per line:

    # expect: <source shape> <result path, or -> <focus node>

as prefixed names (prefixes of ljkg/iris.py) or relative IRIs in <...>; a path is a property, ^property
(inverse) or a/b (sequence). Files named valid-*.ttl have no expect lines and must conform. Every
property shape, every SPARQL constraint and every node shape with a node-level constraint must fail
in at least one case.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import TEST_BASE, TESTS
from rdflib import RDF, BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection

from ljkg import validation
from ljkg.iris import Namespaces
from ljkg.validation import OxigraphQueriedGraph, read_report, shape_groups, validate, validate_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
CASES_DIR = TESTS / "shapes" / "cases"
CASES = sorted(CASES_DIR.glob("*/*.ttl"))
EXPECT = re.compile(r"^# expect: (\S+) (\S+) (\S+)\s*$")
PREFIXES = Namespaces(TEST_BASE).prefixes()


def expand(token: str) -> str:
    if token.startswith("<") and token.endswith(">"):
        iri = token[1:-1]
        return iri if ":" in iri else TEST_BASE + iri
    prefix, _, local = token.partition(":")
    return PREFIXES[prefix] + local


def expand_path(token: str) -> str | None:
    if token == "-":
        return None
    if token.startswith("<"):
        return expand(token)
    return "/".join(("^" + expand(step[1:])) if step.startswith("^") else expand(step) for step in token.split("/"))


def render_path(report: Graph, path) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + render_path(report, inverse)
    if report.value(path, RDF.first) is not None:
        return "/".join(render_path(report, step) for step in Collection(report, path))
    raise AssertionError(f"unsupported path {path}")


def expectations(path: Path) -> set[tuple[str, str | None, str]]:
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            shape, result_path, focus = match.groups()
            out.add((expand(shape), expand_path(result_path), expand(focus)))
    return out


_UNION: dict[int, Graph] = {}
_RESULTS: dict[Path, tuple[set, Graph]] = {}


def base_graph(loaded) -> Graph:
    """Ontology + data as one graph, built once per session."""
    if id(loaded) not in _UNION:
        _UNION[id(loaded)] = loaded.union()
    return _UNION[id(loaded)]


def run_case(loaded, path: Path) -> tuple[set, Graph]:
    if path not in _RESULTS:
        _RESULTS[path] = _run_case(loaded, path)
    return _RESULTS[path]


def _run_case(loaded, path: Path) -> tuple[set, Graph]:
    case = Graph()
    case.parse(path, format="turtle", publicID=TEST_BASE)
    graph = Graph()
    for triple in base_graph(loaded):
        graph.add(triple)
    for triple in case:
        graph.add(triple)
    report = validate_graph(graph, loaded.shapes).report  # the production path (pyshacl, parsed once)
    results = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        results.add((
            str(report.value(result, SH.sourceShape)),
            render_path(report, report.value(result, SH.resultPath)),
            str(report.value(result, SH.focusNode)),
        ))
    return results, report


def test_cases_exist_for_every_shapes_file():
    assert CASES, "no cases found"
    stems = {p.stem for p in (TESTS.parent / "shapes").glob("*.ttl")} - {"prefixes"}
    assert stems <= {p.name for p in CASES_DIR.iterdir() if p.is_dir()}
    assert any(p.name.startswith("valid-") for p in CASES)


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_case(loaded, path: Path):
    expected = expectations(path)
    if path.name.startswith("valid-"):
        assert not expected
    else:
        assert expected, f"{path.name} has no '# expect:' line"
    results, _report = run_case(loaded, path)
    assert results == expected


def test_real_data_conforms(loaded):
    outcome = validate(loaded)
    assert outcome.conforms, [(v.source_shape, v.focus, v.message) for v in outcome.violations]


def constraints(shapes: Graph) -> set[str]:
    """Property shapes, SPARQL constraints and node shapes with node-level constraints."""
    out = {str(s) for s in shapes.objects(None, SH.property) if isinstance(s, URIRef)}
    out |= {str(s) for s in shapes.objects(None, SH.sparql) if isinstance(s, URIRef)}
    node_level = (SH["or"], SH.xone, SH["and"], SH["not"], SH["class"], SH.node)
    for shape in shapes.subjects(RDF.type, SH.NodeShape):
        if isinstance(shape, URIRef) and any((shape, p, None) in shapes for p in node_level):
            out.add(str(shape))
    return out


def test_every_constraint_fails_in_some_case(loaded):
    shapes = loaded.shapes
    assert not [s for s in shapes.objects(None, SH.property) if isinstance(s, BNode)], "name property shapes"
    assert not [s for s in shapes.objects(None, SH.sparql) if isinstance(s, BNode)], "name SPARQL constraints"
    seen = set()
    for path in CASES:
        if path.name.startswith("valid-"):
            continue
        _results, report = run_case(loaded, path)
        for result in report.subjects(RDF.type, SH.ValidationResult):
            seen.add(str(report.value(result, SH.sourceShape)))
            constraint = report.value(result, SH.sourceConstraint)
            if constraint is not None:
                seen.add(str(constraint))
    missing = sorted(constraints(shapes) - seen)
    assert not missing, f"no failing case for: {missing}"


def test_every_constraint_has_a_message(loaded):
    shapes = loaded.shapes
    for shape in constraints(shapes):
        assert (URIRef(shape), SH.message, None) in shapes, f"{shape} has no sh:message"


def all_cases_graph(loaded) -> Graph:
    graph = Graph()
    for triple in base_graph(loaded):
        graph.add(triple)
    for path in CASES:
        graph.parse(path, format="turtle", publicID=TEST_BASE)
    return graph


def every_field(violations) -> list[tuple]:
    return sorted((v.source_shape, v.focus, v.path or "", v.severity, v.message, v.value or "") for v in violations)


def assert_same_report_as_pyshacl_alone(data: Graph, shapes: Graph, processes: int = 1) -> list:
    """Our validate_graph (pyshacl, its SPARQL answered by Oxigraph, the shapes shared out between
    ``processes`` whatever the size) against pyshacl over rdflib alone: the verdict, every field of every
    result, and the values down to their datatypes. Returns pyshacl's results."""
    from pyshacl import validate as pyshacl_validate

    ours = validate_graph(data, shapes, processes, parallel_from=0)
    conforms, report, _text = pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True,
                                               allow_warnings=True)
    assert ours.conforms == conforms
    reference = read_report(report)
    assert every_field(ours.violations) == every_field(reference)
    values = [sorted((type(t).__name__, str(t), str(getattr(t, "datatype", None) or ""),
                      getattr(t, "language", None) or "")  # not n3(), which refuses some IRIs
                     for t in r.objects(None, SH.value)) for r in (ours.report, report)]
    assert values[0] == values[1], "the same values, down to their datatypes"
    assert report_contents(ours.report) == report_contents(report), "the same report graph, every triple"
    assert set(report.namespaces()) <= set(ours.report.namespaces()), "the prefixes pyshacl bound"
    return reference


def report_contents(report: Graph) -> Counter:
    """Each result with everything below it (blank node shapes and paths pyshacl copied in, details),
    blank nodes replaced by what they hold: two reports compare equal when only their labels differ.
    (rdflib.compare.isomorphic would need IRIs that Turtle can write.)"""
    def held(node, above=()):
        if isinstance(node, BNode) and node not in above and (node, None, None) in report:
            return frozenset((p, held(o, above + (node,))) for p, o in report.predicate_objects(node))
        return (type(node).__name__, str(node), getattr(node, "datatype", None), getattr(node, "language", None))
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    return Counter([held(report.value(root, SH.conforms))] + [held(r) for r in report.objects(root, SH.result)])


@pytest.mark.parametrize("processes", [1, 2, 3])
def test_oxigraph_answers_the_shapes_sparql_as_rdflib_does(loaded, processes: int):
    """validate_graph hands pyshacl's SPARQL to Oxigraph, and shares the shapes out between processes;
    pyshacl over rdflib alone, in one process, must give the same report.

    Every broken case at once, so every constraint fails at least once, SHACL-SPARQL ones included.
    """
    graph = all_cases_graph(loaded)
    triples = len(graph)
    reference = assert_same_report_as_pyshacl_alone(graph, loaded.shapes, processes)
    assert len(graph) == triples, "validation in place changed the data"
    assert len(reference) > len(CASES)


ENGINE_CASES = sorted((TESTS / "shapes" / "engines").glob("*.ttl"))
SHAPES_NS = "http://example.org/shapes/"


def split_case(path: Path) -> tuple[Graph, Graph]:
    """Data and shapes of one engines/ case: the shapes are what hangs from an IRI in SHAPES_NS."""
    both = Graph().parse(path, format="turtle")
    shapes, todo = Graph(), [s for s in set(both.subjects()) if str(s).startswith(SHAPES_NS)]
    while todo:
        node = todo.pop()
        for _s, p, o in both.triples((node, None, None)):
            if (node, p, o) not in shapes:
                shapes.add((node, p, o))
                if isinstance(o, BNode):
                    todo.append(o)
    data = Graph()
    for triple in both:
        if triple not in shapes:
            data.add(triple)
    return data, shapes


PARALLEL_CASES = sorted((TESTS / "shapes" / "parallel").glob("*.ttl"))
CASE_RUNS = [(p, n) for p in ENGINE_CASES for n in (1, 2)] + [(p, n) for p in PARALLEL_CASES for n in (1, 2, 3)]


@pytest.mark.parametrize(("path", "processes"), CASE_RUNS,
                         ids=[f"{p.parent.name}/{p.stem}-{n}" for p, n in CASE_RUNS])
def test_a_small_case_gives_the_report_of_pyshacl_alone(path: Path, processes: int):
    """engines/: where Oxigraph cannot, or must not, answer a query as written; parallel/: where a part of a
    shape, in one of several processes, would not behave as the whole (each folder's README.md)."""
    data, shapes = split_case(path)
    assert len(data) and len(shapes)
    assert_same_report_as_pyshacl_alone(data, shapes, processes)
    groups = shape_groups(data, shapes, 4)
    assert len(groups) == 1 or all(checks(group) for group in groups), "a group with nothing to check"


BATCHED_CASES = ENGINE_CASES + PARALLEL_CASES


@pytest.mark.parametrize("path", BATCHED_CASES, ids=[f"{p.parent.name}/{p.stem}" for p in BATCHED_CASES])
def test_a_constraint_answered_for_every_focus_node_at_once_gives_the_same_report(path: Path, monkeypatch):
    """From `BATCH_FROM` calls a SHACL-SPARQL constraint is answered by one query for every $this; here from
    the first, so every case goes through it where it may."""
    monkeypatch.setattr(validation, "BATCH_FROM", 1)
    data, shapes = split_case(path)
    assert_same_report_as_pyshacl_alone(data, shapes, 1)


def test_the_shapes_constraints_answered_for_every_focus_node_at_once(loaded, monkeypatch):
    """Every broken case at once, each constraint of our shapes answered from one query: pyshacl's report."""
    monkeypatch.setattr(validation, "BATCH_FROM", 1)
    assert_same_report_as_pyshacl_alone(all_cases_graph(loaded), loaded.shapes, 1)  # (Oxigraph respells some)
    for graph, shapes, batched in [
            (base_graph(loaded), loaded.shapes, 10),
            (*split_case(TESTS / "shapes" / "engines" / "batch-several-focus-nodes.ttl"), 3),
            (*split_case(TESTS / "shapes" / "engines" / "batch-this-in-a-nested-group.ttl"), 0)]:
        queried = OxigraphQueriedGraph(graph)
        validation._validate_in_place(queried, shape_groups(graph, shapes, 1)[0])
        assert queried.by_rdflib == 0
        assert (queried.from_batches >= batched) if batched else queried.from_batches == 0
    monkeypatch.setattr(validation, "BATCH_MOST_ROWS", 2)  # ex:a alone has two rows: the batch is not kept
    data, shapes = split_case(TESTS / "shapes" / "engines" / "batch-several-focus-nodes.ttl")
    queried = OxigraphQueriedGraph(data)
    validation._validate_in_place(queried, shapes)
    assert queried.from_batches == 0 and queried.by_oxigraph == 3
    assert_same_report_as_pyshacl_alone(data, shapes, 1)


REFUSED_CASES = sorted((TESTS / "shapes" / "parallel" / "refused").glob("*.ttl"))


@pytest.mark.parametrize("processes", [1, 2])
@pytest.mark.parametrize("path", REFUSED_CASES, ids=[p.stem for p in REFUSED_CASES])
def test_a_shapes_graph_pyshacl_refuses_is_refused(path: Path, processes: int):
    """parallel/refused/: pyshacl alone raises an error for these shapes graphs; lifting property shapes
    or sharing them out must not turn that into a report."""
    from pyshacl import validate as pyshacl_validate
    from pyshacl.errors import ReportableRuntimeError

    data, shapes = split_case(path)
    with pytest.raises(ReportableRuntimeError) as alone:
        pyshacl_validate(data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True)
    with pytest.raises((ReportableRuntimeError, RuntimeError)) as ours:
        validate_graph(data, shapes, processes, parallel_from=0)
    assert str(alone.value).split("\n")[0][:40] in str(ours.value)


TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def checks(shapes: Graph) -> list[tuple]:
    """What a shapes graph has pyshacl run: (its targets, what runs on them), once per targeted node, where
    what runs is a property shape or the node's own constraints (sh:class, sh:sparql ...)."""
    out = []
    for node in {s for p in TARGETS for s in shapes.subjects(p, None)}:
        targets = tuple(sorted((p, o) for p in TARGETS for o in shapes.objects(node, p)))
        if (node, SH.path, None) in shapes:  # a property shape with targets (lifted onto its node's)
            out.append((targets, node))
            continue
        out += [(targets, prop) for prop in shapes.objects(node, SH.property)]
        own = sorted((p, o) for p, o in shapes.predicate_objects(node)
                     if p not in TARGETS and p not in (SH.property, RDF.type))
        if own:
            out.append((targets, node, tuple(own)))
    return sorted(out)


@pytest.mark.parametrize("processes", [2, 3, 50])
def test_each_check_runs_in_exactly_one_process(loaded, processes: int):
    """Each property shape, and each node shape's own constraints, on the same focus nodes as in one run,
    in one process only; every shape is in every process, for the constraints that name it."""
    groups = shape_groups(loaded.union(), loaded.shapes, processes)
    assert 1 < len(groups) <= processes
    assert sorted(c for group in groups for c in checks(group)) == checks(loaded.shapes)
    for group in groups:
        assert checks(group), "a process with nothing to check"
        assert set(loaded.shapes.subjects()) <= set(group.subjects())


def test_property_shapes_run_on_their_node_shapes_targets_in_one_process(loaded):
    """pyshacl runs a property shape named by sh:property once per focus node; given the node shape's
    targets it runs once on all of them. The same checks, on the same focus nodes."""
    [group] = shape_groups(loaded.union(), loaded.shapes, 1)
    assert checks(group) == checks(loaded.shapes)
    label = URIRef(expand("ljs:LabelShape-label"))
    assert (label, SH.targetSubjectsOf, RDF.type) in group
    assert not list(group.objects(URIRef(expand("ljs:LabelShape")), SH.property))
    languages = URIRef(expand("ljs:LabelLanguagesShape"))  # a SPARQL target: kept as it is
    assert set(group.objects(languages, SH.property)) == set(loaded.shapes.objects(languages, SH.property))


def test_validation_leaves_the_cycle_collector_as_it_found_it(loaded):
    """validate_graph turns Python's cycle collector off while pyshacl runs; a caller's setting comes back."""
    import gc

    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            validate_graph(base_graph(loaded), loaded.shapes)
            assert gc.isenabled() == enabled
    finally:
        gc.enable()


def test_the_label_checks_are_shared_out(loaded):
    """The label shape's checks on every typed resource are the largest part of the work: in two processes
    they are not all in one."""
    groups = shape_groups(loaded.union(), loaded.shapes, 2)
    label_checks = [sum(1 for c in checks(g) if c[1] in {URIRef(expand(f"ljs:LabelShape-{p}"))
                                                          for p in ("label", "description", "altLabel")})
                    for g in groups]
    assert sorted(label_checks) != [0, 3] and sum(label_checks) == 3


def test_there_are_at_most_255_groups():
    """The queue holds a group as one byte."""
    shapes = Graph()
    for i in range(300):
        shapes.add((URIRef(f"{SHAPES_NS}S{i}"), SH.targetNode, URIRef(f"http://example.org/n{i}")))
        shapes.add((URIRef(f"{SHAPES_NS}S{i}"), SH.property, URIRef(f"{SHAPES_NS}p")))
    assert len(shape_groups(Graph(), shapes, 1000)) == 255


CLASS_SHAPES = """
    @prefix ex: <http://example.org/> .
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ex:T a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
    ex:UShape a sh:NodeShape ; sh:targetClass ex:U ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
"""


def test_shapes_that_are_classes_are_not_shared_out():
    """A class that is a shape targets its instances with no target triple to leave out of a process."""
    data = Graph().parse(format="turtle", data="@prefix ex: <http://example.org/> . ex:a a ex:T . ex:b a ex:U .")
    shapes = Graph().parse(format="turtle", data=CLASS_SHAPES)
    assert shape_groups(data, shapes, 2) == [shapes]
    assert len(assert_same_report_as_pyshacl_alone(data, shapes, 2)) == 2


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, zombies included (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.append(int(stat.parent.name))
    return out


@pytest.mark.parametrize("processes", [2, 3])
def test_a_failing_validation_process_is_reported(processes: int):
    """An error in any process's share reaches the caller as an error, not as a conforming share, whichever
    process took it, and no validating process is left behind, running or unreaped."""
    data = Graph().parse(format="turtle", data="""
        @prefix ex: <http://example.org/> . ex:a a ex:T . ex:b a ex:T . ex:c a ex:U .""")
    shapes = Graph().parse(format="turtle", data="""
        @prefix ex: <http://example.org/> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:TShape a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
        ex:UShape a sh:NodeShape ; sh:targetClass ex:U ; sh:property [ sh:path ex:q ; sh:minCount "many" ] .
    """)
    before = children_of(os.getpid())
    with pytest.raises(RuntimeError, match="validation failed"):
        validate_graph(data, shapes, processes=processes, parallel_from=0)
    assert children_of(os.getpid()) == before


def test_a_dataset_is_validated_as_pyshacl_does():
    """A dataset's union is what pyshacl validates; the rdflib view of one graph would see none of it."""
    from rdflib import Dataset

    data = Dataset().parse(format="trig", data="""
        @prefix ex: <http://example.org/> .
        ex:b a ex:T .
        ex:g { ex:a a ex:T . }
    """)
    shapes = Graph().parse(format="turtle", data="""
        @prefix ex: <http://example.org/> .
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ex:TShape a sh:NodeShape ; sh:targetClass ex:T ; sh:property ex:p .
        ex:p sh:path ex:p ; sh:minCount 1 ; sh:message "no p" .
    """)
    assert len(assert_same_report_as_pyshacl_alone(data, shapes)) == 2
