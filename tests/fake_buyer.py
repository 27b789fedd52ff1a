"""An in-memory supplier seen through the BuyerDriver protocol: what the purchase task's unit tests drive.

It keeps the account's orders (the diff reads them), counts submits and payments (a second submit
would be a second supplier order), and lets a test make the page or the platform misbehave.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime

from dropship.platforms import base

ITEM_ID = "612345678901"
SKU_ID = "5001"
PRICE = 1200  # fen per piece


class FakePage:
    """The little of a page that 辅助下单's window wait and the live view touch; `closed` is the person
    closing it."""

    def __init__(self) -> None:
        self.closed = False
        self.url = "https://buy.taobao.com/auction/buy_now.jhtml"
        self.viewport_size = {"width": 800, "height": 600}
        self.context = self

    def is_closed(self) -> bool:
        return self.closed

    def on(self, event: str, handler) -> None:
        """Nothing opens tabs here."""

    def remove_listener(self, event: str, handler) -> None:
        """Nothing was ever called."""

    def screenshot(self, **options) -> bytes:
        return b"\xff\xd8frame"

    def title(self) -> str:
        return "确认订单"


class FakeBuyer:
    def __init__(self) -> None:
        self.item = base.SupplierItem("taobao", ITEM_ID, "保温杯", (base.SupplierSku(SKU_ID, "颜色:黑色", PRICE, 50),
                                                                   base.SupplierSku("5002", "颜色:白色", PRICE, 50)))
        self.orders: dict[str, base.SupplierOrder] = {}
        self.calls: list[str] = []
        self.typed: base.Receiver | None = None
        self.quantity = 0
        self.sku_id = ""
        self.memo = ""
        # misbehaviour a test can switch on
        self.checkout_receiver: base.Receiver | None = None  # the checkout page shows this instead of what was typed
        self.detail_receiver: base.Receiver | None = None  # the order detail shows this instead
        self.extra_orders_on_submit = 0  # another identical order appears too (several matches)
        self.submit_creates = True  # False: the submit left no order behind (zero matches)
        self.fail_on: dict[str, Exception] = {}
        self.page = FakePage()
        self.panel: dict | None = None  # the 辅助下单 order info panel shown on the page
        self._ids = itertools.count(1)

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail_on:
            raise self.fail_on[name]

    def count(self, name: str) -> int:
        return self.calls.count(name)

    def add_order(self, status: str = "unpaid", created_at: datetime | None = None, quantity: int = 0,
                  receiver: base.Receiver | None = None) -> base.SupplierOrder:
        order = base.SupplierOrder(order_id=f"30{next(self._ids):016d}", created_at=created_at or datetime.now(),
                                   status=status, amount=PRICE * (quantity or self.quantity or 1),
                                   lines=(base.SupplierLine(ITEM_ID, quantity or self.quantity or 1, SKU_ID),),
                                   receiver=receiver or self.typed)
        self.orders[order.order_id] = order
        return order

    # -- BuyerDriver ---------------------------------------------------------------------------

    def order_ids_since(self, since: datetime) -> set[str]:
        self._call("order_ids_since")
        return {o.order_id for o in self.orders.values() if o.created_at >= since}

    def recent_orders(self, since: datetime) -> list[base.SupplierOrder]:
        self._call("recent_orders")
        return [o for o in self.orders.values() if o.created_at >= since]

    def open_item(self, url: str) -> base.SupplierItem:
        self._call("open_item")
        assert ITEM_ID in url
        return self.item

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: base.Receiver, memo: str) -> None:
        self._call("fill_checkout")
        self.sku_id, self.quantity, self.typed, self.memo = sku_id, quantity, receiver, memo

    def read_checkout(self) -> base.CheckoutReadback:
        self._call("read_checkout")
        return base.CheckoutReadback(self.checkout_receiver or self.typed, PRICE * self.quantity, self.quantity, self.sku_id)

    def assist_page(self, panel: dict) -> FakePage:
        self._call("assist_page")
        self.panel = panel
        return self.page

    def submit(self) -> None:
        self._call("submit")
        if self.submit_creates:
            self.add_order()
        for _ in range(self.extra_orders_on_submit):
            self.add_order()

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        self._call("pay")
        if self.orders[order_id].status != "unpaid":
            raise base.PlatformError("订单已付款或已关闭")
        self.orders[order_id] = replace(self.orders[order_id], status="paid")

    def order_detail(self, order_id: str) -> base.SupplierOrder:
        self._call("order_detail")
        order = self.orders[order_id]
        return replace(order, receiver=self.detail_receiver) if self.detail_receiver else order

    def cancel(self, order_id: str) -> None:
        self._call("cancel")
        self.orders[order_id] = replace(self.orders[order_id], status="cancelled")

    def list_statuses(self, order_ids: list[str]) -> list[base.SupplierOrder]:
        self._call("list_statuses")
        return [self.orders[i] for i in order_ids if i in self.orders]
