"""`ljkg validate`: exit 0 and counts on the real data, 1 with violations grouped by shape, 2 on a file
that does not parse; `--format turtle` prints the SHACL report graph."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import TEST_BASE
from rdflib import RDF, Graph, Literal, Namespace

from ljkg.cli import main
from ljkg.settings import PROJECT_ROOT

SH = Namespace("http://www.w3.org/ns/shacl#")


def run(*args: str):
    return CliRunner().invoke(main, ["validate", "--base-uri", TEST_BASE, *args], catch_exceptions=False)


def test_real_data_conforms_and_counts_classes():
    result = run("--data", str(PROJECT_ROOT))
    assert result.exit_code == 0, result.output
    assert "Conforms: yes" in result.output
    assert "Resources by class:" in result.output
    assert "ljo:Sentence" in result.output and "org:Membership" in result.output


def test_broken_fact_exits_1_with_violation_grouped_by_shape(copy: Path):
    icorn = copy / "data" / "icorn.ttl"
    # invent a name for an anonymous guest
    icorn.write_text(icorn.read_text(encoding="utf-8") + '\nperson:guest-from-morocco-1 schema:name "X" .\n',
                     encoding="utf-8")
    result = run("--data", str(copy))
    assert result.exit_code == 1, result.output
    assert "Conforms: NO (1 results)." in result.output
    lines = result.output.splitlines()
    header = lines.index(f"{TEST_BASE}shapes/GuestShape-name  (1)")
    violation = lines[header + 1]
    assert violation.startswith(f"  [Violation] {TEST_BASE}id/person/guest-from-morocco-1 path https://schema.org/name")
    assert "never give them a name" in violation


def test_format_turtle_prints_the_report_graph(copy: Path):
    presentations = copy / "data" / "presentations-abroad.ttl"
    # date a planned Day of Ljubljana (planned as of about 2016) in 2015, beside its real year
    presentations.write_text(presentations.read_text(encoding="utf-8")
                             + '\nevent:days-of-ljubljana-in-sofia-2017 schema:startDate "2015"^^xsd:gYear .\n',
                             encoding="utf-8")
    result = run("--data", str(copy), "--format", "turtle")
    assert result.exit_code == 1
    report = Graph().parse(data=result.output, format="turtle")
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(False)
    shapes = {str(report.value(r, SH.sourceShape)) for r in report.subjects(RDF.type, SH.ValidationResult)}
    assert shapes == {f"{TEST_BASE}shapes/PlannedEventShape", f"{TEST_BASE}shapes/EventShape-startDate"}


def test_format_turtle_on_real_data():
    result = run("--data", str(PROJECT_ROOT), "--format", "turtle")
    assert result.exit_code == 0
    report = Graph().parse(data=result.output, format="turtle")
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    assert report.value(node, SH.conforms) == Literal(True)


def test_syntax_error_exits_2(copy: Path):
    (copy / "data" / "like.ttl").write_text("@prefix broken <id/> .\nthis is not turtle\n", encoding="utf-8")
    result = run("--data", str(copy))
    assert result.exit_code == 2
    assert "like.ttl" in result.output


def test_validation_processes_give_the_same_report(copy: Path, caplog):
    """`--validation-processes 3` at any size: the shapes shared out between three processes."""
    caplog.set_level("INFO", logger="ljkg.validation")
    presentations = copy / "data" / "presentations-abroad.ttl"
    presentations.write_text(presentations.read_text(encoding="utf-8")
                             + '\nevent:days-of-ljubljana-in-sofia-2017 schema:startDate "2015"^^xsd:gYear .\n',
                             encoding="utf-8")
    one, three = (run("--data", str(copy), "--validation-processes", n) for n in ("1", "3"))
    assert (one.exit_code, three.exit_code) == (1, 1)
    assert one.output == three.output and "PlannedEventShape" in three.output
    assert [r.getMessage() for r in caplog.records if "groups of shapes" in r.getMessage()] == [
        "SHACL: 48 groups of shapes in 3 processes"]  # GROUPS_PER_PROCESS each
