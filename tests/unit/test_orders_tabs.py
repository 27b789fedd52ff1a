"""Each 订单管理 tab, one predicate per tab, including the awkward orders: partly bought, partly refunded,
ignored and abnormal at once, and deadlines right at the edge."""
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import Order
from dropship.services.orders.queries import tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TABS, TabContext
from dropship.services.scope import Scope
from dropship.services.settings import set_setting
from tests.helpers import recorded_sql
from tests.orders_factory import NOW, buy, make_order, make_shop, orders_app, orders_db, refund, reload  # noqa: F401

pytestmark = pytest.mark.usefixtures("orders_db")
CTX = TabContext(NOW, 6)
ALL = Scope.everything()


def tabs_of(order: Order, ctx: TabContext = CTX) -> set[str]:
    return {tab.code for tab in TABS
            if Order.select().where(Order.id == order.id, tab.predicate(ctx)).exists()}


@pytest.fixture
def shop():
    return make_shop()


def test_a_paid_order_with_nothing_bought_waits_for_purchase(shop):
    order = make_order(shop, items=1)
    assert tabs_of(order) == {"all", "to_purchase"}


def test_a_fully_bought_paid_order_waits_for_shipping(shop):
    order = make_order(shop, items=2)
    buy(order)
    assert tabs_of(reload(order)) == {"all", "to_ship"}


def test_a_partly_bought_multi_item_order_still_waits_for_purchase(shop):
    order = make_order(shop, items=3)
    buy(order, (0,))
    buy(order, (1,))
    order = reload(order)
    assert order.pending_items == 1
    assert tabs_of(order) == {"all", "to_purchase"}


def test_a_replaced_purchase_does_not_count_as_bought(shop):
    order = make_order(shop)
    buy(order, active=False)  # 重新下单 / 取消下单 keeps the old one as history
    assert "to_purchase" in tabs_of(reload(order))


def test_refund_on_one_sub_order_shows_in_refunding_and_keeps_the_rest_to_buy(shop):
    order = make_order(shop, items=2)
    refund(order, 0, "refunding")
    assert tabs_of(reload(order)) == {"all", "to_purchase", "refunding"}


def test_a_refunded_line_needs_no_purchase(shop):
    order = make_order(shop, items=2)
    buy(order, (1,))
    refund(order, 0, "refunded")
    order = reload(order)
    assert order.pending_items == 0 and order.refund_state == ""
    assert tabs_of(order) == {"all", "to_ship"}


def test_a_fully_refunded_paid_order_is_neither_to_buy_nor_to_ship(shop):
    order = make_order(shop, items=2)
    refund(order, 0, "refunded")
    refund(order, 1, "refunded")
    assert tabs_of(reload(order)) == {"all"}


@pytest.mark.parametrize("status,tab", [("shipped", "shipped"), ("closed", "closed"), ("finished", "finished"),
                                        ("unpaid", None)])
def test_shop_states_have_their_own_tab(shop, status, tab):
    order = make_order(shop, status=status)
    assert tabs_of(order) == {"all"} | ({tab} if tab else set())


def test_partly_shipped_orders_are_still_open(shop):
    order = make_order(shop, items=2, status="partly_shipped", ship_deadline=NOW + timedelta(hours=1))
    assert tabs_of(order) == {"all", "to_purchase", "due_soon"}


@pytest.mark.parametrize("hours,due", [(-30, True), (0, True), (6, True), (6.01, False), (48, False)])
def test_due_soon_is_an_open_order_whose_deadline_is_within_the_setting(shop, hours, due):
    order = make_order(shop, ship_deadline=NOW + timedelta(hours=hours))
    assert ("due_soon" in tabs_of(order)) is due


def test_due_soon_ignores_shipped_orders_and_orders_without_deadline(shop):
    shipped = make_order(shop, status="shipped", ship_deadline=NOW)
    unknown = make_order(shop, ship_deadline=None)
    assert "due_soon" not in tabs_of(shipped) | tabs_of(unknown)


def test_due_soon_hours_come_from_the_order_setting(shop):
    order = make_order(shop, ship_deadline=datetime.now() + timedelta(hours=10))
    assert "due_soon" not in tabs_of(order, TabContext.current())  # default 6 hours
    set_setting("orders.deadline_hours", "12")
    assert "due_soon" in tabs_of(order, TabContext.current())


def test_abnormal_orders_keep_their_other_tabs(shop):
    order = make_order(shop, abnormal="out_of_stock")
    assert tabs_of(order) == {"all", "to_purchase", "abnormal"}


def test_counts_respect_ignored_and_the_search(shop):
    other = make_shop("另一家店")
    make_order(shop)
    make_order(shop, abnormal="loss", ignored=True)  # ignored + abnormal: only in the 忽略订单 view
    bought = make_order(other, items=2)
    buy(bought)
    counts = tab_counts(OrderFilter(), CTX, ALL)
    assert counts == {"all": 2, "to_purchase": 1, "abnormal": 0, "to_ship": 1, "shipped": 0, "refunding": 0,
                      "closed": 0, "finished": 0, "due_soon": 0}
    ignored = tab_counts(OrderFilter(show="ignored"), CTX, ALL)
    assert ignored["all"] == 1 and ignored["abnormal"] == 1 and ignored["to_purchase"] == 1
    assert tab_counts(OrderFilter(shop=other.id), CTX, ALL)["to_ship"] == 1
    assert tab_counts(OrderFilter(shop=other.id), CTX, ALL)["to_purchase"] == 0


def test_counts_agree_with_each_tab_on_a_mixed_set(shop):
    for status in ("paid", "shipped", "closed", "finished", "unpaid", "partly_shipped"):
        make_order(shop, status=status, ship_deadline=NOW + timedelta(hours=2))
    half = make_order(shop, items=2)
    buy(half, (0,))
    refund(make_order(shop, items=2), 1)
    counts = tab_counts(OrderFilter(), CTX, ALL)
    for tab in TABS:
        expected = Order.select().where(Order.ignored == False, tab.predicate(CTX)).count()  # noqa: E712
        assert counts[tab.code] == expected, tab.code
    assert counts["all"] == 8 and counts["due_soon"] == 2


def test_a_flag_search_counts_every_tab_from_one_index(shop):
    """旗帜 + 成交时间 is counted over the orders (the kept counts have no flag): each flagged order of the
    window is read from an index holding every column a tab predicate needs, never looked up in the table."""
    make_order(shop, seller_flag=1)
    search = OrderFilter(flag=1, created_from=NOW - timedelta(days=7))
    with recorded_sql() as statements:
        assert tab_counts(search, CTX, ALL)["all"] == 1
    (sql, params), = [s for s in statements if "SUM(CASE" in s[0]]
    plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
    assert any("USING COVERING INDEX" in line and "seller_flag=?" in line for line in plan), plan
