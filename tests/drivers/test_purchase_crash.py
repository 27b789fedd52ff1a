"""去下单 killed at each step, then restarted: every order bought exactly once, none lost.

A real worker process (tests/crash_worker.py: the app's Runtime with its SQLite Huey consumer) buys
the orders of one purchase account, auto-pay on. It is started again and again with --crash-at
naming one of the task's STEPS in turn; the first purchase reaching that step SIGKILLs the worker
(as a crash or a power cut would); the next start's recovery re-runs that job from the beginning.
A last worker without a crash point finishes the rest. Then the sandbox's own records decide:
one supplier order per purchase (found by the 采购标记 in its buyer memo), paid once, and one
active purchase per order in our database carrying that order's 采购单号.

The supplier side is the sandbox (its purchase rules and records). The first test drives the real
淘宝 driver in Chromium over a few orders; the second 50 orders through the stand-in driver of
tests/sandbox_buyer.py (the sandbox's control endpoints, not its pages: see its docstring), which
keeps 50 orders and 8 restarts affordable. The machinery is tests/purchase_crash.py; the 50-order run
through the real driver is a benchmark (tests/benchmarks/test_purchase_kill_bench.py, `make bench`).
"""
from __future__ import annotations

import json

from tests.purchase_crash import assert_each_bought_once, crash_and_recover, prepare, write_cookies

ORDERS = 50
KILLS_PER_STEP = 2  # 8 kills: each worker start costs seconds on a shared 2-core machine
REAL_ORDERS = 5  # the real driver in Chromium: several seconds a purchase and a browser start per worker


def test_real_taobao_driver_killed_at_every_step_buys_each_order_exactly_once(desk, sb):
    """The real 淘宝 driver in Chromium (item page, checkout, address book, trusted submit, cashier)."""
    login = "kill_real"
    purchases, _, _ = prepare(sb, login, REAL_ORDERS)
    cookies = write_cookies(sb, desk / "cookies.json", [login])
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--buyer-cookies", str(cookies), "--purchase")
    elapsed = crash_and_recover(sb, desk, 1, *common)
    assert_each_bought_once(sb, desk, login, purchases, 1, elapsed)


def test_50_purchases_killed_at_every_step_are_each_bought_exactly_once(desk, sb):
    """50 orders through the stand-in driver (tests/sandbox_buyer.py): the worker, queue, lock and task at scale."""
    login = "kill_standin"
    purchases, item, sku = prepare(sb, login, ORDERS)
    config = desk / "standin.json"
    config.write_text(json.dumps({"port": sb.port, "login": login, "item_id": item["item_id"],
                                  "sku_id": sku["sku_id"], "price": sku["price_fen"]}))
    # --purchase every time: a worker may die before it queued them all (its job runs meanwhile)
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--standin-buyer", str(config), "--purchase")
    elapsed = crash_and_recover(sb, desk, KILLS_PER_STEP, *common)
    assert_each_bought_once(sb, desk, login, purchases, KILLS_PER_STEP, elapsed)
