"""数据大屏 in headless Chromium with demo-like data: drawn under the CSP, fits 1920×1080 and 1366×768
without scrolling, updates in place from its data endpoint; a 1920×1080 screenshot is kept for review
(test-results/dashboard-1920x1080.png, and the test's tmp_path)."""
from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from dropship.db import db
from dropship.models import Shipment
from tests.e2e.conftest import sign_up
from tests.orders_factory import buy, make_order, make_shop, refund

SHOPS = ("潮品优选店", "居家百货铺", "数码配件城", "户外运动馆", "母婴好物社", "美妆精选屋")
PLATFORMS = ("pdd", "alibaba1688", "taobao", "tmall", "taote")
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


def _past(moment: datetime, now: datetime) -> datetime:
    """Events happen before now: one dated later would stay above the order the test adds at `now`."""
    return min(moment, now - timedelta(seconds=1))


def _demo_data(now: datetime) -> None:
    rnd = random.Random(16)
    shops = [make_shop(name) for name in SHOPS]
    for n in range(80):
        yesterday = n % 2 == 1
        hour = rnd.randrange(24 if yesterday else now.hour + 1)
        day = now - timedelta(days=1) if yesterday else now
        created = day.replace(hour=hour, minute=rnd.randrange(60), second=0, microsecond=0)
        if created > now:  # never before today's midnight: just after it, "today" is minutes long
            created = max(now - timedelta(minutes=rnd.randrange(1, 30)), now.replace(hour=0, minute=0, second=0))
        status = rnd.choices(("paid", "shipped", "finished"), (6, 3, 1))[0]
        order = make_order(shops[min(int(rnd.expovariate(0.6)), len(shops) - 1)], status=status,
                           created_at=created, paid=rnd.randrange(990, 12900))
        if status != "paid" or rnd.random() < 0.7:
            buy(order, amount=int(order.paid_amount * rnd.uniform(0.55, 0.85)),
                platform=rnd.choices(PLATFORMS, (5, 3, 2, 1, 1))[0], purchased_at=_past(created + timedelta(minutes=3), now))
            if status != "paid":
                Shipment.create(order=order, courier="ZTO", courier_name="中通快递",
                                tracking_number=f"7310{rnd.randrange(10**10):010d}", state="done",
                                finished_at=_past(created + timedelta(minutes=20), now))
        if rnd.random() < 0.05:
            refund(order, 0)


def test_dashboard_draws_fits_and_updates(live_app, page: Page, tmp_path):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: violations.append(str(exc)))
    sign_up(page, live_app.url)
    now = datetime.now()
    with db.connection_context():
        _demo_data(now)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="数据大屏").click()
    expect(page.get_by_role("heading", name="数据大屏")).to_be_visible()
    expect(page.locator("[data-screen-chart] canvas")).to_have_count(4, timeout=20_000)  # a 1 MB script on a busy CI
    sales = page.locator('[data-kpi="今日销售额"]')
    expect(sales).not_to_have_text("0.00")
    page.wait_for_timeout(1200)  # ECharts' entry animation
    shot = tmp_path / "dashboard-1920x1080.png"
    page.screenshot(path=str(shot))
    RESULTS.mkdir(exist_ok=True)
    shutil.copy(shot, RESULTS / shot.name)

    fits = "document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth"
    assert page.evaluate(fits)
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate(fits)

    before = sales.inner_text()
    with db.connection_context():
        make_order(make_shop("新开小店"), created_at=now, paid=123400, tid="3256659999999999999")
    expect(sales).not_to_have_text(before, timeout=15_000)  # the next poll, no reload
    expect(page.locator("[data-feed]")).to_contain_text("3256659999999999999")
    assert violations == []
