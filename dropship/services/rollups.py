"""Order roll-ups: per-order columns derived from its items and purchases, kept in step after changes.

The order tabs count 100k+ orders on every page view; reading three plain columns is what keeps
that cheap. Anything that changes items or purchases calls `refresh_rollups()` for the orders it
touched, inside the same transaction.
"""
from __future__ import annotations

from collections.abc import Iterable

from peewee import Expression, fn

from dropship.models import Order, OrderItem, Purchase, PurchaseItem
from dropship.services.daily_figures import refresh_daily_figures


def refund_state_of(item_refunds: list[str]) -> str:
    """'refunding' while any line is in dispute; 'refunded' once every line is refunded."""
    if any(r == "refunding" for r in item_refunds):
        return "refunding"
    if item_refunds and all(r == "refunded" for r in item_refunds):
        return "refunded"
    return ""


def refresh_rollups(order_ids: Iterable[int]) -> None:
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        _refresh_chunk(ids[start:start + 500])
    refresh_daily_figures(ids)  # 利润统计's pre-aggregated figures follow the roll-ups


def still_to_buy() -> Expression:
    """A sub-order still to buy (counted in pending_items, i.e. 待采购): not refunded and no active
    purchase covers it."""
    # correlated, so SQLite probes the item's own lines by index: `id NOT IN (every active line)` built
    # that whole set on each use, 2-6 s at 1M orders inside the fetch's write transaction
    covered = (PurchaseItem.select(PurchaseItem.id).join(Purchase)
               .where(PurchaseItem.item == OrderItem.id, Purchase.active == True))  # noqa: E712 - peewee expression
    return (OrderItem.refund_status != "refunded") & ~fn.EXISTS(covered)


def _refresh_chunk(ids: list[int]) -> None:
    pending = dict(OrderItem.select(OrderItem.order, fn.COUNT(OrderItem.id))
                   .where(OrderItem.order.in_(ids), still_to_buy())
                   .group_by(OrderItem.order).tuples())
    amounts = dict(Purchase.select(Purchase.order, fn.SUM(Purchase.amount))
                   .where(Purchase.order.in_(ids), Purchase.active == True)  # noqa: E712
                   .group_by(Purchase.order).tuples())
    refunds: dict[int, list[str]] = {}
    for order_id, refund in (OrderItem.select(OrderItem.order, OrderItem.refund_status)
                             .where(OrderItem.order.in_(ids)).tuples()):
        refunds.setdefault(order_id, []).append(refund)
    for order_id in ids:
        (Order.update(pending_items=pending.get(order_id, 0),
                      purchase_amount=amounts.get(order_id, 0) or 0,
                      refund_state=refund_state_of(refunds.get(order_id, [])))
         .where(Order.id == order_id).execute())
