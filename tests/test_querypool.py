"""The query pool's priority handling, on real forked processes, without needing the right to restore a
priority: os.setpriority is replaced by a recorder (which, where a test says so, refuses a restore the
way the kernel does). tests/test_server_launch.py checks real priorities through a real server."""

from __future__ import annotations

import ctypes
import os
import signal
import threading
import time

import pytest

from ljkg import errors, querypool
from ljkg.querypool import DEMOTE_AFTER, LOWEST_PRIORITY, QueryPool


def sleep_then_answer(seconds: float) -> str:
    time.sleep(seconds)
    return f"slept {seconds}"


@pytest.fixture
def priorities(monkeypatch):
    """The (pid, nice) calls the pool makes; `refuse_restore` makes raising a priority fail."""
    calls: list[tuple[int, int]] = []

    class Recorder:
        refuse_restore = False

        @staticmethod
        def setpriority(which: int, pid: int, nice: int) -> None:
            calls.append((pid, nice))
            if Recorder.refuse_restore and nice < LOWEST_PRIORITY:
                raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(querypool, "may_raise_priority_to", lambda niceness: True)
    monkeypatch.setattr(querypool.os, "setpriority", Recorder.setpriority)
    Recorder.calls = calls
    return Recorder


@pytest.fixture
def one_process_pool():
    """A pool of one query process that sleeps as long as it is told; closed after the test."""
    pools: list[QueryPool] = []

    def start(timeout: float = 5) -> tuple[QueryPool, int]:
        pools.append(QueryPool(sleep_then_answer, size=1, timeout=timeout))
        return pools[-1], pools[-1].pids()[0]

    yield start
    for pool in pools:
        pool.close()


def test_a_quick_query_is_not_demoted(priorities, one_process_pool):
    pool, _ = one_process_pool()
    assert pool.run(0) == "slept 0"
    assert priorities.calls == []


def test_a_long_query_is_demoted_then_restored(priorities, one_process_pool):
    pool, pid = one_process_pool()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
    assert priorities.calls == [(pid, LOWEST_PRIORITY), (pid, pool.query_niceness)]
    assert pool.pids() == [pid]


def test_a_query_over_the_limit_is_killed_not_restored(priorities, one_process_pool):
    pool, pid = one_process_pool(timeout=0.5)
    with pytest.raises(errors.QueryTimeout):
        pool.run(10)
    assert priorities.calls == [(pid, LOWEST_PRIORITY)]
    assert pool.killed == 1 and pool.pids() != [pid]


def test_a_priority_that_cannot_be_restored_stops_demotion_and_replaces_the_process(priorities, one_process_pool,
                                                                                    caplog):
    priorities.refuse_restore = True
    pool, pid = one_process_pool()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"  # the answer still arrives
    assert "could not give query process" in caplog.text
    assert pool.demotes is False
    assert pool.pids() != [pid]  # no process is left stuck at nice 19
    priorities.calls.clear()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
    assert priorities.calls == []


@pytest.fixture
def pool_of():
    """Pools started by a test, closed after it."""
    pools: list[QueryPool] = []

    def start(evaluator=sleep_then_answer, **kwargs) -> QueryPool:
        pools.append(QueryPool(evaluator, **kwargs))
        return pools[-1]

    yield start
    for pool in pools:
        pool.close()


def in_threads(pool: QueryPool, *jobs: float, stagger: float = 0.0) -> list:
    """Run the jobs at once (each `stagger` seconds after the previous); their answers or errors, in order."""
    outcomes: list = [None] * len(jobs)

    def one(index: int, seconds: float) -> None:
        try:
            outcomes[index] = pool.run(seconds)
        except errors.PublisherError as exc:
            outcomes[index] = exc

    threads = []
    for index, seconds in enumerate(jobs):
        threads.append(threading.Thread(target=one, args=(index, seconds)))
        threads[-1].start()
        time.sleep(stagger)
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_the_threads_of_one_process_answer_at_once(pool_of):
    pool = pool_of(size=3, timeout=5, processes=1)
    assert len(pool.pids()) == 1
    started = time.monotonic()
    assert in_threads(pool, 0.5, 0.5, 0.5) == ["slept 0.5"] * 3
    assert time.monotonic() - started < 1.4  # not one after the other (1.5 s)


def test_threads_are_spread_over_the_processes(pool_of):
    assert len(pool_of(size=5, timeout=5, processes=2).pids()) == 2
    assert len(pool_of(size=2, timeout=5, processes=4).pids()) == 2  # never a process without a thread


def test_a_query_in_the_process_of_a_timed_out_one_starts_again_and_answers(pool_of):
    pool = pool_of(size=2, timeout=1.0, processes=1)
    first = pool.pids()
    over, beside = in_threads(pool, 10, 0.5, stagger=0.7)  # the second is still running at the kill (1.0 s)
    assert isinstance(over, errors.QueryTimeout)
    assert beside == "slept 0.5"
    assert pool.killed == 1
    assert len(pool.pids()) == 1 and pool.pids() != first


def test_a_query_that_ran_longer_than_the_time_it_has_left_is_not_started_again(pool_of):
    pool = pool_of(size=2, timeout=2.0, processes=1)
    over, beside = in_threads(pool, 10, 1.9, stagger=0.5)  # at the kill (2.0 s) it ran 1.5 s and has 0.5 s left
    assert isinstance(over, errors.QueryTimeout)
    assert isinstance(beside, errors.QueryTimeout) and "too few to run it again" in beside.message
    assert pool.killed == 1  # no second run, which could only have been stopped at its own limit


def sleep_then_name_process(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def test_a_new_query_goes_to_a_process_without_a_long_query(pool_of):
    pool = pool_of(size=4, timeout=1.0, processes=2, evaluator=sleep_then_name_process)
    first = set(pool.pids())
    over, beside = in_threads(pool, 10, 0.7, stagger=0.5)  # (in the first process it would be killed at 1.0 s)
    assert isinstance(over, errors.QueryTimeout) and pool.killed == 1
    killed = first - set(pool.pids())
    assert len(killed) == 1 and beside in first - killed


def test_each_long_query_demotes_its_own_thread(priorities, pool_of):
    pool = pool_of(size=2, timeout=5, processes=1)
    threads = {slot.thread_id for slot in pool._slots}
    assert len(threads) == 2 and pool.pids()[0] in threads  # the main thread is one of them
    assert in_threads(pool, DEMOTE_AFTER * 4, DEMOTE_AFTER * 4) == [f"slept {DEMOTE_AFTER * 4}"] * 2
    demoted = {thread for thread, nice in priorities.calls if nice == LOWEST_PRIORITY}
    restored = {thread for thread, nice in priorities.calls if nice == pool.query_niceness}
    assert demoted == restored == threads


# Query processes run at nice 10: on a machine busy with other work, writing 128 MiB can take seconds.
LOADED_MACHINE_TIMEOUT = 30

KEPT: list[bytes] = []  # what a query process keeps between queries (as caches and allocator pools do)


def allocate_then_answer(job: tuple[int, float, bool]) -> str:
    """Past DEMOTE_AFTER (when the pool starts watching), allocate `mib` MiB (written, so it is resident),
    hold it `seconds`, and keep it if told to."""
    mib, seconds, keep = job
    time.sleep(DEMOTE_AFTER * 2)
    block = b"x" * (mib * 2**20)
    time.sleep(seconds)
    if keep:
        KEPT.append(block)
    return f"allocated {mib}"


def test_a_query_under_the_memory_limit_answers(pool_of):
    pool = pool_of(size=1, timeout=LOADED_MACHINE_TIMEOUT, memory_limit=64 * 2**20, evaluator=allocate_then_answer)
    assert pool.run((16, 0.3, False)) == "allocated 16"
    assert pool.killed == 0


def test_a_query_over_the_memory_limit_is_stopped_in_a_fresh_process_too(pool_of):
    pool = pool_of(size=1, timeout=LOADED_MACHINE_TIMEOUT, memory_limit=64 * 2**20, evaluator=allocate_then_answer)
    with pytest.raises(errors.QueryOverMemory, match="64 MiB"):
        pool.run((128, 1.0, False))
    assert pool.killed == 2  # its process, then the fresh one it was given
    assert pool.run((1, 0, False)) == "allocated 1"


def test_what_earlier_queries_left_in_the_process_does_not_count(pool_of):
    pool = pool_of(size=1, timeout=LOADED_MACHINE_TIMEOUT, memory_limit=64 * 2**20, evaluator=allocate_then_answer)
    first = pool.pids()
    assert pool.run((48, 0, True)) == "allocated 48"  # kept: the process is now 48 MiB up
    assert pool.run((32, 0.3, False)) == "allocated 32"  # 80 MiB up, 32 of them this query's
    assert pool.killed == 0 and pool.pids() == first


def test_no_memory_limit_by_default(pool_of):
    pool = pool_of(size=1, timeout=LOADED_MACHINE_TIMEOUT, evaluator=allocate_then_answer)
    assert pool.run((128, 0.3, False)) == "allocated 128"
    assert pool.killed == 0


def test_many_timeouts_at_once_leave_every_thread_working(pool_of):
    """Processes killed and forked while other requests close pipes: each child must inherit exactly the
    pipe ends it should close (a closed end's number is reused by the next pipe)."""
    pool = pool_of(size=8, timeout=0.3, processes=4)
    for _ in range(10):
        outcomes = in_threads(pool, *([1.0, 0.0] * 8))
        assert all(isinstance(o, errors.QueryTimeout) or o == "slept 0.0" for o in outcomes), outcomes
    assert in_threads(pool, *([0.1] * 8)) == ["slept 0.1"] * 8
    assert len(pool.pids()) == 4


# --- a query process that dies: its other queries are answered, the query that killed it is refused ---

def crash_or_sleep(job) -> str:
    """"crash" kills its process the way a stack overflow inside the engine does (a real SIGSEGV, in the
    thread of the query); a number sleeps."""
    if job == "crash":
        ctypes.string_at(0)
    return sleep_then_answer(job)


def test_a_query_beside_a_crashing_one_is_answered(pool_of):
    pool = pool_of(crash_or_sleep, size=2, timeout=10, processes=1)
    first = pool.pids()
    beside, crasher = in_threads(pool, 0.6, "crash", stagger=0.2)
    assert beside == "slept 0.6"
    assert isinstance(crasher, errors.QueryCrashed) and crasher.status == 503
    assert "Retry-After" not in crasher.headers and "SIGSEGV" in crasher.message
    assert len(pool.pids()) == 1 and pool.pids() != first
    assert in_threads(pool, 0.1, 0.1) == ["slept 0.1"] * 2  # every thread works again


def test_a_query_crashing_alone_is_refused_at_once(pool_of):
    pool = pool_of(crash_or_sleep, size=2, timeout=10, processes=2)
    with pytest.raises(errors.QueryCrashed):
        pool.run("crash")
    assert pool.crashed == 1  # no second process sacrificed to make sure
    assert pool.run(0) == "slept 0"


def test_a_query_process_killed_from_outside_loses_no_query(pool_of):
    pool = pool_of(crash_or_sleep, size=4, timeout=10, processes=1)
    pid = pool.pids()[0]
    threading.Timer(0.3, os.kill, (pid, signal.SIGKILL)).start()
    assert in_threads(pool, 0.8, 0.8, 0.8) == ["slept 0.8"] * 3  # each ran again in the replacement
    assert pool.crashed == 1 and pool.pids() != [pid]


def test_an_idle_process_killed_from_outside_is_replaced_on_first_use(pool_of):
    pool = pool_of(crash_or_sleep, size=2, timeout=10, processes=2)
    os.kill(pool.pids()[0], signal.SIGKILL)
    time.sleep(0.2)
    assert in_threads(pool, 0.1, 0.1, 0.1, 0.1) == ["slept 0.1"] * 4
    assert len(pool.pids()) == 2


# --- threads kept for short queries ---

def test_a_reserved_thread_answers_a_short_query_while_long_ones_hold_the_others(pool_of):
    pool = pool_of(sleep_then_answer, size=1, timeout=10, processes=1, reserved=1)
    started = time.monotonic()
    long, short = in_threads(pool, 1.0, 0.0, stagger=0.2)
    assert (long, short) == ("slept 1.0", "slept 0.0")
    assert pool.made_way == 0 and len(pool.pids()) == 2
    assert time.monotonic() - started < 1.5


def test_a_long_query_in_a_reserved_thread_makes_way_and_is_answered(pool_of):
    pool = pool_of(sleep_then_answer, size=1, timeout=10, processes=1, reserved=1)
    reserved = pool.pids()[1]
    first, second, short = in_threads(pool, 0.6, 0.3, 0.0, stagger=0.2)
    assert (first, second, short) == ("slept 0.6", "slept 0.3", "slept 0.0")
    assert pool.made_way == 1 and reserved not in pool.pids()  # killed at DEMOTE_AFTER, replaced


# --- the same through the real server: Oxigraph crashed by a deeply nested query, a process killed by kill -9 ---

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # a cross join: seconds at this size
NESTED = "SELECT * WHERE " + "{" * 10000 + "}" * 10000  # overflows the engine's stack (SIGSEGV) today
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture
def one_query_process():
    from conftest import start_server, stop_server

    # the depth limit raised past the crash point: this is about what happens when a query gets past it
    served, server = start_server("memory", query_workers=2, query_processes=1, query_reserved=0,
                                  query_timeout=20, max_query_depth=1_000_000)
    yield served
    stop_server(served, server)


def post_query(served, query: str):
    import requests

    return requests.post(served.url("sparql"), data={"query": query}, headers=JSON, timeout=60)


def over_http(served):
    """Something with the pool's `run`, for in_threads, that sends each query to the server instead."""
    from types import SimpleNamespace

    return SimpleNamespace(run=lambda query: post_query(served, query))


def test_server_a_query_beside_one_that_crashes_oxigraph_is_answered(one_query_process):
    pool = one_query_process.pub.store.pool
    first = pool.pids()
    slow, nested = in_threads(over_http(one_query_process), SLOW, NESTED, stagger=0.3)
    triples = post_query(one_query_process, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").json()
    count = int(triples["results"]["bindings"][0]["n"]["value"])
    assert slow.status_code == 200 and slow.json()["results"]["bindings"][0]["n"]["value"] == str(count * count)
    assert nested.status_code == 503, nested.text
    assert "simplify it" in nested.json()["message"] and "Retry-After" not in nested.headers
    assert pool.pids() != first and len(pool.pids()) == 1


def test_server_kill_9_of_a_query_process_mid_query_is_no_500(one_query_process):
    pool = one_query_process.pub.store.pool
    pid = pool.pids()[0]
    threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
    answers = in_threads(over_http(one_query_process), SLOW, SLOW)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert pool.crashed == 1 and pid not in pool.pids()
