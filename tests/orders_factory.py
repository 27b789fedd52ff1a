"""Rows for order tests: shops, orders with sub-orders, purchases, shipments, refunds (roll-ups kept right)."""
from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import Dispute, Order, OrderItem, Purchase, PurchaseAccount, PurchaseItem, Shipment, Shop
from dropship.platforms.base import Memo, PlatformError, RemoteItem, RemoteOrder
from dropship.services.rollups import refresh_rollups
from dropship.tasks import orders as order_tasks
from tests.helpers import make_app

_ids = itertools.count(1)
# Noon yesterday: recent enough for 订单管理's default 成交时间 window (the last 15 days) whenever the
# tests run, so pages that show the default view show the orders made here.
NOW = datetime.now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def make_shop(login: str = "好物小店", platform: str = "taobao", login_state: str = "ok") -> Shop:
    return Shop.create(platform=platform, login=login, password="pw-123456", nick=login, login_state=login_state)


def make_account(login: str = "13800000001", platform: str = "pdd") -> PurchaseAccount:
    return PurchaseAccount.create(platform=platform, login=login, nick=f"买手{login[-4:]}")


def make_order(shop: Shop, items: int = 1, status: str = "paid", created_at: datetime | None = None,
               paid: int = 2590, titles: tuple[str, ...] = (), **fields) -> Order:
    """An order with `items` sub-orders (titles default to 商品1…), paid `paid` fen in total."""
    n = next(_ids)
    order = Order.create(shop=shop, tid=fields.pop("tid", f"{3256650000000000000 + n}"), status=status,
                         status_text=fields.pop("status_text", ""), buyer_nick=fields.pop("buyer_nick", f"tb{n:06d}"),
                         paid_amount=paid, created_at=created_at or NOW - timedelta(minutes=n),
                         receiver_name=fields.pop("receiver_name", "张**"),
                         receiver_phone=fields.pop("receiver_phone", "138****1234"),
                         receiver_region="浙江省 杭州市 西湖区", receiver_address="文三路****", **fields)
    for i in range(items):
        OrderItem.create(order=order, oid=f"{order.tid}{i}", title=titles[i] if i < len(titles) else f"商品{i + 1}",
                         sku_text="颜色:黑色", outer_id=f"SKU-{n}-{i}", quantity=1, paid_amount=paid // items,
                         status=status)
    refresh_rollups([order.id])
    return Order.get_by_id(order.id)


def buy(order: Order, item_index: tuple[int, ...] | None = None, amount: int = 1500,
        account: PurchaseAccount | None = None, active: bool = True, **fields) -> Purchase:
    """A purchase covering the given sub-orders (all by default)."""
    items = list(OrderItem.select().where(OrderItem.order == order).order_by(OrderItem.id))
    chosen = items if item_index is None else [items[i] for i in item_index]
    purchase = Purchase.create(order=order, account=account, platform=fields.pop("platform", "pdd"),
                               platform_order_id=fields.pop("platform_order_id", f"261120-{next(_ids):015d}"),
                               amount=amount, status=fields.pop("status", "paid"), active=active, **fields)
    for item in chosen:
        PurchaseItem.create(purchase=purchase, item=item, active=active)
    refresh_rollups([order.id])
    return purchase


def ship(order: Order, tracking: str = "73123456789012", courier: str = "ZTO") -> Shipment:
    return Shipment.create(order=order, courier=courier, courier_name="中通快递", tracking_number=tracking,
                           state="done")


def refund(order: Order, item_index: int, status: str = "refunding") -> None:
    item = list(OrderItem.select().where(OrderItem.order == order).order_by(OrderItem.id))[item_index]
    OrderItem.update(refund_status=status).where(OrderItem.id == item.id).execute()
    refresh_rollups([order.id])


def make_dispute(shop: Shop, order: Order, kind: str = "refund_only", status: str = "pending", **fields) -> Dispute:
    """A 售后 case on the order's first sub-order, as the shop's list showed it."""
    item = order.items.order_by(OrderItem.id).first()
    opened = fields.pop("created_at", NOW)
    return Dispute.create(shop=shop, order=order, dispute_id=fields.pop("dispute_id", f"{next(_ids):019d}"),
                          tid=order.tid, oid=item.oid, kind=kind, status=status, amount=item.paid_amount,
                          reason="不想要了", title=item.title, created_at=opened, updated_at=opened, **fields)


def reload(order: Order) -> Order:
    return Order.get_by_id(order.id)


@pytest.fixture(scope="module")
def orders_app(tmp_path_factory):
    """One app per test module; each test runs in a transaction that is rolled back."""
    return make_app(tmp_path_factory.mktemp("orders") / "data")


@pytest.fixture
def orders_db(orders_app):
    with db.connection_context(), db.atomic() as transaction:
        yield
        transaction.rollback()


class FakeBackend:
    """A seller backend that remembers memos and serves orders; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.memos: dict[str, Memo] = {}
        self.remote: dict[str, RemoteOrder] = {}
        self.memo_error: Exception | None = None
        self.echo = None  # replaces what get_memo reads back, to simulate a platform that kept something else
        self.detail: dict[str, RemoteOrder] = {}  # what a detail page shows beyond the list (else the list's view)

    def set_memo(self, tid: str, text: str, flag: int) -> None:
        self.calls.append(("set_memo", tid, text, flag))
        if self.memo_error:
            raise self.memo_error
        self.memos[tid] = Memo(text, flag)

    def get_memo(self, tid: str) -> Memo:
        self.calls.append(("get_memo", tid))
        return self.echo or self.memos.get(tid, Memo("", 0))

    def get_orders(self, tids: list[str]) -> list[RemoteOrder]:
        assert len(tids) <= 50
        self.calls.append(("get_orders", tuple(tids)))
        return [self.remote[t] for t in tids if t in self.remote]

    def order_from_detail(self, tid: str) -> RemoteOrder:
        self.calls.append(("order_from_detail", tid))
        if tid not in self.remote:
            raise PlatformError(f"订单 {tid} 的详情页没有数据")
        return self.detail.get(tid, self.remote[tid])

    def serve(self, order: Order, **changes) -> None:
        """The shop's view of `order`, with `changes` (e.g. status='shipped')."""
        items = [RemoteItem(oid=i.oid, title=i.title, quantity=i.quantity, paid_amount=i.paid_amount,
                            sku_text=i.sku_text, outer_id=i.outer_id, status=changes.get("status", i.status),
                            refund_status=changes.pop("refund_" + i.oid, i.refund_status))
                 for i in OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id)]
        fields = {"status": order.status, "status_text": order.status_text, "buyer_nick": order.buyer_nick,
                  "paid_amount": order.paid_amount, "created_at": order.created_at, "post_fee": order.post_fee,
                  "seller_flag": order.seller_flag, "paid_at": order.paid_at, "ship_deadline": order.ship_deadline}
        self.remote[order.tid] = RemoteOrder(tid=order.tid, items=items, **{**fields, **changes})

    def kinds(self) -> list[str]:
        return [call[0] for call in self.calls]


def fake_shops(monkeypatch) -> FakeBackend:
    """Route every order task's `open_shop_backend` to one FakeBackend; `refuse(shop, exc)` makes a shop fail."""
    backend, refused = FakeBackend(), {}

    @contextmanager
    def fake_open(shop):
        if shop.id in refused:
            raise refused[shop.id]
        yield backend

    monkeypatch.setattr(order_tasks, "open_shop_backend", fake_open)
    backend.refuse = lambda shop, exc: refused.__setitem__(shop.id, exc)
    return backend
