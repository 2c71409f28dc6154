"""Queries handed straight to a real query pool, past the guard, and a name-lookup probe in a private network.

`query_pool` builds the pool the server builds (OxigraphStore.start_pool with sparql.evaluate), but with
limits that let SERVICE through the guard, so only the operating-system sandbox stands between a query and
the network: the guard is switched off by its own setting, not by a bypass in the server.

`python tests/sandbox_probe.py` is run by test_sandbox.py inside new user, network and mount namespaces
(`unshare`), where /etc/resolv.conf names 127.0.0.1 and nothing but loopback exists: a UDP listener on port
53 counts the lookups a SERVICE to a host name makes, with and without the sandbox. It prints JSON.
"""

from __future__ import annotations

import json
import socket
import threading
from functools import partial

import pyoxigraph as ox

from ljkg import errors
from ljkg.sparql import Limits, QueryJob, evaluate
from ljkg.store.oxigraph import OxigraphStore

BASE = "http://ljkg.test/"
PROBE_HOST = "ljkg-sandbox-probe.invalid"


def query_pool(store: OxigraphStore, network: bool) -> OxigraphStore:
    """Start the store's query processes with the guard letting SERVICE pass; `network` as --allow-remote."""
    limits = Limits(row_limit=100, allow_remote=True)
    store.start_pool(partial(_evaluate, limits=limits), size=1, timeout=10, network=network)
    return store


def _evaluate(store: ox.Store, job: QueryJob, *, limits: Limits):
    return evaluate(store, job, BASE, limits, jsonld=None, prefixes={})


def ask_service(store: OxigraphStore, endpoint: str) -> tuple[int, str]:
    """Status and message of a SELECT whose only pattern is a SERVICE call to `endpoint`."""
    job = QueryJob(f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}", accept="application/json")
    try:
        answer = store.sparql(job)
    except errors.PublisherError as exc:
        return exc.status, exc.message
    return 200, answer.body.decode("utf-8", "replace")


class DnsListener:
    """A UDP socket on 127.0.0.1:53 that counts the packets it gets and answers each with NXDOMAIN (so the
    resolver does not wait for its timeout)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.sock.settimeout(0.2)
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._answer, daemon=True)
        self._thread.start()

    def _answer(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self.sock.recvfrom(4096)
            except OSError:
                continue
            self.packets += 1
            if len(query) >= 12:  # the question echoed, flagged as a response: no such name
                self.sock.sendto(query[:2] + b"\x81\x83" + query[4:], peer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def main() -> None:
    listener = DnsListener()
    report = {}
    try:
        for network in (False, True):
            store = query_pool(OxigraphStore(ox.Store(), BASE), network)
            try:
                before = listener.packets
                status, message = ask_service(store, f"http://{PROBE_HOST}:8080/sparql")
                threading.Event().wait(0.3)  # (a packet in flight is counted)
                report["allowed" if network else "sandboxed"] = {
                    "packets": listener.packets - before, "status": status, "message": message}
            finally:
                store.close()
    finally:
        listener.close()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
