"""订单采购 end to end in Chromium, the app's real queue and 淘宝 buyer driver against the sandbox: orders
fetched from the shop (addresses decrypted), 采购 → the supplier's link pasted → 规格对应 → 切换帐号 →
自动下单 → the job in 任务 → the card shows 采购单号 / 采购金额 / 拍单状态 and the sandbox holds exactly one
supplier order to the buyer's receiver. With 自动支付 off it stops at 待付款 (拍单状态 待支付), with it on
it is paid (拍单状态 待发货);
a price above 最高采购价 is refused: the order goes to 异常订单 with the reason and nothing is bought.

The sandbox serves 淘宝 on `item.taobao.localhost:<port>`; the seller pastes the real link
(item.taobao.com), as from the real site: the driver maps real hosts to the sandbox (origins)."""
from __future__ import annotations

import re
import time
from datetime import datetime

from playwright.sync_api import Page, expect

from tests.e2e.conftest import add_shop_ui, sign_up

SHOP, SHOP_PASSWORD = "flow_shop", "pw-flow-1"
BUYER, BUYER_PASSWORD, PAY_PASSWORD = "flow_buyer", "buyer-pass-1", "246810"
PRICE_FEN = 100  # the supplier SKU costs 1.00: below any order's 实收金额, so no 亏钱 refusal


def _card(page: Page, tid: str):
    return page.locator(f'tbody.order-card[data-tid="{tid}"]')


def _tab(page: Page, label: str):
    return page.get_by_role("navigation", name="订单分类").get_by_role("link", name=re.compile(f"^{label}"))


def _to_orders(page: Page) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="订单管理").click()


def _sandbox_clock_to_now(sb) -> None:
    """The sandbox's clock stands still between calls; its orders must fall in the diff's time window."""
    sb.advance(max((datetime.now() - sb.now()).total_seconds() / 60, 0))


def _setup_shop_and_account(page: Page, sb) -> list[str]:
    sb.add_seller(SHOP, SHOP_PASSWORD, "taobao", slider_chance=0.0, sms_on_new_device=False)
    tids = [sb.place_order(SHOP)["tid"] for _ in range(3)]
    sb.add_buyer("taobao", BUYER, BUYER_PASSWORD, pay_password=PAY_PASSWORD)
    sb.update_account(BUYER, rate_limit_per_min=100_000)  # no throttle in tests: no 访问过于频繁 risk page
    row = add_shop_ui(page, SHOP, SHOP_PASSWORD)
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="开始获取").click()
    expect(row.get_by_test_id("new-orders")).to_have_text("3", timeout=30_000)

    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="采购账号").click()
    page.get_by_role("button", name="添加淘宝账号").click()
    dialog = page.get_by_role("dialog", name="新增淘宝账号")
    dialog.get_by_role("textbox", name="账号").fill(BUYER)
    dialog.get_by_label("密码").fill(BUYER_PASSWORD)
    dialog.get_by_role("button", name="保存").click()
    expect(page.get_by_role("row").filter(has_text=BUYER).get_by_test_id("online")).to_have_text("在线",
                                                                                                  timeout=30_000)
    return tids


def _purchase_settings(page: Page, max_price: str = "0", auto_pay: bool = False) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="设置").click()
    page.get_by_role("navigation", name="设置分类").get_by_role("link", name="采购设置").click()
    guards = page.get_by_role("region", name="采购保护与自动支付")
    guards.get_by_label("最高采购价").fill(max_price)
    guards.get_by_label(re.compile("自动支付（所有保护都通过时")).set_checked(auto_pay)
    guards.get_by_role("button", name="保存采购保护").click()
    expect(page.get_by_role("region", name="采购保护与自动支付").get_by_role("status")).to_have_text("已保存")


def _payment_settings(page: Page) -> None:
    """支付宝账号密码支付, the account's 支付宝 (the sandbox's 收银台 takes the buyer's login)."""
    form = page.get_by_role("region", name="PDD 支付设置")
    form.get_by_label("支付宝账号密码支付").check()
    form.get_by_label("支付账号").fill("13800138000")
    form.get_by_label("支付密码").fill(PAY_PASSWORD)
    form.get_by_role("button", name="保存支付设置").click()
    expect(page.get_by_role("region", name="PDD 支付设置").get_by_role("status")).to_have_text("已保存")


def _auto_buy(page: Page, sb, tid: str, link: str, sku: dict) -> float:
    """采购 → the link (added once, remembered after) → 规格对应 → 切换帐号 → 自动下单; the job finishes in 任务.
    Returns the seconds from the click to the finished job."""
    _to_orders(page)
    card = _card(page, tid)
    card.get_by_role("button", name="采购", exact=True).click()
    dialog = page.get_by_role("dialog", name="请输入下单链接")
    expect(dialog.get_by_label("商品编码链接:")).to_be_visible()
    row = dialog.locator("tr[data-link-id]").filter(has_text=link)
    if not row.count():  # a 商家编码 seen before keeps its link
        dialog.get_by_label("商品编码链接:").fill(link)
        dialog.get_by_role("button", name="+ 新增").click()
        expect(dialog.get_by_role("status")).to_have_text("已添加下单链接")
    expect(row).to_have_count(1)
    row.get_by_label("供应商规格编号").fill(sku["sku_id"])
    row.get_by_label("供应商规格名称").fill("".join(p["value"] for p in sku["props"]))
    row.get_by_label("数量倍数").fill("1")
    row.get_by_role("button", name="保存规格对应").click()
    expect(dialog.get_by_role("status")).to_have_text("已保存规格对应")
    row.get_by_text("去下单").click()
    row.get_by_label("切换帐号:").select_option(label=f"【淘宝】{BUYER}")
    _sandbox_clock_to_now(sb)
    started = time.monotonic()
    row.get_by_role("button", name=re.compile("自动下单")).click()
    expect(page.locator("#order-message")).to_contain_text("已开始自动下单")
    jobs = page.get_by_text(re.compile(r"^任务\s*\d*$"))  # the header's 任务 (with its running count)
    jobs.click()
    expect(page.locator(".job:not([data-state=running]):not([data-state=queued])").filter(has_text=tid)).to_be_visible(
        timeout=60_000)
    elapsed = time.monotonic() - started
    jobs.click()  # closes the panel
    page.reload()
    return elapsed


def _one_new_supplier_order_to_the_buyer(sb, tid: str, before: set[str]) -> dict:
    """Exactly one supplier order more than `before`, going to the buyer of `tid`."""
    [placed] = [o for o in sb.purchase_orders(login=BUYER) if o["order_id"] not in before]
    buyer = sb.shop_order(tid)["receiver"]
    assert (placed["receiver"]["name"], placed["receiver"]["mobile"]) == (buyer["name"], buyer["mobile"])
    assert buyer["address"] in placed["receiver"]["address"]
    return placed


def test_auto_purchase_unpaid_then_paid_and_a_refused_price(live_desk, sb, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    item = next(i for i in sb.supplier_items("taobao") if i["skus"])
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=100, price_fen=PRICE_FEN)
    link = f"https://item.taobao.com/item.htm?id={item['item_id']}"  # what 复制链接 gives on the real site
    sign_up(page, live_desk.url)
    first, second, third = _setup_shop_and_account(page, sb)
    timings = []

    # 自动支付 off: bought, stops at 待付款
    timings.append(_auto_buy(page, sb, first, link, sku))
    card = _card(page, first)
    placed = _one_new_supplier_order_to_the_buyer(sb, first, set())
    expect(card.get_by_test_id("purchase-line")).to_have_text(f"采购单号: 淘宝 {placed['order_id']}")
    expect(card.locator("td.purchase")).to_contain_text(f"采购金额: {placed['paid_fen'] / 100:.2f}")
    expect(card.get_by_test_id("purchase-status")).to_have_text("待支付")  # 拍单状态 in the glossary's words
    assert placed["state"] == "unpaid" and placed["memo"].startswith("DS")

    # 自动支付 on (支付宝账号密码支付): bought and paid
    _purchase_settings(page, auto_pay=True)
    _payment_settings(page)
    timings.append(_auto_buy(page, sb, second, link, sku))
    card = _card(page, second)
    placed = _one_new_supplier_order_to_the_buyer(sb, second, {placed["order_id"]})
    expect(card.get_by_test_id("purchase-line")).to_have_text(f"采购单号: 淘宝 {placed['order_id']}")
    expect(card.locator("td.purchase")).to_contain_text(f"采购金额: {placed['paid_fen'] / 100:.2f}")
    expect(card.get_by_test_id("purchase-status")).to_have_text("待发货")  # paid: the supplier is to ship
    assert sb.purchase_order(placed["order_id"])["paid_at"]

    # 最高采购价 below the price: refused before the submit, 异常订单 with the reason, nothing bought
    _purchase_settings(page, max_price="0.50", auto_pay=True)
    timings.append(_auto_buy(page, sb, third, link, sku))
    assert len(sb.purchase_orders(login=BUYER)) == 2
    _tab(page, "异常订单").click()
    refused = _card(page, third)
    expect(refused.get_by_test_id("mark")).to_contain_text("超过最高采购价：采购金额")
    expect(refused.get_by_test_id("mark")).to_contain_text("高于 0.50")
    expect(refused).to_contain_text("未采购")
    print(f"\nseconds from 自动下单 to the finished job: {', '.join(f'{t:.1f}' for t in timings)}")
