"""Our refund applications as the 1688 and 拼多多 buyer sides list them (淘宝's are buyer_refunds.py).

1688: mtop ``mtop.1688.dw.refund.list`` (the API name is evidenced, idx 59296153387); the status codes
are those of 1688's open trade API (waitselleragree / waitbuyermodify / waitbuyersend /
waitsellerreceive / refundsuccess / refundclose) and ``applyPayment`` is in fen as there; the request
and answer shapes around them are invented. 拼多多: ``POST /proxy/api/after_sales/list`` — wholly
invented (no public capture): snake_case, fen integers, ``after_sales_status`` codes of its own.
Applying and 填写退货单号 happen on each site's order detail page (storefront's generic forms).
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from . import clock, disputes, mtop, supply
from .buyer_1688 import SITE
from .couriers import BY_CODE
from .models import Account, Dispute
from .pdd_login import pdd_api, route
from .purchases import refunds_of

bp = Blueprint("supplier_refunds", __name__)
MAX_IDS = 50

STATUS_1688 = {disputes.PENDING: "waitselleragree", disputes.REFUSED: "waitbuyermodify",
               disputes.WAIT_BUYER_RETURN: "waitbuyersend", disputes.WAIT_SELLER_RECEIVE: "waitsellerreceive",
               disputes.CLOSED: "refundclose", disputes.SUCCESS: "refundsuccess"}
STATUS_PDD = {disputes.PENDING: 1, disputes.REFUSED: 3, disputes.WAIT_BUYER_RETURN: 4,
              disputes.WAIT_SELLER_RECEIVE: 5, disputes.CLOSED: 6, disputes.SUCCESS: 10}
TYPE_PDD = {"refund_only": 1, "return_refund": 2}


def _order_ids(value) -> list[str]:
    """A list, or a comma-separated string, of order ids (≤ 50)."""
    ids = value if isinstance(value, list) else str(value or "").split(",")
    ids = [str(i).strip() for i in ids if str(i).strip()]
    if len(ids) > MAX_IDS:
        raise ValueError
    return ids


def refund_1688(d: Dispute) -> dict:
    return {"refundId": d.dispute_id, "orderId": d.order.tid, "orderEntryId": d.order_item.oid,
            "disputeRequest": "returnRefund" if d.kind == "return_refund" else "refund",
            "status": STATUS_1688[d.status], "statusStr": disputes.status_text(d), "applyPayment": d.amount_fen,
            "applyReason": d.reason, "gmtApply": d.created_at.strftime("%Y%m%d%H%M%S000+0800"),
            "gmtModified": d.updated_at.strftime("%Y%m%d%H%M%S000+0800"), "refundAddress": supply.return_address(d),
            "freightBills": [{"logisticsCompanyNo": d.return_courier, "freightBill": d.return_tracking_no}]
            if d.return_tracking_no else []}


@mtop.api(SITE, "mtop.1688.dw.refund.list")
def refund_list_1688(account: Account, data: dict) -> dict:
    """data ``{orderIds: [..] | "a,b", page, pageSize ≤ 50}``; answers ``{result: {success, data:
    {refundList, totalCount}}}``, newest first."""
    try:
        ids = _order_ids(data.get("orderIds"))
        page, size = int(data.get("page") or 1), int(data.get("pageSize") or 20)
    except (TypeError, ValueError):
        raise mtop.ApiError("FAIL_BIZ_PARAM_ERROR::参数错误") from None
    if page < 1 or not 1 <= size <= MAX_IDS:
        raise mtop.ApiError("FAIL_BIZ_PARAM_ERROR::参数错误")
    rows = refunds_of(account, ids)
    return {"result": {"success": True, "data": {"refundList": [refund_1688(d) for d in rows[(page - 1) * size:
                                                                                            page * size]],
                                                  "totalCount": len(rows)}}}


def after_sales_pdd(d: Dispute) -> dict:
    return {"after_sales_id": d.dispute_id, "order_sn": d.order.tid, "after_sales_type": TYPE_PDD[d.kind],
            "after_sales_status": STATUS_PDD[d.status], "status_desc": disputes.status_text(d),
            "refund_amount": d.amount_fen, "reason": d.reason, "created_at": int(clock.epoch_ms(d.created_at) / 1000),
            "return_address": supply.return_address(d), "tracking_number": d.return_tracking_no,
            "shipping_name": BY_CODE[d.return_courier].name if d.return_courier else ""}


@route(bp, "/proxy/api/after_sales/list", ("POST",))
@pdd_api
def after_sales_list():
    body = request.get_json(silent=True) or {}
    try:
        ids = _order_ids(body.get("order_sns"))
    except ValueError:
        return jsonify({"error_code": 40000, "error_msg": "参数错误"}), 400
    return jsonify({"after_sales_list": [after_sales_pdd(d) for d in refunds_of(g.account, ids)],
                    "server_time": int(clock.epoch_ms(clock.now()) / 1000)})


