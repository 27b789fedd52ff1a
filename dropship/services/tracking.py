"""物流状态 of the supplier parcels we ship with (在途 / 已签收 / 异常), and the 物流异常 filter.

The status comes from what the purchase sync reads of the supplier order (its 拍单状态 and, where the
driver read one, the trace: transit_step.do on 淘宝): recorded on the purchase with the time the
number arrived and the time the trace last moved. 物流异常 (beyond the manual) is a SQL condition
over those columns: bought N days ago and still no number, a number that has not moved for M hours
and is not signed for, or a trace that says something went wrong.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from peewee import Expression, fn

from dropship.models import Order, Purchase
from dropship.platforms.base import SupplierOrder, TraceStep
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.settings import get_setting, int_between, register

IN_TRANSIT, SIGNED, EXCEPTION = "in_transit", "signed", "exception"
TRACKING_LABELS: dict[str, str] = {IN_TRANSIT: "在途", SIGNED: "已签收", EXCEPTION: "异常"}
# Words of the usual 快递 traces when a parcel is in trouble (疑难件, 拒收, 退回, 滞留 …).
EXCEPTION_WORDS: tuple[str, ...] = ("疑难", "拒收", "退回", "退件", "滞留", "无法派送", "异常", "丢失", "破损")
# 拍单状态 of supplier orders that no longer ship anything.
DEAD_STATUSES: tuple[str, ...] = ("cancelled", "refunding", "refunded")
FILTER_CHOICES: dict[str, str] = {"abnormal": "物流异常"}

register("logistics.no_tracking_days", "采购后无物流单号（天）", 3, int_between(1, 30))
register("logistics.stale_hours", "物流无更新（小时）", 72, int_between(6, 30 * 24))


def classify(status: str, trace: Sequence[TraceStep]) -> tuple[str, datetime | None]:
    """(在途 / 已签收 / 异常, when the trace last moved) from the 拍单状态 and the trace, if any."""
    latest = max(trace, key=lambda step: step.at) if trace else None
    if latest is not None and any(word in latest.text for word in EXCEPTION_WORDS):
        return EXCEPTION, latest.at
    if status == "received" or (latest is not None and "签收" in latest.text):
        return SIGNED, latest.at if latest else None
    return IN_TRANSIT, latest.at if latest else None


def record_tracking(purchase: Purchase, order: SupplierOrder, now: datetime | None = None) -> bool:
    """Store the parcel's status on the purchase; whether anything changed. Nothing before a number."""
    if not (order.tracking_number or purchase.tracking_number):
        return False
    state, moved = classify(order.status, order.trace)
    changes: dict = {}
    if purchase.tracking_state != state:
        changes["tracking_state"] = state
    if purchase.tracking_at is None:
        changes["tracking_at"] = now or datetime.now()
    if moved is not None and moved != purchase.tracking_moved_at:
        changes["tracking_moved_at"] = moved
    if not changes:
        return False
    Purchase.update({getattr(Purchase, name): value for name, value in changes.items()}).where(
        Purchase.id == purchase.id).execute()
    for name, value in changes.items():
        setattr(purchase, name, value)
    return True


def abnormal_condition(now: datetime | None = None, days: int | None = None, hours: int | None = None) -> Expression:
    """物流异常 over `Order`: an open or shipped order with a live bought purchase whose parcel is late
    (no number `days` after buying), stuck (no movement for `hours`, not signed) or in trouble."""
    now = now or datetime.now()
    days = int(get_setting("logistics.no_tracking_days")) if days is None else days
    hours = int(get_setting("logistics.stale_hours")) if hours is None else hours
    bought = (Purchase.active == True) & (Purchase.state.in_(("paid", "recorded")))  # noqa: E712
    late = (Purchase.tracking_number == "") & (fn.COALESCE(Purchase.purchased_at, Purchase.created_at)
                                               < now - timedelta(days=days))
    stuck = ((Purchase.tracking_number != "") & (Purchase.tracking_state != SIGNED)
             & (fn.COALESCE(Purchase.tracking_moved_at, Purchase.tracking_at) < now - timedelta(hours=hours)))
    trouble = Purchase.tracking_state == EXCEPTION
    purchases = Purchase.select(Purchase.order).where(bought, Purchase.status.not_in(DEAD_STATUSES),
                                                      late | stuck | trouble)
    return Order.status.in_((*OPEN_STATUSES, "shipped")) & Order.id.in_(purchases)
