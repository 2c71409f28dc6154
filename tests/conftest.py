"""Shared fixtures. Tests load the real files and (for the server) start the real server on a loopback port."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ljkg.loading import Loaded, load
from ljkg.settings import PROJECT_ROOT

TEST_BASE = "http://ljkg.test/"
TESTS = Path(__file__).resolve().parent


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Validations kept by the servers of this run go to a folder of its own, not the developer's ~/.cache."""
    import os

    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """No LJKG_* variable of the developer's shell may change what a test sees."""
    import os

    for key in list(os.environ):
        if key.startswith("LJKG_"):
            monkeypatch.delenv(key)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of ontology/, data/ and shapes/ that a test may break."""
    root = tmp_path / "root"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    return root


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    return load(PROJECT_ROOT, TEST_BASE)


@pytest.fixture(scope="session")
def oxstore(loaded) -> ox.Store:
    from ljkg.store.oxigraph import from_files

    return from_files(loaded)


def run_select(store: ox.Store, query: str) -> list[dict[str, str]]:
    """Run a SELECT on the union of the named graphs; terms as strings with the test base stripped."""
    rows = []
    solutions = store.query(query, base_iri=TEST_BASE, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    for solution in solutions:
        row = {}
        for name in names:
            term = solution[name]
            row[name] = None if term is None else term_text(term)
        rows.append(row)
    return rows


def term_text(term) -> str:
    """IRIs of ours as '<id/...>', other IRIs as '<...>', literals as value@lang or value^^datatype-local-name."""
    if isinstance(term, ox.NamedNode):
        value = term.value
        return "<" + (value[len(TEST_BASE):] if value.startswith(TEST_BASE) else value) + ">"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value}@{term.language}"
        dt = term.datatype.value
        if dt.endswith("#string"):
            return term.value
        return f"{term.value}^^{dt.rsplit('#', 1)[-1]}"
    return str(term)


# --- the real server on a loopback port -------------------------------------------------------------

import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402


@dataclass
class Served:
    base: str
    app: object
    pub: object
    cleanup: list = field(default_factory=list)

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")


STORES = ("memory", "disk", "remote")


def start_server(store: str = "memory", **overrides) -> tuple[Served, object]:
    """Bind 127.0.0.1:0 first (so the base IRI is known), fill the store, serve the app with waitress.

    ``store``: memory (the default: files loaded at start-up), disk (`ljkg load` into a temporary folder,
    then served read-only) or remote (that folder served by a real `oxigraph serve-read-only` on another
    loopback port, with our server in front of it as --sparql-backend).
    """
    from waitress.server import create_server

    from ljkg.app import create_app
    from ljkg.connections import proxy_options
    from ljkg.settings import Settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings.from_env({}, port=port, **overrides)
    cleanup = []
    if store != "memory":
        folder = fill_store_folder(settings)
        cleanup.append(lambda: shutil.rmtree(folder, ignore_errors=True))
        if store == "disk":
            settings = Settings.from_env({}, port=port, store=str(folder), **overrides)
        else:
            backend = start_oxigraph(folder, timeout=settings.query_timeout)
            cleanup.insert(0, backend.stop)
            settings = Settings.from_env({}, port=port, sparql_backend=backend.endpoint, **overrides)
    app = create_app(settings)
    server = create_server(app, sockets=[sock], threads=8, **proxy_options(settings))
    server.closing = threading.Event()
    thread = threading.Thread(target=serve_until_closed, args=(server,), daemon=True)
    thread.start()
    return Served(settings.base, app, app.config["PUBLICATION"], cleanup), server


def serve_until_closed(server) -> None:
    """waitress's loop may be in select() on a socket that stop_server has just closed (EBADF): that is
    the stop we asked for, not an error."""
    try:
        server.run()
    except OSError:
        if not server.closing.is_set():
            raise


def fill_store_folder(settings) -> Path:
    """What `ljkg load --store DIR` does, into a fresh temporary folder."""
    from ljkg.checked import check
    from ljkg.store.oxigraph import write_directory

    folder = Path(tempfile.mkdtemp(prefix="ljkg-store-"))
    checked = check(settings)
    write_directory(folder, checked.files, checked.namespaces.base, {checked.metadata_graph_iri: checked.metadata})
    return folder


@dataclass
class OxigraphServer:
    process: subprocess.Popen
    endpoint: str

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.process.stderr:
            self.process.stderr.close()


def start_oxigraph(folder: Path, timeout: float = 5.0) -> OxigraphServer:
    """A real Oxigraph server (the `oxigraph` package's binary) on a free loopback port, read-only.

    Without --union-default-graph: the publisher asks for the union in each request (see store/remote.py).
    """
    import requests

    from ljkg.store.layout import served_database

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    process = subprocess.Popen(
        [binary, "serve-read-only", "--location", str(served_database(folder)), "--bind", f"127.0.0.1:{port}",
         "--timeout-s", str(max(1, round(timeout)))],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}/query"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph exited: {process.stderr.read().decode()}")
        try:
            if requests.get(endpoint, params={"query": "ASK {}"}, timeout=1).ok:
                return OxigraphServer(process, endpoint)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("oxigraph did not start within 30 s")


def stop_server(served: Served, server) -> None:
    server.closing.set()
    server.close()
    served.pub.store.close()
    for step in getattr(served, "cleanup", []):
        step()


@pytest.fixture(scope="session", params=STORES)
def served(request):
    """The publisher on each store in turn: every test that uses it runs against memory, disk and remote."""
    s, server = start_server(request.param)
    yield s
    stop_server(s, server)


@pytest.fixture(scope="session")
def http():
    import requests

    session = requests.Session()
    yield session
    session.close()
