"""Fairness on a real server: one client cannot take every query, slow queries cannot shut out cheap ones,
and a forwarded client address counts only when a trusted proxy sent it. Clients are told apart by their
loopback source address (127.0.0.2, 127.0.0.3, ... all reach the server on 127.0.0.1)."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from conftest import start_server, stop_server
from requests.adapters import HTTPAdapter

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # a cross join: seconds at this size
LOOKUP = "SELECT ?p ?o WHERE { <https://example.org/none> ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}


class FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        return super().init_poolmanager(*args, **kwargs)


def client(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


@pytest.fixture
def server():
    started = []

    def start(**overrides):
        started.append(start_server("memory", query_timeout=30, **overrides))
        return started[-1][0]

    yield start
    for served, srv in started:
        stop_server(served, srv)


class Requests:
    """Queries sent at once from their own threads; `answered` records the order answers came back in."""

    def __init__(self, served) -> None:
        self.url = served.url("sparql")
        self.threads: list[threading.Thread] = []
        self.answers: dict[str, requests.Response] = {}
        self.answered: list[str] = []
        self._lock = threading.Lock()

    def send(self, name: str, address: str, query: str, headers: dict | None = None) -> None:
        def one() -> None:
            response = client(address).post(self.url, data={"query": query}, headers={**JSON, **(headers or {})},
                                            timeout=90)
            with self._lock:
                self.answers[name] = response
                self.answered.append(name)

        self.threads.append(threading.Thread(target=one))
        self.threads[-1].start()

    def wait(self) -> dict[str, requests.Response]:
        for thread in self.threads:
            thread.join()
        return self.answers


def test_a_client_past_its_limit_gets_429_with_retry_after_and_others_are_served(server):
    served = server(client_queries=2)
    sent = Requests(served)
    for name in ("a1", "a2", "a3"):
        sent.send(name, "127.0.0.2", SLOW)
        time.sleep(0.2)
    sent.send("other", "127.0.0.3", LOOKUP)
    answers = sent.wait()
    statuses = sorted(answers[n].status_code for n in ("a1", "a2", "a3"))
    assert statuses == [200, 200, 429]
    refused = next(answers[n] for n in ("a1", "a2", "a3") if answers[n].status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    message = refused.json()["message"]
    assert "127.0.0.2" in message and "--client-queries" in message and "LJKG_CLIENT_QUERIES = 2" in message
    assert answers["other"].status_code == 200
    assert sent.answered.index("other") < 2  # the other client was answered while the slow ones still ran


def test_a_cheap_query_is_answered_while_slow_queries_hold_every_general_thread(server):
    served = server(query_workers=2, query_processes=1, query_reserved=1, client_queries=0)
    sent = Requests(served)
    for index in range(3):  # two hold the general threads; the third makes way from the reserved thread
        sent.send(f"slow{index}", "127.0.0.2", SLOW)
        time.sleep(0.3)
    sent.send("lookup", "127.0.0.3", LOOKUP)
    answers = sent.wait()
    assert answers["lookup"].status_code == 200 and answers["lookup"].json()["results"]["bindings"] == []
    assert sent.answered[0] == "lookup"
    assert all(answers[f"slow{index}"].status_code == 200 for index in range(3))
    assert served.pub.store.pool.made_way >= 1


@pytest.mark.parametrize("header", ["X-Forwarded-For", "Forwarded"])
def test_a_forwarded_address_counts_only_from_the_trusted_proxy(server, header):
    served = server(client_queries=1, trusted_proxy="127.0.0.4", trusted_proxy_header=header)

    def forwarded(address: str) -> dict:
        if header == "Forwarded":
            return {"Forwarded": f'for="{address}:4711";proto=http'}
        return {"X-Forwarded-For": f"203.0.113.9, {address}"}  # (the left one was written by the client)

    sent = Requests(served)
    sent.send("proxied1", "127.0.0.4", SLOW, forwarded("198.51.100.1"))
    sent.send("proxied2", "127.0.0.4", SLOW, forwarded("198.51.100.2"))
    time.sleep(0.3)
    sent.send("spoof1", "127.0.0.5", SLOW, forwarded("198.51.100.3"))
    time.sleep(0.3)
    sent.send("spoof2", "127.0.0.5", SLOW, forwarded("198.51.100.4"))
    answers = sent.wait()
    assert answers["proxied1"].status_code == answers["proxied2"].status_code == 200, answers["proxied2"].text
    assert answers["spoof1"].status_code == 200
    assert answers["spoof2"].status_code == 429  # one client, whatever its header says
    assert "127.0.0.5" in answers["spoof2"].json()["message"]


def test_a_mistyped_trusted_proxy_stops_the_start():
    from ljkg.settings import Settings

    with pytest.raises(ValueError, match="LJKG_TRUSTED_PROXY: '10.0.0.300' is not an IP address"):
        Settings.from_env({"LJKG_TRUSTED_PROXY": "10.0.0.300"})
