"""淘宝 / 天猫 / 淘特 refunds as a purchase account makes them on refund2.taobao.com.

Evidenced (FIDELITY.md, idx 56717881555 / 39728644291): ``applyRouter.htm?bizOrderId=<sub-order>``
and ``dispute/apply.htm?bizOrderId=&type=1``, a React form whose 退款原因 is a ``.mod-select-pc``
(``.select-title``, ``.selected-wrap`` opening ``.options-item``s), the amount in
``#applyRefundFeeInput_1-input`` and 提交 as ``#submitButtonContainer_1 .button-item`` (``disabled``
until a reason is chosen). Invented (sandbox assumptions): ``type=3`` for 退货退款, the form post
the page's script makes, the buyer's list ``buyerDisputeList.htm`` (the seller list's Ultron
``disputeData`` shape, filtered to the buyer), the buyer's case page ``buyerDetail.htm`` with the
supplier's 退货地址 and the 填写退货单号 form.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, g, redirect, render_template, request

from . import clock, disputes, orders, purchases, storefront, supply
from .auth import buyer_view
from .couriers import BY_CODE
from .hosts import sandbox_host
from .models import Dispute, Order, OrderItem
from .seller_refund import STATUS_OPTIONS, dispute_data, not_found, refused_post
from .trade_json import js_object_literal

bp = Blueprint("buyer_refunds", __name__)
REFUND = sandbox_host("refund2.taobao.com")
APPLY_TYPES = {"1": "refund_only", "3": "return_refund"}


def _own_item(sub_order_id: str | None) -> OrderItem | None:
    return (OrderItem.select().join(Order)
            .where((OrderItem.oid == (sub_order_id or "")) & (Order.buyer_account == g.account)).first())


def _own_dispute(dispute_id: str | None) -> Dispute | None:
    return (Dispute.select().join(Order)
            .where((Dispute.dispute_id == (dispute_id or "")) & (Order.buyer_account == g.account)).first())


def _open_of(item: OrderItem) -> Dispute | None:
    return item.disputes.where(Dispute.status.in_(disputes.OPEN) & (Dispute.kind != "complaint")).first()


def _case_url(d: Dispute, message: str = "") -> str:
    return f"/dispute/buyerDetail.htm?disputeId={d.dispute_id}" + (f"&msg={quote(message)}" if message else "")


NOT_FOUND = ("订单不存在", "没有找到这笔订单。")


def _not_found():
    return not_found(NOT_FOUND)


@bp.get("/dispute/applyRouter.htm", host=REFUND)
@buyer_view()
def apply_router():
    """选择服务类型: 仅退款, or 退货退款 once shipped; a sub-order with an open refund goes to it."""
    item = _own_item(request.args.get("bizOrderId"))
    if item is None:
        return _not_found()
    open_case = _open_of(item)
    if open_case is not None:
        return redirect(_case_url(open_case))
    shipped = item.shipment is not None
    return render_template("refund_router.html", item=item, shipped=shipped,
                           refundable=purchases.state(item.order) in (purchases.UNSHIPPED, purchases.GROUPING,
                                                                      purchases.SHIPPED) and not orders.refunded(item))


def _apply_page(item: OrderItem, refund_type: str, error: str = "", status: int = 200, fee: str = ""):
    kind = APPLY_TYPES[refund_type]
    return render_template("refund_apply.html", item=item, type=refund_type, kind_text=disputes.KIND_TEXT[kind],
                           reasons=disputes.REASONS[kind], max_fee=orders.yuan(item.total_fen),
                           fee=fee or orders.yuan(item.total_fen), error=error, token=g.session.tb_token), status


@bp.get("/dispute/apply.htm", host=REFUND)
@buyer_view()
def apply_form():
    item = _own_item(request.args.get("bizOrderId"))
    refund_type = request.args.get("type", "1")
    if item is None or refund_type not in APPLY_TYPES:
        return _not_found()
    open_case = _open_of(item)
    return redirect(_case_url(open_case)) if open_case is not None else _apply_page(item, refund_type)


@bp.post("/dispute/apply.htm", host=REFUND)
@buyer_view()
def apply_submit():
    item = _own_item(request.form.get("bizOrderId"))
    refund_type = request.form.get("type", "1")
    if refused := refused_post(item if refund_type in APPLY_TYPES else None, NOT_FOUND):
        return refused
    kind, reason, fee = APPLY_TYPES[refund_type], request.form.get("reason", ""), request.form.get("refundFee", "")
    try:
        if reason not in disputes.REASONS[kind]:
            raise purchases.PurchaseError("请选择退款原因")
        amount = storefront.refund_fee(fee)
        dispute = purchases.apply_refund(item, kind, reason, clock.now(), item.total_fen if amount is None else amount)
    except purchases.ERRORS as exc:
        return _apply_page(item, refund_type, str(exc), 400, fee)
    return redirect(_case_url(dispute, "退款申请已提交，等待卖家处理"))


@bp.get("/dispute/buyerDisputeList.htm", host=REFUND)
@buyer_view()
def buyer_list():
    data = dispute_data(request.args, Order.buyer_account == g.account, "buyerDetail.htm")
    rows = [data["data"][key]["fields"] for key in data["hierarchy"]["structure"]["bottomContainer_1"]
            if key.startswith("listItem_")]
    return render_template("dispute_list.html", data_js=js_object_literal(data), rows=rows, shop=None,
                           status_options=STATUS_OPTIONS, status=request.args.get("status", "-9999"),
                           page=data["data"]["pagination_1"]["fields"])


@bp.get("/dispute/buyerDetail.htm", host=REFUND)
@buyer_view()
def buyer_detail():
    d = _own_dispute(request.args.get("disputeId"))
    if d is None:
        return not_found()
    return render_template("refund_buyer_detail.html", d=d, status_text=disputes.status_text(d),
                           kind_text=disputes.KIND_TEXT[d.kind], fee=orders.yuan(d.amount_fen),
                           address=supply.return_address(d), couriers=list(BY_CODE.values()),
                           courier=BY_CODE[d.return_courier].name if d.return_courier else "",
                           can_return=d.status == disputes.WAIT_BUYER_RETURN, token=g.session.tb_token,
                           message=request.args.get("msg", ""), error=request.args.get("error", ""))


@bp.post("/dispute/fillReturnLogistics.htm", host=REFUND)
@buyer_view()
def fill_return():
    d = _own_dispute(request.form.get("disputeId"))
    if refused := refused_post(d):
        return refused
    try:
        purchases.fill_return(d, request.form.get("companyCode", ""), request.form.get("mailNo", ""), clock.now())
    except purchases.ERRORS as exc:
        return redirect(f"/dispute/buyerDetail.htm?disputeId={d.dispute_id}&error={quote(str(exc))}")
    return redirect(_case_url(d, "退货单号已提交，等待卖家收货"))
