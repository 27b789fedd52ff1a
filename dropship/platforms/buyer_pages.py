"""Page helpers shared by the buyer drivers (1688, 拼多多): the SKU chooser, the receiver form,
money and time as the supplier pages write them.

Everything here drives or reads the site's own page; nothing builds requests from Python.
"""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from dropship.platforms.base import PlatformError, Receiver

# The receiver inputs of the checkout pages (their ids) and the Receiver field each one holds.
RECEIVER_INPUTS = (("fullName", "name"), ("mobile", "phone"), ("province", "province"), ("city", "city"),
                   ("district", "district"), ("town", "town"), ("addressDetail", "address"))
SKU_CHANGED = "供应商规格已变更：页面上已没有规格 {sku_id}，请重新选择规格对应"
SOLD_OUT = "供应商规格已售罄：{text}"


def query_value(url: str, name: str) -> str:
    """One query parameter of `url` ('' when absent)."""
    return (parse_qs(urlsplit(url).query).get(name) or [""])[0]


def yuan_fen(value: Any) -> int:
    """A yuan amount as written (string '10.90', '¥10.90' or a JSON number 10.9) -> 1090, exactly:
    a number goes through its shortest decimal text, never through float arithmetic."""
    text = str(value).replace("￥", "").replace("¥", "").replace(",", "").strip()
    try:
        fen = Decimal(text) * 100
    except InvalidOperation:
        raise PlatformError(f"无法识别的金额：{value}") from None
    if fen != fen.to_integral_value():
        raise PlatformError(f"金额不是整分：{value}")
    return int(fen)


def epoch_time(value: Any) -> datetime:
    """Epoch seconds (or milliseconds) -> local naive time (the app runs in Asia/Shanghai)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PlatformError(f"无法识别的时间：{value}") from None
    return datetime.fromtimestamp(number / 1000 if number > 10**11 else number)


def choose_sku(page, panel: str, sku_id: str, quantity_input: str, quantity: int) -> dict:
    """Click the SKU's values in the product page's chooser and type the quantity; the panel's
    own ``data-skus`` (embedded data) says which values make the SKU. Refuses a SKU the page no
    longer lists (供应商规格已变更) or one that is sold out, before anything is clicked."""
    skus = json.loads(page.locator(panel).get_attribute("data-skus") or "[]")
    sku = next((s for s in skus if str(s.get("skuId")) == sku_id), None)
    if sku is None:
        raise PlatformError(SKU_CHANGED.format(sku_id=sku_id))
    if not sku.get("stock"):
        raise PlatformError(SOLD_OUT.format(text=sku_id))
    for value in str(sku["path"]).split(";"):
        page.click(f'{panel} [data-pv="{value}"]')
    chosen = page.locator(f"{panel} .sku-id").input_value()
    if chosen != sku_id:
        raise PlatformError(f"规格选择失败：页面选中的是 {chosen or '无'}，要买的是 {sku_id}")
    page.fill(quantity_input, str(quantity))
    return sku


def fill_receiver(page, receiver: Receiver) -> None:
    for input_id, field in RECEIVER_INPUTS:
        page.fill(f"#{input_id}", getattr(receiver, field))


def read_receiver(page) -> Receiver:
    """The receiver the checkout form holds now (read back, not what we typed)."""
    return Receiver(**{field: page.locator(f"#{input_id}").input_value().strip() for input_id, field in RECEIVER_INPUTS})


def text_of(page, selector: str) -> str:
    found = page.locator(selector)
    return found.first.inner_text().strip() if found.count() else ""
