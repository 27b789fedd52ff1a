"""数据大屏: today's figures, the hourly trend against yesterday, rankings and the latest events.

Today's money figures come from the daily figures (`services.profit`, so the screen and the reports
agree); 待采购 and 售后中 are 订单管理's own tab counts with 成交时间 cleared (its kept counters, so the
screen and the order tabs agree). Everything is limited to the user's scope. One call answers one poll
of the screen, and every query in it reads an index range or a fixed-size table: its cost does not
grow with the years of orders kept (tests/unit/test_dashboard_plan.py checks the plans).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from peewee import fn

from dropship.db import hour_of
from dropship.models import Order, Purchase, Shipment, Shop
from dropship.services.money import margin_base, yuan
from dropship.services.orders.queries import tab_counts
from dropship.services.orders.search import OrderFilter
from dropship.services.orders.tabs import TabContext
from dropship.services.profit import Figures, ReportFilter, breakdown, counted_condition
from dropship.services.scope import Scope
from dropship.services.stats_export import platform_label, shop_names

FEED_SIZE = 12
RANKING_SIZE = 10


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # 新订单 | 已采购 | 已发货 | 售后
    text: str




def hourly(rows: list[tuple[str, int, int]], day: datetime) -> tuple[list[int], list[int]]:
    """Orders and 实收金额 (fen) per hour of `day` from (hour_of, orders, 实收金额) rows grouped in SQL."""
    orders, sales = [0] * 24, [0] * 24
    prefix = f"{day:%Y-%m-%d} "
    for hour, count, paid in rows:
        if hour.startswith(prefix):
            orders[int(hour[11:13])] += count
            sales[int(hour[11:13])] += paid or 0
    return orders, sales


def latest_events(events: list[Event], size: int = FEED_SIZE) -> list[Event]:
    return sorted(events, key=lambda e: e.at, reverse=True)[:size]


def dashboard_data(scope: Scope, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now()
    today = datetime.combine(now.date(), time.min)
    yesterday = today - timedelta(days=1)
    report = ReportFilter(start=today.date(), end=today.date())
    parts = breakdown(report, scope)
    figures = parts.total
    hour = hour_of(Order.created_at)  # on SQLite m0023's index covers the query that groups by it
    rows = list(Order.select(hour, fn.COUNT(Order.id), fn.SUM(Order.paid_amount))
                .where(Order.created_at >= yesterday, Order.created_at < today + timedelta(days=1),
                       counted_condition(), *scope.conditions(Order)).group_by(hour).tuples())
    today_orders, today_sales = hourly(rows, today)
    yesterday_orders, yesterday_sales = hourly(rows, yesterday)
    by_shop = sorted(parts.by_shop.items(), key=lambda kv: -kv[1].sales)[:RANKING_SIZE]
    names = shop_names(shop_id for shop_id, _ in by_shop)
    by_platform = parts.by_platform
    return {
        "now": now.strftime("%Y-%m-%d %H:%M:%S"),
        "kpis": _kpis(figures, scope, today, TabContext(now, 0)),
        "hourly": {"hours": [f"{h:02d}:00" for h in range(24)], "now_hour": now.hour,
                   "today_sales": [fen / 100 for fen in today_sales[:now.hour + 1]],
                   "yesterday_sales": [fen / 100 for fen in yesterday_sales],
                   "today_orders": today_orders[:now.hour + 1], "yesterday_orders": yesterday_orders},
        "ranking": [{"shop": names.get(shop_id, str(shop_id)), "sales": f.sales / 100, "profit": f.profit / 100,
                     "orders": f.orders} for shop_id, f in by_shop],
        "platforms": [{"name": platform_label(code), "orders": f.orders, "purchase": f.purchase / 100}
                      for code, f in sorted(by_platform.items())],
        "funnel": [{"name": "新订单", "value": figures.orders}, {"name": "已采购", "value": figures.purchased_orders},
                   {"name": "已发货", "value": figures.shipped_orders},
                   {"name": "交易成功", "value": figures.finished_orders}],
        "feed": [{"at": e.at.strftime("%H:%M:%S"), "kind": e.kind, "text": e.text}
                 for e in latest_events(_events(scope))],
    }


def _kpis(figures: Figures, scope: Scope, today: datetime, ctx: TabContext) -> list[dict[str, str]]:
    shipped = (Shipment.select(fn.COUNT(fn.DISTINCT(Shipment.order))).join(Order)
               .where(Shipment.state == "done", Shipment.finished_at >= today, *scope.conditions(Order)).scalar())
    counts = tab_counts(OrderFilter(), ctx, scope)  # 订单管理's 全部订单 with 成交时间 cleared
    to_purchase, disputes = counts["to_purchase"], counts["refunding"]
    margin = figures.margin(margin_base())
    return [
        {"label": "今日销售额", "value": yuan(figures.sales), "unit": "元"},
        {"label": "今日采购额", "value": yuan(figures.purchase), "unit": "元"},
        {"label": "今日利润", "value": yuan(figures.profit), "unit": "元",
         "note": "" if margin is None else f"利润率 {margin}%"},
        {"label": "今日订单数", "value": str(figures.orders), "unit": "单"},
        {"label": "今日已发货", "value": str(shipped or 0), "unit": "单"},
        {"label": "待采购", "value": str(to_purchase), "unit": "单"},
        {"label": "售后中", "value": str(disputes), "unit": "单"},
    ]


def _events(scope: Scope) -> list[Event]:
    """The newest few of each kind (each an indexed, limited query), merged by the caller."""
    shop = Shop.nick
    events = [Event(o.created_at, "新订单", f"{o.shop.display_name} 新订单 {o.tid}，实收 {yuan(o.paid_amount)} 元")
              for o in scope.apply(Order.select(Order.created_at, Order.tid, Order.paid_amount, Shop.id, shop, Shop.login)
                                   .join(Shop), Order).order_by(Order.created_at.desc()).limit(FEED_SIZE)]
    events += [Event(p.purchased_at, "已采购",
                     f"{p.order.shop.display_name} 订单 {p.order.tid} 已在{platform_label(p.platform)}采购，{yuan(p.amount)} 元")
               for p in Purchase.select(Purchase.purchased_at, Purchase.platform, Purchase.amount, Order.tid, Order.id,
                                        Shop.id, shop, Shop.login)
               .join(Order).join(Shop).where(Purchase.purchased_at.is_null(False), *scope.conditions(Order))
               .order_by(Purchase.purchased_at.desc()).limit(FEED_SIZE)]
    events += [Event(s.finished_at, "已发货", f"{s.order.shop.display_name} 订单 {s.order.tid} 已发货 {s.courier_name} {s.tracking_number}")
               for s in Shipment.select(Shipment.finished_at, Shipment.courier_name, Shipment.tracking_number,
                                        Order.tid, Order.id, Shop.id, shop, Shop.login)
               .join(Order).join(Shop).where(Shipment.state == "done", Shipment.finished_at.is_null(False),
                                             *scope.conditions(Order))
               .order_by(Shipment.finished_at.desc()).limit(FEED_SIZE)]
    # newest disputes first by order id: the refund_state index is in rowid order, so no sort
    events += [Event(o.updated_at, "售后", f"{o.shop.display_name} 订单 {o.tid} 买家申请退款")
               for o in Order.select(Order.updated_at, Order.tid, Shop.id, shop, Shop.login).join(Shop)
               .where(Order.refund_state == "refunding", *scope.conditions(Order))
               .order_by(Order.id.desc()).limit(FEED_SIZE)]
    return events
