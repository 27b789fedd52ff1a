"""利润统计's figure definitions (pure), and the daily figures following the orders they add up."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from dropship.db import db
from dropship.migrations.m0020_stats import BACKFILL
from dropship.models import DailyFigure, Order
from dropship.services.daily_figures import rebuild_daily_figures
from dropship.services.money import margin
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.profit import (
    NOT_BOUGHT,
    Figures,
    OrderFacts,
    ReportFilter,
    breakdown,
    counted,
    facts_of,
    order_figures,
    order_report,
    period_rows,
    periods,
    refund_of,
    totals,
)
from dropship.services.purchasing.states import advance
from dropship.services.scope import Scope
from tests.orders_factory import NOW, buy, make_order, make_shop, orders_app, orders_db, refund  # noqa: F401

PAID_AT = datetime(2026, 11, 20, 10, 0)


def facts(**changes) -> OrderFacts:
    base = {"status": "paid", "paid_at": PAID_AT, "paid": 2590, "refund_state": "", "refunded_lines": 0,
            "purchase": 1500, "platform": "pdd"}
    return OrderFacts(**{**base, **changes})


# -- definitions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status,paid_at,expected", [
    ("unpaid", None, False), ("unpaid", PAID_AT, False), ("paid", None, True), ("shipped", PAID_AT, True),
    ("closed", None, False), ("closed", PAID_AT, True), ("finished", PAID_AT, True), ("other", None, True),
])
def test_an_order_counts_once_paid_and_closed_ones_only_if_they_were_paid(status, paid_at, expected):
    assert counted(status, paid_at) is expected


def test_refund_is_everything_once_fully_refunded_else_the_refunded_lines_capped_at_paid():
    assert refund_of(2590, "refunded", 0) == 2590
    assert refund_of(2590, "refunding", 1000) == 1000  # one line refunded, another still open
    assert refund_of(2590, "", 1295) == 1295
    assert refund_of(1000, "", 5000) == 1000


def test_a_bought_order_adds_its_sales_purchase_and_profit():
    f = order_figures(facts())
    assert f == Figures(orders=1, sales=2590, refunds=0, purchase=1500, purchased_orders=1, purchased_net=2590)
    assert f.profit == 1090


def test_an_order_not_bought_yet_adds_sales_but_no_profit():
    f = order_figures(facts(purchase=0, platform=""))
    assert (f.orders, f.sales, f.purchased_orders, f.profit) == (1, 2590, 0, 0)


def test_a_refunded_order_that_keeps_its_purchase_loses_the_purchase():
    f = order_figures(facts(status="closed", refund_state="refunded"))
    assert (f.sales, f.refunds, f.profit) == (2590, 2590, -1500)


def test_a_refunded_order_whose_purchase_was_cancelled_makes_nothing():
    f = order_figures(facts(status="closed", refund_state="refunded", purchase=0, platform=""))
    assert (f.refunds, f.purchase, f.profit) == (2590, 0, 0)


def test_uncounted_orders_add_nothing():
    assert order_figures(facts(status="unpaid", paid_at=None)) == Figures()


def test_shipped_and_finished_feed_the_funnel():
    assert order_figures(facts(status="shipped")).shipped_orders == 1
    finished = order_figures(facts(status="finished"))
    assert (finished.shipped_orders, finished.finished_orders) == (1, 1)


@pytest.mark.parametrize("base", ["purchase", "paid"])
def test_margin_follows_the_setting_on_sums_as_on_a_card(base):
    total = order_figures(facts()) + order_figures(facts(paid=1000, purchase=800))
    assert total.margin(base) == margin(3590, 2300, base)
    assert Figures().margin(base) is None


def test_periods_have_no_holes():
    assert periods(date(2026, 1, 30), date(2026, 3, 2), "month") == ["2026-01", "2026-02", "2026-03"]
    assert periods(date(2025, 12, 31), date(2026, 1, 1), "day") == ["2025-12-31", "2026-01-01"]
    assert periods(date(2024, 5, 1), date(2026, 1, 1), "year") == ["2024", "2025", "2026"]


# -- the daily figures follow the orders --------------------------------------------------------------

def _day_report(**changes) -> ReportFilter:
    return ReportFilter(start=NOW.date() - timedelta(days=40), end=NOW.date(), **changes)


@pytest.mark.usefixtures("orders_db")
def test_figures_follow_purchase_cancel_and_refund():
    shop = make_shop()
    order = make_order(shop, items=2, paid=3000)
    everyone = Scope.everything()
    assert totals(_day_report(), everyone) == Figures(orders=1, sales=3000)
    purchase = buy(order, amount=2000, platform="alibaba1688", state="paid")
    assert totals(_day_report(), everyone).profit == 1000
    assert set(breakdown(_day_report(), everyone).by_platform) == {"alibaba1688"}
    refund(order, 0, "refunded")  # one of two lines: 1500 back to the buyer
    assert (totals(_day_report(), everyone).refunds, totals(_day_report(), everyone).profit) == (1500, -500)
    advance(purchase, "cancelled")  # the supplier order is cancelled: its money is not spent
    after = totals(_day_report(), everyone)
    assert (after.purchase, after.purchased_orders, after.profit) == (0, 0, 0)
    assert set(breakdown(_day_report(), everyone).by_platform) == {""}
    assert totals(_day_report(platform=NOT_BOUGHT), everyone).orders == 1


@pytest.mark.usefixtures("orders_db")
def test_scope_and_shop_choice_limit_the_figures():
    from dropship.models import ShopGrant, User

    mine, other = make_shop("我的店"), make_shop("别人的店")
    make_order(mine, paid=1000)
    make_order(other, paid=5000)
    staff = User.create(username="13912345678:09", password_hash="x", role="employee", permissions=["stats"])
    ShopGrant.create(user=staff, shop=mine)
    assert totals(_day_report(), Scope.of(staff)).sales == 1000
    assert totals(_day_report(shops=(other.id,)), Scope.of(staff)).sales == 0  # not granted: nothing
    assert totals(_day_report(shops=(other.id,)), Scope.everything()).sales == 5000


@pytest.mark.usefixtures("orders_db")
def test_rows_cover_each_period_and_the_frozen_backfill_matches_the_service():
    shop = make_shop()
    for days, status in ((0, "paid"), (1, "shipped"), (3, "finished"), (3, "unpaid"), (5, "closed")):
        order = make_order(shop, created_at=NOW - timedelta(days=days), status=status, paid=1000 + days)
        if status != "unpaid":
            buy(order, amount=600, platform="pdd" if days % 2 else "taobao")
    refund(Order.get(Order.paid_amount == 1005), 0, "refunded")
    report = ReportFilter(start=NOW.date() - timedelta(days=6), end=NOW.date())
    rows = period_rows(report, Scope.everything(), "day")
    assert len(rows) == 7 and sum(f.orders for _, f in rows) == 3  # unpaid and closed-unpaid left out
    stored = sorted(DailyFigure.select().tuples(), key=str)
    rebuild_daily_figures(chunk=2)
    rebuilt = sorted((r[1:] for r in DailyFigure.select().tuples()), key=str)
    assert rebuilt == sorted((r[1:] for r in stored), key=str)
    DailyFigure.delete().execute()
    db.execute_sql(BACKFILL)
    assert sorted((r[1:] for r in DailyFigure.select().tuples()), key=str) == rebuilt


THIS_MONTH = (NOW.date().replace(day=1), (NOW.date().replace(day=1) + timedelta(days=32)).replace(day=1)
              - timedelta(days=1))


@pytest.mark.usefixtures("orders_db")
@pytest.mark.parametrize("period", [((NOW - timedelta(days=3)).date(), NOW.date()), THIS_MONTH],
                         ids=["daily rows", "monthly rows"])
def test_reconciles_with_the_order_list_of_orders_management(period):
    """Add up 订单管理's list (both 显示 choices, 成交时间 = the period) and compare with the report."""
    from dropship.services.orders.cards import order_cards
    from dropship.services.orders.queries import order_ids, orders_by_ids

    shops = [make_shop("店A"), make_shop("店B")]
    for n in range(24):
        order = make_order(shops[n % 2], items=1 + n % 2, status=("paid", "shipped", "finished", "unpaid")[n % 4],
                           created_at=NOW - timedelta(hours=5 * n), paid=1000 + 37 * n, ignored=n % 7 == 0)
        if n % 3:
            buy(order, amount=500 + 11 * n, platform=("pdd", "taobao", "alibaba1688")[n % 3])
        if n % 5 == 0:
            refund(order, 0, "refunded")
    start, end = period
    report = ReportFilter(start=start, end=end)
    assert report.figure_table().__name__ == ("MonthlyFigure" if period == THIS_MONTH else "DailyFigure")
    listed = []
    for show in ("normal", "ignored"):
        search = OrderFilter(show=show, created_from=datetime.combine(start, datetime.min.time()),
                             created_to=datetime.combine(end, datetime.max.time()))
        ids = [o.id for o in order_ids(search, TabContext.current(), Scope.everything())]
        listed += order_cards(orders_by_ids(ids))
    paid = [c for c in listed if c.order.status != "unpaid"]
    got = totals(report, Scope.everything())
    assert got.orders == len(paid) == len(order_report(report, Scope.everything()))
    assert got.sales == sum(c.order.paid_amount for c in paid)
    assert got.purchase == sum(c.order.purchase_amount for c in paid)
    order_facts = facts_of(row[3:] for row in order_report(report, Scope.everything()).tuples())
    refunds = {c.order.id: order_figures(order_facts[c.order.id]).refunds for c in paid}
    assert got.refunds == sum(refunds.values())
    # the cards' 订单利润 less what bought orders refunded
    assert got.profit == sum(c.profit - (refunds[c.order.id] if c.purchased else 0) for c in paid)
