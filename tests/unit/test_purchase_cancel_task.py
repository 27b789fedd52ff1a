"""取消下单 at the supplier (tasks/purchase_cancel.py) against an in-memory supplier (tests/fake_buyer.py):
the order is re-read before and after the click, a closed one is only recorded, the site's refusal
keeps the purchase with its reason, and a purchase in flight or gone is left alone."""
from __future__ import annotations

from contextlib import contextmanager, suppress
from dataclasses import replace

import pytest

from dropship.errors import UserError
from dropship.models import Job, Order, Purchase
from dropship.platforms.base import PlatformError, RiskBlocked
from dropship.queue import JOB_TASKS
from dropship.services.memo import apply_purchase_memo
from dropship.services.settings import set_setting
from dropship.tasks import purchase_sync, purchasing
from tests.fake_buyer import FakeBuyer
from tests.orders_factory import buy, make_account, make_order, make_shop, orders_app, orders_db, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
SHIPPED = "该订单当前状态（卖家已发货）不能取消订单"


@pytest.fixture
def supplier(monkeypatch) -> FakeBuyer:
    fake = FakeBuyer()

    @contextmanager
    def fake_open(account, headed):
        yield fake

    monkeypatch.setattr(purchasing, "open_buyer", fake_open)
    return fake


@pytest.fixture
def pushes(monkeypatch) -> list[int]:
    pushed: list[int] = []
    monkeypatch.setattr(purchase_sync, "start_unique_job", lambda kind, title, **kw: pushed.append(kw["order_id"]))
    return pushed


def bought(supplier: FakeBuyer, status: str = "unpaid", state: str = "unpaid") -> Purchase:
    """An order bought with a 淘宝 account: its supplier order at the fake supplier, our purchase recorded."""
    account = make_account(platform="taobao")
    account.online = True
    account.save()
    placed = supplier.add_order(status=status, quantity=1)
    purchase = buy(make_order(make_shop()), account=account, platform="taobao", platform_order_id=placed.order_id,
                   amount=placed.amount, state=state, status=status)
    apply_purchase_memo(purchase.order_id)  # as the purchase task left it
    return purchase


def run_cancel(purchase: Purchase) -> tuple[Job, Purchase]:
    job = Job.create(kind="cancel_purchase", title="取消下单", args={"purchase_id": purchase.id})
    with suppress(UserError):  # a failed job records why
        JOB_TASKS["cancel_purchase"].call_local(job.id, purchase_id=purchase.id)
    return Job.get_by_id(job.id), Purchase.get_by_id(purchase.id)


def test_an_unpaid_supplier_order_is_cancelled_there_verified_and_the_order_is_to_buy_again(supplier, pushes):
    set_setting("memo.fields", ["purchase_order"])
    purchase = bought(supplier)
    job, row = run_cancel(purchase)
    assert job.state == "done", job.error
    assert supplier.calls == ["order_detail", "cancel", "order_detail"]  # read first, verify after
    assert supplier.orders[purchase.platform_order_id].status == "cancelled"
    assert (row.state, row.status, row.active) == ("cancelled", "cancelled", False)
    order = reload(purchase.order)
    assert (order.pending_items, order.purchase_amount, order.abnormal) == (1, 0, "")  # 待采购, not 异常
    assert "回到待采购" in job.message and (job.done, job.total) == (3, 3)
    assert pushes == [order.id]  # the memo template dropped the 采购单号: pushed


def test_a_paid_order_the_site_refunds_on_cancel_is_recorded_as_our_cancel(supplier, pushes, monkeypatch):
    purchase = bought(supplier, "paid", "paid")

    def refund_at_once(order_id):  # 拼多多's 未发货 cancel: 退款中 until the money is back
        supplier.calls.append("cancel")
        supplier.orders[order_id] = replace(supplier.orders[order_id], status="refunding")

    monkeypatch.setattr(supplier, "cancel", refund_at_once)
    job, row = run_cancel(purchase)
    assert job.state == "done", job.error
    assert (row.state, row.status, row.active) == ("cancelled", "refunding", False)
    assert reload(purchase.order).abnormal == ""  # the seller asked for it: back to 待采购, no alarm


def test_a_supplier_order_closed_already_is_only_recorded(supplier, pushes):
    purchase = bought(supplier)  # e.g. cancelled on the site by hand, or a crash right after the click
    supplier.orders[purchase.platform_order_id] = replace(supplier.orders[purchase.platform_order_id],
                                                          status="cancelled")
    job, row = run_cancel(purchase)
    assert job.state == "done" and supplier.count("cancel") == 0
    assert row.state == "cancelled" and reload(purchase.order).pending_items == 1
    job, row = run_cancel(purchase)  # safe twice: the purchase has left the order, nothing is done
    assert job.state == "done" and "未再操作" in job.message and supplier.count("order_detail") == 1


def test_the_sites_refusal_keeps_the_purchase_and_shows_the_reason(supplier, pushes):
    purchase = bought(supplier, "shipped", "paid")
    supplier.fail_on["cancel"] = PlatformError(SHIPPED)
    job, row = run_cancel(purchase)
    assert job.state == "failed" and SHIPPED in job.error and "申请退款" in job.error
    assert (row.state, row.status, row.active) == ("paid", "shipped", True)
    assert SHIPPED in row.reason  # the card shows it under the purchase
    order = reload(purchase.order)
    assert (order.pending_items, order.purchase_amount) == (0, purchase.amount) and pushes == []
    assert supplier.calls == ["order_detail", "cancel", "order_detail"]


def test_a_click_the_page_did_not_confirm_is_decided_by_the_re_read(supplier, pushes, monkeypatch):
    purchase = bought(supplier)
    unconfirmed = supplier.cancel

    def cancelled_but_no_confirmation(order_id):
        unconfirmed(order_id)
        raise PlatformError("取消失败（页面没有刷新）")

    monkeypatch.setattr(supplier, "cancel", cancelled_but_no_confirmation)
    job, row = run_cancel(purchase)
    assert job.state == "done" and row.state == "cancelled"


def test_an_order_still_open_after_the_click_is_not_recorded(supplier, pushes, monkeypatch):
    purchase = bought(supplier)
    monkeypatch.setattr(supplier, "cancel", lambda order_id: None)  # the site ignored the click
    job, row = run_cancel(purchase)
    assert job.state == "failed" and "仍是「待支付」" in job.error
    assert (row.state, row.active) == ("unpaid", True) and "仍是" in row.reason


def test_a_purchase_in_flight_is_not_cancelled(supplier, pushes):
    purchase = bought(supplier, "unpaid", "paying")
    job, row = run_cancel(purchase)
    assert job.state == "failed" and "请等它结束后再取消下单" in job.error
    assert supplier.count("cancel") == 0 and row.state == "paying"


def test_a_risk_sign_stops_the_job_and_changes_nothing(supplier, pushes):
    purchase = bought(supplier)
    supplier.fail_on["cancel"] = RiskBlocked()
    job, row = run_cancel(purchase)
    assert job.state == "failed" and "风控" in job.error
    assert (row.state, row.active, row.reason) == ("unpaid", True, "")


def test_a_purchase_without_a_supplier_order_is_not_the_jobs(supplier, pushes):
    purchase = buy(make_order(make_shop()), platform="taobao", platform_order_id="", state="recorded")
    job, row = run_cancel(purchase)
    assert job.state == "failed" and supplier.calls == [] and row.active
    assert Order.get_by_id(purchase.order_id).pending_items == 0
