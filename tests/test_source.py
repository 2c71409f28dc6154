"""The source text is kept as data, and every passage of data/source.ttl points exactly into it."""

from __future__ import annotations

import hashlib

from conftest import TEST_BASE, run_select

from ljkg.settings import PROJECT_ROOT

SOURCE_FILE = PROJECT_ROOT / "source" / "mednarodno-sodelovanje.sl.txt"
SHARED_COPY = PROJECT_ROOT.parent / "shared" / "source" / "mednarodno-sodelovanje.sl.txt"

PASSAGES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX ljo: <ontology/>
SELECT ?passage ?kind ?text ?exact ?start ?end ?file WHERE {
  ?passage a ?kind ; rdf:value ?text ; oa:hasSource ?file ;
      oa:hasSelector ?position , ?quote .
  FILTER (?kind IN (ljo:Sentence, ljo:Section))
  ?position a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?quote a oa:TextQuoteSelector ; oa:exact ?exact .
}
"""


def source_text() -> str:
    return SOURCE_FILE.read_text(encoding="utf-8")


def test_source_file_is_as_received():
    data = SOURCE_FILE.read_bytes()
    assert len(data) == 2326
    assert len(data.decode("utf-8")) == 2264
    if SHARED_COPY.exists():
        assert hashlib.sha256(data).digest() == hashlib.sha256(SHARED_COPY.read_bytes()).digest()
    assert (PROJECT_ROOT / "source" / "README.md").exists(), "the copy states its origin"


def test_every_passage_slices_the_file_to_its_text(oxstore):
    text = source_text()
    rows = run_select(oxstore, PASSAGES)
    assert len(rows) == 15 + 4
    for row in rows:
        start = int(row["start"].split("^^")[0])
        end = int(row["end"].split("^^")[0])
        stored = row["text"].removesuffix("@sl")
        assert row["text"].endswith("@sl") and row["exact"].endswith("@sl")
        assert text[start:end] == stored, row["passage"]
        assert row["exact"] == row["text"]
        assert row["file"] == "<source/mednarodno-sodelovanje.sl.txt>"


def test_sentences_cover_the_text(oxstore):
    """The 15 sentences, in order, are all the text outside the headings, with nothing left out."""
    rows = run_select(oxstore, PASSAGES.replace("ljo:Sentence, ljo:Section", "ljo:Sentence"))
    spans = sorted((int(r["start"].split("^^")[0]), int(r["end"].split("^^")[0])) for r in rows)
    assert len(spans) == 15
    text = source_text()
    headings = {"Mednarodno sodelovanje", "Mreža les Rencontres",
                "Mreža mest zatočišč za preganjane pisatelje ICORN", "Mreža Eurocities",
                "Predstavitve Ljubljane v tujini"}
    rest, last = [], 0
    for start, end in spans:
        rest.append(text[last:start])
        last = end
    rest.append(text[last:])
    leftover = [chunk.strip() for chunk in "".join(rest).split("\n") if chunk.strip()]
    assert set(leftover) == headings


def test_document_states_its_file(loaded):
    from rdflib import URIRef

    graph = loaded.union()
    schema = "https://schema.org/"
    document = URIRef(TEST_BASE + "source/mednarodno-sodelovanje")
    files = list(graph.objects(document, URIRef(schema + "encoding")))
    assert files == [URIRef(TEST_BASE + "source/mednarodno-sodelovanje.sl.txt")]
    path = PROJECT_ROOT / files[0][len(TEST_BASE):]
    assert path == SOURCE_FILE and path.exists()
    assert str(graph.value(files[0], URIRef(schema + "name"))) == SOURCE_FILE.name
    assert str(graph.value(files[0], URIRef(schema + "contentSize"))) == f"{len(path.read_bytes())} bytes"
