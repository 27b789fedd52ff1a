"""The codes an order is labelled with, their Chinese labels, and which statuses are still open."""
from __future__ import annotations

import re
from typing import Any

from dropship.errors import FieldError
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS, PURCHASE_STATUS_LABELS  # noqa: F401 - their home

STATUS_LABELS: dict[str, str] = {
    "unpaid": "等待买家付款",
    "paid": "买家已付款",
    "partly_shipped": "部分发货",
    "shipped": "卖家已发货",
    "finished": "交易成功",
    "closed": "交易关闭",
    "other": "其他",  # a platform status we do not know; shown with its code, never purchased or shipped
}
# Paid by the buyer and still (partly) ours to ship: the tabs, the deadline on the cards and the
# address decryption all mean these two, and read them from here.
OPEN_STATUSES: tuple[str, ...] = ("paid", "partly_shipped")
REFUND_LABELS: dict[str, str] = {"refunding": "退款中", "refunded": "退款成功", "closed": "退款关闭"}
MARK_TYPES: dict[str, str] = {"": "正常", "out_of_stock": "缺货", "no_source": "找不到货源", "loss": "亏钱"}
# 异常 reasons the system sets (not offered in the 标记 dialog)
ABNORMAL_LABELS: dict[str, str] = {**MARK_TYPES, "address_changed": "买家已修改地址", "refused": "采购被拦截",
                                    "supplier_refund": "采购单已退款"}
FLAG_NAMES: tuple[str, ...] = ("灰", "红", "黄", "绿", "蓝", "紫")  # 旗帜 0–5, as the shop backend numbers them
DIGITS_RE = re.compile(r"^[0-9]{1,9}$")  # typed codes and ids: ASCII only (str.isdigit() also accepts ² and ٣)


def parse_flag(raw: Any) -> int:
    """A 旗帜 colour as a form posts it (text 0–5); a FieldError for `flag` otherwise."""
    text = str(raw if raw is not None else "").strip()
    if DIGITS_RE.match(text) and int(text) < len(FLAG_NAMES):
        return int(text)
    raise FieldError("flag", "旗帜颜色只能选择 灰、红、黄、绿、蓝、紫")
