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
keeps 50 orders and 8 restarts affordable.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime

import pytest

from dropship.db import db
from dropship.models import Job, OrderItem, Purchase, PurchaseAccount
from dropship.platforms.base import Receiver
from dropship.services.purchase_settings import save_payment
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.tasks.purchasing import STEPS
from tests.crash_worker import CRASH_LOG, kill_hard, spawn
from tests.helpers import make_app, wait_until
from tests.orders_factory import make_order, make_shop

ORDERS = 50
KILLS_PER_STEP = 2  # 8 kills: each worker start costs seconds on a shared 2-core machine
REAL_ORDERS = 5  # the real driver in Chromium: several seconds a purchase and a browser start per worker
RECEIVER = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文化路街道", address="文一西路100号3栋2单元501室")
PAY_PASSWORD = "246810"


@pytest.fixture
def desk(tmp_path, sb):
    make_app(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0)
    with db.connection_context():
        yield tmp_path / "data"


def _prepare(sb, login: str, count: int) -> tuple[list[Purchase], dict, dict]:
    """`count` orders in 准备 for one 淘宝 purchase account; auto-pay on, the 支付宝 password set."""
    sb.add_buyer("taobao", login, "pw-123456", pay_password=PAY_PASSWORD)
    sb.update_account(login, rate_limit_per_min=100_000)  # no throttle in tests: no 访问过于频繁 risk page
    item = sb.supplier_items("taobao")[0]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=10_000)
    set_setting("pay.auto", True)
    save_payment({"pay_method": "alipay_password", "pay_account": "13800138000", "pay_password": PAY_PASSWORD}, None)
    shop = make_shop()
    account = PurchaseAccount.create(platform="taobao", login=login, nick=login, online=True)
    purchases = []
    for _ in range(count):
        order = make_order(shop, items=1, paid=sku["price_fen"] * 3)
        store_receiver(order, RECEIVER)
        items = list(OrderItem.select().where(OrderItem.order == order.id))
        purchases.append(begin(Scope.everything(), order, items, account, "taobao", item["item_id"], sku["sku_id"], 1))
    return purchases, item, sku


def _sandbox_clock_to_now(sb) -> None:
    """The sandbox's clock stands still between calls; its orders must fall in the diff's time window."""
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))


def _run_until_it_kills_itself(sb, data_dir, *args: str) -> None:
    _sandbox_clock_to_now(sb)
    worker = spawn(data_dir, *args)
    try:
        assert worker.wait(timeout=90) == -9  # killed itself at the step (SIGKILL), nothing else ended it
    finally:
        if worker.returncode is None:
            kill_hard(worker)


def _crash_and_recover(sb, data_dir, kills_per_step: int, *common: str) -> float:
    """Kill a worker at each step in turn, `kills_per_step` rounds, then let a last one finish."""
    started = time.monotonic()
    for round_ in range(kills_per_step * len(STEPS)):
        _run_until_it_kills_itself(sb, data_dir, *common, "--crash-at", STEPS[round_ % len(STEPS)])
    _sandbox_clock_to_now(sb)
    last = spawn(data_dir, *common)
    try:
        wait_until(lambda: not Job.select().where(Job.kind == "purchase", Job.state.in_(Job.ACTIVE)).exists(),
                   timeout=150, what="every purchase job finished")
    finally:
        kill_hard(last)
    return time.monotonic() - started


def _assert_each_bought_once(sb, data_dir, login: str, purchases: list[Purchase], kills_per_step: int,
                             elapsed: float) -> None:
    crashes = [line.split() for line in (data_dir / CRASH_LOG).read_text().splitlines()]
    rows = {p.id: Purchase.get_by_id(p.id) for p in purchases}
    supplier = sb.purchase_orders(login=login)
    by_marker = Counter(o["memo"] for o in supplier)
    per_step = {step: [int(pid) for s, pid in crashes if s == step] for step in STEPS}
    print(f"\n{len(purchases)} purchases, {len(crashes)} kills in {elapsed:.1f} s; supplier orders {len(supplier)}; "
          f"states {dict(Counter(r.state for r in rows.values()))}")
    for step, ids in per_step.items():
        print(f"  killed {step}: {len(ids)} times (purchases {ids}; now "
              f"{[rows[i].state for i in ids]}, supplier orders each {[by_marker[f'DS{i}'] for i in ids]})")

    assert all(len(ids) == kills_per_step for ids in per_step.values())
    assert len(supplier) == len(purchases) and set(by_marker.values()) == {1}  # none lost, none twice
    assert set(by_marker) == {f"DS{pid}" for pid in rows}
    order_of = {o["memo"]: o for o in supplier}
    for pid, row in rows.items():
        bought = order_of[f"DS{pid}"]
        assert (row.state, row.active, row.platform_order_id) == ("paid", True, bought["order_id"])
        assert bought["paid_at"] and bought["state"] != "closed"  # paid, at the supplier
    assert Purchase.select().where(Purchase.id.in_(list(rows)), Purchase.active == True).count() == len(rows)  # noqa: E712
    assert all(rows[int(pid)].attempts >= 2 for _, pid in crashes if int(pid) in rows)  # resumed by the next worker


def test_real_taobao_driver_killed_at_every_step_buys_each_order_exactly_once(desk, sb):
    """The real 淘宝 driver in Chromium (item page, checkout, address book, trusted submit, cashier)."""
    login = "kill_real"
    purchases, _, _ = _prepare(sb, login, REAL_ORDERS)
    cookies = desk / "cookies.json"
    cookies.write_text(json.dumps(sb.login_cookies(login)))
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--buyer-cookies", str(cookies), "--purchase")
    elapsed = _crash_and_recover(sb, desk, 1, *common)
    _assert_each_bought_once(sb, desk, login, purchases, 1, elapsed)


def test_50_purchases_killed_at_every_step_are_each_bought_exactly_once(desk, sb):
    """50 orders through the stand-in driver (tests/sandbox_buyer.py): the worker, queue, lock and task at scale."""
    login = "kill_standin"
    purchases, item, sku = _prepare(sb, login, ORDERS)
    config = desk / "standin.json"
    config.write_text(json.dumps({"port": sb.port, "login": login, "item_id": item["item_id"],
                                  "sku_id": sku["sku_id"], "price": sku["price_fen"]}))
    # --purchase every time: a worker may die before it queued them all (its job runs meanwhile)
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--standin-buyer", str(config), "--purchase")
    elapsed = _crash_and_recover(sb, desk, KILLS_PER_STEP, *common)
    _assert_each_bought_once(sb, desk, login, purchases, KILLS_PER_STEP, elapsed)
