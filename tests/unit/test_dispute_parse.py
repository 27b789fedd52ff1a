"""The 千牛 disputelistv2 parser (pure): rows in the evidenced shape, the list found at any depth,
unreadable rows skipped and named, epoch ms read as China time."""
from __future__ import annotations

from datetime import datetime

import pytest

from dropship.platforms.base import PlatformError
from dropship.platforms.taobao_seller import UnreadableAnswer, china_ms, china_time, parse_dispute_list

MS = china_ms(datetime(2026, 6, 1, 10, 30))


def row(**over) -> dict:
    base = {"disputeId": "300000000001", "bizOrderId": "4000000000000001", "subOrderId": "4000000000000002",
            "bizClaimType": "1", "refundStatus": 1, "statusDesc": "退款待处理",
            "disputeBodyVO": {"refundFee": "12.30", "buyerActualFee": "12.30"}, "reason": "不想要了",
            "gmtCreate": MS, "gmtModified": MS + 60_000, "refundPhase": "onsale",
            "returnLogisticsVO": {"companyCode": "", "mailNo": ""}}
    return {**base, **over}


def test_rows_in_the_real_shape_at_any_depth():
    data = {"module": {"result": {"disputeGridVOList": [row(), row(disputeId="300000000002", bizClaimType="2",
                                                                   refundStatus="3", refundPhase="aftersale",
                                                                   returnLogisticsVO={"companyCode": "ZTO",
                                                                                      "mailNo": "73100000000001"})]},
                       "pagination": {"current": 2, "totalPage": 3, "total": 45}}}
    page = parse_dispute_list(data)
    first, second = page.disputes
    assert (page.page, page.total_pages, page.total, page.skipped) == (2, 3, 45, [])
    assert (first.kind, first.status, first.amount, first.oid, first.after_sale) == (
        "refund_only", "pending", 1230, "4000000000000002", False)
    assert first.created_at == datetime(2026, 6, 1, 10, 30) and first.updated_at == datetime(2026, 6, 1, 10, 31)
    assert (second.kind, second.status, second.after_sale, second.return_courier, second.return_tracking_number) == (
        "return_refund", "wait_seller_receive", True, "ZTO", "73100000000001")


def test_unknown_codes_verbatim_complaints_without_amount_and_bad_rows_skipped():
    page = parse_dispute_list({"disputeGridVOList": [
        row(refundStatus="17"), row(disputeId="3", bizClaimType="3", disputeBodyVO={}),
        row(disputeId="4", bizClaimType="9"), row(disputeId="5", gmtCreate=""), row(disputeId="6", disputeBodyVO={"refundFee": "abc"})]})
    assert [(d.dispute_id, d.status, d.kind, d.amount) for d in page.disputes] == [
        ("300000000001", "17", "refund_only", 1230), ("3", "pending", "complaint", 0)]
    assert [s.split("：")[0] for s in page.skipped] == ["4", "5", "6"]


def test_no_list_is_an_unreadable_answer():
    with pytest.raises(UnreadableAnswer):
        parse_dispute_list({"result": {}})
    assert issubclass(UnreadableAnswer, PlatformError)


def test_times_are_china_wall_time():
    assert china_time(str(MS)) == datetime(2026, 6, 1, 10, 30)
    assert china_time("2026-06-01 10:30:00") == datetime(2026, 6, 1, 10, 30)
    assert china_time("") is None
