"""自动售后 jobs against a fake shop backend and a fake supplier: re-read before acting, each action once,
logged 成功 / 失败, the daily cap, and the 售后 list stored by the order fetch's session."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import AftersaleLog, Dispute, Job, Order, Shop
from dropship.platforms.base import DisputePage, PlatformError, RemoteDispute, SupplierRefund
from dropship.queue import start_job
from dropship.services import aftersales, disputes
from dropship.services.settings import set_setting
from dropship.tasks import aftersales as tasks
from tests.orders_factory import buy, make_account, make_order, make_shop


@pytest.fixture(autouse=True)
def _db(app):
    # Jobs run in a worker thread with its own connection: rows must be committed, not rolled back.
    with db.connection_context():
        yield


class FakeSeller:
    """The shop's 售后 cases as the site shows them now; records what was asked."""

    def __init__(self) -> None:
        self.cases: dict[str, RemoteDispute] = {}
        self.agreed: list[str] = []
        self.refuse_list: Exception | None = None
        self.unreadable: set[str] = set()

    def open(self, order: Order, kind: str = "refund_only", minutes_ago: int = 40, **fields) -> RemoteDispute:
        opened = datetime.now() - timedelta(minutes=minutes_ago)
        item = order.items[0]
        case = RemoteDispute(dispute_id=f"R{len(self.cases) + 1:018d}", tid=order.tid, oid=item.oid, kind=kind,
                             status="pending", status_text="待处理", amount=item.paid_amount, reason="不想要了",
                             created_at=opened, updated_at=opened, **fields)
        self.cases[case.dispute_id] = case
        return case

    def set(self, case: RemoteDispute, **changes) -> None:
        self.cases[case.dispute_id] = replace(self.cases[case.dispute_id], **changes)

    def list_disputes(self, since, page=1, tab="all") -> DisputePage:
        if self.refuse_list:
            raise self.refuse_list
        return DisputePage(list(self.cases.values()), page, 1, len(self.cases))

    def dispute_detail(self, dispute_id: str) -> RemoteDispute:
        if dispute_id in self.unreadable:
            raise PlatformError("售后详情页打不开")
        return self.cases[dispute_id]

    def agree_refund(self, dispute_id: str) -> None:
        self.agreed.append(dispute_id)
        self.set(self.cases[dispute_id], status="success", status_text="退款成功")


class FakeSupplier:
    """Our refund applications at the 上家, by 采购单号."""

    def __init__(self) -> None:
        self.refunds_by_order: dict[str, SupplierRefund] = {}
        self.applied: list[tuple[str, str, int]] = []
        self.filled: list[tuple[str, str, str]] = []

    def apply_refund(self, order_id: str, kind: str, reason: str, amount: int) -> SupplierRefund:
        self.applied.append((order_id, kind, amount))
        refund = SupplierRefund(refund_id=f"S{len(self.applied)}", order_id=order_id, kind=kind, status="pending")
        self.refunds_by_order[order_id] = refund
        return refund

    def refunds(self, order_ids: list[str]) -> list[SupplierRefund]:
        return [self.refunds_by_order[o] for o in order_ids if o in self.refunds_by_order]

    def fill_return(self, order_id: str, courier_code: str, tracking_number: str) -> None:
        self.filled.append((order_id, courier_code, tracking_number))
        self.refunds_by_order[order_id] = replace(self.refunds_by_order[order_id],
                                                  return_tracking_number=tracking_number)

    def settle(self, order_id: str, status: str = "success", **fields) -> None:
        self.refunds_by_order[order_id] = replace(self.refunds_by_order[order_id], status=status, **fields)


@pytest.fixture
def sides(monkeypatch):
    seller, supplier = FakeSeller(), FakeSupplier()

    @contextmanager
    def open_shop(shop):
        yield seller

    @contextmanager
    def open_account(account):
        yield supplier

    monkeypatch.setattr(tasks, "open_shop_backend", open_shop)
    monkeypatch.setattr(tasks, "open_account", open_account)
    monkeypatch.setattr(aftersales, "SUPPLIER_REFUND_PLATFORMS", ("pdd",))
    return seller, supplier


def rules(*on: int, minutes: int = 30, agree: tuple[int, ...] = (), cap_fen: int = 0) -> None:
    for rule in aftersales.RULES:
        set_setting(aftersales.on_key(rule), rule in on)
    for rule in aftersales.TIMED_RULES:
        set_setting(aftersales.minutes_key(rule), minutes)
    for rule in aftersales.AGREE_RULES:
        set_setting(aftersales.agree_key(rule), rule in agree)
    set_setting(aftersales.CAP_KEY, cap_fen)


def fetching_shop() -> Shop:
    shop = make_shop()
    Shop.update(fetch_state="fetching").where(Shop.id == shop.id).execute()
    return shop


def stored(seller: FakeSeller, shop: Shop) -> None:
    tasks.sync_disputes(seller, shop)


def run(shop: Shop) -> Job:
    Job.delete().where(Job.kind == tasks.JOB).execute()
    job = start_job(tasks.JOB, "自动售后", shop_id=shop.id)
    assert job.state == "done", job.error
    return job


def log_rows() -> list[tuple[int, str, bool]]:
    return [(r.rule, r.action, r.ok) for r in AftersaleLog.select().order_by(AftersaleLog.id)]


def test_rule2_agrees_once_after_the_delay_and_the_order_rolls_up_refunded(sides):
    seller, _ = sides
    shop = fetching_shop()
    order = make_order(shop)
    case = seller.open(order, minutes_ago=40)
    rules(2)
    stored(seller, shop)
    assert Order.get_by_id(order.id).refund_state == "refunding"
    tasks.enqueue_due_aftersales.call_local()
    assert seller.agreed == [case.dispute_id]
    assert log_rows() == [(2, "agree", True)]
    assert Dispute.get(Dispute.dispute_id == case.dispute_id).status == "success"
    assert Order.get_by_id(order.id).refund_state == "refunded"
    run(shop)  # nothing left to do: not agreed or logged twice
    assert seller.agreed == [case.dispute_id] and len(log_rows()) == 1


def test_a_case_that_cannot_be_reread_is_skipped_and_the_others_still_run(sides):
    seller, _ = sides
    shop = fetching_shop()
    broken = seller.open(make_order(shop), minutes_ago=50)
    fine = seller.open(make_order(shop), minutes_ago=40)
    seller.unreadable.add(broken.dispute_id)
    rules(2)
    stored(seller, shop)
    job = run(shop)
    assert seller.agreed == [fine.dispute_id] and log_rows() == [(2, "agree", True)]
    assert Job.get_by_id(job.id).message.endswith(f"1 个读取失败（{broken.tid}：售后详情页打不开）")


def test_not_before_the_delay_and_not_for_a_shop_that_is_not_fetching(sides):
    seller, _ = sides
    shop = make_shop()  # 未获取: the manual's rules run only while 店铺管理 fetches
    seller.open(make_order(shop), minutes_ago=40)
    rules(2, minutes=60)
    stored(seller, shop)
    tasks.enqueue_due_aftersales.call_local()
    rules(2)
    tasks.enqueue_due_aftersales.call_local()
    assert seller.agreed == [] and log_rows() == []


def test_a_case_the_buyer_cancelled_since_the_last_read_is_left_alone(sides):
    seller, _ = sides
    shop = fetching_shop()
    case = seller.open(make_order(shop), minutes_ago=40)
    rules(2)
    stored(seller, shop)
    seller.set(case, status="closed", status_text="退款关闭")  # the re-read before acting sees it
    run(shop)
    assert seller.agreed == [] and log_rows() == []
    assert Dispute.get(Dispute.dispute_id == case.dispute_id).status == "closed"


def test_rule3_applies_at_the_supplier_then_agrees_once_the_supplier_refunded(sides):
    seller, supplier = sides
    shop = fetching_shop()
    order = make_order(shop)
    purchase = buy(order, account=make_account(), state="paid", status="paid", amount=1500)
    case = seller.open(order, minutes_ago=40)
    rules(3, agree=(3,))
    stored(seller, shop)
    run(shop)
    assert supplier.applied == [(purchase.platform_order_id, "refund_only", 0)]
    assert seller.agreed == []
    run(shop)  # applied: never twice
    assert len(supplier.applied) == 1
    supplier.settle(purchase.platform_order_id)
    run(shop)
    assert seller.agreed == [case.dispute_id]
    assert log_rows() == [(3, "supplier_refund", True), (3, "agree", True)]


def test_one_run_opens_each_purchase_account_once(sides, monkeypatch):
    seller, supplier = sides
    opened: list[int] = []

    @contextmanager
    def open_account(account):
        opened.append(account.id)
        yield supplier

    monkeypatch.setattr(tasks, "open_account", open_account)
    shop = fetching_shop()
    first, second = make_account("13800000001"), make_account("13800000002")
    for minutes_ago, account in ((50, first), (45, second), (40, first)):  # the accounts' cases interleave
        order = make_order(shop)
        buy(order, account=account, state="paid", status="paid")
        seller.open(order, minutes_ago=minutes_ago)
    rules(3)
    stored(seller, shop)
    run(shop)
    assert len(supplier.applied) == 3 and sorted(opened) == [first.id, second.id]


def test_supplier_already_refunded_without_the_agree_tick_does_nothing(sides):
    seller, supplier = sides
    shop = fetching_shop()
    order = make_order(shop)
    purchase = buy(order, account=make_account(), state="paid", status="paid")
    seller.open(order, minutes_ago=40)
    supplier.refunds_by_order[purchase.platform_order_id] = SupplierRefund("S0", purchase.platform_order_id,
                                                                           "refund_only", "success")
    rules(3)
    stored(seller, shop)
    run(shop)  # the engine thought rule 3 was due; the re-read at the supplier says it is refunded already
    assert supplier.applied == [] and seller.agreed == [] and log_rows() == []


def test_the_daily_cap_refuses_an_agree_and_logs_it_once(sides):
    seller, _ = sides
    shop = fetching_shop()
    seller.open(make_order(shop, paid=2590), minutes_ago=40)
    rules(2, cap_fen=1000)
    stored(seller, shop)
    run(shop)
    run(shop)
    assert seller.agreed == []
    [row] = AftersaleLog.select()
    assert not row.ok and "超过每日自动同意退款上限 10.00 元" in row.reason


def test_returns_apply_fill_the_buyers_number_and_agree_when_the_supplier_refunded(sides):
    seller, supplier = sides
    shop = fetching_shop()
    order = make_order(shop)
    purchase = buy(order, account=make_account(), state="paid", status="shipped", tracking_number="YT1")
    case = seller.open(order, kind="return_refund", minutes_ago=40)
    rules(5, 6, 7)
    stored(seller, shop)
    run(shop)
    assert supplier.applied == [(purchase.platform_order_id, "return_refund", 0)]
    supplier.settle(purchase.platform_order_id, "wait_buyer_return", return_address="上家仓库 张三")
    seller.set(case, status="wait_seller_receive", return_courier="SF", return_tracking_number="SF1234567890")
    run(shop)
    assert supplier.filled == [(purchase.platform_order_id, "SF", "SF1234567890")]
    supplier.settle(purchase.platform_order_id, "success")
    run(shop)
    assert seller.agreed == [case.dispute_id]
    assert log_rows() == [(5, "supplier_return", True), (6, "fill_return", True), (7, "agree", True)]


def test_a_purchase_platform_without_automatic_refunds_is_logged_for_a_person(sides):
    seller, supplier = sides
    shop = fetching_shop()
    order = make_order(shop)
    buy(order, account=make_account(platform="taobao"), platform="taobao", state="paid", status="paid")
    seller.open(order, minutes_ago=40)
    rules(3)
    stored(seller, shop)
    run(shop)
    assert supplier.applied == []
    [row] = AftersaleLog.select()
    assert not row.ok and row.reason == "淘宝采购单暂不支持自动售后，请到上家手动处理"


def test_the_order_fetch_stores_the_list_and_starts_the_rules_when_due(sides):
    seller, _ = sides
    shop = fetching_shop()
    seller.open(make_order(shop), minutes_ago=40)
    rules(2)
    assert tasks.disputes_with_orders(seller, shop) == "，新售后 1 个"
    assert tasks.disputes_with_orders(seller, shop) == ""
    tasks.start_due_aftersales(shop)
    assert seller.agreed  # the rules' job ran (immediately, in tests)
    seller.refuse_list = PlatformError("售后列表暂时打不开")
    assert tasks.disputes_with_orders(seller, shop) == "；售后获取失败：售后列表暂时打不开"


class Killed(Exception):
    """The job stops dead at a step, as a killed worker would (the real kill: tests/drivers/test_aftersales_crash.py)."""


def _killed_at(monkeypatch, shop: Shop, step: str) -> None:
    def hook(at: str, dispute_id: int) -> None:
        if at == step:
            raise Killed(at)

    monkeypatch.setattr(tasks, "STEP_HOOK", hook)
    Job.delete().where(Job.kind == tasks.JOB).execute()
    assert start_job(tasks.JOB, "自动售后", shop_id=shop.id).state == "failed"
    assert [r.reason for r in AftersaleLog.select()] == [disputes.PENDING]  # the intent, written before the site
    monkeypatch.setattr(tasks, "STEP_HOOK", lambda at, dispute_id: None)


@pytest.mark.parametrize("step, done", [("before_agree", False), ("after_agree", True)])
def test_an_agree_killed_mid_way_is_settled_from_the_reread_case_and_sent_once(sides, monkeypatch, step, done):
    seller, _ = sides
    shop = fetching_shop()
    case = seller.open(make_order(shop), minutes_ago=40)
    rules(2)
    stored(seller, shop)
    _killed_at(monkeypatch, shop, step)
    assert len(seller.agreed) == done
    run(shop)
    assert seller.agreed == [case.dispute_id]
    assert log_rows() == ([(2, "agree", True)] if done else [(2, "agree", False), (2, "agree", True)])
    assert disputes.agreed_today(shop.id, datetime.now().date()) == case.amount  # the cap counts it once


@pytest.mark.parametrize("step, done", [("before_apply", False), ("after_apply", True)])
def test_a_supplier_refund_killed_mid_way_is_settled_from_the_supplier_and_applied_once(sides, monkeypatch, step,
                                                                                          done):
    seller, supplier = sides
    shop = fetching_shop()
    order = make_order(shop)
    purchase = buy(order, account=make_account(), state="paid", status="paid", amount=1500)
    seller.open(order, minutes_ago=40)
    rules(3)
    stored(seller, shop)
    _killed_at(monkeypatch, shop, step)
    assert len(supplier.applied) == done
    run(shop)
    assert supplier.applied == [(purchase.platform_order_id, "refund_only", 0)]
    expected = [(3, "supplier_refund", True)]
    assert log_rows() == (expected if done else [(3, "supplier_refund", False)] + expected)
    assert AftersaleLog.select().where(AftersaleLog.reason == disputes.PENDING).count() == 0
