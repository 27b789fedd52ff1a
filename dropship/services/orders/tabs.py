"""The nine tabs of 订单管理, each a peewee expression over `Order` columns only.

The roll-ups (pending_items, refund_state, purchase_amount) keep the predicates free of joins, so
the page counts all nine tabs in one aggregate query over the current search and pages through one
tab in SQL (see `queries`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import SQL, Expression

from dropship.models import Order
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.settings import get_setting, int_between, register

register("orders.deadline_hours", "即将发货超时", 6, int_between(1, 72))


@dataclass(frozen=True)
class TabContext:
    """What the time-dependent tab needs, read once per page so all counts agree."""

    now: datetime
    soon_hours: int

    @classmethod
    def current(cls) -> TabContext:
        return cls(datetime.now(), int(get_setting("orders.deadline_hours")))


def tab_all(ctx: TabContext) -> Expression:
    return SQL("1 = 1")


def tab_to_purchase(ctx: TabContext) -> Expression:
    """待采购: paid, and some live sub-order has no active purchase (refunded lines need none)."""
    return Order.status.in_(OPEN_STATUSES) & (Order.pending_items > 0)


def tab_abnormal(ctx: TabContext) -> Expression:
    """异常订单: marked 缺货 / 找不到货源 / 亏钱 with 标记.

    `> ''` rather than `!= ''` (the same rows: the column is never NULL) so an index range serves it.
    """
    return Order.abnormal > ""


def tab_to_ship(ctx: TabContext) -> Expression:
    """待发货: paid, every live sub-order bought, not fully refunded: waiting for our consign."""
    return Order.status.in_(OPEN_STATUSES) & (Order.pending_items == 0) & (Order.refund_state != "refunded")


def tab_shipped(ctx: TabContext) -> Expression:
    return Order.status == "shipped"


def tab_refunding(ctx: TabContext) -> Expression:
    """退款中: some sub-order has an open refund."""
    return Order.refund_state == "refunding"


def tab_closed(ctx: TabContext) -> Expression:
    return Order.status == "closed"


def tab_finished(ctx: TabContext) -> Expression:
    return Order.status == "finished"


def tab_due_soon(ctx: TabContext) -> Expression:
    """即将发货超时: not shipped and the deadline is within the configured hours (or already past)."""
    return Order.status.in_(OPEN_STATUSES) & (Order.ship_deadline <= ctx.now + timedelta(hours=ctx.soon_hours))


@dataclass(frozen=True)
class Tab:
    code: str
    label: str
    predicate: Callable[[TabContext], Expression]
    # a tab that moves with the clock cannot be kept by counters (services.orders.counters)
    live: bool = False


TABS: tuple[Tab, ...] = (
    Tab("all", "全部订单", tab_all),
    Tab("to_purchase", "待采购", tab_to_purchase),
    Tab("abnormal", "异常订单", tab_abnormal),
    Tab("to_ship", "待发货", tab_to_ship),
    Tab("shipped", "已发货", tab_shipped),
    Tab("refunding", "退款中", tab_refunding),
    Tab("closed", "交易关闭", tab_closed),
    Tab("finished", "交易成功", tab_finished),
    Tab("due_soon", "即将发货超时", tab_due_soon, live=True),
)
TAB_BY_CODE: dict[str, Tab] = {tab.code: tab for tab in TABS}
