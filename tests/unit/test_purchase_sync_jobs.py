"""The 拍单状态 sync job against a fake buyer driver, and 同步状态 / 批量同步 starting it per account."""
from contextlib import contextmanager
from datetime import datetime

import pytest

from dropship.db import db
from dropship.models import Job, Purchase, Shipment, Shop
from dropship.platforms.base import SupplierOrder
from dropship.queue import start_job
from dropship.tasks import purchase_sync
from tests.orders_factory import buy, fake_shops, make_account, make_order, make_shop, reload


@pytest.fixture(autouse=True)
def _db(app):
    # Jobs run in a worker thread with its own connection: rows must be committed, not rolled back.
    with db.connection_context():
        yield


class FakeBuyer:
    """What each supplier order of the account shows now; records which ids each list read asked for."""

    def __init__(self) -> None:
        self.orders: dict[str, SupplierOrder] = {}
        self.details: dict[str, SupplierOrder] = {}  # what a detail page shows beyond the list
        self.asked: list[tuple[str, list[str]]] = []
        self.detail_reads: list[str] = []

    def show(self, purchase: Purchase, status: str, courier: str = "", number: str = "") -> None:
        self.orders[purchase.platform_order_id] = SupplierOrder(
            order_id=purchase.platform_order_id, created_at=datetime.now(), status=status, amount=purchase.amount,
            courier=courier, tracking_number=number)


@pytest.fixture
def buyer(monkeypatch):
    fake = FakeBuyer()

    @contextmanager
    def fake_open(account):
        class Driver:
            def list_statuses(self, order_ids):
                fake.asked.append((account.login, list(order_ids)))
                return [fake.orders[i] for i in order_ids if i in fake.orders]

            def order_detail(self, order_id):
                fake.detail_reads.append(order_id)
                return fake.details.get(order_id, fake.orders[order_id])

        yield Driver()

    monkeypatch.setattr(purchase_sync, "open_account", fake_open)
    return fake


def online(login: str):
    account = make_account(login)
    account.online = True
    account.save()
    return account


def test_the_job_syncs_the_accounts_open_purchases_and_says_what_it_found(buyer):
    account = online("13800000001")
    shipped = buy(make_order(make_shop()), account=account, state="paid", status="paid")
    gone = buy(make_order(make_shop()), account=account, state="unpaid", status="unpaid")
    buy(make_order(make_shop()), account=account, state="paid", status="received")  # final: not asked
    buyer.show(shipped, "shipped", "中通快递", "73100000000009")
    job = start_job("sync_purchase_status", "同步采购状态", account_id=account.id)
    assert job.state == "done", job.error
    assert job.message == "已同步 1 个采购单，1 个有变化，1 个在采购平台没有找到"
    assert buyer.asked == [("13800000001", [shipped.platform_order_id, gone.platform_order_id])]
    row = Purchase.get_by_id(shipped.id)
    assert (row.status, row.tracking_number) == ("shipped", "73100000000009")


def test_a_shipped_order_listed_without_its_number_is_read_from_its_detail_once(buyer):
    account = online("13800000001")
    purchase = buy(make_order(make_shop()), account=account, state="paid", status="paid")
    buyer.show(purchase, "shipped")  # a list shape without logistics
    buyer.details[purchase.platform_order_id] = SupplierOrder(
        order_id=purchase.platform_order_id, created_at=datetime.now(), status="shipped", amount=purchase.amount,
        courier="中通快递", tracking_number="73100000000010")
    start_job("sync_purchase_status", "同步采购状态", account_id=account.id)
    assert buyer.detail_reads == [purchase.platform_order_id]
    assert Purchase.get_by_id(purchase.id).tracking_number == "73100000000010"
    Job.delete().execute()
    start_job("sync_purchase_status", "同步采购状态", account_id=account.id)
    assert buyer.detail_reads == [purchase.platform_order_id]  # known now: the list read is enough


def test_sync_state_and_batch_sync_also_sync_the_ticked_orders_purchases_one_job_per_account(buyer, monkeypatch):
    shop_backend = fake_shops(monkeypatch)
    first, second = online("13800000001"), online("13800000002")
    shop = make_shop()
    orders = [make_order(shop) for _ in range(3)]
    for order in orders:
        shop_backend.serve(order)
    a = buy(orders[0], account=first, state="paid", status="paid")
    b = buy(orders[1], account=first, state="paid", status="paid")
    c = buy(orders[2], account=second, state="paid", status="paid")
    for purchase in (a, b, c):
        buyer.show(purchase, "shipped")

    start_job("sync_order", "同步状态", order_id=orders[0].id)
    assert buyer.asked == [("13800000001", [a.platform_order_id])]
    assert Purchase.get_by_id(b.id).status == "paid"  # not ticked

    buyer.asked.clear()
    start_job("batch_sync", "批量同步", shop_ids=[shop.id], order_ids=[o.id for o in orders])
    # 待收货 is not final: the first order's purchase is asked again, with the second's, in one job
    assert sorted(buyer.asked) == [("13800000001", [a.platform_order_id, b.platform_order_id]),
                                   ("13800000002", [c.platform_order_id])]
    assert Job.select().where(Job.kind == "sync_purchase_status").count() == 3
    assert all(Purchase.get_by_id(p.id).status == "shipped" for p in (a, b, c))
    assert reload(orders[2]).sync_message == "已同步"


def test_a_supplier_number_starts_automatic_shipping_once_for_auto_ship_shops_only(buyer, monkeypatch):
    consigned = []
    monkeypatch.setattr(purchase_sync, "start_consign", consigned.append)
    account = online("13800000001")
    on, off = make_shop("自动发货店"), make_shop("手动店")
    off.auto_ship = False
    off.save()
    shipped_on = buy(make_order(on), account=account, state="paid", status="paid")
    shipped_off = buy(make_order(off), account=account, state="paid", status="paid")
    for purchase in (shipped_on, shipped_off):
        buyer.show(purchase, "shipped", "中通快递", f"7310000000001{purchase.id % 10}")
    start_job("sync_purchase_status", "同步采购状态", account_id=account.id)
    assert [(s.order_id, s.courier, s.mode, s.state) for s in consigned] == [(shipped_on.order_id, "ZTO", "automatic", "pending")]
    Job.delete().execute()
    start_job("sync_purchase_status", "同步采购状态", account_id=account.id)  # the same number again
    assert len(consigned) == 1 and Shipment.select().count() == 1
    # 自动发货 switched back on (开始获取 with the switch on): the next sync ships what waited
    Shop.update(auto_ship=True).where(Shop.id == off.id).execute()
    Job.delete().execute()
    start_job("sync_purchase_status", "同步采购状态", account_id=account.id)
    assert [s.order_id for s in consigned] == [shipped_on.order_id, shipped_off.order_id]
