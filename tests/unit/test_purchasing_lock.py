"""One holder per account at a time across processes and PCs: a lease row in the shared database."""
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.errors import TryLater
from dropship.models import WorkerLease
from dropship.queue import STALE_AFTER, WORKER_ID, heartbeat, worker_lease
from dropship.services.purchasing.locks import purchase_key

OTHER_PC = "office-2-4242-deadbeef"  # a worker of another PC: no lock file here, only its heartbeat


@pytest.fixture
def held_elsewhere(app):
    """Account 7's purchase lease held by a live worker of another PC."""
    with db.connection_context():
        WorkerLease.create(key=purchase_key(7), holder=f"{OTHER_PC}#1", heartbeat_at=datetime.now())
        yield


def test_a_worker_elsewhere_holding_the_account_makes_this_one_wait(held_elsewhere):
    with pytest.raises(TryLater) as caught, worker_lease(purchase_key(7)):
        pass
    assert "正在下另一单" in str(caught.value) and caught.value.delay > 0
    with worker_lease(purchase_key(8)):  # another account is free
        pass


def test_the_lease_is_free_again_once_the_other_worker_is_done(held_elsewhere):
    WorkerLease.delete().execute()
    with worker_lease(purchase_key(7)):
        assert WorkerLease.get().holder.startswith(f"{WORKER_ID}#")
    assert WorkerLease.select().count() == 0


def test_a_holder_without_heartbeat_is_taken_over(held_elsewhere):
    WorkerLease.update(heartbeat_at=datetime.now() - STALE_AFTER - timedelta(seconds=1)).execute()
    with worker_lease(purchase_key(7)):
        assert WorkerLease.get().holder.startswith(f"{WORKER_ID}#")


def test_the_heartbeat_keeps_our_leases_and_only_ours_fresh(held_elsewhere):
    old = datetime.now() - timedelta(minutes=5)
    WorkerLease.update(heartbeat_at=old).execute()
    with worker_lease(purchase_key(8)):
        WorkerLease.update(heartbeat_at=old).execute()
        heartbeat()
        beats = {row.key: row.heartbeat_at for row in WorkerLease.select()}
    assert beats[purchase_key(7)] == old and beats[purchase_key(8)] > old


def test_the_lease_is_released_when_the_purchase_fails(app):
    with db.connection_context():
        with pytest.raises(RuntimeError), worker_lease(purchase_key(7)):
            raise RuntimeError("driver failed")
        # and within one process two holders exclude each other too
        with worker_lease(purchase_key(7)), pytest.raises(TryLater), worker_lease(purchase_key(7)):
            pass
