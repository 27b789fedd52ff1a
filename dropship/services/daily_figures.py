"""Daily figures per shop, 成交日 and 采购平台, kept in step with the orders.

利润统计 and 数据大屏 read `DailyFigure` instead of adding up 1M orders per request. Whatever changes an
order's figures (a fetch, a purchase, a cancel, a refund) goes through `rollups.refresh_rollups`,
which calls `refresh_daily_figures` with the orders it touched: each (shop, day) bucket those orders
fall in is recomputed from its orders (`profit.order_figures`), so a bucket is never off by a missed
delta, and recomputing twice changes nothing. The (shop, month) rows of `MonthlyFigure` those days
fall in are then re-summed from the daily rows, in the same transaction.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from peewee import fn

from dropship.db import db, transaction_lock
from dropship.models import DailyFigure, MonthlyFigure, Order
from dropship.services.profit import FIGURE_FIELDS, ORDER_COLUMNS, Figures, facts_of, order_figures

Bucket = tuple[int, date, str]  # shop, day, platform


def refresh_daily_figures(order_ids: Iterable[int]) -> None:
    """Recompute the (shop, day) buckets of these orders."""
    ids = sorted(set(order_ids))
    days: set[tuple[int, date]] = set()
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        days.update((shop, created.date()) for shop, created in
                    Order.select(Order.shop, Order.created_at).where(Order.id.in_(ids[start:start + 500])).tuples())
    with db.atomic():
        # A bucket is recomputed from its orders as this transaction sees them: a worker of another PC
        # writing the same shop's figures meanwhile would read without this one's change, then insert
        # the same (shop, day) rows. Its shops' figures wait for each other until commit.
        for shop_id in sorted({shop_id for shop_id, _ in days}):
            transaction_lock(f"figures-shop-{shop_id}")
        for shop_id, day in sorted(days):
            begin = datetime.combine(day, time.min)
            rows = (Order.select(Order.shop, Order.created_at, *ORDER_COLUMNS)
                    .where(Order.shop == shop_id, Order.created_at >= begin,
                           Order.created_at < begin + timedelta(days=1))
                    .tuples())
            DailyFigure.delete().where(DailyFigure.shop == shop_id, DailyFigure.day == day).execute()
            _store(_buckets(rows))
        for shop_id, month in sorted({(shop_id, day.replace(day=1)) for shop_id, day in days}):
            refresh_month(month, shop_id)


def rebuild_daily_figures(chunk: int = 5000) -> None:
    """Recompute every daily and monthly row from all orders (after a raw import; the benchmark's generator
    uses it)."""
    totals: dict[Bucket, Figures] = {}
    last = 0
    while True:
        rows = list(Order.select(Order.shop, Order.created_at, *ORDER_COLUMNS).where(Order.id > last)
                    .order_by(Order.id).limit(chunk).tuples())
        if not rows:
            break
        last = rows[-1][2]
        for key, figures in _buckets(rows).items():
            totals[key] = totals.get(key, Figures()) + figures
    with db.atomic():
        DailyFigure.delete().execute()
        _store(totals)
        MonthlyFigure.delete().execute()
        for month in sorted({day.replace(day=1) for _, day, _ in totals}):
            refresh_month(month)


def refresh_month(month: date, shop_id: int | None = None) -> None:
    """Re-sum one month's `MonthlyFigure` rows (of one shop, or of every shop) from its daily rows."""
    end = (month + timedelta(days=32)).replace(day=1)
    source = (DailyFigure.select(DailyFigure.shop, month.isoformat(), DailyFigure.platform,
                                 *(fn.SUM(getattr(DailyFigure, name)) for name in FIGURE_FIELDS))
              .where(DailyFigure.day >= month, DailyFigure.day < end)
              .group_by(DailyFigure.shop, DailyFigure.platform))
    stale = MonthlyFigure.delete().where(MonthlyFigure.month == month)
    if shop_id is not None:
        source = source.where(DailyFigure.shop == shop_id)
        stale = stale.where(MonthlyFigure.shop == shop_id)
    with db.atomic():
        stale.execute()
        MonthlyFigure.insert_from(source, [MonthlyFigure.shop, MonthlyFigure.month, MonthlyFigure.platform,
                                           *(getattr(MonthlyFigure, name) for name in FIGURE_FIELDS)]).execute()


def _buckets(rows: Iterable[tuple]) -> dict[Bucket, Figures]:
    """(shop, created_at, *ORDER_COLUMNS) rows summed per bucket (orders that do not count add nothing)."""
    rows = list(rows)
    facts = facts_of(row[2:] for row in rows)
    out: dict[Bucket, Figures] = {}
    for shop_id, created, order_id, *_ in rows:
        figures = order_figures(facts[order_id])
        if figures.orders:
            key = (shop_id, created.date(), facts[order_id].platform)
            out[key] = out.get(key, Figures()) + figures
    return out


def _store(buckets: dict[Bucket, Figures]) -> None:
    rows = [{"shop": shop_id, "day": day, "platform": platform,
             **{name: getattr(figures, name) for name in FIGURE_FIELDS}}
            for (shop_id, day, platform), figures in buckets.items()]
    for start in range(0, len(rows), 50):  # 14 columns a row: under SQLite's bound-parameter limit
        DailyFigure.insert_many(rows[start:start + 50]).execute()
