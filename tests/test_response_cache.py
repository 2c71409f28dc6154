"""Repeated GET /sparql requests replayed in front of Flask: the same response, never a wrong one.

Every test sends query texts of its own (the server, and so its caches, live for the whole session).
"""

from __future__ import annotations

import csv
import io
import json

COUNT = "SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o }} # {}"
SOME_TRIPLES = "SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT 60 # {}"
JSON_RESULTS = "application/sparql-results+json"
NOT_REPLAYED = ("Date", "X-Cache")


def get(served, http, query: str, **headers):
    return http.get(served.url("sparql"), params={"query": query}, headers=headers)


def same_response(first, second) -> None:
    assert second.status_code == first.status_code
    assert second.content == first.content
    kept = {k: v for k, v in first.headers.items() if k not in NOT_REPLAYED}
    assert {k: v for k, v in second.headers.items() if k not in NOT_REPLAYED} == kept


def test_a_repeated_request_gets_the_response_it_got_before(served, http):
    query = COUNT.format("repeated")
    first = get(served, http, query, Accept=JSON_RESULTS)
    again = get(served, http, query, Accept=JSON_RESULTS)
    assert first.status_code == 200 and "X-Cache" not in first.headers
    assert again.headers["X-Cache"] == "hit"
    assert "X-Cache" in again.headers["Access-Control-Expose-Headers"]  # a page's script may read it
    same_response(first, again)
    assert int(json.loads(again.content)["results"]["bindings"][0]["n"]["value"]) > 2000


def test_each_format_and_encoding_is_kept_apart(served, http):
    query = SOME_TRIPLES.format("formats")  # over 1 KB in every format: gzipped for a client that asks
    answers = {}
    for accept in (JSON_RESULTS, "text/csv", "application/sparql-results+xml"):
        for encoding in ("gzip", "identity"):
            first = get(served, http, query, Accept=accept, **{"Accept-Encoding": encoding})
            answers[accept, encoding] = first
    for (accept, encoding), first in answers.items():
        again = get(served, http, query, Accept=accept, **{"Accept-Encoding": encoding})
        assert again.headers["X-Cache"] == "hit", (accept, encoding)
        same_response(first, again)
        assert again.headers["Content-Type"].startswith(accept)
        assert again.headers.get("Content-Encoding") == ("gzip" if encoding == "gzip" else None)
    assert answers[JSON_RESULTS, "gzip"].content == answers[JSON_RESULTS, "identity"].content  # requests unzips
    assert len({answers[accept, "identity"].content for accept, _ in answers}) == 3


def test_a_conditional_request_after_a_replay_still_gets_304(served, http):
    query = COUNT.format("conditional")
    first = get(served, http, query, Accept=JSON_RESULTS)
    get(served, http, query, Accept=JSON_RESULTS)
    conditional = get(served, http, query, Accept=JSON_RESULTS, **{"If-None-Match": first.headers["ETag"]})
    assert conditional.status_code == 304 and not conditional.content


def test_a_truncated_answer_is_replayed_with_its_signal(served, http):
    query = "SELECT ?s ?o ?t WHERE { ?s ?p ?o . ?t a ?c } # truncated"  # more rows than the row limit
    first = get(served, http, query, Accept="text/csv")
    again = get(served, http, query, Accept="text/csv")
    assert first.headers["X-Truncated"] == "true" and again.headers["X-Cache"] == "hit"
    same_response(first, again)
    assert len(list(csv.reader(io.StringIO(again.text)))) == served.pub.settings.row_limit + 1  # and a header


def test_errors_pages_and_posts_are_answered_by_the_app_each_time(served, http):
    bad = "SELECT ?s WHERE { ?s ?p } # broken"
    for _ in range(2):
        refused = get(served, http, bad, Accept=JSON_RESULTS)
        assert refused.status_code == 400 and "X-Cache" not in refused.headers
    page = COUNT.format("page")
    for _ in range(2):
        html = get(served, http, page, Accept="text/html")
        assert html.headers["Content-Type"].startswith("text/html") and "X-Cache" not in html.headers
    posted = COUNT.format("posted")
    for _ in range(2):
        answer = http.post(served.url("sparql"), data={"query": posted}, headers={"Accept": JSON_RESULTS})
        assert answer.status_code == 200 and "X-Cache" not in answer.headers
    head = http.head(served.url("sparql"), params={"query": posted}, headers={"Accept": JSON_RESULTS})
    assert head.status_code == 200 and "X-Cache" not in head.headers


def test_a_request_differing_in_one_byte_of_the_query_string_is_not_a_hit(served, http):
    get(served, http, COUNT.format("one byte"), Accept=JSON_RESULTS)
    other = get(served, http, COUNT.format("one bytf"), Accept=JSON_RESULTS)
    assert other.status_code == 200 and "X-Cache" not in other.headers


def test_an_answer_that_changes_between_evaluations_is_never_kept(served, http):
    query = "SELECT (STRUUID() AS ?u) WHERE {} # volatile"
    answers = [get(served, http, query, Accept=JSON_RESULTS) for _ in range(2)]
    values = {json.loads(a.content)["results"]["bindings"][0]["u"]["value"] for a in answers}
    assert len(values) == 2
    built = "CONSTRUCT { [] ?p ?o } WHERE { ?s ?p ?o } LIMIT 3 # volatile"
    answers += [get(served, http, built, Accept="text/turtle") for _ in range(2)]
    for answer in answers:
        assert answer.status_code == 200 and "X-Cache" not in answer.headers and "ETag" not in answer.headers
        assert answer.headers["Cache-Control"] == "no-store"


def test_long_request_keys_count_against_the_cache_budget(served, http):
    """Small answers behind long query strings: the budget of 64 MB holds about 320 keys of 200 KB, so the
    first of 400 is gone by the end (counting only the bodies, all 400 would stay)."""
    query = COUNT.format("long keys")
    pad = "a" * 200_000

    def padded(i: int):
        return http.get(served.url("sparql"), params={"query": query, f"pad{i}": pad},
                        headers={"Accept": JSON_RESULTS})

    assert "X-Cache" not in padded(0).headers
    assert padded(0).headers["X-Cache"] == "hit"
    for i in range(1, 400):
        assert padded(i).status_code == 200
    assert "X-Cache" not in padded(0).headers
    assert padded(399).headers["X-Cache"] == "hit"


def wsgi_app(steps):
    """A plain WSGI app (not Flask) that does what `steps` says: what the middleware must survive."""
    def app(environ, start_response):
        write = start_response("200 OK", [("Content-Type", "text/plain"), ("ETag", 'W/"x"')])
        if "write" in steps:
            write(b"written ")

        def body():
            yield b"body"
            if "fail late" in steps:
                try:
                    raise RuntimeError("failed while the body ran")
                except RuntimeError:
                    import sys

                    start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())
                yield b" and an error"
        return body()
    return app


def call(app, environ):
    sent = {}

    def start_response(status, headers, exc_info=None):
        sent.update(status=status, headers=dict(headers))
        return lambda data: None
    body = b"".join(app(dict(environ), start_response))
    return sent["status"], sent["headers"], body


def test_responses_the_app_did_not_send_whole_as_its_body_are_not_kept():
    from ljkg.publication import BoundedCache
    from ljkg.response_cache import ResponseCache

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK%7B%7D",
               "wsgi.url_scheme": "http"}
    plain = ResponseCache(wsgi_app(set()), BoundedCache(16, 2**20))
    call(plain, environ)
    assert call(plain, environ)[1].get("X-Cache") == "hit"  # the control: such an app is replayed
    for steps in ({"write"}, {"fail late"}):
        cache = ResponseCache(wsgi_app(steps), BoundedCache(16, 2**20))
        first = call(cache, environ)
        second = call(cache, environ)
        assert "X-Cache" not in second[1] and second == first, steps


def test_answer_cache_zero_keeps_nothing_and_answers_the_same(http):
    from conftest import start_server, stop_server

    served, server = start_server("memory", answer_cache=0)
    try:
        assert served.pub.answers.max_bytes == served.pub.responses.max_bytes == 0
        query = COUNT.format("uncached")
        first = get(served, http, query, Accept=JSON_RESULTS)
        again = get(served, http, query, Accept=JSON_RESULTS)
        assert first.status_code == again.status_code == 200
        assert "X-Cache" not in again.headers and again.content == first.content
        assert len(served.pub.answers._items) == len(served.pub.responses._items) == 0
    finally:
        stop_server(served, server)
