"""拍单状态 sync: each supplier code lands on the purchase (status, label, our state), final and in-flight
purchases are left alone, the parcel is kept, the memo is re-applied and pushed, and the scheduler starts
one sync per account with open purchases only."""
from datetime import datetime, timedelta

import pytest

from dropship.models import Job, Purchase
from dropship.platforms.base import SupplierOrder
from dropship.services.memo import apply_purchase_memo
from dropship.services.purchasing.labels import PURCHASE_STATUS_LABELS
from dropship.services.purchasing.sync import due_accounts, open_purchases, record_statuses
from dropship.services.settings import set_setting
from dropship.tasks import purchase_sync
from tests.orders_factory import (  # noqa: F401
    buy,
    make_account,
    make_order,
    make_shop,
    orders_app,
    orders_db,
    refund,
    reload,
)

pytestmark = pytest.mark.usefixtures("orders_db")
NOW = datetime(2026, 11, 27, 12, 0)


@pytest.fixture
def account():
    row = make_account()
    row.online, row.enabled = True, True
    row.save()
    return row


def supplier(purchase: Purchase, status: str, courier: str = "", number: str = "") -> SupplierOrder:
    return SupplierOrder(order_id=purchase.platform_order_id, created_at=NOW, status=status, amount=purchase.amount,
                         courier=courier, tracking_number=number)


def purchase_of(account, state: str = "unpaid", status: str = "unpaid", **fields) -> Purchase:
    return buy(make_order(make_shop()), account=account, state=state, status=status, **fields)


def stored(purchase: Purchase) -> Purchase:
    return Purchase.get_by_id(purchase.id)


# (code, our state from 待付款, from 已支付): the supplier decides paid, cancelled and refunded, never back
# to 待付款; 退款中 is still paid (the money has not come back)
CODES = [("unpaid", "unpaid", "paid"), ("sharing", "paid", "paid"), ("paid", "paid", "paid"),
         ("shipped", "paid", "paid"), ("received", "paid", "paid"), ("cancelled", "cancelled", "cancelled"),
         ("refunding", "paid", "paid"), ("refunded", "refunded", "refunded")]


@pytest.mark.parametrize("code,from_unpaid,from_paid", CODES)
def test_each_code_lands_as_status_label_and_state(account, code, from_unpaid, from_paid):
    unpaid = purchase_of(account, "unpaid", "unpaid")
    paid = purchase_of(account, "paid", "paid")
    result = record_statuses(account, [supplier(unpaid, code), supplier(paid, code)])
    for purchase, state in ((unpaid, from_unpaid), (paid, from_paid)):
        row = stored(purchase)
        assert (row.status, row.state) == (code, state)
        assert PURCHASE_STATUS_LABELS[row.status]  # the list shows it in Chinese
        assert row.active == (state not in ("cancelled", "refunded"))
    assert result.changed == (code != "unpaid") + (code != "paid")


def test_a_cancelled_supplier_order_releases_the_order_to_be_bought_again(account):
    purchase = purchase_of(account, "paid", "paid")
    assert reload(purchase.order).pending_items == 0
    record_statuses(account, [supplier(purchase, "cancelled")])
    assert stored(purchase).state == "cancelled" and reload(purchase.order).pending_items == 1


def test_a_refunded_supplier_order_ends_the_purchase_and_puts_the_order_in_abnormal(account):
    set_setting("memo.fields", ["purchase_order"])
    purchase = purchase_of(account, "paid", "paid", amount=1500)
    apply_purchase_memo(purchase.order_id)
    order = reload(purchase.order)
    assert (order.purchase_amount, order.pending_items, order.abnormal) == (1500, 0, "")
    assert purchase.platform_order_id in order.seller_memo
    result = record_statuses(account, [supplier(purchase, "refunded")])
    row, order = stored(purchase), reload(purchase.order)
    assert (row.state, row.status, row.active) == ("refunded", "refunded", False)  # in 历史 as 已退款
    # the refunded money is no 采购金额 (订单利润 = 实收金额 again), and the seller decides: 异常订单
    assert (order.purchase_amount, order.pending_items) == (0, 1)
    assert order.abnormal == "supplier_refund" and order.mark_note.startswith("采购单已退款")
    assert purchase.platform_order_id in order.mark_note and "15.00" in order.mark_note
    assert result.memo_order_ids == [order.id]  # the memo no longer names the refunded 采购单号
    assert purchase.platform_order_id not in order.seller_memo
    assert list(open_purchases(account.id)) == []  # final: never synced again


def test_a_supplier_refund_of_an_order_our_buyer_refunded_too_needs_no_attention(account):
    purchase = purchase_of(account, "paid", "paid")
    refund(purchase.order, 0, "refunded")  # our buyer's refund came through first: nothing left to buy
    record_statuses(account, [supplier(purchase, "refunded")])
    order = reload(purchase.order)
    assert stored(purchase).state == "refunded" and (order.abnormal, order.pending_items) == ("", 0)


def test_a_refund_in_progress_keeps_the_purchase_and_its_cost(account):
    purchase = purchase_of(account, "paid", "paid", amount=1500)
    record_statuses(account, [supplier(purchase, "refunding")])
    order = reload(purchase.order)
    assert (stored(purchase).state, stored(purchase).active) == ("paid", True)
    assert (order.purchase_amount, order.abnormal) == (1500, "")


def test_final_and_in_flight_purchases_are_untouched(account):
    received = purchase_of(account, "paid", "received")
    refunded = purchase_of(account, "paid", "refunded")
    paying = purchase_of(account, "paying", "unpaid")
    retired = purchase_of(account, "paid", "paid", active=False)
    rows = [received, refunded, paying, retired]
    result = record_statuses(account, [supplier(p, "cancelled", "中通快递", "73100000000001") for p in rows])
    assert result.changed == 0
    assert [(stored(p).state, stored(p).status, stored(p).tracking_number) for p in rows] == [
        ("paid", "received", ""), ("paid", "refunded", ""), ("paying", "unpaid", ""), ("paid", "paid", "")]
    assert set(open_purchases(account.id)) == set()


def test_a_parked_purchase_follows_a_payment_but_never_goes_back_to_unpaid(account):
    parked = purchase_of(account, "parked", "unpaid")
    record_statuses(account, [supplier(parked, "unpaid")])
    assert stored(parked).state == "parked"  # still for a person
    record_statuses(account, [supplier(parked, "paid")])
    assert (stored(parked).state, stored(parked).status) == ("paid", "paid")


def test_an_unknown_code_is_kept_verbatim_and_moves_nothing(account):
    purchase = purchase_of(account, "paid", "paid")
    record_statuses(account, [supplier(purchase, "等待买家评价")])
    row = stored(purchase)
    assert (row.status, row.state) == ("等待买家评价", "paid")
    assert PURCHASE_STATUS_LABELS.get(row.status, row.status) == "等待买家评价"


def test_tracking_is_stored_and_not_erased_by_a_list_without_it(account):
    purchase = purchase_of(account, "paid", "paid")
    record_statuses(account, [supplier(purchase, "shipped", "中通快递", "73100000000001")])
    row = stored(purchase)
    assert (row.status, row.courier, row.tracking_number) == ("shipped", "中通快递", "73100000000001")
    record_statuses(account, [supplier(purchase, "shipped")])
    assert (stored(purchase).courier, stored(purchase).tracking_number) == ("中通快递", "73100000000001")


def test_another_accounts_or_unknown_orders_are_ignored(account):
    mine = purchase_of(account, "paid", "paid")
    other = purchase_of(make_account("13800000002"), "paid", "paid")
    stranger = SupplierOrder(order_id="999", created_at=NOW, status="shipped", amount=1)
    assert record_statuses(account, [supplier(other, "shipped"), stranger]).changed == 0
    assert stored(other).status == "paid" and stored(mine).status == "paid"


def test_the_memo_template_is_reapplied_and_its_push_started(account, monkeypatch):
    set_setting("memo.fields", ["purchase_logistics"])
    purchase = purchase_of(account, "paid", "paid")
    result = record_statuses(account, [supplier(purchase, "shipped", "中通快递", "73100000000001")])
    order = reload(purchase.order)
    assert result.memo_order_ids == [order.id]
    assert "73100000000001" in order.seller_memo and order.memo_state == "syncing"
    assert record_statuses(account, [supplier(purchase, "shipped", "中通快递", "73100000000001")]).memo_order_ids == []

    pushed = []
    monkeypatch.setattr(purchase_sync, "start_unique_job", lambda kind, title, **kw: pushed.append((kind, kw)))
    purchase_sync.push_memos(result.memo_order_ids, None)
    assert pushed == [("push_memo", {"target": f"order:{order.id}", "user": None, "total": 1, "order_id": order.id})]


# -- the schedule -----------------------------------------------------------------------------------

def test_the_schedule_starts_one_sync_per_account_with_open_purchases_only(account, monkeypatch):
    idle = make_account("13800000003")  # online, but only a final purchase
    idle.online = True
    idle.save()
    purchase_of(idle, "paid", "received")
    offline = make_account("13800000004")  # an open purchase, but 掉线: nothing to sync with
    purchase_of(offline, "paid", "paid")
    purchase_of(account, "paid", "paid")
    purchase_of(account, "paid", "shipped")
    started = []
    monkeypatch.setattr(purchase_sync, "start_unique_job",
                        lambda kind, title, **kw: started.append((kind, kw["account_id"], kw["purchase_ids"])))
    purchase_sync.enqueue_due_purchase_syncs()
    assert started == [("sync_purchase_status", account.id, None)]


def test_an_account_synced_within_the_interval_is_not_due(account):
    purchase_of(account, "paid", "paid")
    set_setting("purchase.sync_minutes", "15")
    Job.create(kind="sync_purchase_status", title="同步采购状态", target=f"account:{account.id}", state="done",
               created_at=NOW - timedelta(minutes=10))
    assert due_accounts(NOW) == []
    assert due_accounts(NOW + timedelta(minutes=6)) == [account.id]
    set_setting("purchase.sync_minutes", "30")  # the setting changes the outcome
    assert due_accounts(NOW + timedelta(minutes=6)) == []


def test_an_account_whose_purchase_just_took_a_step_is_not_due(account):
    purchase_of(account, "paid", "paid", step_at=NOW - timedelta(minutes=3))
    assert due_accounts(NOW) == []  # the purchase task read the supplier order itself just now
    assert due_accounts(NOW + timedelta(minutes=13)) == [account.id]
