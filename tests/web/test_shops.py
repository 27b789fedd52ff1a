"""店铺管理 over HTTP: dialogs refuse bad input by the field with 4xx and change nothing; FAQ 1's pause-first
rule, the ask before pausing every shop, each fetching row's settings, 待下单数, 修改店铺's field order."""
from datetime import datetime, timedelta

import pytest

from dropship.db import db
from dropship.models import Job, Shop
from dropship.services import shops as shops_service
from dropship.services.scope import Scope
from dropship.web import shops as shops_web
from tests.helpers import become_employee, csrf, login, post
from tests.orders_factory import buy, make_order, make_shop


def _shops() -> list[tuple[str, str]]:
    with db.connection_context():
        return [(s.platform, s.login) for s in Shop.select().where(Shop.deleted_at.is_null())]


def _add(client, platform="taobao", login="tb61182597", password="pw-1"):
    return post(client, "/shops", {"platform": platform, "login": login, "password": password}, token_page="/shops")


def test_add_shop_shows_it_in_the_table(signed_in):
    response = _add(signed_in)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "close-dialog"
    assert response.headers["HX-Retarget"] == "#shop-table"
    assert "tb61182597" in html and "未登录" in html and "停止获取" in html
    assert _shops() == [("taobao", "tb61182597")]


@pytest.mark.parametrize("form,status,message", [
    ({"platform": "taobao", "login": "tb61182597", "password": "x"}, 400, "已经添加过了"),
    ({"platform": "taobao", "login": "other", "password": ""}, 400, "请输入登录密码"),
    ({"platform": "jd", "login": "other", "password": "x"}, 400, "请选择店铺平台"),
    ({"platform": "taobao", "login": "x" * 10_240, "password": "x"}, 400, "登录账号最多 64 个字符"),
])
def test_add_shop_bad_input(signed_in, form, status, message):
    _add(signed_in)
    response = post(signed_in, "/shops", form, token_page="/shops")
    html = response.get_data(as_text=True)
    assert response.status_code == status and message in html and 'class="field-error"' in html
    assert _shops() == [("taobao", "tb61182597")]


def test_edit_refuses_renaming_a_main_account(signed_in):
    _add(signed_in, login="黑墨主")
    with db.connection_context():
        shop = Shop.get()
    form = signed_in.get(f"/shops/{shop.id}/edit").get_data(as_text=True)
    assert 'value="黑墨主"' in form and "主账号店铺不支持修改登录账号" in form
    response = post(signed_in, f"/shops/{shop.id}", {"platform": "taobao", "login": "别的", "password": ""},
                    token_page="/shops")
    assert response.status_code == 400 and "主账号店铺不支持修改登录账号" in response.get_data(as_text=True)
    assert _shops() == [("taobao", "黑墨主")]


def test_delete_needs_a_selection_and_keeps_rows(signed_in):
    _add(signed_in)
    assert post(signed_in, "/shops/delete", {}, token_page="/shops").status_code == 400
    with db.connection_context():
        shop = Shop.get()
    response = post(signed_in, "/shops/delete", {"shop_ids": str(shop.id)}, token_page="/shops")
    assert response.status_code == 200 and "已删除 1 个店铺" in response.get_data(as_text=True)
    assert _shops() == []
    with db.connection_context():
        assert Shop.select().count() == 1  # soft delete: its orders stay attached


def test_custom_range_with_end_before_start_is_refused(signed_in):
    _add(signed_in)
    with db.connection_context():
        shop = Shop.get()
    form = {"shop_ids": str(shop.id), "days": "custom", "start": "2026-11-25T10:00", "end": "2026-11-24T10:00"}
    response = post(signed_in, "/shops/fetch/start", form, token_page="/shops")
    assert response.status_code == 400 and "结束时间必须晚于开始时间" in response.get_data(as_text=True)
    with db.connection_context():
        assert Shop.get().fetch_state == "stopped" and Job.select().count() == 0


def test_start_without_selection_and_expired_shop_are_refused(signed_in):
    _add(signed_in)
    response = post(signed_in, "/shops/fetch/start", {"days": "3"}, token_page="/shops")
    assert response.status_code == 400 and "请先勾选" in response.get_data(as_text=True)
    with db.connection_context():
        Shop.update(service_until=datetime.now() - timedelta(minutes=1)).execute()
        shop = Shop.get()
    response = post(signed_in, "/shops/fetch/start", {"days": "3", "shop_ids": str(shop.id)}, token_page="/shops")
    assert response.status_code == 400 and "服务已到期" in response.get_data(as_text=True)
    with db.connection_context():
        assert Job.select().count() == 0


@pytest.fixture
def no_fetch_jobs(monkeypatch):
    """开始获取's queued fetches, recorded instead of run inline (a fetch is a driver test's business)."""
    queued = []
    monkeypatch.setattr(shops_web, "start_unique_job", lambda kind, title, **kw: queued.append(kw["shop_id"]))
    return queued


def _fetching() -> dict[str, str]:
    with db.connection_context():
        return {s.login: s.fetch_state for s in Shop.select()}


def test_pause_with_nothing_ticked_asks_before_pausing_all(signed_in):
    _add(signed_in, login="东店")
    _add(signed_in, login="西店")
    response = post(signed_in, "/shops/fetch/pause", {}, token_page="/shops")
    assert "没有正在获取的店铺" in response.get_data(as_text=True)  # nothing to ask about
    with db.connection_context():
        Shop.update(fetch_state="fetching").execute()
        east = Shop.get(Shop.login == "东店")
    response = post(signed_in, "/shops/fetch/pause", {}, token_page="/shops")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "未勾选店铺：暂停全部正在获取的店铺？" in html
    assert 'role="alertdialog"' in html and 'hx-vals=\'{"all": "1"}\'' in html and "取消" in html
    assert _fetching() == {"东店": "fetching", "西店": "fetching"}  # asking changes nothing

    response = post(signed_in, "/shops/fetch/pause", {"shop_ids": str(east.id)}, token_page="/shops")
    assert "已暂停获取 1 个店铺" in response.get_data(as_text=True)
    assert _fetching() == {"东店": "stopped", "西店": "fetching"}  # only the ticked shop

    response = post(signed_in, "/shops/fetch/pause", {"all": "1"}, token_page="/shops")  # the question's 确定
    assert "已暂停获取 1 个店铺" in response.get_data(as_text=True)
    assert _fetching() == {"东店": "stopped", "西店": "stopped"}


def test_start_while_shops_fetch_is_refused_until_paused(signed_in, no_fetch_jobs):
    """FAQ 1: to fetch other shops mid-fetch, 暂停获取 first, tick again, 开始获取."""
    _add(signed_in, login="东店")
    _add(signed_in, login="西店")
    with db.connection_context():
        east, west = Shop.get(Shop.login == "东店"), Shop.get(Shop.login == "西店")
    assert post(signed_in, "/shops/fetch/start", {"shop_ids": str(east.id), "days": "3"},
                token_page="/shops").status_code == 200
    response = post(signed_in, "/shops/fetch/start", {"shop_ids": [str(east.id), str(west.id)], "days": "7"},
                    token_page="/shops")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "有店铺正在获取订单" in html
    assert "先点“暂停获取”，重新勾选店铺，再点“开始获取”" in html
    assert _fetching() == {"东店": "fetching", "西店": "stopped"} and no_fetch_jobs == [east.id]
    with db.connection_context():
        assert Shop.get_by_id(east.id).fetch_days == 3  # its options are not changed behind its back
    post(signed_in, "/shops/fetch/pause", {"all": "1"}, token_page="/shops")
    response = post(signed_in, "/shops/fetch/start", {"shop_ids": [str(east.id), str(west.id)], "days": "7"},
                    token_page="/shops")
    assert response.status_code == 200 and "已开始获取 2 个店铺" in response.get_data(as_text=True)
    assert "先点“暂停获取”" in signed_in.get("/shops").get_data(as_text=True)  # the page says the rule


def _row(html: str, login: str) -> str:
    return next(row for row in html.split("<tr data-shop-id")[1:] if f"选择 {login}" in row)


def test_each_fetching_row_shows_its_own_settings(signed_in, no_fetch_jobs):
    """Two people start two shops with different options; each 正在获取 row shows its own."""
    _add(signed_in, login="东店")
    _add(signed_in, login="西店")
    with db.connection_context():
        east, west = Shop.get(Shop.login == "东店"), Shop.get(Shop.login == "西店")
    post(signed_in, "/shops/fetch/start", {"shop_ids": str(east.id), "days": "7", "auto_login": "1",
                                           "auto_sync_deleted_address": "1", "auto_ship": "1"}, token_page="/shops")
    become_employee(signed_in, ["shops", "shops.fetch"], shops=[west])  # sees 西店 only, so nothing of theirs fetches
    response = post(signed_in, "/shops/fetch/start", {"shop_ids": str(west.id), "days": "custom",
                                                      "start": "2026-11-20T08:00", "end": "2026-11-22T20:30"},
                    token_page="/shops")
    assert response.status_code == 200, response.get_data(as_text=True)
    signed_in.post("/logout", headers={"X-CSRFToken": csrf(signed_in, "/")})
    login(signed_in)
    html = signed_in.get("/shops").get_data(as_text=True)
    assert ("时间段：7天 · 店铺筛选自动登录：开 · 删除地址自动同步：开 · 自动发货：开"
            in " ".join(_row(html, "东店").split()))
    assert ("时间段：2026-11-20 08:00 至 2026-11-22 20:30 · 店铺筛选自动登录：关 · 删除地址自动同步：关 · 自动发货：关"
            in " ".join(_row(html, "西店").split()))
    post(signed_in, "/shops/fetch/pause", {"shop_ids": str(east.id)}, token_page="/shops")
    html = signed_in.get("/shops/table").get_data(as_text=True)
    assert "时间段" not in _row(html, "东店") and "时间段" in _row(html, "西店")


def test_to_purchase_count_per_shop(signed_in, monkeypatch):
    """待下单数: the 待采购 tab's orders of each shop (ignored, bought and closed ones left out)."""
    with db.connection_context():
        east, west, quiet = make_shop("东店"), make_shop("西店"), make_shop("空店")
        for _ in range(3):
            make_order(east)
        buy(make_order(east))
        make_order(east, status="closed")
        make_order(east, ignored=True)
        half = make_order(west, items=2)
        buy(half, item_index=(0,))
        make_order(west, status="shipped")
    html = signed_in.get("/shops").get_data(as_text=True)
    counts = {login: _row(html, login).split('data-testid="to-purchase">')[1].split("<")[0]
              for login in ("东店", "西店", "空店")}
    assert counts == {"东店": "3", "西店": "1", "空店": "0"}
    assert ">待下单数</th>" in html

    queries = []
    with db.connection_context():
        real = type(db.obj).execute_sql
        monkeypatch.setattr(type(db.obj), "execute_sql", lambda self, sql, *a, **kw: (queries.append(sql),
                                                                                       real(self, sql, *a, **kw))[1])
        assert shops_service.to_purchase_counts([east.id, west.id, quiet.id], Scope.everything()) == {
            east.id: 3, west.id: 1}
    assert len([q for q in queries if 'FROM "order"' in q]) == 1  # one grouped query, not one per shop
    become_employee(signed_in, ["shops"], shops=[west])
    html = signed_in.get("/shops").get_data(as_text=True)
    assert "东店" not in html and _row(html, "西店").count('data-testid="to-purchase">1<') == 1


def test_edit_dialog_fields_in_the_manuals_order_all_required(signed_in):
    _add(signed_in, login="主号:客服")
    with db.connection_context():
        shop = Shop.get()
    html = signed_in.get(f"/shops/{shop.id}/edit").get_data(as_text=True)
    labels = [html.index(f'<span class="req">*</span>{label}</label>') for label in ("登录账号", "店铺平台", "登录密码")]
    assert labels == sorted(labels)  # 修改店铺: 登录账号, 店铺平台, 登录密码, each marked *
    page = signed_in.get("/shops").get_data(as_text=True)
    add_form = page[page.index('id="add-shop"'):page.index('id="edit-shop"')]
    labels = [add_form.index(f"</span>{label}</label>") for label in ("店铺平台", "登录账号", "登录密码")]
    assert labels == sorted(labels)  # 新增店铺 picks the platform first, as the manual's steps do


def test_a_message_is_outside_the_refreshing_table(signed_in):
    _add(signed_in)
    with db.connection_context():
        Shop.update(fetch_state="fetching").execute()
    response = post(signed_in, "/shops/delete", {}, token_page="/shops")
    html = response.get_data(as_text=True)
    table, message = html.split('<div id="shop-message" hx-swap-oob="true">')
    assert "请先勾选要删除的店铺" in message and 'aria-label="关闭消息"' in message
    assert "请先勾选" not in table and 'hx-trigger="every 3s" hx-target="this"' in table
    refreshed = signed_in.get("/shops/table").get_data(as_text=True)
    assert "shop-message" not in refreshed and "HX-Retarget" not in signed_in.get("/shops/table").headers


def test_export_password_is_checked_before_anything_runs(signed_in):
    _add(signed_in)
    with db.connection_context():
        shop = Shop.get()
    for bad in ("", "12 34", "9" * 40):
        response = post(signed_in, f"/shops/{shop.id}/export", {"password": bad}, token_page="/shops")
        assert response.status_code == 400 and "导出密码" in response.get_data(as_text=True)
    with db.connection_context():
        assert Job.select().count() == 0


def test_unknown_shop_is_404(signed_in):
    assert post(signed_in, "/shops/999/authorize", {}, token_page="/shops").status_code == 404


def test_edit_toggles_the_per_shop_window_switch(signed_in):
    _add(signed_in, login="主号:客服")
    with db.connection_context():
        shop = Shop.get()
    form = {"platform": "taobao", "login": "主号:客服", "password": "", "headed": "1"}
    assert post(signed_in, f"/shops/{shop.id}", form, token_page="/shops").status_code == 200
    with db.connection_context():
        assert Shop.get().headed is True and Shop.get().password == "pw-1"
    assert "有界面" in signed_in.get(f"/shops/{shop.id}/edit").get_data(as_text=True)
