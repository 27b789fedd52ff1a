"""Purchase rows: starting one (the database refuses a second active purchase of a sub-order),
stopping one a guard refused, and the scoped queries (历史, today's spending per account)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from peewee import JOIN, IntegrityError, ModelSelect, fn

from dropship.db import db
from dropship.errors import UserError
from dropship.models import Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem
from dropship.services.accounts import is_usable
from dropship.services.purchasing.guards import Refusal, abnormal_mark
from dropship.services.purchasing.states import SPENDING, advance
from dropship.services.rollups import refresh_rollups
from dropship.services.scope import Scope

ALREADY_BOUGHT = "该子订单已有进行中或已完成的采购，不会重复购买（如需更换请先取消下单或重新下单）"


def purchases(scope: Scope) -> ModelSelect:
    """Purchases of the orders `scope` may see."""
    return scope.apply(Purchase.select().join(Order), Order)


def get_purchase(scope: Scope, purchase_id: int) -> Purchase | None:
    return purchases(scope).where(Purchase.id == purchase_id).first()


def history(scope: Scope, order_id: int) -> list[Purchase]:
    """历史: the order's replaced and cancelled purchases, newest first, with their accounts."""
    query = (Purchase.select(Purchase, PurchaseAccount).join(Order).switch(Purchase)
             .join(PurchaseAccount, JOIN.LEFT_OUTER)
             .where(Purchase.order == order_id, Purchase.active == False)  # noqa: E712
             .order_by(Purchase.created_at.desc(), Purchase.id.desc()))
    return list(scope.apply(query, Order))


def spent_today(account_id: int, today: date | None = None, excluding: int | None = None) -> int:
    """Fen this account committed today (submitted, unpaid, paid or parked purchases): 每日采购额.

    Not scoped on purpose: the cap is the account's, whoever bought with it."""
    start = datetime.combine(today or date.today(), time())
    query = Purchase.select(fn.COALESCE(fn.SUM(Purchase.amount), 0)).where(
        Purchase.account == account_id, Purchase.state.in_(SPENDING),
        Purchase.created_at >= start, Purchase.created_at < start + timedelta(days=1))
    if excluding is not None:
        query = query.where(Purchase.id != excluding)
    return int(query.scalar() or 0)


def begin(scope: Scope, order: Order, items: list[OrderItem], account: PurchaseAccount, platform: str,
          item_id: str, sku_id: str, quantity: int) -> Purchase:
    """A new purchase in 准备 covering `items`; UserError when any of them is already being bought.

    The one-active-purchase-per-sub-order index decides, so two workers racing for the same order
    cannot both start (the loser changes nothing).
    """
    if not scope.apply(Order.select().where(Order.id == order.id)).exists():
        raise UserError("没有这个订单的权限")
    if not scope.apply(PurchaseAccount.select().where(PurchaseAccount.id == account.id)).exists():
        raise UserError("没有这个采购账号的权限")
    if not is_usable(account):
        raise UserError("采购账号未启用或已掉线，请先启用并授权")
    if not items or any(item.order_id != order.id for item in items):
        raise UserError("请选择这个订单里要采购的商品")
    try:
        with db.atomic():
            purchase = Purchase.create(order=order, account=account, platform=platform, item_id=item_id,
                                       sku_id=sku_id, quantity=quantity, state="preparing",
                                       step_at=datetime.now())
            PurchaseItem.insert_many([{"purchase": purchase.id, "item": item.id, "active": True}
                                      for item in items]).execute()
            refresh_rollups([order.id])  # being bought: out of 待采购 at once
    except IntegrityError as exc:
        raise UserError(ALREADY_BOUGHT) from exc
    return purchase


def stop(purchase: Purchase, refusals: list[Refusal]) -> bool:
    """A guard refused: 已拒绝 before submit (the items are 待采购 again), 需人工 after it (a supplier
    order may exist, so nothing is bought again until a person looks); the order goes to 异常订单
    with the reasons. Returns True when the seller memo changed."""
    code, note = abnormal_mark(refusals)
    with db.atomic():
        memo_changed = advance(purchase, "refused" if purchase.state == "preparing" else "parked", reason=note)
        Order.update(abnormal=code, mark_note=note, updated_at=datetime.now()).where(
            Order.id == purchase.order_id).execute()
    return memo_changed
