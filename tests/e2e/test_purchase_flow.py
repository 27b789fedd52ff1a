"""订单采购 end to end in Chromium, the app's real queue and buyer drivers against the sandbox: orders
fetched from the shop (addresses decrypted), 采购 → the supplier's link pasted → 规格对应 → 切换帐号 →
自动下单 → the job in 任务 → the card shows 采购单号 / 采购金额 / 拍单状态 and the sandbox holds exactly one
supplier order to the buyer's receiver. 淘宝: with 自动支付 off it stops at 待付款 (拍单状态 待支付), with
it on it is paid (拍单状态 待发货); a price above 最高采购价 is refused: the order goes to 异常订单 with the
reason and nothing is bought. 1688: bought and left 待支付. 拼多多: 发起拼单 paid with 支付宝账号密码 reads
待分享 until the group forms, then 待发货 after 同步状态.

The sandbox serves 淘宝 on `item.taobao.localhost:<port>`; the seller pastes the real link
(item.taobao.com), as from the real site: the driver maps real hosts to the sandbox (origins)."""
from __future__ import annotations

import re
import time
from datetime import datetime
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from dropship.db import db
from dropship.models import Order, OrderItem, Purchase, PurchaseAccount, Shipment
from dropship.services.purchasing import links, sku_map
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS
from dropship.services.scope import Scope
from dropship.tasks.auto_purchase import run_once
from dropship.tasks.purchase_sync import start_purchase_sync
from tests.e2e.conftest import add_shop_ui, sign_up
from tests.helpers import wait_until

SHOP, SHOP_PASSWORD = "flow_shop", "pw-flow-1"
BUYER, BUYER_PASSWORD, PAY_PASSWORD = "flow_buyer", "buyer-pass-1", "246810"
# the purchase account per platform; the 拼多多 one is a phone, also its 支付宝 account (PDD 支付设置)
BUYERS = {"taobao": BUYER, "alibaba1688": "flow_buyer_1688", "pdd": "13800138000"}
LINKS = {"taobao": "https://item.taobao.com/item.htm?id={}", "alibaba1688": "https://detail.1688.com/offer/{}.html",
         "pdd": "https://mobile.yangkeduo.com/goods.html?goods_id={}"}  # what 复制链接 gives on each real site
AUTO_BUYER = "flow_buyer_auto"  # the 自动采购 test's own 淘宝 account (the module shares one sandbox)
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


def _setup_shop_and_account(page: Page, sb, platform: str = "taobao", orders: int = 3) -> list[str]:
    """A shop whose `orders` paid orders are fetched, and an online purchase account of `platform`."""
    shop = SHOP if platform == "taobao" else f"{SHOP}_{platform}"  # one sandbox per module: a shop per test
    sb.add_seller(shop, SHOP_PASSWORD, "taobao", slider_chance=0.0, sms_on_new_device=False)
    tids = [sb.place_order(shop)["tid"] for _ in range(orders)]
    _fetch(page, shop, len(tids))
    _add_purchase_account(page, sb, platform)
    return tids


def _fetch(page: Page, shop: str, orders: int, automatic: bool = False) -> None:
    """店铺管理: add and authorize the shop, 开始获取 (with 自动采购 on, 取消缓冲 0, and 自动发货 when
    `automatic`) until its `orders` orders are fetched."""
    row = add_shop_ui(page, shop, SHOP_PASSWORD)
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    row.get_by_role("checkbox").check()
    if automatic:
        page.get_by_label("自动采购", exact=True).check()
        page.get_by_label("取消缓冲（分钟）").fill("0")
        page.get_by_label("自动发货", exact=True).check()
    page.get_by_role("button", name="开始获取").click()
    expect(row.get_by_test_id("new-orders")).to_have_text(str(orders), timeout=30_000)


def _add_purchase_account(page: Page, sb, platform: str, login: str = "") -> None:
    """采购账号: add the `platform` account (BUYERS' unless `login`: one sandbox per module, so a test
    that needs a fresh account names its own) through its dialog and wait until it is 在线."""
    login = login or BUYERS[platform]
    # no throttle in tests: no 访问过于频繁 risk page
    info = sb.add_buyer(platform, login, BUYER_PASSWORD, pay_password=PAY_PASSWORD, rate_limit_per_min=100_000)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="采购账号").click()
    if platform == "pdd":  # its own tab; the token (账号Token) instead of an SMS code
        page.get_by_role("navigation", name="采购平台").get_by_role("link", name="拼多多").click()
        page.get_by_role("button", name="添加拼多多账号").click()
        dialog = page.get_by_role("dialog", name="添加拼多多账号")
        dialog.get_by_label("手机号").fill(login)
        dialog.get_by_label("账号Token（可选，代替验证码）").fill(info["access_token"])
    else:
        page.get_by_role("button", name="添加淘宝账号").click()
        dialog = page.get_by_role("dialog", name="新增淘宝账号")
        dialog.get_by_label("平台").select_option(label=PURCHASE_PLATFORMS[platform])
        dialog.get_by_role("textbox", name="账号").fill(login)
        dialog.get_by_label("密码").fill(BUYER_PASSWORD)
    dialog.get_by_role("button", name="保存").click()
    # a first login opens a browser profile: slow on a busy CI machine
    expect(page.get_by_role("row").filter(has_text=login).get_by_test_id("online")).to_have_text("在线",
                                                                                                 timeout=60_000)


def _purchase_settings(page: Page, max_price: str = "0", auto_pay: bool = False) -> None:
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="设置").click()
    page.get_by_role("navigation", name="设置分类").get_by_role("link", name="采购设置").click()
    guards = page.get_by_role("region", name="采购保护与自动支付")
    guards.get_by_label("最高采购价").fill(max_price)
    guards.get_by_label(re.compile("自动支付（所有保护都通过时")).set_checked(auto_pay)
    guards.get_by_role("button", name="保存采购保护").click()
    expect(page.get_by_role("region", name="采购保护与自动支付").get_by_role("status")).to_have_text("已保存")


def _payment_settings(page: Page, pdd_order: str = "单独购买") -> None:
    """支付宝账号密码支付, the account's 支付宝 (the sandbox's 收银台 takes the buyer's login), and the
    拼多多下单方式."""
    form = page.get_by_role("region", name="PDD 支付设置")
    form.get_by_label("支付宝账号密码支付").check()
    form.get_by_label(pdd_order).check()
    form.get_by_label("支付账号").fill("13800138000")
    form.get_by_label("支付密码").fill(PAY_PASSWORD)
    form.get_by_role("button", name="保存支付设置").click()
    expect(page.get_by_role("region", name="PDD 支付设置").get_by_role("status")).to_have_text("已保存")


def _auto_buy(page: Page, sb, tid: str, link: str, sku: dict, platform: str = "taobao") -> float:
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
    row.get_by_label("切换帐号:").select_option(label=f"【{PURCHASE_PLATFORMS[platform]}】{BUYERS[platform]}")
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


def _one_new_supplier_order_to_the_buyer(sb, tid: str, before: set[str], login: str = BUYER) -> dict:
    """Exactly one supplier order of `login` more than `before`, going to the buyer of `tid`."""
    [placed] = [o for o in sb.purchase_orders(login=login) if o["order_id"] not in before]
    buyer = sb.shop_order(tid)["receiver"]
    assert (placed["receiver"]["name"], placed["receiver"]["mobile"]) == (buyer["name"], buyer["mobile"])
    assert buyer["address"] in placed["receiver"]["address"]
    return placed


def _supplier(sb, platform: str) -> tuple[str, dict]:
    """A supplier item of `platform` as its real link, and a SKU of it in stock at PRICE_FEN."""
    item = next(i for i in sb.supplier_items(platform) if i["skus"])
    sku = item["skus"][0]
    sb.update_sku(sku["sku_id"], stock=100, price_fen=PRICE_FEN)
    return LINKS[platform].format(item["item_id"]), sku


def _bought(page: Page, sb, tid: str, platform: str, status: str, before: frozenset[str] = frozenset()) -> dict:
    """The card shows the one supplier order new since `before` (采购单号, 采购金额) with 拍单状态 `status`."""
    placed = _one_new_supplier_order_to_the_buyer(sb, tid, set(before), BUYERS[platform])
    card = _card(page, tid)
    expect(card.get_by_test_id("purchase-line")).to_have_text(
        f"采购单号: {PURCHASE_PLATFORMS[platform]} {placed['order_id']}")
    expect(card.locator("td.purchase")).to_contain_text(f"采购金额: {placed['paid_fen'] / 100:.2f}")
    expect(card.get_by_test_id("purchase-status")).to_have_text(status)
    assert placed["memo"].startswith("DS")
    return placed


def test_auto_purchase_unpaid_then_paid_and_a_refused_price(live_desk, sb, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    link, sku = _supplier(sb, "taobao")
    sign_up(page, live_desk.url)
    first, second, third = _setup_shop_and_account(page, sb)
    timings = []

    # 自动支付 off: bought, stops at 待付款
    timings.append(_auto_buy(page, sb, first, link, sku))
    placed = _bought(page, sb, first, "taobao", "待支付")  # 拍单状态 in the glossary's words
    assert placed["state"] == "unpaid"

    # 自动支付 on (支付宝账号密码支付): bought and paid
    _purchase_settings(page, auto_pay=True)
    _payment_settings(page)
    timings.append(_auto_buy(page, sb, second, link, sku))
    placed = _bought(page, sb, second, "taobao", "待发货", frozenset({placed["order_id"]}))  # paid: to be shipped
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


def _orders_a_taobao_account_buys(sb, shop: str, wanted: int) -> tuple[list[str], list[str]]:
    """Single-item orders placed in the sandbox shop until `wanted` of them resell a 淘宝/天猫 item (in
    stock at PRICE_FEN); the others (1688 / 拼多多 items: no account for them here) are returned apart."""
    bought, others = [], []
    for _ in range(40):
        tid = sb.place_order(shop, multi=False)["tid"]
        [item] = sb.shop_order(tid)["items"]
        if urlsplit(item["supplier_url"]).hostname in ("item.taobao.com", "detail.tmall.com"):
            sb.update_sku(item["supplier_sku_id"], stock=100, price_fen=PRICE_FEN)
            bought.append(tid)
        else:
            others.append(tid)
        if len(bought) == wanted:
            return bought, others
    raise AssertionError("the sandbox shop resells no 淘宝 item")


def _remember_links(sb, tids: list[str]) -> None:
    """The 下单链接 and 规格对应 of each order's 商家编码 + SKU, as the 采购 dialog saves them."""
    scope = Scope.everything()
    for tid in tids:
        [item] = sb.shop_order(tid)["items"]
        ours = OrderItem.select().join(Order).where(Order.tid == tid).get()
        link = links.remember_link(scope, ours.outer_id, item["supplier_url"])
        sku_map.remember_typed(scope, ours.outer_id, ours.sku_text, link.platform, link.item_id,
                               item["supplier_sku_id"], "", 1)


def _active_purchases(tids: list[str]) -> list[Purchase]:
    return list(Purchase.select().join(Order).where(Order.tid.in_(tids), Purchase.active == True))  # noqa: E712


def _all_paid(tids: list[str]) -> bool:
    purchases = _active_purchases(tids)
    return len(purchases) == len(tids) and all(p.state == "paid" for p in purchases)


def test_fetched_orders_are_bought_and_shipped_without_a_click(live_desk, sb, page: Page):
    """自动采购 + 自动发货 from fetch to 已发货: the shop is fetched with both switches on; orders wait
    (未设置下单链接) until their 商家编码 has a link and 规格对应, then the scheduler's minute tick buys
    and pays them; when the supplier ships, the next status sync ships each order in the shop with the
    supplier's courier and number. The ticks are called here (`run_once`, `start_purchase_sync`: the
    bodies of the periodic tasks) instead of waiting for the minute; nothing is clicked on an order."""
    page.set_viewport_size({"width": 1366, "height": 900})
    shop = f"{SHOP}_auto"
    sb.add_seller(shop, SHOP_PASSWORD, "taobao", slider_chance=0.0, sms_on_new_device=False)
    tids, others = _orders_a_taobao_account_buys(sb, shop, 2)
    sign_up(page, live_desk.url)
    _add_purchase_account(page, sb, "taobao", AUTO_BUYER)
    _purchase_settings(page, auto_pay=True)
    _payment_settings(page)
    _fetch(page, shop, len(tids) + len(others), automatic=True)
    row = page.get_by_role("row").filter(has_text=shop)
    expect(row.get_by_test_id("auto-purchase-waiting")).to_contain_text(f"未设置下单链接 {len(tids) + len(others)}")

    with db.connection_context():
        assert run_once().begun == {}  # no link yet: nothing bought
        _remember_links(sb, tids)
        _sandbox_clock_to_now(sb)
        run_once()
        wait_until(lambda: _all_paid(tids), timeout=180, what="both orders bought and paid")
        supplier_orders = {p.order.tid: p.platform_order_id for p in _active_purchases(tids)}
        assert not _active_purchases(others)  # their items have no link: never bought
    parcels = {}
    for tid, supplier_order in supplier_orders.items():
        shipped = sb.ship_now(supplier_order, courier_code="ZTO")["shipments"][0]
        parcels[tid] = ("ZTO", shipped["tracking_no"])
    with db.connection_context():
        start_purchase_sync(PurchaseAccount.get(PurchaseAccount.login == AUTO_BUYER))
        wait_until(lambda: Shipment.select().where(Shipment.state == "done").count() == len(tids), timeout=180,
                   what="both orders shipped in the shop")
    for tid in tids:  # the shop backend holds the supplier's courier and number, once
        assert [(s["courier_code"], s["tracking_no"]) for s in sb.shop_order(tid)["shipments"]] == [parcels[tid]]
    assert all(not sb.shop_order(tid)["shipments"] for tid in others)
    expect(row.get_by_test_id("shipped-today")).to_have_text(str(len(tids)), timeout=30_000)


def test_1688_auto_purchase_is_recorded_on_the_card_unpaid(live_desk, sb, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    link, sku = _supplier(sb, "alibaba1688")
    sign_up(page, live_desk.url)
    [tid] = _setup_shop_and_account(page, sb, "alibaba1688", orders=1)
    _auto_buy(page, sb, tid, link, sku, "alibaba1688")
    placed = _bought(page, sb, tid, "alibaba1688", "待支付")  # 自动支付 off: stops at 待付款
    assert placed["state"] == "unpaid" and placed["platform"] == "alibaba1688"


def test_pdd_group_purchase_reads_sharing_until_the_group_forms(live_desk, sb, page: Page):
    page.set_viewport_size({"width": 1366, "height": 900})
    link, sku = _supplier(sb, "pdd")
    sign_up(page, live_desk.url)
    [tid] = _setup_shop_and_account(page, sb, "pdd", orders=1)
    _purchase_settings(page, auto_pay=True)
    _payment_settings(page, pdd_order="发起拼单")
    _auto_buy(page, sb, tid, link, sku, "pdd")
    placed = _bought(page, sb, tid, "pdd", "待分享")  # paid, the 拼单 not yet formed
    assert placed["group_order_id"] and placed["paid_at"]

    sb.complete_group(placed["order_id"])
    _card(page, tid).get_by_role("button", name="同步状态").click()
    expect(page.locator("#order-message")).to_contain_text("正在同步订单")
    jobs = page.get_by_text(re.compile(r"^任务\s*\d*$"))
    jobs.click()
    # the sync's own row done first: "nothing running" proves nothing while the panel has not shown the sync
    # yet. The sync queues the 拍单状态 sync before it is done, so the same panel shows that one from then on.
    expect(page.locator(".job[data-state=done]").filter(has_text=f"同步状态 · {tid}")).to_be_visible(timeout=60_000)
    expect(page.locator(".job[data-state=running], .job[data-state=queued]")).to_have_count(0, timeout=60_000)
    jobs.click()
    page.reload()
    expect(_card(page, tid).get_by_test_id("purchase-status")).to_have_text("待发货")
