"""云端备注: the seller memo and flag kept locally and pushed to the shop backend, and the memo template.

A memo is saved here first (memo_state 'syncing'); a queued job writes it to the shop and reads it
back, and only a matching read-back makes it 'synced'. The 店铺后台设置 template adds purchase facts
(采购订单, 采购金额, 采购利润, 采购物流, 采购账号, 自定义内容) and a flag when purchase data changes; it
replaces the text it wrote last time (`Order.memo_auto`) and leaves what the seller typed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peewee import JOIN

from dropship.couriers import courier_name
from dropship.errors import FieldError
from dropship.memo_size import MEMO_LIMIT_BYTES, MEMO_SIZE_RULE, memo_bytes
from dropship.models import Order, Purchase, PurchaseAccount
from dropship.services.money import profit, yuan
from dropship.services.orders.labels import PURCHASE_PLATFORMS, parse_flag
from dropship.services.settings import get_setting, register

MEMO_STATES: dict[str, str] = {"syncing": "同步中", "synced": "已同步", "failed": "同步失败"}
TEMPLATE_FIELDS: dict[str, str] = {
    "purchase_order": "采购订单",
    "purchase_amount": "采购金额",
    "purchase_profit": "采购利润",
    "purchase_logistics": "采购物流",
    "purchase_account": "采购账号",
}
MAX_CUSTOM = 100


def check_memo(text: str) -> str:
    """The memo as it will be stored and pushed; refused when over the shop backend's byte limit."""
    text = text.replace("\r\n", "\n").strip()
    size = memo_bytes(text)
    if size > MEMO_LIMIT_BYTES:
        raise FieldError("memo", f"备注最多 {MEMO_LIMIT_BYTES} 字节（{MEMO_SIZE_RULE}），当前 {size} 字节")
    return text


def _clean_fields(value: Any) -> list[str]:
    chosen = [value] if isinstance(value, str) else list(value or [])
    unknown = [v for v in chosen if v not in TEMPLATE_FIELDS]
    if unknown:
        raise ValueError("只能选择 " + "、".join(TEMPLATE_FIELDS.values()))
    return [code for code in TEMPLATE_FIELDS if code in chosen]


def _clean_custom(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > MAX_CUSTOM:
        raise ValueError(f"最多 {MAX_CUSTOM} 个字")
    return text


def _clean_flag(value: Any) -> int:
    try:
        return parse_flag(value)
    except FieldError as exc:
        raise ValueError(str(exc)) from None


register("memo.fields", "卖出订单备注内容", [], _clean_fields)
register("memo.custom", "自定义内容", "", _clean_custom)
register("memo.flag", "卖出订单标记旗帜", 0, _clean_flag)


# -- local state of a pushed memo ------------------------------------------------------------------

def save_memo(order_id: int, text: str, flag: Any) -> None:
    """备注 dialog: store text and flag locally and mark them for pushing (nothing changes when invalid)."""
    text, flag = check_memo(text), parse_flag(flag)
    Order.update(seller_memo=text, seller_flag=flag, memo_state="syncing", memo_error="",
                 updated_at=datetime.now()).where(Order.id == order_id).execute()


def needs_push(order: Order) -> bool:
    return order.memo_state in ("syncing", "failed")


def _unchanged(order_id: int, text: str, flag: int):
    # A newer save while the push ran has its own push coming: leave its state alone.
    return (Order.id == order_id) & (Order.seller_memo == text) & (Order.seller_flag == flag)


def confirm_pushed(order_id: int, text: str, flag: int) -> bool:
    return bool(Order.update(memo_state="synced", memo_error="")
                .where(_unchanged(order_id, text, flag)).execute())


def push_failed(order_id: int, text: str, flag: int, message: str) -> None:
    Order.update(memo_state="failed", memo_error=message[:300]).where(_unchanged(order_id, text, flag)).execute()


# -- the 店铺后台设置 template ------------------------------------------------------------------------

@dataclass(frozen=True)
class MemoTemplate:
    fields: tuple[str, ...]
    custom: str
    flag: int

    @classmethod
    def current(cls) -> MemoTemplate:
        return cls(tuple(get_setting("memo.fields")), str(get_setting("memo.custom")), int(get_setting("memo.flag")))

    @property
    def enabled(self) -> bool:
        return bool(self.fields or self.custom)


def render_auto(template: MemoTemplate, order: Order, purchases: list[Purchase]) -> str:
    """The template's text for an order's active purchases; empty while nothing is bought."""
    if not purchases:
        return ""
    parts: list[str] = []
    for code in template.fields:
        if code == "purchase_order":
            parts += [f"{PURCHASE_PLATFORMS.get(p.platform, p.platform)}{p.platform_order_id}"
                      for p in purchases if p.platform_order_id]
        elif code == "purchase_amount":
            parts.append(f"采购{yuan(order.purchase_amount)}")
        elif code == "purchase_profit":
            parts.append(f"利润{yuan(profit(order.paid_amount, order.purchase_amount))}")
        elif code == "purchase_logistics":
            parts += [f"{p.tracking_number}({courier_name(p.courier)})" for p in purchases if p.tracking_number]
        elif code == "purchase_account":
            parts += [f"【{PURCHASE_PLATFORMS.get(p.platform, p.platform)}】{p.account.nick or p.account.login}"
                      for p in purchases if p.account_id]
    if template.custom:
        parts.append(template.custom)
    return " ".join(parts)


def merge_memo(memo: str, old_auto: str, new_auto: str) -> str:
    """Swap the template's previous text for the new one; the seller's own text stays as typed."""
    if old_auto and old_auto in memo:
        if new_auto:
            return memo.replace(old_auto, new_auto, 1)
        own_line = f"{old_auto}\n"
        return memo.replace(own_line if own_line in memo else old_auto, "", 1).strip()
    if not new_auto:
        return memo
    return f"{new_auto}\n{memo}" if memo.strip() else new_auto


def apply_purchase_memo(order_id: int) -> bool:
    """Call after an order's purchases change; True when the memo changed and needs pushing.

    The caller (a task or a view) then starts the `push_memo` job; this module cannot enqueue.
    """
    template = MemoTemplate.current()
    order = Order.get_or_none(Order.id == order_id)
    if order is None or not template.enabled:
        return False
    purchases = list(Purchase.select(Purchase, PurchaseAccount).join(PurchaseAccount, join_type=JOIN.LEFT_OUTER)
                     .where(Purchase.order == order_id, Purchase.active == True)  # noqa: E712
                     .order_by(Purchase.created_at, Purchase.id))
    new_auto = render_auto(template, order, purchases)
    if new_auto == order.memo_auto:
        return False
    memo = merge_memo(order.seller_memo, order.memo_auto, new_auto)
    try:
        memo = check_memo(memo)
    except FieldError as exc:
        Order.update(memo_error=f"备注模板未写入：{exc}").where(Order.id == order_id).execute()
        return False
    Order.update(seller_memo=memo, seller_flag=template.flag, memo_auto=new_auto, memo_state="syncing",
                 memo_error="", updated_at=datetime.now()).where(Order.id == order_id).execute()
    return True
