"""The purchase task's steps against an in-memory supplier (tests/fake_buyer.py): guards refuse before
the submit, a wrong address never gets paid, the diff parks what it cannot pin down, payment waits for
自动支付, and a purchase found in any persisted state (after a crash) resumes without buying twice."""
from __future__ import annotations

from contextlib import contextmanager, suppress
from datetime import datetime, timedelta

import pytest

from dropship.errors import UserError
from dropship.models import Job, Order, OrderItem, Purchase, PurchaseAccount, Shop
from dropship.platforms import verification
from dropship.platforms.base import LoginRequired, PlatformError, Receiver, RiskBlocked, SupplierSku
from dropship.platforms.verification import HUB
from dropship.queue import JOB_TASKS
from dropship.services.purchasing.records import begin
from dropship.services.purchasing.states import advance
from dropship.services.receiver import store_receiver
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from dropship.tasks import purchasing
from tests.fake_buyer import ITEM_ID, SKU_ID, FakeBuyer
from tests.orders_factory import make_account, make_order, make_shop, orders_app, orders_db  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
BUYER = Receiver(name="王小明", phone="13812341234", province="浙江省", city="杭州市", district="西湖区",
                 town="文新街道", address="文三路 90 号 1 幢 301")


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(purchasing, "DIFF_RETRY_SECONDS", ())  # the fake's list never lags
    pushes: list[int] = []
    monkeypatch.setattr(purchasing, "start_unique_job", lambda kind, title, **kw: pushes.append(kw["order_id"]))
    return pushes


@pytest.fixture
def supplier() -> FakeBuyer:
    return FakeBuyer()


def start_purchase(decrypted: bool = True, quantity: int = 2, sku_id: str = SKU_ID) -> Purchase:
    shop = Shop.get_or_none(Shop.login == "好物小店") or make_shop()
    account = PurchaseAccount.get_or_none(PurchaseAccount.platform == "taobao") or make_account(platform="taobao")
    account.online = True
    account.save()
    order = make_order(shop, items=1, paid=2590)
    if decrypted:
        store_receiver(order, BUYER)
    items = list(OrderItem.select().where(OrderItem.order == order.id))
    return begin(Scope.everything(), order, items, account, "taobao", ITEM_ID, sku_id, quantity)


def run(supplier: FakeBuyer, purchase: Purchase, mode: str = "auto") -> Purchase:
    purchasing.buy_one(supplier, Purchase.get_by_id(purchase.id), mode, job_id=0)
    return Purchase.get_by_id(purchase.id)


def test_auto_purchase_with_auto_pay_records_and_pays_one_order(supplier):
    set_setting("pay.auto", True)
    row = run(supplier, start_purchase())
    (order,) = supplier.orders.values()
    assert (row.state, row.status, row.platform_order_id, row.amount) == ("paid", "paid", order.order_id, 2400)
    assert row.orders_before == [] and row.submitted_at is not None and row.purchased_at == order.created_at
    assert supplier.count("submit") == 1 and supplier.count("pay") == 1
    assert supplier.typed.name == "王小明" and supplier.memo == f"DS{row.id}"


def test_auto_purchase_calls_the_driver_in_the_protocols_order(supplier):
    """BuyerDriver's order (platforms/base.py): the snapshot is read after the read back, just before
    the submit, so every driver keeps its checkout page across the list read."""
    run(supplier, start_purchase())
    steps = ("open_item", "fill_checkout", "read_checkout", "order_ids_since", "submit", "recent_orders")
    assert [c for c in supplier.calls if c in steps][:len(steps)] == list(steps)


def test_without_auto_pay_the_purchase_stops_at_unpaid(supplier):
    row = run(supplier, start_purchase())
    assert (row.state, row.status) == ("unpaid", "unpaid") and row.platform_order_id
    assert supplier.count("submit") == 1 and supplier.count("pay") == 0


def test_a_price_guard_refuses_before_anything_is_submitted(supplier):
    set_setting("pay.auto", True)
    set_setting("purchase.max_price", 2000)
    row = run(supplier, start_purchase())
    assert row.state == "refused" and "超过最高采购价" in row.reason and not row.active
    assert supplier.count("submit") == 0 and supplier.orders == {}
    assert Order.get_by_id(row.order_id).abnormal == "refused"


def test_a_loss_is_refused_before_submit_and_marked_as_such(supplier):
    set_setting("purchase.profit_floor", 500)  # 25.90 − 24.00 = 1.90 < 5.00
    row = run(supplier, start_purchase())
    assert row.state == "refused" and "亏钱" in row.reason and supplier.count("submit") == 0
    assert Order.get_by_id(row.order_id).abnormal == "loss"


def test_the_daily_cap_counts_what_the_account_committed_today(supplier):
    set_setting("purchase.daily_cap", 3000)
    first = run(supplier, start_purchase())
    assert first.state == "unpaid"
    row = run(supplier, start_purchase())  # the same account
    assert row.state == "refused" and "每日采购额" in row.reason and supplier.count("submit") == 1


def test_an_address_not_decrypted_is_refused_before_the_checkout(supplier):
    row = run(supplier, start_purchase(decrypted=False))
    assert row.state == "refused" and "地址未解密" in row.reason
    assert supplier.count("fill_checkout") == 0 and supplier.count("submit") == 0


def test_a_checkout_showing_another_receiver_stops_before_submit(supplier):
    supplier.checkout_receiver = Receiver(**{**BUYER.__dict__, "address": "文三路 91 号"})
    row = run(supplier, start_purchase())
    assert row.state == "refused" and "收货信息不一致" in row.reason and "收货地址" in row.reason
    assert supplier.count("submit") == 0


def test_an_order_detail_with_another_receiver_is_parked_and_never_paid(supplier):
    set_setting("pay.auto", True)
    supplier.detail_receiver = Receiver(**{**BUYER.__dict__, "name": "王小红"})
    row = run(supplier, start_purchase())
    assert row.state == "parked" and "收货人" in row.reason and row.platform_order_id and row.active
    assert supplier.count("pay") == 0


@pytest.mark.parametrize("made,found", [(0, "没有找到新的采购订单"), (2, "找到 2 个相同商品的新订单")])
def test_a_diff_without_exactly_one_new_order_parks_it(supplier, made, found):
    set_setting("pay.auto", True)
    supplier.submit_creates = made > 0
    supplier.extra_orders_on_submit = max(made - 1, 0)
    row = run(supplier, start_purchase())
    assert row.state == "parked" and found in row.reason and row.platform_order_id == "" and row.active
    assert supplier.count("submit") == 1 and supplier.count("pay") == 0


def test_an_order_bought_a_minute_earlier_is_not_taken_for_the_new_one(supplier):
    supplier.add_order(quantity=2, created_at=datetime.now() - timedelta(minutes=1))  # same item, already there
    row = run(supplier, start_purchase())
    assert row.state == "unpaid" and len(row.orders_before) == 1
    assert row.platform_order_id != row.orders_before[0]


def test_a_changed_supplier_sku_stops_with_its_message(supplier):
    row = run(supplier, start_purchase(sku_id="4999"))
    assert row.state == "refused" and row.reason.startswith("供应商规格已变更") and supplier.count("fill_checkout") == 0


def test_a_sold_out_sku_stops(supplier):
    supplier.item = type(supplier.item)("taobao", ITEM_ID, "保温杯", (SupplierSku(SKU_ID, "颜色:黑色", 1200, 0),))
    row = run(supplier, start_purchase())
    assert row.state == "refused" and "售罄" in row.reason


def test_a_failure_before_submit_releases_the_order_with_the_reason(supplier):
    supplier.fail_on["read_checkout"] = PlatformError("下单页打不开")
    purchase = start_purchase()
    with pytest.raises(PlatformError):
        run(supplier, purchase)
    row = Purchase.get_by_id(purchase.id)
    assert row.state == "refused" and "下单页打不开" in row.reason and not row.active


def test_a_failure_after_submit_keeps_it_submitted_and_the_next_run_only_rediffs(supplier):
    supplier.fail_on["recent_orders"] = PlatformError("订单列表打不开")
    purchase = start_purchase()
    with pytest.raises(PlatformError):
        run(supplier, purchase)
    assert Purchase.get_by_id(purchase.id).state == "submitted"
    del supplier.fail_on["recent_orders"]
    row = run(supplier, purchase)
    assert row.state == "unpaid" and supplier.count("submit") == 1 and row.attempts == 2


# -- recovery: what a re-run does with a purchase found in each persisted state --------------------

def submitted(supplier: FakeBuyer, order_made: bool) -> Purchase:
    """A purchase whose worker died right after the snapshot was saved (and the submit, if `order_made`)."""
    purchase = start_purchase()
    supplier.quantity = 2
    at = datetime.now()
    advance(purchase, "submitted", orders_before=sorted(o.order_id for o in supplier.orders.values()),
            submitted_at=at)
    if order_made:
        supplier.typed = BUYER
        supplier.add_order()
    return purchase


def test_recovery_from_preparing_starts_over(supplier):
    row = run(supplier, start_purchase())
    assert row.state == "unpaid" and supplier.count("submit") == 1


def test_recovery_from_submitted_finds_the_order_without_submitting_again(supplier):
    set_setting("pay.auto", True)
    row = run(supplier, submitted(supplier, order_made=True))
    assert row.state == "paid" and supplier.count("submit") == 0 and supplier.count("open_item") == 0
    assert supplier.count("pay") == 1 and len(supplier.orders) == 1


def test_recovery_from_submitted_without_an_order_parks_it_instead_of_submitting(supplier):
    row = run(supplier, submitted(supplier, order_made=False))
    assert row.state == "parked" and "没有找到新的采购订单" in row.reason and supplier.count("submit") == 0


def test_recovery_from_submitted_without_a_snapshot_parks_it(supplier):
    purchase = submitted(supplier, order_made=True)
    Purchase.update(orders_before=None).where(Purchase.id == purchase.id).execute()
    row = run(supplier, purchase)
    assert row.state == "parked" and "快照丢失" in row.reason and supplier.count("submit") == 0


def recorded(supplier: FakeBuyer, state: str, status: str) -> Purchase:
    purchase = submitted(supplier, order_made=True)
    (order,) = supplier.orders.values()
    advance(purchase, "unpaid", platform_order_id=order.order_id, amount=order.amount, status="unpaid")
    if state == "paying":
        advance(purchase, "paying")
    if status == "paid":
        supplier.pay(order.order_id, "alipay", "", "")
        supplier.calls.clear()
    return purchase


@pytest.mark.parametrize("state", ["unpaid", "paying"])
def test_recovery_of_an_order_paid_before_the_crash_records_it_without_paying_again(supplier, state):
    set_setting("pay.auto", True)
    row = run(supplier, recorded(supplier, state, status="paid"))
    assert (row.state, row.status) == ("paid", "paid") and supplier.count("pay") == 0


@pytest.mark.parametrize("state", ["unpaid", "paying"])
def test_recovery_of_a_still_unpaid_order_pays_it_once_when_allowed(supplier, state):
    set_setting("pay.auto", True)
    row = run(supplier, recorded(supplier, state, status="unpaid"))
    assert row.state == "paid" and supplier.count("pay") == 1 and supplier.count("submit") == 0


def test_recovery_from_paying_without_auto_pay_goes_back_to_unpaid(supplier):
    row = run(supplier, recorded(supplier, "paying", status="unpaid"))
    assert row.state == "unpaid" and supplier.count("pay") == 0


@pytest.mark.parametrize("state", ["parked", "paid", "refused", "cancelled"])
def test_a_parked_or_finished_purchase_is_left_alone(supplier, state):
    purchase = start_purchase()
    Purchase.update(state=state).where(Purchase.id == purchase.id).execute()
    row = run(supplier, purchase)
    assert row.state == state and supplier.calls == [] and row.attempts == 0


def person(supplier: FakeBuyer, monkeypatch, acts: dict) -> list:
    """The person buying in 辅助下单: `acts[n]` runs at the n-th read of the account's order list."""
    polls: list = []

    def recent_orders(since):
        polls.append(since)
        acts.get(len(polls), lambda: None)()
        return FakeBuyer.recent_orders(supplier, since)

    monkeypatch.setattr(supplier, "recent_orders", recent_orders)
    monkeypatch.setattr(purchasing, "ASSIST_POLL_SECONDS", 0)
    return polls


def test_assisted_shows_the_panel_and_records_the_order_the_person_placed_and_paid(supplier, monkeypatch):
    set_setting("pay.auto", True)
    purchase = start_purchase()
    polls = person(supplier, monkeypatch, {2: lambda: supplier.add_order(), 3: lambda: supplier.pay(
        next(iter(supplier.orders)), "alipay", "", "")})
    row = run(supplier, purchase, mode="assisted")
    assert row.state == "paid" and row.platform_order_id and len(polls) == 3
    assert supplier.typed.name == "王小明" and supplier.count("submit") == 0 and supplier.count("pay") == 1  # theirs
    assert ["收件人", "王小明"] in supplier.panel["rows"] and ["数量", "2"] in supplier.panel["rows"]


def test_assisted_window_closed_after_submitting_records_the_order_awaiting_payment(supplier, monkeypatch):
    set_setting("pay.auto", True)  # 辅助下单 never pays: the person does
    purchase = start_purchase()
    person(supplier, monkeypatch, {1: lambda: supplier.add_order(), 2: lambda: setattr(supplier.page, "closed", True)})
    row = run(supplier, purchase, mode="assisted")
    assert (row.state, row.status) == ("unpaid", "unpaid") and row.platform_order_id
    assert supplier.count("pay") == 0


def test_assisted_window_closed_without_an_order_is_parked_saying_so(supplier, monkeypatch):
    purchase = start_purchase()
    person(supplier, monkeypatch, {1: lambda: setattr(supplier.page, "closed", True)})
    row = run(supplier, purchase, mode="assisted")
    assert row.state == "parked" and row.reason.startswith("辅助下单已关闭：提交后没有找到新的采购订单")


def _live(supplier: FakeBuyer, purchase: Purchase) -> Purchase:
    purchasing.buy_one(supplier, Purchase.get_by_id(purchase.id), "assisted", job_id=4242, live=True)
    return Purchase.get_by_id(purchase.id)


def test_assisted_live_view_is_parked_for_the_job_and_ends_when_the_order_is_paid(supplier, monkeypatch):
    purchase = start_purchase()
    seen = []

    def pays():
        seen.append(HUB.for_job(4242))
        supplier.add_order(status="paid")

    person(supplier, monkeypatch, {2: pays})
    row = _live(supplier, purchase)
    [item] = seen
    assert (item.kind, item.state, item.frame_no > 0) == ("assist", "solved", True)
    assert row.state == "paid" and supplier.count("pay") == 0 and supplier.count("submit") == 0


def test_assisted_live_view_closed_without_an_order_is_parked(supplier, monkeypatch):
    purchase = start_purchase()
    person(supplier, monkeypatch, {2: lambda: HUB.close_view(HUB.for_job(4242).id)})
    row = _live(supplier, purchase)
    assert row.state == "parked" and row.reason.startswith("辅助下单已关闭：")
    assert HUB.for_job(4242).state == "closed"


@pytest.mark.parametrize("remote,display,live", [(True, True, True), (False, False, True), (False, True, False)])
def test_assisted_goes_live_from_another_pc_or_without_a_screen(monkeypatch, remote, display, live):
    monkeypatch.setattr(verification, "display_available", lambda: display)
    assert verification.needs_live_view(remote) is live


def test_a_memo_change_starts_the_push_job(supplier, quick):
    set_setting("memo.fields", ["purchase_order"])
    row = run(supplier, start_purchase())
    assert row.state == "unpaid" and quick == [row.order_id]


def test_an_interrupted_submit_of_the_account_is_resolved_before_it_buys_anything_else(supplier):
    """Diffed after later orders of the same item, the stale snapshot would see several: it goes first."""
    set_setting("pay.auto", True)
    stale = submitted(supplier, order_made=True)
    fresh = start_purchase()
    purchasing.resolve_interrupted(supplier, fresh.account_id, job_id=0)
    row = Purchase.get_by_id(stale.id)
    assert row.state == "unpaid" and row.platform_order_id == next(iter(supplier.orders))
    assert supplier.count("pay") == 0  # recorded only: its own job pays it when allowed
    assert run(supplier, fresh).state == "paid" and len(supplier.orders) == 2


def test_an_order_recorded_by_another_purchase_is_never_taken_as_new(supplier):
    first = run(supplier, start_purchase())
    late = start_purchase()
    advance(late, "submitted", orders_before=[], submitted_at=datetime.now() - timedelta(seconds=5))
    row = run(supplier, late)  # first's order is new to late's (empty) snapshot, but it is first's
    assert row.state == "parked" and "没有找到新的采购订单" in row.reason
    assert first.platform_order_id not in (row.platform_order_id,)


# -- the job entries ---------------------------------------------------------------------------------

def run_job(kind: str, **args) -> Job:
    """The job's task in this thread and transaction (start_job would run it in a thread of its own)."""
    job = Job.create(kind=kind, title="采购", args=args)
    with suppress(UserError):  # a failed job records why
        JOB_TASKS[kind].call_local(job.id, **args)
    return Job.get_by_id(job.id)


def opens(monkeypatch, supplier: FakeBuyer | Exception) -> None:
    @contextmanager
    def fake_open(account, headed):
        if isinstance(supplier, Exception):
            raise supplier
        yield supplier

    monkeypatch.setattr(purchasing, "open_buyer", fake_open)


def test_the_purchase_job_buys_under_the_account_lock(supplier, monkeypatch):
    opens(monkeypatch, supplier)
    purchase = start_purchase()
    job = run_job("purchase", purchase_id=purchase.id, mode="auto")
    assert job.state == "done" and "待付款" in job.message and Purchase.get_by_id(purchase.id).state == "unpaid"


def test_an_account_that_cannot_be_opened_releases_the_purchase_with_the_reason(monkeypatch):
    opens(monkeypatch, LoginRequired("采购账号登录已失效，请点“重新授权”"))
    purchase = start_purchase()
    job = run_job("purchase", purchase_id=purchase.id, mode="auto")
    row = Purchase.get_by_id(purchase.id)
    assert job.state == "failed" and row.state == "refused" and "登录已失效" in row.reason and not row.active


def test_a_batch_goes_past_an_order_that_fails_and_stops_at_a_broken_session(supplier, monkeypatch):
    opens(monkeypatch, supplier)
    sold_out, fine, after_risk, never = (start_purchase(sku_id="4999"), start_purchase(), start_purchase(),
                                         start_purchase())
    real_open = supplier.open_item
    seen = []

    def risk_on_third(url):
        seen.append(url)
        if len(seen) == 3:
            raise RiskBlocked("平台风控限制，请稍后再试")
        return real_open(url)

    monkeypatch.setattr(supplier, "open_item", risk_on_third)
    job = run_job("purchase_batch", account_id=fine.account_id,
                  purchase_ids=[sold_out.id, fine.id, after_risk.id, never.id], mode="auto")
    states = [Purchase.get_by_id(p.id).state for p in (sold_out, fine, after_risk, never)]
    assert job.state == "failed" and states == ["refused", "unpaid", "refused", "refused"]
    assert "未下单" in Purchase.get_by_id(never.id).reason and supplier.count("submit") == 1
