"""修改运单号 (change the courier and number of a shipped parcel) on wuliu2, and the 百通 parcels of
the time the shop backend still took 百通 — what the manual's 百通一键替换极速 exists for.

Evidence: the official `taobao.logistics.consign.resend` (修改物流公司和运单号; bububa/opentaobao
`api/logistic/TaobaoLogisticsConsignResend.go`): only a shipped order; a 自己联系 (offline) parcel
only within 24 hours of its consign; the new number passes the same checks as a consign. The web
endpoint below is INVENTED (no capture of the seller pages' modify call was found): it follows the
JSON consign flow's conventions (wuliu2, ``_csrf`` mirrored in ``XSRF-TOKEN``, a ``params`` JSON):

  POST wuliu2.taobao.com/user/modify_consign.do  _csrf, params={tradeId, oldMailNo, mailNo, cpCode}
  -> {success: true, message: 恭喜您，操作成功} | {success: false, message: <the platform's text>}
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import Blueprint, g, jsonify, request

from . import clock, orders
from .auth import seller_view
from .couriers import BY_CODE
from .models import Order, OrderItem, Shipment
from .seller_wuliu import CONSIGN_OK, UUID, WULIU2

bp = Blueprint("seller_modify_consign", __name__)
MODIFY_HOURS = 24  # 自己联系的必须24小时内才可修改 (taobao.logistics.consign.resend)
SHIPPED = ("SELLER_CONSIGNED_PART", "WAIT_BUYER_CONFIRM_GOODS")


class ModifyError(Exception):
    """The platform's refusal, its text shown as is."""


def modify(order: Order, at: datetime, old_number: str, courier_code: str, tracking_no: str) -> Shipment:
    """Swap the courier and number of the parcel that carried ``old_number`` (the same sub-orders)."""
    if order.status not in SHIPPED:
        raise ModifyError("订单未发货，不能修改运单号")
    shipment = order.shipments.where(Shipment.tracking_no == old_number.strip().upper()).first()
    if shipment is None or shipment.dummy:
        raise ModifyError("原运单号不存在")
    if at - shipment.created_at > timedelta(hours=MODIFY_HOURS):
        raise ModifyError(f"发货已超过{MODIFY_HOURS}小时，不能修改运单号")
    courier = BY_CODE.get(courier_code)
    number = tracking_no.strip().upper()
    if courier is None or not courier.on_taobao:
        raise ModifyError("请选择物流公司")
    if not courier.accepts(number) or orders.tracking_used(number):
        raise ModifyError("运单号不符合规则或已经被使用")
    shipment.courier_code, shipment.tracking_no = courier.code, number
    shipment.save()
    return shipment


def baitong_parcel(order: Order, at: datetime, tracking_no: str) -> Shipment:
    """A 百通 parcel consigned when the backend still listed 百通 (the state 替换极速 starts from)."""
    if order.status not in orders.UNSHIPPED:
        raise ModifyError("当前订单状态不能发货")
    shipment = Shipment.create(order=order, courier_code="BTKD", tracking_no=tracking_no, created_at=at)
    OrderItem.update(shipment=shipment).where((OrderItem.order == order) & OrderItem.shipment.is_null(True)).execute()
    orders.refresh_status(order, at)
    return shipment


@bp.post("/user/modify_consign.do", host=WULIU2)
@seller_view(json=True)
def modify_consign():
    csrf = request.cookies.get("XSRF-TOKEN", "")
    if not UUID.match(csrf) or request.form.get("_csrf") != csrf:
        return jsonify({"success": False, "message": "非法请求，请刷新页面后重试"}), 403
    try:
        params = json.loads(request.form.get("params", ""))
        tid, old, number, code = (str(params[k]) for k in ("tradeId", "oldMailNo", "mailNo", "cpCode"))
    except (ValueError, KeyError, TypeError):
        return jsonify({"success": False, "message": "参数错误"})
    order = Order.get_or_none((Order.tid == tid) & (Order.shop == g.shop))
    if order is None:
        return jsonify({"success": False, "message": "订单不存在"})
    if not g.account.can_ship:
        return jsonify({"success": False, "message": "您没有发货权限，请联系主账号"})
    try:
        modify(order, clock.now(), old, code, number)
    except ModifyError as exc:
        return jsonify({"success": False, "message": str(exc)})
    return jsonify({"success": True, "message": CONSIGN_OK})
