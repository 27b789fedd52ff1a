"""The world moving on: due events run in time order when the clock advances.

Each event draws its randomness from a stream named after the event id, so a run is the same
for the same seed, start time and sequence of steps, whatever the wall clock says.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import catalog, clock, disputes, events, orders, supply  # noqa: F401  (supply registers its handlers)
from .clock import rng
from .couriers import random_number
from .events import handles
from .models import Dispute, Event, Order, OrderItem, Shop, World


def create_world(seed: int, start: datetime) -> None:
    World.create(seed=seed, started_at=start, now=start)
    catalog.list_supplier_products(catalog.create_supplier_shops())


def advance(minutes: float) -> dict:
    """Move the clock ``minutes`` forward, running every event due on the way."""
    if minutes < 0:
        raise ValueError("时间只能向前拨")
    target = clock.now() + timedelta(minutes=minutes)
    ran = run_due(target)
    clock.set_now(target)
    return {"now": clock.fmt(target), "ran": ran}


def run_due(until: datetime) -> list[str]:
    """Run due events in (time, id) order; an event may schedule more, which run too if due."""
    ran = []
    while True:
        event = (Event.select().where((Event.done == False) & (Event.due_at <= until))  # noqa: E712
                 .order_by(Event.due_at, Event.id).first())
        if event is None:
            return ran
        summary = events.HANDLERS[event.kind](event, rng("event", event.id))
        Event.update(done=True).where(Event.id == event.id).execute()
        if summary:
            ran.append(f"{clock.fmt(event.due_at)} {summary}")


def start_arrivals(shop: Shop, since: datetime, autoship_before: datetime | None = None) -> None:
    """Let buyers find the shop from ``since`` on (at ``shop.orders_per_day``)."""
    if shop.orders_per_day > 0:
        first = since + timedelta(minutes=rng("arrivals", shop.id, since).expovariate(shop.orders_per_day / 1440))
        events.schedule("order_arrival", first, shop_id=shop.id,
                        autoship_before=autoship_before.isoformat() if autoship_before else None)


@handles("order_arrival")
def _order_arrival(event: Event, rnd: random.Random) -> str | None:
    shop = Shop.get_by_id(event.payload["shop_id"])
    if shop.orders_per_day <= 0:
        return None
    at = event.due_at
    events.schedule("order_arrival", at + timedelta(minutes=rnd.expovariate(shop.orders_per_day / 1440)),
                    **event.payload)
    paid = rnd.random() >= 0.1
    order = orders.place_order(shop, at, rnd, paid=paid)
    if not paid:
        if rnd.random() < 0.7:
            events.schedule("buyer_pays", at + timedelta(minutes=rnd.randint(3, 120)), tid=order.tid)
        else:
            events.schedule("unpaid_close", at + timedelta(hours=24), tid=order.tid)
        return f"{shop.name} 新订单 {order.tid}（待付款）"
    _after_payment(order, at, rnd, event.payload.get("autoship_before"))
    return f"{shop.name} 新订单 {order.tid}（已付款）"


def _after_payment(order: Order, at: datetime, rnd: random.Random, autoship_before: str | None = None) -> None:
    if rnd.random() < 0.04:
        item = rnd.choice(list(order.items))
        events.schedule("buyer_dispute", at + timedelta(minutes=rnd.randint(30, 36 * 60)), oid=item.oid,
                        dispute_kind="refund_only")
    ship_at = at + timedelta(hours=rnd.uniform(6, 30))
    if autoship_before and ship_at < datetime.fromisoformat(autoship_before):
        # Demo history: the seller of the past already shipped these orders.
        events.schedule("history_ship", ship_at, tid=order.tid)


@handles("buyer_pays")
def _buyer_pays(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    if order.status != orders.WAIT_BUYER_PAY:
        return None
    orders.pay(order, event.due_at)
    _after_payment(order, event.due_at, rnd)
    return f"买家付款 {order.tid}"


@handles("unpaid_close")
def _unpaid_close(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    if order.status != orders.WAIT_BUYER_PAY:
        return None
    order.status = orders.TRADE_CLOSED
    order.save()
    return f"超时未付款关闭 {order.tid}"


@handles("history_ship")
def _history_ship(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    code, number = random_number(rnd)
    try:
        orders.consign(order, event.due_at, courier_code=code, tracking_no=number)
    except orders.ConsignError:
        return None
    return f"历史发货 {order.tid}"


@handles("buyer_follow_up")
def _buyer_follow_up(event: Event, rnd: random.Random) -> str | None:
    """Some days after shipping the buyer confirms, complains about the goods, or waits."""
    order = Order.get(Order.tid == event.payload["tid"])
    if order.status != orders.WAIT_BUYER_CONFIRM_GOODS:
        return None
    roll = rnd.random()
    if roll < 0.55:
        return f"买家确认收货 {order.tid}" if orders.confirm_receipt(order, event.due_at) else None
    if roll < 0.63:
        item = rnd.choice(list(order.items))
        kind = rnd.choice(("return_refund", "return_refund", "refund_only"))
        return _open(item, kind, event.due_at, rnd)
    events.schedule("buyer_follow_up", event.due_at + timedelta(days=rnd.uniform(1, 3)), tid=order.tid)
    return None


@handles("auto_confirm")
def _auto_confirm(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    return f"系统自动确认收货 {order.tid}" if orders.confirm_receipt(order, event.due_at) else None


@handles("buyer_dispute")
def _buyer_dispute(event: Event, rnd: random.Random) -> str | None:
    item = OrderItem.get(OrderItem.oid == event.payload["oid"])
    return _open(item, event.payload["dispute_kind"], event.due_at, rnd)


def _open(item: OrderItem, kind: str, at: datetime, rnd: random.Random) -> str | None:
    try:
        dispute = disputes.open_dispute(item, kind, at, rnd.choice(disputes.REASONS[kind]))
    except disputes.DisputeError:
        return None
    return f"买家申请{disputes.KIND_TEXT[kind]} {dispute.dispute_id}"


@handles("dispute_timeout")
def _dispute_timeout(event: Event, rnd: random.Random) -> str | None:
    dispute = Dispute.get(Dispute.dispute_id == event.payload["dispute_id"])
    if dispute.status != event.payload["status"] or dispute.updated_at.isoformat() != event.payload["since"]:
        return None  # somebody acted in time
    disputes.timeout(dispute, event.due_at)
    return f"售后超时处理 {dispute.dispute_id} → {disputes.status_text(dispute)}"


@handles("buyer_return")
def _buyer_return(event: Event, rnd: random.Random) -> str | None:
    dispute = Dispute.get(Dispute.dispute_id == event.payload["dispute_id"])
    if dispute.status != disputes.WAIT_BUYER_RETURN:
        return None
    if rnd.random() < 0.1:
        disputes.close(dispute, event.due_at)
        return f"买家未退货，退款关闭 {dispute.dispute_id}"
    disputes.buyer_return(dispute, event.due_at, *random_number(rnd))
    return f"买家已退货 {dispute.dispute_id}"


@handles("buyer_close_dispute")
def _buyer_close(event: Event, rnd: random.Random) -> str | None:
    dispute = Dispute.get(Dispute.dispute_id == event.payload["dispute_id"])
    if dispute.status != disputes.REFUSED:
        return None
    disputes.close(dispute, event.due_at)
    return f"买家撤销退款 {dispute.dispute_id}"
