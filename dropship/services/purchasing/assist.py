"""辅助下单's order info panel (the manual's 请核对订单信息): what the person buying at the supplier checks
and copies, in one place for both places it is shown — the panel the driver puts on the supplier's
page, and the panel beside the live view in 验证中心.

The receiver is the one the purchase task types at the supplier (自定义收货信息 applied to the
decrypted receiver), so the panel and the filled-in form agree; while the address is not decrypted
only the masked receiver is known, and the panel says so.
"""
from __future__ import annotations

from typing import Any

from dropship.errors import UserError
from dropship.models import OrderItem, PurchaseItem
from dropship.models import Purchase as PurchaseRow
from dropship.platforms.base import Receiver
from dropship.services.money import yuan
from dropship.services.purchase_settings import load_receiver_settings
from dropship.services.receiver import masked_receiver, real_receiver, supplier_receiver

HEADING = "请核对订单信息"
NOT_DECRYPTED = "地址未解密：显示的是脱敏信息，请先解密地址再下单"


def receiver_to_type(purchase: PurchaseRow) -> Receiver | None:
    """What to type at the supplier; None while the address is not decrypted (never the masked one).
    UserError when it does not fit the platform's fields (never cut)."""
    buyer = real_receiver(purchase.order)
    settings = load_receiver_settings()
    if buyer is None and settings.mode != "fixed":
        return None
    return supplier_receiver(buyer or Receiver(), settings, purchase.platform)


def _address(receiver: Receiver) -> str:
    return " ".join(part for part in (receiver.province, receiver.city, receiver.district, receiver.town,
                                      receiver.address) if part)


def assist_panel(purchase: PurchaseRow) -> dict[str, Any]:
    """The panel as plain data (JSON-safe, for the page script and the template alike):
    ``{"heading", "rows": [[label, value], …], "note"}`` with the manual's labels 标题, 收件人, 地址, 电话,
    属性, 数量, 卖出价格. 数量 is what to buy at the supplier (规格对应's multiplier applied); 卖出价格 is
    what the buyer paid us for the sub-orders this purchase covers."""
    items = list(OrderItem.select(OrderItem.title, OrderItem.sku_text, OrderItem.paid_amount).join(PurchaseItem)
                 .where(PurchaseItem.purchase == purchase.id).order_by(OrderItem.id))
    note = ""
    try:
        receiver = receiver_to_type(purchase)
    except UserError as exc:  # shown as the buyer's own, with the reason the task will stop for
        receiver, note = real_receiver(purchase.order), str(exc)
    if receiver is None:
        receiver, note = masked_receiver(purchase.order), NOT_DECRYPTED
    rows = [["标题", "；".join(dict.fromkeys(i.title for i in items))],
            ["收件人", receiver.name], ["地址", _address(receiver)], ["电话", receiver.phone],
            ["属性", "；".join(i.sku_text for i in items if i.sku_text)],
            ["数量", str(purchase.quantity)],
            ["卖出价格", yuan(sum(i.paid_amount for i in items))]]
    return {"heading": HEADING, "rows": rows, "note": note}
