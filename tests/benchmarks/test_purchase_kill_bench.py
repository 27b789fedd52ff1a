"""The kill run at full size with the REAL 淘宝 driver: 50 orders, the worker SIGKILLed at each purchase step
(before submit, after submit, before record, after pay) KILLS_PER_STEP times, then restarted; afterwards
every order has exactly one supplier order, paid, none lost. The CI suite runs the same machinery
(tests/purchase_crash.py) over 5 orders with this driver and 50 with the stand-in
(tests/drivers/test_purchase_crash.py); this size takes minutes, so it is a benchmark (`make bench`).

Pacing as in the CI test: the app's throttle off, the sandbox's rate limit lifted.
"""
from __future__ import annotations

import pytest

from dropship.db import db
from tests.helpers import make_app
from tests.purchase_crash import assert_each_bought_once, crash_and_recover, prepare, write_cookies

ORDERS = 50
KILLS_PER_STEP = 3  # 12 kills over the run


@pytest.fixture
def desk(tmp_path, sb):
    make_app(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0)
    with db.connection_context():
        yield tmp_path / "data"


def test_50_orders_real_driver_killed_at_every_step_each_bought_once(desk, sb, report):
    login = "kill_bench"
    purchases, _, _ = prepare(sb, login, ORDERS)
    cookies = write_cookies(sb, desk / "cookies.json", [login])
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--buyer-cookies", str(cookies), "--purchase")
    elapsed = crash_and_recover(sb, desk, KILLS_PER_STEP, *common, finish_timeout=3000)
    counts = assert_each_bought_once(sb, desk, login, purchases, KILLS_PER_STEP, elapsed)
    print(f"\nkill run (real 淘宝 driver): orders {counts.orders}, kills per step {counts.kills}, "
          f"supplier orders {counts.supplier_orders}, duplicates {counts.duplicates}, lost {counts.lost}")
    report("kill run: supplier orders vs orders (50, 12 kills)", counts.supplier_orders, counts.orders,
           unit="", target=1.0)
