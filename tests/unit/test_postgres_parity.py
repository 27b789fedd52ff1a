"""数据大屏, 订单管理's tab counts and 利润统计 answer the same on PostgreSQL as on SQLite.

The same few orders are made on a fresh SQLite file and on a throwaway PostgreSQL server (skipped,
saying why, only where the PostgreSQL server programs are missing); every answer is compared.
Both count the tabs from their kept buckets (counters.available); on PostgreSQL, too, random change
sequences keep the buckets equal to the orders, and start-up repairs them. Two workers writing the
same shop's daily figures at once (two PCs buying orders of one shop) both commit, and the figures
count both changes.
"""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from playhouse.db_url import connect

from dropship.db import db, init_db, run_migrations
from dropship.models import DailyFigure, Order, OrderCount
from dropship.secrets import init_secrets
from dropship.services.daily_figures import refresh_daily_figures
from dropship.services.dashboard import dashboard_data
from dropship.services.orders import counters
from dropship.services.orders.queries import tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.profit import ReportFilter, breakdown, period_rows
from dropship.services.scope import Scope
from tests import shared_services
from tests.orders_factory import NOW, buy, make_order, make_shop, refund, ship
from tests.unit.test_orders_counters import CHANGES, apply_change, assert_counts_are_true


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
    assert (sqlite.pop("counters_kept"), pg.pop("counters_kept")) == (True, True)
    assert sum(sqlite["dashboard"]["hourly"]["yesterday_orders"]) > 0  # the hour cut found the orders
    assert sqlite["tabs"]["all"] == 8
    for answers in (sqlite, pg):  # purchases and refunds are stamped with the clock of the run
        answers["feed"] = [{k: v for k, v in e.items() if k != "at"} for e in answers["dashboard"].pop("feed")]
    assert pg == sqlite


@pytest.fixture(scope="module")
def postgres_orders(postgres, tmp_path_factory):
    """A database of its own on the server (the screens' orders above stay apart), migrated, with
    the kept counts installed, as a start-up leaves it; each test rolls back."""
    init_secrets(tmp_path_factory.mktemp("counters"))
    server = connect(postgres)
    server.execute_sql("CREATE DATABASE counters")
    server.close()
    previous = db.obj
    database = init_db(postgres.rsplit("/", 1)[0] + "/counters")
    try:
        with database.connection_context():
            run_migrations(database)
            counters.ensure_counters()
            yield database
    finally:
        database.close()
        db.initialize(previous)


@pytest.fixture
def pg_shop(postgres_orders):
    with db.atomic() as transaction:
        yield make_shop()
        transaction.rollback()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=CHANGES)
def test_random_change_sequences_keep_the_postgresql_counters_equal_to_the_truth(pg_shop, changes):
    assert counters.available()
    with db.atomic() as example:
        for change in changes:
            apply_change(pg_shop, *change)
        assert_counts_are_true()
        example.rollback()


def test_postgresql_start_up_repairs_drifted_counts_and_missing_triggers(pg_shop):
    make_order(pg_shop, items=2)
    make_order(pg_shop, status="closed")
    OrderCount.update(n=OrderCount.n + 5).execute()  # edited by hand, or orders written with the triggers off
    assert counters.drift()
    assert counters.ensure_counters()
    assert counters.drift() == {}
    db.execute_sql(f'DROP FUNCTION "{counters.TRIGGER_PREFIX}move_{counters.triggers().names[0][-10:]}"() CASCADE')
    assert not counters.available()
    make_order(pg_shop, status="finished")  # unseen by the buckets while the triggers are gone
    assert tab_counts(OrderFilter(), TabContext(NOW, 0), Scope.everything())["finished"] == 1  # counted live
    assert counters.ensure_counters()
    assert counters.available() and counters.drift() == {}
    assert not counters.ensure_counters()



def _figures() -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"}
            for row in DailyFigure.select().order_by(DailyFigure.shop, DailyFigure.day, DailyFigure.platform).dicts()]


def test_two_workers_refreshing_one_shops_figures_at_once_both_commit_and_both_count(postgres_orders):
    """Each worker changes its own order of the same shop and day, then recomputes that day: the one
    that comes second waits and counts the first one's change (it used to insert the same daily row
    and fail with a unique violation, failing the purchase job that recorded it)."""
    shop = make_shop("并发小店")
    orders = [make_order(shop, created_at=NOW) for _ in range(2)]
    refresh_daily_figures([o.id for o in orders])
    both_changed = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker(order_id: int, pause: float, hold: float) -> None:
        try:
            with postgres_orders.connection_context(), postgres_orders.atomic():
                Order.update(paid_amount=Order.paid_amount + 1000).where(Order.id == order_id).execute()
                both_changed.wait(10)
                time.sleep(pause)  # the second one reads its bucket while the first is still writing
                refresh_daily_figures([order_id])
                time.sleep(hold)  # …and commits only after that
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(orders[0].id, 0, 0.5)),
               threading.Thread(target=worker, args=(orders[1].id, 0.1, 0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert failures == []
        concurrent = _figures()
        refresh_daily_figures([o.id for o in orders])  # one worker alone: the truth
        assert concurrent == _figures()
        assert sum(row.sales for row in DailyFigure.select().where(DailyFigure.shop == shop.id)) == \
            sum(o.paid_amount for o in orders) + 2000
    finally:  # committed: gone again before another test counts the database's orders
        Order.delete().where(Order.shop == shop.id).execute()
        shop.delete_instance()
