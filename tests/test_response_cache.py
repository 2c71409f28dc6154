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
