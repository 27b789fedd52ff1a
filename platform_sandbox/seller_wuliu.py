"""wuliu.taobao.com / wuliu2.taobao.com: consign (legacy form and new JSON flow) and the
slider-guarded, quota-limited receiver decryption."""
from __future__ import annotations

import json
from datetime import timedelta

from flask import Blueprint, g, jsonify, render_template, request

from . import clock, ids, orders, people, slider
from .auth import seller_view, token_ok
from .couriers import TAOBAO_COURIERS
from .hosts import cookie_domain, origin, sandbox_host
from .ids import next_seq
from .models import Challenge, DecryptUse, Order, OrderItem

bp = Blueprint("seller_wuliu", __name__)
WULIU = sandbox_host("wuliu.taobao.com")
WULIU2 = sandbox_host("wuliu2.taobao.com")
CONSIGN_OK = "恭喜您，操作成功"
X5SEC_VALID = timedelta(minutes=30)  # a passed slider lets decrypt calls through for this long (sim time)


def _order(tid: str | None) -> Order | None:
    return Order.get_or_none((Order.tid == (tid or "")) & (Order.shop == g.shop))


def _can_ship() -> str:
    return "" if g.account.can_ship else "您没有发货权限，请联系主账号"


# --- legacy consign form -------------------------------------------------------------------

@bp.get("/user/consign.htm", host=WULIU)
@seller_view()
def consign_page():
    order = _order(request.args.get("trade_id"))
    if order is None:
        return render_template("message.html", title="操作失败", css="error", text="订单不存在"), 404
    pending = [i for i in order.items.order_by(OrderItem.id) if i.shipment is None and not orders.refunded(i)]
    return render_template("consign.html", order=order, pending=pending, couriers=TAOBAO_COURIERS, session=g.session,
                           masked=orders.masked_address(order), status_text=orders.STATUS_TEXT[order.status])


@bp.post("/user/consign.htm", host=WULIU)
@seller_view()
def consign_submit():
    form = request.form
    if not token_ok(form.get("_tb_token_")):
        return render_template("message.html", title="操作失败", css="error", text="非法请求，请刷新页面后重试"), 403
    order = _order(form.get("trade_id"))
    error = "订单不存在" if order is None else _can_ship()
    if not error:
        try:
            if form.get("event_submit_do_dummy") == "1":
                orders.consign(order, clock.now(), dummy=True, oids=form.getlist("subTradeIds"))
            elif form.get("event_submit_do_offline_consign") == "1":
                orders.consign(order, clock.now(), courier_code=form.get("companyCode", ""),
                               tracking_no=form.get("mailNo", ""), oids=form.getlist("subTradeIds"))
            else:
                error = "参数错误"
        except orders.ConsignError as exc:
            error = str(exc)
    if error:
        return render_template("message.html", title="发货失败", css="error", text=error,
                               back=f"/user/consign.htm?trade_id={form.get('trade_id', '')}")
    return render_template("message.html", title=CONSIGN_OK, css="ok", text=f"订单 {order.tid} 已发货。",
                           back=f"{origin('trade.taobao.com')}/trade/itemlist/list_sold_items.htm")


# --- new JSON consign ------------------------------------------------------------------------

@bp.get("/user/consign.do", host=WULIU2)
@seller_view(json=True)
def consign_info():
    order = _order(request.args.get("tradeId"))
    if order is None:
        return jsonify({"success": False, "message": "订单不存在"})
    block = {"tradeId": order.tid, "status": order.status, "statusText": orders.STATUS_TEXT[order.status],
             "receiver": orders.masked_address(order),
             "subOrders": [{"subOrderId": i.oid, "title": i.title, "quantity": i.quantity,
                            "consigned": i.shipment is not None, "refunded": orders.refunded(i)}
                           for i in order.items.order_by(OrderItem.id)]}
    response = jsonify({"success": True, "data": {
        "OrderBlock": block, "companies": [{"code": c.code, "name": c.name} for c in TAOBAO_COURIERS]}})
    if not request.cookies.get("XSRF-TOKEN"):
        response.set_cookie("XSRF-TOKEN", ids.token("xsrf", 36))  # host-only on wuliu2, as the real one
    return response


@bp.post("/user/do_consign.do", host=WULIU2)
@seller_view(json=True)
def do_consign():
    """``params`` = {mailType: OFFLINE, logisticInfo: {mode: 0 整单 | 1 拆单, data: [{mailInfo: {mailNo,
    cpCode, label}, subOrderIds: [...]}]}}. ``subOrderIds`` (split shipping) is a sandbox assumption."""
    csrf = request.cookies.get("XSRF-TOKEN")
    if not csrf or request.form.get("_csrf") != csrf:
        return jsonify({"success": False, "message": "非法请求，请刷新页面后重试"}), 403
    order = _order(request.form.get("tradeId"))
    if order is None:
        return jsonify({"success": False, "message": "订单不存在"})
    if _can_ship():
        return jsonify({"success": False, "message": _can_ship()})
    try:
        params = json.loads(request.form.get("params", ""))
        parcels = params["logisticInfo"]["data"]
        split = params["logisticInfo"].get("mode", 0) == 1
        mail_type = params.get("mailType", "OFFLINE")
    except (ValueError, KeyError, TypeError):
        return jsonify({"success": False, "message": "参数错误"})
    with Order._meta.database.atomic() as transaction:
        try:
            for parcel in parcels if mail_type == "OFFLINE" else [{}]:
                mail = parcel.get("mailInfo", {})
                orders.consign(order, clock.now(), courier_code=mail.get("cpCode", ""), tracking_no=mail.get("mailNo", ""),
                               oids=[str(o) for o in parcel.get("subOrderIds", [])] if split else None,
                               dummy=mail_type == "DUMMY")
        except orders.ConsignError as exc:
            transaction.rollback()
            return jsonify({"success": False, "message": str(exc)})
    return jsonify({"success": True, "message": CONSIGN_OK})


# --- receiver decryption ---------------------------------------------------------------------

@bp.get("/user/queryOrderList", host=WULIU2)
@seller_view(json=True)
def query_order_list():
    order = _order(request.args.get("tradeId"))
    rows = [] if order is None else [{"baseInfo": {"fields": [
        {"name": "物流订单号", "value": order.logistics_order_id},
        {"name": "交易订单号", "value": order.tid},
        {"name": "收件人", "value": orders.masked_address(order)}]}}]
    return jsonify({"success": True, "data": rows, "total": len(rows)})


def _slider_passed() -> bool:
    challenge = Challenge.get_or_none((Challenge.token == request.cookies.get("x5sec", "")) & (Challenge.purpose == "tmd"))
    return (challenge is not None and challenge.passed and challenge.account_id == g.account.id
            and challenge.created_at >= clock.now() - X5SEC_VALID)


@bp.get("/user/getRealReceiverInfo", host=WULIU2)
@seller_view(json=True)
def real_receiver():
    order = Order.get_or_none((Order.logistics_order_id == request.args.get("orderId", "")) & (Order.shop == g.shop))
    if order is None:
        return jsonify({"success": False, "message": "物流订单不存在"})
    now = clock.now()
    roll = clock.rng("decrypt-slider", g.shop.id, next_seq("decrypt-call")).random()
    if roll < g.shop.decrypt_slider_chance and not _slider_passed():
        challenge = slider.issue("tmd", now, g.account)
        return jsonify({"rgv587_flag": "sm", "url": f"{origin('wuliu2.taobao.com')}/user/getRealReceiverInfo"
                                                    f"/_____tmd_____/slide?x5secdata={challenge.token}&x5step=1"})
    today = DecryptUse.select().where((DecryptUse.shop == g.shop) & (DecryptUse.day == now.date()))
    if not today.where(DecryptUse.tid == order.tid).exists():
        if today.count() >= g.shop.decrypt_quota:
            # Sandbox assumption: code and text of the exhausted daily quota.
            return jsonify({"success": False, "errorCode": "DECRYPT_QUOTA_EXCEEDED",
                            "message": "今日查看收货人信息次数已达上限"})
        DecryptUse.create(shop=g.shop, day=now.date(), tid=order.tid)
    receiver = orders.receiver_dict(order)
    receiver["fullAddress"] = " ".join(receiver[k] for k in ("province", "city", "district", "town", "address"))
    return jsonify({"success": True, "data": receiver})


@bp.get("/<path:endpoint>/_____tmd_____/slide", host=WULIU2)
def tmd_slide(endpoint: str):
    challenge = Challenge.get_or_none(Challenge.token == request.args.get("x5secdata", ""))
    if challenge is None or challenge.purpose != "tmd":
        return render_template("message.html", title="验证已失效", text="请返回重试"), 404
    return render_template("tmd_slide.html", token=challenge.token, distance=slider.SLIDE_DISTANCE,
                           masked=people.mask_mobile(challenge.account.phone) if challenge.account else "")


@bp.post("/_____tmd_____/verify", host=WULIU2)
def tmd_verify():
    token = request.form.get("token", "")
    ok = slider.verify(token, request.form.get("track", ""))
    response = jsonify({"success": ok})
    if ok:
        response.set_cookie("x5sec", token, domain=cookie_domain("taobao.com"), httponly=True)
    return response
