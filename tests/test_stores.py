"""The stores: `ljkg load` (validated, progress, atomic), serving a disk store read-only, a remote backend's
errors. That the publisher behaves the same on all three is the `served` fixture's job (conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import TEST_BASE, start_oxigraph, start_server, stop_server

from ljkg.cli import main
from ljkg.publication import StoreUnavailable, build_publication
from ljkg.settings import Settings
from ljkg.store.layout import served_database


def load(*args: str):
    return CliRunner().invoke(main, ["load", "--base-uri", TEST_BASE, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    result = load("--store", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_load_reports_progress_and_fills_every_graph(loaded_store: Path):
    import pyoxigraph as ox

    store = ox.Store.read_only(str(served_database(loaded_store)))
    graphs = sorted(g.value for g in store.named_graphs())
    assert graphs == [TEST_BASE + "graph/data", TEST_BASE + "graph/metadata", TEST_BASE + "graph/ontology"]
    report = ox.NamedNode(TEST_BASE + "dataset/validation-report")
    conforms = list(store.quads_for_pattern(report, ox.NamedNode("http://www.w3.org/ns/shacl#conforms"), None))
    assert [q.object.value for q in conforms] == ["true"]


def test_load_prints_each_stage(tmp_path: Path, loaded):
    result = load("--store", str(tmp_path / "s"), "--cache-dir", "off")  # validated now, not reused
    assert result.exit_code == 0
    # the files and triples the loader read: the ones the shared `loaded` fixture parsed from the same folder
    assert f"parsed {len(loaded.files)} files, {len(loaded.dataset):,} triples" in result.output
    assert "validated with SHACL: conforms" in result.output
    assert "stored icorn.ttl in <http://ljkg.test/graph/data>" in result.output
    loaded_line = result.output.strip().splitlines()[-1]
    assert loaded_line.startswith("Loaded "), loaded_line
    import pyoxigraph as ox

    store = ox.Store.read_only(str(served_database(tmp_path / "s")))
    assert loaded_line.split()[1] == f"{len(store):,}"  # the quads it says it stored are the ones stored


def test_load_refuses_invalid_data_and_writes_nothing(copy: Path, tmp_path: Path):
    icorn = copy / "data" / "icorn.ttl"
    icorn.write_text(icorn.read_text(encoding="utf-8") + '\nperson:guest-from-morocco-1 schema:name "X" .\n',
                     encoding="utf-8")
    result = load("--data", str(copy), "--store", str(tmp_path / "s"))
    assert result.exit_code == 1
    assert "does not conform" in result.output and "GuestShape-name" in result.output
    assert not (tmp_path / "s").exists() or not any((tmp_path / "s").iterdir())


def test_load_keeps_an_existing_store_unless_replace(loaded_store: Path, tmp_path: Path):
    folder = tmp_path / "s"
    assert load("--store", str(folder)).exit_code == 0
    again = load("--store", str(folder))
    assert again.exit_code == 2 and "--replace" in again.output
    assert load("--store", str(folder), "--replace").exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["current", "versions"]  # no staging link left behind
    assert [p.name for p in (folder / "versions").iterdir()] == [served_database(folder).name]  # old one removed


def test_load_without_store_is_a_usage_error():
    result = load()
    assert result.exit_code == 2 and "--store" in result.output


def test_serving_a_store_of_another_base_is_refused(loaded_store: Path):
    settings = Settings.from_env({}, store=str(loaded_store), base_uri="https://elsewhere.example/")
    with pytest.raises(StoreUnavailable, match="same --base-uri"):
        build_publication(settings)


def test_missing_store_folder_is_refused(tmp_path: Path):
    settings = Settings.from_env({}, store=str(tmp_path / "nothing"), base_uri=TEST_BASE)
    with pytest.raises(StoreUnavailable, match="ljkg load --store"):
        build_publication(settings)


def test_store_and_backend_exclude_each_other(loaded_store: Path):
    settings = Settings.from_env({}, store=str(loaded_store), sparql_backend="http://127.0.0.1:9/query")
    with pytest.raises(StoreUnavailable, match="exclude each other"):
        build_publication(settings)


def test_unreachable_backend_is_refused_at_start():
    with socket_port() as port:  # nothing listens there
        settings = Settings.from_env({}, sparql_backend=f"http://127.0.0.1:{port}/query", base_uri=TEST_BASE)
    with pytest.raises(StoreUnavailable, match="unreachable"):
        build_publication(settings)


def test_backend_gone_after_start_is_502_and_the_server_stays_up():
    s, server = start_server("remote")
    try:
        s.cleanup[0]()  # stop the Oxigraph backend
        r = requests.get(s.url("sparql"), params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert r.status_code == 502 and "unreachable" in r.text
        home = requests.get(s.url("dataset/validation-report"), timeout=10)
        assert home.status_code == 200  # what was read at start-up is still served
    finally:
        stop_server(s, server)


def test_a_disk_store_can_also_be_served_by_oxigraph(loaded_store: Path):
    backend = start_oxigraph(loaded_store)
    try:
        r = requests.post(backend.endpoint, data={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"}, timeout=10)
        assert int(r.json()["results"]["bindings"][0]["n"]["value"]) > 2600
    finally:
        backend.stop()


def socket_port():
    import contextlib
    import socket

    @contextlib.contextmanager
    def free():
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        yield port

    return free()
