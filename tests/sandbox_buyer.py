"""A stand-in BuyerDriver over the sandbox's control endpoints (/__sandbox/purchases…), for the purchase
kill test's worker process while the real 淘宝 driver's buying is not merged yet.

It is NOT the real driver: no pages, no baxia, no address book. What it does exercise is everything
around the driver — the worker process, the queue's recovery, the account lock, the task's persisted
steps — with the supplier orders kept by the sandbox (same rules as its checkout), so the test can
count them there. Configured by a JSON file: {"port", "login", "item_id", "sku_id", "price"}.
"""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime
from pathlib import Path

from dropship.platforms import base

# the sandbox's purchase states as 拍单状态 codes
STATUS = {"unpaid": "unpaid", "grouping": "sharing", "unshipped": "paid", "shipped": "shipped",
          "finished": "received", "closed": "cancelled"}


def supplier_order(data: dict) -> base.SupplierOrder:
    r = data["receiver"]
    return base.SupplierOrder(
        order_id=data["order_id"], created_at=datetime.strptime(data["created_at"], "%Y-%m-%d %H:%M:%S"),
        status=STATUS.get(data["state"], data["state"]), amount=data["paid_fen"],
        lines=tuple(base.SupplierLine(i["item_id"], i["quantity"], i["sku_id"], i["title"], i["sku_text"])
                    for i in data["items"]),
        status_text=data["status_text"],
        receiver=base.Receiver(r["name"], r["mobile"], r["province"], r["city"], r["district"], r["town"], r["address"]))


class SandboxControlBuyer:
    def __init__(self, config: Path) -> None:
        self.config = json.loads(Path(config).read_text())
        self.base = f"http://127.0.0.1:{self.config['port']}/__sandbox"
        self.checkout: dict | None = None

    def _call(self, path: str, body: dict | None = None):
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"},
                                         method="POST" if body is not None else "GET")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise base.PlatformError(json.loads(exc.read()).get("error", str(exc))) from None

    def _orders(self, since: datetime) -> list[base.SupplierOrder]:
        found = [supplier_order(o) for o in self._call(f"/purchases?login={self.config['login']}")]
        return [o for o in found if o.created_at >= since]

    def order_ids_since(self, since: datetime) -> set[str]:
        return {o.order_id for o in self._orders(since)}

    def recent_orders(self, since: datetime) -> list[base.SupplierOrder]:
        return self._orders(since)

    def open_item(self, url: str) -> base.SupplierItem:
        c = self.config
        return base.SupplierItem("taobao", c["item_id"], "", (base.SupplierSku(c["sku_id"], "", c["price"], None),))

    def fill_checkout(self, item_id: str, sku_id: str, quantity: int, receiver: base.Receiver, memo: str) -> None:
        self.checkout = {"sku_id": sku_id, "quantity": quantity, "receiver": receiver, "memo": memo}

    def read_checkout(self) -> base.CheckoutReadback:
        assert self.checkout is not None
        return base.CheckoutReadback(self.checkout["receiver"], self.config["price"] * self.checkout["quantity"],
                                     self.checkout["quantity"], self.checkout["sku_id"])

    def submit(self) -> None:
        assert self.checkout is not None
        r: base.Receiver = self.checkout["receiver"]
        self._call("/purchases/buy", {
            "platform": "taobao", "login": self.config["login"], "sku_id": self.checkout["sku_id"],
            "quantity": self.checkout["quantity"], "memo": self.checkout["memo"], "paid": False,
            "receiver": {"fullName": r.name, "mobile": r.phone, "province": r.province, "city": r.city,
                         "district": r.district, "town": r.town, "addressDetail": r.address}})

    def pay(self, order_id: str, method: str, account: str, password: str) -> None:
        self._call("/purchases/pay", {"order_id": order_id, "method": method})

    def order_detail(self, order_id: str) -> base.SupplierOrder:
        return supplier_order(self._call(f"/purchases/{order_id}"))

    def cancel(self, order_id: str) -> None:
        raise base.PlatformError("not used by the kill test")

    def list_statuses(self, order_ids: list[str]) -> list[base.SupplierOrder]:
        return [self.order_detail(i) for i in order_ids]
