"""The order card's 买家信息 and 物流信息 as the shop backend shows them, through the real app and sandbox:
a masked receiver (no decryption left today) beside 脱敏, and orders the seller shipped in 千牛 (a parcel,
无需物流) after 批量同步."""
import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import add_shop_ui, sign_up


def _card(page: Page, tid: str):
    return page.locator(f'tbody.order-card[data-tid="{tid}"]')


def test_masked_receivers_and_parcels_shipped_in_the_shop_backend(live_desk, sb, page: Page):
    # no decryption quota: every address stays masked, as for the manual's shops past 50 orders
    sb.add_seller("card_e2e", "pw-e2e", "taobao", slider_chance=0.0, sms_on_new_device=False, decrypt_quota=0)
    tids = [sb.place_order("card_e2e")["tid"] for _ in range(3)]
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_desk.url)
    row = add_shop_ui(page, "card_e2e", "pw-e2e")
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="开始获取").click()
    expect(row.get_by_test_id("new-orders")).to_have_text("3", timeout=30_000)
    # the fetch's 地址解密 meets the exhausted quota (and frees the shop's browser)
    page.get_by_text("任务", exact=True).click()
    expect(page.locator('.job[data-state="failed"]').filter(has_text="地址解密")).to_be_visible(timeout=30_000)

    # the seller ships two orders in the shop backend itself, outside the app
    sb.seller_ship(tids[1], courier_code="ZTO")
    sb.seller_ship(tids[2], dummy=True)
    number = sb.shop_order(tids[1])["shipments"][0]["tracking_no"]

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()
    page.get_by_role("search", name="订单搜索").get_by_role("button", name="批量同步").click()
    sync = page.get_by_role("dialog", name="批量同步")
    sync.get_by_role("button", name="开始同步").click()
    expect(sync).to_be_hidden()
    page.get_by_text("任务", exact=True).click()
    expect(page.locator('.job[data-state="done"]').filter(has_text="批量同步")).to_be_visible(timeout=30_000)
    page.reload()

    receiver = sb.shop_order(tids[0])["receiver"]
    buyer = _card(page, tids[0]).get_by_test_id("receiver")
    expect(buyer).to_contain_text(receiver["name"][0] + "*")
    expect(buyer).to_contain_text(f"{receiver['mobile'][:3]}****{receiver['mobile'][-4:]}")
    expect(buyer).to_contain_text(f"{receiver['province']} {receiver['city']} {receiver['district']}")
    expect(buyer.locator(".tag")).to_have_text("脱敏")

    shipped = _card(page, tids[1])
    expect(shipped.get_by_test_id("parcel")).to_have_text(re.compile(f"中通快递 {number}\\s+店铺后台发货"))
    expect(shipped.get_by_test_id("ship-state")).to_have_text("已发货")
    expect(_card(page, tids[2]).get_by_test_id("parcel")).to_contain_text("不需要发货（无需物流）")
    expect(_card(page, tids[0]).get_by_test_id("parcel")).to_have_count(0)
    expect(_card(page, tids[0]).get_by_test_id("ship-state")).to_have_text("未发货")
