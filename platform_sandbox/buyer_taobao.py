"""淘宝 / 天猫 / 淘特 as a purchase account sees them: 我的淘宝, item pages with the SKU panel,
the buy_now confirm page (address, 买家留言, shop coupon, 运费险 where the seller offers it), 已买到的宝贝 (page, asyncBought,
mtop queryboughtlistv2), order detail with 取消订单 / 申请退款 / 退货, and transit_step.do.

天猫 items live on detail.tmall.com and are confirmed on buy.tmall.com; the confirm pages choose
the receiver from the address book (address_book.py) and need the page's baxia tokens (baxia.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, Response, abort, g, jsonify, redirect, render_template, request

from . import address_book, baxia, cashier, clock, mtop, orders, purchases, storefront, taobao_bought
from .auth import buyer_view, token_ok
from .hosts import origin, page_url, sandbox_host
from .models import Item, Shop, Sku
from .people import Receiver
from .taobao_bought import TABS, async_bought, detail_url, main_order, page_of, transit_step
from .trade_json import js_assign, js_json_parse_call, js_object_literal, taobao_detail

bp = Blueprint("buyer_taobao", __name__)
I_TAOBAO = sandbox_host("i.taobao.com")
BUY = sandbox_host("buy.taobao.com")
BUY_TMALL = sandbox_host("buy.tmall.com")
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
                           bought=origin("buyertrade.taobao.com") + "/trade/itemlist/list_bought_items.htm",
                           address_book=origin("member1.taobao.com") + address_book.BOOK_PATH)


def item_page():
    item = supplier_item(request.args.get("id"))
    if item is None or item.shop.platform not in ("taobao", "tmall", "taote"):
        return render_template("message.html", title="宝贝不存在", text="很抱歉，您查看的宝贝不存在，可能已下架或者被转移。"), 404
    if item.shop.platform not in ITEM_HOSTS[request.host]:
        return redirect(f"http:{page_url(item.url)}")  # a 天猫 item asked on item.taobao.com, or the reverse
    panel = storefront.sku_panel(item)
    buy_url = checkout_url(item, "_".join((item.item_id, "__QTY__", "__SKU__")))  # <itemId>_<quantity>_<skuId>
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
# 淘宝 / 淘特 items are confirmed on buy.taobao.com, 天猫 items on buy.tmall.com (where the 天猫
# page and its submit share one path: sandbox assumption). Each host sends the other's items over.

@dataclass(frozen=True)
class Checkout:
    real_host: str
    page: str
    submit: str
    platforms: tuple[str, ...]
    brand: str


CHECKOUTS = {
    BUY: Checkout("buy.taobao.com", "/auction/buy_now.jhtml", "/auction/order/confirm_order.htm", ("taobao", "taote"),
                  BRAND),
    BUY_TMALL: Checkout("buy.tmall.com", "/order/confirm_order.htm", "/order/confirm_order.htm", ("tmall",), "天猫"),
}


def checkout_url(item: Item, buy_param: str) -> str:
    """The confirm page of an item's own site."""
    site = next(c for c in CHECKOUTS.values() if item.shop.platform in c.platforms)
    return f"{origin(site.real_host)}{site.page}?buy_param={buy_param}"


def _line() -> tuple[Sku, int]:
    """``buy_param`` = ``<itemId>_<quantity>_<skuId>``."""
    item_id, _, rest = request.values.get("buy_param", "").partition("_")
    quantity, _, sku_id = rest.partition("_")
    item = supplier_item(item_id)
    sku = storefront.sku_of(item, sku_id) if item else None
    if sku is None:
        abort(404)
    return sku, storefront.quantity(quantity)


def _confirm_page(sku: Sku, quantity: int, memo: str, address_id: str, errors: dict, status: int = 200):
    site = CHECKOUTS[request.host]
    shop = sku.item.shop
    threshold, amount = purchases.coupon_of(shop)
    subtotal = sku.price_fen * quantity
    addresses = address_book.book(g.account)
    chosen = address_book.own_address(g.account, address_id) or (addresses[0] if addresses else None)
    return render_template(
        "buy_now.html", site=site, sku=sku, item=sku.item, quantity=quantity, subtotal=subtotal, memo=memo,
        errors=errors, yuan=orders.yuan, coupon_text=purchases.coupon_text(shop), coupon_amount=amount,
        coupon_claimed=purchases.claimed_coupon(g.account, shop) is not None,
        coupon_usable=subtotal >= max(threshold, amount), insurance_fen=purchases.FREIGHT_INSURANCE_FEN,
        insurance_offered=purchases.checkout_offers(sku.item)["insurance"],
        post_fee=purchases.carriage_fen(shop), session=g.session, buy_param=request.values.get("buy_param", ""),
        memo_limit=purchases.MEMO_LIMIT, addresses=addresses, chosen=chosen, region_text=address_book.region_text,
        frame_url=address_book.frame_origin(site.real_host) + address_book.FRAME_PATH,
        frame_origin=address_book.frame_origin(site.real_host),
        nonce=baxia.issue(g.account, site.page)), status


def buy_now():
    sku, quantity = _line()
    if sku.item.shop.platform not in CHECKOUTS[request.host].platforms:
        return redirect(checkout_url(sku.item, request.args.get("buy_param", "")))
    return _confirm_page(sku, quantity, "", request.args.get("addressId", ""), {})


def confirm_order():
    """提交订单: the page's baxia tokens first, then the address chosen from the book by id (a
    typed receiver is not read: the real confirm page has no free-text receiver)."""
    if not token_ok(request.form.get("_tb_token_")):
        return render_template("message.html", title="操作失败", css="error", text="非法请求，请刷新页面后重试"), 403
    if not baxia.check(g.account, request.form, CHECKOUTS[request.host].page):
        return render_template("message.html", title=baxia.REFUSED, css="error",
                               text=f"RGV587_ERROR::SM::{baxia.REFUSED}"), 403
    sku, quantity = _line()
    memo, address_id = request.form.get("memo", ""), request.form.get("addressId", "")
    address = address_book.own_address(g.account, address_id)
    if address is None:
        return _confirm_page(sku, quantity, memo, address_id, {"form": "请选择收货地址"}, 400)
    receiver = Receiver(address.name, address.mobile, address.province, address.city, address.district,
                        address.town, address.address, "000000")
    try:
        order = purchases.place(g.account, [(sku, quantity)], receiver, clock.now(), memo=memo,
                                use_coupon=request.form.get("useCoupon") == "1",
                                insurance=request.form.get("insurance") == "1")
    except purchases.PurchaseError as exc:
        return _confirm_page(sku, quantity, memo, address_id, {"form": str(exc)}, 400)
    return redirect(cashier.pay_url(g.account, order, _detail_href(order.tid)))


@buyer_view(json=True)
def claim_coupon():
    item = supplier_item(request.form.get("itemId"))
    if item is None or not token_ok(request.form.get("_tb_token_")):
        return jsonify({"success": False, "message": "领取失败"})
    purchases.claim_coupon(g.account, item.shop, clock.now())
    return jsonify({"success": True, "message": f"领取成功：{purchases.coupon_text(item.shop)}"})


@buyer_view(json=True)
def bx_seed():
    """The confirm page's script asks once for its nonce's seed (see baxia)."""
    value = baxia.seed(g.account, request.args.get("umidToken"), request.headers.get("Referer", ""),
                       CHECKOUTS[request.host].page)
    if value is None:
        return jsonify({"success": False, "ret": [f"RGV587_ERROR::SM::{baxia.REFUSED}"]}), 403
    return jsonify({"success": True, "seed": value})


for _n, (_host, _site) in enumerate(CHECKOUTS.items()):
    bp.add_url_rule(_site.page, f"buy_now_{_n}", buyer_view()(buy_now), host=_host, methods=["GET"])
    bp.add_url_rule(_site.submit, f"confirm_order_{_n}", buyer_view()(confirm_order), host=_host, methods=["POST"])
    bp.add_url_rule("/auction/json/claim_coupon.do", f"claim_coupon_{_n}", claim_coupon, host=_host, methods=["POST"])
    bp.add_url_rule("/auction/json/bx_seed.do", f"bx_seed_{_n}", bx_seed, host=_host, methods=["GET"])


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
    """GBK, as the real endpoint answers (FIDELITY.md): a client decoding UTF-8 reads garbage."""
    order = purchases.own_purchase(g.account, request.args.get("bizOrderId"))
    body = json.dumps(transit_step(order) if order else {"isSuccess": "false"}, ensure_ascii=False)
    return Response(body.encode("gbk", "replace"), content_type="application/json;charset=GBK")


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
    ``pageNum``), ``pageSize`` (≤ 50, default 20), ``condition`` (JSON string, ignored). The answer
    comes in one of three shapes (``taobao_bought.bought_v2``)."""
    tab = data.get("tabCode", "all")
    if tab not in TABS:
        raise mtop.ApiError("FAIL_BIZ_PARAM_ERROR::tabCode参数错误")
    rows, pager = page_of(account, tab, int(data.get("page") or data.get("pageNum") or 1), int(data.get("pageSize") or 20))
    return taobao_bought.bought_v2(account, rows, pager)
