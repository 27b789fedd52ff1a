"""Pieces every buyer site's pages share: the SKU panel, the address form, the purchase detail
view and the 取消订单 / 申请退款 / 填写退货单号 forms. The platform modules add their own URLs,
embedded JSON and wording around them."""
from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from datetime import datetime
from urllib.parse import quote

from flask import abort, redirect
from werkzeug.wrappers import Response

from . import clock, disputes, ids, logistics, orders, purchases, supply
from .couriers import BY_CODE
from .models import Account, Address, Dispute, Item, Order, OrderItem, Shipment, Sku
from .people import Receiver

RECEIVER_KEYS = ("fullName", "mobile", "province", "city", "district", "town", "addressDetail")


def prop_id(name: str) -> str:
    """Stable numeric property / value ids (Taobao's ``pid:vid``), the same for every listing."""
    return str(zlib.crc32(name.encode()) % 10**7 + 10**7)


def value_id(name: str, value: str) -> str:
    return str(zlib.crc32(f"{name}:{value}".encode()) % 10**8 + 10**8)


def sku_panel(item: Item) -> dict:
    """Dimensions with their values (a value is ``disabled`` when every SKU holding it is sold
    out) and every SKU with its ``pid:vid;…`` path, stock and prices (fen)."""
    skus = list(item.skus.order_by(Sku.id))
    dims: dict[str, dict[str, bool]] = {}  # name -> {value: sold out everywhere}
    for sku in skus:
        for prop in sku.props:
            values = dims.setdefault(prop["name"], {})
            values[prop["value"]] = values.get(prop["value"], True) and sku.stock <= 0
    return {
        "dims": [{"pid": prop_id(name), "name": name,
                  "values": [{"vid": value_id(name, v), "name": v, "disabled": off} for v, off in values.items()]}
                 for name, values in dims.items()],
        "skus": [{"skuId": sku.sku_id, "path": sku_path(sku), "stock": max(0, sku.stock), "price": sku.price_fen,
                  "groupPrice": purchases.group_price_fen(sku), "specId": ids.spec_id(sku.sku_id), "props": sku.props}
                 for sku in skus],
    }


def sku_path(sku: Sku) -> str:
    return ";".join(f"{prop_id(p['name'])}:{value_id(p['name'], p['value'])}" for p in sku.props)


def sku_of(item: Item, sku_id: str | None) -> Sku | None:
    return Sku.get_or_none((Sku.item == item) & (Sku.sku_id == (sku_id or "")))


def quantity(value: str | None) -> int:
    """A typed quantity; anything but a number is 0, which placing refuses (购买数量不正确)."""
    try:
        return int(value or "1")
    except ValueError:
        return 0


# --- addresses ---------------------------------------------------------------------------------

def default_address(account: Account) -> dict[str, str]:
    """The checkout form's starting values: the account's default address, if any."""
    address = (Address.select().where(Address.account == account)
               .order_by(Address.is_default.desc(), Address.id.desc()).first())
    if address is None:
        return {}
    return dict(zip(RECEIVER_KEYS, (address.name, address.mobile, address.province, address.city,
                                    address.district, address.town, address.address), strict=True))


def remember_address(account: Account, receiver: Receiver) -> None:
    """A receiver used at checkout becomes the default address (added unless already saved)."""
    fields = {"name": receiver.name, "mobile": receiver.mobile, "province": receiver.province,
              "city": receiver.city, "district": receiver.district, "town": receiver.town,
              "address": receiver.address}
    Address.update(is_default=False).where(Address.account == account).execute()
    address = Address.get_or_none(Address.account == account, **fields)
    if address is None:
        Address.create(account=account, is_default=True, **fields)
    else:
        address.is_default = True
        address.save()


def form_values(values: Mapping[str, str]) -> dict[str, str]:
    return {key: values.get(key, "") for key in RECEIVER_KEYS}


# --- a purchase as its detail page shows it -----------------------------------------------------

def courier_name(code: str) -> str:
    return BY_CODE[code].name if code in BY_CODE else code


def shipment_view(shipment: Shipment, now: datetime) -> dict:
    return {"courier_code": shipment.courier_code, "courier": courier_name(shipment.courier_code),
            "tracking_no": shipment.tracking_no, "shipped_at": clock.fmt(shipment.created_at),
            "state": logistics.state(shipment, now), "trace": logistics.trace(shipment, now)}


def purchase_view(order: Order, now: datetime) -> dict:
    state = purchases.state(order)
    items = list(order.items.order_by(OrderItem.id))
    return {
        "order": order, "state": state, "status_text": purchases.status_text(order),
        "refund_state": purchases.refund_state(order), "items": items,
        "paid": orders.yuan(orders.paid_fen(order)), "yuan": orders.yuan, "fmt": clock.fmt,
        "address": orders.full_address(order),
        "pay_method": purchases.PAY_METHODS.get(order.pay_method, ""),
        "shipments": [shipment_view(s, now) for s in order.shipments.order_by(Shipment.id)],
        "disputes": [{"d": d, "text": disputes.status_text(d), "kind": disputes.KIND_TEXT[d.kind]}
                     for d in order.disputes.order_by(Dispute.id)],
        "can_cancel": state in (purchases.UNPAID, purchases.GROUPING, purchases.UNSHIPPED),
        "refundable": [i for i in items if state in (purchases.GROUPING, purchases.UNSHIPPED, purchases.SHIPPED)
                       and not orders.refunded(i)],
        "returnable": [{"d": d, "address": supply.return_address(d)} for d in order.disputes
                       if d.status == disputes.WAIT_BUYER_RETURN],
        "couriers": list(BY_CODE.values()),
        "reasons": {kind: disputes.REASONS[kind] for kind in ("refund_only", "return_refund")},
    }


def own_or_404(account: Account, order_id: str | None) -> Order:
    order = purchases.own_purchase(account, order_id)
    if order is None:
        abort(404)
    return order


def order_action(order: Order, form: Mapping[str, str], detail_url: str) -> Response:
    """POST of the detail page's forms: ``action`` = cancel | refund (``oid``, ``refundType``
    refund_only / return_refund, ``reason``) | return (``disputeId``, ``companyCode``, ``mailNo``).
    Redirects back to the detail page with the outcome in ``msg``."""
    at = clock.now()
    action = form.get("action", "")
    try:
        if action == "cancel":
            purchases.cancel(order, at)
            message = "订单已取消"
        elif action == "refund":
            item = OrderItem.get_or_none((OrderItem.order == order) & (OrderItem.oid == form.get("oid", "")))
            if item is None:
                raise purchases.PurchaseError("请选择要退款的商品")
            dispute = purchases.apply_refund(item, form.get("refundType", ""), form.get("reason", ""), at,
                                             refund_fee(form.get("refundFee", "")))
            message = f"退款申请已提交，退款编号 {dispute.dispute_id}"
        elif action == "return":
            dispute = Dispute.get_or_none((Dispute.dispute_id == form.get("disputeId", "")) & (Dispute.order == order))
            if dispute is None:
                raise purchases.PurchaseError("退款不存在")
            purchases.fill_return(dispute, form.get("companyCode", ""), form.get("mailNo", ""), at)
            message = "退货单号已提交，等待卖家收货"
        else:
            raise purchases.PurchaseError("参数错误")
    except purchases.ERRORS as exc:
        message = str(exc)
    joiner = "&" if "?" in detail_url else "?"
    return redirect(f"{detail_url}{joiner}msg={quote(message)}")


def refund_fee(text: str) -> int | None:
    """退款金额 typed in yuan -> fen; empty = the whole sub-order. PurchaseError when unreadable."""
    text = (text or "").strip().lstrip("￥¥")
    if not text:
        return None
    whole, _, cents = text.partition(".")
    if not whole.isdigit() or not (cents == "" or (cents.isdigit() and len(cents) <= 2)):
        raise purchases.PurchaseError("请输入正确的退款金额")
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


def list_rows(rows: list[Order], detail_url: Callable[[Order], str]) -> list[dict]:
    """What a bought-list page shows of each purchase (the JSON of the page carries the rest)."""
    return [{"id": o.tid, "created": clock.fmt(o.created_at), "shop": o.shop.name,
             "titles": [i.title for i in o.items.order_by(OrderItem.id)], "status": purchases.status_text(o),
             "amount": orders.yuan(orders.paid_fen(o)), "memo": o.buyer_memo, "detail": detail_url(o),
             "tracking": " ".join(f"{courier_name(s.courier_code)} {s.tracking_no}" for s in o.shipments)}
            for o in rows]
