"""bench/generate.py: a synthetic data root of 10k triples loads, conforms to the shapes, has the size asked for,
is the same for the same seed (byte for byte) and different for another, points its passages into its own
source text, and answers the competency queries of queries/."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import TEST_BASE, run_select

from ljkg.loading import load
from ljkg.settings import PROJECT_ROOT
from ljkg.validation import validate

GENERATOR = PROJECT_ROOT / "bench" / "generate.py"
QUERIES = sorted((PROJECT_ROOT / "queries").glob("*.rq"))
# Queries about Ljubljana's own facts: the synthetic data must not change their answers. The others range over
# all exhibitions, dates, member counts and links, and must find the synthetic ones too.
GROWING = {"08-exhibition", "12-timeline", "13-member-counts", "15-external-links"}
SUMMARY = re.compile(r"triples=(\d+) generated=(\d+) files=(\d+) seconds=[\d.]+ out=(.+)")


def generate(out: Path, triples: str = "10k", seed: int = 1) -> subprocess.CompletedProcess:
    command = [sys.executable, str(GENERATOR), "--triples", triples, "--seed", str(seed), "--out", str(out)]
    return subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def store_of(root: Path) -> ox.Store:
    """Ontology and data in their named graphs, as the server stores them."""
    store = ox.Store()
    for folder in ("ontology", "data"):
        for path in sorted((root / folder).glob("*.ttl")):
            store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=TEST_BASE,
                            to_graph=ox.NamedNode(f"{TEST_BASE}graph/{folder}"))
    return store


def count(store: ox.Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")))["n"].value)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = tmp_path_factory.mktemp("generated") / "root"
    return root, generate(root)


@pytest.fixture(scope="module")
def root(generated) -> Path:
    return generated[0]


@pytest.fixture(scope="module")
def store(root) -> ox.Store:
    return store_of(root)


@pytest.fixture(scope="module")
def real_store() -> ox.Store:
    return store_of(PROJECT_ROOT)


def test_root_holds_the_project_folders_and_generated_files(root: Path):
    for folder in ("ontology", "shapes", "queries", "source"):
        assert tree(root / folder).keys() >= tree(PROJECT_ROOT / folder).keys(), folder
    assert (root / "ontology" / "context" / "v1.jsonld").is_file()
    for path in sorted((PROJECT_ROOT / "data").glob("*.ttl")):
        assert (root / "data" / path.name).read_bytes() == path.read_bytes(), f"{path.name} copied unchanged"
    assert (root / "data" / "generated-0001.ttl").is_file()
    assert (root / "source" / "generated-0001.sl.txt").is_file()


def test_stdout_is_one_summary_line(generated):
    root, result = generated
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    match = SUMMARY.fullmatch(lines[0])
    assert match, lines[0]
    assert Path(match.group(4)) == root
    assert int(match.group(3)) == len(list((root / "data").glob("generated-*.ttl")))
    assert "generated-0001.ttl" in result.stderr, "progress goes to stderr"


def test_size_within_3_percent_and_as_reported(generated, store):
    _root, result = generated
    triples = count(store)
    assert abs(triples - 10_000) <= 300
    assert int(SUMMARY.fullmatch(result.stdout.strip()).group(1)) == triples, "no duplicate triples"


def test_plain_integer_size(tmp_path: Path):
    result = generate(tmp_path / "root", "23456", seed=3)
    triples = count(store_of(tmp_path / "root"))
    assert abs(triples - 23_456) <= 0.03 * 23_456
    assert result.stdout.startswith(f"triples={triples} ")


def test_same_seed_same_bytes_other_seed_other_data(root: Path, tmp_path: Path):
    again = tmp_path / "again"
    generate(again)
    assert tree(again) == tree(root)
    generate(again, seed=2)  # replaces the root it wrote before
    other = tree(again)
    assert other["data/generated-0001.ttl"] != tree(root)["data/generated-0001.ttl"]
    assert other.keys() == tree(root).keys()


def test_refuses_a_folder_it_did_not_write(tmp_path: Path):
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    result = subprocess.run([sys.executable, str(GENERATOR), "--triples", "10k", "--out", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode != 0 and "refusing" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_conforms_to_the_shapes(root: Path):
    loaded = load(root, TEST_BASE)
    outcome = validate(loaded)
    assert outcome.conforms, "\n".join(f"{v.source_shape} {v.focus}: {v.message}" for v in outcome.violations[:20])


def test_passages_point_into_the_generated_text(root: Path, store: ox.Store):
    rows = run_select(store, """
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?text ?start ?end ?file WHERE {
          ?passage rdf:value ?text ; oa:hasSource ?file ; oa:hasSelector ?position .
          ?position oa:start ?start ; oa:end ?end .
          FILTER (STRSTARTS(STR(?file), CONCAT(STR(<>), "source/generated-")))
        }""")
    assert len(rows) > 100
    texts: dict[str, str] = {}
    for row in rows:
        path = row["file"].strip("<>")
        text = texts.setdefault(path, (root / path).read_text(encoding="utf-8"))
        start, end = int(row["start"].split("^^")[0]), int(row["end"].split("^^")[0])
        assert text[start:end] == row["text"].removesuffix("@sl")


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_queries(store: ox.Store, real_store: ox.Store, path: Path):
    query = path.read_text(encoding="utf-8")
    rows = run_select(store, query)
    real = run_select(real_store, query)
    key = sorted(map(repr, rows))
    if path.stem in GROWING:
        assert len(rows) > len(real)
        assert set(map(repr, real)) <= set(key)
    else:
        assert key == sorted(map(repr, real)), "synthetic data changed an answer about Ljubljana"


def test_many_more_memberships_than_the_real_data(store: ox.Store, real_store: ox.Store):
    query = """
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a/rdfs:subClassOf* org:Membership ; org:member ?member }"""
    synthetic = int(run_select(store, query)[0]["n"].split("^^")[0])
    real = int(run_select(real_store, query)[0]["n"].split("^^")[0])
    assert synthetic >= 10 * real
