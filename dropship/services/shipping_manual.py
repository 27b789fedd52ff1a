"""手动发货 on the order card: check what was typed, then record the shipment for the consign job.

Everything is checked before anything is written: a bad courier, number or sub-order choice is a
FieldError beside its field and changes nothing. A number that does not fit the courier's usual
pattern (couriers.looks_valid) is only a warning the user may override with 「仍然发货」: the
platform's own check on consign is final, and its rejection text lands on the shipment.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from dropship.couriers import BY_CODE, BY_NAME, COURIERS, Courier, looks_valid
from dropship.db import db
from dropship.errors import FieldError
from dropship.models import Order, OrderItem, Shipment
from dropship.services.orders.labels import OPEN_STATUSES, STATUS_LABELS
from dropship.services.scope import Scope

MAX_NUMBER = 40  # Shipment.tracking_number's column, and longer than any courier's numbers
NUMBER_RE = re.compile(r"^[0-9A-Za-z-]+$")
# A shipment not yet failed still covers its sub-orders: a second one would ship them twice. Unlike the
# automatic rule's COVERING_STATES (services.shipping), 需手动发货 (`manual`) and `skipped` rows do not:
# shipping those by hand is what this dialog is for.
LIVE_STATES = ("pending", "done")


@dataclass(frozen=True)
class ManualShipment:
    """What 手动发货 will consign, once checked: a pattern mismatch is `warning` (overridable)."""

    order: Order
    courier: Courier
    tracking_number: str
    oids: list[str]  # empty = the whole order
    warning: str = ""
    shipment_id: int = 0  # the pending Shipment once recorded


def courier_choices() -> tuple[Courier, ...]:
    """物流公司: the one courier table, in its order (the dialog's searchable list)."""
    return COURIERS


def parse_courier(text: Any) -> Courier:
    """A courier typed or picked by name (中通快递) or by code (ZTO); FieldError otherwise."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not value:
        raise FieldError("courier", "请选择物流公司")
    courier = BY_NAME.get(value) or BY_CODE.get(value.upper())
    if courier is None:
        raise FieldError("courier", "没有这个物流公司，请从列表中选择")
    return courier


def clean_number(text: Any) -> str:
    """The 物流单号 as the courier prints it: full-width characters folded, letters upper-cased."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip()
    if not value:
        raise FieldError("tracking_number", "请填写物流单号")
    if any(ch.isspace() for ch in value):
        raise FieldError("tracking_number", "物流单号不能包含空格")
    if len(value) > MAX_NUMBER:
        raise FieldError("tracking_number", f"物流单号最多 {MAX_NUMBER} 个字符")
    if not NUMBER_RE.match(value):
        raise FieldError("tracking_number", "物流单号只能包含字母、数字和 -")
    return value.upper()


def pattern_warning(courier: Courier, number: str) -> str:
    """The overridable warning when the number does not look like this courier's ('' when it does)."""
    if looks_valid(courier.code, number):
        return ""
    return f"物流单号 {number} 不像{courier.name}的单号，请核对；确认无误可点“仍然发货”（以平台校验为准）"


def covered_oids(order_id: int) -> set[str] | None:
    """Sub-orders a live shipment (pending or done) already covers; None = the whole order is covered."""
    covered: set[str] = set()
    for (oids,) in Shipment.select(Shipment.oids).where(Shipment.order == order_id,
                                                         Shipment.state.in_(LIVE_STATES)).tuples():
        if not oids:
            return None
        covered.update(str(o) for o in oids)
    return covered


def shippable_items(order: Order) -> list[OrderItem]:
    """The sub-orders 手动发货 may still ship: not refunded, not covered by a live shipment."""
    if order.status not in OPEN_STATUSES:
        return []
    covered = covered_oids(order.id)
    if covered is None:
        return []
    return [item for item in OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id)
            if item.oid not in covered and item.refund_status != "refunded"]


def _order(scope: Scope, order_id: int) -> Order:
    order = scope.apply(Order.select().where(Order.id == order_id)).first()
    if order is None:
        raise FieldError("order", "订单不存在")
    return order


def check_manual(scope: Scope, order_id: int, form: dict[str, Any]) -> ManualShipment:
    """Check the 手动发货 form (courier, tracking_number, oids); every bad field at once, nothing written."""
    order = _order(scope, order_id)
    if order.status not in OPEN_STATUSES:
        label = STATUS_LABELS.get(order.status, order.status)
        raise FieldError("order", f"订单状态为“{label}”，不能发货")
    errors: dict[str, str] = {}
    courier = number = None
    try:
        courier = parse_courier(form.get("courier"))
    except FieldError as exc:
        errors.update(exc.errors)
    try:
        number = clean_number(form.get("tracking_number"))
    except FieldError as exc:
        errors.update(exc.errors)
    items = shippable_items(order)
    if not items:
        errors["order"] = "该订单没有待发货的子订单（已发货、发货中或已退款）"
    chosen = [str(o) for o in form.get("oids") or []]
    open_oids = [item.oid for item in items]
    if len(open_oids) > 1 and not chosen:
        errors["oids"] = "请勾选要发货的子订单"
    elif any(oid not in open_oids for oid in chosen):
        errors["oids"] = "所选子订单不存在或已发货"
    if errors:
        raise FieldError.many(errors)
    assert courier is not None and number is not None
    # every open sub-order chosen (or the only one): ship the whole order, as the backend's default
    wanted = set(chosen or open_oids)
    whole = wanted == set(open_oids) and covered_oids(order.id) == set()
    oids = [] if whole else [oid for oid in open_oids if oid in wanted]
    return ManualShipment(order=order, courier=courier, tracking_number=number, oids=oids,
                          warning=pattern_warning(courier, number))


def create_manual(scope: Scope, order_id: int, form: dict[str, Any]) -> ManualShipment:
    """Check, then record a pending manual Shipment for the consign job (the result's `shipment_id`).

    Returns the checked plan without writing when it carries a warning the user has not overridden:
    「仍然发货」 posts `confirm` = the number it warned about, so a number changed since is checked again.
    """
    plan = check_manual(scope, order_id, form)
    confirmed = unicodedata.normalize("NFKC", str(form.get("confirm") or "")).strip().upper()
    if plan.warning and confirmed != plan.tracking_number:
        return plan
    with db.atomic():
        # checked again inside the transaction: two clicks (or two PCs) never make two shipments
        again = check_manual(scope, order_id, form)
        shipment = Shipment.create(order=again.order.id, courier=again.courier.code, courier_name=again.courier.name,
                                   tracking_number=again.tracking_number, oids=again.oids, mode="manual",
                                   state="pending")
    return replace(again, shipment_id=shipment.id)


def attach_job(shipment_id: int, job_id: int) -> None:
    """Link the shipment to the job consigning it (the card's job line)."""
    Shipment.update(job=job_id).where(Shipment.id == shipment_id).execute()
