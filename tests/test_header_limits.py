"""Accept and Accept-Language are bounded in bytes: too long is a 431 naming the header, and long values
that pass are answered right without being remembered."""

from __future__ import annotations

import pytest
from conftest import start_server, stop_server

SELECT = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


@pytest.fixture(scope="module")
def small_limit():
    """A server whose limit is 300 bytes, so the setting is seen to be the one applied."""
    s, server = start_server("memory", max_header_field=300)
    yield s
    stop_server(s, server)


def padded(size: int, last: str) -> str:
    """An Accept of at most `size` bytes (and nearly that) whose only known type is `last`, at the end."""
    value, n = last, 0
    while len(candidate := f"x-unknown/type-{n};q=0.1, {value}") <= size:
        value, n = candidate, n + 1
    return value


@pytest.mark.parametrize("header", ["Accept", "Accept-Language"])
@pytest.mark.parametrize("path", ["id/place/ljubljana", "sparql", "", "dataset/dump.ttl"])
def test_too_long_header_is_431_naming_it(served, http, header, path):
    value = padded(5000, "text/turtle") if header == "Accept" else ", ".join(f"x{i};q=0.5" for i in range(700))
    params = {"query": SELECT} if path == "sparql" else {}
    r = http.get(served.url(path), params=params, headers={header: value})
    assert r.status_code == 431, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/plain")
    assert f"the {header} header has {len(value)} bytes; the limit is 4096" in r.text


def test_limit_is_the_setting(small_limit, http):
    ok = http.get(small_limit.url("id/place/ljubljana"), headers={"Accept": padded(280, "text/turtle")})
    assert ok.status_code == 200
    refused = http.get(small_limit.url("id/place/ljubljana"), headers={"Accept": padded(400, "text/turtle")})
    assert refused.status_code == 431
    assert "limit is 300" in refused.text


def test_long_accept_under_the_limit_still_negotiates(served, http):
    accept = padded(3500, "text/csv")
    r = http.get(served.url("sparql"), params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/csv")
    r = http.get(served.url("id/place/ljubljana"), headers={"Accept": padded(3500, "application/n-triples")})
    assert r.headers["Content-Type"].startswith("application/n-triples")


def test_long_accept_values_are_not_remembered(served, http):
    """Distinct long headers must not grow the negotiation caches (the serving process runs in this one)."""
    from ljkg import negotiation

    caches = [f for f in vars(negotiation).values() if hasattr(f, "cache_info")]
    assert caches
    before = sum(c.cache_info().currsize for c in caches)
    for n in range(60):
        accept = padded(1000, f"text/turtle;q=0.{n % 9 + 1}") + f", x-distinct/n{n}"
        assert http.get(served.url("id/place/ljubljana"), headers={"Accept": accept}).status_code == 200
    assert sum(c.cache_info().currsize for c in caches) - before < 5
