"""The buyer side of what the admin page and the Python API do: supplier products, purchases
made without the pages, the supplier's 立即发货 / 立即成团, and purchases read back."""
from __future__ import annotations

import re

from . import accounts, address_book, clock, ids, orders, people, purchases, storefront, supply
from .control import dispute_dict
from .couriers import BY_CODE
from .ids import next_seq
from .models import Account, Dispute, Item, Order, OrderItem, Shipment, Shop, Sku


def buyer_account(platform: str, login: str) -> Account:
    account = accounts.find(accounts.site_of(platform), login)
    if account is None:
        raise LookupError(f"没有这个采购账号：{login}")
    return account


def purchase_by_id(order_id: str) -> Order:
    order = Order.get_or_none((Order.tid == order_id) & Order.buyer_account.is_null(False))
    if order is None:
        raise LookupError(f"没有这个采购单：{order_id}")
    return order


_ITEM_ID = re.compile(r"(?:[?&](?:id|goods_id)=|/offer/)(\d+)")


def supplier_item_by_url(url: str) -> Item:
    """The supplier product behind a product URL (real or sandbox host)."""
    found = _ITEM_ID.search(url)
    item = Item.select().join(Shop).where((Item.item_id == (found.group(1) if found else ""))
                                          & (Shop.kind == "supplier")).first()
    if item is None:
        raise LookupError(f"没有这个商品：{url}")
    return item


def supplier_item_dict(item: Item) -> dict:
    return {"platform": item.shop.platform, "item_id": item.item_id, "title": item.title, "url": item.url,
            "shop": item.shop.name, "coupon": purchases.coupon_text(item.shop),
            "offers": purchases.checkout_offers(item),
            "skus": [{"sku_id": s.sku_id, "props": s.props, "price_fen": s.price_fen, "stock": s.stock,
                      "group_price_fen": purchases.group_price_fen(s), "spec_id": ids.spec_id(s.sku_id),
                      "path": storefront.sku_path(s)} for s in item.skus.order_by(Sku.id)]}


def supplier_items(platform: str | None = None) -> list[dict]:
    query = Item.select().join(Shop).where(Shop.kind == "supplier")
    if platform:
        query = query.where(Shop.platform == platform)
    return [supplier_item_dict(i) for i in query.order_by(Item.id)]


def update_sku(sku_id: str, **fields: object) -> None:
    """Change a supplier SKU (``stock``, ``price_fen``, ``props``)."""
    if Sku.update(**fields).where(Sku.sku_id == sku_id).execute() == 0:
        raise LookupError(f"没有这个规格：{sku_id}")


def buy(platform: str, login: str, sku_id: str, *, quantity: int = 1, receiver: dict | None = None,
        memo: str = "", paid: bool = True, group: bool = False, never_ships: bool = False) -> Order:
    """A purchase without the pages (tests of other parts): same rules as the checkout pages."""
    account = buyer_account(platform, login)
    sku = Sku.get_or_none(Sku.sku_id == sku_id)
    if sku is None:
        raise LookupError(f"没有这个规格：{sku_id}")
    if receiver:
        found, errors = purchases.receiver_from(receiver)
        if found is None:
            raise ValueError("；".join(errors.values()))
    else:
        found = people.receiver(clock.rng("buy-receiver", next_seq("buy")))
    order = purchases.place(account, [(sku, quantity)], found, clock.now(), memo=memo, group=group)
    if never_ships:
        order.never_ships = True
        order.save()
    if paid:
        purchases.pay(order, clock.now(), "alipay")
    return order


def pay(order_id: str, method: str = "alipay") -> Order:
    """The purchase account pays an unpaid purchase (PurchaseError when it is paid or closed already)."""
    order = purchase_by_id(order_id)
    purchases.pay(order, clock.now(), method)
    return order


def ship_now(order_id: str, courier_code: str = "", tracking_no: str = "") -> Order:
    """The supplier ships a paid purchase now (its own courier and number unless given)."""
    order = purchase_by_id(order_id)
    supply.ship(order, clock.now(), clock.rng("ship-now", order_id), courier_code, tracking_no)
    return order


def complete_group(order_id: str) -> Order:
    order = purchase_by_id(order_id)
    if not supply.complete_group(order, clock.now()):
        raise ValueError("该订单不是待分享的拼单")
    return order


def addresses(platform: str, login: str) -> list[dict]:
    """The account's address book, default first (the 淘宝 confirm pages choose from it)."""
    return [address_book.address_dict(a) for a in address_book.book(buyer_account(platform, login))]


def purchase_dict(order: Order) -> dict:
    account = order.buyer_account
    return {
        "order_id": order.tid, "platform": order.shop.platform, "site": account.site, "login": account.login,
        "shop": order.shop.name, "status": order.status, "state": purchases.state(order),
        "status_text": purchases.status_text(order), "refund_state": purchases.refund_state(order),
        "group_status": order.group_status, "group_order_id": order.group_order_id, "memo": order.buyer_memo,
        "pay_method": order.pay_method, "paid_fen": orders.paid_fen(order), "post_fee_fen": order.post_fee_fen,
        "insurance_fen": order.insurance_fen, "card_fen": order.card_fen, "never_ships": order.never_ships,
        "created_at": clock.fmt(order.created_at), "paid_at": clock.fmt(order.paid_at),
        "shipped_at": clock.fmt(order.shipped_at), "receiver": orders.receiver_dict(order),
        "items": [{"oid": i.oid, "item_id": i.item.item_id, "sku_id": i.sku.sku_id, "title": i.title,
                   "sku_text": i.sku_text, "quantity": i.quantity, "price_fen": i.price_fen,
                   "discount_fen": i.discount_fen, "total_fen": i.total_fen, "url": i.item_url}
                  for i in order.items.order_by(OrderItem.id)],
        "shipments": [{"courier_code": s.courier_code, "courier_name": BY_CODE[s.courier_code].name,
                       "tracking_no": s.tracking_no, "shipped_at": clock.fmt(s.created_at)}
                      for s in order.shipments.order_by(Shipment.id)],
        "disputes": [dispute_dict(d) for d in order.disputes.order_by(Dispute.id)],
    }


def supplier_refunds(order_id: str) -> list[dict]:
    """Our refund applications on a purchase as its supplier sees them, oldest first: the dispute with
    the 退货地址 it gave (once it agreed to a return) and the parcel we sent back."""
    order = purchase_by_id(order_id)
    return [{**dispute_dict(d), "return_address": supply.return_address(d)} for d in order.disputes.order_by(Dispute.id)]


def purchase_orders(platform: str | None = None, login: str | None = None) -> list[dict]:
    """Purchases, oldest first; ``platform`` = the supplier's (taobao / tmall / taote / alibaba1688 / pdd)."""
    query = Order.select().join(Shop).where(Order.buyer_account.is_null(False))
    if platform:
        query = query.where(Shop.platform == platform)
    if login:
        query = query.where(Order.buyer_account.in_(Account.select(Account.id).where(Account.login == login)))
    return [purchase_dict(o) for o in query.order_by(Order.created_at, Order.id)]
