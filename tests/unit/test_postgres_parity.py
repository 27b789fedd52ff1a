"""数据大屏, 订单管理's tab counts and 利润统计 answer the same on PostgreSQL as on SQLite.

The same few orders are made on a fresh SQLite file and on a throwaway PostgreSQL server (skipped,
saying why, only where the PostgreSQL server programs are missing); every answer is compared.
SQLite counts the tabs from its kept buckets, PostgreSQL counts the orders live (counters.available).
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dropship.db import db, init_db, run_migrations
from dropship.secrets import init_secrets
from dropship.services.dashboard import dashboard_data
from dropship.services.orders import counters
from dropship.services.orders.queries import tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.profit import ReportFilter, breakdown, period_rows
from dropship.services.scope import Scope
from tests import shared_services
from tests.orders_factory import NOW, buy, make_order, make_shop, refund, ship


@pytest.fixture(scope="module")
def postgres():
    shared_services.require(redis=False)
    with shared_services.postgres() as url:
        yield url


def _answers(url: str) -> dict[str, Any]:
    """Migrate `url`, make the orders, and return what the screens show."""
    previous = db.obj
    database = init_db(url)
    try:
        with database.connection_context():
            run_migrations(database)
            counters.ensure_counters()
            shops = [make_shop("好物小店"), make_shop("拼多多小铺", platform="pdd")]
            for n in range(8):
                order = make_order(shops[n % 2], items=2, tid=f"T{n}", status="paid" if n % 3 else "shipped",
                                   created_at=NOW - timedelta(days=n % 3, hours=n), paid=1000 + n * 100)
                if n % 2:
                    buy(order, amount=600 + n, platform_order_id=f"P{n}")
                if n % 3 == 0:
                    ship(order, tracking=f"7312{n}")
                if n == 5:
                    refund(order, 0)
            now = NOW + timedelta(hours=6)
            month = ReportFilter(start=NOW.date().replace(day=1), end=NOW.date())
            yearly = ReportFilter(start=date(NOW.year, 1, 1), end=date(NOW.year, 12, 31))
            return {
                "counters_kept": counters.available(),
                "dashboard": dashboard_data(Scope.everything(), now=now),
                "tabs": tab_counts(OrderFilter(), TabContext(now, 0), Scope.everything()),
                "tabs_window": tab_counts(OrderFilter(created_from=NOW - timedelta(days=1, hours=3), created_to=now),
                                          TabContext(now, 0), Scope.everything()),
                "daily": period_rows(month, Scope.everything(), "day"),
                "monthly": period_rows(yearly, Scope.everything(), "month"),
                "by_shop": breakdown(month, Scope.everything()).by_shop,
            }
    finally:
        database.close()
        db.initialize(previous)


def test_the_screens_answer_on_postgresql_as_on_sqlite(postgres, tmp_path):
    init_secrets(tmp_path)  # shops keep their passwords encrypted
    sqlite = _answers(f"sqlite:///{tmp_path / 'parity.db'}")
    pg = _answers(postgres)
    assert (sqlite.pop("counters_kept"), pg.pop("counters_kept")) == (True, False)
    assert sum(sqlite["dashboard"]["hourly"]["yesterday_orders"]) > 0  # the hour cut found the orders
    assert sqlite["tabs"]["all"] == 8
    for answers in (sqlite, pg):  # purchases and refunds are stamped with the clock of the run
        answers["feed"] = [{k: v for k, v in e.items() if k != "at"} for e in answers["dashboard"].pop("feed")]
    assert pg == sqlite
