"""wuliu.taobao.com / wuliu2.taobao.com: consign (legacy form and new JSON flow) and the
slider-guarded, quota-limited receiver decryption."""
from __future__ import annotations

import json
import re
import zlib
from datetime import timedelta

from flask import Blueprint, g, jsonify, render_template, request

from . import clock, orders, people, slider
from .auth import seller_view, token_ok
from .charset import decoded_form, gbk_page
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


# --- legacy consign form (GBK, as the real one: chan3256995/vueproject tbapi.js) ---------------

@bp.get("/user/consign.htm", host=WULIU)
@seller_view()
def consign_page():
    order = _order(request.args.get("trade_id"))
    if order is None:
        return gbk_page("message.html", 404, title="操作失败", css="error", text="订单不存在")
    pending = [i for i in order.items.order_by(OrderItem.id) if i.shipment is None and not orders.refunded(i)]
    return gbk_page("consign.html", order=order, pending=pending, couriers=TAOBAO_COURIERS, session=g.session,
                    masked=orders.masked_address(order), status_text=orders.STATUS_TEXT[order.status])


@bp.post("/user/consign.htm", host=WULIU)
@seller_view()
def consign_submit():
    form = decoded_form()  # the page is GBK, so is what its form posts
    if not token_ok(form.get("_tb_token_")):
        return gbk_page("message.html", 403, title="操作失败", css="error", text="非法请求，请刷新页面后重试")
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
        return gbk_page("message.html", title="发货失败", css="error", text=error,
                        back=f"/user/consign.htm?trade_id={form.get('trade_id', '')}")
    return gbk_page("message.html", title=CONSIGN_OK, css="ok", text=f"订单 {order.tid} 已发货。",
                    back=f"{origin('trade.taobao.com')}/trade/itemlist/list_sold_items.htm")


@bp.get("/user/batch_consign.htm", host=WULIU2)
@seller_view()
def batch_consign_page():
    """The wuliu2 home (批量发货), the page the JSON calls are made from (Referer of idx 40692112954)."""
    waiting = (Order.select().where((Order.shop == g.shop) & Order.status.in_(orders.UNSHIPPED))
               .order_by(Order.paid_at).limit(50))
    return render_template("batch_consign.html", orders=list(waiting), masked=orders.masked_address)


# --- new JSON consign (wuliu2; shape of idx 41177352066) ----------------------------------------

# children[0].info.fields[] by position, as the real clients read them (idx 41177352066). The names
# at 6, 8 and 12 are not read by any client found: sandbox assumptions.
RECEIVER_FIELDS = ("receiverDisplayAddress", "receiverMobilePhone", "receiverProvince", "receiverDetailAddress",
                   "receiverCity", "receiverCountryId", "receiverCountry", "receiverDivisionId", "receiverTelePhone",
                   "receiverZipCode", "receiverContactName", "receiverDistrict", "receiverTownId", "receiverTown")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def _receiver_fields(order: Order) -> list[dict]:
    region = f"{order.receiver_province}{order.receiver_city}{order.receiver_district}".encode()
    division = str(zlib.crc32(region) % 900000 + 100000)
    values = {
        "receiverDisplayAddress": orders.masked_address(order),
        "receiverMobilePhone": people.mask_mobile(order.receiver_mobile),
        "receiverProvince": order.receiver_province, "receiverDetailAddress": "****",
        "receiverCity": order.receiver_city, "receiverCountryId": "1", "receiverCountry": "中国",
        "receiverDivisionId": division, "receiverTelePhone": "", "receiverZipCode": order.receiver_zip,
        "receiverContactName": people.mask_name(order.receiver_name), "receiverDistrict": order.receiver_district,
        "receiverTownId": "", "receiverTown": order.receiver_town,
    }
    return [{"name": name, "value": values[name]} for name in RECEIVER_FIELDS]


def _contact_ids() -> tuple[str, str]:
    """The shop's 发货地址 / 退货地址 contact ids (stable per shop)."""
    base = int(g.shop.seller_uid) % 10**9
    return str(base * 10 + 1), str(base * 10 + 2)


def _children(order: Order) -> list[dict]:
    """One child per sub-order still to ship. ``subOrderId`` / ``itemTitle`` / ``quantity`` are sandbox
    assumptions (the clients found pass the children back whole as ``selectedItemList``)."""
    info = {"fields": _receiver_fields(order)}
    return [{"id": f"item_{i.oid}", "subOrderId": i.oid, "itemTitle": i.title, "quantity": i.quantity, "info": info}
            for i in order.items.order_by(OrderItem.id) if i.shipment is None and not orders.refunded(i)]


@bp.get("/user/consign.do", host=WULIU2)
@seller_view(json=True)
def consign_info():
    if g.shop.legacy_consign_only:
        return render_template("message.html", title="页面不存在", text="您访问的页面不存在"), 404
    order = _order(request.args.get("tradeId"))
    if order is None:
        return jsonify({"success": False, "message": "订单不存在"})
    if _can_ship():  # a sub-account without 发货 permission fails here: the manual's 获取发货相关信息失败
        return jsonify({"success": False, "message": _can_ship()})
    if order.status not in orders.UNSHIPPED:
        return jsonify({"success": False, "message": "当前订单状态不能发货"})
    fetcher, refunder = _contact_ids()
    data = {
        "OrderBlock": {"fields": {"dataSource": [{
            "baseInfo": {"fields": [{"name": "orderId", "value": order.logistics_order_id},
                                    {"name": "tradeId", "value": order.tid}]},
            "children": _children(order)}]}},
        "ContactsBlock": {"fields": {"dataSource": [{"fields": [{"name": "fetcherContactId", "value": fetcher}]},
                                                    {"fields": [{"name": "refunderContactId", "value": refunder}]}]}},
        "LogisticsBlock": {"fields": {"companies": [{"code": c.code, "name": c.name} for c in TAOBAO_COURIERS]}},
    }
    return jsonify({"success": True, "data": data})


@bp.post("/user/do_consign.do", host=WULIU2)
@seller_view(json=True)
def do_consign():
    """``_csrf`` is a UUID the client makes and mirrors into the ``XSRF-TOKEN`` cookie; ``params`` (JSON)
    carries ``orderId`` (the logistics order), the receiver fields, ``selectedItemList`` (the
    children to ship: all of them, or some for a split parcel), ``fetcherContactId`` /
    ``refunderContactId``, ``mailType`` OFFLINE | DUMMY, ``logisticInfo{mode:0, data:[{mailInfo{mailNo,
    cpCode, label}}]}`` and ``hasChangeDeliver``."""
    csrf = request.cookies.get("XSRF-TOKEN", "")
    if not UUID.match(csrf) or request.form.get("_csrf") != csrf:
        return jsonify({"success": False, "message": "非法请求，请刷新页面后重试"}), 403
    try:
        params = json.loads(request.form.get("params", ""))
        order_id = str(params["orderId"])
        selected = [str(child["subOrderId"]) for child in params["selectedItemList"]]
        contacts = (str(params["fetcherContactId"]), str(params["refunderContactId"]))
        mail_type = params["mailType"]
        mail = params["logisticInfo"]["data"][0]["mailInfo"] if mail_type == "OFFLINE" else {}
        params["hasChangeDeliver"]  # noqa: B018 - required, as every client found sends it
    except (ValueError, KeyError, TypeError, IndexError):
        return jsonify({"success": False, "message": "参数错误"})
    order = Order.get_or_none((Order.logistics_order_id == order_id) & (Order.shop == g.shop))
    if order is None:
        return jsonify({"success": False, "message": "订单不存在"})
    if _can_ship():
        return jsonify({"success": False, "message": _can_ship()})
    if contacts != _contact_ids():
        return jsonify({"success": False, "message": "发货地址或退货地址不存在，请刷新页面后重试"})
    pending = {c["subOrderId"] for c in _children(order)}
    if not selected or not set(selected) <= pending:
        return jsonify({"success": False, "message": "子订单不存在或已发货"})
    try:
        orders.consign(order, clock.now(), courier_code=mail.get("cpCode", ""), tracking_no=mail.get("mailNo", ""),
                       oids=None if set(selected) == pending else selected, dummy=mail_type == "DUMMY")
    except orders.ConsignError as exc:
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
