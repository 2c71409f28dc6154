"""Shared fixtures. Tests load the real files and (for the server) start the real server on a loopback port."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from ljkg.loading import Loaded, load
from ljkg.settings import PROJECT_ROOT

TEST_BASE = "http://ljkg.test/"
TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    """No LJKG_* variable of the developer's shell may change what a test sees."""
    import os

    for key in list(os.environ):
        if key.startswith("LJKG_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def loaded() -> Loaded:
    return load(PROJECT_ROOT, TEST_BASE)


@pytest.fixture(scope="session")
def oxstore(loaded) -> ox.Store:
    from ljkg.store.memory import oxigraph_store

    return oxigraph_store(loaded)


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

import socket  # noqa: E402
import threading  # noqa: E402
from dataclasses import dataclass  # noqa: E402


@dataclass
class Served:
    base: str
    app: object
    pub: object

    def url(self, path: str = "") -> str:
        return self.base + path.lstrip("/")


def start_server(**overrides) -> tuple[Served, object]:
    """Bind 127.0.0.1:0 first (so the base IRI is known), build the app, serve it with waitress."""
    from waitress.server import create_server

    from ljkg.app import create_app
    from ljkg.settings import Settings

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings.from_env({}, port=port, **overrides)
    app = create_app(settings)
    server = create_server(app, sockets=[sock], threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    return Served(settings.base, app, app.config["PUBLICATION"]), server


def stop_server(served: Served, server) -> None:
    server.close()
    served.pub.store.close()


@pytest.fixture(scope="session")
def served():
    s, server = start_server()
    yield s
    stop_server(s, server)


@pytest.fixture(scope="session")
def http():
    import requests

    session = requests.Session()
    yield session
    session.close()
