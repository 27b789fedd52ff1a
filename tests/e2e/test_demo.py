"""`python app.py --demo` (what `make demo` runs): sandbox beside the app, demo data, printed login."""
import re
import threading
import time
from datetime import datetime

from playwright.sync_api import Page, expect

from dropship.config import load_settings
from dropship.db import db
from dropship.demo import DEMO_PACE, DEMO_PASSWORD, DEMO_PHONE, seed_demo
from dropship.models import Job, Order, Shop
from dropship.runtime import Runtime
from dropship.tasks import browsers
from dropship.tasks.shops import enqueue_due_fetches
from tests.e2e.test_runtime import start_app, stop_app
from tests.helpers import free_port


def _printed_login(proc) -> tuple[str, str]:
    for line in proc.stdout:
        match = re.search(r"演示账号：(\d+)\s+密码：(\S+)", line)
        if match:
            return match.group(1), match.group(2)
    raise AssertionError("demo login was not printed")


def test_demo_starts_with_sandbox_shops_and_the_printed_login_works(tmp_path, page: Page):
    proc, url = start_app(tmp_path / "demo", "--demo")
    try:
        phone, password = _printed_login(proc)
        page.goto(url)
        page.get_by_label("账号").fill(phone)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
        rows = page.get_by_role("table", name="店铺列表").get_by_role("row")
        expect(rows).to_have_count(4)  # header + 淘宝 / 淘特 / 天猫
        for platform in ("淘宝", "淘特", "天猫"):
            expect(page.get_by_role("cell", name=platform, exact=True)).to_be_visible()
        shop = rows.filter(has_text="tb_demo")
        shop.get_by_role("button", name="授权").click()
        expect(shop.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    finally:
        code, output = stop_app(proc)
    assert code == 0, output
    assert (tmp_path / "demo" / "sandbox" / "sandbox.db").exists()


class VirtualTime:
    """Wall-clock seconds that pass only when someone waits: the app's request budget and the
    sandbox's risk limiter both read it, so minutes of pacing take seconds to run."""

    def __init__(self) -> None:
        self.now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def _jobs_finish(timeout: float = 300) -> list[Job]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Job.select().where(Job.state.in_(Job.ACTIVE)).exists():
            return list(Job.select())
        time.sleep(0.2)
    raise AssertionError(f"jobs still running: {[(j.title, j.message) for j in Job.select().where(Job.state.in_(Job.ACTIVE))]}")


def test_the_demos_first_five_minutes_never_trip_its_own_limiter(tmp_path, sb, page: Page):
    """All three demo shops 授权 and 开始获取 with the demo's pace, the fetch, buyer-message and 地址解密
    jobs that follow, and the next round five minutes later: no shop reaches 风控限制. One worker, so
    virtual time moves only while that worker waits."""
    clock = VirtualTime()
    sb.use_rate_clock(clock)
    settings = load_settings(data_dir=tmp_path / "data", env={}, port=free_port(), workers=1, sandbox=True,
                             sandbox_port=sb.port, **DEMO_PACE)
    runtime = Runtime(settings)
    runtime.start()
    try:
        seed_demo(sb)
        browsers().throttle.clock, browsers().throttle.sleep = clock, clock.sleep
        page.goto(runtime.url)
        page.get_by_label("账号").fill(DEMO_PHONE)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
        table = page.get_by_role("table", name="店铺列表")
        logins = ("tb_demo", "tt_demo", "tm_demo")
        for login in logins:
            row = table.get_by_role("row").filter(has_text=login)
            row.get_by_role("button", name="授权").click()
            expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=60_000)
        for login in logins:
            table.get_by_role("row").filter(has_text=login).get_by_role("checkbox").check()
        page.get_by_role("button", name="开始获取").click()
        expect(page.get_by_text("已开始获取 3 个店铺")).to_be_visible()
        with db.connection_context():
            first = _jobs_finish()
            kinds = {j.kind for j in first}
            assert {"fetch_orders", "decrypt_addresses"} <= kinds, kinds
            started = clock.now
            clock.sleep(300)  # the demo's next five minutes: new buyer orders, the next fetch round
            sb.advance(5)
            Shop.update(next_fetch_at=datetime.now()).where(Shop.fetch_state == "fetching").execute()
            enqueue_due_fetches.call_local()
            jobs = _jobs_finish()
            assert len(jobs) > len(first)
            states = {s.login: s.login_state for s in Shop.select()}
            decrypted = Order.select().where(Order.address_state == "decrypted").count()
        assert states == dict.fromkeys(logins, "ok"), [(j.title, j.error) for j in jobs if j.error]
        assert [sb.account_state(login)["risk_trips"] for login in logins] == [0, 0, 0]
        assert decrypted > 0  # the jobs that used to trip the limiter did their work
        assert clock.now - started > 300  # the budget paced them (virtual minutes went by)
        page.reload()
        expect(table.get_by_text("风控限制")).to_have_count(0)
        # the demo's item thumbnails load (the sandbox serves its picture hosts; the CSP lets them in)
        page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()
        thumb = page.locator("tbody.order-card img").first
        expect(thumb).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth === 60", arg=thumb.element_handle())
    finally:
        runtime.stop()
