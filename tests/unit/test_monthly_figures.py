"""MonthlyFigure: the daily figures summed per month, kept in step in the same refresh and rebuilt alike."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from peewee import fn

from dropship.db import db
from dropship.migrations.m0023_monthly_figures import BACKFILL
from dropship.models import DailyFigure, MonthlyFigure
from dropship.services.daily_figures import rebuild_daily_figures
from dropship.services.profit import FIGURE_FIELDS, Figures, ReportFilter, breakdown, period_rows
from dropship.services.purchasing.states import advance
from dropship.services.scope import Scope
from tests.orders_factory import NOW, buy, make_order, make_shop, orders_app, orders_db, refund  # noqa: F401

LAST_MONTH = (NOW.replace(day=1) - timedelta(days=1)).replace(hour=NOW.hour)


def _monthly() -> list[tuple]:
    return sorted(MonthlyFigure.select(MonthlyFigure.shop, MonthlyFigure.month, MonthlyFigure.platform,
                                       *(getattr(MonthlyFigure, n) for n in FIGURE_FIELDS)).tuples(), key=str)


def _summed_daily() -> list[tuple]:
    """What the monthly rows must be: the daily rows added up per shop, month and platform."""
    month = fn.strftime("%Y-%m-01", DailyFigure.day)
    return sorted(((shop, date.fromisoformat(m), platform, *map(int, sums)) for shop, m, platform, *sums in
                   DailyFigure.select(DailyFigure.shop, month, DailyFigure.platform,
                                      *(fn.SUM(getattr(DailyFigure, n)) for n in FIGURE_FIELDS))
                   .group_by(DailyFigure.shop, month, DailyFigure.platform).tuples()), key=str)


@pytest.mark.usefixtures("orders_db")
def test_monthly_rows_follow_orders_purchases_and_refunds_and_equal_a_rebuild():
    shops = [make_shop("店A"), make_shop("店B")]
    this_month = make_order(shops[0], items=2, paid=3000, created_at=NOW)
    earlier = make_order(shops[1], paid=1800, created_at=LAST_MONTH, status="shipped")
    assert _monthly() == _summed_daily() and len(_monthly()) == 2
    purchase = buy(this_month, amount=2000, platform="alibaba1688", state="paid")
    buy(earlier, amount=900, platform="pdd", state="paid")
    assert _monthly() == _summed_daily()
    refund(this_month, 0, "refunded")
    advance(purchase, "cancelled")
    kept = _monthly()
    assert kept == _summed_daily()
    month = MonthlyFigure.get(MonthlyFigure.shop == shops[0].id)
    assert (month.platform, month.refunds, month.purchase) == ("", 1500, 0)  # refund kept, purchase gone
    rebuild_daily_figures(chunk=1)
    assert _monthly() == kept
    MonthlyFigure.delete().execute()
    db.execute_sql(BACKFILL)  # the frozen migration's backfill agrees with the service
    assert _monthly() == kept


@pytest.mark.usefixtures("orders_db")
def test_whole_months_read_the_monthly_rows_and_agree_with_the_daily_ones():
    shop = make_shop()
    for n, created in enumerate((NOW, NOW - timedelta(days=1), LAST_MONTH, LAST_MONTH - timedelta(days=40))):
        order = make_order(shop, paid=1000 + n, created_at=created, status="finished")
        if n % 2:
            buy(order, amount=600, platform="taobao")
    year = ReportFilter(start=date(LAST_MONTH.year - 1, 1, 1), end=date(NOW.year, 12, 31))
    assert year.figure_table() is MonthlyFigure and year.figure_table("day") is DailyFigure
    by_day = period_rows(year, Scope.everything(), "day")
    by_month = period_rows(year, Scope.everything(), "month")
    assert sum((f for _, f in by_day), Figures()) == sum((f for _, f in by_month), Figures())
    assert breakdown(year, Scope.everything()).total == sum((f for _, f in by_day), Figures())
    assert breakdown(year, Scope.everything()).total.orders == 4
    assert dict(by_month)[f"{NOW:%Y-%m}"].orders == (2 if NOW.day > 1 else 1)
