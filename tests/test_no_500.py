"""No request gets a 500: property-based, over resource paths, query parameters, headers, methods and
SPARQL texts, against the real server (hypothesis draws the requests; each is sent as raw HTTP).

A 503 is allowed (a random query may hit the time limit, or the server may be busy: both are answers the
client can act on); every other 5xx fails the test, whatever its cause.
"""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# No example database: nothing is written into the work tree (a failure prints its example and @reproduce_failure).
RUNS = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE_TEXTS = ("Traceback", "ValueError", "SyntaxError(", "UnicodeEncodeError", "OSError", "pyoxigraph")

# Pieces a path is made of: our own route names, suffixes, and percent sequences that are and are not escapes.
PATH_PIECES = st.sampled_from([
    "id/", "id/place/", "id/place/ljubljana", "ontology", "ontology/", "ontology/hostedBy", "source/",
    "source/mednarodno-sodelovanje", "source/mednarodno-sodelovanje.sl.txt", "dataset", "dataset/dump.ttl",
    "dataset/dump.nq.gz", "dataset/dump.", "dataset/validation-report", "dataset/validation-report.ttl",
    "catalogue", ".well-known/void", "context/v1.jsonld", "context/", "sparql", "graph/data", "static/",
    ".ttl", ".html", ".jsonld", ".nt", ".rdf", ".", "..", "/", "//", "%", "%z", "%zz", "%00", "%0D%0A", "%20",
    "%C5%BE", "%C5", "%FF", "%ED%A0%80", "%2F", "%25", "%3E", "%22", "%7B", "%5C", "%7C", "%5E", "%60", "%3C",
    "%09", "?", "#", ";", "@", "~",
])
TEXT = st.text(max_size=20)  # any unicode, sent UTF-8 percent-encoded
PATHS = st.lists(st.one_of(PATH_PIECES, TEXT.map(lambda t: quote(t, safe=""))), max_size=6).map("".join)

PARAM_NAMES = st.one_of(st.sampled_from(["format", "output", "results", "lang", "query", "default-graph-uri",
                                          "named-graph-uri", "incoming", "offset", "page", "update"]), TEXT)
PARAM_VALUES = st.one_of(TEXT, st.sampled_from(["json", "xml", "rdf+xml", "csv", "html", "sl", "en", "", " ",
                                                "http://x/", "a b", "ASK {}", "%zz", "-1", "9" * 30]))
PARAMS = st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=5)

HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=60)
MEDIA = st.sampled_from(["text/html", "text/turtle", "application/ld+json", "*/*", "text/*", "application/json",
                         "text/csv", "image/png", "", "*", "/", "a/b/c", ";q=", "q=0"])
ACCEPT = st.lists(st.tuples(MEDIA, st.sampled_from(["", ";q=0", ";q=0.5", ";q=1", ";q=x", ";q=-1", ";level=1"])),
                  max_size=6).map(lambda items: ", ".join(m + q for m, q in items))
HEADERS = st.dictionaries(
    st.sampled_from(["Accept", "Accept-Language", "Accept-Encoding", "If-None-Match", "If-Modified-Since",
                     "If-Match", "If-Unmodified-Since", "If-Range", "Range", "Content-Type", "Origin", "Cookie"]),
    st.one_of(HEADER_TEXT, ACCEPT, st.sampled_from(['"x"', "*", "W/\"a\"", "bytes=0-10", "bytes=-5", "bytes=9-1",
                                                    "Thu, 01 Jan 1970 00:00:00 GMT", "sl, en;q=0.5", "gzip"])),
    max_size=4)
METHODS = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"])

KEYWORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH",
            "BIND", "AS", "VALUES", "GROUP BY", "ORDER BY", "LIMIT", "OFFSET", "DISTINCT", "COUNT", "PREFIX",
            "BASE", "SERVICE", "FROM", "FROM NAMED", "NOT EXISTS", "a", "*", "?s", "?p", "?o", "?x", "$y",
            "<id/place/ljubljana>", "<>", "<a b>", "<http://x/>", "ljo:", "org:member", "_:b", "[]", '"x"',
            '"x"@sl', '"1"^^<http://www.w3.org/2001/XMLSchema#integer>', "1", "-1.5e3", "true", ".", ";", ",",
            "+", "/", "|", "^", "!", "=", "<", ">", "&&", "||", "STR(", "REGEX(", "LANG(", "IRI(", "CONCAT(",
            "INSERT DATA", "DELETE", "LOAD", "'"]
TOKENS = st.sampled_from(KEYWORDS)
NESTED = st.recursive(
    st.lists(TOKENS, max_size=6).map(" ".join),
    lambda inner: st.one_of(inner.map(lambda t: "{ " + t + " }"), inner.map(lambda t: "( " + t + " )"),
                            st.lists(inner, max_size=3).map(" ".join)),
    max_leaves=20)
QUERY_TEXTS = st.tuples(st.sampled_from(["SELECT * WHERE", "ASK", "CONSTRUCT WHERE", "DESCRIBE ?s WHERE", ""]),
                        NESTED).map(" ".join)


def send(base: str, method: str, target: str, headers: dict[str, str] | None = None,
         body: bytes | None = None) -> tuple[int, str]:
    """One raw HTTP request (no client re-quoting of the path), the status and body text; http.client
    parsing the answer is also the check that every header we sent is valid HTTP."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, parts.path.rstrip("/") + "/" + target.lstrip("/"), body=body,
                           headers=headers or {})
        response = connection.getresponse()
        for name, value in response.getheaders():
            value.encode("latin-1")
            assert "\r" not in value and "\n" not in value, name
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def assert_answered(status: int, body: str, request: str) -> None:
    assert status < 500 or status == 503, f"{status} for {request}: {body[:300]}"
    for text in ENGINE_TEXTS:
        assert text not in body, f"{text!r} in the body of {status} for {request}: {body[:300]}"


@pytest.fixture(scope="module")
def server(served):
    return served.base


@RUNS
@given(path=PATHS, accept=st.one_of(st.none(), ACCEPT))
def test_resource_paths(server, path, accept):
    headers = {"Accept": accept} if accept is not None else {}
    status, body = send(server, "GET", path, headers)
    assert_answered(status, body, f"GET /{path} Accept={accept!r}")


@RUNS
@given(path=st.one_of(PATH_PIECES, PATHS), params=PARAMS)
def test_query_parameters(server, path, params):
    target = path + "?" + urlencode(params)
    status, body = send(server, "GET", target)
    assert_answered(status, body, f"GET /{target}")


@RUNS
@given(path=st.one_of(PATH_PIECES, st.just("id/place/ljubljana"), st.just("sparql?query=ASK%7B%7D")),
       method=METHODS, headers=HEADERS)
def test_methods_and_headers(server, path, method, headers):
    body = b"query=ASK%7B%7D" if method in ("POST", "PUT", "PATCH") else None
    status, text = send(server, method, path, headers, body)
    assert_answered(status, text, f"{method} /{path} {headers!r}")


@RUNS
@given(query=QUERY_TEXTS, how=st.sampled_from(["GET", "form", "body"]))
def test_query_texts(server, query, how):
    if how == "GET":
        status, body = send(server, "GET", "sparql?" + urlencode({"query": query}))
    elif how == "form":
        status, body = send(server, "POST", "sparql", {"Content-Type": "application/x-www-form-urlencoded"},
                            urlencode({"query": query}).encode())
    else:
        status, body = send(server, "POST", "sparql", {"Content-Type": "application/sparql-query"},
                            query.encode("utf-8"))
    assert_answered(status, body, f"{how} query {query!r}")


# The cases found on main, one by one, with what the client is told.
NOT_IRIS = [("id/place/a%20b", " ", "U+0020"), ("id/%22x", '\\"', "U+0022"), ("id/%7Bx%7D", "{", "U+007B"),
            ("id/a%5Cb", "\\\\", "U+005C"), ("id/%7C", "|", "U+007C"), ("id/%5E", "^", "U+005E"),
            ("id/%60", "`", "U+0060"), ("id/%3C", "<", "U+003C"), ("id/%09x", "\\t", "U+0009"),
            ("id/%00", "\\u0000", "U+0000"), ("id/%25", None, None), ("id/%25zz", None, None)]


@pytest.mark.parametrize(("path", "shown", "code"), NOT_IRIS, ids=[p for p, _, _ in NOT_IRIS])
def test_path_that_is_no_iri_is_404_naming_the_character(served, path, shown, code):
    status, body = send(served.base, "GET", path, {"Accept": "text/plain"})
    assert status == 404, body
    assert "is not an IRI" in body
    if code:
        assert f'the character "{shown}" ({code}) at position' in body
    else:
        assert "does not start a %XX escape" in body


def test_non_ascii_path_is_404_with_percent_encoded_links(served):
    parts = urlsplit(served.base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", parts.path + "id/place/%C5%BE", headers={"Accept": "text/turtle"})
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    assert response.status == 404
    assert "id/place/ž" in body and "is not described in this dataset" in body
    assert f"<{served.base}id/place/%C5%BE.ttl>" in response.getheader("Link")


def test_existing_resource_keeps_its_links(served):
    connection = http.client.HTTPConnection(urlsplit(served.base).hostname, urlsplit(served.base).port)
    connection.request("GET", urlsplit(served.base).path + "id/place/ljubljana", headers={"Accept": "text/turtle"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200
    assert response.getheader("Content-Location") == f"{served.base}id/place/ljubljana.ttl"


@pytest.mark.parametrize("parameter", ["default-graph-uri", "named-graph-uri"])
@pytest.mark.parametrize(("value", "why"), [("a b", 'the character " " (U+0020) at position 2'),
                                             ("graph/data", "not an absolute IRI (one starts with a scheme"),
                                             ("http://x/<y>", 'the character "<" (U+003C) at position 10')])
def test_invalid_graph_uri_is_400_naming_parameter_and_value(served, http, parameter, value, why):
    r = http.get(served.url("sparql"), params={"query": "ASK {}", parameter: value})
    assert r.status_code == 400
    assert f'the {parameter} parameter "{value}" is not an absolute IRI' in r.text
    assert why in r.text
    assert "Invalid IRI" not in r.text and "ValueError" not in r.text


def test_second_invalid_graph_uri_is_named_by_its_number(served, http):
    r = http.get(served.url("sparql"), params={"query": "ASK {}", "default-graph-uri": ["http://x/", "a b"]})
    assert r.status_code == 400
    assert 'default-graph-uri (value 2 of 2) parameter "a b"' in r.text
