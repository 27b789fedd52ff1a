"""Kept tab counts (issue 17): the buckets equal COUNT(*) over the orders after every kind of change,
the page's counts from them equal the counts over the orders, and the repair path rebuilds them."""
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropship.db import db
from dropship.models import Order, OrderCount, OrderItem, OrderTotal, Purchase, PurchaseItem, Shop
from dropship.platforms.base import RemoteItem, RemoteOrder
from dropship.services.fetching import upsert_remote_orders
from dropship.services.orders import actions, counters, queries, title_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TABS, TabContext
from dropship.services.rollups import refresh_rollups
from dropship.services.scope import Scope
from dropship.services.shops import delete_shops
from dropship.tasks.maintenance import repair_order_counts
from tests.helpers import recorded_sql
from tests.orders_factory import NOW, buy, make_order, make_shop, orders_app, orders_db, refund  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)
ALL = Scope.everything()
MIDNIGHT = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
WINDOWS = [  # (created_from, created_to): open ends, whole days, partial days at either end, one day
    (None, None),
    (MIDNIGHT - timedelta(days=3), None),
    (NOW - timedelta(days=2, hours=5), None),
    (NOW - timedelta(days=4, minutes=7), NOW - timedelta(days=1, hours=2)),
    (MIDNIGHT - timedelta(days=1), MIDNIGHT - timedelta(seconds=1)),
    (NOW - timedelta(hours=3), NOW),
]
TITLES = ("", "商品2", "品2")  # make_order's second sub-order: 3+ characters by the trigram index, 1–2 by LIKE


def truth(search: OrderFilter, scope: Scope = ALL) -> dict[str, int]:
    """The counts over the orders themselves, one COUNT(*) per tab."""
    return {tab.code: Order.select().where(*search.conditions(scope), tab.predicate(CTX)).count() for tab in TABS}


def assert_counts_are_true(scope: Scope = ALL, **search) -> None:
    """The kept counts, and a title search's counts from its hits' tab rows, equal the truth."""
    assert counters.drift() == {} and not title_counts.drift()
    for start, end in WINDOWS:
        for show in ("normal", "ignored"):
            for title in TITLES:
                wanted = OrderFilter(created_from=start, created_to=end, show=show, title=title, **search)
                assert queries.tab_counts(wanted, CTX, scope) == truth(wanted, scope), (start, end, show, title)


@pytest.fixture
def shop():
    return make_shop()


def test_the_app_installs_the_triggers_and_counts_come_from_the_buckets(shop):
    assert counters.available()
    make_order(shop, items=2)
    assert OrderCount.select().where(OrderCount.shop_id == shop.id, OrderCount.n == 1).count() == 1
    assert counters.answers(OrderFilter(shop=shop.id, show="ignored", created_from=NOW, tab="to_ship"))
    assert not counters.answers(OrderFilter(title="保温杯"))
    assert not counters.answers(OrderFilter(flag=1))


def test_fetch_upsert_inserts_and_changes_status(shop):
    remote = RemoteOrder(tid="3256651000000000001", status="paid", status_text="买家已付款", buyer_nick="tb1",
                         paid_amount=2590, created_at=NOW - timedelta(days=2, hours=1),
                         items=[RemoteItem(oid="1", title="保温杯", quantity=1, paid_amount=2590, status="paid")])
    upsert_remote_orders(shop, [remote], now=NOW)
    assert_counts_are_true()
    upsert_remote_orders(shop, [replace(remote, status="shipped", items=[replace(remote.items[0], status="shipped")])],
                         now=NOW)
    assert Order.get(Order.tid == remote.tid).status == "shipped"
    assert_counts_are_true()


def test_purchase_refund_ignore_and_mark_move_orders_between_tabs(shop):
    orders = [make_order(shop, items=2, created_at=NOW - timedelta(days=d, hours=d)) for d in range(5)]
    buy(orders[0])
    buy(orders[1], (0,))
    refund(orders[2], 0, "refunding")
    refund(orders[3], 0, "refunded")
    refund(orders[3], 1, "refunded")
    actions.set_ignored([orders[4].id], True, ALL)
    actions.mark_orders([orders[1].id], "no_source", "", ALL)
    assert_counts_are_true()
    assert_counts_are_true(shop=shop.id)


def test_employee_scope_counts_only_granted_shops(shop):
    other = make_shop("别家小店")
    make_order(shop)
    make_order(other)
    employee = Scope(10_000)  # no grants: sees nothing
    assert queries.tab_counts(OrderFilter(), CTX, employee)["all"] == 0
    assert_counts_are_true(scope=employee)


def test_deleting_orders_and_shops_keeps_counts(shop):
    order = make_order(shop, status="finished")
    make_order(shop, status="closed")
    delete_shops([shop.id], ALL)  # soft: its orders stay listed
    assert_counts_are_true()
    OrderItem.delete().where(OrderItem.order == order.id).execute()
    Order.delete().where(Order.id == order.id).execute()
    assert_counts_are_true()


def test_a_moved_created_at_moves_the_order_to_its_new_day(shop):
    order = make_order(shop, created_at=NOW - timedelta(days=1))
    Order.update(created_at=NOW - timedelta(days=3)).where(Order.id == order.id).execute()
    assert_counts_are_true()


def test_recount_repairs_tampered_buckets_and_ensure_reinstalls_dropped_triggers(shop):
    make_order(shop)
    OrderCount.update(n=OrderCount.n + 5).execute()
    assert counters.drift()
    counters.recount()
    assert counters.drift() == {}
    for name in counters.triggers().names:  # as a migration rebuilding the order table would
        db.execute_sql(f'DROP TRIGGER "{name}"')
    assert not counters.available()
    make_order(shop, status="closed")  # unseen by the buckets while the triggers are gone
    assert queries.tab_counts(OrderFilter(), CTX, ALL)["closed"] == 1  # counted over the orders meanwhile
    assert counters.ensure_counters()
    assert counters.available() and counters.drift() == {}
    assert not counters.ensure_counters()  # in place: nothing to do


def test_start_up_recounts_counts_that_do_not_add_up(shop):
    make_order(shop)
    make_order(shop, status="closed")
    OrderCount.update(n=OrderCount.n + 5).execute()  # edited by hand, or orders written with the triggers off
    assert counters.ensure_counters()
    assert counters.drift() == {}


def test_a_search_without_a_window_reads_the_totals_which_start_up_repairs(shop):
    """Counted from OrderTotal, not every day's buckets: a total edited by hand shows, drifts, and
    start-up recounts it."""
    make_order(shop, created_at=NOW - timedelta(days=40))
    make_order(shop, status="closed")
    edited = OrderTotal.update(n=OrderTotal.n + 5).where(OrderTotal.ignored == False).execute()  # noqa: E712
    assert queries.tab_counts(OrderFilter(), CTX, ALL)["all"] == 2 + 5 * edited
    assert queries.tab_counts(OrderFilter(created_from=NOW - timedelta(days=60)), CTX, ALL)["all"] == 2
    assert set(counters.drift()) == {(False, shop.id, None, tabs) for tabs in
                                     OrderTotal.select(OrderTotal.tabs).where(OrderTotal.ignored == False).scalars()}  # noqa: E712
    assert counters.ensure_counters()
    assert_counts_are_true()


def test_the_nightly_task_repairs_drift_and_leaves_right_counts_alone(shop):
    make_order(shop)
    assert not repair_order_counts.call_local()
    OrderCount.update(n=0).execute()
    assert repair_order_counts.call_local()
    assert counters.drift() == {}


def test_a_title_search_counts_its_hits_rows_exactly_to_the_second(shop):
    assert title_counts.answers(OrderFilter(title="商品2", shop=shop.id, created_from=NOW))
    assert not title_counts.answers(OrderFilter(title="商品2", flag=1))
    assert set(title_counts.columns()) <= title_counts.table_columns()  # a new predicate column needs a migration
    moment = NOW - timedelta(hours=2)
    for offset in (-1, 0, 0.5, 1):  # a 成交时间 with a fraction too: the rows are keyed by the second
        make_order(shop, items=2, status="closed" if offset > 0 else "paid", created_at=moment + timedelta(seconds=offset))
    make_order(shop, items=1, created_at=moment)  # no second sub-order: not a hit
    for start, end in ((moment, None), (None, moment), (moment, moment), (moment + timedelta(microseconds=1), None),
                       (moment - timedelta(microseconds=1), moment + timedelta(seconds=0.75)),
                       (moment - timedelta(seconds=1), moment + timedelta(seconds=1))):
        for title in TITLES[1:]:
            wanted = OrderFilter(created_from=start, created_to=end, title=title)
            assert queries.tab_counts(wanted, CTX, ALL) == truth(wanted), (start, end, title)
    assert queries.tab_counts(OrderFilter(created_from=moment, title="商品2"), CTX, ALL)["all"] == 3


def test_an_order_moved_to_another_shop_is_counted_under_it_in_title_searches(shop):
    other = make_shop("另一家店")
    order = make_order(shop, items=2)
    make_order(other, items=2, status="closed")
    Order.update(shop=other.id).where(Order.id == order.id).execute()
    for where in (shop, other):
        assert_counts_are_true(shop=where.id)
    assert queries.tab_counts(OrderFilter(shop=other.id, title="商品2"), CTX, ALL)["all"] == 2


def test_title_search_counts_walk_the_hits_and_read_each_tab_row_by_key(shop):
    """Left to choose, SQLite walked every tab row of the window and probed the index per row."""
    for n in range(30):
        make_order(shop, items=2, created_at=NOW - timedelta(minutes=n))
    db.execute_sql("ANALYZE")
    for title in ("商", "商品2"):
        with recorded_sql() as statements:
            queries.tab_counts(OrderFilter(created_from=NOW - timedelta(days=1), title=title), CTX, ALL)
        (sql, params), = [s for s in statements if "SUM(CASE" in s[0]]
        plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
        outer = [line for line in plan if "SUBQUERY" not in line and "t1 VIRTUAL TABLE INDEX 192" not in line]
        assert "VIRTUAL TABLE" in outer[0] and outer[1].startswith("SEARCH r USING INTEGER PRIMARY KEY (rowid=?)"), plan


def test_start_up_refills_tab_rows_that_do_not_add_up(shop):
    make_order(shop, items=2)
    db.execute_sql(f"DELETE FROM {title_counts.TABLE}")
    assert title_counts.drift()
    assert title_counts.ensure_tab_rows()
    assert not title_counts.drift() and not title_counts.ensure_tab_rows()
    assert_counts_are_true()


def test_split_window_cuts_whole_days_and_partial_ends():
    day = datetime(2026, 11, 20)
    window = counters.split_window(day + timedelta(hours=8), day + timedelta(days=3, hours=9))
    assert (window.first, window.last, window.whole) == (day + timedelta(days=1), day + timedelta(days=2), True)
    assert window.partials == ((day + timedelta(hours=8), day + timedelta(days=1), False),
                               (day + timedelta(days=3), day + timedelta(days=3, hours=9), True))
    assert counters.split_window(day, None) == counters.Window(day, None, True, ())
    assert counters.split_window(None, None) == counters.Window(None, None, True, ())
    same = counters.split_window(day + timedelta(hours=1), day + timedelta(hours=2))
    assert not same.whole and len(same.partials) == 1
    assert not counters.split_window(day + timedelta(hours=1), day + timedelta(days=1, hours=2)).whole


def test_split_window_cuts_seconds_too():
    moment = datetime(2026, 11, 20, 8, 30, 5)
    window = counters.split_window(moment + timedelta(microseconds=250), moment + timedelta(minutes=1),
                                   counters.SECOND)
    assert (window.first, window.last) == (moment + timedelta(seconds=1), moment + timedelta(seconds=59))
    assert window.partials == ((moment + timedelta(microseconds=250), moment + timedelta(seconds=1), False),
                               (moment + timedelta(minutes=1), moment + timedelta(minutes=1), True))
    assert counters.split_window(moment, None, counters.SECOND) == counters.Window(moment, None, True, ())


CHANGES = st.lists(st.tuples(st.sampled_from(["new", "buy", "unbuy", "refund", "refunded", "ignore", "unignore",
                                              "mark", "unmark", "status", "delete", "move"]),
                             st.integers(0, 5), st.sampled_from(["paid", "shipped", "finished", "closed", "unpaid"])),
                   min_size=1, max_size=25)


def apply_change(shop: Shop, kind: str, pick: int, status: str) -> None:
    """One change of CHANGES to the orders, as the app's writers make it."""
    ids = [i for (i,) in Order.select(Order.id).order_by(Order.id).tuples()]
    if kind == "new" or not ids:
        make_order(shop, items=2, status=status, created_at=NOW - timedelta(days=pick, hours=pick * 5))
        return
    order_id = ids[pick % len(ids)]
    active = Purchase.select(Purchase.id).where(Purchase.order == order_id, Purchase.active == True)  # noqa: E712
    if kind == "buy":
        if not active.exists():  # a sub-order has one active purchase at most
            buy(Order.get_by_id(order_id))
    elif kind == "unbuy":
        PurchaseItem.update(active=False).where(PurchaseItem.purchase.in_(active)).execute()
        Purchase.update(active=False).where(Purchase.order == order_id).execute()
        refresh_rollups([order_id])
    elif kind in ("refund", "refunded"):
        refund(Order.get_by_id(order_id), pick % 2, "refunding" if kind == "refund" else "refunded")
    elif kind in ("ignore", "unignore"):
        actions.set_ignored([order_id], kind == "ignore", ALL)
    elif kind in ("mark", "unmark"):
        actions.mark_orders([order_id], "out_of_stock" if kind == "mark" else "", "", ALL)
    elif kind == "status":
        Order.update(status=status).where(Order.id == order_id).execute()
    elif kind == "move":
        Order.update(created_at=NOW - timedelta(days=pick, minutes=pick)).where(Order.id == order_id).execute()
    else:
        PurchaseItem.delete().where(PurchaseItem.purchase.in_(Purchase.select(Purchase.id)
                                                           .where(Purchase.order == order_id))).execute()
        Purchase.delete().where(Purchase.order == order_id).execute()
        OrderItem.delete().where(OrderItem.order == order_id).execute()
        Order.delete().where(Order.id == order_id).execute()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=CHANGES)
def test_random_change_sequences_keep_counters_equal_to_the_truth(shop, changes):
    with db.atomic() as example:  # each example starts from the same empty shop
        for change in changes:
            apply_change(shop, *change)
        assert_counts_are_true()
        example.rollback()
