"""The order card: one order with its sub-orders, purchases, shipments and receiver, as the list shows it."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from peewee import ModelSelect

from dropship.couriers import courier_name
from dropship.models import Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem, Shipment
from dropship.platforms.base import Receiver
from dropship.services import money
from dropship.services.baitong import REPLACED
from dropship.services.by_ids import by_ids, rows_by_key
from dropship.services.orders.labels import ABNORMAL_LABELS, REFUND_LABELS, STATUS_LABELS
from dropship.services.orders.logistics import NO_LOGISTICS, PLATFORM_MODE
from dropship.services.receiver import masked_receiver, real_receiver
from dropship.services.shipping import shipment_note


# The card's rules as functions of plain values, so a reader of many orders as tuples (the export)
# applies the same ones without building cards.
def status_label(status: str, status_code: str, status_text: str, refund_state: str) -> str:
    """订单状态 as the card shows it: 其他 with the platform's code, the order's refund state after it."""
    base = STATUS_LABELS.get(status, status)
    if status == "other":
        base = f"其他（{status_code or status_text or '未知'}）"
    return f"{base}（{REFUND_LABELS[refund_state]}）" if refund_state else base


def is_shipped(status: str, consigned: bool) -> bool:
    """已发货 / 未发货: consigned by us, or the shop says so (shipped in its own backend)."""
    return consigned or status in ("shipped", "finished")


def order_profit(paid: int, purchase_amount: int, purchased: bool) -> int:
    """订单利润, fen: 0 until something is bought, as the manual's cards show."""
    return money.profit(paid, purchase_amount) if purchased else 0


def order_margin(paid: int, purchase_amount: int, purchased: bool, base: str) -> float | None:
    """利润率 in percent; none until something is bought."""
    return money.margin(paid, purchase_amount, base) if purchased else None


@dataclass
class ItemLine:
    """One sub-order with the active purchase that covers it (None until bought)."""

    item: OrderItem
    purchase: Purchase | None = None

    @property
    def refund_label(self) -> str:
        return self.item.refund_text or REFUND_LABELS.get(self.item.refund_status, "")


@dataclass(frozen=True)
class ParcelLine:
    """One line of 物流信息: a parcel (courier, tracking number) or 不需要发货 (无需物流)."""

    text: str
    tracking_number: str = ""
    outside: bool = False  # consigned in the shop backend (千牛), not by this app
    original: str = ""  # 导入物流单号: the parcel this one replaced (百通一键替换极速), "number (courier)"


@dataclass
class OrderCard:
    # Derived values are cached: the card template reads several of them more than once a card.
    order: Order
    lines: list[ItemLine]
    purchases: list[Purchase]  # active ones, oldest first
    history: int  # cancelled or replaced purchases (采购历史)
    shipments: list[Shipment]
    receiver: Receiver
    decrypted: bool
    margin_base: str = "purchase"

    @property
    def status_label(self) -> str:
        order = self.order
        return status_label(order.status, order.status_code, order.status_text, order.refund_state)

    @property
    def mark_label(self) -> str:
        return ABNORMAL_LABELS.get(self.order.abnormal, "")

    @property
    def purchased(self) -> bool:
        return bool(self.purchases)

    @property
    def unbought(self) -> bool:
        """A sub-order no active purchase covers (添加采购订单信息 is offered)."""
        return any(not line.purchase for line in self.lines)

    @cached_property
    def consigned(self) -> list[Shipment]:
        return [s for s in self.shipments if s.state == "done"]

    @cached_property
    def parcels(self) -> list[ParcelLine]:
        """物流信息 of the consigned parcels, ours and those the seller shipped outside the app."""
        lines = []
        for s in self.consigned:
            if s.mode == PLATFORM_MODE and not s.tracking_number:
                lines.append(ParcelLine(f"不需要发货（{NO_LOGISTICS}）", outside=True))
            else:
                original = f"{s.original_tracking_number} ({courier_name(s.original_courier)})" if s.original_tracking_number else ""
                lines.append(ParcelLine(s.courier_name or courier_name(s.courier) or "快递", s.tracking_number,
                                        s.mode == PLATFORM_MODE, original))
        return lines

    @cached_property
    def shipping_notes(self) -> list[str]:
        """发货中 / 发货失败 with the reason / 需手动发货 / 双物流 … of our shipments (services.shipping)."""
        notes = [shipment_note(s) for s in self.shipments if s.mode != PLATFORM_MODE and s.state != REPLACED]
        return [note for note in notes if note]

    @property
    def consigning(self) -> list[Shipment]:
        """Our shipments whose consign job is under way (the card names the job and its state)."""
        return [s for s in self.shipments if s.state == "pending" and s.job_id]

    @property
    def masked(self) -> bool:
        """Only the platform's masked receiver is known (脱敏): shown as the platform shows it."""
        return not self.decrypted and self.order.address_state == "masked"

    @cached_property
    def shipped(self) -> bool:
        """已发货 / 未发货: consigned by us, or the shop says so (shipped in its own backend)."""
        return is_shipped(self.order.status, bool(self.consigned))

    @cached_property
    def profit(self) -> int:
        return order_profit(self.order.paid_amount, self.order.purchase_amount, self.purchased)

    @cached_property
    def margin(self) -> float | None:
        return order_margin(self.order.paid_amount, self.order.purchase_amount, self.purchased, self.margin_base)


# The card's reads by ids (services.by_ids keeps their SQL text)
def _items(ids: list[int]) -> ModelSelect:
    return OrderItem.select().where(OrderItem.order.in_(ids)).order_by(OrderItem.id)


def _purchases(ids: list[int]) -> ModelSelect:
    return Purchase.select().where(Purchase.order.in_(ids)).order_by(Purchase.created_at, Purchase.id)


def _covered(ids: list[int]) -> ModelSelect:
    return PurchaseItem.select(PurchaseItem.purchase, PurchaseItem.item).where(PurchaseItem.purchase.in_(ids))


def _shipments(ids: list[int]) -> ModelSelect:
    return Shipment.select().where(Shipment.order.in_(ids)).order_by(Shipment.id)


def order_cards(orders: list[Order]) -> list[OrderCard]:
    """Cards for one page of orders: five queries whatever the page size."""
    ids = [o.id for o in orders]
    if not ids:
        return []
    items: dict[int, list[OrderItem]] = {}
    for item in by_ids(_items, ids):
        items.setdefault(item.order_id, []).append(item)
    active: dict[int, list[Purchase]] = {}
    history: dict[int, int] = {}
    by_id: dict[int, Purchase] = {}
    purchases = list(by_ids(_purchases, ids))
    # attached from one read rather than JOINed: peewee builds a joined model per row, the slow part at 100k
    accounts = {a.id: a for a in rows_by_key(PurchaseAccount, {p.account_id for p in purchases if p.account_id})}
    for purchase in purchases:
        if purchase.account_id in accounts:
            purchase.account = accounts[purchase.account_id]
        if purchase.active:
            active.setdefault(purchase.order_id, []).append(purchase)
            by_id[purchase.id] = purchase
        else:
            history[purchase.order_id] = history.get(purchase.order_id, 0) + 1
    covering: dict[int, Purchase] = {}
    if by_id:
        for purchase_id, item_id in by_ids(_covered, list(by_id)).tuples():
            covering[item_id] = by_id[purchase_id]
    shipments: dict[int, list[Shipment]] = {}
    for shipment in by_ids(_shipments, ids):
        shipments.setdefault(shipment.order_id, []).append(shipment)
    base = money.margin_base()
    cards = []
    for order in orders:
        real = real_receiver(order)
        cards.append(OrderCard(
            order=order,
            lines=[ItemLine(item, covering.get(item.id)) for item in items.get(order.id, [])],
            purchases=active.get(order.id, []),
            history=history.get(order.id, 0),
            shipments=shipments.get(order.id, []),
            receiver=real or masked_receiver(order),
            decrypted=real is not None,
            margin_base=base,
        ))
    return cards
