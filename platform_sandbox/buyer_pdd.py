"""拼多多 pages as a purchase account sees them (mobile web; any user agent is served), on both
mobile.yangkeduo.com and mobile.pinduoduo.com (a session is its host's, pdd_login): goods.html
with 单独购买 / 发起拼单, order_checkout.html (``sku_id`` + ``goods_id`` are enough, idx 58533395449;
单独购买 / 拼单 is chosen on the page, address, 留言, shop coupon, 云闪付 / 支付宝 / 微信 /
支付宝账号密码; on some goods a platform coupon already applied, 退货包运费, and the 省钱月卡 upsell
ticked in advance: purchases.checkout_offers), 立即支付 creating a 待支付 order and the pay step after it, order.html with
logistics and 取消订单 / 申请退款 / 退货, orders.html?type= (0 all, 1 待付款, 3 待收货 as in idx
58533395449; 2 待发货 is a sandbox choice).

A 发起拼单 order reads 待分享 until the simulation fills the group, then 待发货. A risk-controlled
account (``risk_blocked``) sees "原商品已售罄，为你推荐相似商品" instead of the goods, and the checkout
sends it to psnl_verification.html (a checkout posted anyway, or a coupon taken, answers 系统繁忙).
立即支付 only creates the order (待支付); paying is a
second step on pay.html whatever the method ("此点击会创建待付款订单，不等于完成付款"): 云闪付 / 支付宝 /
微信 need a confirmation in the wallet app (the pay page's 确认支付 stands in for it), 支付宝账号密码
is typed there (the account's ``alipay_account`` and ``pay_password``). Sandbox assumptions: the
form POSTs of checkout, pay and order actions; ``groupTypes`` ids ``<goods_id>1`` (单独购买) /
``<goods_id>2`` (2人团); a checkout opened without ``group_id`` starts on 发起拼单.
"""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request

from . import clock, orders, purchases, storefront
from .hosts import page_url
from .models import Item, Order, Shop, Sku
from .pdd_api import order_both, order_raw
from .pdd_login import BUSY, pdd_api, pdd_page, route
from .trade_json import js_assign, js_object_literal

bp = Blueprint("buyer_pdd", __name__)
PAY_APPS = ("wechat", "alipay", "unionpay", "alipay_password")
LIST_TYPES = {"1": (purchases.UNPAID,), "2": (purchases.UNSHIPPED,), "3": (purchases.SHIPPED,)}  # else all


def _goods(goods_id: str | None) -> Item | None:
    return (Item.select(Item, Shop).join(Shop)
            .where((Item.item_id == (goods_id or "")) & (Shop.kind == "supplier") & (Shop.platform == "pdd")).first())


def group_types(item: Item) -> list[dict]:
    return [{"groupID": f"{item.item_id}1", "requireNum": "1"}, {"groupID": f"{item.item_id}2", "requireNum": "2"}]


@route(bp, "/goods.html")
@pdd_page
def goods():
    item = _goods(request.args.get("goods_id"))
    if item is None:
        return render_template("message.html", title="商品不存在", text="商品已下架"), 404
    if g.account.risk_blocked:
        similar = Item.select().join(Shop).where((Shop.platform == "pdd") & (Shop.kind == "supplier")
                                                 & (Item.id != item.id)).order_by(Item.id).limit(4)
        return render_template("pdd_sold_out.html", similar=similar)
    panel = storefront.sku_panel(item)
    single, group = (t["groupID"] for t in group_types(item))
    href = f"/order_checkout.html?sku_id=__SKU__&group_id={{}}&goods_id={item.item_id}&goods_number=__QTY__"
    return render_template(
        "item.html", base="pdd_base.html", brand="拼多多", item=item, panel=panel, panel_id="sku-selector",
        qty_id="goods-number", price_text=f"¥{orders.yuan(min(s['groupPrice'] for s in panel['skus']))}起",
        coupon=purchases.coupon_text(item.shop), sold_out=not any(s["stock"] for s in panel["skus"]),
        buttons=[{"id": "single-buy", "text": "单独购买", "href": href.format(single), "cls": "plain",
                  "price": f"¥{orders.yuan(min(s['price'] for s in panel['skus']))}"},
                 {"id": "group-buy", "text": "发起拼单", "href": href.format(group),
                  "price": f"¥{orders.yuan(min(s['groupPrice'] for s in panel['skus']))}"}],
        script=js_assign("window.rawData", js_object_literal(_raw_goods(item, panel))))


def _raw_goods(item: Item, panel: dict) -> dict:
    """``window.rawData.store.initDataObj``: the goods with SKUs (fen prices) and the mall."""
    skus = [{"skuId": s["skuId"], "normalPrice": s["price"], "groupPrice": s["groupPrice"], "quantity": s["stock"],
             "isOnSale": 1, "specs": [{"spec_key": p["name"], "spec_value": p["value"]} for p in s["props"]]}
            for s in panel["skus"]]
    return {"store": {"initDataObj": {
        "goods": {"goodsID": item.item_id, "goodsName": item.title, "hdThumbUrl": item.pic, "skus": skus,
                  "minNormalPrice": min(s["normalPrice"] for s in skus), "minGroupPrice": min(s["groupPrice"] for s in skus),
                  "groupTypes": group_types(item)},
        "mall": {"mallID": item.shop.seller_uid, "mallName": item.shop.name}}}}


# --- checkout ----------------------------------------------------------------------------------

def _checkout_line() -> tuple[Sku, int, bool]:
    """(SKU, quantity, 拼单?) from ``sku_id`` and ``goods_id`` in the query, ``group_id`` (the
    form's choice, else the query's, else 发起拼单) and ``goods_number`` (the form's, else the
    query's, else 1)."""
    item = _goods(request.args.get("goods_id"))
    sku = storefront.sku_of(item, request.args.get("sku_id")) if item else None
    if sku is None:
        abort(404)
    types = {t["groupID"]: t["requireNum"] for t in group_types(item)}
    group_id = request.form.get("group_id") or request.args.get("group_id") or group_types(item)[1]["groupID"]
    if group_id not in types:
        abort(404)
    quantity = storefront.quantity(request.form.get("goods_number") or request.args.get("goods_number"))
    return sku, quantity, types[group_id] != "1"


def _checkout_page(sku: Sku, quantity: int, group: bool, values: dict, errors: dict, status: int = 200):
    threshold, amount = purchases.coupon_of(sku.item.shop)
    single, pair = group_types(sku.item)
    return render_template(
        "pdd_checkout.html", sku=sku, item=sku.item, quantity=quantity, group=group, yuan=orders.yuan,
        buy_types=[(single["groupID"], "单独购买", sku.price_fen, not group),
                   (pair["groupID"], "发起拼单", purchases.group_price_fen(sku), group)],
        values=values, errors=errors, pay_apps=[(a, purchases.PAY_METHODS[a]) for a in PAY_APPS],
        pay_app=values.get("pay_app", "wechat"), coupon_text=purchases.coupon_text(sku.item.shop),
        coupon_amount=amount, coupon_threshold=max(threshold, amount),
        coupon_claimed=purchases.claimed_coupon(g.account, sku.item.shop) is not None,
        offers=purchases.checkout_offers(sku.item), card_fen=purchases.MONEY_CARD_FEN,
        card_off_fen=purchases.MONEY_CARD_OFF_FEN,
        query=request.query_string.decode(), memo_limit=purchases.MEMO_LIMIT), status


@route(bp, "/order_checkout.html")
@pdd_page
def checkout():
    if g.account.risk_blocked:
        return redirect("/psnl_verification.html?from=order_checkout")
    sku, quantity, group = _checkout_line()
    return _checkout_page(sku, quantity, group, storefront.default_address(g.account), {})


@route(bp, "/order_checkout.html", ("POST",))
@pdd_page
def submit_checkout():
    """立即支付: creates the order 待支付 and sends the buyer to pay for it (never pays here)."""
    sku, quantity, group = _checkout_line()
    form = request.form
    values = {**storefront.form_values(form), "memo": form.get("memo", ""), "pay_app": form.get("pay_app", "")}
    receiver, errors = purchases.receiver_from(form)
    if form.get("pay_app") not in PAY_APPS:
        errors["pay_app"] = "请选择支付方式"
    if errors:
        return _checkout_page(sku, quantity, group, values, errors, 400)
    try:
        order = purchases.place(g.account, [(sku, quantity)], receiver, clock.now(), memo=values["memo"], group=group,
                                use_coupon=form.get("useCoupon") == "1", platform_coupon=form.get("platformCoupon") == "1",
                                money_card=form.get("moneyCard") == "1", pay_method=form["pay_app"])
    except purchases.PurchaseError as exc:
        return _checkout_page(sku, quantity, group, values, {"form": str(exc)}, 400)
    storefront.remember_address(g.account, receiver)
    return redirect(_pay_url(order))


@route(bp, "/proxy/api/coupon/take", ("POST",))
@pdd_api
def take_coupon():
    if g.account.risk_blocked:
        return jsonify(BUSY), 403
    item = _goods(str((request.get_json(silent=True) or {}).get("goods_id", "")))
    if item is None:
        return jsonify({"error_code": 40000, "error_msg": "优惠券不存在"}), 400
    purchases.claim_coupon(g.account, item.shop, clock.now())
    return jsonify({"success": True, "message": f"领取成功：{purchases.coupon_text(item.shop)}"})


# --- paying --------------------------------------------------------------------------------------

def _pay_url(order: Order, message: str = "") -> str:
    return f"/pay.html?order_sn={order.tid}&pay_app={order.pay_method}" + (f"&msg={quote(message)}" if message else "")


def _order_url(order: Order, message: str = "") -> str:
    return f"/order.html?order_sn={order.tid}" + (f"&msg={quote(message)}" if message else "")


def _pay_with_password(order: Order, alipay_account: str, password: str):
    account = order.buyer_account
    if not account.pay_password or (alipay_account.strip(), password) != (account.alipay_account, account.pay_password):
        return redirect(_pay_url(order, "支付宝账号或支付密码错误"))
    purchases.pay(order, clock.now(), "alipay_password")
    return redirect(_order_url(order, "支付成功"))


@route(bp, "/pay.html")
@pdd_page
def pay_page():
    order = storefront.own_or_404(g.account, request.args.get("order_sn"))
    if purchases.state(order) != purchases.UNPAID:
        return redirect(_order_url(order))
    pay_app = request.args.get("pay_app") if request.args.get("pay_app") in PAY_APPS else "wechat"
    return render_template("pdd_pay.html", order=order, pay_app=pay_app, method=purchases.PAY_METHODS[pay_app],
                           amount=orders.yuan(orders.paid_fen(order)), error=request.args.get("msg", ""))


@route(bp, "/pay.html", ("POST",))
@pdd_page
def pay():
    order = storefront.own_or_404(g.account, request.form.get("order_sn"))
    if purchases.state(order) != purchases.UNPAID:
        return redirect(_order_url(order))
    pay_app = request.form.get("pay_app", "")
    if pay_app == "alipay_password":
        return _pay_with_password(order, request.form.get("alipay_account", ""), request.form.get("alipay_password", ""))
    if pay_app not in PAY_APPS:
        abort(400)
    purchases.pay(order, clock.now(), pay_app)  # the wallet app confirmed
    return redirect(_order_url(order, "支付成功"))


# --- orders --------------------------------------------------------------------------------------

def detail_url(order: Order) -> str:
    """On the host the page was asked on (a session belongs to one PDD host)."""
    return page_url(f"https://{request.host}/order.html?order_sn={order.tid}")


@route(bp, "/order.html")
@pdd_page
def order_detail():
    order = storefront.own_or_404(g.account, request.args.get("order_sn"))
    view = storefront.purchase_view(order, clock.now())
    return render_template("purchase_detail.html", base="pdd_base.html", brand="拼多多", **view,
                           message=request.args.get("msg", ""), action_url="/order_action.html", csrf=None,
                           pay_url=_pay_url(order) if view["state"] == purchases.UNPAID else "",
                           script=js_assign("window.rawData", js_object_literal(order_raw(order))))


@route(bp, "/order_action.html", ("POST",))
@pdd_page
def order_action():
    order = storefront.own_or_404(g.account, request.form.get("orderId"))
    return storefront.order_action(order, request.form, _order_url(order))


@route(bp, "/orders.html")
@pdd_page
def order_list():
    """``type`` 1 待付款 / 2 待发货 / 3 待收货, else all; ``window.rawData.ordersStore.orders[]`` carries
    each order in both spellings (pdd_api.order_both)."""
    wanted = LIST_TYPES.get(request.args.get("type", ""))
    rows = [o for o in purchases.account_purchases(g.account) if wanted is None or purchases.state(o) in wanted]
    return render_template("purchase_list.html", base="pdd_base.html", brand="拼多多", title="我的订单", tabs=(),
                           rows=storefront.list_rows(rows, detail_url), page=None,
                           script=js_assign("window.rawData", js_object_literal(
                               {"ordersStore": {"orders": [order_both(o) for o in rows]}})))
