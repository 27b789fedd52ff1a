"""1688 as a purchase account sees it: offer pages with spec selection, smart_make_order (the
``data-source`` preview, address, 给卖家留言, 提交订单 → the 支付宝 cashier with the new order's id
in ``returnURL`` or ``orderIds=``), the buyer order list page with its mtop dataline API, and the
order detail with 取消订单 / 申请退款 / 退货. Money in the JSON is fen, as on 1688, except the
preview's per-cargo ``finalUnitPrice`` / ``amount``, which are yuan numbers as in the open API's
preview model (idx 66121087889: ``sumPayment`` 4400 beside ``amount`` 36).

Sandbox assumptions: the offer page's ``window.__INIT_DATA`` keeps yuan strings as the real
page; the buyer message is the order's ``remark``; logistics use the open API's
``nativeLogistics.logisticsItems`` words; ``refundStatus`` is '' / refunding / refunded; which of
the two cashier URL forms an order gets (by its id, see ``cashier_url``). Login is
login.1688.com (the real site embeds the same passport form).
"""
from __future__ import annotations

import json
import math
from urllib.parse import quote

from flask import Blueprint, abort, g, redirect, render_template, request
from markupsafe import Markup

from . import cashier, clock, ids, logistics, mtop, orders, purchases, storefront
from .auth import buyer_view, token_ok
from .hosts import origin, page_url, sandbox_host
from .models import Item, Order, OrderItem, Shipment, Shop, Sku
from .trade_json import js_assign, js_object_literal

bp = Blueprint("buyer_1688", __name__)
DETAIL = sandbox_host("detail.1688.com")
ORDER = sandbox_host("order.1688.com")
AIR = sandbox_host("air.1688.com")
TRADE = sandbox_host("trade.1688.com")
SITE = "alibaba1688"
BRAND = "阿里巴巴1688"
LIST_PATH = "/app/ctf-page/trade-order-list/buyer-order-list.html"
STATUS = {purchases.UNPAID: "waitbuyerpay", purchases.UNSHIPPED: "waitsellersend",
          purchases.SHIPPED: "waitbuyerreceive", purchases.FINISHED: "success", purchases.CLOSED: "cancel"}
MAX_PAGE_SIZE = 50


def _offer(offer_id: str) -> Item | None:
    return (Item.select(Item, Shop).join(Shop)
            .where((Item.item_id == offer_id) & (Shop.kind == "supplier") & (Shop.platform == SITE)).first())


@bp.get("/offer/<offer_id>.html", host=DETAIL)
def offer_page(offer_id: str):
    item = _offer(offer_id)
    if item is None:
        return render_template("message.html", title="商品不存在", text="该商品已下架或不存在。"), 404
    panel = storefront.sku_panel(item)
    entry = f'[{{"flow":"general","offerId":"{item.item_id}","quantity":__QTY__,"specId":"__SPEC__"}}]'
    href = f"{origin('order.1688.com')}/order/smart_make_order.htm?flow=general&id={quote(entry, safe='_')}"
    return render_template(
        "item.html", brand=BRAND, item=item, panel=panel, panel_id="skuSelection", qty_id="skuQuantity",
        price_text=f"¥{orders.yuan(min(s['price'] for s in panel['skus']))}起", coupon="",
        sold_out=not any(s["stock"] for s in panel["skus"]),
        buttons=[{"id": "J_OrderNow", "text": "立即订购", "href": href}], script=_offer_script(item, panel))


def _offer_script(item: Item, panel: dict):
    """``window.__INIT_DATA``: skuProps and skuInfoMap keyed ``值1>值2`` (yuan strings, as the page has them)."""
    info = {">".join(p["value"] for p in s["props"]): {"skuId": s["skuId"], "specId": s["specId"],
                                                       "price": orders.yuan(s["price"]), "canBookCount": s["stock"]}
            for s in panel["skus"]}
    data = {"globalData": {
        "tempModel": {"offerId": item.item_id, "offerTitle": item.title, "companyName": item.shop.name},
        "skuModel": {"skuProps": [{"prop": d["name"], "value": [{"name": v["name"]} for v in d["values"]]}
                                  for d in panel["dims"]], "skuInfoMap": info}}}
    return js_assign("window.__INIT_DATA", js_object_literal(data))


# --- make order --------------------------------------------------------------------------------

def _lines() -> list[tuple[Sku, int]]:
    """``id`` = JSON ``[{flow, offerId, quantity, specId}, …]``."""
    try:
        wanted = json.loads(request.values.get("id", ""))
        lines = []
        for entry in wanted:
            item = _offer(str(entry["offerId"]))
            sku = next(s for s in item.skus if ids.spec_id(s.sku_id) == entry["specId"])
            lines.append((sku, int(entry["quantity"])))
    except (ValueError, KeyError, TypeError, AttributeError, StopIteration):
        abort(404)
    if not lines:
        abort(404)
    return lines


def _preview(lines: list[tuple[Sku, int]], values: dict) -> dict:
    """The page's ``data-source`` (shape of idx 62842867388 / 56745762528): per supplier order the
    sums in fen, ``simpleSeller``, ``receiveAddress`` and the goods nested as
    ``cargoGroupedByLogistics[].cargoList[]`` (one per offer) ``.orderCargos[]`` (one per spec)."""
    shop = lines[0][0].item.shop
    products = sum(sku.price_fen * quantity for sku, quantity in lines)
    carriage = purchases.carriage_fen(shop)
    region = [values.get(k, "") for k in ("province", "city", "district", "town")]
    offers: dict[str, list[tuple[Sku, int]]] = {}
    for sku, quantity in lines:
        offers.setdefault(sku.item.item_id, []).append((sku, quantity))
    cargo_list = [{"offerId": int(offer_id), "offerTitle": cargos[0][0].item.title, "orderCargos": [
        {"specId": ids.spec_id(sku.sku_id), "skuId": int(sku.sku_id), "cargoNumber": "", "cargoSkuNumber": "",
         "specInfo": [{"specName": p["name"], "specValue": p["value"]} for p in sku.props],
         "commonQuantity": quantity, "finalUnitPrice": sku.price_fen / 100, "amount": sku.price_fen * quantity / 100}
        for sku, quantity in cargos]} for offer_id, cargos in offers.items()]
    return {"source": "offer", "from": "detail", "flow": request.values.get("flow", "general"), "orders": [{
        "simpleSeller": {"memberId": f"b2b-{shop.seller_uid}", "loginId": shop.name, "companyName": shop.name},
        "sumPaymentNoCarriage": products, "sumCarriage": carriage, "sumTaxAmount": 0, "sumPayment": products + carriage,
        "receiveAddress": {"fullName": values.get("fullName", ""), "mobile": values.get("mobile", ""),
                           "address": values.get("addressDetail", ""), "addressCodeText": " ".join(r for r in region if r)},
        "cargoGroupedByLogistics": [{"totalFreightFee": carriage, "cargoList": cargo_list}]}]}


def data_source(preview: dict) -> Markup:
    """The attribute value as the real page writes it: double-quoted, ``&quot;`` entities."""
    text = json.dumps(preview, ensure_ascii=False, separators=(",", ":"))
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#39;")):
        text = text.replace(raw, entity)
    return Markup(text)


def _make_order_page(lines, values: dict, errors: dict, status: int = 200):
    preview = _preview(lines, values)
    return render_template("make_order_1688.html", lines=lines, values=values, errors=errors, yuan=orders.yuan,
                           preview=preview, data_source=data_source(preview), session=g.session,
                           memo_limit=purchases.MEMO_LIMIT,
                           flow=request.values.get("flow", "general"), ids=request.values.get("id", "")), status


@bp.get("/order/smart_make_order.htm", host=ORDER)
@buyer_view(SITE)
def make_order():
    return _make_order_page(_lines(), storefront.default_address(g.account), {})


@bp.post("/order/smart_make_order.htm", host=ORDER)
@buyer_view(SITE)
def submit_order():
    if not token_ok(request.form.get("_csrf_token")):
        return render_template("message.html", title="操作失败", css="error", text="页面已过期，请刷新后重试"), 403
    lines = _lines()
    values = {**storefront.form_values(request.form), "memo": request.form.get("memo", "")}
    receiver, errors = purchases.receiver_from(request.form)
    if receiver is None:
        return _make_order_page(lines, values, errors, 400)
    try:
        order = purchases.place(g.account, lines, receiver, clock.now(), memo=values["memo"])
    except purchases.PurchaseError as exc:
        return _make_order_page(lines, values, {"form": str(exc)}, 400)
    storefront.remember_address(g.account, receiver)
    return redirect(cashier_url(order))


def cashier_url(order: Order) -> str:
    """Where 提交订单 lands: the 支付宝 cashier. The new order's id is only in the URL, in one of the
    two forms idx 62842867388 reads: ``orderIds=<id>`` (even ids) or ``orderId=<id>`` inside the
    URL-encoded ``returnURL`` (odd ids; which form when is a sandbox choice). The cashier's own
    ``orderId`` is an opaque token, not the order."""
    detail = _detail_href(order.tid)
    if int(order.tid) % 2 == 0:
        extra = {"orderIds": order.tid, "returnURL": origin("air.1688.com") + LIST_PATH}
    else:
        extra = {"returnURL": detail}
    return cashier.pay_url(g.account, order, detail, extra)


# --- orders --------------------------------------------------------------------------------------

def detail_url(order: Order) -> str:
    return page_url(f"https://trade.1688.com/order/new_step_order_detail.htm?orderId={order.tid}")


def order_json(order: Order) -> dict:
    """One order of the dataline buyerOrderList (field names of the 2026 capture; fen strings)."""
    items = list(order.items.order_by(OrderItem.id))
    shipments = list(order.shipments.order_by(Shipment.id))
    return {
        "id": int(order.tid), "idStr": order.tid, "status": STATUS[purchases.state(order)],
        "statusLabel": purchases.status_text(order), "refundStatus": purchases.refund_state(order),
        "buyerInfo": {"loginId": order.buyer_account.login},
        "sellerInfo": {"companyName": order.shop.name, "loginId": order.shop.name},
        "sumProductPayment": str(sum(i.price_fen * i.quantity for i in items)), "carriage": str(order.post_fee_fen),
        "allPromotionFee": str(sum(i.discount_fen for i in items)), "sumPayment": str(orders.paid_fen(order)),
        "gmtCreate": clock.fmt(order.created_at),
        "gmtPayment": clock.epoch_ms(order.paid_at) if order.paid_at else None,
        "remark": order.buyer_memo,
        "orderEntries": [{
            "productName": i.title, "price": str(i.price_fen), "quantity": i.quantity,
            "sourceId": int(i.item.item_id), "skuId": int(i.sku.sku_id), "specId": ids.spec_id(i.sku.sku_id),
            # Both spellings are read by parsers in the wild: specItems and specInfo.specItems.
            "specItems": [{"specName": p["name"], "specValue": p["value"]} for p in i.sku_text],
            "specInfo": {"specItems": [{"specName": p["name"], "specValue": p["value"]} for p in i.sku_text]},
            "entryExtension": {"trackingNo": i.shipment.tracking_no if i.shipment else ""},
        } for i in items],
        "nativeLogistics": {"logisticsItems": [
            {"logisticsCompanyName": storefront.courier_name(s.courier_code), "logisticsCompanyNo": s.courier_code,
             "logisticsBillNo": s.tracking_no, "gmtSend": clock.fmt(s.created_at)} for s in shipments]},
    }


@mtop.api(SITE, "mtop.1688.trading.dataline.service")
def dataline(account, data: dict) -> dict:
    """data ``{serviceId: 'OrderListDataLineService.buyerOrderList', param: JSON string {page,
    pageSize ≤ 50, tradeStatus, word}}``; answers ``{data: {result: JSON string {data: {data:
    [orders], total, pages}}}}``. ``word`` matches the order id or a product name."""
    if data.get("serviceId") != "OrderListDataLineService.buyerOrderList":
        raise mtop.ApiError("FAIL_BIZ_SERVICE_NOT_FOUND::服务不存在")
    param = json.loads(data.get("param") or "{}")
    page, size = int(param.get("page") or 1), int(param.get("pageSize") or 20)
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise mtop.ApiError(f"FAIL_BIZ_PARAM_ERROR::pageSize不能超过{MAX_PAGE_SIZE}")
    status, word = param.get("tradeStatus") or "", (param.get("word") or "").strip()
    rows = [o for o in purchases.account_purchases(account)
            if (not status or STATUS[purchases.state(o)] == status)
            and (not word or word == o.tid or any(word in i.title for i in o.items))]
    pages = max(1, math.ceil(len(rows) / size))
    chunk = rows[(page - 1) * size: page * size]
    result = {"data": {"data": [order_json(o) for o in chunk], "total": len(rows), "pages": pages}}
    return {"data": {"result": json.dumps(result, ensure_ascii=False)}}


@bp.get(LIST_PATH, host=AIR)
@buyer_view(SITE)
def order_list():
    rows = list(purchases.account_purchases(g.account))
    return render_template("purchase_list.html", brand=BRAND, title="我的采购单", tabs=(), rows=storefront.list_rows(rows, detail_url),
                           page=None, script="")


@bp.get("/order/new_step_order_detail.htm", host=TRADE)
@buyer_view(SITE)
def detail():
    order = storefront.own_or_404(g.account, request.args.get("orderId"))
    view = storefront.purchase_view(order, clock.now())
    data = {**order_json(order), "receiverInfo": orders.receiver_dict(order),
            "logisticsTrace": [{"trackingNo": s.tracking_no, "steps": logistics.trace(s, clock.now())}
                               for s in order.shipments.order_by(Shipment.id)]}
    return render_template("purchase_detail.html", brand=BRAND, **view, message=request.args.get("msg", ""),
                           action_url="/order/order_action.htm", csrf=("_csrf_token", g.session.tb_token),
                           pay_url=f"/order/pay.htm?orderId={order.tid}" if view["state"] == purchases.UNPAID else "",
                           script=js_assign("window.__ORDER_DETAIL__", js_object_literal(data)))


def _detail_href(tid: str) -> str:
    return f"{origin('trade.1688.com')}/order/new_step_order_detail.htm?orderId={tid}"


@bp.post("/order/order_action.htm", host=TRADE)
@buyer_view(SITE)
def order_action():
    if not token_ok(request.form.get("_csrf_token")):
        return render_template("message.html", title="操作失败", css="error", text="页面已过期，请刷新后重试"), 403
    order = storefront.own_or_404(g.account, request.form.get("orderId"))
    return storefront.order_action(order, request.form, _detail_href(order.tid))


@bp.get("/order/pay.htm", host=TRADE)
@buyer_view(SITE)
def pay():
    order = storefront.own_or_404(g.account, request.args.get("orderId"))
    if purchases.state(order) != purchases.UNPAID:
        return redirect(_detail_href(order.tid))
    return redirect(cashier.pay_url(g.account, order, _detail_href(order.tid)))
