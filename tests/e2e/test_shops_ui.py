"""店铺管理 in Chromium, as a seller works it while shops fetch: the tables and dialogs refresh
themselves, and what the person typed or ticked survives every refresh.

One test per point of issue 19: 地址脱敏导出 finished from the dialog (FAQ 2), ticks and messages kept
through the table's refreshes, FAQ 1's pause-first rule and the ask before pausing every shop, each
fetching row's own settings, 待下单数, 修改店铺's field order.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from dropship.db import db
from dropship.models import Job, Order, Shop, ShopGrant, User
from dropship.services.auth import hash_password
from dropship.services.receiver import real_receiver
from dropship.tasks import browsers
from tests.e2e.conftest import add_shop_ui, sign_up
from tests.helpers import MAIN_PHONE, wait_until
from tests.orders_factory import buy, make_order, make_shop

SLOW = 60_000  # a job that logs in to the sandbox's seller backend in a real browser


def _shops_page(page: Page) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
    expect(page.get_by_role("heading", name="店铺管理")).to_be_visible()


def _row(page: Page, login: str):
    return page.get_by_role("row").filter(has=page.get_by_label(f"选择 {login}", exact=True))


def _count_refreshes(page: Page, path: str) -> None:
    """Count from now on the page's own GET refreshes of `path` (htmx polls), to wait on them, not on time."""
    page.evaluate("""(path) => {
        window.refreshes = 0;
        document.body.addEventListener("htmx:afterRequest", (event) => {
            const info = event.detail.pathInfo || {};
            if (event.detail.requestConfig.verb === "get" && (info.requestPath || "").startsWith(path)) {
                window.refreshes += 1;
            }
        });
    }""", path)


def _wait_refreshes(page: Page, count: int) -> None:
    wait_until(lambda: page.evaluate("window.refreshes") >= count, timeout=30, what=f"{count} refreshes")


def _fetching_shops(*logins: str) -> None:
    """Shops already 正在获取 (their next round far off, so no fetch job runs during the test)."""
    with db.connection_context():
        for login in logins:
            shop = make_shop(login)
            Shop.update(fetch_state="fetching", service_until=datetime.now() + timedelta(days=30),
                        next_fetch_at=datetime.now() + timedelta(hours=1)).where(Shop.id == shop.id).execute()


def _job_done(kind: str) -> bool:
    with db.connection_context():
        return Job.select().where(Job.kind == kind, Job.state.in_(("done", "failed"))).exists()


def test_address_export_finished_from_the_dialog_while_its_status_refreshes(live_desk, sb, page: Page):
    """FAQ 2: more than the decrypt quota → 地址脱敏导出, type the SMS password, 确定, receivers arrive."""
    info = sb.scenario("shop_with_paid_orders", login="export_ui_shop", count=3, days=1, multi_ratio=0)
    sb.update_shop("export_ui_shop", decrypt_quota=0, decrypt_slider_chance=0)  # the quota is spent
    sign_up(page, live_desk.url)
    add_shop_ui(page, "export_ui_shop", info["password"])
    page.get_by_label("选择 export_ui_shop", exact=True).check()
    page.get_by_role("button", name="开始获取").click()
    expect(_row(page, "export_ui_shop").get_by_test_id("to-purchase")).to_have_text("3", timeout=SLOW)
    wait_until(lambda: _job_done("decrypt_addresses"), timeout=60, what="the decrypt round")
    with db.connection_context():
        shop = Shop.get(Shop.login == "export_ui_shop")
        assert Order.select().where(Order.shop == shop.id, Order.address_state == "masked").count() == 3

    # While the shop's browser is busy the password request waits in the queue, and its status line in the
    # dialog refreshes every second: the person types meanwhile.
    lock = browsers().lock_for(f"shop-{shop.id}")
    lock.acquire()
    try:
        _row(page, "export_ui_shop").get_by_role("button", name="地址脱敏导出").click()
        dialog = page.get_by_role("dialog", name="地址脱敏导出")
        password = dialog.get_by_label("短信密码")
        password.fill("12")
        _count_refreshes(page, "/jobs/")
        _wait_refreshes(page, 3)
        expect(password).to_have_value("12")
        expect(dialog.get_by_role("button", name="确定")).to_be_visible()
    finally:
        lock.release()
    expect(dialog.get_by_text("密码已发送")).to_be_visible(timeout=SLOW)
    code = next(c["code"] for c in sb.sms_codes() if c["purpose"] == "export" and c["login"] == "export_ui_shop")
    expect(password).to_have_value("12")  # the request's last refresh left it too
    password.fill(code)
    dialog.get_by_role("button", name="确定").click()
    expect(dialog.get_by_text("已更新 3 个订单")).to_be_visible(timeout=SLOW)
    with db.connection_context():
        orders = list(Order.select().where(Order.shop == shop.id))
        assert {o.address_state for o in orders} == {"decrypted"}
        for order in orders:
            assert real_receiver(order).name == sb.shop_order(order.tid)["receiver"]["name"]


def test_ticks_and_the_message_survive_the_table_refreshes(live_app, page: Page):
    _fetching_shops("东店", "西店")
    sign_up(page, live_app.url)
    _shops_page(page)
    page.get_by_role("button", name="开始获取").click()
    message = page.get_by_role("alert").filter(has_text="请先勾选要获取订单的店铺")
    expect(message).to_be_visible()

    _count_refreshes(page, "/shops/table")
    page.get_by_label("选择 东店", exact=True).check()
    _wait_refreshes(page, 1)
    page.get_by_label("选择 东店", exact=True).uncheck()  # an untick between refreshes is kept as well
    page.get_by_label("选择 西店", exact=True).check()
    _wait_refreshes(page, 4)
    expect(page.get_by_label("选择 西店", exact=True)).to_be_checked()
    expect(page.get_by_label("选择 东店", exact=True)).not_to_be_checked()
    expect(message).to_be_visible()  # until the person closes it

    message.get_by_role("button", name="关闭消息").click()
    expect(message).to_have_count(0)
    _wait_refreshes(page, 5)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("选择 西店", exact=True)).to_be_checked()


def test_faq1_pause_first_then_tick_again_and_no_pause_all_without_asking(live_desk, sb, page: Page):
    passwords = {login: sb.scenario("shop_with_paid_orders", login=login, count=2, days=1)["password"]
                 for login in ("faq1_east", "faq1_west")}
    sign_up(page, live_desk.url)
    for login, password in passwords.items():
        add_shop_ui(page, login, password)
    expect(page.get_by_text("获取中想换店铺或改开关：先点“暂停获取”，重新勾选店铺，再点“开始获取”")).to_be_visible()
    east, west = _row(page, "faq1_east"), _row(page, "faq1_west")

    page.get_by_label("选择 faq1_east", exact=True).check()
    page.get_by_role("button", name="开始获取").click()
    expect(page.get_by_role("status").filter(has_text="已开始获取 1 个店铺")).to_be_visible()
    expect(east.get_by_test_id("fetch-state")).to_have_text("正在获取")

    # another shop mid-fetch: refused with the manual's way
    page.get_by_label("选择 faq1_west", exact=True).check()
    page.get_by_role("button", name="开始获取").click()
    expect(page.get_by_role("alert").filter(has_text="先点“暂停获取”，重新勾选店铺，再点“开始获取”")).to_be_visible()
    expect(west.get_by_test_id("fetch-state")).to_have_text("停止获取")

    # 暂停获取 with nothing ticked asks; 取消 changes nothing
    page.get_by_role("button", name="暂停获取").click()
    question = page.get_by_role("alertdialog", name="未勾选店铺：暂停全部正在获取的店铺？")
    question.get_by_role("button", name="取消").click()
    expect(question).to_have_count(0)
    expect(east.get_by_test_id("fetch-state")).to_have_text("正在获取")
    page.get_by_role("button", name="暂停获取").click()
    question.get_by_role("button", name="确定").click()
    expect(page.get_by_role("status").filter(has_text="已暂停获取 1 个店铺")).to_be_visible()
    expect(east.get_by_test_id("fetch-state")).to_have_text("停止获取")

    # tick again, start: both fetch
    page.get_by_label("选择 faq1_east", exact=True).check()
    page.get_by_label("选择 faq1_west", exact=True).check()
    page.get_by_role("button", name="开始获取").click()
    expect(page.get_by_role("status").filter(has_text="已开始获取 2 个店铺")).to_be_visible()
    expect(east.get_by_test_id("fetch-state")).to_have_text("正在获取")
    expect(west.get_by_test_id("fetch-state")).to_have_text("正在获取")
    expect(west.get_by_test_id("to-purchase")).to_have_text("2", timeout=SLOW)


def _employee(shop_login: str, password: str) -> str:
    """An employee who may fetch only `shop_login`'s orders; returns the username."""
    username = f"{MAIN_PHONE}:01"
    with db.connection_context():
        owner = User.get(User.username == MAIN_PHONE)
        user = User.create(username=username, password_hash=hash_password(password), role="employee", owner=owner,
                           permissions=["shops", "shops.fetch"])
        ShopGrant.create(user=user, shop=Shop.get(Shop.login == shop_login))
    return username


def test_each_fetching_row_shows_its_own_settings(live_desk, sb, page: Page, browser: Browser):
    """The main account and an employee (who sees only 西店) start their shops with different options."""
    passwords = {login: sb.scenario("shop_with_paid_orders", login=login, count=1, days=1)["password"]
                 for login in ("set_east", "set_west")}
    sign_up(page, live_desk.url)
    for login, password in passwords.items():
        add_shop_ui(page, login, password)
    page.get_by_label("选择时间段").select_option(label="7天")
    page.get_by_label("删除地址自动同步").check()
    page.get_by_label("自动发货", exact=True).uncheck()  # on by default
    page.get_by_label("选择 set_east", exact=True).check()
    page.get_by_label("自动采购", exact=True).check()
    page.get_by_label("取消缓冲（分钟）").fill("2000")
    page.get_by_role("button", name="开始获取").click()
    expect(page.locator("#auto-purchase-buffer-error").get_by_role("alert")).to_have_text(
        "取消缓冲须是 0 到 1440 之间的整数分钟")  # beside the box; nothing started
    page.get_by_label("取消缓冲（分钟）").fill("15")
    page.get_by_role("button", name="开始获取").click()
    expect(page.get_by_role("status").filter(has_text="已开始获取 1 个店铺")).to_be_visible()
    expect(page.locator("#auto-purchase-buffer-error")).to_be_empty()

    staff = browser.new_context(base_url=live_desk.url).new_page()
    staff.goto(live_desk.url + "/login")
    staff.get_by_label("账号").fill(_employee("set_west", "staff-pass-1"))
    staff.get_by_label("密码", exact=True).fill("staff-pass-1")
    staff.get_by_role("button", name="登录").click()
    _shops_page(staff)
    staff.get_by_label("选择时间段").select_option(label="1天")
    staff.get_by_label("店铺筛选自动登录").uncheck()
    staff.get_by_label("选择 set_west", exact=True).check()
    staff.get_by_role("button", name="开始获取").click()
    expect(staff.get_by_role("status").filter(has_text="已开始获取 1 个店铺")).to_be_visible()
    staff.context.close()

    # the main account's table refreshes itself while shops fetch: both rows, each with its own options
    expect(_row(page, "set_west").get_by_test_id("fetch-settings")).to_have_text(
        "时间段：1天 · 店铺筛选自动登录：关 · 删除地址自动同步：关 · 自动发货：开 · 自动采购：关", timeout=10_000)
    expect(_row(page, "set_east").get_by_test_id("fetch-settings")).to_have_text(
        "时间段：7天 · 店铺筛选自动登录：开 · 删除地址自动同步：开 · 自动发货：关 · 自动采购：开 · 取消缓冲：15分钟")


def test_to_purchase_count_per_shop(live_app, page: Page):
    with db.connection_context():
        east, west = make_shop("东店"), make_shop("西店")
        for _ in range(3):
            make_order(east)
        buy(make_order(east))
        make_order(east, ignored=True)
        make_order(west, status="closed")
    sign_up(page, live_app.url)
    _shops_page(page)
    expect(page.get_by_role("columnheader", name="待下单数")).to_be_visible()
    expect(_row(page, "东店").get_by_test_id("to-purchase")).to_have_text("3")
    expect(_row(page, "西店").get_by_test_id("to-purchase")).to_have_text("0")


def test_edit_dialog_fields_in_the_manuals_order(live_app, page: Page):
    with db.connection_context():
        make_shop("主号:客服")
    sign_up(page, live_app.url)
    _shops_page(page)
    _row(page, "主号:客服").get_by_role("button", name="编辑").click()
    dialog = page.get_by_role("dialog", name="修改店铺")
    expect(dialog.get_by_label("登录账号")).to_have_value("主号:客服")
    assert dialog.locator(".field > label:not(.switch)").all_inner_texts() == ["*登录账号", "*店铺平台", "*登录密码"]
    dialog.get_by_label("登录账号").fill("主号:客服2")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").filter(has_text="店铺已修改")).to_be_visible()
    expect(_row(page, "主号:客服2")).to_be_visible()
