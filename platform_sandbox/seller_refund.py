"""refund2.taobao.com: the seller's 退款管理 list (``var disputeData``) and the dispute detail
page whose 同意 / 拒绝 buttons drivers press in the DOM (no web agree API is known)."""
from __future__ import annotations

import math

from flask import Blueprint, g, jsonify, redirect, render_template, request

from . import clock, disputes, orders, supply
from .auth import seller_view, token_ok
from .couriers import BY_CODE
from .hosts import origin, page_url, sandbox_host
from .models import Dispute, Order
from .trade_json import js_object_literal

bp = Blueprint("seller_refund", __name__)
REFUND = sandbox_host("refund2.taobao.com")
PAGE_SIZE = 20
STATUS_OPTIONS = (("-9999", "全部"), ("-1", "进行中的订单"), ("1", "退款待处理"), ("6", "已拒绝退款"),
                  ("2", "待买家发货"), ("3", "待商家收货"), ("4", "退款关闭"), ("5", "退款成功"))


def _query(values, mine):
    query = Dispute.select().join(Order).where(mine)
    status = values.get("status", "-9999")
    if status == "-1":
        query = query.where(Dispute.status.in_(disputes.OPEN))
    elif status.isdigit():
        query = query.where(Dispute.status == int(status))
    refund_type = values.get("refundType", "0")  # 0 全部 1 售中 2 售后
    if refund_type in ("1", "2"):
        query = query.where(Dispute.after_sale == (refund_type == "2"))
    return query.order_by(Dispute.created_at.desc(), Dispute.id.desc())


def _row(d: Dispute, detail: str = "detail.htm") -> dict:
    item = d.order_item
    return {"tag": "listItem", "id": d.dispute_id, "type": "biz", "fields": {
        "disputeId": d.dispute_id, "bizOrderId": d.order.tid, "subOrderId": item.oid, "buyerNick": d.order.buyer_nick,
        "itemTitle": item.title, "itemPic": item.pic, "skuText": item.sku_text, "outerId": item.outer_id,
        "refundFee": orders.yuan(d.amount_fen), "applyTime": clock.fmt(d.created_at),
        "modifiedTime": clock.fmt(d.updated_at), "serviceType": disputes.KIND_TEXT[d.kind], "disputeType": d.kind,
        "status": str(d.status), "statusText": disputes.status_text(d), "afterSale": d.after_sale,
        "reason": d.reason, "returnCompany": BY_CODE[d.return_courier].name if d.return_courier else "",
        "returnMailNo": d.return_tracking_no, "returnAddress": supply.return_address(d),
        "detailUrl": page_url(f"https://refund2.taobao.com/dispute/{detail}?disputeId={d.dispute_id}")}}


def dispute_data(values, mine=None, detail: str = "detail.htm") -> dict:
    """Ultron-style page data as in the captured buyerDisputeList (hierarchy / data / linkage): the
    disputes `mine` selects (default: the seller's shop's), rows linking to the `detail` page."""
    query = _query(values, Order.shop == g.shop if mine is None else mine)
    total = query.count()
    pages = max(1, math.ceil(total / PAGE_SIZE))
    try:
        page = min(max(1, int(values.get("pageNum", 1))), pages)
    except ValueError:
        page = 1
    rows = [_row(d, detail) for d in query.paginate(page, PAGE_SIZE)]
    data = {
        "root_1": {"id": "1", "tag": "root", "type": "biz", "fields": {"rootId": 1}},
        "tabContainer_4": {"id": "4", "tag": "tabContainer", "type": "tab", "fields": {
            "selectedId": "tkgl", "options": [{"id": "tkgl", "title": "退款管理"}], "tabType": "seller"}},
        "searchConditions_2@4": {"id": "2@4", "tag": "searchConditions", "type": "select", "fields": {
            "selectedId": values.get("status", "-9999"), "title": "退款状态",
            "options": [{"id": v, "name": n, "value": v} for v, n in STATUS_OPTIONS]}},
        "listHeader_1": {"id": "1", "tag": "listHeader", "type": "listHeader", "fields": {"options": [
            {"title": t} for t in ("宝贝", "退款金额", "申请时间", "服务类型", "退款状态", "交易操作")]}},
        "pagination_1": {"id": "1", "tag": "pagination", "type": "pagination", "fields": {
            "currentPage": page, "pageSize": PAGE_SIZE, "totalNumber": total, "totalPage": pages}},
    }
    data.update({f"listItem_{r['id']}": r for r in rows})
    return {
        "reload": True,
        "hierarchy": {"root": "root_1", "structure": {
            "root_1": ["rootContainer_1"], "rootContainer_1": ["tabContainer_4", "topContainer_1", "bottomContainer_1"],
            "topContainer_1": ["searchConditions_2@4"],
            "bottomContainer_1": ["listHeader_1", *[f"listItem_{r['id']}" for r in rows], "pagination_1"]}},
        "data": data,
        "linkage": {"input": ["searchConditions_2@4"], "request": ["pagination_1"], "common": {"compress": False}},
        "endPoint": {"mode": "PC", "osVersion": "PC", "protocolVersion": "2.0", "ultronage": "true"},
    }


@bp.get("/dispute/sellerDisputeList.htm", host=REFUND)
@seller_view()
def seller_list():
    data = dispute_data(request.args)
    rows = [data["data"][key]["fields"] for key in data["hierarchy"]["structure"]["bottomContainer_1"]
            if key.startswith("listItem_")]
    return render_template("dispute_list.html", data_js=js_object_literal(data), rows=rows, shop=g.shop,
                           status_options=STATUS_OPTIONS, status=request.args.get("status", "-9999"),
                           page=data["data"]["pagination_1"]["fields"])


@bp.post("/dispute/adjust/adjustSellerList.json", host=REFUND)
@seller_view(json=True)
def seller_list_json():
    return jsonify({"success": True, "data": dispute_data(request.form)})


def refused_post(found: object, missing: tuple[str, str] = ("退款不存在", "没有找到这笔退款。")):
    """The answer to a POST on a refund page that may not go on: 403 without the page's token, 404 for a
    case (or order) not the session's (`missing`: that page's title and text). None when it may."""
    if not token_ok(request.form.get("_tb_token_")):
        return render_template("message.html", title="操作失败", css="error", text="非法请求，请刷新页面后重试"), 403
    return not_found(missing) if found is None else None


def not_found(missing: tuple[str, str] = ("退款不存在", "没有找到这笔退款。")):
    return render_template("message.html", title=missing[0], text=missing[1]), 404


def _own(dispute_id: str | None) -> Dispute | None:
    d = Dispute.get_or_none(Dispute.dispute_id == (dispute_id or ""))
    return d if d is not None and d.order.shop_id == g.shop.id else None


@bp.get("/dispute/detail.htm", host=REFUND)
@seller_view()
def detail():
    d = _own(request.args.get("disputeId"))
    if d is None:
        return not_found()
    can_agree = d.kind != "complaint" and d.status in (disputes.PENDING, disputes.WAIT_SELLER_RECEIVE)
    agree_text = "同意退货" if d.kind == "return_refund" and d.status == disputes.PENDING else "同意退款"
    return render_template("dispute_detail.html", d=d, row=_row(d)["fields"], session=g.session,
                           can_agree=can_agree, agree_text=agree_text, message=request.args.get("msg", ""),
                           trade=origin("trade.taobao.com"))


@bp.post("/dispute/agree.htm", host=REFUND)
@seller_view()
def agree():
    return _act(lambda d: disputes.agree(d, clock.now()))


@bp.post("/dispute/refuse.htm", host=REFUND)
@seller_view()
def refuse():
    return _act(lambda d: disputes.refuse(d, clock.now(), request.form.get("refuseReason", "")))


def _act(action):
    d = _own(request.form.get("disputeId"))
    if refused := refused_post(d):
        return refused
    try:
        action(d)
        message = f"操作成功，当前状态：{disputes.status_text(d)}"
    except disputes.DisputeError as exc:
        message = str(exc)
    return redirect(f"/dispute/detail.htm?disputeId={d.dispute_id}&msg={message}")
