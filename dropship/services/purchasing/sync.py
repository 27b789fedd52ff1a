"""拍单状态 sync: which purchases still need the supplier's view, and recording what its order list says.

The one place a synced status lands (`record_statuses`): the 拍单状态 code, the supplier's courier and
tracking number (what issue 13 ships with), the purchase's own state where the supplier decided it
(paid / cancelled / refunded), then the order's roll-ups and seller memo, as `states.advance` does for
a step. A refunded supplier order ends the purchase (已退款: its 采购金额 no longer counts) and puts the
order in 异常订单 「采购单已退款」 for the seller to decide (states.SUPPLIER_REFUND).

Only settled purchases are touched (`SYNCED_STATES`): one in 准备 / 已提交 / 支付中 belongs to a running
purchase task, which reads the supplier order itself; moving it here would break that task's
compare-and-set. A purchase is never moved back to 待付款 by a sync (需人工 stays for a person).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from peewee import ModelSelect

from dropship.db import db
from dropship.models import Job, Purchase, PurchaseAccount
from dropship.platforms.base import SupplierOrder
from dropship.services.accounts import usable_condition
from dropship.services.jobs import parse_target
from dropship.services.memo import apply_purchase_memo
from dropship.services.purchasing.states import TRANSITIONS, IllegalTransition, advance, state_for_status
from dropship.services.rollups import refresh_rollups
from dropship.services.settings import get_setting, int_between, register
from dropship.services.tracking import record_tracking

# 拍单状态 after which the supplier order no longer changes in a way we follow.
FINAL_STATUSES: frozenset[str] = frozenset({"received", "cancelled", "refunded"})
# Our states a sync may record into (the others belong to a running purchase task or have ended).
SYNCED_STATES: tuple[str, ...] = ("unpaid", "paid", "recorded", "parked")
# The only states a sync moves a purchase to: facts the supplier decides.
SUPPLIER_DECIDED: frozenset[str] = frozenset({"paid", "cancelled", "refunded"})
# 拍单状态 of a supplier order that has a parcel (its tracking number is what 发货 ships with).
PARCEL_STATUSES: frozenset[str] = frozenset({"shipped", "received"})

SYNC_JOB = "sync_purchase_status"  # the Job kind of tasks/purchase_sync (its rows say when an account last synced)

register("purchase.sync_minutes", "采购状态同步间隔", 15, int_between(5, 24 * 60))


@dataclass
class SyncResult:
    """What `record_statuses` did: purchases changed, and the orders whose seller memo must be pushed."""

    changed: int = 0
    memo_order_ids: list[int] = field(default_factory=list)
    # orders with a supplier parcel among the purchases read: what automatic shipping looks at (a
    # number seen again is looked at again, so 自动发货 switched back on catches up at the next sync)
    parcel_order_ids: list[int] = field(default_factory=list)


def open_purchases(account_id: int | None = None, purchase_ids: Iterable[int] | None = None) -> ModelSelect:
    """Purchases whose 拍单状态 may still change: active, with a 采购单号, settled, status not final.

    Not scoped: the sync is a task working for the account, whoever bought with it."""
    query = Purchase.select().where(
        Purchase.active == True, Purchase.platform_order_id != "",  # noqa: E712
        Purchase.state.in_(SYNCED_STATES), Purchase.status.not_in(list(FINAL_STATUSES)),
        Purchase.account.is_null(False))
    if account_id is not None:
        query = query.where(Purchase.account == account_id)
    if purchase_ids is not None:
        query = query.where(Purchase.id.in_(sorted(set(purchase_ids))))
    return query.order_by(Purchase.id)


def accounts_with_open_purchases() -> list[int]:
    """Ids of the usable (启用, 在线) accounts that have an open purchase: the scheduler's sync list."""
    query = (open_purchases().select(Purchase.account).join(PurchaseAccount)
             .where(usable_condition()).distinct().order_by())
    return sorted(account_id for (account_id,) in query.tuples())


def due_accounts(now: datetime | None = None) -> list[int]:
    """Accounts with open purchases whose last 拍单状态 read is over 采购状态同步间隔 old.

    The last read is the account's newest sync Job row, or a purchase step (a purchase task read the
    supplier order itself just then, and holds the account's browser): shared storage, so several
    workers agree."""
    since = (now or datetime.now()) - timedelta(minutes=int(get_setting("purchase.sync_minutes")))
    recent = {parse_target(target)[1] for (target,) in Job.select(Job.target).where(
        Job.kind == SYNC_JOB, Job.created_at >= since).tuples()}
    recent |= {account_id for (account_id,) in Purchase.select(Purchase.account).where(
        Purchase.step_at >= since).distinct().tuples()}
    return [account_id for account_id in accounts_with_open_purchases() if account_id not in recent]


def wanting_parcel(account: PurchaseAccount, orders: list[SupplierOrder]) -> list[str]:
    """Supplier orders the list shows shipped but without a tracking number (some list shapes carry no
    logistics) whose open purchase has none yet: the task reads their detail page for it, once."""
    shipped = [o.order_id for o in orders if o.status in PARCEL_STATUSES and not o.tracking_number]
    if not shipped:
        return []
    known = {oid for (oid,) in open_purchases(account.id).select(Purchase.platform_order_id).where(
        Purchase.platform_order_id.in_(shipped), Purchase.tracking_number == "").tuples()}
    return [oid for oid in shipped if oid in known]


def _facts(purchase: Purchase, order: SupplierOrder) -> dict[str, str]:
    """The 拍单状态 (an unknown code kept as the platform gave it, cut to the column) and the parcel; an
    empty courier or number never erases a known one (a list shape without logistics)."""
    facts = {"status": order.status[:Purchase.status.max_length]}
    if order.tracking_number:
        facts["tracking_number"] = order.tracking_number[:Purchase.tracking_number.max_length]
    if order.courier:
        facts["courier"] = order.courier[:Purchase.courier.max_length]
    return {name: value for name, value in facts.items() if getattr(purchase, name) != value}


def _record_facts(purchase: Purchase, facts: dict[str, str]) -> bool:
    """Store facts without a state step (compare-and-set on the state, like advance); True when the memo changed."""
    with db.atomic():
        moved = (Purchase.update({getattr(Purchase, name): value for name, value in facts.items()})
                 .where(Purchase.id == purchase.id, Purchase.state == purchase.state).execute())
        if moved != 1:
            raise IllegalTransition("采购状态已被其他任务改变，本次同步跳过")
        refresh_rollups([purchase.order_id])
        memo_changed = apply_purchase_memo(purchase.order_id)
    for name, value in facts.items():
        setattr(purchase, name, value)
    return memo_changed


def record_status(purchase: Purchase, order: SupplierOrder, now: datetime | None = None) -> tuple[bool, bool]:
    """One supplier order's view onto its purchase: (changed, memo changed)."""
    facts = _facts(purchase, order)
    tracked = record_tracking(purchase, order, now)  # 物流状态: outside the state machine, no memo part
    target = state_for_status(order.status)
    if target in SUPPLIER_DECIDED and target != purchase.state and target in TRANSITIONS[purchase.state]:
        return True, advance(purchase, target, now=now, **facts)
    if not facts:
        return tracked, False
    return True, _record_facts(purchase, facts)


def record_statuses(account: PurchaseAccount, orders: list[SupplierOrder],
                    now: datetime | None = None) -> SyncResult:
    """Record each supplier order of `account` on its open purchase; orders we did not buy are ignored.

    A purchase another task moved meanwhile is skipped (the next sync sees it again)."""
    result = SyncResult()
    by_id = {order.order_id: order for order in orders}
    if not by_id:
        return result
    rows = open_purchases(account.id).where(Purchase.platform_order_id.in_(list(by_id)))
    for purchase in list(rows):
        try:
            changed, memo_changed = record_status(purchase, by_id[purchase.platform_order_id], now)
        except IllegalTransition:
            continue
        result.changed += changed
        if memo_changed and purchase.order_id not in result.memo_order_ids:
            result.memo_order_ids.append(purchase.order_id)
        if purchase.tracking_number and purchase.order_id not in result.parcel_order_ids:
            result.parcel_order_ids.append(purchase.order_id)
    return result
