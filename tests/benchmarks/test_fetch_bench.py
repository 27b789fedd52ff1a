"""获取订单: fetching 2,000 orders from one sandbox shop through the app (a real consumer), against
the limit — downloading the same sold-list JSON pages with the same throttle and nothing else."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from dropship.config import load_settings
from dropship.db import db
from dropship.models import Job, Order
from dropship.platforms.browser import CHROMIUM_ARGS, Throttle, find_browser
from dropship.queue import start_job
from dropship.runtime import Runtime
from dropship.services.jobs import job_target
from dropship.services.shops import add_shop
from platform_sandbox import Sandbox
from tests.helpers import free_port

ORDERS = 2000
THROTTLE = 0.3  # seconds between requests, the same for both sides
PAGE_SIZE = 30


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sb = Sandbox.start(seed=3, data_dir=tmp_path_factory.mktemp("sb"), start_time=datetime.now())
    info = sb.scenario("shop_with_paid_orders", login="bench_shop", count=ORDERS, days=2.5)
    sb.update_account("bench_shop", rate_limit_per_min=100_000)
    yield sb, info
    sb.stop()


def _download_pages(sb) -> tuple[float, int]:
    """The limit: one browser, already logged in, fetch every page of the window with the throttle."""
    since, until = datetime.now() - timedelta(days=3), datetime.now() + timedelta(hours=1)
    trade = sb.origin("trade.taobao.com")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_browser().path, args=list(CHROMIUM_ARGS))
        context = browser.new_context()
        context.add_cookies(sb.login_cookies("bench_shop"))
        page = context.new_page()
        page.goto(f"{trade}/trade/itemlist/list_sold_items.htm")
        throttle = Throttle(THROTTLE, 0)  # the app's own pacing rule
        started, number, pages, orders = time.perf_counter(), 1, 1, 0
        while number <= pages:
            throttle.wait("bench")
            body = page.evaluate("""async ([url, form]) => (await fetch(url, {method: 'POST',
                body: new URLSearchParams(form), credentials: 'include'})).text()""",
                [f"{trade}/trade/itemlist/asyncSold.htm?event_submit_do_query=1&_input_charset=utf8",
                 {"action": "itemlist/SoldQueryAction", "pageNum": str(number), "pageSize": str(PAGE_SIZE),
                  "tabCode": "latest3Months", "orderStatus": "ALL", "dateBegin": str(int(since.timestamp() * 1000)),
                  "dateEnd": str(int(until.timestamp() * 1000))}])
            data = json.loads(body, parse_int=str)
            pages, orders, number = int(data["page"]["totalPage"]), orders + len(data["mainOrders"]), number + 1
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed, orders


def test_fetch_2000_orders(world, tmp_path, report):
    sb, info = world
    limit, downloaded = _download_pages(sb)
    assert downloaded == ORDERS

    settings = load_settings(data_dir=tmp_path / "data", env={}, port=free_port(), sandbox=True,
                             sandbox_port=sb.port, throttle_seconds=THROTTLE, throttle_jitter=0)
    runtime = Runtime(settings)
    runtime.start()
    try:
        with db.connection_context():
            shop = add_shop("taobao", "bench_shop", info["password"])
            rss_before, rss_peak = _rss_mb(), 0.0
            started = time.perf_counter()
            job = start_job("fetch_orders", "bench", target=job_target("shop", shop.id), shop_id=shop.id)
            while Job.get_by_id(job.id).state in ("queued", "running"):
                rss_peak = max(rss_peak, _rss_mb())
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            job = Job.get_by_id(job.id)
            assert job.state == "done", job.error
            # every order once: the volume the suite's three-page test (tests/drivers) does not reach
            assert {o.tid for o in Order.select(Order.tid).where(Order.shop == shop.id)} == set(info["tids"])
    finally:
        runtime.stop()
    report("fetch 2000 orders: app vs download-only", elapsed * 1000, limit * 1000, target=1.3)
    report("fetch throughput (orders/s) vs download-only", ORDERS / elapsed, ORDERS / limit, unit="o/s")
    # RSS of this process (app + in-process sandbox; Chromium runs in its own processes)
    report("fetch peak RSS (MB) vs RSS before the fetch", rss_peak, rss_before, unit="MB")
