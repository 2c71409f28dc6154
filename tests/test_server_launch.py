"""`python server.py` as a user runs it: a production server that refuses invalid data."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from ljkg.querypool import LOWEST_PRIORITY, QUERY_NICENESS
from ljkg.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_server_py_serves(tmp_path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port)], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(120):
            try:
                r = requests.get(base, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.25)
        else:
            raise AssertionError("server did not start: " + proc.stdout.read())
        assert r.status_code == 200
        assert r.headers["Server"] == "ljkg"  # waitress, not the development server
        ttl = requests.get(base + "id/place/ljubljana", headers={"Accept": "text/turtle"}, timeout=5)
        assert f"<{base}id/place/ljubljana>" in ttl.text or "place:ljubljana" in ttl.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def serve_and_search(tmp_path: Path, *flags: str) -> None:
    """Start server.py with TMPDIR=tmp_path and ``flags``, search once while it runs, stop it with SIGTERM."""
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "server.py", "--port", str(port), *flags],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            with contextlib.suppress(requests.ConnectionError):
                found = requests.get(f"http://127.0.0.1:{port}/search.json", params={"q": "like"}, timeout=1)
                break
            time.sleep(0.25)
        assert found.status_code == 200 and found.json()["total"] > 0
        yield
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_a_private_search_index_folder_goes_when_the_server_stops(tmp_path):
    """With no store and no cache folder the index lives in a temporary folder, removed on SIGTERM; a
    server with a cache folder makes no temporary folder at all (restarts and test runs do not fill /tmp)."""
    for _ in serve_and_search(tmp_path, "--cache-dir", "off"):
        assert len(list(tmp_path.glob("ljkg-search-*/search-*.sqlite"))) == 1
    assert list(tmp_path.glob("ljkg-search-*")) == []
    for _ in serve_and_search(tmp_path, "--cache-dir", str(tmp_path / "cache")):
        assert list((tmp_path / "cache").glob("search/search-*.sqlite"))
        assert list(tmp_path.glob("ljkg-search-*")) == []


def test_refuses_to_start_on_invalid_data(tmp_path):
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    place = tmp_path / "data" / "ljubljana.ttl"
    broken = place.read_text(encoding="utf-8").replace('"Ljubljana"@en', '"Ljubljana"@de', 1)
    assert broken != place.read_text(encoding="utf-8")
    place.write_text(broken, encoding="utf-8")
    port = free_port()
    run = subprocess.run([sys.executable, "server.py", "--port", str(port), "--data", str(tmp_path)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Refusing to start" in run.stderr and "--allow-invalid" in run.stderr


def children_of(pid: int) -> list[int]:
    """Children forked by any thread of ``pid`` (a query process respawned by a request thread too)."""
    found = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(p) for p in children.read_text().split()]
    return sorted(found)


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``: serving processes, their query zygotes (ljkg/zygote.py), query processes."""
    found = children_of(pid)
    return found + [d for child in found for d in descendants(child)]


def query_processes_of(pid: int) -> list[int]:
    """The query processes of a one-process server: the children of its zygote, its one child."""
    return sorted(q for zygote in children_of(pid) for q in children_of(zygote))


def launch(*flags: str, prefix: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """`python server.py --port P FLAGS...` from the project folder, once it answers; (process, base URL).

    Without the reserved query process (`--query-reserved 0`) unless FLAGS name it: these tests count the
    --query-processes pool; the reserved one is tested in test_querypool, test_fairness and test_connections."""
    port = free_port()
    if "--query-reserved" not in flags:
        flags = ("--query-reserved", "0", *flags)
    proc = subprocess.Popen([*prefix, sys.executable, "server.py", "--port", str(port), *flags], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/"
    for _ in range(120):
        try:
            requests.get(base, timeout=1)
            assert _listening(port)  # so the check that a killed server's port is free can fail
            return proc, base
        except requests.ConnectionError:
            time.sleep(0.25)
    proc.kill()
    raise AssertionError("server did not start: " + proc.stdout.read())


def test_processes_share_the_port_and_stop_together():
    """`--processes 2`: one port, two serving processes (each with its query processes); SIGTERM to the
    parent stops every one of them."""
    proc, base = launch("--processes", "2", "--query-workers", "1")
    try:
        serving = children_of(proc.pid)
        assert len(serving) == 2
        family = descendants(proc.pid)
        assert len(family) == 6  # two serving processes, each with its query zygote and one query process
        for _ in range(10):
            r = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
            assert r.status_code == 200 and r.json()["boolean"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    time.sleep(0.5)
    alive = [pid for pid in family if _alive(pid)]
    assert not alive, f"left running: {alive}"


def test_a_killed_server_leaves_no_query_process_behind():
    """Even SIGKILL (no handler runs), even with a query running: the kernel takes the query processes
    along, including one respawned from a request thread after a timeout (it inherited the listening
    socket), and the port is free again."""
    proc, base = launch("--query-workers", "2", "--query-timeout", "2")
    slow = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}
    try:
        assert requests.get(base + "sparql", params=slow, timeout=10).status_code == 503
        query_processes = query_processes_of(proc.pid)
        assert len(query_processes) == 2  # one of them forked while serving, after the timeout
        query_processes = descendants(proc.pid)  # and the zygote that forked them
        busy = threading.Thread(target=lambda: _quietly(requests.get, base + "sparql", params=slow, timeout=10))
        busy.start()
        time.sleep(0.5)  # the killed server leaves a query process in the middle of a query
    finally:
        proc.kill()
        proc.wait(timeout=10)
    _assert_all_gone(query_processes, base)


def test_a_killed_multi_process_server_takes_every_process_along():
    proc, base = launch("--processes", "2", "--query-workers", "1")
    try:
        family = descendants(proc.pid)
        assert len(family) == 6  # two serving processes, each with its query zygote and one query process
    finally:
        proc.kill()
        proc.wait(timeout=10)
    _assert_all_gone(family, base)


def test_a_port_in_use_is_one_clear_line():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "server.py", "--port", str(port)], cwd=PROJECT_ROOT,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == f"error: cannot listen on 127.0.0.1:{port}: Address already in use"
    assert "Traceback" not in done.stderr


# About 2 s on the embedded data (3.4M rows counted), so it is still running when we look.
LONG_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f "
              "FILTER(STRLEN(STR(?c)) > STRLEN(STR(?f))) }")
# What the kernel allows a process started this way: demote itself, then take the query niceness back.
PRIORITY_PROBE = ("import os; base = os.getpriority(os.PRIO_PROCESS, 0); "
                  "os.setpriority(os.PRIO_PROCESS, 0, 19); "
                  f"os.setpriority(os.PRIO_PROCESS, 0, min(19, base + {QUERY_NICENESS}))")
NO_PRIORITY_BACK = ("prlimit", "--nice=0:0", "--")  # RLIMIT_NICE 0: a raised nice value cannot be lowered again
WITHOUT_CAP_SYS_NICE = ("setpriv", "--inh-caps=-sys_nice", "--bounding-set=-sys_nice")


def _may_restore_priority(prefix: tuple[str, ...] = ()) -> bool:
    """Asked of the kernel in a separate process, not of the code under test."""
    probe = subprocess.run([*prefix, sys.executable, "-c", PRIORITY_PROBE], capture_output=True, timeout=30)
    return probe.returncode == 0


def _thread_niceness(processes: list[int]) -> set[int]:
    """The nice values of every thread of these processes (Linux keeps one per thread)."""
    found = set()
    for pid in processes:
        for thread in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                found.add(os.getpriority(os.PRIO_PROCESS, int(thread)))
    return found


@pytest.mark.parametrize("layout", [("--query-processes", "2"), ("--query-processes", "1")],
                         ids=["a-thread-per-process", "two-threads-in-one-process"])
@pytest.mark.parametrize("privileged", [True, False], ids=["may-restore", "may-not-restore"])
def test_a_long_query_yields_the_cpu_until_it_answers(privileged, layout):
    """Past DEMOTE_AFTER a query's thread runs at the lowest priority, so cheap queries overtake it, and it
    gets its priority back once it answers. A server that could not give it back demotes nothing."""
    niceness = os.getpriority(os.PRIO_PROCESS, 0) + QUERY_NICENESS
    if niceness >= LOWEST_PRIORITY:
        pytest.skip("this test runs at a nice value where query processes are already at the lowest priority")
    prefix: tuple[str, ...] = ()
    if privileged and not _may_restore_priority():
        pytest.skip("this test process has neither CAP_SYS_NICE nor a large enough RLIMIT_NICE")
    if not privileged:
        prefix = (WITHOUT_CAP_SYS_NICE if os.geteuid() == 0 else ()) + NO_PRIORITY_BACK
        if not all(shutil.which(tool) for tool in (prefix[0], "prlimit")) or _may_restore_priority(prefix):
            pytest.skip("cannot start a server here that may not restore a priority")
    proc, base = launch("--query-workers", "2", *layout, "--query-timeout", "60", prefix=prefix)
    try:
        query_processes = query_processes_of(proc.pid)
        assert len(query_processes) == int(layout[1])
        assert sum(len(os.listdir(f"/proc/{pid}/task")) for pid in query_processes) == 2
        assert _thread_niceness(query_processes) == {niceness}
        answers: list[requests.Response] = []
        running = threading.Thread(target=lambda: answers.append(
            requests.get(base + "sparql", params={"query": LONG_QUERY}, headers={"Accept": "text/csv"}, timeout=60)))
        running.start()
        seen = set()
        deadline = time.monotonic() + (10 if privileged else 1)
        while running.is_alive() and LOWEST_PRIORITY not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
            seen |= _thread_niceness(query_processes)
        cheap = requests.get(base + "sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
        assert cheap.status_code == 200 and cheap.json()["boolean"] is True
        running.join(timeout=60)
        assert answers and answers[0].status_code == 200 and int(answers[0].text.split()[1]) > 1_000_000
        assert seen == ({niceness, LOWEST_PRIORITY} if privileged else {niceness})
        assert query_processes_of(proc.pid) == query_processes  # nothing was killed or replaced
        assert _thread_niceness(query_processes) == {niceness}
    finally:
        proc.terminate()
        output = proc.communicate(timeout=10)[0]
    assert ("long queries keep their CPU priority" in output) is not privileged


def _quietly(call, *args, **kwargs) -> None:
    with contextlib.suppress(requests.RequestException):
        call(*args, **kwargs)


def _assert_all_gone(pids: list[int], base: str) -> None:
    for _ in range(50):
        if not [pid for pid in pids if _alive(pid)]:
            break
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)], "processes outlived the server"
    port = int(base.rsplit(":", 1)[1].strip("/"))
    for _ in range(30):  # the kernel closes a dead process's sockets as it reaps it
        if not _listening(port):
            break
        time.sleep(0.1)
    assert not _listening(port), f"something still listens on port {port}"


def _listening(port: int) -> bool:
    """Whether any socket listens on 127.0.0.1:port (connections left in TIME_WAIT etc. do not count)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            return True
    return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except FileNotFoundError:
        return False
