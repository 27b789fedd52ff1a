"""Money: integer fen (分) everywhere, yuan only as text at the edges; 订单利润 and 利润率.

Exact decimal arithmetic, never floats: 13.1 typed is 1310 fen and shows as 13.10. The order
cards, the memo template, the export, and next purchasing (采购金额 typed by hand) and the stats
convert here, and 利润率 follows the 设置 › 利润率计算 choice. (The seller driver reads the
platform's yuan strings itself: drivers may not import services, and a malformed platform amount
is a PlatformError, not a form error.)
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from dropship.errors import FieldError
from dropship.services.settings import get_setting, register

MARGIN_BASES: dict[str, str] = {"purchase": "利润 ÷ 采购金额", "paid": "利润 ÷ 实收金额"}
YUAN_RE = re.compile(r"^-?[0-9]{1,9}(\.[0-9]{1,2})?$")  # what a person types: 13 / 13.6 / 13.64
CURRENCY_MARKS = ("￥", "¥", ",", "，")


def _margin_base(value: Any) -> str:
    if value not in MARGIN_BASES:
        raise ValueError("请选择利润率的计算方式")
    return str(value)


register("profit.margin_base", "利润率计算", "purchase", _margin_base)


def yuan(fen: int | None) -> str:
    """Fen as yuan text with two decimals, exact (no float rounding): 1364 -> '13.64'."""
    fen = fen or 0
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def yuan_number(fen: int | None) -> Decimal:
    """Fen as an exact yuan number, for spreadsheets (a cell Excel can sum)."""
    return Decimal(fen or 0).scaleb(-2)


def parse_yuan(text: str, field: str = "amount", label: str = "金额", allow_negative: bool = False) -> int:
    """Typed yuan (13 / 13.6 / ￥13.64) as fen; a FieldError for `field` when it is not an amount."""
    cleaned = str(text or "").strip()
    for mark in CURRENCY_MARKS:
        cleaned = cleaned.replace(mark, "")
    if not YUAN_RE.match(cleaned) or (cleaned.startswith("-") and not allow_negative):
        raise FieldError(field, f"{label}请填写元为单位的金额，最多两位小数，例如 13.64")
    return int(Decimal(cleaned).scaleb(2))


def profit(paid: int, purchase: int) -> int:
    """订单利润, fen: 实收金额 − 采购金额."""
    return paid - purchase


def margin_base() -> str:
    """The 利润率计算 setting: 'purchase' (the manual's: ÷ 采购金额) or 'paid' (÷ 实收金额)."""
    return str(get_setting("profit.margin_base"))


def margin(paid: int, purchase: int, base: str) -> float | None:
    """利润率 in percent, one decimal: profit ÷ 采购金额 or ÷ 实收金额; None when dividing by zero."""
    divisor = purchase if base == "purchase" else paid
    if divisor <= 0:
        return None
    return round(profit(paid, purchase) * 100 / divisor, 1)
