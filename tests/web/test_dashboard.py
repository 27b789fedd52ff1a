"""数据大屏 over HTTP: the page, its polled data (today's figures, trend, rankings, feed), scope and permission."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import Shipment
from dropship.services.dashboard import Event, hourly, latest_events
from tests.helpers import become_employee, make_app, register
from tests.orders_factory import buy, make_order, make_shop, refund


def minutes_ago(minutes: int, now: datetime | None = None) -> datetime:
    """A moment `minutes` before now that is still today, in the same order as the minutes: just after
    midnight the minutes shrink to fit, or the figures of "today" would lose them."""
    now = now or datetime.now()
    since_midnight = now - datetime.combine(now.date(), datetime.min.time())
    return now - min(timedelta(minutes=minutes), since_midnight * minutes / 31)


def test_hourly_buckets_one_day_by_hour():
    day = datetime(2026, 11, 20)
    rows = [("2026-11-20 09", 2, 150), ("2026-11-20 23", 1, 7), ("2026-11-19 09", 1, 1000)]
    orders, sales = hourly(rows, day)
    assert (orders[9], sales[9], orders[23], sales[23], sum(orders)) == (2, 150, 1, 7, 3)


def test_latest_events_are_the_newest_of_every_kind():
    t = datetime(2026, 11, 20, 10)
    events = [Event(t + timedelta(minutes=n), kind, f"{kind}{n}") for n, kind in enumerate(["新订单", "已发货", "售后"])]
    assert [e.kind for e in latest_events(events, 2)] == ["售后", "已发货"]


def test_minutes_ago_stays_today_and_in_order_just_after_midnight():
    now = datetime(2026, 11, 29, 0, 5)
    moments = [minutes_ago(m, now) for m in (30, 20, 10, 5, 1)]
    assert moments == sorted(moments) and all(t.date() == now.date() and t < now for t in moments)
    assert minutes_ago(30, datetime(2026, 11, 29, 12)) == datetime(2026, 11, 29, 11, 30)


@pytest.fixture(scope="module")
def screen(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("dashboard") / "data")
    client = app.test_client()
    assert register(client).status_code == 302
    with db.connection_context():
        a, b = make_shop("旗舰店"), make_shop("小店")
        first = make_order(a, paid=5000, created_at=minutes_ago(30))
        buy(first, amount=3000, platform="alibaba1688", purchased_at=minutes_ago(20))
        Shipment.create(order=first, courier="ZTO", courier_name="中通快递", tracking_number="73100000000001",
                        state="done", finished_at=minutes_ago(10))
        make_order(a, paid=1000, created_at=minutes_ago(5))  # 待采购
        refund(make_order(b, paid=2000, created_at=minutes_ago(1)), 0)  # 售后中
        make_order(b, paid=9900, created_at=minutes_ago(30) - timedelta(days=1))  # yesterday: the trend only
    return {"app": app, "client": client, "a": a}


def test_the_page_is_full_screen_and_polls_its_data(screen):
    html = screen["client"].get("/dashboard").get_data(as_text=True)
    assert 'class="screen"' in html and 'class="sidebar"' not in html
    assert 'data-url="/dashboard/data"' in html and 'data-poll="5"' in html and "dashboard.js" in html
    assert "今日销售额" in html and "店铺排行" in html and "订单漏斗" in html and "实时动态" in html


def test_data_has_todays_figures_trend_ranking_and_feed(screen):
    data = screen["client"].get("/dashboard/data").get_json()
    kpis = {k["label"]: k["value"] for k in data["kpis"]}
    assert kpis == {"今日销售额": "80.00", "今日采购额": "30.00", "今日利润": "20.00", "今日订单数": "3",
                    "今日已发货": "1", "待采购": "3", "售后中": "1"}  # 待采购: yesterday's too
    assert sum(data["hourly"]["today_sales"]) == 80 and sum(data["hourly"]["yesterday_sales"]) == 99
    assert [r["shop"] for r in data["ranking"]] == ["旗舰店", "小店"]
    assert {p["name"] for p in data["platforms"]} == {"1688", "未采购"}
    assert [f["value"] for f in data["funnel"]] == [3, 1, 0, 0]
    kinds = [e["kind"] for e in data["feed"]]
    assert {"新订单", "已采购", "已发货", "售后"} <= set(kinds)


def test_an_employee_sees_granted_shops_only_and_needs_the_permission(screen):
    client = screen["app"].test_client()
    become_employee(client, ["dashboard"], shops=(screen["a"],))
    data = client.get("/dashboard/data").get_json()
    assert {k["label"]: k["value"] for k in data["kpis"]}["今日销售额"] == "60.00"
    assert all("小店" not in e["text"] for e in data["feed"])
    other = screen["app"].test_client()
    become_employee(other, ["orders"], number="02")
    assert other.get("/dashboard/data").status_code == 403
