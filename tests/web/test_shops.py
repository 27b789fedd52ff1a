"""店铺管理 over HTTP: dialogs refuse bad input by the field with 4xx and change nothing."""
import pytest

from dropship.db import db
from dropship.models import Job, Shop
from tests.helpers import post


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
        Shop.update(service_until=None).execute()
        shop = Shop.get()
    response = post(signed_in, "/shops/fetch/start", {"days": "3", "shop_ids": str(shop.id)}, token_page="/shops")
    assert response.status_code == 400 and "服务已到期" in response.get_data(as_text=True)
    with db.connection_context():
        assert Job.select().count() == 0


def test_pause_stops_fetching_shops(signed_in):
    _add(signed_in)
    with db.connection_context():
        Shop.update(fetch_state="fetching").execute()
    response = post(signed_in, "/shops/fetch/pause", {}, token_page="/shops")
    assert "已暂停获取 1 个店铺" in response.get_data(as_text=True)
    with db.connection_context():
        assert Shop.get().fetch_state == "stopped"


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
