"""A gate that lets a few threads through at once and the others in the order they came.

Why: searches are short (about a millisecond) and most of that is SQLite, which runs without Python's GIL,
but Python's `sqlite3` gives the GIL back after every statement, and with eight request threads searching
at once each hand-over waited behind the others (p99 41-61 ms at 1M triples, load 6, against 7-16 ms with
the searches taken in turn: bench/README.md, "Full-text search"). A `threading.Semaphore` bounds the
number but not the order: it lets in whichever waiter the OS wakes, and a thread that leaves and asks again
at once usually wins, so some searches waited hundreds of milliseconds while the others went through.
"""

from __future__ import annotations

import threading
from collections import deque


class Turns:
    """At most ``slots`` holders at once (a context manager); waiters enter first come, first served."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, not {slots}")
        self._free = slots
        self._waiting: deque[threading.Lock] = deque()
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder that hands its place over (see __exit__)

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()  # the place passes on: _free stays as it is
            else:
                self._free += 1
