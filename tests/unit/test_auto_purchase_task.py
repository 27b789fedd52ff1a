"""自动采购's task (tasks.auto_purchase.run_once) with the in-memory supplier (tests/fake_buyer.py): a due
order is bought through the purchase_batch job, an order the buyer cancelled within 取消缓冲 never is,
nothing is bought twice, and the 去下单 guards refuse exactly as they do there."""
from __future__ import annotations

from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

import pytest

from dropship.errors import UserError
from dropship.models import Job, Order, OrderItem, Purchase, PurchaseAccount, Shop, SkuMapping, SupplierLink
from dropship.platforms.base import Receiver
from dropship.queue import JOB_TASKS
from dropship.services.purchasing import auto, records
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.tasks import auto_purchase, purchasing
from tests.fake_buyer import ITEM_ID, SKU_ID, FakeBuyer
from tests.orders_factory import make_account, make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
NOW = datetime.now().replace(microsecond=0)
BUYER = Receiver(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                 town="文新街道", address="文三路 90 号 1 幢 301")


@pytest.fixture
def supplier(monkeypatch) -> FakeBuyer:
    fake = FakeBuyer()

    @contextmanager
    def fake_open(account, headed):
        yield fake

    monkeypatch.setattr(purchasing, "open_buyer", fake_open)
    monkeypatch.setattr(purchasing, "DIFF_RETRY_SECONDS", ())  # the fake's list never lags
    monkeypatch.setattr(purchasing, "start_unique_job", lambda kind, title, **kw: None)  # memo pushes
    return fake


@pytest.fixture
def jobs(monkeypatch) -> list[Job]:
    """The jobs run_once starts, run in this thread and transaction (start_job would use a thread of its own)."""
    started: list[Job] = []

    def start_here(kind, title, *, target="", user=None, total=0, **args):
        job = Job.create(kind=kind, title=title, target=target, user=user, total=total, args=args)
        with suppress(UserError):  # a failed job records why
            JOB_TASKS[kind].call_local(job.id, **args)
        started.append(Job.get_by_id(job.id))
        return job

    monkeypatch.setattr(auto_purchase, "start_job", start_here)
    return started


def shop_with_auto_purchase(buffer: int = 10) -> Shop:
    shop = make_shop()
    Shop.update(auto_purchase=True, auto_purchase_buffer=buffer, fetch_state="fetching",
                auto_purchase_since=NOW - timedelta(hours=1)).where(Shop.id == shop.id).execute()
    return Shop.get_by_id(shop.id)


def mapped_order(shop: Shop, paid_minutes_ago: int) -> Order:
    """A paid order (25.90) whose item is the fake supplier's, 规格对应 1 → 2 pieces (24.00)."""
    order = make_order(shop, paid=2590, paid_at=NOW - timedelta(minutes=paid_minutes_ago), fetched_at=NOW)
    store_receiver(order, BUYER)
    (item,) = OrderItem.select().where(OrderItem.order == order.id)
    SupplierLink.create(outer_id=item.outer_id, platform="taobao", item_id=ITEM_ID,
                        url=f"https://item.taobao.com/item.htm?id={ITEM_ID}")
    SkuMapping.create(outer_id=item.outer_id, shop_sku=item.sku_text, platform="taobao", item_id=ITEM_ID,
                      sku_id=SKU_ID, multiplier=2)
    return Order.get_by_id(order.id)


@pytest.fixture
def account() -> PurchaseAccount:
    account = make_account(login="13800000001", platform="taobao")
    PurchaseAccount.update(online=True).where(PurchaseAccount.id == account.id).execute()
    return PurchaseAccount.get_by_id(account.id)


def purchases_of(order: Order) -> list[Purchase]:
    return list(Purchase.select().where(Purchase.order == order.id))


def test_a_due_order_is_bought_and_one_cancelled_within_the_buffer_is_not(supplier, jobs, account):
    set_setting("pay.auto", True)
    shop = shop_with_auto_purchase(buffer=10)
    due, fresh = mapped_order(shop, paid_minutes_ago=15), mapped_order(shop, paid_minutes_ago=5)

    outcome = auto_purchase.run_once(NOW)
    (row,) = purchases_of(due)
    assert (row.state, row.account_id, row.sku_id, row.quantity) == ("paid", account.id, SKU_ID, 2)
    assert outcome.waiting == {fresh.id: "取消缓冲中"} and purchases_of(fresh) == []
    (job,) = jobs
    assert (job.kind, job.state, job.args) == ("purchase_batch", "done",
                                               {"account_id": account.id, "purchase_ids": [row.id], "mode": "auto"})
    assert supplier.count("submit") == 1 and supplier.count("pay") == 1

    Order.update(status="closed").where(Order.id == fresh.id).execute()  # the buyer cancelled; the fetch saw it
    later = auto_purchase.run_once(NOW + timedelta(minutes=10))
    assert later.purchase_ids == [] and later.waiting == {} and len(jobs) == 1
    assert purchases_of(fresh) == [] and supplier.count("submit") == 1 and len(supplier.orders) == 1


def test_running_again_never_buys_twice(supplier, jobs, account):
    order = mapped_order(shop_with_auto_purchase(), paid_minutes_ago=30)
    first = auto_purchase.run_once(NOW)
    again = auto_purchase.run_once(NOW + timedelta(minutes=1))
    assert len(first.purchase_ids) == 1 and again.purchase_ids == [] and again.waiting == {}
    assert len(purchases_of(order)) == 1 and supplier.count("submit") == 1 and len(jobs) == 1


def test_a_guard_refuses_as_for_a_manual_purchase_and_the_order_is_not_tried_again(supplier, jobs, account):
    set_setting("purchase.max_price", 2000)  # 2 × 12.00 = 24.00 is too dear
    order = mapped_order(shop_with_auto_purchase(), paid_minutes_ago=30)
    auto_purchase.run_once(NOW)
    (row,) = purchases_of(order)
    assert row.state == "refused" and "超过最高采购价" in row.reason and supplier.count("submit") == 0
    assert Order.get_by_id(order.id).abnormal == "refused"
    again = auto_purchase.run_once(NOW + timedelta(minutes=1))
    assert again.purchase_ids == [] and again.waiting == {order.id: "异常订单"} and len(purchases_of(order)) == 1


def test_an_order_bought_meanwhile_is_skipped_with_the_reason(supplier, jobs, account, monkeypatch):
    """Another run (another worker process) began the same sub-order between the plan and the begin."""
    order = mapped_order(shop_with_auto_purchase(), paid_minutes_ago=30)
    real_plan = auto.plan

    def plan_then_someone_else_begins(now, shop_ids=None):
        found = real_plan(now, shop_ids)
        item = OrderItem.get(OrderItem.order == order.id)
        records.begin(Scope.everything(), order, [item], account, "taobao", ITEM_ID, SKU_ID, 2)
        return found

    monkeypatch.setattr(auto, "plan", plan_then_someone_else_begins)
    outcome = auto_purchase.run_once(NOW)
    assert outcome.purchase_ids == [] and jobs == [] and "不会重复购买" in outcome.refused[order.id]
    assert len(purchases_of(order)) == 1
