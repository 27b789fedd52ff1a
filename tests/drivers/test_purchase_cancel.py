"""取消下单 (the `cancel_purchase` job) with the REAL 淘宝 / 1688 / 拼多多 drivers against the sandbox: a
待付款 supplier order is closed there and our purchase is cancelled (the order 待采购 again); a paid one
not yet shipped is cancelled with its money refunded by the site; a shipped one is refused with the
site's own words and our purchase stays as it was. One sandbox for the module, one account per platform."""
from __future__ import annotations

import pytest

from dropship.models import Job, Order, Purchase, PurchaseAccount
from dropship.queue import start_job
from dropship.services.jobs import job_target
from tests.orders_factory import buy, make_order, make_shop

from .buying import authorized_account

PLATFORMS = [("taobao", "tb_cancel"), ("alibaba1688", "ali_cancel"), ("pdd", "13900000301")]


def _in_stock_sku(sb, platform: str) -> str:
    item = next(i for i in sb.supplier_items(platform) if i["skus"])
    sku = item["skus"][-1]
    sb.update_sku(sku["sku_id"], stock=50)
    return sku["sku_id"]


def _bought(account: PurchaseAccount, placed: dict, state: str) -> Purchase:
    """Our order and its purchase as the purchase task leaves them once the supplier order is found."""
    return buy(make_order(make_shop(f"店-{placed['order_id']}")), account=account, platform=placed["platform"],
               platform_order_id=placed["order_id"], amount=placed["paid_fen"], state=state, status=state)


def _cancel(purchase: Purchase) -> tuple[Job, Purchase, Order]:
    job = start_job("cancel_purchase", "取消下单", target=job_target("purchase", purchase.id), purchase_id=purchase.id)
    return job, Purchase.get_by_id(purchase.id), Order.get_by_id(purchase.order_id)


@pytest.mark.parametrize("platform,login", PLATFORMS)
def test_cancel_closes_an_open_supplier_order_and_refuses_a_shipped_one(desk, sb, platform, login):
    account = authorized_account(sb, platform, login)
    sku = _in_stock_sku(sb, platform)
    unpaid = _bought(account, sb.buy(platform, login, sku, paid=False), "unpaid")
    paid = _bought(account, sb.buy(platform, login, sku, paid=True), "paid")
    shipped_order = sb.buy(platform, login, sku, paid=True)
    sb.ship_now(shipped_order["order_id"])
    shipped = _bought(account, shipped_order, "paid")

    # 待付款: closed at the supplier, our purchase cancelled, the order back in 待采购
    job, row, order = _cancel(unpaid)
    assert job.state == "done", job.error
    assert sb.purchase_order(unpaid.platform_order_id)["state"] == "closed"
    assert (row.state, row.status, row.active) == ("cancelled", "cancelled", False)
    assert (order.pending_items, order.purchase_amount, order.abnormal) == (1, 0, "")
    assert "回到待采购" in job.message

    # paid, not shipped: the site cancels it and refunds the money (not 异常: the seller asked for it)
    job, row, order = _cancel(paid)
    assert job.state == "done", job.error
    assert sb.purchase_order(paid.platform_order_id)["state"] == "closed"
    assert (row.state, row.active) == ("cancelled", False) and row.status in ("refunding", "refunded")
    assert (order.pending_items, order.abnormal) == (1, "")

    # shipped: the site offers no 取消订单; its status words are the reason, nothing changes here
    status_text = sb.purchase_order(shipped.platform_order_id)["status_text"]
    job, row, order = _cancel(shipped)
    assert job.state == "failed" and "不能取消" in job.error and status_text in job.error, job.error
    assert "申请退款" in job.error
    assert sb.purchase_order(shipped.platform_order_id)["state"] == "shipped"
    assert (row.state, row.active) == ("paid", True) and status_text in row.reason
    assert (order.pending_items, order.purchase_amount) == (0, shipped.amount)
