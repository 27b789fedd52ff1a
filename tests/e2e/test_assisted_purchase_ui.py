"""辅助下单 on a PC without a screen, in Chromium against the app's real queue, 淘宝 buyer driver and the
sandbox: 去下单 › 辅助下单 answers with 「在此电脑操作：打开实时页面」, which opens the supplier's checkout as
a live view beside 请核对订单信息 (复制 puts a value on the clipboard); 关闭 ends it, and the purchase,
with no order placed, is left for a person (需人工) saying so."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from dropship.db import db
from dropship.models import Purchase
from dropship.platforms.base import Receiver
from dropship.services.receiver import store_receiver
from tests.e2e.conftest import sign_up
from tests.orders_factory import make_order, make_shop

TID = "3256650000000088801"
BUYER, PASSWORD = "assist_buyer", "buyer-pass-1"
RECEIVER = Receiver(name="赵小红", phone="13912345678", province="浙江省", city="杭州市", district="西湖区",
                    town="文新街道", address="文一西路 100 号")


@pytest.fixture
def no_screen(monkeypatch):
    """The app runs in this process: without DISPLAY its worker has no screen, as on a headless server."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def _seed(page: Page, sb) -> None:
    """A fetched order with its address decrypted, and a 淘宝 purchase account added (and so authorised)."""
    # no slider or SMS at login (their chance is drawn per login), no 访问过于频繁 risk page (no throttle here)
    sb.add_buyer("taobao", BUYER, PASSWORD, slider_chance=0.0, sms_on_new_device=False, rate_limit_per_min=100_000)
    with db.connection_context():
        store_receiver(make_order(make_shop("好物小店"), titles=("304不锈钢保温杯",), tid=TID, paid=2590), RECEIVER)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="采购账号").click()
    page.get_by_role("button", name="添加淘宝账号").click()
    dialog = page.get_by_role("dialog", name="新增淘宝账号")
    dialog.get_by_role("textbox", name="账号").fill(BUYER)
    dialog.get_by_label("密码").fill(PASSWORD)
    dialog.get_by_role("button", name="保存").click()
    expect(page.get_by_role("row").filter(has_text=BUYER).get_by_test_id("online")).to_have_text("在线",
                                                                                                  timeout=60_000)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()


def test_assisted_purchase_without_a_screen_is_bought_in_the_live_view_beside_the_panel(live_desk, sb, page: Page,
                                                                                         no_screen):
    item = next(i for i in sb.supplier_items("taobao") if i["skus"])
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=100, price_fen=100)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_desk.url)
    sign_up(page, live_desk.url)
    _seed(page, sb)

    card = page.locator(f'tbody.order-card[data-tid="{TID}"]')
    card.get_by_role("button", name="采购", exact=True).click()
    dialog = page.get_by_role("dialog", name="请输入下单链接")
    dialog.get_by_label("商品编码链接:").fill(f"https://item.taobao.com/item.htm?id={item['item_id']}")
    dialog.get_by_role("button", name="+ 新增").click()
    expect(dialog.get_by_role("status")).to_have_text("已添加下单链接")
    row = dialog.locator("tr[data-link-id]")
    row.get_by_label("供应商规格编号").fill(sku["sku_id"])
    row.get_by_label("供应商规格名称").fill("".join(p["value"] for p in sku["props"]))
    row.get_by_label("数量倍数").fill("1")
    row.get_by_role("button", name="保存规格对应").click()
    expect(dialog.get_by_role("status")).to_have_text("已保存规格对应")
    row.get_by_text("去下单").click()
    row.get_by_label("切换帐号:").select_option(index=0)
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))  # the diff's window is wall-clock time
    row.get_by_role("button", name=re.compile("辅助下单")).click()

    page.locator("#order-message").get_by_role("link", name="在此电脑操作：打开实时页面").click()
    screen = page.get_by_role("img", name="下单页面实时画面")
    expect(screen).to_be_visible(timeout=60_000)  # the job opened the item and filled the checkout
    expect(page.get_by_test_id("page-title")).to_contain_text("确认订单", timeout=20_000)
    panel = page.get_by_role("complementary", name="请核对订单信息")
    for label, value in (("标题", "304不锈钢保温杯"), ("收件人", "赵小红"), ("电话", "13912345678"), ("数量", "1"),
                         ("卖出价格", "25.90")):
        expect(panel.locator(".assist-row").filter(has_text=label)).to_contain_text(value)
    copy = panel.get_by_role("button", name="复制收件人")
    copy.click()
    expect(copy).to_have_text("已复制")
    assert page.evaluate("() => navigator.clipboard.readText()") == "赵小红"

    # 关闭 with nothing bought: the view ends, and so does the job, leaving the purchase to a person
    page.once("dialog", lambda confirm: confirm.accept())
    page.get_by_role("button", name="关闭").click()
    expect(page.get_by_role("status").filter(has_text="已关闭")).to_be_visible(timeout=20_000)
    page.get_by_text(re.compile(r"^任务\s*\d*$")).click()
    expect(page.locator(".job").filter(has_text=TID)).to_contain_text("辅助下单已关闭", timeout=30_000)
    with db.connection_context():
        assert Purchase.get().state == "parked" and not sb.purchase_orders(login=BUYER)
