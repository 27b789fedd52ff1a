"""`python app.py --demo` (what `make demo` runs): sandbox beside the app, demo data, printed login."""
import re

from playwright.sync_api import Page, expect

from tests.e2e.test_runtime import start_app, stop_app


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
