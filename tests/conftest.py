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
