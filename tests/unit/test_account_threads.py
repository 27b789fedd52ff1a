"""Account threads (dropship/account_threads.py) without a browser: what they promise the queue."""
from __future__ import annotations

import threading

import pytest

from dropship.account_threads import REFUSED, AccountThreads, current_account
from tests.helpers import wait_until


def make(idle: float = 0.3, on_start=lambda: None, next_job=lambda key: None):
    events: list[str] = []
    threads = AccountThreads(idle_seconds=lambda: idle, stopping=threading.Event(), on_start=on_start,
                             on_idle=lambda: None, on_exit=lambda: events.append(f"exit {current_account()}"),
                             next_job=next_job)
    return threads, events


def run(threads: AccountThreads, key: str, body):
    """As a queue message does, again until the account's thread is free (it looks for its next job
    for a moment after each one)."""
    return wait_until(lambda: (result := threads.run(key, lambda: [body()])) is not REFUSED and result, 5, key)[0]


def test_an_accounts_calls_run_on_its_own_thread_until_it_has_been_idle():
    threads, events = make()
    here = threading.current_thread()
    first = run(threads, "shop-1", lambda: (threading.current_thread(), current_account()))
    second = run(threads, "shop-1", lambda: (threading.current_thread(), current_account()))
    other = run(threads, "shop-2", threading.current_thread)
    assert first == second and first[1] == "shop-1" and first[0] is not here and other not in (here, first[0])
    assert current_account() is None  # the caller's thread is nobody's
    with pytest.raises(ZeroDivisionError):
        run(threads, "shop-1", lambda: 1 / 0)  # the caller gets the job's exception
    # idle: they end and close what they held
    wait_until(lambda: sorted(events) == ["exit shop-1", "exit shop-2"], 5, "both threads to end")
    assert not first[0].is_alive()
    assert run(threads, "shop-1", threading.current_thread) is not first[0]  # a new thread for a new job


def test_a_busy_account_refuses_at_once_and_its_thread_takes_the_accounts_next_jobs_itself():
    waiting = ["job 2", "job 3"]
    ran: list[tuple[str, str | None, threading.Thread]] = []

    def next_job(key: str):
        if key != "shop-1" or not waiting:
            return None
        name = waiting.pop(0)
        return lambda: ran.append((name, current_account(), threading.current_thread()))

    threads, _ = make(next_job=next_job)
    release = threading.Event()
    first = threading.Thread(target=lambda: threads.run("shop-1", lambda: (release.wait(5), ran.append(
        ("job 1", current_account(), threading.current_thread())))))
    first.start()
    wait_until(lambda: threads.run("shop-1", lambda: "not run") is REFUSED, 2, "the account busy")
    assert threads.run("shop-2", lambda: "ran") == "ran"  # another account is not held up
    release.set()
    first.join(5)
    # the account's waiting jobs ran next, in order, on the account's own thread
    wait_until(lambda: len(ran) == 3, 5, "the waiting jobs")
    assert [name for name, _, _ in ran] == ["job 1", "job 2", "job 3"]
    assert {key for _, key, _ in ran} == {"shop-1"} and len({thread for _, _, thread in ran}) == 1
    assert run(threads, "shop-1", lambda: "free again") == "free again"


def test_a_failing_look_for_the_next_job_leaves_the_thread_serving():
    def broken(key: str):
        raise ConnectionError("database blinked")

    threads, events = make(next_job=broken)
    assert run(threads, "shop-1", lambda: 1) == 1
    assert run(threads, "shop-1", lambda: 2) == 2
    assert events == []  # still alive: nothing closed


def test_a_thread_that_cannot_start_fails_its_job_instead_of_stranding_it():
    def broken() -> None:
        raise ConnectionError("database unreachable")

    threads, events = make(on_start=broken)
    with pytest.raises(ConnectionError):
        threads.run("shop-1", lambda: "never")
    wait_until(lambda: events == ["exit shop-1"], 5, "the thread to close what it opened")


def test_stopping_ends_idle_threads_and_join_waits_for_them():
    threads, events = make(idle=60)
    run(threads, "shop-1", lambda: None)
    threads.stopping.set()
    threads.join(5)
    assert events == ["exit shop-1"]
