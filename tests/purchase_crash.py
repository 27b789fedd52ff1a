"""The purchase kill run's machinery, shared by tests/drivers/test_purchase_crash.py (the CI sizes) and
tests/benchmarks/test_purchase_kill_bench.py (50 orders through the real 淘宝 driver).

A real worker process (tests/crash_worker.py) is started again and again with --crash-at naming one
of tasks.purchasing.STEPS in turn; the first purchase reaching that step SIGKILLs the worker; the
next start's recovery re-runs that job from the beginning. A last worker without a crash point
finishes the rest. Then the sandbox's own records decide (`assert_each_bought_once`).
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from dropship.models import Job, OrderItem, Purchase, PurchaseAccount
from dropship.platforms.base import Receiver
from dropship.services.purchase_settings import save_payment
from dropship.services.purchasing.records import begin
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.tasks.purchasing import STEPS
from tests.crash_worker import CRASH_LOG, kill_hard, spawn
from tests.helpers import every_second, wait_until
from tests.orders_factory import make_order, make_shop

RECEIVER = Receiver(name="王小明", phone="13812345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文化路街道", address="文一西路100号3栋2单元501室")
PAY_PASSWORD = "246810"


def stocked_sku(sb) -> tuple[dict, dict]:
    """The first sandbox 淘宝 item and its first SKU, stocked for any number of orders."""
    item = sb.supplier_items("taobao")[0]
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=10_000)
    return item, sku


def add_buyer(sb, login: str) -> None:
    """A sandbox 淘宝 buyer with the 支付宝 password, unthrottled by the sandbox (no 访问过于频繁 page)."""
    sb.add_buyer("taobao", login, "pw-123456", pay_password=PAY_PASSWORD)
    sb.update_account(login, rate_limit_per_min=100_000)


def auto_pay_on() -> None:
    set_setting("pay.auto", True)
    save_payment({"pay_method": "alipay_password", "pay_account": "13800138000", "pay_password": PAY_PASSWORD}, None)


def write_cookies(sb, path: Path, logins: list[str]) -> Path:
    """The --buyer-cookies file of tests/crash_worker.py: each login's sandbox session cookies."""
    path.write_text(json.dumps({login: sb.login_cookies(login) for login in logins}))
    return path


def prepare(sb, login: str, count: int) -> tuple[list[Purchase], dict, dict]:
    """`count` orders in 准备 for one 淘宝 purchase account; auto-pay on, the 支付宝 password set."""
    add_buyer(sb, login)
    item, sku = stocked_sku(sb)
    auto_pay_on()
    shop = make_shop()
    account = PurchaseAccount.create(platform="taobao", login=login, nick=login, online=True)
    purchases = []
    for _ in range(count):
        order = make_order(shop, items=1, paid=sku["price_fen"] * 3)
        store_receiver(order, RECEIVER)
        items = list(OrderItem.select().where(OrderItem.order == order.id))
        purchases.append(begin(Scope.everything(), order, items, account, "taobao", item["item_id"], sku["sku_id"], 1))
    return purchases, item, sku


def sandbox_clock_to_now(sb) -> None:
    """The sandbox's clock stands still between calls; its orders must fall in the diff's time window."""
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))


@contextmanager
def clock_follows_wall(sb) -> Iterator[None]:
    """Move the sandbox's clock to the wall clock once a second while the block runs: a run of minutes
    would otherwise leave its orders' times behind the diff's window."""
    sandbox_clock_to_now(sb)
    with every_second(lambda: sandbox_clock_to_now(sb), "sandbox-clock"):
        yield


def run_until_it_kills_itself(sb, data_dir: Path, *args: str) -> None:
    worker = spawn(data_dir, *args)
    try:
        assert worker.wait(timeout=90) == -9  # killed itself at the step (SIGKILL), nothing else ended it
    finally:
        if worker.returncode is None:
            kill_hard(worker)


def crash_and_recover(sb, data_dir: Path, kills_per_step: int, *common: str, finish_timeout: float = 300) -> float:
    """Kill a worker at each step in turn, `kills_per_step` rounds, then let a last one finish. The sandbox's
    clock follows the wall clock all along: a last worker busy for over 2 minutes (a loaded machine)
    found its orders stamped before the diff's window and parked them."""
    started = time.monotonic()
    with clock_follows_wall(sb):
        for round_ in range(kills_per_step * len(STEPS)):
            run_until_it_kills_itself(sb, data_dir, *common, "--crash-at", STEPS[round_ % len(STEPS)])
        last = spawn(data_dir, *common)
        try:
            wait_until(lambda: not Job.select().where(Job.kind == "purchase", Job.state.in_(Job.ACTIVE)).exists(),
                       timeout=finish_timeout, what="every purchase job finished")
        finally:
            kill_hard(last)
    return time.monotonic() - started


@dataclass
class KillCounts:
    orders: int
    kills: dict[str, int]  # per step
    supplier_orders: int
    duplicates: int  # purchases with more than one supplier order
    lost: int  # purchases with none


def assert_each_bought_once(sb, data_dir: Path, login: str, purchases: list[Purchase], kills_per_step: int,
                            elapsed: float) -> KillCounts:
    crashes = [line.split() for line in (data_dir / CRASH_LOG).read_text().splitlines()]
    rows = {p.id: Purchase.get_by_id(p.id) for p in purchases}
    supplier = sb.purchase_orders(login=login)
    by_marker = Counter(o["memo"] for o in supplier)
    per_step = {step: [int(pid) for s, pid in crashes if s == step] for step in STEPS}
    counts = KillCounts(len(purchases), {step: len(ids) for step, ids in per_step.items()}, len(supplier),
                        sum(1 for pid in rows if by_marker[f"DS{pid}"] > 1),
                        sum(1 for pid in rows if by_marker[f"DS{pid}"] == 0))
    print(f"\n{len(purchases)} purchases, {len(crashes)} kills in {elapsed:.1f} s; supplier orders {len(supplier)}; "
          f"duplicates {counts.duplicates}, lost {counts.lost}; states {dict(Counter(r.state for r in rows.values()))}")
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
    return counts
