"""Query processes are forked by a zygote started with the pool (ljkg/zygote.py), so a replacement does not
start from the serving process's heap as it has grown since (docs/query-processes-memory.md). Through the
real server: processes killed from outside, as the soak and the OOM killer do, then a query over HTTP."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests
from conftest import start_server, stop_server
from test_querypool import LOADED_MACHINE_TIMEOUT, allocate_then_answer, in_threads

from ljkg.querypool import QueryPool

JSON = {"Accept": "application/sparql-results+json"}
PAGE = os.sysconf("SC_PAGE_SIZE")
BALLAST = 256 * 2**20  # what the serving process allocates after start-up, as its caches and buffers do


def resident(pid: int) -> int:
    """Bytes resident, shared pages included (what `ps` shows as RSS)."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def children_of(pid: int) -> dict[int, str]:
    """Each child of `pid` and its state (Z: a zombie nobody reaped)."""
    found = {}
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            stat = Path(f"/proc/{child}/stat")
            if stat.exists():
                found[int(child)] = stat.read_text().rsplit(")", 1)[1].split()[0]
    return found


@pytest.fixture
def served_two_processes():
    served, server = start_server("memory", query_workers=2, query_processes=2, query_reserved=0)
    yield served
    stop_server(served, server)


def ask(served) -> requests.Response:
    """A query no cache has the answer to, so that it reaches a query process."""
    query = f"# {time.monotonic_ns()}\nASK {{ ?s ?p ?o }}"
    return requests.post(served.url("sparql"), data={"query": query}, headers=JSON, timeout=30)


def replace(served, pid: int) -> None:
    """Kill a query process from outside and have queries sent until the pool has replaced it."""
    pool = served.pub.store.pool
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while pid in pool.pids() or len(pool.pids()) < 2:
        assert time.monotonic() < deadline, "the killed query process was not replaced"
        answer = ask(served)
        assert answer.status_code == 200 and answer.json()["boolean"] is True, answer.text


def test_a_replacement_does_not_start_with_what_the_serving_process_allocated_since(served_two_processes):
    pool = served_two_processes.pub.store.pool
    first = pool.pids()[0]
    at_start = resident(first)
    serving_before = resident(os.getpid())
    ballast = b"x" * BALLAST  # written, so resident in the serving process
    assert resident(os.getpid()) - serving_before > BALLAST * 0.9
    replace(served_two_processes, first)
    assert first not in pool.pids()
    for pid in pool.pids():  # the replacement, and the one that was never killed
        assert resident(pid) < at_start + BALLAST / 4, (pid, resident(pid), at_start)
    del ballast


def test_many_replacements_leave_the_configured_number_of_processes_and_no_zombie(served_two_processes):
    pool = served_two_processes.pub.store.pool
    zygote = parent_of(pool.pids()[0])
    assert zygote != os.getpid()  # forked by the zygote, not by the serving process
    for _ in range(6):
        replace(served_two_processes, pool.pids()[0])
    deadline = time.monotonic() + 5
    while (left := children_of(zygote)) and sorted(left) != sorted(pool.pids()):
        assert time.monotonic() < deadline, f"the zygote's children: {left}, the pool's: {pool.pids()}"
        time.sleep(0.05)
    assert len(left) == 2 and set(left.values()) <= {"S", "R"}, left
    assert all(parent_of(pid) == zygote for pid in pool.pids())


# --- a process that kept more than --query-recycle is replaced, after its queries have answered ---

def gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def recycling_pool():
    pools: list[QueryPool] = []

    def start(**kwargs) -> QueryPool:
        pools.append(QueryPool(allocate_then_answer, timeout=LOADED_MACHINE_TIMEOUT, recycle_at=32 * 2**20, **kwargs))
        return pools[-1]

    yield start
    for pool in pools:
        pool.close()


def test_a_process_that_kept_more_than_the_recycle_limit_is_replaced(recycling_pool):
    pool = recycling_pool(size=1)
    pid = pool.pids()[0]
    assert pool.run((8, 0, True)) == "allocated 8"
    assert pool.pids() == [pid]  # under the limit: kept
    assert pool.run((64, 0, True)) == "allocated 64"  # the query that went past it is answered
    assert len(pool.pids()) == 1 and pid not in pool.pids() and pool.recycled == 1
    assert gone(pid)
    assert pool.run((1, 0, False)) == "allocated 1"  # by the replacement


def test_a_query_beside_the_one_that_went_past_the_limit_finishes_where_it_runs(recycling_pool):
    pool = recycling_pool(size=2, processes=1)
    pid = pool.pids()[0]
    assert in_threads(pool, (64, 0.2, True), (1, 1.5, False)) == ["allocated 64", "allocated 1"]
    assert pool.killed == 0 and pool.crashed == 0  # neither was stopped and started again
    assert pool.recycled == 1 and len(pool.pids()) == 1 and pid not in pool.pids()
    assert gone(pid)


def test_a_killed_zygote_is_started_again_and_no_query_fails(served_two_processes):
    pool = served_two_processes.pub.store.pool
    zygote, before = parent_of(pool.pids()[0]), pool.pids()
    assert zygote != os.getpid()  # (or this would kill the server itself)
    os.kill(zygote, signal.SIGKILL)  # its query processes get SIGKILL from the kernel with it
    for pid in before:
        assert gone(pid)
    for _ in range(6):
        answer = ask(served_two_processes)
        assert answer.status_code == 200 and answer.json()["boolean"] is True, answer.text
    assert len(pool.pids()) == 2 and not set(pool.pids()) & set(before)
    assert parent_of(pool.pids()[0]) not in (zygote, os.getpid())  # a new zygote forked them
