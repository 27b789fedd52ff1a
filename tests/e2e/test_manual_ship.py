"""手动发货 from the order card, through the real app and sandbox: the number unlike the courier's warns
first, 仍然发货 ships it, and the sandbox's seller backend then shows the courier and number."""
import random

from playwright.sync_api import Page, expect

from tests.e2e.conftest import add_shop_ui, sign_up


def test_manual_ship_from_the_card(live_desk, sb, page: Page):
    sb.add_seller("ship_e2e", "pw-e2e", "taobao", slider_chance=0.0, sms_on_new_device=False, decrypt_quota=0)
    tid = sb.place_order("ship_e2e")["tid"]
    number = f"77{random.Random(7).randrange(10**12):012d}"  # 申通-shaped, typed as 圆通 first
    sign_up(page, live_desk.url)
    row = add_shop_ui(page, "ship_e2e", "pw-e2e")
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="开始获取").click()
    expect(row.get_by_test_id("new-orders")).to_have_text("1", timeout=30_000)

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()
    card = page.locator(f'tbody.order-card[data-tid="{tid}"]')
    card.get_by_role("button", name="手动发货").click()
    dialog = page.get_by_role("dialog", name="手动发货")
    dialog.get_by_label("物流公司").fill("圆通速递")
    dialog.get_by_label("物流单号").fill(number)
    dialog.get_by_role("button", name="发货").click()
    expect(dialog.get_by_test_id("ship-warning")).to_contain_text("不像圆通速递的单号")
    dialog.get_by_label("物流公司").fill("申通快递")  # the user corrects the courier instead
    dialog.get_by_role("button", name="仍然发货").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#order-message")).to_contain_text("已提交发货")

    page.locator("summary").filter(has_text="任务").click()  # its badge counts the running job meanwhile
    # the consign re-reads the order before and after (several backend pages): slower than a click
    expect(page.locator('#jobs-list .job[data-state="done"]').filter(has_text=f"发货 · {tid}")).to_be_visible(
        timeout=90_000)
    page.reload()
    expect(card.get_by_test_id("parcel")).to_contain_text(f"申通快递 {number}")
    expect(card.get_by_test_id("ship-state")).to_have_text("已发货")
    assert [(s["courier_code"], s["tracking_no"]) for s in sb.shop_order(tid)["shipments"]] == [("STO", number)]
