"""售后 drivers against the sandbox (real Chromium, one sandbox for the module): the seller's 千牛
refund list + detail + 同意退款, and per buyer platform 申请退款 → refunds → 填写退货单号."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dropship.platforms.alibaba_buyer import AlibabaBuyer
from dropship.platforms.base import PlatformError
from dropship.platforms.origins import Origins
from dropship.platforms.pdd_buyer import PddBuyer
from dropship.platforms.taobao_buyer import TaobaoBuyer

from . import buying


def test_seller_lists_reads_and_agrees(sb, seller, context):
    sb.add_seller("aft_shop", "pw")
    context.add_cookies(sb.login_cookies("aft_shop"))
    refund_tid = sb.place_order("aft_shop")["tid"]
    return_tid = sb.place_order("aft_shop")["tid"]
    sb.seller_ship(return_tid)
    refund = sb.open_dispute(refund_tid, "refund_only", reason="拍错了/多拍了")
    sb.advance(1)
    returned = sb.open_dispute(return_tid, "return_refund", reason="质量问题")
    driver = seller()
    since = sb.now() - timedelta(days=1)

    listed = driver.list_disputes(since)
    assert [(d.dispute_id, d.tid, d.kind, d.status, d.status_text) for d in listed.disputes] == [
        (returned["dispute_id"], return_tid, "return_refund", "pending", "退款待处理"),
        (refund["dispute_id"], refund_tid, "refund_only", "pending", "退款待处理")]
    assert (listed.total, listed.page, listed.total_pages, listed.skipped) == (2, 1, 1, [])
    first = listed.disputes[1]
    assert first.amount == refund["amount_fen"] and first.reason == "拍错了/多拍了" and not first.after_sale
    assert first.created_at == sb.now().replace(microsecond=0) - timedelta(minutes=1)
    assert listed.disputes[0].after_sale and "qn.taobao" in first.detail_url
    assert [d.dispute_id for d in driver.list_disputes(since, tab="return_refund").disputes] == [returned["dispute_id"]]
    assert driver.list_disputes(sb.now() + timedelta(minutes=1)).disputes == []

    with pytest.raises(PlatformError, match="不能同意退款"):
        driver.agree_refund(returned["dispute_id"])  # 同意退货 needs a return address: a person's step
    driver.agree_refund(refund["dispute_id"])
    assert driver.dispute_detail(refund["dispute_id"]).status == "success"
    assert [d.dispute_id for d in driver.list_disputes(since, tab="success").disputes] == [refund["dispute_id"]]
    assert sb.shop_order(refund_tid)["status"] == "TRADE_CLOSED"
    with pytest.raises(PlatformError, match="退款成功"):
        driver.agree_refund(refund["dispute_id"])


def _purchase(sb, context, platform: str, login: str, shipped: bool) -> tuple[dict, dict]:
    """A paid purchase of `login` (cookies in `context`) at a `platform` supplier, shipped or not."""
    buying.log_in(sb, context, platform, login)
    item = buying.stocked_item(sb, platform)
    order = sb.buy(platform, login, item["skus"][0]["sku_id"])
    if shipped:
        sb.ship_now(order["order_id"])
    return order, sb.purchase_order(order["order_id"])


def test_taobao_return_refund_with_the_react_form(sb, context):
    order, placed = _purchase(sb, context, "taobao", "aft_tb", shipped=True)
    order_id = order["order_id"]
    buyer = TaobaoBuyer(context, Origins(sb.port))
    assert buyer.refunds([order_id]) == []
    with pytest.raises(PlatformError, match="退款原因列表中没有"):
        buyer.apply_refund(order_id, "return_refund", "不想要了", 0)  # a 仅退款 reason
    applied = buyer.apply_refund(order_id, "return_refund", "质量问题", 100)
    assert (applied.kind, applied.status, applied.amount, applied.order_id) == ("return_refund", "pending", 100, order_id)
    assert buyer.apply_refund(order_id, "return_refund", "质量问题", 100) == applied  # never doubled
    with pytest.raises(PlatformError, match="没有等待填写退货单号"):
        buyer.fill_return(order_id, "YTO", "YT1234567890123")

    sb.advance(6 * 60)  # the supplier agrees within hours
    [agreed] = buyer.refunds([order_id])
    assert agreed.status == "wait_buyer_return" and "售后部" in agreed.return_address
    with pytest.raises(PlatformError, match="运单号不符合规则"):
        buyer.fill_return(order_id, "YTO", "YT123")
    buyer.fill_return(order_id, "YTO", "YT1234567890123")
    [seen] = sb.supplier_refunds(order_id)  # what the supplier's side saw
    assert (seen["status_text"], seen["return_courier"], seen["return_tracking_no"], seen["amount_fen"]) == (
        "待商家收货", "YTO", "YT1234567890123", 100)
    assert placed["paid_fen"] > 100


def test_1688_refund_only_before_shipping(sb, context):
    order, placed = _purchase(sb, context, "alibaba1688", "aft_ali", shipped=False)
    order_id = order["order_id"]
    buyer = AlibabaBuyer(context, Origins(sb.port))
    with pytest.raises(PlatformError, match="不能申请退货退款"):
        buyer.apply_refund(order_id, "return_refund", "质量问题", 0)  # not shipped
    applied = buyer.apply_refund(order_id, "refund_only", "", 0)
    assert (applied.kind, applied.status, applied.amount, applied.status_text) == (
        "refund_only", "pending", placed["items"][0]["total_fen"], "退款待处理")
    sb.advance(6 * 60)
    assert [(r.refund_id, r.status) for r in buyer.refunds([order_id, "1"])] == [(applied.refund_id, "success")]


def test_pdd_return_refund_and_its_number(sb, context):
    order, _ = _purchase(sb, context, "pdd", "13700000311", shipped=True)
    order_id = order["order_id"]
    buyer = PddBuyer(context, Origins(sb.port))
    applied = buyer.apply_refund(order_id, "return_refund", "收到商品破损", 0)
    assert (applied.kind, applied.status) == ("return_refund", "pending")
    sb.advance(6 * 60)
    buyer.fill_return(order_id, "ZTO", "73100000000001")
    [after] = buyer.refunds([order_id])
    assert (after.status, after.return_tracking_number) == ("wait_seller_receive", "73100000000001")
    sb.advance(3 * 24 * 60)  # the supplier receives it and refunds
    assert buyer.refunds([order_id])[0].status == "success"
