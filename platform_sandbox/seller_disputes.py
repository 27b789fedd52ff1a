"""The seller's current 售后 pages (千牛): the refund list at ``myseller…/home.htm/trade-platform/refund-list``
whose rows come from mtop ``mtop.alibaba.refundface2.disputeservice.qianniu.pc.disputelistv2``
(``disputeGridVOList``), and the detail page ``qn.taobao.com/home.htm/trade-platform/refund-list/detail``
with 同意退款. The older refund2 list (seller_refund.py) stays as a second route.

Evidenced (FIDELITY.md, idx 62063010050 / 69369337879): the URLs, the API name, ``data.params`` as a
JSON string, ``disputeGridVOList`` rows with ``bizOrderId``, ``disputeBodyVO{refundFee, buyerActualFee,
refundFeeOptions}``, ``refundStatus``, ``bizClaimType``, ``refundStatusSelect`` 5 = 退款成功, date
params named ``…DateTimePicker…Time`` in epoch ms. Invented (sandbox assumptions): the other row
fields, ``bizClaimType`` values 1 仅退款 / 2 退货退款 / 3 投诉, ``bizClaimTypeSelect``, the pagination
object, the detail page's embedded ``disputeDetail`` and its agree form post.
"""
from __future__ import annotations

import json
import math
from urllib.parse import quote

from flask import Blueprint, g, redirect, render_template, request

from . import clock, disputes, mtop, orders
from .auth import seller_view
from .couriers import BY_CODE
from .hosts import page_url, sandbox_host
from .models import Account, Dispute, Order, Shop
from .seller_refund import not_found, refused_post
from .trade_json import js_assign, js_object_literal

bp = Blueprint("seller_disputes", __name__)
MYSELLER = sandbox_host("myseller.taobao.com")
QN = sandbox_host("qn.taobao.com")
LIST_PATH = "/home.htm/trade-platform/refund-list"
DETAIL_PATH = "/home.htm/trade-platform/refund-list/detail"
NO_CASE = ("售后单不存在", "没有找到这个售后单。")
AGREE_PATH = "/home.htm/trade-platform/refund-list/agree"
DISPUTE_LIST_API = "mtop.alibaba.refundface2.disputeservice.qianniu.pc.disputelistv2"
PAGE_SIZE, MAX_PAGE_SIZE = 20, 50
CLAIM_TYPE = {"refund_only": "1", "return_refund": "2", "complaint": "3"}
ALL = "-9999"  # the select's 全部, as the real page sends it
# the page's tabs: (title, refundStatusSelect, bizClaimTypeSelect)
TABS = {"all": ("全部", ALL, ALL), "refund_only": ("仅退款", ALL, "1"), "return_refund": ("退货退款", ALL, "2"),
        "success": ("退款成功", str(disputes.SUCCESS), ALL), "complaint": ("店铺投诉", ALL, "3")}


def _codes(value) -> list[str]:
    """``5`` / ``"5"`` / ``[5]`` / ``"[-1,5]"`` -> the codes; ``-9999`` (全部) or nothing -> []."""
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        text = str(value if value is not None else "").strip("[] ")
        items = [part.strip().strip('"') for part in text.split(",") if part.strip()]
    return [] if not items or ALL in items else items


def dispute_query(shop: Shop, params: dict):
    query = Dispute.select().join(Order).where(Order.shop == shop)
    statuses = _codes(params.get("refundStatusSelect"))
    if statuses:
        query = query.where(Dispute.status.in_([int(s) for s in statuses if s.lstrip("-").isdigit()]))
    claim_types = {kind for kind, code in CLAIM_TYPE.items() if code in _codes(params.get("bizClaimTypeSelect"))}
    if claim_types:
        query = query.where(Dispute.kind.in_(sorted(claim_types)))
    for key, compare in (("applyDateTimePickerStartTime", Dispute.created_at.__ge__),
                         ("applyDateTimePickerEndTime", Dispute.created_at.__le__)):
        if str(params.get(key) or "").isdigit():
            query = query.where(compare(clock.from_epoch_ms(int(params[key]))))
    return query.order_by(Dispute.created_at.desc(), Dispute.id.desc())


def detail_url(d: Dispute) -> str:
    return page_url(f"https://qn.taobao.com{DETAIL_PATH}?disputeId={d.dispute_id}&type=1")


def grid_row(d: Dispute) -> dict:
    """One ``disputeGridVOList`` entry."""
    item = d.order_item
    fee = orders.yuan(d.amount_fen)
    return {
        "disputeId": d.dispute_id, "refundId": d.dispute_id, "bizOrderId": d.order.tid, "subOrderId": item.oid,
        "bizClaimType": CLAIM_TYPE[d.kind], "refundStatus": d.status, "statusDesc": disputes.status_text(d),
        "disputeBodyVO": {"refundFee": fee, "buyerActualFee": orders.yuan(item.total_fen),
                          "refundFeeOptions": [{"label": "退款金额", "value": fee}]},
        "itemTitle": item.title, "itemPic": item.pic, "buyerNick": d.order.buyer_nick, "reason": d.reason,
        "refundPhase": "aftersale" if d.after_sale else "onsale",
        "gmtCreate": clock.epoch_ms(d.created_at), "gmtModified": clock.epoch_ms(d.updated_at),
        "returnLogisticsVO": {"companyCode": d.return_courier, "mailNo": d.return_tracking_no,
                              "companyName": BY_CODE[d.return_courier].name if d.return_courier else ""},
        "detailUrl": detail_url(d),
    }


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def dispute_grid(shop: Shop, params: dict) -> dict:
    query = dispute_query(shop, params)
    size = min(max(1, _int(params.get("pageSize"), PAGE_SIZE)), MAX_PAGE_SIZE)
    total = query.count()
    pages = max(1, math.ceil(total / size))
    page = min(max(1, _int(params.get("pageNo"), 1)), pages)
    return {"result": {"disputeGridVOList": [grid_row(d) for d in query.paginate(page, size)],
                       "pagination": {"current": page, "pageSize": size, "total": total, "totalPage": pages}}}


@mtop.api("taobao", DISPUTE_LIST_API)
def dispute_list_v2(account: Account, data: dict) -> dict:
    """data: ``params`` — a JSON string (as the real page sends it) with ``pageNo``, ``pageSize`` (≤ 50),
    ``refundStatusSelect``, ``bizClaimTypeSelect``, ``applyDateTimePickerStartTime`` / ``…EndTime``."""
    if account.role != "seller" or account.shop is None:
        raise mtop.ApiError("FAIL_BIZ_NO_PERMISSION::您没有权限访问")
    params = data.get("params") or "{}"
    params = json.loads(params) if isinstance(params, str) else params
    if not isinstance(params, dict):
        raise ValueError
    return dispute_grid(account.shop, params)


@bp.get(LIST_PATH, host=MYSELLER)
@seller_view()
def refund_list():
    """The list page; its rows are fetched from the mtop API by the page (here also rendered for people)."""
    tab = request.args.get("tab", "all")
    _, statuses, claim_types = TABS.get(tab, TABS["all"])
    params = {"pageNo": request.args.get("pageNo", 1), "refundStatusSelect": statuses, "bizClaimTypeSelect": claim_types}
    grid = dispute_grid(g.shop, params)["result"]
    return render_template("refund_list_qn.html", tabs=TABS, tab=tab, rows=grid["disputeGridVOList"],
                           page=grid["pagination"], api=DISPUTE_LIST_API,
                           script=js_assign("window.__refundListParams", js_object_literal(params)))


def _own(dispute_id: str | None) -> Dispute | None:
    d = Dispute.get_or_none(Dispute.dispute_id == (dispute_id or ""))
    return d if d is not None and d.order.shop_id == g.shop.id else None


def agree_label(d: Dispute) -> str:
    """The detail page's agree button: 同意退货 while a return awaits the seller's address, else 同意退款;
    '' when the case cannot be agreed to."""
    if d.kind == "complaint" or d.status not in (disputes.PENDING, disputes.WAIT_SELLER_RECEIVE):
        return ""
    return "同意退货" if d.kind == "return_refund" and d.status == disputes.PENDING else "同意退款"


@bp.get(DETAIL_PATH, host=QN)
@seller_view()
def detail():
    d = _own(request.args.get("disputeId"))
    if d is None:
        return not_found(NO_CASE)
    row = grid_row(d)
    return render_template("refund_detail_qn.html", d=d, row=row, kind_text=disputes.KIND_TEXT[d.kind],
                           agree=agree_label(d), session=g.session, message=request.args.get("msg", ""),
                           error=request.args.get("error", ""), fmt=clock.fmt, agree_path=AGREE_PATH,
                           script=js_assign("var disputeDetail", js_object_literal(row)))


@bp.post(AGREE_PATH, host=QN)
@seller_view()
def agree():
    d = _own(request.form.get("disputeId"))
    if refused := refused_post(d, NO_CASE):
        return refused
    back = f"{DETAIL_PATH}?disputeId={d.dispute_id}&type=1"
    if request.form.get("action") != agree_label(d) or not agree_label(d):
        return redirect(f"{back}&error={quote('售后单状态已变化，请刷新后重试')}")
    disputes.agree(d, clock.now())
    return redirect(f"{back}&msg={quote('操作成功，当前状态：' + disputes.status_text(d))}")
