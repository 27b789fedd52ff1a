"""The purchase state machine (its labels, with 拍单状态 and 采购平台, live in `labels`).

A purchase's `state` is our own progress; it is written *before* each step it names, so after a
crash the state says which step may have happened (see `matching.RECOVERY`):

    准备 preparing → 已提交 submitted → 待付款 unpaid → 支付中 paying → 已支付 paid
    stopped by a guard: 已拒绝 refused before the submit, 需人工 parked after it
    已取消 cancelled: 取消下单, or the supplier closed it (TRANSITIONS below is the exact list)
    已退款 refunded: the supplier refunded a paid order (its 拍单状态 says 已退款)

`submitted` is written (with the account's order ids, the diff's snapshot) before 提交订单 is
clicked, `paying` before 支付 is clicked. 已录入 `recorded` is a purchase typed in by hand
(添加采购订单信息). 已拒绝, 已取消 and 已退款 end the purchase: it leaves the order (inactive, shown in
历史), its 采购金额 no longer counts, and the items are 待采购 again. 需人工 keeps the order covered: a
supplier order may exist, so buying again must wait for a person.

已退款 also marks the order 异常 「采购单已退款」 while it is still ours to ship: a supplier refund is
news the seller must see (out of stock at the supplier? our buyer refunding too?) and decide on,
not a silent return to 待采购 from which it could be bought again without anyone noticing.

`status` (拍单状态) is the supplier's view of its order, synced from its order list.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import IntegrityError

from dropship.db import db
from dropship.errors import UserError
from dropship.models import Order, Purchase, PurchaseItem
from dropship.services.memo import apply_purchase_memo
from dropship.services.money import yuan
from dropship.services.orders.labels import OPEN_STATUSES
from dropship.services.purchasing.labels import STATES, state_label
from dropship.services.rollups import refresh_rollups

TRANSITIONS: dict[str, frozenset[str]] = {
    "preparing": frozenset({"submitted", "refused", "parked", "cancelled"}),
    "submitted": frozenset({"unpaid", "paid", "parked"}),  # never back: the order may exist
    # refunded from 待付款 / 支付中 too: our last read said unpaid, the supplier says paid and refunded since
    "unpaid": frozenset({"paying", "paid", "parked", "cancelled", "refunded"}),
    "paying": frozenset({"paid", "unpaid", "parked", "cancelled", "refunded"}),
    "paid": frozenset({"cancelled", "refunded"}),
    "recorded": frozenset({"cancelled", "refunded"}),
    "parked": frozenset({"unpaid", "paid", "cancelled", "refunded"}),  # a person found or cancelled the order
    "refused": frozenset(),
    "cancelled": frozenset(),
    "refunded": frozenset(),
}
ENDED: frozenset[str] = frozenset({"refused", "cancelled", "refunded"})  # the purchase leaves the order
# 取消下单 by a person: not while a task is between its steps (已提交 / 支付中 belong to the running task).
CANCELLABLE: frozenset[str] = frozenset({"preparing", "unpaid", "paid", "recorded", "parked"})
# Order.abnormal when the supplier refunded the active purchase (services.orders.labels names it).
SUPPLIER_REFUND = "supplier_refund"
# Money the account has committed: counted against 每日采购额 (preparing has spent nothing yet).
SPENDING: tuple[str, ...] = ("submitted", "unpaid", "paying", "paid", "parked")
# 重新下单 may move these to 历史; the in-flight ones belong to a running task.
RETIRABLE: frozenset[str] = frozenset({"unpaid", "paid", "recorded", "parked"})
# Purchase fields a step may record along with its new state.
FACTS: frozenset[str] = frozenset({"platform_order_id", "amount", "status", "reason", "orders_before",
                                   "submitted_at", "purchased_at", "item_id", "sku_id", "quantity",
                                   "courier", "tracking_number", "account"})
# 拍单状态 → our state, for an order found by the diff or re-read after a crash. 退款中 is still paid:
# the money has not come back, and the refund may yet be refused.
_PAID_STATUSES = frozenset({"sharing", "paid", "shipped", "received", "refunding"})


class IllegalTransition(UserError):
    """The step is not allowed from the purchase's state (or another worker moved it first)."""


def state_for_status(status: str) -> str:
    """Where a purchase stands once its supplier order shows 拍单状态 `status`."""
    if status in _PAID_STATUSES:
        return "paid"
    if status in ("cancelled", "refunded"):
        return status
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
            if to == "refunded":
                _mark_supplier_refund(purchase, facts.get("amount", purchase.amount))
            memo_changed = apply_purchase_memo(purchase.order_id)
    except IntegrityError as exc:
        number = facts.get("platform_order_id", "")
        if number and _recorded_elsewhere(purchase, number):
            raise UserError(f"采购单号 {number} 已记录在另一笔采购中，不能重复记录") from exc
        raise  # another constraint: a bug, not a duplicate 采购单号 (it must not be reported as one)
    for name, value in changes.items():
        setattr(purchase, name, value)
    return memo_changed


def _recorded_elsewhere(purchase: Purchase, number: str) -> bool:
    """Whether another active purchase holds this supplier order (m0013's partial unique index)."""
    return Purchase.select().where(Purchase.platform == purchase.platform, Purchase.platform_order_id == number,
                                   Purchase.active == True, Purchase.id != purchase.id).exists()  # noqa: E712


def _mark_supplier_refund(purchase: Purchase, amount: int) -> None:
    """异常订单 「采购单已退款」 for an order still ours to ship that now has sub-orders to buy again (an
    order our buyer refunded or closed meanwhile needs nobody's attention: its refund was expected)."""
    note = f"采购单已退款：{purchase.platform_order_id or '-'}（{yuan(amount)} 元），请确认是否重新采购"
    Order.update(abnormal=SUPPLIER_REFUND, mark_note=note, updated_at=datetime.now()).where(
        Order.id == purchase.order_id, Order.status.in_(OPEN_STATUSES), Order.pending_items > 0).execute()


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
