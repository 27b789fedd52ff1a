"""账号管理 in a real browser: the main account adds an employee, grants one shop and one purchase
account and trims its permissions in the tree; the employee, signed in from a second browser
context, sees only that."""
from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from dropship.db import db
from tests.e2e.conftest import sign_up
from tests.helpers import MAIN_PHONE
from tests.orders_factory import make_account, make_order, make_shop

STAFF = f"{MAIN_PHONE}:01"


def _grant(page: Page, row, button: str, name: str) -> None:
    row.get_by_role("button", name=button).click()
    dialog = page.get_by_role("dialog", name=button)
    dialog.get_by_role("row").filter(has_text=name).get_by_role("button", name="添加").click()
    expect(dialog.get_by_role("row").filter(has_text=name)).to_contain_text("已授权")
    dialog.get_by_text("关闭", exact=True).click()


def test_an_employee_sees_only_the_granted_shop_and_account(live_app, page: Page, browser: Browser):
    sign_up(page, live_app.url)
    with db.connection_context():
        east, west = make_shop("东店"), make_shop("西店")
        make_order(east, tid="1001")
        make_order(west, tid="2001")
        make_account("13800000001", platform="taobao")
        make_account("13800000002", platform="taobao")

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="账号管理").click()
    page.get_by_role("button", name="新增员工账号").click()
    add = page.get_by_role("dialog", name="新增员工账号")
    expect(add).to_contain_text(f"{MAIN_PHONE}:")  # the main part is fixed
    add.get_by_label("员工账号").fill("01")
    add.get_by_label("账号密码").fill("staff-pass-1")
    add.get_by_role("button", name="确定").click()
    row = page.get_by_role("row").filter(has_text=STAFF)
    expect(row).to_be_visible()

    _grant(page, row, "授权店铺", "东店")
    _grant(page, row, "授权采购号", "13800000001")
    expect(row.get_by_test_id("shop-count")).to_have_text("1")
    expect(row.get_by_test_id("account-count")).to_have_text("1")

    # 权限管理: a child ticks its page; clearing a page clears its children
    row.get_by_role("button", name="权限管理").click()
    tree = page.get_by_role("dialog", name="权限管理")
    shops_page, fetch = tree.get_by_label("店铺管理", exact=True), tree.get_by_label("开始获取")
    expect(fetch).to_be_checked()
    shops_page.uncheck()
    expect(fetch).not_to_be_checked()
    fetch.check()
    expect(shops_page).to_be_checked()
    shops_page.uncheck()
    tree.get_by_role("button", name="保存").click()
    expect(tree).to_be_hidden()

    staff_context = browser.new_context()
    staff_page = staff_context.new_page()
    try:
        staff_page.goto(live_app.url + "/login")
        staff_page.get_by_label("账号").fill(STAFF)
        staff_page.get_by_label("密码").fill("staff-pass-1")
        staff_page.get_by_role("button", name="登录").click()
        expect(staff_page.get_by_role("heading", name="订单管理")).to_be_visible()
        main_area = staff_page.get_by_role("main")
        expect(main_area).to_contain_text("1001")
        expect(main_area).not_to_contain_text("2001")
        menu = staff_page.get_by_role("navigation", name="主菜单")
        expect(menu.get_by_role("link", name="店铺管理")).to_have_count(0)
        expect(menu.get_by_role("link", name="账号管理")).to_have_count(0)
        menu.get_by_role("link", name="采购账号").click()
        expect(main_area).to_contain_text("13800000001")
        expect(main_area).not_to_contain_text("13800000002")
    finally:
        staff_context.close()
