import random

import pytest

from dropship.db import db
from dropship.models import RequestSlot
from dropship.platforms.browser import Throttle
from dropship.request_budget import next_slot
from dropship.services.budget import DatabaseLedger


class FakeClock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def _sent_per_minute(times: list[float]) -> int:
    """The most requests inside any sliding minute (what the platform's limiter counts)."""
    return max(sum(1 for t in times if start - 60 < t <= start) for start in times)


def test_throttle_spaces_actions_per_account_with_jitter():
    clock = FakeClock()
    t = Throttle(min_interval=3.0, jitter=1.0, clock=clock, sleep=clock.sleep, rng=random.Random(1))
    assert t.wait("shop-1", "trade") == 0.0
    waited = t.wait("shop-1", "wuliu2")  # the spacing holds across hosts
    assert 3.0 <= waited <= 4.0
    assert t.wait("shop-2", "trade") == 0.0  # other accounts are independent
    clock.now += 10
    assert t.wait("shop-1", "trade") == 0.0


def test_budget_per_minute_per_host_even_with_a_short_spacing():
    clock = FakeClock()
    t = Throttle(min_interval=0.5, jitter=0.3, per_minute=30, clock=clock, sleep=clock.sleep, rng=random.Random(2))
    sent = []
    for _ in range(200):
        t.wait("shop-1", "wuliu2")
        sent.append(clock.now)
    # 0.5 s spacing alone would be ~90 a minute (the old demo tripped a limit of 40 this way)
    assert _sent_per_minute(sent) == 30
    assert t.wait("shop-1", "trade") < 1.0  # another host has its own budget


def test_next_slot_is_the_nth_latest_plus_a_minute():
    recent = [100.0, 110.0, 120.0]
    assert next_slot(121.0, 120.0, recent, 3.0, 3) == 160.0
    assert next_slot(121.0, 120.0, recent, 3.0, 4) == 123.0
    assert next_slot(121.0, 120.0, recent, 3.0, 0) == 123.0  # 0 = no budget (tests only)


@pytest.fixture
def _db(app):
    with db.connection_context():
        yield


def test_the_budget_is_shared_through_the_database(_db):
    """Two workers (two Throttles, as in two processes) spend one budget per account and host."""
    clock = FakeClock()
    one, two = (Throttle(min_interval=0, jitter=0, per_minute=5, ledger=DatabaseLedger(), clock=clock,
                         sleep=clock.sleep) for _ in range(2))
    sent = []
    for n in range(20):
        (one if n % 2 else two).wait("shop-7", "trade")
        sent.append(clock.now)
    assert _sent_per_minute(sent) == 5
    assert clock.now - 1_800_000_000.0 >= 180  # 20 requests at 5 a minute
    # the ledger forgets what is older than two minutes
    assert RequestSlot.select().where(RequestSlot.at < clock.now - 120).count() == 0
