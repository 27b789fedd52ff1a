import random

from dropship.platforms.browser import Throttle


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_throttle_spaces_actions_per_account_with_jitter():
    clock = FakeClock()
    t = Throttle(min_interval=3.0, jitter=1.0, clock=clock, sleep=clock.sleep, rng=random.Random(1))
    assert t.wait("shop-1") == 0.0
    waited = t.wait("shop-1")
    assert 3.0 <= waited <= 4.0
    assert t.wait("shop-2") == 0.0  # other accounts are independent
    clock.now += 10
    assert t.wait("shop-1") == 0.0


def test_cool_down_counts_down():
    clock = FakeClock()
    t = Throttle(clock=clock, sleep=clock.sleep)
    t.cool_down("pdd-3", 60)
    assert t.cooling_seconds("pdd-3") == 60
    clock.now += 45
    assert t.cooling_seconds("pdd-3") == 15
    assert t.cooling_seconds("other") == 0
