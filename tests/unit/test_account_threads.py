"""Account threads (dropship/account_threads.py) without a browser: what they promise the queue."""
from __future__ import annotations

import threading
import time

import pytest

from dropship.account_threads import AccountThreads, current_account
from dropship.errors import TryLater
from tests.helpers import wait_until


class Busy(TryLater):
    def __init__(self) -> None:
        super().__init__("busy", delay=5)


def make(idle: float = 0.3, on_start=lambda: None):
    events: list[str] = []
    threads = AccountThreads(idle_seconds=lambda: idle, stopping=threading.Event(), on_start=on_start,
                             on_idle=lambda: None, on_exit=lambda: events.append(f"exit {current_account()}"))
    return threads, events


def test_an_accounts_calls_run_on_its_own_thread_until_it_has_been_idle():
    threads, events = make()
    here = threading.current_thread()
    first = threads.run("shop-1", lambda: (threading.current_thread(), current_account()), 1, Busy)
    second = threads.run("shop-1", lambda: (threading.current_thread(), current_account()), 1, Busy)
    other = threads.run("shop-2", threading.current_thread, 1, Busy)
    assert first == second and first[1] == "shop-1" and first[0] is not here and other not in (here, first[0])
    assert current_account() is None  # the caller's thread is nobody's
    with pytest.raises(ZeroDivisionError):
        threads.run("shop-1", lambda: 1 / 0, 1, Busy)  # the caller gets the job's exception
    # idle: they end and close what they held
    wait_until(lambda: sorted(events) == ["exit shop-1", "exit shop-2"], 5, "both threads to end")
    assert not first[0].is_alive()
    assert threads.run("shop-1", threading.current_thread, 1, Busy) is not first[0]  # a new thread for a new job


def test_a_job_for_a_busy_account_waits_then_is_refused():
    threads, _ = make()
    release = threading.Event()
    holder = threading.Thread(target=lambda: threads.run("shop-1", release.wait, 1, Busy))
    holder.start()
    time.sleep(0.1)
    started = time.monotonic()
    with pytest.raises(Busy):
        threads.run("shop-1", lambda: None, 0.3, Busy)
    assert time.monotonic() - started >= 0.3
    # freed within the wait: it runs
    threading.Timer(0.2, release.set).start()
    assert threads.run("shop-1", lambda: "ran", 2, Busy) == "ran"
    holder.join(1)


def test_a_thread_that_cannot_start_fails_its_job_instead_of_stranding_it():
    def broken() -> None:
        raise ConnectionError("database unreachable")

    threads, events = make(on_start=broken)
    with pytest.raises(ConnectionError):
        threads.run("shop-1", lambda: "never", 1, Busy)
    wait_until(lambda: events == ["exit shop-1"], 5, "the thread to close what it opened")


def test_stopping_ends_idle_threads_and_join_waits_for_them():
    threads, events = make(idle=60)
    threads.run("shop-1", lambda: None, 1, Busy)
    threads.stopping.set()
    threads.join(5)
    assert events == ["exit shop-1"]
