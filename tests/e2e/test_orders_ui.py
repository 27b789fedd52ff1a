"""订单管理 in Chromium at 1366×768, as a seller uses it all day: tabs, search, back button, 标记,
bulk 标记, 忽略 / 取消忽略, a refused 备注, 导出订单 opened with openpyxl."""
import re
from urllib.parse import parse_qs, urlparse

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from dropship.db import db
from tests.e2e.conftest import add_shop_ui, sign_up
from tests.orders_factory import NOW, buy, make_order, make_shop


def _seed() -> dict[str, str]:
    """13 orders: 11 daily goods to buy, a 保温杯, and a two-item order already bought."""
    with db.connection_context():
        shop = make_shop("好物小店")
        daily = [make_order(shop, titles=(f"日用品 {n}",), tid=f"32566500000000{n:05d}") for n in range(11)]
        cup = make_order(shop, titles=("304不锈钢保温杯",), tid="3256650000000099901", created_at=NOW)
        box = make_order(shop, items=2, titles=("收纳盒", "杯套"), tid="3256650000000099902", created_at=NOW)
        buy(box, amount=1500, platform_order_id="230314-540", tracking_number="4628000000003", courier="YUNDA")
    return {"cup": cup.tid, "box": box.tid, "daily": daily[0].tid}


def _card(page: Page, tid: str):
    return page.locator(f'tbody.order-card[data-tid="{tid}"]')


def _tab(page: Page, label: str):
    return page.get_by_role("navigation", name="订单分类").get_by_role("link", name=re.compile(f"^{label}"))


def _args(page: Page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_seller_works_through_the_order_list(live_app, page: Page, tmp_path):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_app.url)
    tids = _seed()
    page.reload()

    # tabs with counts, SQL paging of 13 orders at 10 per page
    expect(_tab(page, "全部订单")).to_have_text("全部订单 13")
    expect(_tab(page, "待采购")).to_have_text("待采购 12")
    expect(_tab(page, "待发货")).to_have_text("待发货 1")
    expect(page.locator("tbody.order-card")).to_have_count(10)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    box = _card(page, tids["box"])
    expect(box).to_contain_text("采购单号: 拼多多 230314-540")
    expect(box).to_contain_text("韵达快递 4628000000003")
    expect(box.get_by_text("杯套")).to_be_visible()  # each sub-order has its line

    # search: only the list is swapped, the URL keeps the search, the back button restores
    search = page.get_by_role("search", name="订单搜索")
    # 成交时间 shows the default window (the last 15 days); a search sends it as typed
    window = search.get_by_label("成交时间", exact=True).input_value()
    search.get_by_label("商品标题").fill("保温杯")
    search.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody.order-card")).to_have_count(1)
    expect(_card(page, tids["cup"])).to_be_visible()
    expect(_tab(page, "全部订单")).to_have_text("全部订单 1")
    assert _args(page) == {"title": "保温杯", "created_from": window}
    _tab(page, "待发货").click()
    expect(page.get_by_text("没有符合条件的订单")).to_be_visible()
    assert _args(page) == {"title": "保温杯", "tab": "to_ship", "created_from": window}
    page.go_back()
    expect(page.locator("tbody.order-card")).to_have_count(1)
    expect(search.get_by_label("商品标题")).to_have_value("保温杯")
    page.go_back()
    expect(page.locator("tbody.order-card")).to_have_count(10)

    # bad input is refused next to the field
    search.get_by_label("订单编号").fill("3256abc")
    search.get_by_role("button", name="搜索").click()
    expect(search.get_by_role("alert")).to_have_text("订单编号只能是数字（多个编号用空格或逗号分隔）")
    search.get_by_role("button", name="取消", exact=True).click()
    expect(search.get_by_label("订单编号")).to_have_value("")

    # 标记 moves an order into 异常订单, and 正常 takes it out again
    _card(page, tids["cup"]).get_by_role("button", name="标记").click()
    dialog = page.get_by_role("dialog", name="标记问题")
    dialog.get_by_label("缺货").check()
    dialog.get_by_label("备注：").fill("上家断货，等补货")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()
    expect(_card(page, tids["cup"]).get_by_test_id("mark")).to_have_text("缺货：上家断货，等补货")
    expect(_tab(page, "异常订单")).to_have_text("异常订单 1")

    # bulk 标记 of two ticked orders
    page.get_by_label(f"选择订单 {tids['box']}").check()
    page.get_by_label(f"选择订单 {tids['daily']}").check()
    page.get_by_role("button", name="标记选中订单").click()
    expect(dialog.get_by_text("已选 2 个订单")).to_be_visible()
    dialog.get_by_label("亏钱").check()
    dialog.get_by_role("button", name="保存").click()
    expect(_tab(page, "异常订单")).to_have_text("异常订单 3")
    _tab(page, "异常订单").click()
    expect(page.locator("tbody.order-card")).to_have_count(3)
    _card(page, tids["cup"]).get_by_role("button", name="标记").click()
    expect(dialog.get_by_label("缺货")).to_be_checked()
    dialog.get_by_label("正常").check()
    dialog.get_by_role("button", name="保存").click()
    expect(page.locator("tbody.order-card")).to_have_count(2)

    # a 20 kB 备注 is refused with the platform's limit, and nothing is saved
    _card(page, tids["box"]).get_by_role("button", name="备注").click()
    memo = page.get_by_role("dialog", name="备注", exact=True)
    memo.get_by_label("红色").check()
    memo.get_by_label("备注内容：").fill("备" * 7000)
    memo.get_by_role("button", name="保存").click()
    expect(memo.get_by_role("alert")).to_have_text("备注最多 1000 字节（一个汉字占 2 字节），当前 14000 字节")
    memo.get_by_role("button", name="取消", exact=True).click()
    expect(_card(page, tids["box"]).get_by_test_id("memo-text")).to_have_text("")

    # 忽略订单 hides it; 显示: 忽略订单 shows it with 取消忽略
    _tab(page, "全部订单").click()
    # the click must land on the new list's card: one of the list being replaced has no page to answer to
    expect(_tab(page, "全部订单")).to_have_class(re.compile(r"\bactive\b"))
    _card(page, tids["box"]).get_by_role("button", name="忽略订单").click()
    expect(_card(page, tids["box"])).to_have_count(0)
    expect(_tab(page, "全部订单")).to_have_text("全部订单 12")
    search.get_by_label("显示").select_option(label="忽略订单")
    search.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody.order-card")).to_have_count(1)
    _card(page, tids["box"]).get_by_role("button", name="取消忽略").click()
    expect(page.locator("tbody.order-card")).to_have_count(0)

    # 导出订单: the current search (待采购 with a title) as .xlsx
    search.get_by_role("button", name="取消", exact=True).click()
    expect(search.get_by_label("商品标题")).to_have_value("")
    window = search.get_by_label("成交时间", exact=True).input_value()  # the default window again, as of now
    search.get_by_label("商品标题").fill("日用品")
    search.get_by_role("button", name="搜索").click()
    expect(_tab(page, "全部订单")).to_have_text("全部订单 11")
    _tab(page, "待采购").click()
    expect(_tab(page, "待采购")).to_have_attribute("aria-current", "page")
    assert _args(page) == {"title": "日用品", "tab": "to_purchase", "created_from": window}
    expect(page.locator("tbody.order-card")).to_have_count(10)
    page.get_by_role("button", name="导出订单").click()
    exporting = page.get_by_role("dialog", name="导出订单")
    with page.expect_download() as download_info:
        exporting.get_by_role("link", name="下载").click(timeout=20_000)  # shows once the export job is done
    download = download_info.value
    assert download.suggested_filename.startswith("订单导出-") and download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "export.xlsx"
    download.save_as(path)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("订单编号", "店铺名称", "平台", "成交时间", "订单状态")
    assert len(rows) == 1 + 11  # every 日用品 order is still to buy (the one marked 亏钱 too), not just one page
    assert {r[0] for r in rows[1:]} == {f"32566500000000{n:05d}" for n in range(11)}


def test_orders_fetched_from_the_sandbox_memo_round_trip(live_desk, sb, page: Page):
    """Fetch from the sandbox shop, find an order, 备注 it, and read the memo back from the seller backend."""
    sb.add_seller("orders_e2e", "pw-e2e", "taobao", slider_chance=0.0, sms_on_new_device=False)
    tids = [sb.place_order("orders_e2e", multi=n == 0)["tid"] for n in range(3)]
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_up(page, live_desk.url)

    menu = page.get_by_role("navigation", name="主菜单")
    row = add_shop_ui(page, "orders_e2e", "pw-e2e")
    row.get_by_role("button", name="授权").click()
    expect(row.get_by_test_id("login-state")).to_have_text("正常", timeout=30_000)
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="开始获取").click()
    expect(row.get_by_test_id("new-orders")).to_have_text("3", timeout=30_000)

    menu.get_by_role("link", name="订单管理").click()
    expect(_tab(page, "全部订单")).to_have_text("全部订单 3")
    search = page.get_by_role("search", name="订单搜索")
    search.get_by_label("订单编号").fill(tids[0])
    search.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody.order-card")).to_have_count(1)
    card = _card(page, tids[0])
    expect(card.locator("tr.order-line")).to_have_count(len(sb.shop_order(tids[0])["items"]))

    card.get_by_role("button", name="备注").click()
    memo = page.get_by_role("dialog", name="备注", exact=True)
    memo.get_by_label("红色").check()
    memo.get_by_label("备注内容：").fill("已拍 周五发")
    memo.get_by_role("button", name="保存").click()
    expect(card.get_by_test_id("memo-state")).to_have_text("已同步", timeout=30_000)
    assert sb.seller_memo(tids[0]) == {"memo": "已拍 周五发", "flag": 1}

    # the buyer asks for a refund in the shop; 批量同步 brings it into 退款中
    sb.open_dispute(tids[1], "refund_only")
    search.get_by_role("button", name="取消", exact=True).click()
    search.get_by_role("button", name="批量同步").click()
    sync = page.get_by_role("dialog", name="批量同步")
    expect(sync.get_by_label(re.compile("orders_e2e"))).to_be_checked()
    sync.get_by_role("button", name="开始同步").click()
    expect(sync).to_be_hidden()
    page.get_by_text("任务", exact=True).click()
    expect(page.locator('.job[data-state="done"]').filter(has_text="批量同步")).to_be_visible(timeout=30_000)
    page.reload()
    expect(_tab(page, "退款中")).to_have_text("退款中 1")
    expect(_card(page, tids[1]).get_by_test_id("order-status")).to_contain_text("退款中")
