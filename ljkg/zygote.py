"""Fork query processes from a small process started with the pool, never from the serving process itself.

A forked process shares its parent's memory copy-on-write, as it was at the fork. Forked from the serving
process, a replacement query process (after a timeout, a crash, a kill) got the serving process's heap as it
is by then, grown by its caches and fragmented by large requests; the child's own allocations then land in
that heap's free holes and copy every page they touch, and each page the serving process rewrites later is
kept twice. Under the hostile soak (bench/soak.py), where a query that runs into the time limit replaces a
process every few seconds, each replacement started bigger than the last: 86 MiB resident 20 s in, 126 MiB
50 s later, its private memory 35-56 MiB where a process forked at start-up stayed under 22
(docs/query-processes-memory.md).

So the pool forks one zygote first, right after the store is loaded and before any request is served, and
every query process, the first ones and every replacement, is forked by it: the zygote does nothing else,
so its memory never changes and each query process starts from the same image. The parent makes each
process's pipes and hands the zygote their ends over a Unix socket (SCM_RIGHTS); the zygote forks, closes
its copies and reports the new pid, and, being the parent, reaps its processes and reports how each ended
(the pool tells a crash from a kill by the signal). The zygote dies with the serving process, and query
processes die with the zygote (processes.die_with_parent); if the zygote dies, its processes end with it and
the pool starts a new zygote on the next fork.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing as mp
import os
import queue
import signal
import socket
import threading
from collections.abc import Callable
from multiprocessing import reduction
from multiprocessing.connection import Connection, wait

from .processes import die_with_parent

log = logging.getLogger(__name__)

# What runs in each forked process: its pipes' ends, and the pid of the process that forked it.
Main = Callable[[list[Connection], int], None]
FORK_WAIT = 30.0  # seconds the zygote may take to report a fork


class ZygoteGone(Exception):
    """The zygote died or did not answer: the fork did not happen."""


class Forked:
    """A process forked by the zygote, with what the pool uses of a multiprocessing.Process (pid, kill,
    join, exitcode); its end is reported by the zygote, which is its parent."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.exitcode: int | None = None  # as multiprocessing has it: -N when killed by signal N
        self._ended = threading.Event()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float | None = None) -> None:
        self._ended.wait(timeout)

    def is_alive(self) -> bool:
        return not self._ended.is_set()

    def ended(self, exitcode: int) -> None:
        self.exitcode = exitcode
        self._ended.set()


class Zygote:
    """The forking process. `fork` is called from one thread at a time (the pool's forker thread), which
    must be the thread that created the Zygote: the kernel ends the zygote when that thread ends."""

    def __init__(self, main: Main) -> None:
        self._main = main
        self._lock = threading.Lock()
        self._forked: dict[int, Forked] = {}
        self._ended_early: dict[int, int] = {}  # reaped before its fork was reported
        self._process: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._replies: queue.Queue = queue.Queue()
        self.starts = 0
        self._start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def _start(self) -> None:
        here, there = mp.get_context("fork").Pipe()  # duplex: a socket pair, which can carry descriptors
        process = mp.get_context("fork").Process(target=_zygote_main, args=(there, self._main, os.getpid()),
                                                 daemon=True, name="query-zygote")
        process.start()
        there.close()
        self._process, self._conn, self._replies = process, here, queue.Queue()
        self.starts += 1
        threading.Thread(target=self._listen, args=(process, here, self._replies), daemon=True,
                         name="query-zygote-listener").start()

    def fork(self, conns: list[Connection]) -> Forked:
        """A new process running `main` on these pipe ends (which the caller closes afterwards)."""
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                log.error("the query zygote (pid %s) died; starting a new one", self._process.pid)
            self._start()
        assert self._conn is not None and self._process is not None
        try:
            self._conn.send(len(conns))
            with socket.fromfd(self._conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                reduction.sendfds(sock, [conn.fileno() for conn in conns])
            reply = self._replies.get(timeout=FORK_WAIT)
        except (OSError, queue.Empty) as exc:
            raise ZygoteGone(f"the query zygote did not fork: {exc!r}") from None
        if reply is None:
            raise ZygoteGone("the query zygote died while forking")
        forked = Forked(reply)
        with self._lock:
            self._forked[reply] = forked
            early = self._ended_early.pop(reply, None)
        if early is not None:
            forked.ended(early)
        return forked

    def _listen(self, process: mp.process.BaseProcess, conn: Connection, replies: queue.Queue) -> None:
        """Reports from the zygote: the pid of each fork, and how each of its processes ended."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "forked":
                replies.put(message[1])
            elif message[0] == "ended":
                self._ended(message[1], message[2])
        replies.put(None)
        process.join(timeout=5)
        # Its processes get SIGKILL from the kernel with it (die_with_parent); nobody is left to report it.
        with self._lock:
            orphans = [f for f in self._forked.values() if f.is_alive()]
        for forked in orphans:
            forked.kill()
            forked.ended(-signal.SIGKILL)

    def _ended(self, pid: int, exitcode: int) -> None:
        with self._lock:
            forked = self._forked.pop(pid, None)
            if forked is None:
                self._ended_early[pid] = exitcode
        if forked is not None:
            forked.ended(exitcode)

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout=5)
        if self._conn is not None:
            self._conn.close()


def _zygote_main(conn: Connection, main: Main, parent_pid: int) -> None:
    """Fork on request, reap what it forked; nothing else, so that its memory stays as the fork left it."""
    die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the serving process decides when we stop
    gc.freeze()  # nothing here is ever collected: no collector pass writes to the pages it shares
    woken, wake = os.pipe()
    os.set_blocking(woken, False)
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # (the handler only makes the wakeup byte arrive)
    me = os.getpid()
    while True:
        ready = wait([conn, woken])
        if woken in ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(woken, 512):
                    pass
        _reap(conn)
        if conn not in ready:
            continue
        try:
            count = conn.recv()
            with socket.fromfd(conn.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                fds = reduction.recvfds(sock, count)
        except (EOFError, OSError):
            os._exit(0)  # the serving process is gone
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                conn.close()
                os.close(woken)
                os.close(wake)
                main([Connection(fd) for fd in fds], me)
                code = 0
            finally:
                os._exit(code)
        for fd in fds:
            os.close(fd)
        conn.send(("forked", pid))


def _reap(conn: Connection) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn.send(("ended", pid, os.waitstatus_to_exitcode(status)))
