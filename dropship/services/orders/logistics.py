"""物流信息 of orders consigned outside the app (the seller shipped in 千牛): kept as `platform` shipments.

A detail page shows every parcel of the order, ours included; a parcel whose tracking number we
consigned ourselves is not stored twice. Storing is idempotent: the same page read twice changes
nothing, and a page that shows other parcels replaces the ones it showed before.
"""
from __future__ import annotations

from datetime import datetime

from dropship.couriers import BY_NAME
from dropship.models import Order, Shipment
from dropship.platforms.base import Parcel

PLATFORM_MODE = "platform"  # Shipment.mode of a parcel read from the shop backend, not consigned by us
NO_LOGISTICS = "无需物流"


def needs_parcels(order: Order, shipped_ids: set[int]) -> bool:
    """Whether the shop says the order left (shipped / finished) and we know no parcel of it."""
    return order.status in ("partly_shipped", "shipped", "finished") and order.id not in shipped_ids


def orders_with_parcels(order_ids: list[int]) -> set[int]:
    """Of these orders, those with a done shipment (ours or read from the shop)."""
    if not order_ids:
        return set()
    return {i for (i,) in Shipment.select(Shipment.order).where(Shipment.order.in_(order_ids),
                                                                 Shipment.state == "done").tuples()}


def record_parcels(order_id: int, parcels: list[Parcel], now: datetime | None = None) -> bool:
    """Keep what the shop backend shows as this order's parcels; returns whether anything changed."""
    ours = {s.tracking_number for s in Shipment.select(Shipment.tracking_number).where(
        Shipment.order == order_id, Shipment.mode != PLATFORM_MODE, Shipment.state == "done")}
    wanted = []
    for parcel in parcels:
        if parcel.dummy:
            wanted.append(("", NO_LOGISTICS, ""))
        elif parcel.tracking_number and parcel.tracking_number not in ours:
            courier = BY_NAME.get(parcel.courier_name)
            wanted.append((courier.code if courier else "", parcel.courier_name, parcel.tracking_number))
    stored = list(Shipment.select().where(Shipment.order == order_id, Shipment.mode == PLATFORM_MODE)
                  .order_by(Shipment.id))
    if [(s.courier, s.courier_name, s.tracking_number) for s in stored] == wanted:
        return False
    Shipment.delete().where(Shipment.id.in_([s.id for s in stored])).execute()
    for courier, name, number in wanted:
        Shipment.create(order=order_id, courier=courier, courier_name=name, tracking_number=number,
                        mode=PLATFORM_MODE, state="done", created_at=now or datetime.now())
    return True
