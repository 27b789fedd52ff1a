"""One holder per account at a time across worker processes.

On one PC (SQLite) an OS file lock, held by another process here; across PCs (PostgreSQL) a lease
row in the shared database, taken over from a dead holder: at once when it died on this PC, after a
short heartbeat silence when it ran on another."""
import multiprocessing
import os
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.errors import TryLater
from dropship.models import WorkerLease
from dropship.queue import LEASE_STALE_AFTER, WORKER_ID, heartbeat, lease_holder_dead, worker_lease
from dropship.services.purchasing import locks
from dropship.services.purchasing.locks import purchase_key

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter, as another worker process is
OTHER_PC = "office-2-4242-deadbeef"  # a worker of another PC: no lock file here, only its heartbeat


def _hold(path, connection):
    with locks.file_lease(path):
        connection.send("held")
        connection.poll(60)  # until told to finish (a pipe, not an Event: a killed waiter would jam an Event)


@pytest.fixture
def holder(app, tmp_path):
    """Another process of this PC holding account 7's purchase lock until it is told to finish."""
    ours, theirs = SPAWN.Pipe()
    path = tmp_path / "data" / "locks" / f"{purchase_key(7)}.lock"
    process = SPAWN.Process(target=_hold, args=(path, theirs))
    process.start()
    assert ours.poll(60) and ours.recv() == "held", "the other process never took the lock"
    yield process
    if process.is_alive():
        ours.send("done")
    process.join(30)


def test_on_one_pc_a_second_process_cannot_buy_with_the_same_account_meanwhile(holder):
    with pytest.raises(TryLater) as caught, worker_lease(purchase_key(7)):
        pass
    assert "正在下另一单" in str(caught.value) and caught.value.delay > 0
    with worker_lease(purchase_key(8)):  # another account is free
        pass
    with db.connection_context():
        assert WorkerLease.select().count() == 0  # SQLite: nothing written for it


def test_on_one_pc_a_crashed_holder_leaves_no_lock_behind(holder):
    holder.kill()
    holder.join(30)
    with worker_lease(purchase_key(7)):
        pass


def test_on_one_pc_the_lock_is_released_when_the_purchase_fails(app):
    with pytest.raises(RuntimeError), worker_lease(purchase_key(7)):
        raise RuntimeError("driver failed")
    # and within one process two holders exclude each other too
    with worker_lease(purchase_key(7)), pytest.raises(TryLater), worker_lease(purchase_key(7)):
        pass


def _row_lease(key):
    return locks.lease(key, WORKER_ID, lease_holder_dead)


@pytest.fixture
def held_elsewhere(app):
    """Account 7's purchase lease row held by a live worker of another PC."""
    with db.connection_context():
        WorkerLease.create(key=purchase_key(7), holder=f"{OTHER_PC}#1", heartbeat_at=datetime.now())
        yield


def test_a_worker_elsewhere_holding_the_account_makes_this_one_wait(held_elsewhere):
    with pytest.raises(TryLater) as caught, _row_lease(purchase_key(7)):
        pass
    assert "正在下另一单" in str(caught.value) and caught.value.delay > 0
    with _row_lease(purchase_key(8)):  # another account is free
        assert WorkerLease.get(WorkerLease.key == purchase_key(8)).holder.startswith(f"{WORKER_ID}#")
    assert WorkerLease.select().count() == 1  # released; the other PC's stays


def test_a_holder_elsewhere_without_heartbeat_is_taken_over_after_a_short_silence(held_elsewhere):
    WorkerLease.update(heartbeat_at=datetime.now() - LEASE_STALE_AFTER + timedelta(seconds=5)).execute()
    with pytest.raises(TryLater), _row_lease(purchase_key(7)):
        pass
    WorkerLease.update(heartbeat_at=datetime.now() - LEASE_STALE_AFTER - timedelta(seconds=1)).execute()
    with _row_lease(purchase_key(7)):
        assert WorkerLease.get().holder.startswith(f"{WORKER_ID}#")


def test_a_holder_that_died_on_this_pc_is_taken_over_at_once(held_elsewhere):
    """A kill -9 leaves its row with a fresh heartbeat; its pid being gone proves it dead."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    host = WORKER_ID.rsplit("-", 2)[0]
    WorkerLease.update(holder=f"{host}-{gone.stdout.strip()}-0badf00d#1").execute()
    with _row_lease(purchase_key(7)):
        assert WorkerLease.get().holder.startswith(f"{WORKER_ID}#")
    # a live process of this PC (whose lock file is elsewhere) is not taken over
    WorkerLease.create(key=purchase_key(7), holder=f"{host}-{os.getppid()}-0badf00d#1", heartbeat_at=datetime.now())
    with pytest.raises(TryLater), _row_lease(purchase_key(7)):
        pass


def test_the_heartbeat_keeps_our_leases_and_only_ours_fresh(held_elsewhere, monkeypatch):
    monkeypatch.setattr("dropship.queue.shared_database", lambda: True)
    old = datetime.now() - timedelta(minutes=5)
    WorkerLease.update(heartbeat_at=old).execute()
    with _row_lease(purchase_key(8)):
        WorkerLease.update(heartbeat_at=old).execute()
        heartbeat()
        beats = {row.key: row.heartbeat_at for row in WorkerLease.select()}
    assert beats[purchase_key(7)] == old and beats[purchase_key(8)] > old


def test_a_want_for_a_held_browser_is_seen_by_its_holder_until_the_key_is_got(held_elsewhere):
    key = "browser-shop-3"
    assert locks.wanted([key, "browser-shop-4"]) == set()
    locks.want(key, OTHER_PC)
    locks.want(key, WORKER_ID)  # asked again (another worker): still one want, the newest
    assert locks.wanted([key, "browser-shop-4"]) == {key}
    assert locks.wanted([]) == set()
    # the leases themselves are untouched: a want is a row of its own
    assert WorkerLease.get(WorkerLease.key == purchase_key(7)).holder == f"{OTHER_PC}#1"
    locks.got(key)
    assert locks.wanted([key]) == set()
    locks.want(key, OTHER_PC)
    WorkerLease.update(heartbeat_at=datetime.now() - locks.WANT_FRESH - timedelta(seconds=1)).where(
        WorkerLease.key.startswith(locks.WANT_PREFIX)).execute()
    assert locks.wanted([key]) == set()  # given up long ago: its job went back to the queue
