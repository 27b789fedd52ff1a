"""The order card's purchase actions by hand: 添加采购订单信息, 重新下单, 取消下单.

Each checks everything first and changes nothing on bad input (FieldError with the field's
message); the order's 采购金额 / 订单利润 / 利润率 follow the active purchase through the roll-ups
in the same transaction, and the seller memo template is re-applied (True = start the push job).

取消下单 of a purchase whose supplier order we know (采购单号) and can reach (its 采购账号) is cancelled
*at the supplier* first, by the `cancel_purchase` task (tasks/purchase_cancel.py) through the
account's driver; `cancel` records the outcome (or, for one without a supplier order or account, is
the whole of it: such an order must be cancelled on the supplier's site by hand if it exists there).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from peewee import IntegrityError

from dropship.db import db
from dropship.errors import FieldError, UserError
from dropship.models import Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem
from dropship.services.memo import apply_purchase_memo
from dropship.services.money import parse_yuan
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS, state_label
from dropship.services.purchasing.records import get_purchase
from dropship.services.purchasing.states import CANCELLABLE, advance, retire
from dropship.services.rollups import refresh_rollups, still_to_buy
from dropship.services.scope import Scope

_TAOBAO_ID = (re.compile(r"^[0-9]{15,20}$"), "淘宝 / 天猫 / 淘特的采购单号是 15 到 20 位数字")
# 采购单号 as each platform writes it (PDD order_sn yymmdd-15 digits; bizOrderId; 1688 idStr)
ORDER_ID_FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "taobao": _TAOBAO_ID, "tmall": _TAOBAO_ID, "taote": _TAOBAO_ID,
    "alibaba1688": (re.compile(r"^[0-9]{12,20}$"), "1688 的采购单号是 12 到 20 位数字"),
    "pdd": (re.compile(r"^[0-9]{6}-[0-9]{15}$"), "拼多多的采购单号形如 230619-012345678901234"),
}
# which purchase platforms an account of each platform buys on (one 淘宝 login buys 天猫 / 淘特 too)
_TAOBAO_FAMILY = frozenset({"taobao", "tmall", "taote"})
ACCOUNT_BUYS: dict[str, frozenset[str]] = {**{p: _TAOBAO_FAMILY for p in _TAOBAO_FAMILY},
                                           "alibaba1688": frozenset({"alibaba1688"}), "pdd": frozenset({"pdd"})}


def clean_order_id(platform: str, text: str) -> str:
    """The 采购单号 in the platform's format (full-width digits accepted); FieldError otherwise."""
    value = "".join(unicodedata.normalize("NFKC", str(text or "")).split())
    if not value:
        raise FieldError("platform_order_id", "请填写采购单号")
    pattern, message = ORDER_ID_FORMATS[platform]
    if not pattern.match(value):
        raise FieldError("platform_order_id", message)
    return value


def _pending_items(order: Order) -> list[OrderItem]:
    """Sub-orders still to buy, by the roll-ups' own rule (待采购)."""
    return list(OrderItem.select().where(OrderItem.order == order.id, still_to_buy()).order_by(OrderItem.id))


def _check(scope: Scope, form: dict[str, Any]) -> tuple[str, str, int, PurchaseAccount | None]:
    errors: dict[str, str] = {}
    platform = str(form.get("platform") or "")
    order_id = amount = account = None
    if platform not in PURCHASE_PLATFORMS:
        errors["platform"] = "请选择采购平台：" + " / ".join(PURCHASE_PLATFORMS.values())
    else:
        try:
            order_id = clean_order_id(platform, form.get("platform_order_id", ""))
        except FieldError as exc:
            errors.update(exc.errors)
    try:
        amount = parse_yuan(str(form.get("amount") or ""), "amount", "采购金额")
    except FieldError as exc:
        errors.update(exc.errors)
    raw_account = str(form.get("account") or "").strip()
    if raw_account:
        if raw_account.isascii() and raw_account.isdigit():
            account = scope.apply(PurchaseAccount.select().where(PurchaseAccount.id == int(raw_account))).first()
        if account is None:
            errors["account"] = "请选择你可以使用的采购账号"
        elif platform in PURCHASE_PLATFORMS and platform not in ACCOUNT_BUYS.get(account.platform, frozenset()):
            errors["account"] = "这个采购账号不能在所选采购平台下单"
    if order_id and not errors:
        taken = (Purchase.select(Purchase, Order).join(Order)
                 .where(Purchase.platform == platform, Purchase.platform_order_id == order_id,
                        Purchase.active == True).first())  # noqa: E712
        if taken is not None:
            errors["platform_order_id"] = f"这个采购单号已记录在订单 {taken.order.tid} 的采购中"
    if errors:
        raise FieldError.many(errors)
    return platform, order_id, amount, account


def add_manual(scope: Scope, order_id: int, form: dict[str, Any], now: datetime | None = None) -> bool:
    """添加采购订单信息: record a purchase made elsewhere for the order's sub-orders still to buy.

    Form fields: platform, platform_order_id, amount (元), account (optional id). Returns True when
    the seller memo changed.
    """
    order = scope.apply(Order.select().where(Order.id == order_id)).first()
    if order is None:
        raise FieldError("order", "找不到这个订单")
    platform, supplier_id, amount, account = _check(scope, form)
    items = _pending_items(order)
    if not items:
        raise FieldError("order", "这个订单已全部采购；如需更换，请先取消下单或重新下单")
    try:
        with db.atomic():
            purchase = Purchase.create(order=order, account=account, platform=platform,
                                       platform_order_id=supplier_id, amount=amount, manual=True, state="recorded",
                                       purchased_at=now or datetime.now(), step_at=now or datetime.now())
            PurchaseItem.insert_many([{"purchase": purchase.id, "item": item.id, "active": True}
                                      for item in items]).execute()
            refresh_rollups([order.id])
            return apply_purchase_memo(order.id)
    except IntegrityError as exc:  # a racing request recorded the same order or items first
        raise FieldError("platform_order_id", "这个订单或采购单号刚刚已被记录，请刷新后查看") from exc


def _purchase(scope: Scope, purchase_id: int) -> Purchase:
    purchase = get_purchase(scope, purchase_id)
    if purchase is None or not purchase.active:
        raise FieldError("purchase", "找不到这笔采购（可能已被取消或更换），请刷新")
    return purchase


def repurchase(scope: Scope, purchase_id: int) -> bool:
    """重新下单: the active purchase moves to 历史; its sub-orders are 待采购 again (the 采购 dialog follows)."""
    return retire(_purchase(scope, purchase_id))


def cancels_at_supplier(purchase: Purchase) -> bool:
    """Whether 取消下单 goes to the supplier first: we know its order (采购单号) and an account that sees it."""
    return bool(purchase.platform_order_id) and purchase.account_id is not None


def check_cancellable(purchase: Purchase) -> None:
    """取消下单 waits while a task is between two steps of the purchase (UserError with why)."""
    if purchase.state not in CANCELLABLE:
        raise UserError(f"采购正在进行（{state_label(purchase.state)}），请等它结束后再取消下单")


def cancellable(scope: Scope, purchase_id: int) -> Purchase:
    """The active purchase `scope` may cancel now; FieldError when it is gone, UserError while in flight."""
    purchase = _purchase(scope, purchase_id)
    check_cancellable(purchase)
    return purchase


def cancel(scope: Scope, purchase_id: int, reason: str = "取消下单", status: str = "") -> bool:
    """取消下单 recorded (after the supplier cancelled, whose 拍单状态 is `status`, or for one with no
    supplier order to cancel): the purchase moves to 历史 and the order is 待采购 again."""
    facts = {"reason": reason, **({"status": status} if status else {})}
    return advance(cancellable(scope, purchase_id), "cancelled", **facts)


def note_cancel_refused(purchase_id: int, reason: str) -> None:
    """The supplier refused to cancel: the purchase stays as it was, with the site's reason for the card."""
    Purchase.update(reason=reason[:Purchase.reason.max_length]).where(
        Purchase.id == purchase_id, Purchase.active == True).execute()  # noqa: E712
