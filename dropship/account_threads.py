"""One long-lived thread per browser account in a worker process, so an account's browser outlives a job.

Playwright objects belong to the thread that made them, and the queue hands jobs to whichever worker
thread is free: a browser opened by one job could not serve the next job of the same account. A worker
process therefore runs every job of one account on that account's own thread. The thread stays while
jobs keep coming and ends after `idle_seconds` without one (or at shutdown), running the exit hooks that
close what it opened; the browser manager keeps an account's browser open only on that account's thread.

A job for an account whose thread is busy is refused at once (`run` returns REFUSED): the thread itself
takes the account's next job when it is free (`next_job`, asked after each call and while idle), so
nothing waits in a queue worker and a run of one account's jobs stays on the browser it keeps open.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any

log = logging.getLogger("dropship.account_threads")

TICK = 0.25  # how often an idle account thread runs its idle hooks and checks whether to end

_current = threading.local()


def current_account() -> str | None:
    """The account whose thread this is (None on any other thread)."""
    return getattr(_current, "key", None)


@dataclass
class _Call:
    body: Callable[[], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.body()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller, which raises it
            self.error = exc
        finally:
            self.done.set()


@dataclass
class _Slot:
    key: str
    inbox: SimpleQueue = field(default_factory=SimpleQueue)
    busy: bool = False  # a call is queued or running
    thread: threading.Thread | None = None


REFUSED = object()  # `run`'s answer when the account's thread is busy


def _nothing_to_take(key: str) -> Callable[[], Any] | None:
    return None


class AccountThreads:
    def __init__(self, idle_seconds: Callable[[], float], stopping: threading.Event,
                 on_start: Callable[[], None], on_idle: Callable[[], None], on_exit: Callable[[], None],
                 next_job: Callable[[str], Callable[[], Any] | None] = _nothing_to_take) -> None:
        self.idle_seconds = idle_seconds
        self.stopping = stopping
        self.on_start, self.on_idle, self.on_exit = on_start, on_idle, on_exit
        self.next_job = next_job  # the account's next waiting job, as a call its thread runs (or None)
        self._slots: dict[str, _Slot] = {}
        self._changed = threading.Condition()

    def run(self, key: str, body: Callable[[], Any]) -> Any:
        """Run `body` on `key`'s thread and return its result (or raise its exception); REFUSED at once,
        without running it, while the thread is busy."""
        call = _Call(body)
        with self._changed:
            slot = self._slots.get(key)
            if slot is not None and slot.busy:
                return REFUSED
            if slot is None:
                slot = self._slots[key] = _Slot(key)
                slot.thread = threading.Thread(target=self._serve, args=(slot,), name=f"account-{key}", daemon=True)
                slot.thread.start()
            slot.busy = True
            slot.inbox.put(call)
        call.done.wait()
        if call.error is not None:
            raise call.error
        return call.result

    def _serve(self, slot: _Slot) -> None:
        _current.key = slot.key
        try:
            self.on_start()
            self._loop(slot)
        except BaseException as exc:  # noqa: BLE001 - a broken thread must not strand a job waiting for it
            log.exception("account thread %s ended", slot.key)
            self._fail_waiting(slot, exc)
        finally:
            try:
                self.on_exit()
            except Exception:  # noqa: BLE001 - closing what it opened failed: the process goes on
                log.exception("closing account thread %s", slot.key)

    def _loop(self, slot: _Slot) -> None:
        last = time.monotonic()
        while True:
            try:
                call = slot.inbox.get(timeout=TICK)
            except Empty:
                self.on_idle()
                call = self._take_next(slot)
                if call is None:
                    with self._changed:
                        if not slot.busy and (self.stopping.is_set() or time.monotonic() - last >= self.idle_seconds()):
                            del self._slots[slot.key]  # a later job of the account starts a new thread
                            return
                    continue
            while call is not None:  # then the account's next waiting job, while there is one
                call.run()
                last = time.monotonic()
                call = self._take_next(slot, after_call=True)

    def _take_next(self, slot: _Slot, after_call: bool = False) -> _Call | None:
        """The account's next waiting job, with the slot marked busy for it; None (slot free) when none."""
        with self._changed:
            if slot.busy and not after_call:
                return None  # a caller handed a call over: it is in the inbox
            slot.busy = True
        body = None
        if not self.stopping.is_set():
            try:
                body = self.next_job(slot.key)
            except Exception:  # noqa: BLE001 - e.g. the database blinked: its queue message runs the job later
                log.exception("looking for the next job of %s", slot.key)
        if body is None:
            with self._changed:
                slot.busy = False
                self._changed.notify_all()
            return None
        return _Call(body)

    def _fail_waiting(self, slot: _Slot, error: BaseException) -> None:
        with self._changed:
            if self._slots.get(slot.key) is slot:
                del self._slots[slot.key]
            slot.busy = False
            self._changed.notify_all()
        while True:
            try:
                call = slot.inbox.get_nowait()
            except Empty:
                return
            call.error = error
            call.done.set()

    def join(self, timeout: float) -> None:
        """Wait for the account threads to end (call after setting `stopping`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            threads = [slot.thread for slot in self._slots.values() if slot.thread is not None]
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
