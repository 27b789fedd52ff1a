"""The purchase state machine (its labels, with 拍单状态 and 采购平台, live in `labels`).

A purchase's `state` is our own progress; it is written *before* each step it names, so after a
crash the state says which step may have happened (see `matching.RECOVERY`):

    准备 preparing → 已提交 submitted → 待付款 unpaid → 支付中 paying → 已支付 paid
    stopped by a guard: 已拒绝 refused before the submit, 需人工 parked after it
    已取消 cancelled: 取消下单 (TRANSITIONS below is the exact list)

`submitted` is written (with the account's order ids, the diff's snapshot) before 提交订单 is
clicked, `paying` before 支付 is clicked. 已录入 `recorded` is a purchase typed in by hand
(添加采购订单信息). 已拒绝 and 已取消 end the purchase: it leaves the order (inactive, shown in 历史)
and the items are 待采购 again. 需人工 keeps the order covered: a supplier order may exist, so
buying again must wait for a person.

`status` (拍单状态) is the supplier's view of its order, synced from its order list.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import IntegrityError

from dropship.db import db
from dropship.errors import UserError
from dropship.models import Purchase, PurchaseItem
from dropship.services.memo import apply_purchase_memo
from dropship.services.purchasing.labels import STATES, state_label
from dropship.services.rollups import refresh_rollups

TRANSITIONS: dict[str, frozenset[str]] = {
    "preparing": frozenset({"submitted", "refused", "parked", "cancelled"}),
    "submitted": frozenset({"unpaid", "paid", "parked"}),  # never back: the order may exist
    "unpaid": frozenset({"paying", "paid", "parked", "cancelled"}),
    "paying": frozenset({"paid", "unpaid", "parked", "cancelled"}),
    "paid": frozenset({"cancelled"}),
    "recorded": frozenset({"cancelled"}),
    "parked": frozenset({"unpaid", "paid", "cancelled"}),  # a person found or cancelled the order
    "refused": frozenset(),
    "cancelled": frozenset(),
}
ENDED: frozenset[str] = frozenset({"refused", "cancelled"})  # the purchase leaves the order
# Money the account has committed: counted against 每日采购额 (preparing has spent nothing yet).
SPENDING: tuple[str, ...] = ("submitted", "unpaid", "paying", "paid", "parked")
# 重新下单 may move these to 历史; the in-flight ones belong to a running task.
RETIRABLE: frozenset[str] = frozenset({"unpaid", "paid", "recorded", "parked"})
# Purchase fields a step may record along with its new state.
FACTS: frozenset[str] = frozenset({"platform_order_id", "amount", "status", "reason", "orders_before",
                                   "submitted_at", "purchased_at", "item_id", "sku_id", "quantity",
                                   "courier", "tracking_number", "account"})
# 拍单状态 → our state, for an order found by the diff or re-read after a crash.
_PAID_STATUSES = frozenset({"sharing", "paid", "shipped", "received", "refunding", "refunded"})


class IllegalTransition(UserError):
    """The step is not allowed from the purchase's state (or another worker moved it first)."""


def state_for_status(status: str) -> str:
    """Where a purchase stands once its supplier order shows 拍单状态 `status`."""
    if status in _PAID_STATUSES:
        return "paid"
    if status == "cancelled":
        return "cancelled"
    return "unpaid"


def _columns(values: dict[str, Any]) -> dict:
    return {getattr(Purchase, name): value for name, value in values.items()}


def advance(purchase: Purchase, to: str, now: datetime | None = None, **facts: Any) -> bool:
    """Move `purchase` to state `to`, recording `facts`, committed before the caller takes the step.

    Compare-and-set on the state it was loaded with: if another worker moved it meanwhile, nothing
    changes and IllegalTransition is raised. The order's roll-ups and seller memo follow in the same
    transaction. Returns True when the memo changed (the caller starts the push job).
    """
    if to not in STATES:
        raise ValueError(f"unknown purchase state {to!r}")
    unknown = set(facts) - FACTS
    if unknown:
        raise TypeError(f"advance() cannot record {sorted(unknown)}")
    if to not in TRANSITIONS[purchase.state]:
        raise IllegalTransition(f"采购状态不能从「{state_label(purchase.state)}」变为「{state_label(to)}」")
    changes: dict[str, Any] = {**facts, "state": to, "step_at": now or datetime.now()}
    if to in ENDED:
        changes["active"] = False
    try:
        with db.atomic():
            moved = (Purchase.update(_columns(changes))
                     .where(Purchase.id == purchase.id, Purchase.state == purchase.state).execute())
            if moved != 1:
                current = Purchase.get_or_none(Purchase.id == purchase.id)
                raise IllegalTransition("采购状态已被其他任务改变（现在是「"
                                        f"{state_label(current.state) if current else '已删除'}」），本步未执行")
            if to in ENDED:
                PurchaseItem.update(active=False).where(PurchaseItem.purchase == purchase.id).execute()
            refresh_rollups([purchase.order_id])
            memo_changed = apply_purchase_memo(purchase.order_id)
    except IntegrityError as exc:
        raise UserError(f"采购单号 {facts.get('platform_order_id', '')} 已记录在另一笔采购中，不能重复记录") from exc
    for name, value in changes.items():
        setattr(purchase, name, value)
    return memo_changed


def retire(purchase: Purchase, now: datetime | None = None) -> bool:
    """重新下单: the purchase moves to 历史 (inactive, its state kept); its items are 待采购 again.

    Returns True when the seller memo changed. IllegalTransition while a task is in the middle of it.
    """
    if purchase.state not in RETIRABLE:
        raise IllegalTransition(f"采购正在进行（{state_label(purchase.state)}），请等它结束后再重新下单")
    with db.atomic():
        moved = (Purchase.update(active=False, step_at=now or datetime.now())
                 .where(Purchase.id == purchase.id, Purchase.active == True,  # noqa: E712
                        Purchase.state == purchase.state).execute())
        if moved != 1:
            raise IllegalTransition("这笔采购已被改变，请刷新后再试")
        PurchaseItem.update(active=False).where(PurchaseItem.purchase == purchase.id).execute()
        refresh_rollups([purchase.order_id])
        memo_changed = apply_purchase_memo(purchase.order_id)
    purchase.active = False
    return memo_changed


def note_attempt(purchase: Purchase, now: datetime | None = None) -> int:
    """A task starts (or, after a crash, resumes) work on the purchase: count it, so retries show and a
    task can give up and park it after too many. Returns the new count."""
    Purchase.update(attempts=Purchase.attempts + 1, step_at=now or datetime.now()).where(
        Purchase.id == purchase.id).execute()
    purchase.attempts = Purchase.get_by_id(purchase.id).attempts
    return purchase.attempts
