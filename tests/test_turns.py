"""ljkg.turns: searches of one process go through a few at a time, the others in the order they came."""

from __future__ import annotations

import threading
import time

import pytest

from ljkg.turns import Turns


def test_waiters_enter_in_the_order_they_came():
    gate = Turns(1)
    entered: list[int] = []
    gate.__enter__()  # the place is taken: everyone after this waits
    threads = []
    for n in range(6):
        thread = threading.Thread(target=lambda n=n: [gate.__enter__(), entered.append(n), gate.__exit__()])
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while len(gate._waiting) < n + 1 and time.monotonic() < deadline:  # queued before the next one asks
            time.sleep(0.001)
    gate.__exit__()
    for thread in threads:
        thread.join(5)
    assert entered == list(range(6))


def test_no_more_holders_than_slots_and_every_one_gets_through():
    gate = Turns(2)
    inside, most, done = [0], [0], []
    lock = threading.Lock()

    def work(n: int) -> None:
        for _ in range(50):
            with gate:
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0002)
                with lock:
                    inside[0] -= 1
        done.append(n)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(done) == list(range(8)) and most[0] == 2 and inside[0] == 0


def test_a_failure_inside_gives_the_place_back():
    gate = Turns(1)
    with pytest.raises(RuntimeError), gate:
        raise RuntimeError("inside")
    entered = threading.Event()
    thread = threading.Thread(target=lambda: [gate.__enter__(), entered.set(), gate.__exit__()])
    thread.start()
    assert entered.wait(5)
    thread.join(5)
    with pytest.raises(ValueError, match="at least 1"):
        Turns(0)
