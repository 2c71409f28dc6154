"""The release record (data/releases.toml) gives the catalogue's version number, dates and Last-Modified:
copies of the same files with other modification times publish the same bytes."""

from __future__ import annotations

import os
import shutil
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from conftest import TEST_BASE, start_server, stop_server
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, XSD

from ljkg.loading import LoadError
from ljkg.releases import read_releases
from ljkg.settings import PROJECT_ROOT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DATASET, CATALOGUE = URIRef(TEST_BASE + "dataset"), URIRef(TEST_BASE + "catalogue")
FOLDERS = ("ontology", "data", "shapes", "queries", "source")


def clone(target: Path, mtime: float) -> Path:
    """A copy of the data root as a fresh checkout would give it: same bytes, its own file times."""
    for folder in FOLDERS:
        shutil.copytree(PROJECT_ROOT / folder, target / folder)
    for path in target.rglob("*"):
        os.utime(path, (mtime, mtime))
    return target


def published(root: Path, cache: Path) -> dict[str, object]:
    """What a client sees of the catalogue and the dumps of a server on ``root`` (its own validation cache)."""
    served, server = start_server(data=str(root), base_uri=TEST_BASE, cache_dir=str(cache))
    try:
        with requests.Session() as http:
            port = server.effective_port
            local = f"http://127.0.0.1:{port}/"
            catalogue = http.get(local + "catalogue", headers={"Accept": "text/turtle"}, timeout=30)
            dump = http.get(local + "dataset/dump.nq", timeout=30)
            gzipped = http.get(local + "dataset/dump.ttl.gz", timeout=30)
            page = http.get(local + "id/organisation/mol", headers={"Accept": "text/turtle"}, timeout=30)
            for response in (catalogue, dump, gzipped, page):
                assert response.status_code == 200, response.text[:300]
            return {"catalogue": catalogue.content, "dump": dump.content, "gzipped": gzipped.content,
                    "catalogue_modified": catalogue.headers.get("Last-Modified"),
                    "dump_modified": dump.headers.get("Last-Modified"),
                    "page_modified": page.headers.get("Last-Modified")}
    finally:
        stop_server(served, server)


def test_two_clones_with_other_file_times_publish_the_same_bytes(tmp_path: Path):
    first = published(clone(tmp_path / "a", 1_000_000_000), tmp_path / "cache-a")  # 2001
    second = published(clone(tmp_path / "b", 1_700_000_000), tmp_path / "cache-b")  # 2023
    assert first == second
    graph = Graph().parse(data=first["catalogue"], format="turtle")
    record = read_releases(PROJECT_ROOT)  # the dates and number come from the record, whichever is latest
    assert graph.value(DATASET, DCTERMS.modified) == Literal(record.current.date)
    assert graph.value(DATASET, DCTERMS.issued) == Literal(record.issued)
    assert graph.value(CATALOGUE, DCTERMS.modified) == Literal(record.current.date)
    assert str(graph.value(DATASET, DCAT.version)) == record.current.version
    assert {n.language for n in graph.objects(DATASET, ADMS.versionNotes)} == {"sl", "en"}
    for header in ("catalogue_modified", "dump_modified", "page_modified"):
        assert first[header] == format_datetime(record.current.moment, usegmt=True), header


NEXT_RELEASE = """
[[release]]
version = "9.0.0"
date = 2027-02-03
notes.en = "Corrected a label."
notes.sl = "Popravljena oznaka."
"""


@pytest.mark.parametrize("store", ["memory", "disk", "remote"])
def test_a_new_release_entry_is_the_published_version_and_date(copy: Path, store: str):
    for folder in ("queries", "source"):
        shutil.copytree(PROJECT_ROOT / folder, copy / folder)
    record = copy / "data" / "releases.toml"
    record.write_text(record.read_text(encoding="utf-8") + NEXT_RELEASE, encoding="utf-8")
    served, server = start_server(store, data=str(copy), base_uri=TEST_BASE)
    try:
        local = f"http://127.0.0.1:{server.effective_port}/"
        response = requests.get(local + "catalogue", headers={"Accept": "text/turtle"}, timeout=30)
        assert response.headers["Last-Modified"] == "Wed, 03 Feb 2027 00:00:00 GMT"
        graph = Graph().parse(data=response.content, format="turtle")
        assert str(graph.value(DATASET, DCAT.version)) == "9.0.0"
        first_release = read_releases(PROJECT_ROOT).issued
        assert graph.value(DATASET, DCTERMS.issued) == Literal(first_release, datatype=XSD.date)  # the first
        assert graph.value(DATASET, DCTERMS.modified) == Literal("2027-02-03", datatype=XSD.date)
        assert {str(n) for n in graph.objects(DATASET, ADMS.versionNotes)} == {"Corrected a label.",
                                                                             "Popravljena oznaka."}
        page = requests.get(local + "id/place/ljubljana", timeout=30)
        assert page.headers["Last-Modified"] == "Wed, 03 Feb 2027 00:00:00 GMT"
        assert requests.get(local + "id/place/ljubljana", timeout=30,
                            headers={"If-Modified-Since": page.headers["Last-Modified"]}).status_code == 304
    finally:
        stop_server(served, server)


@pytest.mark.parametrize("text, complaint", [
    ("[[release]]\nversion = \"2\"\ndate = \"yesterday\"\n", "'date' must be a date"),
    ("[[release]\n", "releases.toml"),
    ("[[release]]\nversion = \"1\"\ndate = 2026-01-02\n[[release]]\nversion = \"2\"\ndate = 2025-01-01\n",
     "dated before"),
])
def test_a_broken_record_stops_the_start_naming_the_file(copy: Path, text: str, complaint: str):
    (copy / "data" / "releases.toml").write_text(text, encoding="utf-8")
    with pytest.raises(LoadError, match=complaint) as caught:
        start_server(data=str(copy), base_uri=TEST_BASE, cache_dir="off")
    assert "releases.toml" in str(caught.value)


def test_without_a_release_record_pages_and_sitemap_carry_no_date(copy: Path):
    for folder in ("queries", "source"):
        shutil.copytree(PROJECT_ROOT / folder, copy / folder)
    (copy / "data" / "releases.toml").unlink()
    served, server = start_server("memory", data=str(copy), base_uri=TEST_BASE)
    try:
        local = f"http://127.0.0.1:{server.effective_port}/"
        home = requests.get(local, headers={"Accept": "text/html"}, timeout=30)
        assert home.status_code == 200 and '"@type": "Dataset"' in home.text.replace('":"', '": "')
        assert "dateModified" not in home.text
        sitemap = requests.get(local + "sitemap.xml", timeout=30)
        assert sitemap.status_code == 200 and "<loc>" in sitemap.text and "<lastmod>" not in sitemap.text
    finally:
        stop_server(served, server)
