"""Query processes cannot reach the network unless --allow-remote, whatever the guard lets through.

The pool-level tests hand a SERVICE query straight to a real query pool (the guard told to let SERVICE
pass: tests/sandbox_probe.py), so only the seccomp sandbox stands between it and a listener on 127.0.0.1;
each has its positive control, the same query with the network allowed, which does connect. The server
tests check the two layers together over HTTP, and that a host where the sandbox cannot be set up refuses
to start (unless --allow-remote).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from conftest import fill_store_folder, start_oxigraph, start_server, stop_server
from sandbox_probe import ask_service, query_pool
from test_server_launch import free_port, launch
from test_sparql_guard import Listener

from ljkg.settings import PROJECT_ROOT, Settings
from ljkg.store.oxigraph import OxigraphStore

TESTS = Path(__file__).resolve().parent
OS_TEXTS = ("Operation not permitted", "os error", "Errno", "EPERM", "refused", "lookup address")


@pytest.fixture
def listener():
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture(params=["memory", "disk"])
def local_store(request, oxstore):
    """A fresh embedded store of each kind, as the server opens it (its query pool not started yet)."""
    if request.param == "memory":
        store = OxigraphStore(oxstore, "http://ljkg.test/")
        yield store
        store.close()
        return
    folder = fill_store_folder(Settings.from_env({}, base_uri="http://ljkg.test/"))
    store = OxigraphStore.open_read_only(folder, "http://ljkg.test/")
    yield store
    store.close()
    shutil.rmtree(folder, ignore_errors=True)


def settle(listener: Listener) -> int:
    time.sleep(0.3)  # a connection the engine made is accepted by now
    return listener.connections


def test_a_sandboxed_query_process_makes_no_connection(local_store, listener):
    query_pool(local_store, network=False)
    status, message = ask_service(local_store, f"http://127.0.0.1:{listener.port}/sparql")
    assert settle(listener) == 0
    assert status == 502 and "the SERVICE call at line 1, column 18 failed" in message
    for text in OS_TEXTS:
        assert text not in message


def test_the_same_query_connects_when_the_network_is_allowed(local_store, listener):
    """The positive control of the test above: without it, zero connections would prove nothing."""
    query_pool(local_store, network=True)
    status, _ = ask_service(local_store, f"http://127.0.0.1:{listener.port}/sparql")
    assert settle(listener) >= 1
    assert status == 502  # (the listener closes every connection at once)


def test_the_sandbox_keeps_local_queries_and_the_pipes_working(local_store):
    query_pool(local_store, network=False)
    from ljkg.sparql import QueryJob

    answer = local_store.sparql(QueryJob("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", accept="application/json"))
    count = int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
    assert count > 1000  # the whole dataset, read in the sandboxed process and sent back through its pipe


def _in_private_network(tmp_path: Path) -> subprocess.CompletedProcess:
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n", encoding="ascii")
    script = (f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && "
              f"exec {sys.executable} {TESTS / 'sandbox_probe.py'}")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT),
                                                                      os.environ.get("PYTHONPATH")])))
    return subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120, env=env)


def test_a_name_lookup_sends_no_packet(tmp_path):
    """SERVICE <http://NAME.invalid:8080/>: the lookup's UDP packet would leave the machine for the resolver.
    In new namespaces (only loopback; /etc/resolv.conf names 127.0.0.1) a UDP listener on port 53 counts
    the lookups: none from the sandboxed process, some (the control) when the network is allowed."""
    if not (shutil.which("unshare") and shutil.which("ip")):
        pytest.skip("needs unshare (util-linux) and ip (iproute2) for a private network namespace")
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--net", "--mount", "true"],
                           capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not available here: " + probe.stderr.decode(errors="replace").strip())
    run = _in_private_network(tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["sandboxed"]["packets"] == 0
    assert report["allowed"]["packets"] >= 1
    sandboxed = report["sandboxed"]
    assert sandboxed["status"] == 502
    for text in OS_TEXTS:
        assert text not in sandboxed["message"]


# --- the server: both layers, over HTTP ---------------------------------------------------------------

def sparql(base: str, query: str) -> requests.Response:
    return requests.get(base + "sparql", params={"query": query}, headers={"Accept": "application/json"},
                        timeout=30)


def service_at(port: int) -> str:
    return f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"


def seccomp_mode(pid: int) -> int:
    """2 when the process runs under a seccomp filter (what an operator reads in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Seccomp:"):
            return int(line.split()[1])
    raise AssertionError(f"no Seccomp line in /proc/{pid}/status")


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_server_without_allow_remote(store, listener):
    served, server = start_server(store)
    try:
        pids = served.pub.store.pool.pids()
        assert pids and all(seccomp_mode(pid) == 2 for pid in pids)
        ok = sparql(served.base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert ok.status_code == 200 and int(ok.json()["results"]["bindings"][0]["n"]["value"]) > 1000
        refused = sparql(served.base, service_at(listener.port))
        assert refused.status_code == 400 and "--allow-remote" in refused.json()["message"]
    finally:
        stop_server(served, server)
    assert settle(listener) == 0


@pytest.mark.parametrize("store", ["memory", "disk"])
def test_server_with_allow_remote_reaches_the_listener(store, listener):
    served, server = start_server(store, allow_remote=True)
    try:
        assert all(seccomp_mode(pid) == 0 for pid in served.pub.store.pool.pids())
        assert sparql(served.base, "ASK { ?s ?p ?o }").json()["boolean"] is True
        fetched = sparql(served.base, service_at(listener.port))
        assert fetched.status_code == 502
        for text in OS_TEXTS:
            assert text not in fetched.text
    finally:
        stop_server(served, server)
    assert settle(listener) >= 1


WITHOUT_SECCOMP = (sys.executable, str(TESTS / "without_seccomp.py"))


def test_refuses_to_start_where_the_sandbox_cannot_be_set_up():
    """On a kernel that refuses seccomp filters (tests/without_seccomp.py makes this one do so), the server
    says why and how to fix it, and exits, rather than serve queries that could reach the network."""
    run = subprocess.run([*WITHOUT_SECCOMP, sys.executable, "server.py", "--port", str(free_port()),
                          "--query-reserved", "0"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert "Refusing to start" in run.stderr and "seccomp" in run.stderr
    assert "apt-get install libseccomp2" in run.stderr and "--allow-remote" in run.stderr


def test_starts_without_the_sandbox_when_allow_remote():
    proc, base = launch("--allow-remote", prefix=WITHOUT_SECCOMP)
    try:
        assert sparql(base, "ASK { ?s ?p ?o }").json()["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_remote_backend_needs_no_sandbox():
    """--sparql-backend evaluates nothing here (the backend does, in a process of its own), so the server
    starts where seccomp is refused, and its own connections to the backend (the operator's choice) work."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    folder = fill_store_folder(Settings.from_env({}, port=port))
    backend = start_oxigraph(folder)
    try:
        proc, listening = launch("--sparql-backend", backend.endpoint, "--base-uri", base, prefix=WITHOUT_SECCOMP)
        try:
            assert sparql(listening, "ASK { ?s ?p ?o }").json()["boolean"] is True
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    finally:
        backend.stop()
        shutil.rmtree(folder, ignore_errors=True)
