"""The suppliers' side of a purchase: stock, 拼单 completion, shipping after a delay (or never),
and answering our refunds. Everything runs on the simulation clock with seeded streams.

Sandbox assumptions (README.md): a supplier ships a paid purchase 30 minutes to 2 days later,
8 % of purchases never ship on their own (for the 即将超时 and no-tracking cases); a 拼单 fills up
5 minutes to 3 hours after payment; refunds are agreed within hours, returned goods are
received within 1–3 days.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from . import disputes, events, orders
from .clock import rng
from .couriers import BY_CODE, SUPPLIER_COURIERS
from .events import handles
from .models import Dispute, Event, Order, Shipment, Sku

GROUP_WAITING, GROUP_DONE = "待分享", "拼单成功"
NEVER_SHIPS_SHARE = 0.08
SHIP_DELAY_MINUTES = (30, 2 * 1440)
GROUP_FILL_MINUTES = (5, 180)
REFUND_ANSWER_HOURS = (1, 6)
RETURN_RECEIVE_HOURS = (24, 72)
UNPAID_CLOSE = timedelta(hours=24)


def take_stock(lines: list[tuple[Sku, int]]) -> None:
    """拍下减库存: the order holds its stock from the moment it is placed."""
    for sku, quantity in lines:
        Sku.update(stock=Sku.stock - quantity).where(Sku.id == sku.id).execute()


def release_stock(order: Order) -> None:
    for item in order.items:
        if item.sku_id:
            Sku.update(stock=Sku.stock + item.quantity).where(Sku.id == item.sku_id).execute()


def expect_payment(order: Order) -> None:
    events.schedule("purchase_unpaid_close", order.created_at + UNPAID_CLOSE, tid=order.tid)


@handles("purchase_unpaid_close")
def _unpaid_close(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    if order.status != orders.WAIT_BUYER_PAY:
        return None
    close_unpaid(order)
    return f"采购单超时未付款关闭 {order.tid}"


def close_unpaid(order: Order) -> None:
    order.status = orders.TRADE_CLOSED
    order.save()
    release_stock(order)


def after_payment(order: Order, at: datetime) -> None:
    """A 拼单 waits for its group; any other paid purchase goes into the supplier's queue."""
    if order.group_order_id:
        order.group_status = GROUP_WAITING
        order.save()
        minutes = rng("group", order.tid).uniform(*GROUP_FILL_MINUTES)
        events.schedule("group_completes", at + timedelta(minutes=minutes), tid=order.tid)
    else:
        plan_shipping(order, at)


@handles("group_completes")
def _group_completes(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    return f"拼单成功 {order.tid}" if complete_group(order, event.due_at) else None


def complete_group(order: Order, at: datetime) -> bool:
    """The other buyers joined: 待分享 becomes 待发货 and the supplier starts packing."""
    if order.group_status != GROUP_WAITING or order.status not in orders.UNSHIPPED:
        return False
    order.group_status = GROUP_DONE
    order.save()
    plan_shipping(order, at)
    return True


def plan_shipping(order: Order, at: datetime) -> None:
    rnd = rng("supply", order.tid)
    if order.never_ships or rnd.random() < NEVER_SHIPS_SHARE:
        order.never_ships = True
        order.save()
        return
    events.schedule("supplier_ships", at + timedelta(minutes=rnd.uniform(*SHIP_DELAY_MINUTES)), tid=order.tid)


@handles("supplier_ships")
def _supplier_ships(event: Event, rnd: random.Random) -> str | None:
    order = Order.get(Order.tid == event.payload["tid"])
    try:
        shipment = ship(order, event.due_at, rnd)
    except orders.ConsignError:
        return None  # cancelled or refunded meanwhile
    return f"上家发货 {order.tid} {BY_CODE[shipment.courier_code].name} {shipment.tracking_no}"


def ship(order: Order, at: datetime, rnd: random.Random, courier_code: str = "", tracking_no: str = "") -> Shipment:
    """The supplier ships the whole purchase: a courier of theirs and a fresh number unless given."""
    if order.group_status == GROUP_WAITING:
        raise orders.ConsignError("拼单未成功，不能发货")
    if not courier_code:
        courier_code = rnd.choice([c for c in SUPPLIER_COURIERS
                                   if order.shop.platform not in orders.TAOBAO_FAMILY or BY_CODE[c].on_taobao])
    if not tracking_no and courier_code in BY_CODE:
        tracking_no = BY_CODE[courier_code].make_number(rnd)
    return orders.consign(order, at, courier_code=courier_code, tracking_no=tracking_no)


# A supplier's after-sales steps: some hours after the buyer's move, agree if nothing else happened.
# step name -> (rng stream, delay range in hours, status it waits in, summary)
SUPPLIER_STEPS = {
    "supplier_answers_refund": ("refund-answer", REFUND_ANSWER_HOURS, disputes.PENDING, "上家同意{kind} {id} → {status}"),
    "supplier_receives_return": ("return-receive", RETURN_RECEIVE_HOURS, disputes.WAIT_SELLER_RECEIVE,
                                 "上家收到退货并退款 {id}"),
}


def _schedule_step(step: str, dispute: Dispute, at: datetime) -> None:
    stream, hours, _, _ = SUPPLIER_STEPS[step]
    delay = rng(stream, dispute.dispute_id).uniform(*hours)
    events.schedule(step, at + timedelta(hours=delay), dispute_id=dispute.dispute_id)


def return_address(dispute: Dispute) -> str:
    """Where the supplier wants a 退货退款 sent, shown once it agreed (a sandbox address per shop)."""
    if dispute.kind != "return_refund" or dispute.status in (disputes.PENDING, disputes.REFUSED, disputes.CLOSED):
        return ""
    n = rng("return-address", dispute.order.shop_id).randint(1, 999)
    return f"浙江省 杭州市 余杭区 仓前街道 文一西路{n}号 {dispute.order.shop.name}售后部 0571-8{n:03d}0000"


def answer_refund(dispute: Dispute, at: datetime) -> None:
    _schedule_step("supplier_answers_refund", dispute, at)


def receive_return(dispute: Dispute, at: datetime) -> None:
    _schedule_step("supplier_receives_return", dispute, at)


def _supplier_step(event: Event, rnd: random.Random) -> str | None:
    _, _, waits_in, summary = SUPPLIER_STEPS[event.kind]
    dispute = Dispute.get(Dispute.dispute_id == event.payload["dispute_id"])
    if dispute.status != waits_in:
        return None  # the buyer or the platform moved first
    disputes.agree(dispute, event.due_at)
    return summary.format(kind=disputes.KIND_TEXT[dispute.kind], id=dispute.dispute_id,
                          status=disputes.status_text(dispute))


for _step in SUPPLIER_STEPS:
    handles(_step)(_supplier_step)
