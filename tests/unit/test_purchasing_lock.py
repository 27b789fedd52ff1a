"""One purchase per account at a time across processes: the lock is held by another process, not a thread."""
import multiprocessing

import pytest

from dropship.errors import TryLater
from dropship.services.purchasing.locks import account_lock

SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter, as another worker process is


def _hold(data_dir, account_id, connection):
    with account_lock(data_dir, account_id):
        connection.send("held")
        connection.poll(60)  # until told to finish (a pipe, not an Event: a killed waiter would jam an Event)


class Holder:
    """Another process holding account 7's lock until `release()`."""

    def __init__(self, data_dir) -> None:
        self.ours, theirs = SPAWN.Pipe()
        self.process = SPAWN.Process(target=_hold, args=(data_dir, 7, theirs))
        self.process.start()
        assert self.ours.poll(60) and self.ours.recv() == "held", "the other process never took the lock"

    def release(self) -> None:
        if self.process.is_alive():
            self.ours.send("done")
        self.process.join(30)


@pytest.fixture
def holder(tmp_path):
    holding = Holder(tmp_path)
    yield holding
    holding.release()


def test_a_second_process_cannot_buy_with_the_same_account_meanwhile(tmp_path, holder):
    with pytest.raises(TryLater) as caught, account_lock(tmp_path, 7):
        pass
    assert "正在下另一单" in str(caught.value) and caught.value.delay > 0
    with account_lock(tmp_path, 8):  # another account is free
        pass


def test_the_lock_is_free_again_once_the_other_process_is_done(tmp_path, holder):
    holder.release()
    with account_lock(tmp_path, 7):
        pass


def test_a_crashed_holder_leaves_no_lock_behind(tmp_path, holder):
    holder.process.kill()
    holder.process.join(30)
    with account_lock(tmp_path, 7):
        pass


def test_the_lock_is_released_when_the_purchase_fails(tmp_path):
    with pytest.raises(RuntimeError), account_lock(tmp_path, 7):
        raise RuntimeError("driver failed")
    # and within one process two holders exclude each other too
    with account_lock(tmp_path, 7), pytest.raises(TryLater), account_lock(tmp_path, 7):
        pass
