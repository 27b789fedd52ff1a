"""Parcel tracking (物流轨迹) of a shipment, as every platform's logistics view shows it.

The steps are fixed when the parcel is shipped (seeded by its tracking number) and revealed as
the simulation clock passes them: 揽收 within hours, in transit, out for delivery, signed for
within 1–4 days. Wording follows the usual 快递 traces (sandbox text).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .clock import fmt, rng
from .couriers import BY_CODE
from .models import Order, Shipment
from .people import REGIONS

SIGNED = "已签收"


def _supplier_city(order: Order) -> str:
    return rng("supplier-city", order.shop_id).choice(REGIONS)[1]


def steps(shipment: Shipment) -> list[tuple[datetime, str, str]]:
    """Every step of the parcel, oldest first: (time, state, text)."""
    order = shipment.order
    rnd = rng("trace", shipment.tracking_no)
    courier = BY_CODE[shipment.courier_code].name
    origin, dest = _supplier_city(order), order.receiver_city
    at = shipment.created_at
    plan = [
        (rnd.uniform(0.5, 4), "已揽收", f"【{origin}】{courier} {origin}揽投部 已揽收"),
        (rnd.uniform(2, 8), "运输中", f"【{origin}】已发出，下一站 {origin}转运中心"),
        (rnd.uniform(8, 40), "运输中", f"【{dest}】已到达 {dest}转运中心"),
        (rnd.uniform(3, 12), "派送中", f"【{dest}】{order.receiver_district}营业部 派件员正在为您派件"),
        (rnd.uniform(1, 8), SIGNED, f"【{dest}】您的快件已签收，签收人：本人签收。感谢使用{courier}"),
    ]
    out = []
    for hours, state, text in plan:
        at = at + timedelta(hours=hours)
        out.append((at.replace(microsecond=0), state, text))
    return out


def trace(shipment: Shipment, now: datetime) -> list[dict[str, str]]:
    """The steps reached by ``now``, newest first: [{time, state, desc}]."""
    reached = [s for s in steps(shipment) if s[0] <= now]
    return [{"time": fmt(at), "state": state, "desc": text} for at, state, text in reversed(reached)]


def state(shipment: Shipment, now: datetime) -> str:
    """The parcel's latest state, 已发货 before the courier picked it up."""
    reached = trace(shipment, now)
    return reached[0]["state"] if reached else "已发货"
