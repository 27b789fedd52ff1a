"""拼多多 JSON: ``order_list_v4``, the address book and its region ids, and the order shapes.

An order comes in two spellings (idx 58533395449: the pages carry both, "camelCase 和 snake_case
两套字段 … 分别为字符串元和整数分"): snake_case with fen integers (``order_sn``, ``order_amount``
1090) and camelCase with yuan strings (``orderSn``, ``orderAmount`` "10.90"). ``order_list_v4``
answers an account in one of them, fixed per account (``Account.list_shape``; unset = by the
parity of the account's uid: odd → camelCase; the rule is a sandbox choice), so a driver meets
both across accounts. orders.html embeds each order in both at once; order.html is camelCase.

Field names follow the reconstructed order_list_v4 sample and PLATFORMS.md. Sandbox choices:
``order_status`` 1 = normal / 2 = closed, ``pay_status`` 0 / 2, ``shipping_status`` 0 unshipped /
1 shipped / 2 received; the buyer message is ``remark``; ``type`` takes all / unpaid / grouping
/ unshipping / unreceived; region ids are this sandbox's own table (``GET /proxy/api/regions``).
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, g, jsonify, request

from . import clock, logistics, orders, purchases
from .models import Account, Address, Order, OrderItem, Shipment
from .pdd_login import pdd_api, route
from .people import REGIONS
from .storefront import courier_name

bp = Blueprint("pdd_api", __name__)
TYPES = {"all": None, "unpaid": (purchases.UNPAID,), "grouping": (purchases.GROUPING,),
         "unshipping": (purchases.UNSHIPPED,), "unreceived": (purchases.SHIPPED,)}
MAX_SIZE = 50
UNPAID_HOURS = 24  # an unpaid purchase closes after a day (supply.py); next_pay_time_out says when
MONEY_KEYS = ("order_amount", "goods_price")  # fen in snake_case, yuan strings in camelCase


def _epoch(moment) -> int:
    return clock.epoch_ms(moment) // 1000 if moment else 0


def _spec(item: OrderItem) -> str:
    return ",".join(p["value"] for p in item.sku_text)


def _shipping_status(order: Order) -> int:
    state = purchases.state(order)
    return 2 if state == purchases.FINISHED else 1 if order.shipped_at else 0


def order_json(order: Order) -> dict:
    """One ``orders[]`` entry of order_list_v4."""
    shipment = order.shipments.order_by(Shipment.id).first()
    return {
        "order_sn": order.tid, "group_order_id": order.group_order_id,
        "order_status": 2 if purchases.state(order) == purchases.CLOSED else 1,
        "pay_status": 2 if order.paid_at else 0, "shipping_status": _shipping_status(order),
        "order_status_prompt": purchases.status_text(order), "order_amount": orders.paid_fen(order),
        "order_time": _epoch(order.created_at), "pay_time": _epoch(order.paid_at),
        "shipping_time": _epoch(order.shipped_at), "receive_time": _epoch(order.finished_at),
        "order_link_url": f"order.html?order_sn={order.tid}", "tracking_number": shipment.tracking_no if shipment else "",
        "remark": order.buyer_memo,
        "next_pay_time_out": _epoch(order.created_at + timedelta(hours=UNPAID_HOURS))
        if purchases.state(order) == purchases.UNPAID else 0,
        "mall": {"id": int(order.shop.seller_uid), "mall_name": order.shop.name,
                 "mall_url": f"mall_page.html?mall_id={order.shop.seller_uid}"},
        "order_goods": [{"goods_id": i.item.item_id, "sku_id": i.sku.sku_id, "goods_name": i.title,
                         "goods_price": i.price_fen, "goods_number": i.quantity, "spec": _spec(i), "thumb_url": i.pic}
                        for i in order.items.order_by(OrderItem.id)],
    }


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.title() for word in rest)


def camel(value):
    """The camelCase spelling of a snake_case shape; money becomes yuan strings."""
    if isinstance(value, dict):
        return {_camel_key(k): orders.yuan(v) if k in MONEY_KEYS else camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


def list_shape(account: Account) -> str:
    """``snake`` or ``camel``: how order_list_v4 spells this account's orders (see the docstring)."""
    return account.list_shape or ("camel" if int(account.uid) % 2 else "snake")


def order_both(order: Order) -> dict:
    """orders.html's entry: both spellings side by side (``mall`` carries both sets of keys)."""
    snake = order_json(order)
    both = {**camel(snake), **snake}
    both["mall"] = {**camel(snake["mall"]), **snake["mall"]}
    return both


def order_raw(order: Order) -> dict:
    """order.html's ``window.rawData``: the detail in camelCase with ``orderDescList`` rows."""
    shipment = order.shipments.order_by(Shipment.id).first()
    desc = [("订单编号", order.tid), ("支付方式", purchases.PAY_METHODS.get(order.pay_method, "")),
            ("下单时间", clock.fmt(order.created_at)), ("发货时间", clock.fmt(order.shipped_at)),
            ("物流公司", courier_name(shipment.courier_code) if shipment else ""),
            ("快递单号", shipment.tracking_no if shipment else ""), ("买家留言", order.buyer_memo)]
    return {
        "orderSn": order.tid, "orderStatusPrompt": purchases.status_text(order), "orderAmount": orders.paid_fen(order),
        "orderTime": _epoch(order.created_at), "groupOrderId": order.group_order_id, "groupStatus": order.group_status,
        "payStatus": 2 if order.paid_at else 0, "shippingStatus": _shipping_status(order), "remark": order.buyer_memo,
        "orderDescList": [{"key": k, "value": v} for k, v in desc if v],
        "orderGoods": [{"goodsId": i.item.item_id, "skuId": i.sku.sku_id, "goodsName": i.title, "goodsPrice": i.price_fen,
                        "goodsNumber": i.quantity, "spec": _spec(i), "linkUrl": f"goods.html?goods_id={i.item.item_id}"}
                       for i in order.items.order_by(OrderItem.id)],
        "mall": {"id": int(order.shop.seller_uid), "mallName": order.shop.name,
                 "mallUrl": f"mall_page.html?mall_id={order.shop.seller_uid}"},
        "receiveName": order.receiver_name, "mobile": order.receiver_mobile, "provinceName": order.receiver_province,
        "cityName": order.receiver_city, "districtName": order.receiver_district, "address": order.receiver_address,
        "express": {"shippingName": courier_name(shipment.courier_code) if shipment else "",
                    "trackingNumber": shipment.tracking_no if shipment else "",
                    "traces": [{"time": s["time"], "info": s["desc"]}
                               for s in (logistics.trace(shipment, clock.now()) if shipment else [])]},
    }


def list_orders(account, kind: str, page: int, size: int, offset: str) -> list[Order]:
    """Newest first; ``offset`` (the last order_sn seen) wins over ``page``."""
    wanted = TYPES[kind]
    rows = [o for o in purchases.account_purchases(account) if wanted is None or purchases.state(o) in wanted]
    if offset:
        after = next((n for n, o in enumerate(rows) if o.tid == offset), None)
        return [] if after is None else rows[after + 1: after + 1 + size]
    return rows[(page - 1) * size: page * size]


@route(bp, "/proxy/api/api/aristotle/order_list_v4", ("POST",))
@pdd_api
def order_list_v4():
    body = request.get_json(silent=True) or {}
    kind = body.get("type", "all")
    try:
        page, size = int(body.get("page", 1)), int(body.get("size", 10))
    except (TypeError, ValueError):
        page, size = 0, 0
    if kind not in TYPES or page < 1 or not 1 <= size <= MAX_SIZE:
        return jsonify({"error_code": 40000, "error_msg": "参数错误"}), 400
    rows = list_orders(g.account, kind, page, size, str(body.get("offset") or ""))
    shape = camel if list_shape(g.account) == "camel" else (lambda snake: snake)
    return jsonify({"orders": [shape(order_json(o)) for o in rows], "server_time": _epoch(clock.now())})


# --- addresses ---------------------------------------------------------------------------------

def _regions() -> dict[int, tuple[int, str]]:
    """region id -> (parent id, name): provinces, their cities and districts, numbered in table order."""
    table: dict[int, tuple[int, str]] = {}
    names: dict[tuple[int, str], int] = {}

    def region(parent: int, name: str) -> int:
        if (parent, name) not in names:
            names[(parent, name)] = len(names) + 2  # PDD's ids start above 1 (1 = 中国)
            table[names[(parent, name)]] = (parent, name)
        return names[(parent, name)]

    for province, city, districts, _ in REGIONS:
        city_id = region(region(1, province), city)
        for district in districts:
            region(city_id, district)
    return table


REGION_TABLE = _regions()


@route(bp, "/proxy/api/regions")
def regions():
    parent = request.args.get("parent_id", "1")
    return jsonify({"regions": [{"region_id": rid, "region_name": name} for rid, (p, name) in REGION_TABLE.items()
                                if str(p) == parent]})


def _region_id(parent: int, name: str) -> int:
    return next((rid for rid, (p, n) in REGION_TABLE.items() if p == parent and n == name), 0)


def address_json(address: Address) -> dict:
    province = _region_id(1, address.province)
    city = _region_id(province, address.city)
    return {"address_id": address.id, "name": address.name, "mobile": address.mobile,
            "province_id": province, "city_id": city, "district_id": _region_id(city, address.district),
            "province_name": address.province, "city_name": address.city, "district_name": address.district,
            "address": address.address, "is_default": int(address.is_default)}


def _region_names(body: dict) -> tuple[str, ...] | None:
    """The names behind ``province_id`` / ``city_id`` / ``district_id``, if each is inside the one before."""
    try:
        chosen = [int(body[k]) for k in ("province_id", "city_id", "district_id")]
        chain = [REGION_TABLE[i] for i in chosen]
    except (KeyError, TypeError, ValueError):
        return None
    if [parent for parent, _ in chain] != [1, chosen[0], chosen[1]]:
        return None
    return tuple(name for _, name in chain)


@route(bp, "/proxy/api/addresses")
@pdd_api
def addresses():
    rows = Address.select().where(Address.account == g.account).order_by(Address.is_default.desc(), Address.id)
    return jsonify([address_json(a) for a in rows])


@route(bp, "/proxy/api/api/origenes/address", ("POST",))
@pdd_api
def add_address():
    body = request.get_json(silent=True) or {}
    names = _region_names(body)
    if names is None:
        return jsonify({"error_code": 40000, "error_msg": "请选择正确的省市区"}), 400
    province, city, district = names
    name, mobile, detail = (str(body.get(k, "")).strip() for k in ("name", "mobile", "address"))
    if not name or not detail or not purchases.MOBILE.fullmatch(mobile):
        return jsonify({"error_code": 40000, "error_msg": "收货人、手机号或详细地址不正确"}), 400
    if body.get("is_default"):
        Address.update(is_default=False).where(Address.account == g.account).execute()
    address = Address.create(account=g.account, name=name, mobile=mobile, province=province, city=city,
                             district=district, address=detail, is_default=bool(body.get("is_default")))
    return jsonify({"success": True, "address_id": address.id})
