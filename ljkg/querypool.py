"""Isolated query processes: a query over the time limit is killed, so it cannot keep a worker busy.

Oxigraph evaluates a query without ever checking for cancellation (a Python signal or a thread cannot
stop it), so /sparql queries run in forked child processes that share the loaded store copy-on-write.
The request thread waits at most the time limit; on expiry the child is killed and replaced.

A query still running after DEMOTE_AFTER is moved to the lowest CPU priority until it answers, so that
cheap queries arriving meanwhile overtake it instead of sharing the cores with it evenly. Its process
gets its priority back afterwards, which the kernel allows only with CAP_SYS_NICE or a large enough
RLIMIT_NICE; without either, queries are not demoted (a demoted process could never be restored).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection

from . import errors
from .processes import die_with_parent
from .sparql import Answer, QueryJob

log = logging.getLogger(__name__)

Evaluator = Callable[[QueryJob], Answer]

# Query processes yield the CPU to the serving process, whose one GIL every request passes through: at 100k
# triples and 8 clients, point lookups' p50 went from 5.5 to 2.8 ms, throughput unchanged, while slow
# queries (label search) took longer (bench/compare.py --sizes 100k --targets ljkg-memory --clients 8).
QUERY_NICENESS = 10

# Point lookups take a few milliseconds even at 1M triples; scans, label searches and large joins take
# hundreds. Past this, a query yields the CPU to any other (bench/README.md, "Long queries yield").
DEMOTE_AFTER = 0.05
LOWEST_PRIORITY = 19


def _child_loop(conn: Connection, evaluator: Evaluator, siblings: list[Connection], parent_pid: int) -> None:
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    for inherited in siblings:  # the parent's ends of the other pipes, copied by the fork: without this a
        inherited.close()       # pipe never reaches EOF, and we would outlive a killed parent (and its port)
    os.nice(QUERY_NICENESS)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", evaluator(job)))
        except errors.PublisherError as exc:
            conn.send(("error", (exc.status, exc.title, exc.message, exc.headers)))
        except Exception as exc:  # a bug: report it instead of dying silently
            conn.send(("error", (500, "Internal Server Error", f"query evaluation failed: {exc!r}", {})))


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    stuck_low: bool = False  # demoted, and its priority could not be given back: replace it


class QueryPool:
    def __init__(self, evaluator: Evaluator, size: int, timeout: float) -> None:
        self._evaluator = evaluator
        self._timeout = timeout
        self._context = mp.get_context("fork")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._spawning = threading.Lock()
        self._workers: list[_Worker] = []
        self.killed = 0
        self.query_niceness = min(LOWEST_PRIORITY, os.getpriority(os.PRIO_PROCESS, 0) + QUERY_NICENESS)
        self.demotes = self._may_demote()
        gc.freeze()  # what exists now is shared with the children: no collector pass may copy its pages
        for _ in range(max(1, size)):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        with self._spawning:  # one fork at a time, so each child knows every pipe end it inherits
            parent, child = self._context.Pipe()
            with self._lock:
                siblings = [w.conn for w in self._workers] + [parent]
            process = self._context.Process(target=_child_loop,
                                            args=(child, self._evaluator, siblings, os.getpid()), daemon=True)
            process.start()
            child.close()
            worker = _Worker(process, parent)
            with self._lock:
                self._workers.append(worker)
        return worker

    def _may_demote(self) -> bool:
        """Warn (a deployment may want to grant it) when long queries cannot be demoted."""
        if self.query_niceness >= LOWEST_PRIORITY:
            log.warning("query processes already run at nice %d (the server's own nice plus %d): long queries "
                        "cannot be given a lower priority than cheap ones", LOWEST_PRIORITY, QUERY_NICENESS)
            return False
        if not may_raise_priority_to(self.query_niceness):
            log.warning("long queries keep their CPU priority: giving a query process its nice %d back needs "
                        "CAP_SYS_NICE or RLIMIT_NICE >= %d (systemd LimitNICE=%d)", self.query_niceness,
                        20 - self.query_niceness, 20 - self.query_niceness)
            return False
        return True

    def _replace(self, worker: _Worker) -> _Worker:
        self._retire(worker)
        return self._spawn()

    def _retire(self, worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(timeout=5)
        worker.conn.close()
        with self._lock:
            self._workers.remove(worker)
        self.killed += 1

    def run(self, job: QueryJob) -> Answer:
        started = time.monotonic()
        try:
            worker = self._idle.get(timeout=self._timeout)
        except queue.Empty:
            raise errors.ServiceBusy(
                f"all query processes are busy; no slot freed within {self._timeout:g} s, try again later"
            ) from None
        remaining = max(0.05, self._timeout - (time.monotonic() - started))
        try:
            worker.conn.send(job)
            if not self._answered_within(worker, remaining):
                worker = self._replace(worker)
                raise errors.QueryTimeout(
                    f"the query ran longer than the time limit of {self._timeout:g} s and was stopped; "
                    "narrow it (LIMIT, more specific patterns) and try again",
                    retry_after=max(1, int(self._timeout)),
                )
            status, payload = worker.conn.recv()
            if worker.stuck_low:
                worker = self._replace(worker)
        except (EOFError, OSError, BrokenPipeError):
            worker = self._replace(worker)
            raise errors.rebuild(500, "Internal Server Error", "the query process died", {}) from None
        finally:
            self._idle.put(worker)
        if status == "ok":
            return payload
        raise errors.rebuild(*payload)

    def _answered_within(self, worker: _Worker, remaining: float) -> bool:
        if not self.demotes or remaining <= DEMOTE_AFTER or worker.conn.poll(DEMOTE_AFTER):
            return worker.conn.poll(remaining)
        pid = worker.process.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):  # (it may have just ended)
            os.setpriority(os.PRIO_PROCESS, pid, LOWEST_PRIORITY)
        answered = worker.conn.poll(remaining - DEMOTE_AFTER)
        if answered:  # (a process that timed out is killed instead)
            try:
                os.setpriority(os.PRIO_PROCESS, pid, self.query_niceness)
            except ProcessLookupError:
                pass
            except PermissionError:  # the right was taken away since the start (prlimit): stop demoting
                log.warning("could not give query process %d its priority back; long queries are no longer "
                            "demoted, and the process is replaced", pid)
                self.demotes = False
                worker.stuck_low = True
        return answered

    def close(self) -> None:
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.process.kill()
                worker.process.join(timeout=2)


def may_raise_priority_to(niceness: int) -> bool:
    """Whether this process may give a demoted query process its priority back (CAP_SYS_NICE, or an
    RLIMIT_NICE that reaches `niceness`; the children inherit both). Nice values are per thread on Linux,
    so a throwaway thread tries it on itself."""
    allowed: list[bool] = []

    def probe() -> None:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, LOWEST_PRIORITY)
        try:
            os.setpriority(os.PRIO_PROCESS, me, niceness)
            allowed.append(True)
        except PermissionError:
            allowed.append(False)

    thread = threading.Thread(target=probe, name="priority-probe")
    thread.start()
    thread.join()
    return bool(allowed and allowed[0])
