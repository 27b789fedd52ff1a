"""售后 drivers against the sandbox (real Chromium, one sandbox for the module): the seller's 千牛
refund list + detail + 同意退款, and per buyer platform 申请退款 → refunds → 填写退货单号."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dropship.platforms.base import PlatformError


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
