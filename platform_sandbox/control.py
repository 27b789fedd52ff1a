"""What the admin page and the Python API do to the world, and how they read it back.

Both entrances call these functions, so a test's ``sb.advance(10)`` and a click on the admin
page's button run the same code.
"""
from __future__ import annotations

import hashlib
import json

from peewee import JOIN, fn

from . import accounts, clock, disputes, orders, people, purchases, sms
from .couriers import BY_CODE, random_number
from .ids import next_seq
from .models import (
    Account,
    DecryptUse,
    Dispute,
    DualWaybill,
    Item,
    Order,
    OrderItem,
    Shipment,
    Shop,
    Sku,
    supplier_url,
)


def shop_account(login: str) -> Account:
    account = accounts.find("taobao", login)
    if account is None or account.role != "seller":
        raise LookupError(f"没有这个店铺账号：{login}")
    return account


def order_by_tid(tid: str) -> Order:
    order = Order.get_or_none(Order.tid == tid)
    if order is None:
        raise LookupError(f"没有这个订单：{tid}")
    return order


def dispute_by_id(dispute_id: str) -> Dispute:
    dispute = Dispute.get_or_none(Dispute.dispute_id == dispute_id)
    if dispute is None:
        raise LookupError(f"没有这笔售后：{dispute_id}")
    return dispute


# --- a buyer played by hand ------------------------------------------------------------------

def place_order(login: str, *, multi: bool = False, message: str = "", paid: bool = True,
                sku_ids: list[str] | None = None) -> Order:
    """A buyer orders from the shop of ``login`` now (given SKUs, or picked at random)."""
    shop = shop_account(login).shop
    lines = None
    if sku_ids:
        lines = [(Sku.get((Sku.sku_id == s) & (Sku.item.in_(shop.items))), 1) for s in sku_ids]
    return orders.place_order(shop, clock.now(), clock.rng("manual", next_seq("manual")), paid=paid,
                              lines=lines, message=message, multi=multi)


def change_address(tid: str) -> Order:
    """The buyer changes the delivery address of an unshipped order (the real site allows it
    before shipping): another person at another place; its masked form changes with it."""
    order = order_by_tid(tid)
    fresh = people.receiver(clock.rng("address", next_seq("address")))
    order.receiver_name, order.receiver_mobile, order.receiver_zip = fresh.name, fresh.mobile, fresh.zip
    order.receiver_province, order.receiver_city, order.receiver_district = fresh.province, fresh.city, fresh.district
    order.receiver_town, order.receiver_address = fresh.town, fresh.address
    order.save()
    return order


def open_dispute(tid: str, kind: str = "refund_only", oid: str = "", reason: str = "") -> Dispute:
    order = order_by_tid(tid)
    item = OrderItem.get_or_none((OrderItem.order == order) & (OrderItem.oid == oid)) if oid else \
        order.items.order_by(OrderItem.id).first()
    if item is None:
        raise LookupError(f"订单 {tid} 没有子订单 {oid}")
    return disputes.open_dispute(item, kind, clock.now(), reason)


def return_goods(dispute_id: str, courier_code: str = "", tracking_no: str = "") -> Dispute:
    """The buyer ships the goods back (a tracking number is made up when none is given)."""
    dispute = dispute_by_id(dispute_id)
    if not tracking_no:
        courier_code, tracking_no = random_number(clock.rng("return", dispute_id))
    if courier_code not in BY_CODE:
        raise disputes.DisputeError("请选择物流公司")
    disputes.buyer_return(dispute, clock.now(), courier_code, tracking_no)
    return dispute


def seller_ship(tid: str, courier_code: str = "", tracking_no: str = "", dummy: bool = False) -> Order:
    """The seller consigns the order in the shop backend itself (千牛), outside any client: the same
    checks as the consign pages (a number is made up when none is given; ``dummy`` = 无需物流)."""
    order = order_by_tid(tid)
    if not dummy and not tracking_no:
        rnd = clock.rng("seller-ship", tid)
        if courier_code in BY_CODE:
            tracking_no = BY_CODE[courier_code].make_number(rnd)
        else:
            courier_code, tracking_no = random_number(rnd)
    orders.consign(order, clock.now(), courier_code=courier_code, tracking_no=tracking_no, dummy=dummy)
    return order_by_tid(tid)


def lift_risk(login: str) -> None:
    account = accounts.find("taobao", login) or Account.get(Account.login == login)
    account.risk_until = None
    account.save()


# --- reading -----------------------------------------------------------------------------------

def _items(order: Order) -> list[dict]:
    """Sub-orders with the supplier item and SKU they resell, in one query."""
    source_item, source_shop, source_sku = Item.alias(), Shop.alias(), Sku.alias()
    rows = (OrderItem.select(OrderItem.oid, OrderItem.title, OrderItem.sku_text, OrderItem.outer_id,
                             OrderItem.price_fen, OrderItem.quantity, OrderItem.discount_fen, OrderItem.shipment,
                             source_item.item_id, source_shop.platform, source_sku.sku_id)
            .join_from(OrderItem, Item, JOIN.LEFT_OUTER)
            .join_from(Item, source_item, JOIN.LEFT_OUTER, on=(Item.source == source_item.id))
            .join_from(source_item, source_shop, JOIN.LEFT_OUTER, on=(source_item.shop == source_shop.id))
            .join_from(OrderItem, Sku, JOIN.LEFT_OUTER)
            .join_from(Sku, source_sku, JOIN.LEFT_OUTER, on=(Sku.source == source_sku.id))
            .where(OrderItem.order == order).order_by(OrderItem.id).dicts())
    refunded = {oid for (oid,) in OrderItem.select(OrderItem.oid).join(Dispute).where(
        (OrderItem.order == order) & (Dispute.status == disputes.SUCCESS) & (Dispute.kind != "complaint")).tuples()}
    return [{"oid": r["oid"], "title": r["title"], "sku_text": r["sku_text"], "outer_id": r["outer_id"],
             "price_fen": r["price_fen"], "quantity": r["quantity"],
             "total_fen": r["price_fen"] * r["quantity"] - r["discount_fen"], "shipped": r["shipment"] is not None,
             "refunded": r["oid"] in refunded,
             "supplier_url": supplier_url(r["platform"], r["item_id"]) if r["item_id"] else "",
             "supplier_sku_id": r["sku_id"] or ""} for r in rows]


def order_dict(order: Order) -> dict:
    return {
        "tid": order.tid, "shop": order.shop.name, "platform": order.shop.platform, "status": order.status,
        "status_text": orders.STATUS_TEXT[order.status], "buyer_nick": order.buyer_nick,
        "buyer_message": order.buyer_message, "seller_memo": order.seller_memo, "seller_flag": order.seller_flag,
        "created_at": clock.fmt(order.created_at), "paid_at": clock.fmt(order.paid_at),
        "consign_deadline": clock.fmt(order.consign_deadline), "shipped_at": clock.fmt(order.shipped_at),
        "finished_at": clock.fmt(order.finished_at), "paid_fen": orders.paid_fen(order),
        "receiver": orders.receiver_dict(order), "logistics_order_id": order.logistics_order_id,
        "items": _items(order),
        "shipments": [{"courier_code": s.courier_code, "tracking_no": s.tracking_no, "dummy": s.dummy,
                       "oids": [i.oid for i in s.items.order_by(OrderItem.id)]}
                      for s in order.shipments.order_by(Shipment.id)],
        "disputes": [dispute_dict(d) for d in order.disputes.order_by(Dispute.id)],
    }


def dispute_dict(d: Dispute) -> dict:
    return {"dispute_id": d.dispute_id, "tid": d.order.tid, "oid": d.order_item.oid, "kind": d.kind,
            "status": d.status, "status_text": disputes.status_text(d), "amount_fen": d.amount_fen,
            "after_sale": d.after_sale, "reason": d.reason, "return_courier": d.return_courier,
            "return_tracking_no": d.return_tracking_no, "created_at": clock.fmt(d.created_at)}


def shop_orders(login: str, status: str | None = None) -> list[dict]:
    query = Order.select().where(Order.shop == shop_account(login).shop)
    if status:
        query = query.where(Order.status == status)
    return [order_dict(o) for o in query.order_by(Order.created_at, Order.tid)]


def shop_disputes(login: str) -> list[dict]:
    shop = shop_account(login).shop
    return [dispute_dict(d) for d in Dispute.select().join(Order).where(Order.shop == shop).order_by(Dispute.id)]


def overview() -> dict:
    """Everything the admin page shows."""
    today = clock.now().date()
    bought = dict(Order.select(Order.buyer_account, fn.COUNT(Order.id)).where(Order.buyer_account.is_null(False))
                  .group_by(Order.buyer_account).tuples())
    rows = []
    for account in Account.select().order_by(Account.role.desc(), Account.platform, Account.id):
        row = {"login": account.login, "platform": account.platform, "platform_text": accounts.PLATFORM_TEXT[account.platform],
               "role": account.role, "sub_account": account.parent_id is not None, "password": account.password,
               "phone": account.phone, "risk_until": clock.fmt(account.risk_until), "risk_blocked": account.risk_blocked}
        if account.shop_id:
            shop = account.shop
            counts = dict(Order.select(Order.status, fn.COUNT(Order.id)).where(Order.shop == shop)
                          .group_by(Order.status).tuples())
            row.update(shop=shop.name, counts={orders.STATUS_TEXT[k]: v for k, v in counts.items()},
                       open_disputes=Dispute.select().join(Order).where(
                           (Order.shop == shop) & Dispute.status.in_(disputes.OPEN)).count(),
                       decrypt_used=DecryptUse.select().where((DecryptUse.shop == shop) & (DecryptUse.day == today)).count(),
                       decrypt_quota=shop.decrypt_quota, orders_per_day=shop.orders_per_day)
        if account.role == "buyer":
            row.update(purchases=bought.get(account.id, 0), pay_password=account.pay_password,
                       access_token=account.access_token, alipay_account=account.alipay_account)
        rows.append(row)
    recent = Order.select().where(Order.buyer_account.is_null(False)).order_by(Order.created_at.desc(), Order.id.desc())
    return {"now": clock.fmt(clock.now()), "seed": clock.world().seed, "accounts": rows,
            "sms": sms.pending()[:30], "suppliers": Shop.select().where(Shop.kind == "supplier").count(),
            "purchases": [_purchase_row(o) for o in recent.limit(30)]}


def _purchase_row(order: Order) -> dict:
    """A line of the admin page's 采购单 table."""
    state = purchases.state(order)
    return {"order_id": order.tid, "platform_text": accounts.PLATFORM_TEXT[order.shop.platform],
            "login": order.buyer_account.login, "shop": order.shop.name, "status_text": purchases.status_text(order),
            "memo": order.buyer_memo, "created_at": clock.fmt(order.created_at), "never_ships": order.never_ships,
            "shipments": [f"{BY_CODE[s.courier_code].name} {s.tracking_no}" for s in order.shipments],
            "can_ship": state == purchases.UNSHIPPED, "can_group": state == purchases.GROUPING}


def digest() -> str:
    """A fingerprint of the world's orders (shop orders and purchases), sub-orders, shipments,
    disputes and 双物流 numbers: equal worlds, equal digests."""
    tables = (
        Order.select(Order.tid, Order.status, Order.buyer_nick, Order.buyer_message, Order.created_at, Order.paid_at,
                     Order.shipped_at, Order.finished_at, Order.receiver_name, Order.receiver_mobile,
                     Order.receiver_address, Order.logistics_order_id, Order.buyer_memo, Order.group_status,
                     Order.group_order_id, Order.pay_method, Order.post_fee_fen, Order.insurance_fen,
                     Order.card_fen, Order.never_ships).order_by(Order.tid),
        OrderItem.select(OrderItem.oid, Order.tid, Sku.sku_id, OrderItem.quantity, OrderItem.price_fen,
                         OrderItem.discount_fen).join_from(OrderItem, Order).join_from(OrderItem, Sku)
        .order_by(OrderItem.oid),
        Shipment.select(Order.tid, Shipment.courier_code, Shipment.tracking_no, Shipment.created_at)
        .join(Order).order_by(Order.tid, Shipment.tracking_no),
        Dispute.select(Dispute.dispute_id, Dispute.kind, Dispute.status, Dispute.updated_at,
                       Dispute.return_tracking_no).order_by(Dispute.dispute_id),
        DualWaybill.select(DualWaybill.tracking_no, DualWaybill.new_courier_code, DualWaybill.new_tracking_no)
        .order_by(DualWaybill.tracking_no),
    )
    payload = [[list(map(str, row)) for row in query.tuples()] for query in tables]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()
