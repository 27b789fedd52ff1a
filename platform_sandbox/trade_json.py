"""Orders in the shapes the seller pages give: asyncSold ``mainOrders[]``, the 淘宝 detail page's
``var data`` and the 天猫 detail page's ``var detailData``.

Field names follow the captures in reference/samples; fields the captures lack but a driver
needs (pay time, consign deadline) are sandbox additions, named in README.md.
"""
from __future__ import annotations

import json

from markupsafe import Markup

from . import disputes, orders, people
from .clock import fmt
from .couriers import BY_CODE
from .hosts import page_url
from .models import Dispute, Order, OrderItem, Shipment


def detail_url(order: Order) -> str:
    if order.shop.platform == "tmall":
        return page_url(f"https://trade.tmall.com/detail/orderDetail.htm?bizOrderId={order.tid}")
    return page_url(f"https://trade.taobao.com/trade/detail/trade_order_detail.htm?biz_order_id={order.tid}")


def consign_url(order: Order) -> str:
    return page_url(f"https://wuliu.taobao.com/user/consign.htm?trade_id={order.tid}")


def latest_refund(item: OrderItem) -> Dispute | None:
    return (Dispute.select().where((Dispute.order_item == item) & (Dispute.kind != "complaint"))
            .order_by(Dispute.id.desc()).first())


def sub_order(item: OrderItem) -> dict:
    operations = []
    refund = latest_refund(item)
    if refund is not None:
        operations.append({"text": disputes.seller_operation(refund), "type": "operation",
                           "url": page_url(f"https://refund2.taobao.com/dispute/detail.htm?disputeId={refund.dispute_id}")})
    return {
        "id": int(item.oid),  # a bare JSON number longer than 2^53, as the real list sends it
        "idStr": item.oid,
        "itemInfo": {
            "title": item.title,
            "pic": page_url(item.pic),  # the sandbox's image host serves it (images.py)
            "itemUrl": page_url(item.item_url),
            "skuText": item.sku_text,
            "extra": [{"name": "商家编码", "value": item.outer_id}] if item.outer_id else [],
            "itemId": item.item.item_id if item.item else "",
            "skuId": item.sku.sku_id if item.sku else "-1",
        },
        "priceInfo": {"original": orders.yuan(item.price_fen * item.quantity), "realTotal": orders.yuan(item.total_fen)},
        "quantity": str(item.quantity),
        "operations": operations,
    }


def main_order(order: Order, hide_nick: bool = False) -> dict:
    """``hide_nick`` (current clients send ``isHideNick=true``): ``buyer.nick`` is masked and the
    readable one is ``buyer.decodeNick`` (the masking itself is a sandbox assumption)."""
    detail = detail_url(order)
    operations = []
    if order.status in orders.UNSHIPPED:
        operations.append({"style": "t2", "text": "发货", "type": "operation", "url": consign_url(order)})
    return {
        "id": order.tid,
        "extra": {"id": int(order.tid), "sellerFlag": order.seller_flag, "bizType": 200, "currency": "CNY",
                  "currencySymbol": "￥", "tradeStatus": order.status, "hasBuyerMessage": bool(order.buyer_message)},
        "buyer": {"nick": people.mask_name(order.buyer_nick) if hide_nick else order.buyer_nick,
                  "decodeNick": order.buyer_nick, "id": int(order.buyer_uid)},
        "orderInfo": {"id": order.tid, "createDay": order.created_at.strftime("%Y-%m-%d"),
                      "createTime": fmt(order.created_at), "payTime": fmt(order.paid_at),
                      "consignDeadline": fmt(order.consign_deadline)},
        "payInfo": {"actualFee": orders.yuan(orders.paid_fen(order)),
                    "postFees": [{"prefix": "(含快递:", "suffix": ")", "value": f"￥{orders.yuan(order.post_fee_fen)}"}]},
        "statusInfo": {"text": orders.STATUS_TEXT[order.status], "type": "t0", "url": detail,
                       "operations": [{"id": "viewDetail", "style": "t0", "text": "详情", "type": "operation",
                                       "url": detail}]},
        "operations": operations,
        "subOrders": [sub_order(item) for item in order.items.order_by(OrderItem.id)],
    } if not order.glitch else {  # a broken entry: no times, an amount that is not a number
        "id": order.tid, "extra": {"id": int(order.tid)}, "orderInfo": {"id": order.tid},
        "payInfo": {"actualFee": "--"}, "statusInfo": {"text": ""}, "subOrders": [{"id": None}],
    }


def _shipping(order: Order) -> tuple[str, str, str]:
    """(courier names, tracking numbers, shipType) of the order's parcels. The 2016 capture has one
    parcel (`logisticsName`, `logisticsNum`, shipType 快递); several parcels comma-separated, names
    and numbers in the same order, and 无需物流 as name and shipType are sandbox assumptions."""
    shipments = list(order.shipments.order_by(Shipment.id))
    parcels = [s for s in shipments if not s.dummy]
    if not parcels:
        return ("无需物流", "", "无需物流") if shipments else ("-", "", "快递")
    return (",".join(BY_CODE[s.courier_code].name for s in parcels), ",".join(s.tracking_no for s in parcels), "快递")


def taobao_detail(order: Order, *, status_text: str = "", address: str = "", message: str | None = None) -> dict:
    """``var data`` of trade_order_detail.htm (shape of the 2016 capture). The buyer's detail page
    has the same shape with the buyer's status wording and the full address."""
    def namevalue(name: str, value: str) -> dict:
        return {"type": "namevalue", "value": {"name": name, "value": value}}

    company, number, ship_type = _shipping(order)
    return {
        "mainOrder": {
            "id": order.tid,
            "statusInfo": {"text": f"当前订单状态：{status_text or orders.STATUS_TEXT[order.status]}", "type": "t0"},
            "orderInfo": {"type": "group", "lines": [{"type": "line", "content": [
                namevalue("订单编号:", order.tid), namevalue("创建时间:", fmt(order.created_at)),
                namevalue("付款时间:", fmt(order.paid_at)), namevalue("发货时间:", fmt(order.shipped_at)),
                namevalue("发货截止时间:", fmt(order.consign_deadline))]}]},
            "subOrders": [sub_order(item) for item in order.items.order_by(OrderItem.id)],
            "payInfo": {"actualFee": {"name": "实收款", "value": orders.yuan(orders.paid_fen(order))}},
            "buyer": {"nick": order.buyer_nick, "id": int(order.buyer_uid)},
            "seller": {"nick": order.shop.name, "shopName": order.shop.name, "id": int(order.shop.seller_uid)},
            "extra": {"sellerFlag": order.seller_flag, "tradeStatus": order.status},
        },
        "buyMessage": order.buyer_message if message is None else message,
        "tabs": [{"id": "logistics", "title": "收货和物流信息", "content": {
            "address": address or orders.masked_address(order), "logisticsName": company, "logisticsNum": number,
            "shipType": ship_type}}],
    }


def tmall_detail(order: Order) -> dict:
    """``var detailData`` of the 天猫 orderDetail.htm: top-level keys as in shoperp's model."""
    def row(key: str, text: str) -> dict:
        return {"key": key, "content": [{"type": "text", "text": text}]}

    company, number, _ = _shipping(order)
    return {
        "basic": {"lists": [row("订单编号", order.tid), row("收货地址", orders.masked_address(order)),
                            row("买家留言", order.buyer_message or "-"), row("创建时间", fmt(order.created_at)),
                            row("付款时间", fmt(order.paid_at)), row("发货截止时间", fmt(order.consign_deadline)),
                            row("物流", f"{company} {number}".strip())]},
        "stepbar": {"current": order.status},
        "overStatus": {"status": {"content": [{"type": "text", "text": orders.STATUS_TEXT[order.status]}]}},
        "amount": {"count": [[{"content": [{"type": "text", "text": f"实收款：￥{orders.yuan(orders.paid_fen(order))}"}]}]]},
        "orders": {"list": [{"id": item.oid, "title": item.title, "skuText": item.sku_text, "outerId": item.outer_id,
                             "quantity": item.quantity, "realTotal": orders.yuan(item.total_fen)}
                            for item in order.items.order_by(OrderItem.id)]},
    }


def js_json_parse_call(data: dict) -> Markup:
    """``JSON.parse('…')`` with ``data`` as the single-quoted string the real 淘宝 pages use."""
    text = json.dumps(data, ensure_ascii=False)
    text = text.replace("\\", "\\\\").replace("'", "\\'").replace("<", "\\x3c")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(f"JSON.parse('{text}')")


def js_object_literal(data: dict) -> Markup:
    return Markup(json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"))


def js_assign(target: str, value: Markup) -> Markup:
    """``var data = …;`` / ``window.rawData = …;`` for a page's embedded script."""
    return Markup(f"{target} = ") + value + Markup(";")
