"""The SPARQL guard reads the query as the engine does: tokenizer cases checked against Oxigraph itself, and
the endpoint's refusals (SERVICE, depth, patterns, unreadable text) over HTTP, with no engine text in them.

Each case in tests/cases/sparql-tokens/ is a query whose `#!` comment lines say what the guard must read
from it: `service`, `volatile`, `dataset` (FROM), `form`, `depth`, a `token` it must contain, or the
`error` line:column where no SPARQL token can be read. LISTENER in a case is the port of a socket this
test listens on, so a case that says `service: yes` must make Oxigraph connect to it, and one that says
`service: no` must not.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import start_server, stop_server

from ljkg import sparql_tokens

CASES = sorted((Path(__file__).parent / "cases" / "sparql-tokens").glob("*.rq"))


class Listener:
    """A TCP socket on 127.0.0.1 that counts the connections made to it (and closes each at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


def expectations(path: Path) -> tuple[str, dict[str, str], list[tuple[str, str]]]:
    text = path.read_text(encoding="utf-8")
    expected: dict[str, str] = {}
    tokens: list[tuple[str, str]] = []
    for line in text.splitlines():
        if line.startswith("#! "):
            key, _, value = line[3:].partition(": ")
            if key == "token":
                kind, _, token = value.partition(" ")
                tokens.append((kind, token))
            else:
                expected[key] = value
    return text, expected, tokens


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_token_case(path, listener):
    text, expected, wanted = expectations(path)
    query = text.replace("LISTENER", str(listener.port))
    if "error" in expected:
        with pytest.raises(sparql_tokens.TokenError) as refused:
            sparql_tokens.read(query)
        line, column = (int(n) for n in expected["error"].split(":"))
        assert (refused.value.line, refused.value.column) == (line, column)
        assert f"line {line}, column {column}" in str(refused.value)
        with pytest.raises(SyntaxError):  # the engine cannot read it either
            ox.Store().query(query)
        return
    reading = sparql_tokens.read(query)
    found = [(kind, token) for kind, token, _ in sparql_tokens.tokens(query)]
    for token in wanted:
        assert token in found, f"{token} not among {found}"
    if "form" in expected:
        assert reading.form == expected["form"]
    if "volatile" in expected:
        assert reading.volatile is (expected["volatile"] == "yes")
    if "dataset" in expected:
        assert reading.names_dataset is (expected["dataset"] == "yes")
    if "depth" in expected:
        assert reading.depth == int(expected["depth"])
    if "service" in expected:
        assert (reading.service_at is not None) is (expected["service"] == "yes")
        engine_connects(query, listener, expected["service"] == "yes")


def engine_connects(query: str, listener: Listener, should: bool) -> None:
    """Oxigraph evaluates the case on a store with one triple: a SERVICE it sees connects to the listener."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                      ox.Literal("o")))
    try:
        result = store.query(query, use_default_graph_as_union=True)
        if not isinstance(result, ox.QueryBoolean):
            list(result)
    except OSError:
        pass  # the listener closed the connection: the engine did try
    assert (listener.connections > 0) is should, f"{listener.connections} connections"


def test_every_competency_query_reads_and_passes_the_limits():
    from ljkg.sparql import Limits, guard

    queries = sorted((Path(__file__).parent.parent / "queries").glob("*.rq"))
    assert queries
    for path in queries:
        guard(path.read_text(encoding="utf-8"), Limits(10, False))
        assert sparql_tokens.read(path.read_text(encoding="utf-8")).depth < 10


# --- over HTTP --------------------------------------------------------------------------------------


def sparql_get(http, served, query: str, **headers):
    return http.get(served.url("sparql"), params={"query": query}, headers=headers, timeout=30)


ESCAPED_SERVICE = ("PREFIX ex: <http://example.org/> SELECT * WHERE {{ VALUES ?x {{ ex:a\\#b }} "
                   "SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")


def test_escaped_name_does_not_hide_service(served, http, listener):
    response = sparql_get(http, served, ESCAPED_SERVICE.format(port=listener.port))
    assert response.status_code == 400
    assert "SERVICE (at line 1, column 73) is disabled" in response.text
    assert listener.connections == 0


def test_escaped_name_does_not_hide_rand(served, http):
    query = "PREFIX ex: <http://example.org/> SELECT ?r WHERE { VALUES ?x { ex:a\\'b } BIND(RAND() AS ?r) }"
    first, second = sparql_get(http, served, query), sparql_get(http, served, query)
    assert first.status_code == second.status_code == 200
    assert second.headers.get("X-Cache") != "hit"
    assert second.headers["Cache-Control"] == "no-store"
    assert "ETag" not in second.headers


@pytest.mark.parametrize("name, query, limit", [
    ("10,000 nested braces", "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000, "--max-query-depth"),
    ("10,000 nested parentheses", "SELECT * WHERE { FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }",
     "--max-query-depth"),
    ("2,000 nested subqueries", "SELECT * WHERE " + "{ SELECT * WHERE " * 2000 + "{}" + " }" * 2000,
     "--max-query-depth"),
    ("3,500 BINDs", "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(3500)) + " }",
     "--max-query-patterns"),
    ("1,000 OPTIONALs", "SELECT * WHERE { ?s ?p ?o " + " OPTIONAL { ?s ?p ?x }" * 1000 + " }",
     "--max-query-patterns"),
])
def test_shapes_that_crashed_the_engine_are_refused(served, http, name, query, limit):
    response = sparql_get(http, served, query, Accept="application/json")
    assert response.status_code == 400, name
    message = response.json()["message"]
    assert limit in message and "line 1, column" in message


def test_limits_are_settings(http):
    served, server = start_server(max_query_depth=3, max_query_patterns=2)
    try:
        assert sparql_get(http, served, "ASK { { { } } }").status_code == 200  # depth 3
        deep = sparql_get(http, served, "ASK { { { ?s ?p (1) } } }")
        assert deep.status_code == 400 and "4 deep" in deep.text and "at most 3 (--max-query-depth)" in deep.text
        assert sparql_get(http, served, "ASK { BIND(1 AS ?a) BIND(2 AS ?b) }").status_code == 200
        many = sparql_get(http, served, "ASK { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(true) }")
        assert many.status_code == 400 and "line 1, column 35" in many.text and "--max-query-patterns" in many.text
    finally:
        stop_server(served, server)


def test_unreadable_query_names_line_and_column(served, http):
    response = sparql_get(http, served, 'SELECT * WHERE {\n  ?s ?p "abc\n}', Accept="application/json")
    assert response.status_code == 400
    assert "line 2, column 9" in response.json()["message"]


def test_service_failure_keeps_the_os_error_out_of_the_body(http, listener):
    """With --allow-remote, a SERVICE whose endpoint refuses or drops the connection is our own 502."""
    served, server = start_server(allow_remote=True)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now: "Connection refused (os error 111)" in the engine
    try:
        for target in (port, listener.port):
            query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{target}/> {{ ?s ?p ?o }} }}"
            response = sparql_get(http, served, query, Accept="application/json")
            assert response.status_code == 502
            message = response.json()["message"]
            assert "the SERVICE call at line 1, column 18 failed" in message
            for engine_text in ("os error", "refused", "Connection", "reset", "111"):
                assert engine_text not in response.text
    finally:
        stop_server(served, server)
    assert listener.connections >= 1
