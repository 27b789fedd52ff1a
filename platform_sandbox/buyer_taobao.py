"""淘宝 / 天猫 / 淘特 as a purchase account sees them: 我的淘宝, item pages with the SKU panel,
the buy_now confirm page (address, 买家留言, 运费险, shop coupon), 已买到的宝贝 (page, asyncBought,
mtop queryboughtlistv2), order detail with 取消订单 / 申请退款 / 退货, and transit_step.do.

天猫 items live on detail.tmall.com but are bought through buy.taobao.com like 淘宝 ones
(sandbox simplification: the real 天猫 confirm page is buy.tmall.com).
"""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, redirect, render_template, request

from . import cashier, clock, mtop, orders, purchases, storefront
from .auth import buyer_view, token_ok
from .hosts import origin, page_url, sandbox_host
from .models import Item, Shop, Sku
from .taobao_bought import TABS, async_bought, detail_url, main_order, page_of, transit_step, v2_nodes
from .trade_json import js_assign, js_json_parse_call, js_object_literal, taobao_detail

bp = Blueprint("buyer_taobao", __name__)
I_TAOBAO = sandbox_host("i.taobao.com")
BUY = sandbox_host("buy.taobao.com")
BUYERTRADE = sandbox_host("buyertrade.taobao.com")
ITEM_HOSTS = {sandbox_host("item.taobao.com"): ("taobao", "taote"), sandbox_host("detail.tmall.com"): ("tmall",)}
TAB_TEXT = (("all", "所有订单"), ("waitPay", "待付款"), ("waitSend", "待发货"), ("waitConfirm", "待收货"),
            ("waitRate", "待评价"))
BRAND = "淘宝网"


def supplier_item(item_id: str | None) -> Item | None:
    return (Item.select(Item, Shop).join(Shop)
            .where((Item.item_id == (item_id or "")) & (Shop.kind == "supplier")).first())


@bp.get("/my_taobao.htm", host=I_TAOBAO)
@buyer_view()
def my_taobao():
    counts: dict[str, int] = {}
    for order in purchases.account_purchases(g.account):
        text = purchases.status_text(order)
        counts[text] = counts.get(text, 0) + 1
    return render_template("buyer_home.html", account=g.account, counts=counts,
                           bought=origin("buyertrade.taobao.com") + "/trade/itemlist/list_bought_items.htm")


def item_page():
    item = supplier_item(request.args.get("id"))
    if item is None or item.shop.platform not in ("taobao", "tmall", "taote"):
        return render_template("message.html", title="宝贝不存在", text="很抱歉，您查看的宝贝不存在，可能已下架或者被转移。"), 404
    if item.shop.platform not in ITEM_HOSTS[request.host]:
        return redirect(f"http:{page_url(item.url)}")  # a 天猫 item asked on item.taobao.com, or the reverse
    panel = storefront.sku_panel(item)
    buy_param = "_".join((item.item_id, "__QTY__", "__SKU__"))  # <itemId>_<quantity>_<skuId>
    buy_url = f"{origin('buy.taobao.com')}/auction/buy_now.jhtml?buy_param={buy_param}"
    return render_template(
        "item.html", brand="天猫" if item.shop.platform == "tmall" else BRAND, item=item, panel=panel,
        panel_id="J_SkuPanel", qty_id="J_IptAmount", price_text=f"¥{orders.yuan(item.price_fen)}",
        coupon=purchases.coupon_text(item.shop), sold_out=not any(s["stock"] for s in panel["skus"]),
        buttons=[{"id": "J_LinkBuy", "text": "立即购买", "href": buy_url}], script=_item_script(item, panel))


for _n, _host in enumerate(ITEM_HOSTS):
    bp.add_url_rule("/item.htm", f"item_{_n}", item_page, host=_host)


def _item_script(item: Item, panel: dict):
    """The page's item data in the modern detail shape (skuBase / skuCore.sku2info), yuan prices."""
    data = {
        "item": {"itemId": item.item_id, "title": item.title, "sellerId": item.shop.seller_uid,
                 "shopName": item.shop.name},
        "skuBase": {"props": [{"pid": d["pid"], "name": d["name"], "values": [{"vid": v["vid"], "name": v["name"]}
                                                                             for v in d["values"]]}
                              for d in panel["dims"]],
                    "skus": [{"propPath": s["path"], "skuId": s["skuId"]} for s in panel["skus"]]},
        "skuCore": {"sku2info": {s["skuId"]: {"price": {"priceText": orders.yuan(s["price"])}, "quantity": s["stock"]}
                                 for s in panel["skus"]}},
    }
    return js_assign("window.__DETAIL_DATA__", js_object_literal(data))


# --- confirm order -----------------------------------------------------------------------------

def _line() -> tuple[Sku, int]:
    """``buy_param`` = ``<itemId>_<quantity>_<skuId>``."""
    item_id, _, rest = request.values.get("buy_param", "").partition("_")
    quantity, _, sku_id = rest.partition("_")
    item = supplier_item(item_id)
    sku = storefront.sku_of(item, sku_id) if item else None
    if sku is None:
        abort(404)
    return sku, storefront.quantity(quantity)


def _confirm_page(sku: Sku, quantity: int, values: dict, errors: dict, status: int = 200):
    shop = sku.item.shop
    threshold, amount = purchases.coupon_of(shop)
    subtotal = sku.price_fen * quantity
    return render_template(
        "buy_now.html", sku=sku, item=sku.item, quantity=quantity, subtotal=subtotal, values=values, errors=errors,
        yuan=orders.yuan, coupon_text=purchases.coupon_text(shop), coupon_amount=amount,
        coupon_claimed=purchases.claimed_coupon(g.account, shop) is not None,
        coupon_usable=subtotal >= max(threshold, amount), insurance_fen=purchases.FREIGHT_INSURANCE_FEN,
        post_fee=purchases.carriage_fen(shop), session=g.session, buy_param=request.values.get("buy_param", ""),
        memo_limit=purchases.MEMO_LIMIT), status


@bp.get("/auction/buy_now.jhtml", host=BUY)
@buyer_view()
def buy_now():
    sku, quantity = _line()
    return _confirm_page(sku, quantity, storefront.default_address(g.account), {})


@bp.post("/auction/order/confirm_order.htm", host=BUY)
@buyer_view()
def confirm_order():
    if not token_ok(request.form.get("_tb_token_")):
        return render_template("message.html", title="操作失败", css="error", text="非法请求，请刷新页面后重试"), 403
    sku, quantity = _line()
    values = {**storefront.form_values(request.form), "memo": request.form.get("memo", "")}
    receiver, errors = purchases.receiver_from(request.form)
    if receiver is None:
        return _confirm_page(sku, quantity, values, errors, 400)
    try:
        order = purchases.place(g.account, [(sku, quantity)], receiver, clock.now(), memo=values["memo"],
                                use_coupon=request.form.get("useCoupon") == "1",
                                insurance=request.form.get("insurance") == "1")
    except purchases.PurchaseError as exc:
        return _confirm_page(sku, quantity, values, {"form": str(exc)}, 400)
    storefront.remember_address(g.account, receiver)
    return redirect(cashier.pay_url(g.account, order, _detail_href(order.tid)))


@bp.post("/auction/json/claim_coupon.do", host=BUY)
@buyer_view(json=True)
def claim_coupon():
    item = supplier_item(request.form.get("itemId"))
    if item is None or not token_ok(request.form.get("_tb_token_")):
        return jsonify({"success": False, "message": "领取失败"})
    purchases.claim_coupon(g.account, item.shop, clock.now())
    return jsonify({"success": True, "message": f"领取成功：{purchases.coupon_text(item.shop)}"})


# --- 已买到的宝贝 -------------------------------------------------------------------------------

def _detail_href(tid: str) -> str:
    return f"{origin('buyertrade.taobao.com')}/trade/detail/trade_item_detail.htm?bizOrderId={tid}"


def _int(name: str, values, default: int) -> int:
    try:
        return int(values.get(name) or default)
    except ValueError:
        return default


@bp.get("/trade/itemlist/list_bought_items.htm", host=BUYERTRADE)
@buyer_view()
def bought_list():
    tab = request.args.get("tabCode", "all")
    rows, pager = page_of(g.account, tab, _int("pageNum", request.args, 1), 15)
    return render_template("purchase_list.html", brand=BRAND, title="已买到的宝贝", tabs=TAB_TEXT, tab=tab,
                           tab_param="tabCode", rows=storefront.list_rows(rows, detail_url), page=pager,
                           script=js_assign("var data", js_object_literal(async_bought(rows, pager))))


@bp.post("/trade/itemlist/asyncBought.htm", host=BUYERTRADE)
@buyer_view(json=True)
def async_bought_json():
    if request.args.get("action") != "itemlist/BoughtQueryAction" or request.args.get("event_submit_do_query") != "1":
        return jsonify({"error": "参数错误", "mainOrders": []}), 400
    if "list_bought_items.htm" not in request.headers.get("Referer", ""):
        return jsonify({"error": "非法访问", "mainOrders": []}), 403
    rows, pager = page_of(g.account, request.form.get("tabCode", "all"), _int("pageNum", request.form, 1),
                          _int("pageSize", request.form, 15))
    return jsonify(async_bought(rows, pager))


@bp.get("/trade/json/transit_step.do", host=BUYERTRADE)
@buyer_view(json=True)
def transit():
    order = purchases.own_purchase(g.account, request.args.get("bizOrderId"))
    return jsonify(transit_step(order) if order else {"isSuccess": "false"})


@bp.get("/trade/detail/trade_item_detail.htm", host=BUYERTRADE)
@buyer_view()
def detail():
    order = storefront.own_or_404(g.account, request.args.get("bizOrderId"))
    view = storefront.purchase_view(order, clock.now())
    data = taobao_detail(order, status_text=view["status_text"], message=order.buyer_memo,
                         address=orders.full_address(order))
    data["mainOrder"]["summary"] = main_order(order)  # the list entry, for drivers that read one shape
    return render_template("purchase_detail.html", brand=BRAND, **view, message=request.args.get("msg", ""),
                           action_url="/trade/order_action.htm", csrf=("_tb_token_", g.session.tb_token),
                           pay_url=f"/trade/pay.htm?bizOrderId={order.tid}" if view["state"] == purchases.UNPAID else "",
                           script=js_assign("var data", js_json_parse_call(data)))


@bp.post("/trade/order_action.htm", host=BUYERTRADE)
@buyer_view()
def order_action():
    if not token_ok(request.form.get("_tb_token_")):
        return render_template("message.html", title="操作失败", css="error", text="非法请求，请刷新页面后重试"), 403
    order = storefront.own_or_404(g.account, request.form.get("orderId"))
    return storefront.order_action(order, request.form, _detail_href(order.tid))


@bp.get("/trade/pay.htm", host=BUYERTRADE)
@buyer_view()
def pay():
    order = storefront.own_or_404(g.account, request.args.get("bizOrderId"))
    if purchases.state(order) != purchases.UNPAID:
        return redirect(_detail_href(order.tid))
    return redirect(cashier.pay_url(g.account, order, _detail_href(order.tid)))


@mtop.api("taobao", "mtop.taobao.order.queryboughtlistv2")
def bought_v2(account, data: dict) -> dict:
    """data: ``tabCode`` (all / waitPay / waitSend / waitConfirm / waitRate), ``page`` (or
    ``pageNum``), ``pageSize`` (≤ 50, default 20), ``condition`` (JSON string, ignored)."""
    tab = data.get("tabCode", "all")
    if tab not in TABS:
        raise mtop.ApiError("FAIL_BIZ_PARAM_ERROR::tabCode参数错误")
    rows, pager = page_of(account, tab, int(data.get("page") or data.get("pageNum") or 1), int(data.get("pageSize") or 20))
    # ``ret`` is inside ``data`` too: the 2026 capture has it there.
    return {"data": v2_nodes(rows, pager), "ret": [mtop.SUCCESS]}
