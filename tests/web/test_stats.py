"""利润统计 over HTTP: each tab behind its own permission, filters with errors beside the field, scope,
the 利润率 setting, paging and the .xlsx export."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from dropship.db import db
from dropship.services.settings import set_setting
from tests.helpers import become_employee, make_app, register
from tests.orders_factory import NOW, buy, make_order, make_shop, refund

OLD = NOW - timedelta(days=400)  # last year: 订单报表's paging orders, out of this month's figures


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """One app for the module (read-only tests). Two shops: 店A with a bought order (25.90 − 15.00) and a
    refunded one (10.00, bought for 6.00), 店B with one not bought (40.00); 12 old orders of 店B."""
    app = make_app(tmp_path_factory.mktemp("stats") / "data")
    client = app.test_client()
    assert register(client).status_code == 302
    with db.connection_context():
        a, b = make_shop("店A"), make_shop("店B")
        buy(make_order(a, paid=2590), amount=1500, platform="pdd")
        refunded = make_order(a, paid=1000, status="closed", paid_at=NOW)
        buy(refunded, amount=600, platform="taobao")
        refund(refunded, 0, "refunded")
        make_order(b, paid=4000)
        for n in range(12):
            buy(make_order(b, paid=100 + n, created_at=OLD - timedelta(minutes=n)), amount=50, platform="pdd")
    return {"app": app, "client": client, "a": a, "b": b}


def _employee(seeded, permissions: list[str], number: str):
    client = seeded["app"].test_client()
    become_employee(client, permissions, shops=(seeded["a"],), number=number)
    return client


def _cards(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="([^"]+)">([^<]*)<', html))


def _month() -> str:
    return f"{NOW:%Y-%m}"


def test_stats_opens_the_first_report_the_user_may_see(seeded):
    assert 'aria-label="订单报表"' in seeded["client"].get("/stats").get_data(as_text=True)
    client = _employee(seeded, ["stats", "stats.daily"], "02")
    assert 'aria-label="日报表"' in client.get("/stats").get_data(as_text=True)
    assert client.get("/stats/orders").status_code == 403
    html = client.get("/stats/daily").get_data(as_text=True)
    assert "日报表" in html and ">订单报表<" not in html


def test_daily_report_shows_the_month_with_totals_by_shop_and_platform(seeded):
    html = seeded["client"].get(f"/stats/daily?month={_month()}").get_data(as_text=True)
    cards = _cards(html)
    # 3 paid orders: 25.90 + 10.00 + 40.00; bought: 15.00 + 6.00; refunded 10.00; profit 10.90 − 6.00
    assert cards == {"订单数": "3", "实收金额": "75.90", "采购金额": "21.00", "退款金额": "10.00",
                     "订单利润": "4.90", "利润率": "23.3%"}
    assert f"<td>{NOW:%Y-%m-%d}</td>" in html and "合计" in html
    assert "<td>未采购</td>" in html and "<td>拼多多</td>" in html and "<td>店B</td>" in html
    assert 'data-chart="trend"' in html and "echarts.min.js" in html
    assert "已取消、已拒绝、供应商已退款的采购单不计" in html  # the counting rules are on the page


def test_the_margin_setting_changes_the_margin_shown(seeded):
    url = f"/stats/monthly?year={NOW.year}"
    assert _cards(seeded["client"].get(url).get_data(as_text=True))["利润率"] == "23.3%"  # 4.90 ÷ 21.00
    with db.connection_context():
        set_setting("profit.margin_base", "paid")
    try:
        html = seeded["client"].get(url).get_data(as_text=True)
    finally:
        with db.connection_context():
            set_setting("profit.margin_base", "purchase")
    assert _cards(html)["利润率"] == "18.9%"  # 4.90 ÷ (25.90 + 10.00 − 10.00)
    assert "利润 ÷ 实收金额" in html


def test_filters_by_shop_and_platform(seeded):
    client, b = seeded["client"], seeded["b"]
    assert _cards(client.get(f"/stats/daily?month={_month()}&shop={b.id}").get_data(as_text=True))["实收金额"] == "40.00"
    assert _cards(client.get(f"/stats/daily?month={_month()}&platform=pdd").get_data(as_text=True))["订单数"] == "1"
    assert _cards(client.get(f"/stats/yearly?from_year={NOW.year}&platform=none").get_data(as_text=True))["订单数"] == "1"
    assert _cards(client.get("/stats/yearly").get_data(as_text=True))["订单数"] == "15"  # from the first year on


def test_an_employee_sees_only_granted_shops(seeded):
    client = _employee(seeded, ["stats", "stats.daily", "stats.orders"], "03")
    html = client.get(f"/stats/daily?month={_month()}").get_data(as_text=True)
    assert _cards(html)["订单数"] == "2" and "店B" not in html
    response = client.get(f"/stats/daily?month={_month()}&shop={seeded['b'].id}")
    assert response.status_code == 400 and "店铺不存在，请重新选择" in response.get_data(as_text=True)
    assert client.get(f"/stats/orders?shop={seeded['b'].id}&format=xlsx").status_code == 400


@pytest.mark.parametrize("url,message", [
    ("/stats/daily?month=2026-13", "月份格式应为"),
    ("/stats/monthly?year=abc", "年份应为"),
    ("/stats/yearly?from_year=2026&to_year=2024", "结束年份不能早于开始年份"),
    ("/stats/orders?start=2026-11-20&end=2026-11-01", "结束日期不能早于开始日期"),
    ("/stats/orders?start=2026-02-30", "日期格式应为"),
    ("/stats/daily?platform=jd", "没有这个采购平台"),
])
def test_bad_input_is_a_400_with_the_message_by_its_field(seeded, url, message):
    response = seeded["client"].get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'class="field-error"' in html


def test_order_report_lists_orders_ten_a_page(seeded):
    client = seeded["client"]
    period = f"start={(OLD - timedelta(days=1)).date()}&end={OLD.date()}"
    html = client.get(f"/stats/orders?{period}").get_data(as_text=True)
    assert "共 12 条" in html and html.count("<tr><td>3256") == 10
    assert "拼多多" in html and "<td>店B</td>" in html
    assert client.get(f"/stats/orders?{period}&page=2").get_data(as_text=True).count("<tr><td>3256") == 2


def test_export_writes_what_the_report_shows(seeded):
    client = seeded["client"]
    response = client.get(f"/stats/daily?month={_month()}&format=xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book["日报表"].values)
    assert rows[0][:3] == ("时间", "订单数", "实收金额") and rows[-1][:3] == ("合计", 3, 75.9)
    assert {r[0] for r in list(book["按采购平台"].values)[1:]} == {"拼多多", "淘宝", "未采购"}
    orders = load_workbook(io.BytesIO(client.get(f"/stats/orders?start={(NOW - timedelta(days=1)).date()}"
                                                 f"&end={date.today()}&format=xlsx").data))["订单报表"]
    lines = list(orders.values)
    assert len(lines) == 4 and lines[0][0] == "订单编号"
    assert sorted(line[4] for line in lines[1:]) == [10, 25.9, 40]
