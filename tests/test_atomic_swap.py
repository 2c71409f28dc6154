"""`ljkg load --replace` killed at any instant leaves a store that `ljkg serve --store` serves, old or new.

Each test copies a filled store (in today's layout or the one before versions), starts a real
`ljkg load --replace` with new data, stops it at a named phase (LJKG_LOAD_PAUSE_AT, see ljkg/store/layout.py),
kills it with SIGKILL, and asks a real `ljkg serve --store` for the dataset version over HTTP.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from conftest import TEST_BASE

from ljkg.iris import Namespaces
from ljkg.loading import fingerprint, source_files
from ljkg.settings import PROJECT_ROOT
from ljkg.store.layout import PAUSE_VARIABLE, served_database

BASE = Namespaces(TEST_BASE).base
VERSION_QUERY = f"""SELECT ?version WHERE {{
    <{Namespaces(TEST_BASE).dataset}> <http://www.w3.org/2002/07/owl#versionInfo> ?version }}"""
# phase -> the version a server started after the kill must serve
PHASES = {"validate": "old", "write": "old", "before-swap": "old", "after-swap": "new", "delete": "new"}


def ljkg(*args: str) -> list[str]:
    return [sys.executable, "-m", "ljkg.cli", *args]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LJKG_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env | extra


def version_of(root: Path) -> str:
    return fingerprint(root, source_files(root), BASE)[0]


def load(store: Path, data: Path, *extra: str, cache: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(ljkg("load", "--replace", "--store", str(store), "--data", str(data), "--base-uri",
                                 TEST_BASE, "--cache-dir", str(cache), *extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment(**env))


def finished_load(store: Path, data: Path, cache: Path) -> str:
    process = load(store, data, cache=cache)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return err


@contextmanager
def paused(phase: str, store: Path, data: Path, cache: Path):
    """A replace run until it says it paused at ``phase``; SIGKILLed when the block ends."""
    process = load(store, data, cache=cache, **{PAUSE_VARIABLE: phase})
    said = []
    try:
        while line := process.stderr.readline():
            said.append(line)
            if f"paused at phase {phase}" in line:
                break
        else:
            pytest.fail(f"the load never reached phase {phase}: {''.join(said)}")
        yield
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stderr.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(store: Path):
    """A real `ljkg serve --store` on a loopback port; yields its URL once it answers."""
    port = free_port()
    process = subprocess.Popen(ljkg("serve", "--store", str(store), "--base-uri", TEST_BASE, "--host", "127.0.0.1",
                                    "--port", str(port)),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment())
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"`ljkg serve --store {store}` exited {process.returncode}: {process.stderr.read()}")
            try:
                requests.get(url, timeout=2)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("`ljkg serve --store` did not answer within 60 s")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def served_version(url: str) -> str:
    """The dataset version, asked over SPARQL as a user would, once the home page has answered 200."""
    assert requests.get(url, timeout=10).status_code == 200
    answer = requests.get(url + "sparql", params={"query": VERSION_QUERY},
                          headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["bindings"][0]["version"]["value"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def filled(tmp_path_factory, cache: Path) -> Path:
    """A store of the project's data, filled once by `ljkg load`; each test works on a copy."""
    store = tmp_path_factory.mktemp("filled") / "store"
    finished_load(store, PROJECT_ROOT, cache)
    return store


@pytest.fixture(scope="module")
def new_data(tmp_path_factory) -> Path:
    """The project's data with one more comment line: the same triples, another dataset version."""
    root = tmp_path_factory.mktemp("new")
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    place = root / "data" / "ljubljana.ttl"
    place.write_text(place.read_text(encoding="utf-8") + "\n# the next version\n", encoding="utf-8")
    assert version_of(root) != version_of(PROJECT_ROOT)
    return root


def copy_store(filled: Path, into: Path, layout: str) -> Path:
    if layout == "versions":
        shutil.copytree(filled, into, symlinks=True)
    else:  # the layout `ljkg load` wrote before versions: the database in DIR/oxigraph
        into.mkdir()
        shutil.copytree(served_database(filled), into / "oxigraph")
    return into


@pytest.mark.parametrize("layout", ["versions", "oxigraph folder"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_a_replace_killed_at_any_phase_leaves_a_store_that_serves(phase, layout, filled, new_data, cache, tmp_path):
    store = copy_store(filled, tmp_path / "store", layout)
    # the phase "validate" must really validate: no cached report for the new version
    with paused(phase, store, new_data, tmp_path / "fresh-cache" if phase == "validate" else cache):
        pass  # killed here
    expected = version_of(new_data if PHASES[phase] == "new" else PROJECT_ROOT)
    with serving(store) as url:
        assert served_version(url) == expected
    # the next load finishes the job: the new version served, nothing an earlier load left behind
    finished_load(store, new_data, cache)
    kept = sorted(p.name for p in store.iterdir() if not p.name.startswith("search-"))  # (the search index beside)
    assert kept == ["current", "versions"]
    assert [p.name for p in (store / "versions").iterdir()] == [served_database(store).name]
    with serving(store) as url:
        assert served_version(url) == version_of(new_data)


@pytest.mark.parametrize("layout", ["versions", "oxigraph folder"])
def test_a_running_server_keeps_serving_its_version_through_a_replace(layout, filled, new_data, cache, tmp_path):
    store = copy_store(filled, tmp_path / "store", layout)
    old = served_database(store)
    with serving(store) as url:
        said = finished_load(store, new_data, cache)
        assert "a server still has it open" in said
        assert old.is_dir()  # kept for the running server
        # its pages and its query processes (which open the store at their first query) read the old version
        assert served_version(url) == version_of(PROJECT_ROOT)
        with serving(store) as restarted:  # a restart is what picks up the new version
            assert served_version(restarted) == version_of(new_data)
    finished_load(store, new_data, cache)  # no server holds the old version any more: removed now
    assert not old.exists()
    assert [p.name for p in (store / "versions").iterdir()] == [served_database(store).name]


def test_a_second_load_on_the_same_folder_is_refused_while_one_runs(filled, new_data, cache, tmp_path):
    store = copy_store(filled, tmp_path / "store", "versions")
    with paused("write", store, new_data, cache):
        second = load(store, new_data, cache=cache)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 2 and "another `ljkg load` is filling this folder" in err
    with serving(store) as url:
        assert served_version(url) == version_of(PROJECT_ROOT)
