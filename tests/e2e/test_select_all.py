"""全选 in the header of tables with batch actions (店铺管理; 订单管理's 全选本页), as a seller uses it."""
from playwright.sync_api import Page, expect

from dropship.db import db
from tests.e2e.conftest import sign_up
from tests.orders_factory import make_order, make_shop

SHOPS = ("好物小店", "百货小铺", "家居优选")


def _seed() -> None:
    with db.connection_context():
        shops = [make_shop(login) for login in SHOPS]
        for shop in shops:
            shop.fetch_state = "fetching"  # the table refreshes itself while shops fetch
            shop.save()
        for n in range(12):
            make_order(shops[0], titles=(f"日用品 {n}",))


def test_select_all_ticks_every_row_survives_the_refresh_and_drives_the_batch_action(live_app, page: Page):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_app.url)
    _seed()

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="店铺管理").click()
    table = page.get_by_role("table", name="店铺列表")
    select_all = table.get_by_role("checkbox", name="全选")
    rows = [table.get_by_role("checkbox", name=f"选择 {login}") for login in SHOPS]

    select_all.check()
    for row in rows:
        expect(row).to_be_checked()
    rows[1].uncheck()  # one shop off: the header shows a part selection
    expect(select_all).not_to_be_checked()
    assert select_all.evaluate("box => box.indeterminate")
    rows[1].check()
    expect(select_all).to_be_checked()
    assert not select_all.evaluate("box => box.indeterminate")

    with page.expect_response(lambda r: "/shops/table" in r.url):  # the table's own refresh while fetching
        pass
    for row in rows:
        expect(row).to_be_checked()
    expect(select_all).to_be_checked()

    page.get_by_role("button", name="暂停获取").click()
    expect(page.get_by_role("status")).to_have_text(f"已暂停获取 {len(SHOPS)} 个店铺")
    select_all.check()
    select_all.uncheck()
    for row in rows:
        expect(row).not_to_be_checked()

    # 订单管理: 全选本页 ticks the page's 10 orders, and the batch dialog gets all of them
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()
    page.get_by_label("全选本页").check()
    expect(page.locator(".order-check:checked")).to_have_count(10)
    page.get_by_role("button", name="标记选中订单").click()
    expect(page.get_by_role("dialog", name="标记问题")).to_contain_text("已选 10 个订单")
