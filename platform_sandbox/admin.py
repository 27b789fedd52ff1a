"""/__sandbox on any host: the control room (HTML for people, JSON for scripts).

Every POST accepts JSON (answered with JSON) or a form (answered with a redirect back to the
page and a message), so the page's buttons and the tests share one set of endpoints.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, jsonify, redirect, render_template, request

from . import accounts, buyer_control, control, couriers, purchases, scenarios, simulation
from .hosts import ADMIN_HOST, REAL_HOSTS, origin

bp = Blueprint("admin", __name__, url_prefix="/__sandbox")
BOOL_FIELDS = {"sms_on_new_device", "can_export", "can_ship", "risk_blocked", "multi", "paid"}
NUMBER_FIELDS = {"slider_chance", "decrypt_slider_chance", "orders_per_day", "minutes", "count", "days",
                 "decrypt_quota", "rate_limit_per_min", "risk_cooldown_minutes", "items"}


def _params() -> dict:
    """JSON body as is; form fields with numbers and check-boxes converted, blanks dropped."""
    if request.is_json:
        return dict(request.get_json())
    params = {}
    for key, value in request.form.items():
        if value == "":
            continue
        if key in BOOL_FIELDS:
            params[key] = value in ("1", "true", "on")
        elif key in NUMBER_FIELDS:
            params[key] = float(value) if "." in value else int(value)
        else:
            params[key] = value
    return params


def _reply(result: dict, message: str):
    if request.is_json:
        return jsonify(result)
    return redirect(f"/__sandbox?msg={quote(message)}")


def _fail(error: Exception):
    if request.is_json:
        return jsonify({"error": str(error)}), 400
    return redirect(f"/__sandbox?msg={quote('失败：' + str(error))}")


def _action(func, message):
    """Run ``func(params)``; domain errors become a 400 / an on-page message."""
    try:
        result = func(_params())
    except (LookupError, ValueError, TypeError, *purchases.ERRORS) as exc:
        return _fail(exc)
    return _reply(result, message(result) if callable(message) else message)


@bp.get("", host=ADMIN_HOST)
def page():
    port = request.environ["sandbox.port"]
    return render_template("admin.html", data=control.overview(), message=request.args.get("msg", ""),
                           scenarios=scenarios.names(), couriers=couriers.COURIERS,
                           origins={h: origin(h, port) for h in REAL_HOSTS}, platforms=accounts.PLATFORM_TEXT)


@bp.get("/state", host=ADMIN_HOST)
def state():
    return jsonify(control.overview())


@bp.get("/sms", host=ADMIN_HOST)
def sms_codes():
    return jsonify(control.overview()["sms"])


@bp.get("/orders/<tid>", host=ADMIN_HOST)
def order(tid: str):
    try:
        return jsonify(control.order_dict(control.order_by_tid(tid)))
    except LookupError as exc:
        return jsonify({"error": str(exc)}), 404


@bp.post("/advance", host=ADMIN_HOST)
def advance():
    return _action(lambda p: simulation.advance(float(p.get("minutes", 0))),
                   lambda r: f"时间已拨到 {r['now']}，处理了 {len(r['ran'])} 件事")


@bp.post("/scenario", host=ADMIN_HOST)
def scenario():
    def run(p: dict) -> dict:
        name = p.pop("name", "")
        return scenarios.run(name, **p)
    return _action(run, "场景已创建")


@bp.post("/sellers", host=ADMIN_HOST)
def add_seller():
    def add(p: dict) -> dict:
        account = accounts.add_seller(p.pop("login"), p.pop("password"), p.pop("platform", "taobao"), **p)
        return {"login": account.login, "shop": account.shop.name, "uid": account.uid}
    return _action(add, lambda r: f"已新增店铺账号 {r['login']}")


@bp.post("/buyers", host=ADMIN_HOST)
def add_buyer():
    def add(p: dict) -> dict:
        account = accounts.add_buyer(p.pop("platform"), p.pop("login"), p.pop("password"), **p)
        return {"login": account.login, "platform": account.platform, "uid": account.uid}
    return _action(add, lambda r: f"已新增采购账号 {r['login']}")


@bp.post("/buyer/order", host=ADMIN_HOST)
def buyer_order():
    def place(p: dict) -> dict:
        return control.order_dict(control.place_order(p["login"], multi=p.get("multi", False),
                                                      message=p.get("message", ""), paid=p.get("paid", True),
                                                      sku_ids=p.get("sku_ids")))
    return _action(place, lambda r: f"买家已下单 {r['tid']}（{r['status_text']}）")


@bp.post("/buyer/dispute", host=ADMIN_HOST)
def buyer_dispute():
    def open_(p: dict) -> dict:
        return control.dispute_dict(control.open_dispute(p["tid"], p.get("kind", "refund_only"), p.get("oid", ""),
                                                         p.get("reason", "")))
    return _action(open_, lambda r: f"买家已申请售后 {r['dispute_id']}（{r['status_text']}）")


@bp.post("/buyer/return", host=ADMIN_HOST)
def buyer_return():
    def send_back(p: dict) -> dict:
        return control.dispute_dict(control.return_goods(p["dispute_id"], p.get("courier_code", ""),
                                                         p.get("tracking_no", "")))
    return _action(send_back, lambda r: f"买家已退货 {r['return_courier']} {r['return_tracking_no']}")


@bp.get("/purchases", host=ADMIN_HOST)
def purchase_list():
    return jsonify(buyer_control.purchase_orders(request.args.get("platform"), request.args.get("login")))


@bp.get("/purchases/<order_id>", host=ADMIN_HOST)
def purchase(order_id: str):
    try:
        return jsonify(buyer_control.purchase_dict(buyer_control.purchase_by_id(order_id)))
    except LookupError as exc:
        return jsonify({"error": str(exc)}), 404


@bp.post("/purchases/buy", host=ADMIN_HOST)
def buy_purchase():
    """A purchase account buys without the pages (``Sandbox.buy`` over HTTP, for a test's other process)."""
    def place(p: dict) -> dict:
        order = buyer_control.buy(p.pop("platform"), p.pop("login"), p.pop("sku_id"), **p)
        return buyer_control.purchase_dict(order)
    return _action(place, lambda r: f"采购账号已下单 {r['order_id']}（{r['status_text']}）")


@bp.post("/purchases/pay", host=ADMIN_HOST)
def pay_purchase():
    def pay(p: dict) -> dict:
        return buyer_control.purchase_dict(buyer_control.pay(p["order_id"], p.get("method", "alipay")))
    return _action(pay, lambda r: f"已付款 {r['order_id']}")


@bp.post("/purchases/ship", host=ADMIN_HOST)
def ship_purchase():
    def ship(p: dict) -> dict:
        return buyer_control.purchase_dict(buyer_control.ship_now(p["order_id"], p.get("courier_code", ""), p.get("tracking_no", "")))
    return _action(ship, lambda r: f"上家已发货 {r['order_id']}：{r['shipments'][0]['courier_name']} {r['shipments'][0]['tracking_no']}")


@bp.post("/purchases/group", host=ADMIN_HOST)
def complete_group():
    return _action(lambda p: buyer_control.purchase_dict(buyer_control.complete_group(p["order_id"])),
                   lambda r: f"拼单已成团 {r['order_id']}（{r['status_text']}）")


@bp.post("/risk/lift", host=ADMIN_HOST)
def lift_risk():
    def lift(p: dict) -> dict:
        control.lift_risk(p["login"])
        return {"login": p["login"]}
    return _action(lift, lambda r: f"已解除 {r['login']} 的风控")
