"""The query pool's priority handling, on real forked processes, without needing the right to restore a
priority: os.setpriority is replaced by a recorder (which, where a test says so, refuses a restore the
way the kernel does). tests/test_server_launch.py checks real priorities through a real server."""

from __future__ import annotations

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
        return pools[-1], pools[-1]._workers[0].process.pid

    yield start
    for pool in pools:
        pool.close()


def pids(pool: QueryPool) -> list[int]:
    return [worker.process.pid for worker in pool._workers]


def test_a_quick_query_is_not_demoted(priorities, one_process_pool):
    pool, _ = one_process_pool()
    assert pool.run(0) == "slept 0"
    assert priorities.calls == []


def test_a_long_query_is_demoted_then_restored(priorities, one_process_pool):
    pool, pid = one_process_pool()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
    assert priorities.calls == [(pid, LOWEST_PRIORITY), (pid, pool.query_niceness)]
    assert pids(pool) == [pid]


def test_a_query_over_the_limit_is_killed_not_restored(priorities, one_process_pool):
    pool, pid = one_process_pool(timeout=0.5)
    with pytest.raises(errors.QueryTimeout):
        pool.run(10)
    assert priorities.calls == [(pid, LOWEST_PRIORITY)]
    assert pool.killed == 1 and pids(pool) != [pid]


def test_a_priority_that_cannot_be_restored_stops_demotion_and_replaces_the_process(priorities, one_process_pool,
                                                                                    caplog):
    priorities.refuse_restore = True
    pool, pid = one_process_pool()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"  # the answer still arrives
    assert "could not give query process" in caplog.text
    assert pool.demotes is False
    assert pids(pool) != [pid]  # no process is left stuck at nice 19
    priorities.calls.clear()
    assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
    assert priorities.calls == []
