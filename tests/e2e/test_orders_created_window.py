"""订单管理's 成交时间 in Chromium: the last 15 days by default (filled in, as the manual's screenshots
show), 清空 for every order with the tabs following, and a bookmark with explicit dates."""
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

from dropship.db import db
from tests.e2e.conftest import sign_up
from tests.orders_factory import make_order, make_shop

RECENT, OLDER, OLD = "3256650000000077701", "3256650000000077702", "3256650000000077703"


def _tab(page: Page, label: str):
    return page.get_by_role("navigation", name="订单分类").get_by_role("link", name=re.compile(f"^{label}"))


def test_created_window_defaults_to_15_days_and_clear_shows_all(live_app, page: Page):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_app.url)
    now = datetime.now()
    with db.connection_context():
        shop = make_shop()
        make_order(shop, tid=RECENT, created_at=now - timedelta(days=1))
        make_order(shop, tid=OLDER, created_at=now - timedelta(days=14))
        make_order(shop, tid=OLD, status="shipped", created_at=now - timedelta(days=40))
    page.reload()

    search = page.get_by_role("search", name="订单搜索")
    start = search.get_by_label("成交时间", exact=True).input_value()
    assert start.startswith((now - timedelta(days=15)).strftime("%Y-%m-%dT"))
    expect(_tab(page, "全部订单")).to_have_text("全部订单 2")
    expect(_tab(page, "已发货")).to_have_text("已发货 0")
    expect(page.locator(f'tbody.order-card[data-tid="{OLD}"]')).to_have_count(0)

    search.get_by_role("button", name="清空成交时间").click()
    expect(_tab(page, "全部订单")).to_have_text("全部订单 3")
    expect(search.get_by_label("成交时间", exact=True)).to_have_value("")
    assert parse_qs(urlparse(page.url).query, keep_blank_values=True) == {"created_from": [""]}
    _tab(page, "已发货").click()  # the tabs keep "all"
    expect(_tab(page, "已发货")).to_have_text("已发货 1")
    expect(page.locator(f'tbody.order-card[data-tid="{OLD}"]')).to_be_visible()
    page.reload()  # the pushed URL is a bookmark of "all"
    expect(_tab(page, "全部订单")).to_have_text("全部订单 3")

    day = (now - timedelta(days=40)).strftime("%Y-%m-%d")
    page.goto(f"{live_app.url}/orders?created_from={day}&created_to={day}")  # a bookmark with explicit dates
    expect(_tab(page, "全部订单")).to_have_text("全部订单 1")
    expect(search.get_by_label("成交时间", exact=True)).to_have_value(f"{day}T00:00")

    search.get_by_role("button", name="取消", exact=True).click()  # back to the default window
    expect(_tab(page, "全部订单")).to_have_text("全部订单 2")
