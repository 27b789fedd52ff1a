"""去下单 killed at each step, then restarted: every order bought exactly once, none lost.

A real worker process (tests/crash_worker.py: the app's Runtime with its SQLite Huey consumer) buys
50 orders with one purchase account, auto-pay on. It is started again and again with --crash-at
naming one of the task's STEPS in turn; the first purchase reaching that step SIGKILLs the worker
(as a crash or a power cut would); the next start's recovery re-runs that job from the beginning.
A last worker without a crash point finishes the rest. Then the sandbox's own records decide:
one supplier order per purchase (found by the 采购标记 in its buyer memo), paid once, and one
active purchase per order in our database carrying that order's 采购单号.

The supplier side is the sandbox (its purchase rules and records); the driver is the stand-in of
tests/sandbox_buyer.py over the sandbox's control endpoints, not the 淘宝 pages (see its docstring).
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
LOGIN = "kill_buyer"
RECEIVER = Receiver(name="李四", phone="13912345678", province="浙江省", city="杭州市", district="余杭区",
                    town="五常街道", address="文一西路 969 号")


@pytest.fixture
def desk(tmp_path, sb):
    make_app(tmp_path / "data", sandbox=True, sandbox_port=sb.port, throttle_seconds=0, throttle_jitter=0)
    with db.connection_context():
        yield tmp_path / "data"


def _prepare(sb, data_dir) -> list[Purchase]:
    sb.add_buyer("taobao", LOGIN, "pw-123456")
    item = sb.supplier_items("taobao")[0]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=10_000)
    (data_dir / "standin.json").write_text(json.dumps({"port": sb.port, "login": LOGIN, "item_id": item["item_id"],
                                                       "sku_id": sku["sku_id"], "price": sku["price_fen"]}))
    set_setting("pay.auto", True)
    shop = make_shop()
    account = PurchaseAccount.create(platform="taobao", login=LOGIN, nick=LOGIN, online=True)
    purchases = []
    for _ in range(ORDERS):
        order = make_order(shop, items=1, paid=sku["price_fen"] * 3)
        store_receiver(order, RECEIVER)
        items = list(OrderItem.select().where(OrderItem.order == order.id))
        purchases.append(begin(Scope.everything(), order, items, account, "taobao", item["item_id"], sku["sku_id"], 1))
    return purchases


def _run_until_it_kills_itself(sb, data_dir, *args: str) -> None:
    _sandbox_clock_to_now(sb)
    worker = spawn(data_dir, *args)
    try:
        assert worker.wait(timeout=30) == -9  # killed itself at the step (SIGKILL), nothing else ended it
    finally:
        if worker.returncode is None:
            kill_hard(worker)


def _sandbox_clock_to_now(sb) -> None:
    """The sandbox's clock stands still between calls; its orders must fall in the diff's time window."""
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))


def test_50_purchases_killed_at_every_step_are_each_bought_exactly_once(desk, sb):
    purchases = _prepare(sb, desk)
    # --purchase every time: a worker may die before it queued them all (its job runs meanwhile)
    common = ("--sandbox-port", str(sb.port), "--workers", "1", "--standin-buyer", str(desk / "standin.json"),
              "--purchase")
    started = time.monotonic()
    for round_ in range(KILLS_PER_STEP * len(STEPS)):
        step = STEPS[round_ % len(STEPS)]
        _run_until_it_kills_itself(sb, desk, *common, "--crash-at", step)
    _sandbox_clock_to_now(sb)
    last = spawn(desk, *common)
    try:
        wait_until(lambda: not Job.select().where(Job.kind == "purchase", Job.state.in_(Job.ACTIVE)).exists(),
                   timeout=120, what="every purchase job finished")
    finally:
        kill_hard(last)
    elapsed = time.monotonic() - started

    crashes = [line.split() for line in (desk / CRASH_LOG).read_text().splitlines()]
    rows = {p.id: Purchase.get_by_id(p.id) for p in purchases}
    supplier = sb.purchase_orders(login=LOGIN)
    by_marker = Counter(o["memo"] for o in supplier)
    per_step = {step: [int(pid) for s, pid in crashes if s == step] for step in STEPS}
    print(f"{ORDERS} purchases, {len(crashes)} kills in {elapsed:.1f} s; supplier orders {len(supplier)}; "
          f"states {Counter(r.state for r in rows.values())}")
    for step, ids in per_step.items():
        print(f"  killed {step}: {len(ids)} times (purchases {ids}; now "
              f"{[rows[i].state for i in ids]}, supplier orders each {[by_marker[f'DS{i}'] for i in ids]})")

    assert all(len(ids) == KILLS_PER_STEP for ids in per_step.values())
    assert len(supplier) == ORDERS and set(by_marker.values()) == {1}  # none lost, none twice
    assert set(by_marker) == {f"DS{pid}" for pid in rows}
    order_of = {o["memo"]: o for o in supplier}
    for pid, row in rows.items():
        bought = order_of[f"DS{pid}"]
        assert (row.state, row.active, row.platform_order_id) == ("paid", True, bought["order_id"])
        assert bought["paid_at"] and bought["state"] != "closed"  # paid, at the supplier
    assert Purchase.select().where(Purchase.active == True).count() == ORDERS  # noqa: E712
    killed = {int(pid) for _, pid in crashes}
    assert all(rows[pid].attempts >= 2 for pid in killed)  # each was resumed by the next worker
