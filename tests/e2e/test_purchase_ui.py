"""订单采购 in Chromium, as a seller buys an order by hand: 采购 opens 请输入下单链接, a bad link is refused in
place, a pasted link is normalised and remembered, 规格对应 is set, 切换帐号 offers the usable account,
添加采购订单信息 records the purchase, 重新下单 moves it to 历史, and 取消下单 returns the order to 待采购."""
import re

from playwright.sync_api import Page, expect

from dropship.db import db
from tests.e2e.conftest import sign_up
from tests.orders_factory import make_account, make_order, make_shop

TID = "3256650000000077701"


def _seed() -> None:
    with db.connection_context():
        shop = make_shop("好物小店")
        make_order(shop, titles=("304不锈钢保温杯",), tid=TID, paid=2590)
        account = make_account("13800000001", platform="taobao")
        account.online = True
        account.save()
        make_account("13800000002", platform="taobao")  # never authorised: not offered


def _tab(page: Page, label: str):
    return page.get_by_role("navigation", name="订单分类").get_by_role("link", name=re.compile(f"^{label}"))


def test_seller_buys_an_order_by_hand_then_reorders_and_cancels(live_app, page: Page):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_app.url)
    _seed()
    page.reload()
    card = page.locator(f'tbody.order-card[data-tid="{TID}"]')
    expect(card).to_contain_text("未采购")

    # 采购: the dialog with the quick search buttons (real search pages, new tab)
    card.get_by_role("button", name="采购", exact=True).click()
    dialog = page.get_by_role("dialog", name="请输入下单链接")
    expect(dialog).to_be_visible()
    quick = dialog.get_by_role("navigation", name="去平台搜索")
    expect(quick.get_by_role("link", name="淘宝")).to_have_attribute("href", re.compile(r"^https://s\.taobao\.com/search\?q="))
    expect(quick.get_by_role("link", name="拼多多")).to_have_attribute("target", "_blank")

    # + 新增: a link of another site is refused beside the field; a tracked mobile link is normalised
    dialog.get_by_label("商品编码链接:").fill("https://item.jd.com/100012043978.html")
    dialog.get_by_role("button", name="+ 新增").click()
    expect(dialog.get_by_role("alert")).to_have_text("只支持淘宝、天猫、淘特、1688、拼多多的商品链接")
    dialog.get_by_label("商品编码链接:").fill("复制这条信息 https://h5.m.taobao.com/awp/core/detail.htm?id=6543210987&spm=a2141 打开")
    dialog.get_by_label("自定义备注").fill("店里同款")
    dialog.get_by_role("button", name="+ 新增").click()
    expect(dialog.get_by_role("status")).to_have_text("已添加下单链接")
    row = dialog.locator("tr[data-link-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("https://item.taobao.com/item.htm?id=6543210987")
    expect(row).to_contain_text("店里同款")

    # 规格对应: a bad multiplier is refused, then the mapping is remembered
    row.get_by_label("供应商规格编号").fill("5001")
    row.get_by_label("供应商规格名称").fill("1只装")
    row.get_by_label("数量倍数").fill("0")
    row.get_by_role("button", name="保存规格对应").click()
    expect(dialog.get_by_role("alert")).to_have_text("数量倍数须是 1 到 99 的整数")
    row.get_by_label("数量倍数").fill("2")
    row.get_by_role("button", name="保存规格对应").click()
    expect(dialog.get_by_role("status")).to_have_text("已保存规格对应")
    expect(row.get_by_test_id("sku-mapping")).to_have_text("颜色:黑色 → 1只装 × 2")

    # 去下单 / 切换帐号: only the enabled, online account, and the two ways to buy (whether they are
    # live or 即将开放 depends on the purchase task: tests/web/test_purchase.py covers both)
    row.get_by_text("去下单").click()
    account = row.get_by_label("切换帐号:")
    expect(account.locator("option")).to_have_text(["【淘宝】买手0001"])
    account.select_option(label="【淘宝】买手0001")
    expect(account).to_have_value(re.compile(r"^\d+$"))
    expect(row.get_by_role("button", name=re.compile("自动下单"))).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("辅助下单"))).to_be_visible()
    dialog.get_by_role("button", name="关闭").last.click()
    expect(dialog).to_be_hidden()

    # 添加采购订单信息: a wrong 采购单号 is refused beside it, then the purchase line shows with the profit
    card.get_by_role("button", name="添加采购订单信息").click()
    manual = page.get_by_role("dialog", name="添加采购订单信息")
    manual.get_by_label("采购平台").select_option(label="淘宝")
    manual.get_by_label("采购单号").fill("12")
    manual.get_by_label("采购金额").fill("15.80")
    manual.get_by_label("采购账号（可不选）").select_option(label="【淘宝】买手0001")
    manual.get_by_role("button", name="保存").click()
    expect(manual.get_by_role("alert")).to_have_text("淘宝 / 天猫 / 淘特的采购单号是 15 到 20 位数字")
    manual.get_by_label("采购单号").fill("2987654321012345678")
    manual.get_by_role("button", name="保存").click()
    expect(manual).to_be_hidden()
    expect(card.get_by_test_id("purchase-line")).to_have_text("采购单号: 淘宝 2987654321012345678")
    expect(card).to_contain_text("采购金额: 15.80")
    expect(card).to_contain_text("订单利润: 10.10")
    expect(card).to_contain_text("【淘宝】买手0001")

    # 重新下单: the purchase moves to 历史 and the 采购 dialog opens with the remembered link; this time
    # the seller buys elsewhere again, and the new purchase replaces the line
    card.get_by_role("button", name="🛒 重新下单").click()
    expect(dialog.get_by_role("status")).to_contain_text("原采购已移入历史")
    expect(dialog.locator("tr[data-link-id]")).to_contain_text("https://item.taobao.com/item.htm?id=6543210987")
    expect(card).to_contain_text("未采购")
    dialog.get_by_role("button", name="关闭").last.click()
    card.get_by_role("button", name="添加采购订单信息").click()
    # the dialog still holds the last form until its fresh one loads: typing earlier would be wiped
    expect(manual.get_by_label("采购单号")).to_have_value("")
    manual.get_by_label("采购平台").select_option(label="拼多多")
    manual.get_by_label("采购单号").fill("230619-012345678901234")
    manual.get_by_label("采购金额").fill("12")
    manual.get_by_role("button", name="保存").click()
    expect(manual).to_be_hidden()
    expect(card.get_by_test_id("purchase-line")).to_have_text("采购单号: 拼多多 230619-012345678901234")
    expect(card).to_contain_text("订单利润: 13.90")
    card.get_by_role("button", name="🕒 历史").click()
    history = page.get_by_role("dialog", name="采购历史")
    table = history.get_by_role("table", name="采购历史")
    expect(table.locator("thead")).to_have_text(re.compile("采购平台\\s*采购单号\\s*采购时间\\s*采购账号\\s*状态"))
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody tr")).to_contain_text("2987654321012345678")
    expect(table.locator("tbody tr")).to_contain_text("【淘宝】买手0001")
    history.get_by_role("button", name="关闭").last.click()

    # 取消下单 (confirmed): the order is back in 待采购; bought elsewhere without an account, the confirm
    # says the supplier order (if any) must be cancelled there by hand
    confirms: list[str] = []
    page.once("dialog", lambda d: (confirms.append(d.message), d.accept()))
    card.get_by_role("button", name="取消下单").click()
    expect(page.locator("#order-message")).to_contain_text("回到待采购")
    assert "请到采购平台手动取消" in confirms[0]
    expect(card).to_contain_text("未采购")
    _tab(page, "待采购").click()
    expect(page.locator(f'tbody.order-card[data-tid="{TID}"]')).to_be_visible()
    expect(_tab(page, "待采购")).to_have_text("待采购 1")
