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


def test_a_quick_query_is_not_demoted(priorities):
    pool = QueryPool(sleep_then_answer, size=1, timeout=5)
    try:
        assert pool.run(0) == "slept 0"
        assert priorities.calls == []
    finally:
        pool.close()


def test_a_long_query_is_demoted_then_restored(priorities):
    pool = QueryPool(sleep_then_answer, size=1, timeout=5)
    try:
        pid = pool._workers[0].process.pid
        assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
        assert priorities.calls == [(pid, LOWEST_PRIORITY), (pid, pool.query_niceness)]
        assert [w.process.pid for w in pool._workers] == [pid]
    finally:
        pool.close()


def test_a_query_over_the_limit_is_killed_not_restored(priorities):
    pool = QueryPool(sleep_then_answer, size=1, timeout=0.5)
    try:
        pid = pool._workers[0].process.pid
        with pytest.raises(errors.QueryTimeout):
            pool.run(10)
        assert priorities.calls == [(pid, LOWEST_PRIORITY)]
        assert pool.killed == 1 and [w.process.pid for w in pool._workers] != [pid]
    finally:
        pool.close()


def test_a_priority_that_cannot_be_restored_stops_demotion_and_replaces_the_process(priorities, caplog):
    priorities.refuse_restore = True
    pool = QueryPool(sleep_then_answer, size=1, timeout=5)
    try:
        pid = pool._workers[0].process.pid
        assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"  # the answer still arrives
        assert "could not give query process" in caplog.text
        assert pool.demotes is False
        assert [w.process.pid for w in pool._workers] != [pid]  # no process is left stuck at nice 19
        priorities.calls.clear()
        assert pool.run(DEMOTE_AFTER * 4) == f"slept {DEMOTE_AFTER * 4}"
        assert priorities.calls == []
    finally:
        pool.close()
