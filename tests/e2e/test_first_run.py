"""A newcomer's first minutes, in headless Chromium: register, sign out, sign in, walk the menu."""
import re

from playwright.sync_api import Page, expect

from tests.helpers import MAIN_PASSWORD, MAIN_PHONE

MENU = ["订单管理", "店铺管理", "采购账号", "店铺售后", "利润统计", "数据大屏", "账号管理", "设置"]


def test_register_login_and_open_every_menu_item(live_app, page: Page):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_app.url)
    expect(page).to_have_url(re.compile("/login$"))  # the manual's login page: 立即注册 while no account exists
    page.get_by_role("link", name="立即注册").click()
    expect(page).to_have_url(re.compile("/register$"))

    page.get_by_label("手机号").fill(MAIN_PHONE)
    page.get_by_label("密码", exact=True).fill("123")
    page.get_by_label("确认密码").fill("123")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("alert")).to_have_text("密码至少 6 位")

    page.get_by_label("密码", exact=True).fill(MAIN_PASSWORD)
    page.get_by_label("确认密码").fill(MAIN_PASSWORD)
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_role("heading", name="订单管理")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    expect(page.get_by_role("link", name="立即注册")).to_have_count(0)  # the main account exists now
    page.get_by_label("账号").fill(MAIN_PHONE)
    page.get_by_label("密码").fill(MAIN_PASSWORD)
    page.get_by_label("自动登陆").check()
    page.get_by_role("button", name="登录").click()

    nav = page.get_by_role("navigation", name="主菜单")
    for label in MENU:
        nav.get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # fits a 1366×768 screen
    page.get_by_role("link", name="充值中心").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("充值中心")
