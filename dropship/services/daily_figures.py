"""Daily figures per shop, 成交日 and 采购平台, kept in step with the orders.

利润统计 and 数据大屏 read `DailyFigure` instead of adding up 1M orders per request. Whatever changes an
order's figures (a fetch, a purchase, a cancel, a refund) goes through `rollups.refresh_rollups`,
which calls `refresh_daily_figures` with the orders it touched: each (shop, day) bucket those orders
fall in is recomputed from its orders (`profit.order_figures`), so a bucket is never off by a missed
delta, and recomputing twice changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from dropship.db import db
from dropship.models import DailyFigure, Order
from dropship.services.profit import FIGURE_FIELDS, ORDER_COLUMNS, Figures, facts_of, order_figures

Bucket = tuple[int, date, str]  # shop, day, platform


def refresh_daily_figures(order_ids: Iterable[int]) -> None:
    """Recompute the (shop, day) buckets of these orders."""
    ids = sorted(set(order_ids))
    days: set[tuple[int, date]] = set()
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        days.update((shop, created.date()) for shop, created in
                    Order.select(Order.shop, Order.created_at).where(Order.id.in_(ids[start:start + 500])).tuples())
    for shop_id, day in sorted(days):
        begin = datetime.combine(day, time.min)
        rows = (Order.select(Order.shop, Order.created_at, *ORDER_COLUMNS)
                .where(Order.shop == shop_id, Order.created_at >= begin, Order.created_at < begin + timedelta(days=1))
                .tuples())
        with db.atomic():
            DailyFigure.delete().where(DailyFigure.shop == shop_id, DailyFigure.day == day).execute()
            _store(_buckets(rows))


def rebuild_daily_figures(chunk: int = 5000) -> None:
    """Recompute every bucket from all orders (after a raw import; the benchmark's generator uses it)."""
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
