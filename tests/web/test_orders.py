"""订单管理 over HTTP: the list and its fragments, bad input next to the field with 4xx and nothing changed,
忽略 / 标记 / 备注 / 修改地址 / 同步 / 批量同步 / 导出, and who may do what."""
import io
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from dropship.db import db
from dropship.models import Job, Order
from tests.helpers import become_employee, post
from tests.orders_factory import buy, fake_shops, make_order, make_shop

LIST = {"HX-Request": "true", "HX-Target": "order-list"}


@pytest.fixture
def seeded(signed_in):
    """A shop with three orders: one to buy, one bought, one abnormal."""
    with db.connection_context():
        shop = make_shop("好物小店")
        to_buy = make_order(shop, titles=("保温杯",), tid="3256650000000000101")
        bought = make_order(shop, items=2, titles=("收纳盒", "杯套"), tid="3256650000000000102")
        buy(bought, amount=1500, platform_order_id="230314-540")
        odd = make_order(shop, tid="3256650000000000103", abnormal="out_of_stock", mark_note="上家缺货")
    return {"client": signed_in, "shop": shop, "to_buy": to_buy, "bought": bought, "odd": odd}


def _order(order_id: int) -> Order:
    with db.connection_context():
        return Order.get_by_id(order_id)


def _tab_counts(html: str) -> dict[str, int]:
    return {m[0]: int(m[1]) for m in re.findall(r'data-tab="(\w+)">[^<]+<span class="count">(\d+)</span>', html)}


# -- the list ---------------------------------------------------------------------------------------

def test_page_shows_tabs_with_counts_search_form_and_cards(seeded):
    html = seeded["client"].get("/orders").get_data(as_text=True)
    counts = _tab_counts(html)
    assert counts == {"all": 3, "to_purchase": 2, "abnormal": 1, "to_ship": 1, "shipped": 0, "refunding": 0,
                      "closed": 0, "finished": 0, "due_soon": 0}
    for label in ("店铺名称", "成交时间", "订单编号", "商品标题", "采购账号", "采购时间", "采购单号", "物流单号",
                  "收货人姓名", "收货人手机号", "排序", "旗帜颜色", "显示", "搜索", "取消", "批量同步", "导出订单",
                  "按最新时间排序", "未忽略订单", "忽略订单"):
        assert label in html, label
    assert html.count('class="order-card') == 3
    assert "采购单号: 拼多多 230314-540" in html and "缺货：上家缺货" in html and "共 3 条" in html


def test_open_orders_show_their_ship_deadline_in_red_when_due_soon(signed_in):
    now = datetime.now()
    with db.connection_context():
        shop = make_shop()
        make_order(shop, tid="1", ship_deadline=now + timedelta(hours=2))
        make_order(shop, tid="2", ship_deadline=now + timedelta(hours=30))
        make_order(shop, tid="3", status="shipped", ship_deadline=now)
    html = signed_in.get("/orders?tab=due_soon").get_data(as_text=True)
    assert html.count('class="order-card') == 1
    assert f'class="deadline-soon" data-testid="deadline">发货截止: {now + timedelta(hours=2):%m-%d %H:%M}' in html
    html = signed_in.get("/orders").get_data(as_text=True)
    assert html.count('data-testid="deadline"') == 2 and html.count("deadline-soon") == 1


def test_list_fragment_is_just_the_list_and_pushes_the_canonical_url(seeded):
    response = seeded["client"].get("/orders?tab=to_purchase&title=&shop=&page=1", headers=LIST)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/orders?tab=to_purchase"
    assert "<html" not in html and html.count('class="order-card') == 2
    assert 'id="order-search"' in html and 'hx-swap-oob="true"' in html  # the form keeps the tab
    assert '<input type="hidden" name="tab" value="to_purchase">' in html


def test_refreshing_the_list_adds_no_history_entry(seeded):
    response = seeded["client"].get("/orders?tab=abnormal", headers={**LIST, "X-Orders-Refresh": "1"})
    assert response.status_code == 200 and "HX-Push-Url" not in response.headers


def test_back_button_restore_gets_the_whole_page(seeded):
    response = seeded["client"].get("/orders?tab=abnormal", headers={**LIST, "HX-History-Restore-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" in html and html.count('class="order-card') == 1


def test_filters_compose_in_the_url(seeded):
    html = seeded["client"].get(f"/orders?shop={seeded['shop'].id}&title=收纳&tab=to_ship").get_data(as_text=True)
    assert html.count('class="order-card') == 1 and "3256650000000000102" in html
    assert _tab_counts(html)["all"] == 1  # counts follow the search
    tab_link = re.search(r'href="([^"]+)"[^>]*data-tab="to_purchase"', html).group(1)
    assert "title=%E6%94%B6%E7%BA%B3" in tab_link and "tab=to_purchase" in tab_link


def test_paging_in_sql(signed_in):
    with db.connection_context():
        shop = make_shop()
        for _ in range(25):
            make_order(shop)
    html = signed_in.get("/orders?page=3").get_data(as_text=True)
    assert html.count('class="order-card') == 5 and "共 25 条" in html and "10条/页" in html
    assert signed_in.get("/orders?per_page=20&page=2").get_data(as_text=True).count('class="order-card') == 5


@pytest.mark.parametrize("query,field,message", [
    ("tid=3256abc", "tid", "订单编号只能是数字"),
    ("created_from=2026-11-20T10:00&created_to=2026-11-19T10:00", "created_to", "结束时间不能早于开始时间"),
    ("flag=9", "flag", "旗帜颜色只能选择 灰、红、黄、绿、蓝、紫"),
    ("title=" + "长" * 61, "title", "商品标题最多 60 个字符"),
])
def test_bad_search_is_refused_next_to_the_field(seeded, query, field, message):
    for headers in ({}, LIST):
        response = seeded["client"].get(f"/orders?{query}", headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert message in html and 'class="field-error" role="alert"' in html
        assert 'class="order-card' not in html and "搜索条件有误" in html
        assert "HX-Push-Url" not in response.headers
        assert re.search(rf'class="input invalid"[^>]*name="{field}"', html)  # the field itself is marked


def test_bad_search_keeps_what_was_typed(seeded):
    html = seeded["client"].get("/orders?tid=3256abc&title=杯").get_data(as_text=True)
    assert 'value="3256abc"' in html and 'value="杯"' in html


# -- 忽略订单 ---------------------------------------------------------------------------------------------

def test_ignore_and_unignore(seeded):
    client, order = seeded["client"], seeded["to_buy"]
    response = post(client, "/orders/ignore", {"ids": str(order.id), "ignored": "1"}, token_page="/orders")
    assert response.status_code == 200 and "已忽略 1 个订单" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == '{"orders-changed": true}'
    assert _order(order.id).ignored
    ignored_view = client.get("/orders?show=ignored").get_data(as_text=True)
    assert ignored_view.count('class="order-card') == 1 and "取消忽略" in ignored_view
    post(client, "/orders/ignore", {"ids": str(order.id), "ignored": "0"}, token_page="/orders")
    assert not _order(order.id).ignored


def test_ignore_needs_a_selection(seeded):
    response = post(seeded["client"], "/orders/ignore", {"ignored": "1"}, token_page="/orders")
    assert response.status_code == 400 and "请先勾选订单" in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#order-message"
    assert post(seeded["client"], "/orders/ignore", {"ids": "x"}, token_page="/orders").status_code == 400


def test_post_without_csrf_is_refused(seeded):
    response = seeded["client"].post("/orders/ignore", data={"ids": str(seeded["to_buy"].id)})
    assert response.status_code == 400 and not _order(seeded["to_buy"].id).ignored


# -- 标记 -----------------------------------------------------------------------------------------------

def test_mark_dialog_and_marking(seeded):
    client, order = seeded["client"], seeded["to_buy"]
    form = client.get(f"/orders/mark?ids={order.id}").get_data(as_text=True)
    assert "标记类型：" in form and "找不到货源" in form and "亏钱" in form and "备注：" in form
    response = post(client, "/orders/mark", {"ids": str(order.id), "kind": "loss", "note": "运费太贵"},
                    token_page="/orders")
    assert response.status_code == 200 and "标记为“亏钱”" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == '{"close-dialog": true, "orders-changed": true}'
    assert (_order(order.id).abnormal, _order(order.id).mark_note) == ("loss", "运费太贵")
    assert _tab_counts(client.get("/orders").get_data(as_text=True))["abnormal"] == 2


def test_mark_as_normal_leaves_abnormal(seeded):
    client, odd = seeded["client"], seeded["odd"]
    form = client.get(f"/orders/mark?ids={odd.id}").get_data(as_text=True)
    assert 'value="out_of_stock" checked' in form and "上家缺货" in form  # opens with the current mark
    post(client, "/orders/mark", {"ids": str(odd.id), "kind": ""}, token_page="/orders")
    assert _order(odd.id).abnormal == ""


def test_bulk_mark_of_ticked_orders(seeded):
    ids = [seeded["to_buy"].id, seeded["bought"].id]
    form = seeded["client"].get("/orders/mark?" + "&".join(f"ids={i}" for i in ids)).get_data(as_text=True)
    assert "已选 2 个订单" in form
    post(seeded["client"], "/orders/mark", {"ids": [str(i) for i in ids], "kind": "no_source"}, token_page="/orders")
    assert {_order(i).abnormal for i in ids} == {"no_source"}


def test_bad_mark_changes_nothing(seeded):
    order = seeded["odd"]
    response = post(seeded["client"], "/orders/mark", {"ids": str(order.id), "kind": "lost", "note": ""},
                    token_page="/orders")
    assert response.status_code == 400 and "请选择标记类型" in response.get_data(as_text=True)
    response = post(seeded["client"], "/orders/mark", {"ids": str(order.id), "kind": "loss", "note": "长" * 301},
                    token_page="/orders")
    assert response.status_code == 400 and "备注最多 300 个字" in response.get_data(as_text=True)
    assert (_order(order.id).abnormal, _order(order.id).mark_note) == ("out_of_stock", "上家缺货")
    empty = seeded["client"].get("/orders/mark")
    assert empty.status_code == 400 and "请先勾选订单" in empty.get_data(as_text=True)


# -- 备注 -----------------------------------------------------------------------------------------------

def test_memo_is_saved_pushed_and_shown_synced(seeded, monkeypatch):
    backend = fake_shops(monkeypatch)
    client, order = seeded["client"], seeded["bought"]
    form = client.get(f"/orders/{order.id}/memo").get_data(as_text=True)
    assert "旗帜颜色：" in form and "紫色" in form and "最多 1000 字节" in form
    response = post(client, f"/orders/{order.id}/memo", {"memo": "已拍 周五发", "flag": "2"}, token_page="/orders")
    assert response.status_code == 200 and "备注已保存" in response.get_data(as_text=True)
    assert "jobs-changed" in response.headers["HX-Trigger"] and "close-dialog" in response.headers["HX-Trigger"]
    assert backend.memos[order.tid].text == "已拍 周五发" and backend.memos[order.tid].flag == 2
    saved = _order(order.id)
    assert (saved.seller_memo, saved.seller_flag, saved.memo_state) == ("已拍 周五发", 2, "synced")
    state = client.get(f"/orders/{order.id}/memo-state").get_data(as_text=True)
    assert "已同步" in state and "hx-trigger" not in state  # stops polling once settled
    assert "已同步" in client.get("/orders").get_data(as_text=True)


def test_memo_sync_failure_is_shown_with_the_reason(seeded, monkeypatch):
    from dropship.platforms.base import LoginRequired

    backend = fake_shops(monkeypatch)
    backend.refuse(seeded["shop"], LoginRequired("店铺登录已失效"))
    order = seeded["bought"]
    post(seeded["client"], f"/orders/{order.id}/memo", {"memo": "备注", "flag": "1"}, token_page="/orders")
    html = seeded["client"].get("/orders").get_data(as_text=True)
    assert "同步失败" in html and "店铺登录已失效" in html


@pytest.mark.parametrize("form,message", [
    ({"memo": "备" * 7000, "flag": "1"}, "备注最多 1000 字节（一个汉字占 2 字节），当前 14000 字节"),
    ({"memo": "好", "flag": "8"}, "旗帜颜色只能选择"),
])
def test_bad_memo_is_refused_and_nothing_changes(seeded, monkeypatch, form, message):
    backend = fake_shops(monkeypatch)
    order = seeded["bought"]
    response = post(seeded["client"], f"/orders/{order.id}/memo", form, token_page="/orders")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'class="field-error"' in html
    assert (_order(order.id).seller_memo, _order(order.id).memo_state) == ("", "")
    assert backend.calls == []
    with db.connection_context():
        assert not Job.select().where(Job.kind == "push_memo").exists()


def test_memo_of_a_missing_order_is_404(seeded):
    assert seeded["client"].get("/orders/999/memo").status_code == 404


# -- 修改地址信息 -----------------------------------------------------------------------------------------

def test_address_edit(seeded):
    client, order = seeded["client"], seeded["to_buy"]
    form = client.get(f"/orders/{order.id}/address").get_data(as_text=True)
    assert "收货人姓名" in form and "详细地址" in form
    bad = {"name": "李四", "phone": "12345", "province": "浙江省", "city": "杭州市", "address": "文三路 1 号"}
    response = post(client, f"/orders/{order.id}/address", bad, token_page="/orders")
    assert response.status_code == 400 and "请输入正确的手机号" in response.get_data(as_text=True)
    assert _order(order.id).address_state == "masked"
    response = post(client, f"/orders/{order.id}/address", {**bad, "phone": "13912345678"}, token_page="/orders")
    assert response.status_code == 200 and "收货地址已修改" in response.get_data(as_text=True)
    assert _order(order.id).address_state == "manual"
    html = client.get("/orders?receiver_phone=13912345678").get_data(as_text=True)
    assert html.count('class="order-card') == 1 and "李四 13912345678" in html and "手动修改" in html


# -- 同步状态 / 批量同步 --------------------------------------------------------------------------------------

def test_sync_state_starts_a_job(seeded, monkeypatch):
    backend = fake_shops(monkeypatch)
    order = seeded["bought"]
    with db.connection_context():
        backend.serve(Order.get_by_id(order.id), status="shipped")
    response = post(seeded["client"], f"/orders/{order.id}/sync", token_page="/orders")
    assert response.status_code == 200 and "正在同步订单" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == '{"jobs-changed": true}'
    assert _order(order.id).status == "shipped"


def test_batch_sync_dialog_lists_shops_and_only_logged_in_ones_can_be_ticked(seeded):
    with db.connection_context():
        make_shop("掉线的店", login_state="expired")
    html = seeded["client"].get("/orders/batch-sync").get_data(as_text=True)
    assert "好物小店" in html and "掉线的店" in html and "登录失效" in html
    assert re.search(r'value="\d+"\s+disabled>\s*淘宝 掉线的店', html)
    assert re.search(r'value="\d+" checked\s*>\s*淘宝 好物小店', html)
    assert "最近 7 天" in html and "开始同步" in html


def test_batch_sync_refuses_bad_choices(seeded, monkeypatch):
    backend = fake_shops(monkeypatch)
    with db.connection_context():
        offline = make_shop("掉线的店", login_state="expired")
    client = seeded["client"]
    response = post(client, "/orders/batch-sync", {"tab": "all", "days": "7"}, token_page="/orders")
    assert response.status_code == 400 and "请勾选要同步的店铺" in response.get_data(as_text=True)
    response = post(client, "/orders/batch-sync", {"shops": str(offline.id), "tab": "all", "days": "7"},
                    token_page="/orders")
    assert response.status_code == 400 and "只能同步已登录的店铺" in response.get_data(as_text=True)
    assert backend.calls == []


def test_batch_sync_runs_over_the_chosen_shops(seeded, monkeypatch):
    backend = fake_shops(monkeypatch)
    with db.connection_context():
        for order in Order.select():
            backend.serve(order, status="finished")
    response = post(seeded["client"], "/orders/batch-sync",
                    {"shops": str(seeded["shop"].id), "tab": "all", "days": "30"}, token_page="/orders")
    assert response.status_code == 200 and "批量同步已开始" in response.get_data(as_text=True)
    with db.connection_context():
        job = Job.get(Job.kind == "batch_sync")
        assert job.state == "done" and job.message == "已同步 3 个订单"
        assert Order.select().where(Order.status == "finished").count() == 3


def test_batch_sync_of_ticked_orders(seeded, monkeypatch):
    fake_shops(monkeypatch)
    order = seeded["odd"]
    form = seeded["client"].get(f"/orders/batch-sync?ids={order.id}").get_data(as_text=True)
    assert "同步选中的 1 个订单" in form
    post(seeded["client"], "/orders/batch-sync", {"ids": str(order.id), "shops": str(seeded["shop"].id),
                                                  "tab": "all", "days": "7"}, token_page="/orders")
    with db.connection_context():
        assert Job.get(Job.kind == "batch_sync").args["order_ids"] == [order.id]


# -- 导出订单 -------------------------------------------------------------------------------------------

def test_export_is_a_job_that_offers_the_current_search_as_xlsx(seeded):
    client = seeded["client"]
    response = post(client, "/orders/export", {"tab": "to_purchase"}, token_page="/orders")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "jobs-changed"
    with db.connection_context():
        job = Job.get(Job.kind == "export_orders")
    assert job.state == "done" and job.args == {"search": {"tab": "to_purchase"}} and "已导出 2 个订单" in job.message
    assert f"/orders/export/{job.id}.xlsx" in html and "下载" in html
    download = client.get(f"/orders/export/{job.id}.xlsx")
    assert download.status_code == 200
    assert download.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = download.headers["Content-Disposition"]
    assert unquote(disposition.split("UTF-8''")[1]).startswith("订单导出-")
    sheet = load_workbook(io.BytesIO(download.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("订单编号", "店铺名称") and {r[0] for r in rows[1:]} == {
        "3256650000000000101", "3256650000000000103"}
    download.close()
    assert client.get("/orders/export/999.xlsx").status_code == 404


def test_export_refuses_a_bad_search(seeded):
    response = post(seeded["client"], "/orders/export", {"created_from": "2026-11-20", "created_to": "2026-11-01"},
                    token_page="/orders")
    assert response.status_code == 400 and "结束时间不能早于开始时间" in response.get_data(as_text=True)
    with db.connection_context():
        assert not Job.select().where(Job.kind == "export_orders").exists()


# -- permissions --------------------------------------------------------------------------------------

def test_an_employee_who_may_only_look_sees_no_action_buttons(seeded):
    client = seeded["client"]
    become_employee(client, ["orders"], shops=[seeded["shop"]])
    html = client.get("/orders").get_data(as_text=True)
    assert html.count('class="order-card') == 3
    for label in ("忽略订单</button>", ">标记</button>", ">备注</button>", "同步状态</button>", "导出订单</button>",
                  "批量同步</button>"):
        assert label not in html, label
    order = seeded["to_buy"]
    assert post(client, "/orders/ignore", {"ids": str(order.id)}, token_page="/orders").status_code == 403
    assert post(client, "/orders/export", {}, token_page="/orders").status_code == 403
    assert post(client, f"/orders/{order.id}/sync", token_page="/orders").status_code == 403
    assert not _order(order.id).ignored


def test_an_employee_granted_edit_may_ignore(seeded):
    client = seeded["client"]
    become_employee(client, ["orders", "orders.edit"], shops=[seeded["shop"]])
    order = seeded["to_buy"]
    assert post(client, "/orders/ignore", {"ids": str(order.id)}, token_page="/orders").status_code == 200
    assert _order(order.id).ignored


# -- 成交时间: the last 15 days by default, 清空 for every order ------------------------------------------

@pytest.fixture
def aged(signed_in):
    """Two orders of this week and one of last month (shipped)."""
    now = datetime.now()
    with db.connection_context():
        shop = make_shop()
        make_order(shop, tid="3256650000000000201", created_at=now - timedelta(days=1))
        make_order(shop, tid="3256650000000000202", created_at=now - timedelta(days=3))
        make_order(shop, tid="3256650000000000203", status="shipped", created_at=now - timedelta(days=30))
    return signed_in


def test_the_list_shows_the_last_15_days_by_default_with_the_range_filled_in(aged):
    html = aged.get("/orders").get_data(as_text=True)
    assert _tab_counts(html)["all"] == 2 and _tab_counts(html)["shipped"] == 0
    assert "3256650000000000203" not in html
    start = (datetime.now() - timedelta(days=15)).strftime("%Y-%m-%d")
    assert re.search(rf'name="created_from" type="datetime-local" step="1" value="{start}T\d\d:\d\d"', html)
    # a link built from the default view keeps meaning "the last 15 days"
    response = aged.get("/orders?tab=to_purchase", headers=LIST)
    assert "created_from" not in response.headers["HX-Push-Url"]


def test_clear_shows_every_order_and_the_tabs_and_links_follow(aged):
    response = aged.get("/orders?created_from=2026-01-01T00:00&created_clear=1", headers=LIST)
    html = response.get_data(as_text=True)
    assert _tab_counts(html)["all"] == 3 and _tab_counts(html)["shipped"] == 1
    assert "3256650000000000203" in html
    assert response.headers["HX-Push-Url"] == "/orders?created_from="
    shipped = aged.get("/orders?created_from=&tab=shipped").get_data(as_text=True)  # the pushed URL, one tab on
    assert _tab_counts(shipped)["shipped"] == 1, _tab_counts(shipped)
    assert "3256650000000000203" in shipped
    assert 'href="/orders?created_from="' in shipped and 'href="/orders?created_from=&amp;tab=to_purchase"' in shipped


def test_an_empty_default_window_says_how_to_see_older_orders(signed_in):
    with db.connection_context():
        make_order(make_shop(), created_at=datetime.now() - timedelta(days=20))
    assert "近 15 天没有订单（点成交时间旁的“清空”查看全部订单）" in signed_in.get("/orders").get_data(as_text=True)


def test_a_bookmark_with_explicit_dates_still_shows_that_range(aged):
    day = (datetime.now() - timedelta(days=30)).strftime("%Y-%m-%d")
    html = aged.get(f"/orders?created_from={day}&created_to={day}").get_data(as_text=True)
    assert _tab_counts(html)["all"] == 1 and "3256650000000000203" in html


def test_title_search_says_what_a_short_search_reads_and_finds_by_the_index(seeded):
    client = seeded["client"]
    html = client.get("/orders").get_data(as_text=True)
    assert 'title="输入 3 个字及以上搜索全部订单；1–2 个字只搜索最近 20000 个订单的商品标题"' in html
    assert client.get("/orders?title=收纳盒", headers=LIST).get_data(as_text=True).count('class="order-card') == 1
    assert client.get("/orders?title=杯", headers=LIST).get_data(as_text=True).count('class="order-card') == 2
    assert client.get("/orders?title=保温杯盖", headers=LIST).get_data(as_text=True).count('class="order-card') == 0
