"""The purchase state machine: legal steps persisted before the work, illegal ones refused with nothing
changed, the database refusing a second active purchase, and the order following (待采购, 采购金额, memo)."""
from datetime import date, datetime, timedelta

import pytest

from dropship.errors import UserError
from dropship.models import Order, OrderItem, Purchase, PurchaseItem, ShopGrant, User
from dropship.services.purchasing.guards import Refusal
from dropship.services.purchasing.labels import STATES
from dropship.services.purchasing.records import begin, get_purchase, history, spent_today, stop
from dropship.services.purchasing.states import (
    TRANSITIONS,
    IllegalTransition,
    advance,
    note_attempt,
    retire,
    state_for_status,
)
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.orders_factory import make_account, make_order, make_shop, orders_app, orders_db, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
ALL = Scope.everything()


@pytest.fixture
def world():
    shop = make_shop()
    account = make_account()
    account.online = True
    account.save()
    order = make_order(shop, items=2, paid=2590)
    return shop, account, order


def items_of(order: Order) -> list[OrderItem]:
    return list(OrderItem.select().where(OrderItem.order == order.id).order_by(OrderItem.id))


def start(world, which=(0, 1)) -> Purchase:
    _, account, order = world
    items = items_of(order)
    return begin(ALL, order, [items[i] for i in which], account, "pdd", "10982537", "5001", 1)


def stored(purchase: Purchase) -> Purchase:
    return Purchase.get_by_id(purchase.id)


def test_a_purchase_walks_the_happy_path_and_each_step_is_stored_before_the_work(world):
    purchase = start(world)
    assert stored(purchase).state == "preparing" and reload(world[2]).pending_items == 0
    advance(purchase, "submitted", orders_before=["A", "B"], submitted_at=datetime(2026, 11, 20, 12, 0))
    assert stored(purchase).state == "submitted" and stored(purchase).orders_before == ["A", "B"]
    advance(purchase, "unpaid", platform_order_id="261120-123456789012345", amount=1500, status="unpaid")
    assert reload(world[2]).purchase_amount == 1500
    advance(purchase, "paying")
    advance(purchase, "paid", status="paid")
    row = stored(purchase)
    assert (row.state, row.status, row.active, row.platform_order_id) == ("paid", "paid", True, "261120-123456789012345")


ILLEGAL = [(a, b) for a in STATES for b in STATES if b not in TRANSITIONS[a]]


@pytest.mark.parametrize("origin,target", ILLEGAL)
def test_an_illegal_step_is_refused_and_changes_nothing(world, origin, target):
    purchase = start(world)
    Purchase.update(state=origin).where(Purchase.id == purchase.id).execute()
    purchase = stored(purchase)
    with pytest.raises(IllegalTransition):
        advance(purchase, target, amount=999)
    assert (stored(purchase).state, stored(purchase).amount) == (origin, 0)


def test_submitted_can_never_go_back_to_be_submitted_again():
    assert "preparing" not in TRANSITIONS["submitted"] and "submitted" not in TRANSITIONS["submitted"]


def test_two_workers_holding_the_same_purchase_cannot_both_step(world):
    first = start(world)
    second = stored(first)
    advance(first, "submitted", orders_before=[], submitted_at=datetime.now())
    with pytest.raises(IllegalTransition, match="已被其他任务改变"):
        advance(second, "submitted", orders_before=["X"], submitted_at=datetime.now())
    assert stored(first).orders_before == []


def test_each_task_run_on_a_purchase_is_counted(world):
    purchase = start(world)
    assert note_attempt(purchase) == 1 and note_attempt(stored(purchase)) == 2
    assert stored(purchase).attempts == 2


def test_unknown_facts_are_a_programming_error(world):
    with pytest.raises(TypeError):
        advance(start(world), "submitted", colour="red")


def test_a_sub_order_cannot_get_a_second_active_purchase(world):
    start(world, (0,))
    with pytest.raises(UserError, match="不会重复购买"):
        start(world, (0, 1))
    assert Purchase.select().count() == 1 and PurchaseItem.select().count() == 1
    start(world, (1,))  # the other sub-order still can


def test_the_database_itself_refuses_a_second_active_purchase_of_a_sub_order(world):
    from peewee import IntegrityError

    first = start(world, (0,))
    other = Purchase.create(order=world[2], platform="pdd")
    with pytest.raises(IntegrityError):
        PurchaseItem.create(purchase=other, item=items_of(world[2])[0])
    assert first.id


def test_one_supplier_order_is_never_recorded_on_two_active_purchases(world):
    shop, account, order = world
    first = start(world)
    advance(first, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(first, "unpaid", platform_order_id="261120-123456789012345")
    other_order = make_order(shop, items=1)
    second = begin(ALL, other_order, items_of(other_order), account, "pdd", "10982537", "5001", 1)
    advance(second, "submitted", orders_before=[], submitted_at=datetime.now())
    with pytest.raises(UserError, match="已记录在另一笔采购中"):
        advance(second, "unpaid", platform_order_id="261120-123456789012345")
    assert (stored(second).state, stored(second).platform_order_id) == ("submitted", "")


def test_another_constraint_failing_is_not_reported_as_a_duplicate_supplier_order(world, monkeypatch):
    from peewee import IntegrityError

    from dropship.services.purchasing import states

    def collide(order_ids):
        raise IntegrityError("UNIQUE constraint failed: shopdaily.shop_id, shopdaily.day")

    purchase = start(world)
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    monkeypatch.setattr(states, "refresh_rollups", collide)
    with pytest.raises(IntegrityError):  # a bug shows as one (程序错误), not as "已记录在另一笔采购中"
        advance(purchase, "unpaid", platform_order_id="261120-123456789012345")
    assert (stored(purchase).state, stored(purchase).platform_order_id) == ("submitted", "")


def test_ending_a_purchase_puts_its_sub_orders_back_to_be_bought(world):
    purchase = start(world)
    advance(purchase, "cancelled", reason="取消下单")
    assert not stored(purchase).active and reload(world[2]).pending_items == 2
    assert not PurchaseItem.select().where(PurchaseItem.active == True).exists()  # noqa: E712
    start(world)  # and they can be bought again


def test_retire_moves_a_finished_purchase_to_history_and_refuses_one_in_flight(world):
    purchase = start(world)
    with pytest.raises(IllegalTransition, match="正在进行"):
        retire(purchase)
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(purchase, "paid", platform_order_id="261120-123456789012345", amount=1500)
    retire(purchase)
    row = stored(purchase)
    assert (row.state, row.active) == ("paid", False)
    order = reload(world[2])
    assert (order.pending_items, order.purchase_amount) == (2, 0)
    assert [p.id for p in history(ALL, order.id)] == [purchase.id]


def test_a_step_reapplies_the_seller_memo_template(world):
    set_setting("memo.fields", ["purchase_order"])
    purchase = start(world)
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    assert advance(purchase, "unpaid", platform_order_id="261120-123456789012345") is True
    order = reload(world[2])
    assert "拼多多261120-123456789012345" in order.seller_memo and order.memo_state == "syncing"
    assert advance(purchase, "paying") is False  # nothing the memo shows changed


@pytest.mark.parametrize("status,state", [("unpaid", "unpaid"), ("sharing", "paid"), ("paid", "paid"),
                                          ("shipped", "paid"), ("refunding", "paid"), ("cancelled", "cancelled"),
                                          ("refunded", "refunded"), ("something-new", "unpaid")])
def test_the_supplier_status_decides_where_a_found_order_stands(status, state):
    assert state_for_status(status) == state


def test_a_refunded_purchase_ends_and_stops_counting_only_the_refunded_sub_orders(world):
    purchase = start(world, (0,))
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(purchase, "paid", platform_order_id="261120-123456789012345", amount=1500)
    other = start(world, (1,))
    advance(other, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(other, "paid", platform_order_id="261120-123456789012346", amount=900)
    assert reload(world[2]).purchase_amount == 2400
    advance(purchase, "refunded", status="refunded")
    order = reload(world[2])
    assert (stored(purchase).active, stored(other).active) == (False, True)
    assert (order.purchase_amount, order.pending_items, order.abnormal) == (900, 1, "supplier_refund")
    assert spent_today(world[1].id) == 900  # refunded money is not spent against 每日采购额
    assert [p.id for p in history(ALL, order.id)] == [purchase.id]


def test_a_refusal_before_submit_ends_the_purchase_and_marks_the_order(world):
    purchase = start(world)
    stop(purchase, [Refusal("loss", "亏钱：…")])
    order = reload(world[2])
    assert (stored(purchase).state, stored(purchase).active) == ("refused", False)
    assert (order.abnormal, order.mark_note, order.pending_items) == ("loss", "亏钱：…", 2)


def test_a_refusal_after_submit_parks_it_and_keeps_the_order_covered(world):
    purchase = start(world)
    advance(purchase, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(purchase, "unpaid", platform_order_id="261120-123456789012345", amount=1500)
    stop(purchase, [Refusal("receiver", "收货信息不一致：收货地址不同")])
    row, order = stored(purchase), reload(world[2])
    assert (row.state, row.active, row.reason) == ("parked", True, "收货信息不一致：收货地址不同")
    assert (order.abnormal, order.pending_items) == ("refused", 0)


def test_spent_today_counts_committed_money_of_that_account_only(world):
    shop, account, order = world
    paid = start(world, (0,))
    advance(paid, "submitted", orders_before=[], submitted_at=datetime.now())
    advance(paid, "paid", platform_order_id="261120-000000000000001", amount=1500)
    refused = start(world, (1,))
    advance(refused, "refused", amount=700)
    other = make_account("13800000002")
    assert spent_today(account.id) == 1500 and spent_today(other.id) == 0
    assert spent_today(account.id, excluding=paid.id) == 0
    assert spent_today(account.id, today=date.today() - timedelta(days=1)) == 0


def test_begin_needs_a_usable_account_the_user_may_use(world):
    shop, account, order = world
    account.online = False
    account.save()
    with pytest.raises(UserError, match="掉线"):
        start(world)
    main = User.create(username="13900000000", password_hash="x")
    employee = User.create(username="13900000000:01", password_hash="x", role="employee", owner=main)
    ShopGrant.create(user=employee, shop=shop)
    account.online = True
    account.save()
    with pytest.raises(UserError, match="采购账号的权限"):
        begin(Scope.of(employee), order, items_of(order), account, "pdd", "1", "", 1)
    assert Purchase.select().count() == 0


def test_purchases_are_seen_only_within_the_users_scope(world):
    shop, account, order = world
    purchase = start(world)
    main = User.create(username="13900000000", password_hash="x")
    stranger = User.create(username="13900000000:02", password_hash="x", role="employee", owner=main)
    assert get_purchase(Scope.of(stranger), purchase.id) is None
    advance(purchase, "cancelled")
    assert history(Scope.of(stranger), order.id) == [] and len(history(ALL, order.id)) == 1
