"""Storing what a fetch read: upsert orders and sub-orders by platform id, never twice.

A page of the sold list is written in one transaction with a bounded number of queries (one read
of the existing ids, bulk inserts, updates only where something changed), so re-fetching the same
window is cheap and adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dropship.db import db
from dropship.models import Order, OrderItem, Shop
from dropship.platforms.base import RemoteItem, RemoteOrder
from dropship.services.rollups import refresh_rollups
from dropship.services.shops import bump_daily

CHUNK = 400  # ids per IN (...) query: under SQLite's variable limit


@dataclass
class UpsertResult:
    new_ids: list[int] = field(default_factory=list)
    updated: int = 0
    unchanged: int = 0

    @property
    def new(self) -> int:
        return len(self.new_ids)


_ORDER_FIELDS = ("status", "status_code", "status_text", "buyer_nick", "paid_amount", "post_fee", "paid_at", "ship_deadline")
_ITEM_FIELDS = ("title", "sku_text", "outer_id", "quantity", "paid_amount", "pic", "item_url", "item_id", "status",
                "refund_status", "refund_text")


def _order_row(shop: Shop, remote: RemoteOrder, now: datetime) -> dict:
    row = {name: getattr(remote, name) for name in _ORDER_FIELDS}
    row.update(shop=shop.id, tid=remote.tid, created_at=remote.created_at, buyer_message=remote.buyer_message,
               message_pending=_message_unread(remote, ""), seller_flag=remote.seller_flag,
               seller_memo=remote.seller_memo or "", fetched_at=now, updated_at=now)
    if remote.receiver is not None:
        row.update(receiver_name=remote.receiver.name, receiver_phone=remote.receiver.phone,
                   receiver_region=remote.receiver.region, receiver_address=remote.receiver.address)
    return row


def _message_unread(remote: RemoteOrder, stored: str) -> bool:
    """The list flags a 买家留言 that neither it nor an earlier read gave us: the detail page has it."""
    return remote.has_buyer_message and not remote.buyer_message and not stored


def _item_row(order_id: int, item: RemoteItem) -> dict:
    return {"order": order_id, "oid": item.oid, **{name: getattr(item, name) for name in _ITEM_FIELDS}}


def upsert_remote_orders(shop: Shop, remotes: list[RemoteOrder], now: datetime | None = None) -> UpsertResult:
    """Insert new orders, refresh known ones; idempotent for the same input."""
    now = now or datetime.now()
    result = UpsertResult()
    if not remotes:
        return result
    unique = {r.tid: r for r in remotes}  # a page may repeat an order when the list shifts under us
    with db.atomic():
        existing: dict[str, Order] = {}
        tids = list(unique)
        for start in range(0, len(tids), CHUNK):
            for order in Order.select().where(Order.shop == shop.id, Order.tid.in_(tids[start:start + CHUNK])):
                existing[order.tid] = order

        fresh = [r for tid, r in unique.items() if tid not in existing]
        if fresh:
            Order.insert_many([_order_row(shop, r, now) for r in fresh]).execute()
            ids = dict(Order.select(Order.tid, Order.id)
                       .where(Order.shop == shop.id, Order.tid.in_([r.tid for r in fresh])).tuples())
            items = [_item_row(ids[r.tid], item) for r in fresh for item in r.items]
            for start in range(0, len(items), CHUNK):
                OrderItem.insert_many(items[start:start + CHUNK]).execute()
            result.new_ids = [ids[r.tid] for r in fresh]

        items_by_order: dict[int, dict[str, OrderItem]] = {}
        known_ids = [o.id for o in existing.values()]
        for start in range(0, len(known_ids), CHUNK):  # one read of the stored lines per chunk, not per order
            for item in OrderItem.select().where(OrderItem.order.in_(known_ids[start:start + CHUNK])):
                items_by_order.setdefault(item.order_id, {})[item.oid] = item
        touched = []
        for tid, order in existing.items():
            if _refresh_order(order, unique[tid], items_by_order.get(order.id, {}), now):
                result.updated += 1
                touched.append(order.id)
            else:
                result.unchanged += 1
        refresh_rollups(result.new_ids + touched)
        if result.new_ids:
            bump_daily(shop.id, "new_orders", len(result.new_ids), day=now.date())
    return result


def _refresh_order(order: Order, remote: RemoteOrder, stored: dict[str, OrderItem], now: datetime) -> bool:
    """Bring a stored order up to date; return whether anything changed."""
    changes = {name: getattr(remote, name) for name in _ORDER_FIELDS if getattr(order, name) != getattr(remote, name)}
    if remote.buyer_message and remote.buyer_message != order.buyer_message:
        changes["buyer_message"] = remote.buyer_message
    if not order.message_pending and _message_unread(remote, order.buyer_message):
        changes["message_pending"] = True
    # A memo we are pushing (or failed to push, and will retry) is newer than what the list
    # shows; do not let the list undo it.
    if order.memo_state not in ("syncing", "failed"):
        if remote.seller_flag != order.seller_flag:
            changes["seller_flag"] = remote.seller_flag
        if remote.seller_memo is not None and remote.seller_memo != order.seller_memo:
            changes["seller_memo"] = remote.seller_memo
    items_changed = _refresh_items(order.id, stored, remote.items)
    if changes:
        changes["updated_at"] = now
        Order.update(changes).where(Order.id == order.id).execute()
    return bool(changes) or items_changed


def _refresh_items(order_id: int, stored: dict[str, OrderItem], remotes: list[RemoteItem]) -> bool:
    changed = False
    for remote in remotes:
        item = stored.get(remote.oid)
        if item is None:
            OrderItem.insert(_item_row(order_id, remote)).execute()
            changed = True
            continue
        diff = {name: getattr(remote, name) for name in _ITEM_FIELDS if getattr(item, name) != getattr(remote, name)}
        if diff:
            OrderItem.update(diff).where(OrderItem.id == item.id).execute()
            changed = True
    return changed


def unread_messages(shop_id: int):
    """Orders of the shop whose 买家留言 is still to be read from the detail page, oldest first."""
    return (Order.select(Order.id, Order.tid).where(Order.shop == shop_id, Order.message_pending == True)  # noqa: E712
            .order_by(Order.id))


def store_buyer_message(order_id: int, message: str) -> None:
    """The detail page was read: keep its message (possibly empty) and stop asking for it."""
    Order.update(buyer_message=message, message_pending=False).where(Order.id == order_id).execute()
