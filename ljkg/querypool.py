"""Isolated query processes: a query over the time limit is killed, so it cannot keep a worker busy.

Oxigraph evaluates a query without ever checking for cancellation (a Python signal or a thread cannot
stop it), so /sparql queries run in forked child processes that share the loaded store copy-on-write.
Each process evaluates up to `threads` queries at once, one per thread (pyoxigraph releases the GIL
while it evaluates), so the processes share one copy of what a store keeps per process: the pages of an
in-memory store that queries write to, a disk store's block cache (bench/README.md, "Query threads").
The request thread waits at most the time limit; on expiry the process is killed and replaced, and the
other queries it was running start again in another one (a query only reads, so running it again is safe),
unless one had already run longer than the time it has left: run again, it would time out in its turn and
kill the queries beside it there (bench/README.md, "Restarts"). To have few such queries, a new query goes
to a process that runs no long query while there is one with an idle thread.

A process that dies of anything else (a crash inside the engine, such as a stack overflow on a deeply nested
query; SIGKILL from outside; the OOM killer) is treated the same way: its queries start again elsewhere and
it is replaced. Which query killed it can only be inferred. After a crash of the engine (a signal other than
SIGKILL) the queries that were running in it run again one at a time, each where the fewest queries run: the
one that crashes a process while alone in it is refused with a 503 saying so (it would only take more
processes down), the others are answered. SIGKILL comes from outside (`kill -9`, the OOM killer) and blames
no query: they all run again at once; only a query under which three processes died is refused.

So that slow queries cannot hold every thread a cheap query could use, `reserved` threads run in a process
of their own, taken only when no other thread is idle: a query still running there after DEMOTE_AFTER makes
way (that process is killed and replaced; what else ran in it had run less than DEMOTE_AFTER and starts again)
and waits for one of the other threads (docs/fairness.md).

A query still running after DEMOTE_AFTER is moved to the lowest CPU priority until it answers, so that
cheap queries arriving meanwhile overtake it instead of sharing the cores with it evenly. Its thread
gets its priority back afterwards, which the kernel allows only with CAP_SYS_NICE or a large enough
RLIMIT_NICE; without either, queries are not demoted (a demoted thread could never be restored).

Every query process is forked by a zygote that the pool starts before any request is served (zygote.py),
so a replacement starts from the same small image as the first processes, not from the serving process's
heap as it has grown since; and one that has kept more than `recycle_at` of what its queries allocated is
replaced once the queries running in it have answered (docs/query-processes-memory.md).

Unless --allow-remote, a query process loads a seccomp filter right after the fork, before its threads start,
so that nothing it evaluates can open a network path, whatever the guard let through (sandbox.py); a process
that cannot load it says so instead of reporting its threads, and the pool refuses to start.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection

from . import errors, sandbox
from .processes import die_with_parent
from .sparql import Answer, QueryJob
from .zygote import Forked, Zygote, ZygoteGone

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
STARTUP_WAIT = 30.0  # seconds a new query process may take to report its threads
# How often a long query's process has its memory looked at: a runaway join allocated about 425 MiB/s at
# 1M triples, so it overshoots the limit by some 20 MiB before it is killed.
MEMORY_CHECK_EVERY = 0.05
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _host_main(conns: list[Connection], parent_pid: int, evaluator: Evaluator, rules: object | None) -> None:
    """A query process, forked by the pool's zygote (zygote.py): one thread per pipe, the first being the main
    thread (so its id is the pid).

    With `rules` (sandbox.prepare()), the process is kept off the network before any thread starts or job
    arrives; if that fails it says why on its first pipe and exits, so the server does not run unprotected."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    os.nice(QUERY_NICENESS)  # before the threads start: on Linux each thread has its own, inherited at creation
    if rules is not None:
        try:
            sandbox.confine(rules)
        except sandbox.SandboxUnavailable as exc:
            conns[0].send(("unsandboxed", str(exc)))
            return
    for conn in conns[1:]:
        threading.Thread(target=_serve, args=(conn, evaluator), daemon=True).start()
    _serve(conns[0], evaluator)


def _serve(conn: Connection, evaluator: Evaluator) -> None:
    conn.send(threading.get_native_id())  # the parent demotes and restores this thread by its id
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


@dataclass(eq=False)
class _Process:
    process: Forked
    threads: int
    resident_at_start: int  # bytes; what it grows beyond this counts against the memory limit
    dead: bool = False  # killed by us, or died: the queries it was running start again elsewhere
    long_queries: int = 0  # running past DEMOTE_AFTER: any of them may time out and take the others with it
    running: int = 0  # queries sent to it and not answered yet
    suspects: int = 0  # of those, queries that were running in a process that died: new ones keep away
    crashed: bool = False  # died without our doing (dead is set too)
    running_at_death: int = 0
    exit_signal: int | None = None  # what it died of, once `examined` is set
    examined: threading.Event = field(default_factory=threading.Event)
    reserved: bool = False  # its threads are kept for short queries: one still running after DEMOTE_AFTER makes way
    retiring: bool = False  # grown past `recycle_at`: takes no new query, killed once its running ones answer
    parked: list = field(default_factory=list)  # a retiring one's slots, open until then (its first thread's
    # pipe closed, the process would exit under the queries still running in its other threads)

    def grown(self) -> int:
        """Bytes of memory it has added since it started (a negative number once it is gone).

        Resident memory, not PSS: a forked process is resident in the pages it shares with the server from
        the start, so what it adds is what its queries allocated (reading /proc/PID/statm costs
        microseconds; summing PSS walks the page tables)."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as statm:
                resident = int(statm.read().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            return -self.resident_at_start
        return resident - self.resident_at_start


@dataclass(eq=False)
class _Slot:
    """One query thread of a query process, and the parent's end of its pipe."""
    host: _Process
    conn: Connection
    thread_id: int
    stuck_low: bool = False  # demoted, and its priority could not be given back: replace its process


class _Retry(Exception):
    """The query's process was killed because of another query: run it again elsewhere (if there is time)."""

    def __init__(self, ran: float) -> None:
        super().__init__(ran)
        self.ran = ran  # seconds it had run there


class _Crashed(Exception):
    """The query's process died without our doing while the query ran in it."""

    def __init__(self, ran: float, alone: bool, exit_signal: int | None) -> None:
        super().__init__(ran, alone, exit_signal)
        self.ran = ran
        self.alone = alone  # no other query was running there: if the process crashed by itself, this one did it
        self.exit_signal = exit_signal

    def blames(self, deaths: int) -> bool:
        """Whether the query is the likely cause, after the `deaths`-th process it was running in died.

        A process that crashed by itself (SIGSEGV, SIGABRT, ...) with this query alone in it was crashed by
        it. SIGKILL comes from outside (`kill -9`, the OOM killer), so it proves nothing about one query; a
        query is blamed only when three processes died under it."""
        if self.alone and self.exit_signal != signal.SIGKILL:
            return True
        return deaths >= 3

    @property
    def isolate(self) -> bool:
        """Whether it should run again on its own: the engine crashed, and it was one of several queries."""
        return self.exit_signal != signal.SIGKILL


class _MakeWay(Exception):
    """The query ran past DEMOTE_AFTER in a thread kept for short ones: it runs again in a general thread."""


class _OverMemory(Exception):
    """The query's process went over the memory limit while it ran (and was killed)."""


class QueryPool:
    """`size` query threads spread over `processes` forked processes (at most one process per thread), and
    `reserved` more in one process, for short queries.

    `memory_limit` (bytes, 0 for none) bounds what a query process may grow by while a long query runs
    in it (what earlier queries left behind, such as a disk store's block cache, does not count); past it
    the process is killed, and its queries start again in a fresh one, once: the query that goes over the
    limit there as well is refused (the first time it may have been a query beside it).

    `recycle_at` (bytes, 0 for never) bounds what a query process may keep: one that has grown by more since
    it started is replaced once the queries running in it have answered (docs/query-processes-memory.md).

    Unless `network` is true (--allow-remote), every query process runs in the seccomp sandbox of
    sandbox.py; SandboxUnavailable if it cannot be set up."""

    def __init__(self, evaluator: Evaluator, size: int, timeout: float, processes: int = 1,
                 memory_limit: int = 0, reserved: int = 0, network: bool = False, recycle_at: int = 0) -> None:
        self._evaluator = evaluator
        self._rules = None if network else sandbox.prepare()
        self._timeout = timeout
        self._memory_limit = memory_limit
        self._recycle_at = recycle_at
        self._context = mp.get_context("fork")
        self._lock = threading.Lock()
        self._idle: deque[_Slot] = deque()  # oldest first
        self._idle_changed = threading.Condition(self._lock)
        self._slots: list[_Slot] = []  # every slot whose pipe end is open here
        self._isolated = threading.Lock()  # held while a query that may have crashed the engine runs again
        # The kernel kills a query process when the thread that forked it ends (die_with_parent), so every
        # fork happens in this one long-lived thread, never in a request thread.
        self._forker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-process-forker")
        self.killed = 0  # processes we stopped (time or memory limit)
        self.crashed = 0  # processes that died without our doing
        self.made_way = 0  # queries moved out of a thread kept for short ones
        self.recycled = 0  # processes replaced for having grown past `recycle_at`
        self.query_niceness = min(LOWEST_PRIORITY, os.getpriority(os.PRIO_PROCESS, 0) + QUERY_NICENESS)
        self.demotes = self._may_demote()
        gc.freeze()  # what exists now is shared with the children: no collector pass may copy its pages
        size = max(1, size)
        processes = max(1, min(processes, size))
        # Every query process is forked by this one, started now, before any request has grown our heap.
        self._zygote = self._forker.submit(Zygote, partial(_host_main, evaluator=evaluator, rules=self._rules)).result()
        try:
            for index in range(processes):
                self._start(size // processes + (1 if index < size % processes else 0))
            if reserved > 0:
                self._start(reserved, reserved=True)
        except sandbox.SandboxUnavailable:
            self.close()
            raise

    def pids(self) -> list[int]:
        """The live query processes."""
        with self._lock:
            hosts = {id(s.host): s.host for s in self._slots if not s.host.dead}
        return [h.process.pid for h in hosts.values()]

    def _start(self, threads: int, reserved: bool = False) -> None:
        """Fork a query process with `threads` query threads and make them available."""
        self._forker.submit(self._fork, threads, reserved).result()

    def _fork(self, threads: int, reserved: bool) -> None:
        """(Only in the forker thread: one fork at a time.) A child that cannot report its threads is killed
        and forked again, so the pool never loses its threads."""
        for attempt in range(1, 4):
            pipes = [self._context.Pipe() for _ in range(threads)]
            try:
                process = self._zygote.fork([child for _, child in pipes])
            except ZygoteGone as exc:
                log.error("query process did not start (attempt %d): %s", attempt, exc)
                for parent, child in pipes:
                    parent.close()
                    child.close()
                continue
            finally:
                for _, child in pipes:
                    child.close()
            try:
                thread_ids = [self._thread_id(parent, process.pid) for parent, _ in pipes]
                break
            except (EOFError, OSError, RuntimeError, sandbox.SandboxUnavailable) as exc:
                log.error("query process %d did not start (attempt %d): %s", process.pid, attempt, exc)
                process.kill()
                process.join(timeout=5)
                for parent, _ in pipes:
                    parent.close()
                if isinstance(exc, sandbox.SandboxUnavailable):
                    raise
        else:
            raise RuntimeError("could not start a query process three times in a row")
        host = _Process(process, threads, 0, reserved=reserved)
        host.resident_at_start = max(0, host.grown())
        slots = [_Slot(host, parent, thread_id) for (parent, _), thread_id in zip(pipes, thread_ids, strict=True)]
        with self._lock:
            self._slots.extend(slots)
        for slot in slots:
            self._release(slot)

    @staticmethod
    def _thread_id(conn: Connection, pid: int) -> int:
        if not conn.poll(STARTUP_WAIT):
            raise RuntimeError(f"query process {pid} did not report its threads within {STARTUP_WAIT:g} s")
        reported = conn.recv()
        if isinstance(reported, tuple):  # ("unsandboxed", why): starting it again would fail the same way
            raise sandbox.SandboxUnavailable(reported[1])
        return reported

    def _may_demote(self) -> bool:
        """Warn (a deployment may want to grant it) when long queries cannot be demoted."""
        if self.query_niceness >= LOWEST_PRIORITY:
            log.warning("query processes already run at nice %d (the server's own nice plus %d): long queries "
                        "cannot be given a lower priority than cheap ones", LOWEST_PRIORITY, QUERY_NICENESS)
            return False
        if not may_raise_priority_to(self.query_niceness):
            log.warning("long queries keep their CPU priority: giving a query thread its nice %d back needs "
                        "CAP_SYS_NICE or RLIMIT_NICE >= %d (systemd LimitNICE=%d)", self.query_niceness,
                        20 - self.query_niceness, 20 - self.query_niceness)
            return False
        return True

    def _kill(self, host: _Process, replace: bool = True) -> None:
        """Kill a query process (its other queries start again elsewhere) and, unless told not to or it is
        retiring, start its replacement."""
        with self._lock:
            if host.dead:
                return
            host.dead = True
        with contextlib.suppress(ProcessLookupError):
            os.kill(host.process.pid, signal.SIGKILL)
        host.process.join(timeout=5)
        self._unpark(host)
        if replace:
            self.killed += 1
            if not host.retiring:  # (a retiring one's replacement is already running)
                self._start(host.threads, host.reserved)

    def _forget(self, slot: _Slot) -> None:
        with self._lock:
            slot.conn.close()
            self._slots.remove(slot)

    def _release(self, slot: _Slot) -> None:
        with self._idle_changed:
            self._idle.append(slot)
            self._idle_changed.notify()

    def _take(self, deadline: float, suspect: bool = False, general: bool = False) -> _Slot:
        """An idle thread, preferably in a process running no long query: if a long query there times out,
        the process is killed and whatever else runs in it is lost (and started again). New queries keep away
        from the queries of a process that died (one of them may crash this one too); those go where the
        fewest queries run, so the next death tells more about which of them is the cause. The threads kept
        for short queries are taken last, and never by a query known to be long (`general`)."""
        if suspect:
            def preference(s: _Slot) -> tuple:
                return not s.host.dead, s.host.reserved, s.host.suspects, s.host.running
        else:
            def preference(s: _Slot) -> tuple:
                return not s.host.dead, s.host.reserved, s.host.suspects, s.host.long_queries

        def usable() -> list[_Slot]:
            return [s for s in self._idle if not (general and s.host.reserved and not s.host.dead)]
        while True:
            with self._idle_changed:
                while not (candidates := usable()):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise errors.ServiceBusy(f"all query processes are busy; no slot freed within "
                                                 f"{self._timeout:g} s, try again later")
                    self._idle_changed.wait(left)
                slot = min(candidates, key=preference)
                self._idle.remove(slot)
            if not slot.host.dead:
                return slot
            self._forget(slot)  # a killed process's idle thread

    def run(self, job: QueryJob) -> Answer:
        deadline = time.monotonic() + self._timeout
        over_memory = deaths = 0
        isolate = general = False
        while True:
            try:
                if isolate:  # one such query at a time, so the next crash names its cause
                    status, payload = self._run_isolated(job, deadline)
                else:
                    status, payload = self._run_once(job, self._take(deadline, deaths > 0, general), deadline,
                                                     suspect=deaths > 0)
            except _MakeWay:
                self.made_way += 1
                general = True
                continue
            except _Crashed as exc:
                deaths += 1
                if exc.blames(deaths):
                    raise self._crashed(deaths, exc.exit_signal) from None
                left = deadline - time.monotonic()
                if left <= max(exc.ran, 0.05):
                    raise self._cannot_restart(exc.ran, left, "its process died") from None
                isolate = isolate or exc.isolate
                continue
            except _Retry as exc:
                left = deadline - time.monotonic()
                if left <= max(exc.ran, 0.05):
                    raise self._cannot_restart(exc.ran, left) from None
                continue
            except _OverMemory:
                over_memory += 1
                if over_memory > 1:
                    raise self._over_memory() from None
                if deadline - time.monotonic() > 0.05:
                    continue
                raise self._timed_out() from None
            if status == "ok":
                return payload
            raise errors.rebuild(*payload)

    def _run_isolated(self, job: QueryJob, deadline: float) -> tuple[str, object]:
        """Run a query that was beside another when the engine crashed, while no other such query runs, in
        the process running the fewest queries (new queries keep away from it meanwhile)."""
        if not self._isolated.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise errors.ServiceBusy("the query's process crashed, and the queries that were running beside it "
                                     "run again one at a time; its turn did not come within the time limit: "
                                     "try again", retry_after=1)
        try:
            return self._run_once(job, self._take(deadline, suspect=True, general=True), deadline, suspect=True)
        finally:
            self._isolated.release()

    def _run_once(self, job: QueryJob, slot: _Slot, deadline: float, suspect: bool = False) -> tuple[str, object]:
        host = slot.host
        sent = time.monotonic()
        remaining = max(0.05, deadline - sent)
        with self._lock:  # (counted before it is sent: it may kill the process at once)
            host.running += 1
            host.suspects += suspect
        try:
            slot.conn.send(job)
        except OSError:  # it died while this thread was idle: the query never reached it
            with self._lock:
                host.running -= 1
                host.suspects -= suspect
            self._forget(slot)
            self._examine(host)
            raise _Retry(0.0) from None
        try:
            outcome = self._wait(slot, remaining)
            if outcome != "answered":
                self._kill(host)
                self._forget(slot)
                if outcome == "make way":
                    raise _MakeWay()
                raise self._timed_out() if outcome == "timeout" else _OverMemory()
            answer = slot.conn.recv()
        except (EOFError, OSError):
            self._forget(slot)
            ran = time.monotonic() - sent
            death = self._examine(host)
            if death is None:  # killed by us for another query's sake
                raise _Retry(ran) from None
            raise _Crashed(ran, *death) from None
        finally:
            with self._lock:
                host.running -= 1
                host.suspects -= suspect
        if slot.stuck_low:
            self._kill(host)
            self._forget(slot)
        elif host.retiring or (self._recycle_at and host.grown() > self._recycle_at):
            self._retire(slot)
        else:
            self._release(slot)
        return answer

    def _retire(self, slot: _Slot) -> None:
        """Its process has kept more than `recycle_at` of what its queries allocated (glibc and pymalloc hand
        little back, and a big join's memory stays with the process): its replacement starts now, it takes no
        new query, and it is killed when the last query running in it has answered, so none of them starts
        again."""
        host = slot.host
        with self._idle_changed:
            first = not host.retiring
            host.retiring = True
            idle = [s for s in self._idle if s.host is host]
            for other in idle:
                self._idle.remove(other)
            host.parked += [slot, *idle]
            last = host.running == 0
        if first:
            log.info("query process %d has grown by %d MiB, past %d MiB: replaced once its queries have answered",
                     host.process.pid, host.grown() // 2**20, self._recycle_at // 2**20)
            self.recycled += 1
            self._start(host.threads, host.reserved)
        if last:
            self._kill(host, replace=False)

    def _unpark(self, host: _Process) -> None:
        """Close the pipes of a retiring process that has died or been killed."""
        with self._lock:
            parked, host.parked = host.parked, []
        for done in parked:
            self._forget(done)

    def _examine(self, host: _Process) -> tuple[bool, int | None] | None:
        """Whether the process died by itself (then: was one query running alone in it, and the signal it died
        of), or None when we killed it. The first of its threads to find it dead replaces it."""
        with self._lock:
            first = not host.dead
            if first:
                host.dead = host.crashed = True
                host.running_at_death = host.running
            elif not host.crashed:
                return None
        if first:
            host.process.join(timeout=1)
            if host.process.exitcode is None:  # (its pipe broke, yet it runs: make it dead)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(host.process.pid, signal.SIGKILL)
                host.process.join(timeout=5)
            code = host.process.exitcode
            host.exit_signal = -code if code is not None and code < 0 else None
            host.examined.set()
            self.crashed += 1
            log.error("query process %d died (%s) with %d queries running; they start again elsewhere",
                      host.process.pid, _death(code), host.running_at_death)
            self._unpark(host)
            if not host.retiring:
                self._start(host.threads, host.reserved)
        else:
            host.examined.wait(timeout=10)
        return host.running_at_death <= 1, host.exit_signal

    def _over_memory(self) -> errors.QueryOverMemory:
        return errors.QueryOverMemory(
            f"the query needed more than the {self._memory_limit // 2**20} MiB of memory a query may use and was "
            "stopped; narrow it (LIMIT, more specific patterns, fewer joined variables) and try again")

    def _cannot_restart(self, ran: float, left: float,
                        why: str = "another query in its process went over the time limit") -> errors.QueryTimeout:
        """A query that had run longer than the time it has left would only time out if started again (and
        take the queries beside it down with it when it does)."""
        return errors.QueryTimeout(
            f"the query was stopped after {ran:.2f} s because {why}; the {max(0.0, left):.2f} s left of its own "
            f"{self._timeout:g} s limit are too few to run it again: try again", retry_after=1)

    @staticmethod
    def _crashed(deaths: int, exit_signal: int | None) -> errors.QueryCrashed:
        cause = f" ({signal.Signals(exit_signal).name})" if exit_signal else ""
        return errors.QueryCrashed(
            f"the query engine's process died{cause} while this query ran in it, {deaths} time(s), and is not "
            "given another: the query itself most likely makes the engine fail (very deep nesting of groups, "
            "parentheses or subqueries, or thousands of BINDs, overflow its stack); simplify it")

    def _timed_out(self) -> errors.QueryTimeout:
        return errors.QueryTimeout(
            f"the query ran longer than the time limit of {self._timeout:g} s and was stopped; "
            "narrow it (LIMIT, more specific patterns) and try again",
            retry_after=max(1, int(self._timeout)),
        )

    def _wait(self, slot: _Slot, remaining: float) -> str:
        """"answered", "timeout", "over memory" or "make way"; a query still running after DEMOTE_AFTER is
        demoted and has its process's memory watched until it answers, unless it runs in a thread kept for short
        queries: then it makes way (its process is killed, what else ran there is short and starts again)."""
        if remaining <= DEMOTE_AFTER or slot.conn.poll(DEMOTE_AFTER):
            return "answered" if slot.conn.poll(remaining) else "timeout"
        if slot.host.reserved:
            return "make way"
        demoted = self.demotes
        if demoted:
            with contextlib.suppress(ProcessLookupError, PermissionError):  # (it may have just ended)
                os.setpriority(os.PRIO_PROCESS, slot.thread_id, LOWEST_PRIORITY)
        deadline = time.monotonic() + remaining - DEMOTE_AFTER
        grown_before = slot.host.grown() if self._memory_limit else 0
        with self._lock:
            slot.host.long_queries += 1
        try:
            while not slot.conn.poll(max(0.0, min(MEMORY_CHECK_EVERY, deadline - time.monotonic()))):
                if time.monotonic() >= deadline:
                    return "timeout"  # (a thread whose query timed out is killed, not restored)
                if self._memory_limit and slot.host.grown() - grown_before > self._memory_limit:
                    return "over memory"
        finally:
            with self._lock:
                slot.host.long_queries -= 1
        if demoted and not slot.host.dead:
            self._restore(slot)
        return "answered"

    def _restore(self, slot: _Slot) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, slot.thread_id, self.query_niceness)
        except ProcessLookupError:
            pass
        except PermissionError:  # the right was taken away since the start (prlimit): stop demoting
            log.warning("could not give query process %d (thread %d) its priority back; long queries are no "
                        "longer demoted, and the process is replaced", slot.host.process.pid, slot.thread_id)
            self.demotes = False
            slot.stuck_low = True

    def close(self) -> None:
        with self._lock:
            hosts = {id(s.host): s.host for s in self._slots}
        for host in hosts.values():
            with contextlib.suppress(Exception):
                host.process.kill()
                host.process.join(timeout=2)
        self._zygote.close()
        self._forker.shutdown(wait=False)


def _death(exitcode: int | None) -> str:
    if exitcode is None:
        return "cause unknown"
    if exitcode < 0:
        return signal.Signals(-exitcode).name
    return f"exit status {exitcode}"


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
