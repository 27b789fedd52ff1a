"""A 淘宝 purchase account's orders in the shapes of the buyer pages: ``queryboughtlistv2`` in its
three shapes (see ``bought_v2``), legacy asyncBought ``mainOrders[]`` (2019 capture) and the
``transit_step.do`` logistics answer. Amounts are yuan strings, as on 淘宝.

Sandbox additions (no capture shows them, a driver needs them): the buyer message that carries
the purchase marker (node ``orderMemo_<oid>.fields.buyerMessage``; asyncBought
``mainOrders[].buyerMessage``) and the paging node ``pager_1``.
"""
from __future__ import annotations

import json
import math

from . import clock, disputes, logistics, orders, purchases
from .couriers import BY_CODE
from .hosts import page_url
from .models import Order, OrderItem, Shipment

TABS = {"all": None, "waitPay": (purchases.UNPAID,), "waitSend": (purchases.UNSHIPPED,),
        "waitConfirm": (purchases.SHIPPED,), "waitRate": (purchases.FINISHED,)}
MAX_PAGE_SIZE = 50


def detail_url(order: Order) -> str:
    return page_url(f"https://buyertrade.taobao.com/trade/detail/trade_item_detail.htm?bizOrderId={order.tid}")


def _money(fen: int) -> str:
    return f"￥{orders.yuan(fen)}"


def _refund_text(item: OrderItem) -> str:
    latest = max((d for d in item.disputes if d.kind != "complaint"), key=lambda d: d.id, default=None)
    if latest is None:
        return ""
    return {disputes.SUCCESS: "退款成功", disputes.CLOSED: "退款关闭"}.get(latest.status, "退款中")


def page_of(account, tab: str, page: int, page_size: int) -> tuple[list[Order], dict]:
    """One page of the account's purchases in a tab, newest first, and its paging numbers."""
    wanted = TABS.get(tab)
    rows = [o for o in purchases.account_purchases(account) if wanted is None or purchases.state(o) in wanted]
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    pages = max(1, math.ceil(len(rows) / page_size))
    page = min(max(1, page), pages)
    return rows[(page - 1) * page_size: page * page_size], {
        "currentPage": page, "pageSize": page_size, "totalNumber": len(rows), "totalPage": pages}


def v2_nodes(rows: list[Order], pager: dict) -> dict:
    """``data.data`` of mtop.taobao.order.queryboughtlistv2: one group of nodes per order."""
    now = clock.now()
    nodes: dict[str, dict] = {}
    for order in rows:
        oid = order.tid
        shipment = order.shipments.order_by(Shipment.id).first()
        status = purchases.status_text(order)

        def node(tag: str, key: str, kind: str, fields: dict) -> None:
            nodes[f"{tag}_{key}"] = {"tag": tag, "id": key, "type": f"native$tbpc_{kind}", "fields": fields}

        node("shopInfo", oid, "bought_list_order_shop_info", {
            "createDay": order.created_at.strftime("%Y-%m-%d"), "createTime": clock.fmt(order.created_at),
            "orderId": oid, "sellerName": order.shop.name, "shopName": order.shop.name, "tradeTitle": status,
            "orderDetailUrl": detail_url(order)})
        trace = logistics.trace(shipment, now) if shipment else []
        node("orderStatus", oid, "bought_list_order_status", {
            "cpCode": shipment.courier_code if shipment else "", "mailNo": shipment.tracking_no if shipment else "",
            "highlight": "false", "showArrow": "false", "title": logistics.state(shipment, now) if shipment else status,
            "subTitle": trace[0]["desc"] if trace else ""})
        if shipment:
            node("orderLogistics", oid, "bought_list_order_logistics", {"packagePreview": {
                "mainOrderId": oid, "showTaoXiaoBao": False, "packageViewList": [
                    {"cpCode": s.courier_code, "cpName": BY_CODE[s.courier_code].name, "mailNo": s.tracking_no,
                     "showTaoXiaoBao": False, "subOrderList": [i.oid for i in s.items.order_by(OrderItem.id)]}
                    for s in order.shipments.order_by(Shipment.id)]}})
        for item in order.items.order_by(OrderItem.id):
            node("orderItemInfo", f"{oid}_{item.oid}", "order_item_info", {"orderId": oid, "item": {
                "itemId": item.item.item_id, "skuId": item.sku.sku_id, "title": item.title, "skuText": item.sku_text,
                "quantity": str(item.quantity), "pic": item.pic, "itemUrl": page_url(item.item_url),
                "refundStatus": _refund_text(item),
                "priceInfo": {"actualTotalFee": _money(item.total_fen), "promotion": _money(item.price_fen)}}})
        node("orderPayment", oid, "bought_list_order_payment", {
            "actualFee": {"prefix": "实付款", "value": _money(orders.paid_fen(order))},
            "totalFee": {"prefix": "总价", "value": _money(sum(i.price_fen * i.quantity for i in order.items))},
            "pcPostFee": {"prefix": "(含运费", "value": _money(order.post_fee_fen), "suffix": ")"}})
        node("orderMemo", oid, "bought_list_order_memo", {"buyerMessage": order.buyer_memo})
    nodes["pager_1"] = {"tag": "pager", "id": "1", "type": "native$tbpc_bought_list_pager", "fields": pager}
    return nodes


def _fields(order: Order, fields: dict) -> dict | str:
    """A ``Main_`` shape node's ``fields``: a JSON string when the order id ends in an odd digit
    (the client of idx 68607072820 parses both)."""
    return json.dumps(fields, ensure_ascii=False) if int(order.tid[-1]) % 2 else fields


def main_nodes(rows: list[Order], pager: dict) -> dict:
    """``data.data`` in the ``Main_`` / ``sellerInfo_`` / ``item_`` shape with ``boughtlist.hasMore``
    paging (idx 68607072820). Additions: ``Main_.fields.buyerMessage`` / ``actualFee`` /
    ``createTime`` and the ``logistics_<oid>`` node."""
    nodes: dict[str, dict] = {}
    for order in rows:
        oid = order.tid
        items = list(order.items.order_by(OrderItem.id))
        shipment = order.shipments.order_by(Shipment.id).first()
        nodes[f"Main_{oid}"] = {"tag": "Main", "id": oid, "type": "native$tbpc_bought_list_main", "fields": _fields(order, {
            "orderId": oid, "itemId": items[0].item.item_id, "orderStatus": order.status, "sellerId": order.shop.seller_uid,
            "createTime": clock.fmt(order.created_at), "actualFee": _money(orders.paid_fen(order)),
            "buyerMessage": order.buyer_memo})}
        nodes[f"sellerInfo_{oid}"] = {"tag": "sellerInfo", "id": oid, "type": "native$tbpc_bought_list_seller",
                                      "fields": _fields(order, {
                                          "seller": {"shopName": order.shop.name, "nick": order.shop.name,
                                                     "url": f"//store.taobao.com/shop/view_shop.htm?user_number_id={order.shop.seller_uid}"},
                                          "status": {"text": purchases.status_text(order), "url": detail_url(order)}})}
        for item in items:
            nodes[f"item_{oid}_{item.oid}"] = {"tag": "item", "id": f"{oid}_{item.oid}", "type": "native$tbpc_bought_list_item",
                                               "fields": _fields(order, {
                "basicInfo": {"orderId": oid, "orderLineId": item.oid},
                "item": {"itemId": item.item.item_id, "skuId": item.sku.sku_id, "title": item.title, "pic": item.pic,
                         "skuText": item.sku_text, "quantity": item.quantity, "itemUrl": page_url(item.item_url),
                         "refundStatus": _refund_text(item),
                         "priceInfo": {"actualTotalFee": _money(item.total_fen), "promotion": _money(item.price_fen)}}})}
        if shipment:
            nodes[f"logistics_{oid}"] = {"tag": "logistics", "id": oid, "type": "native$tbpc_bought_list_logistics",
                                         "fields": {"cpCode": shipment.courier_code, "mailNo": shipment.tracking_no,
                                                    "cpName": BY_CODE[shipment.courier_code].name,
                                                    "title": logistics.state(shipment, clock.now())}}
    nodes["boughtlist"] = {"tag": "boughtlist", "id": "1", "type": "native$tbpc_bought_list", "fields": {
        "hasMore": "true" if pager["currentPage"] < pager["totalPage"] else "false",
        "currentPage": pager["currentPage"], "pageSize": pager["pageSize"]}}
    return nodes


SHAPES = ("shopInfo", "Main", "result")


def shape_of(uid: str, page: int) -> str:
    """Which shape an account's page comes in: ``SHAPES[(unb + page) % 3]``, so every account
    meets all three within three pages (invented rule; each shape is in a capture)."""
    return SHAPES[(int(uid) + page) % len(SHAPES)]


def bought_v2(account, rows: list[Order], pager: dict) -> dict:
    """The ``data`` of mtop.taobao.order.queryboughtlistv2 in the page's shape:
    ``shopInfo`` → ``{data: <node map, shopInfo_* …, pager_1>, ret}`` (2026 capture, ``ret`` inside too);
    ``Main`` → ``{data: <node map, Main_* / sellerInfo_* / item_*, boughtlist.hasMore>}``;
    ``result`` → ``{result: "<JSON string of {error, page, mainOrders[]}>"}`` (idx 70870714023;
    the inner shape is the asyncBought one: assumption)."""
    shape = shape_of(account.uid, pager["currentPage"])
    if shape == "shopInfo":
        return {"data": v2_nodes(rows, pager), "ret": ["SUCCESS::调用成功"]}
    if shape == "Main":
        return {"data": main_nodes(rows, pager)}
    return {"result": json.dumps(async_bought(rows, pager), ensure_ascii=False)}


def main_order(order: Order) -> dict:
    """One ``mainOrders[]`` entry of asyncBought / list_bought_items.htm (buyer's view)."""
    detail = detail_url(order)
    operations = [{"id": "viewDetail", "style": "t0", "text": "订单详情", "type": "operation", "url": detail}]
    if order.shipments.exists():
        operations.append({"id": "viewLogistic", "style": "t0", "text": "查看物流", "type": "operation",
                           "url": page_url(f"https://buyertrade.taobao.com/trade/json/transit_step.do?bizOrderId={order.tid}")})
    return {
        "id": order.tid,
        "extra": {"id": int(order.tid), "bizType": 200, "currency": "CNY", "currencySymbol": "￥",
                  "tradeStatus": order.status, "visibility": True},
        "orderInfo": {"id": order.tid, "createDay": order.created_at.strftime("%Y-%m-%d"),
                      "createTime": clock.fmt(order.created_at)},
        "payInfo": {"actualFee": orders.yuan(orders.paid_fen(order)),
                    "postFees": [{"prefix": "(含运费", "suffix": ")", "value": _money(order.post_fee_fen)}]},
        "seller": {"id": int(order.shop.seller_uid), "nick": order.shop.name, "shopName": order.shop.name},
        "statusInfo": {"text": purchases.status_text(order), "type": "t0", "url": detail, "operations": operations},
        "buyerMessage": order.buyer_memo,
        "subOrders": [{
            "id": int(item.oid),  # a bare JSON number longer than 2^53, as in the capture
            "itemInfo": {"id": int(item.item.item_id), "title": item.title, "skuText": item.sku_text,
                         "skuId": int(item.sku.sku_id), "pic": item.pic, "itemUrl": page_url(item.item_url)},
            "priceInfo": {"original": orders.yuan(item.price_fen * item.quantity), "realTotal": orders.yuan(item.total_fen)},
            "quantity": str(item.quantity),
            "operations": [{"style": "t0", "text": _refund_text(item) or "申请售后"}],
        } for item in order.items.order_by(OrderItem.id)],
    }


def async_bought(rows: list[Order], pager: dict) -> dict:
    return {"error": "", "extra": {}, "page": {**pager, "prefetchCount": 31, "queryForTitle": False},
            "mainOrders": [main_order(o) for o in rows]}


def transit_step(order: Order) -> dict:
    """``{isSuccess:"false"}`` before shipping, as the real endpoint answers without logistics."""
    shipment = order.shipments.order_by(Shipment.id).first()
    if shipment is None:
        return {"isSuccess": "false"}
    trace = logistics.trace(shipment, clock.now())
    return {"isSuccess": "true", "expressName": BY_CODE[shipment.courier_code].name, "expressId": shipment.tracking_no,
            "cpCode": shipment.courier_code, "address": [{"place": s["desc"], "time": s["time"]} for s in trace]}
