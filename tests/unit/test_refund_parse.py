"""Our refunds at the suppliers (pure): each platform's refund list parsed to SupplierRefund, and the
shared rules of applying once and of which refund waits for a return number."""
from __future__ import annotations

import pytest

from dropship.platforms.alibaba_buyer import parse_refunds
from dropship.platforms.base import PlatformError, SupplierRefund
from dropship.platforms.buyer_pages import apply_once, awaiting_return, fen_text
from dropship.platforms.pdd_buyer import parse_refund
from dropship.platforms.taobao_buyer import parse_refund_list


def test_taobao_dispute_data_rows_without_complaints():
    def item(key: str, **fields) -> tuple[str, dict]:
        return f"listItem_{key}", {"fields": {"disputeId": key, "bizOrderId": "9" + key, "refundFee": "12.30",
                                              "status": "2", "statusText": "待买家发货", "disputeType": "return_refund",
                                              "returnAddress": "杭州 售后部", "returnMailNo": "", **fields}}
    nodes = dict([item("1"), item("2", disputeType="complaint"), item("3", status="99", disputeType="refund_only")])
    data = {"hierarchy": {"structure": {"bottomContainer_1": ["listHeader_1", *nodes, "pagination_1"]}},
            "data": {**nodes, "pagination_1": {"fields": {"totalPage": 4}}}}
    refunds, pages = parse_refund_list(data)
    assert pages == 4
    assert refunds == [SupplierRefund("1", "91", "return_refund", "wait_buyer_return", "待买家发货", 1230, "杭州 售后部", ""),
                       SupplierRefund("3", "93", "refund_only", "99", "待买家发货", 1230, "杭州 售后部", "")]


def test_1688_refund_list_in_fen_with_trade_api_codes():
    data = {"result": {"success": True, "data": {"refundList": [
        {"refundId": "R1", "orderId": "O1", "disputeRequest": "returnRefund", "status": "waitsellerreceive",
         "statusStr": "待商家收货", "applyPayment": "1500", "refundAddress": "义乌",
         "freightBills": [{"logisticsCompanyNo": "ZTO", "freightBill": "731"}]},
        {"refundId": "R2", "orderId": "O2", "disputeRequest": "refund", "status": "refundsuccess", "applyPayment": 99}]}}}
    assert [(r.refund_id, r.kind, r.status, r.amount, r.return_tracking_number) for r in parse_refunds(data)] == [
        ("R1", "return_refund", "wait_seller_receive", 1500, "731"), ("R2", "refund_only", "success", 99, "")]
    with pytest.raises(PlatformError):
        parse_refunds({"result": {}})


def test_pdd_after_sales_in_either_spelling():
    snake = parse_refund({"after_sales_id": 5, "order_sn": "260601-1", "after_sales_type": 2, "after_sales_status": 4,
                          "refund_amount": 880, "return_address": "上海", "tracking_number": ""})
    camel = parse_refund({"afterSalesId": "6", "orderSn": "260601-2", "afterSalesType": 1, "afterSalesStatus": 10,
                          "refundAmount": "8.80"})
    assert (snake.kind, snake.status, snake.amount, snake.return_address) == ("return_refund", "wait_buyer_return", 880, "上海")
    assert (camel.refund_id, camel.kind, camel.status, camel.amount) == ("6", "refund_only", "success", 880)


def test_apply_once_returns_an_open_application_and_reads_a_new_one_back():
    listed: list[SupplierRefund] = [SupplierRefund("old", "O", "refund_only", "closed")]
    submitted: list[str] = []

    def submit() -> None:
        submitted.append("go")
        listed.append(SupplierRefund("new", "O", "refund_only", "pending"))

    assert apply_once("O", "refund_only", lambda: list(listed), submit).refund_id == "new"
    assert apply_once("O", "refund_only", lambda: list(listed), submit).refund_id == "new" and submitted == ["go"]
    with pytest.raises(PlatformError, match="没有找到"):
        apply_once("O", "return_refund", lambda: list(listed), lambda: None)
    with pytest.raises(PlatformError, match="未知的退款类型"):
        apply_once("O", "complaint", lambda: list(listed), submit)


def test_only_an_agreed_return_waits_for_its_number():
    waiting = SupplierRefund("r", "O", "return_refund", "wait_buyer_return")
    assert awaiting_return("O", [SupplierRefund("a", "O", "refund_only", "wait_buyer_return"), waiting]) == waiting
    with pytest.raises(PlatformError, match="当前：退货退款退款待处理"):
        awaiting_return("O", [SupplierRefund("r", "O", "return_refund", "pending", "退款待处理")])
    assert fen_text(1230) == "12.30" and fen_text(5) == "0.05"
