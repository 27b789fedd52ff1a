"""Finding the supplier order a purchase created, and what to do with a purchase after a crash.

The order is found by diffing, never by taking "the latest": the ids of the account's orders created
since the window's start (待付款 ones included) are saved before 提交订单 (`Purchase.orders_before`),
so an order paid a minute earlier is not "new"; afterwards exactly one order that was not there,
created inside the time window, with a line of the wanted item, SKU and quantity, is ours. None or
several: stop and park it for a person (a second submit could buy twice).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dropship.platforms.base import SupplierOrder

# Clock skew between us and the platform, and list lag: the window opens this much before submit.
WINDOW_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class Want:
    item_id: str
    sku_id: str
    quantity: int


@dataclass(frozen=True)
class Found:
    order: SupplierOrder


@dataclass(frozen=True)
class Park:
    reason: str


def window(submitted_at: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The diff's window: from just before the submit to just after now."""
    return submitted_at - WINDOW_SLACK, now + WINDOW_SLACK


def _has_line(order: SupplierOrder, want: Want) -> bool:
    """A line of the item and quantity; the SKU must agree where the list carries one (some lists,
    e.g. PDD's, name the spec only in words: item + quantity + new + in the window is the evidence)."""
    return any(line.item_id == want.item_id and line.quantity == want.quantity
               and (not line.sku_id or not want.sku_id or line.sku_id == want.sku_id) for line in order.lines)


def find_new_order(before: set[str], after: list[SupplierOrder], want: Want,
                   within: tuple[datetime, datetime]) -> Found | Park:
    """Exactly one new matching order, or why a person must look (never "the latest")."""
    start, end = within
    unique = {order.order_id: order for order in after}  # pages may overlap
    new = [o for o in unique.values() if o.order_id not in before]
    matches = [o for o in new if start <= o.created_at <= end and _has_line(o, want)]
    if len(matches) == 1:
        return Found(matches[0])
    if not matches:
        return Park(f"提交后没有找到新的采购订单（新订单 {len(new)} 个，没有一个是该商品、规格、数量）："
                    "请到采购平台查看是否已下单，再添加采购订单信息或重新下单")
    ids = "、".join(sorted(o.order_id for o in matches))
    return Park(f"提交后找到 {len(matches)} 个相同商品的新订单（{ids}），无法确定哪个是本单：请人工核对")


# -- after a crash or timeout ---------------------------------------------------------------------

# What the purchase task does first with a purchase it finds in each state (before anything else):
RECOVERY: dict[str, str] = {
    "preparing": "restart",  # nothing was submitted (submitted is written before the click): start over
    "submitted": "rediff",  # the click may have happened: diff against the saved snapshot, never submit again
    "unpaid": "reread",  # the order is known: read its 拍单状态, then pay only if it is still unpaid
    "paying": "reread",  # pay may have been clicked: read its 拍单状态 before anything else
    "parked": "wait",  # a person decides
    "paid": "done", "recorded": "done", "refused": "done", "cancelled": "done", "refunded": "done",
}


def recovery_action(state: str) -> str:
    return RECOVERY[state]


def rediff(orders_before: list[str] | None, after: list[SupplierOrder], want: Want, submitted_at: datetime | None,
           now: datetime) -> Found | Park:
    """`submitted` after a crash: the same diff, against the snapshot saved before the submit."""
    if orders_before is None or submitted_at is None:
        return Park("提交前的订单快照丢失，无法确认是否已下单：请到采购平台人工核对")
    return find_new_order(set(orders_before), after, want, window(submitted_at, now))
