"""采购账号 over HTTP: tabs, columns, the 启用 switch, 删除账号, paging, employee scope, secrets, import."""
import re

import pytest

from dropship.db import db
from dropship.models import AccountGrant, PurchaseAccount
from dropship.services import accounts as service
from tests.helpers import become_employee, post

PAGE = "/accounts"


def _make(login: str, platform: str = "taobao", **fields) -> PurchaseAccount:
    with db.connection_context():
        return PurchaseAccount.create(platform=platform, login=login, nick=login, **{"password": "secret-pw-1", **fields})


def _logins() -> set[str]:
    with db.connection_context():
        return {a.login for a in PurchaseAccount.select()}


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-account-id="\d+">(.*?)</tr>', html, re.S)


def test_tabs_split_the_platforms_and_show_every_column(signed_in):
    _make("tb_buyer_1", online=True)
    _make("ali_buyer", platform="alibaba1688")
    _make("13900000001", platform="pdd", password=None, token="PDDTOKEN0123456789ABCDEFXYZ")
    html = signed_in.get(PAGE).get_data(as_text=True)
    for column in ("序号", "账号名称", "昵称", "购买单数", "账号标签", "状态", "启用", "创建时间", "平台", "备注",
                   "最后授权时间", "操作", "全选", "添加淘宝账号", "批量导入账号", "删除账号", "10条/页"):
        assert column in html, column
    assert len(_rows(html)) == 2 and "tb_buyer_1" in html and "1688" in html and "13900000001" not in html
    assert "在线" in _rows(html)[1] and "掉线" in _rows(html)[0]  # newest first: 1688 (掉线), then 淘宝 (在线)
    assert "secret-pw-1" not in html
    pdd = signed_in.get(PAGE + "?tab=pdd").get_data(as_text=True)
    assert len(_rows(pdd)) == 1 and "添加拼多多账号" in pdd and "备注 / Token" in pdd
    assert "PDDT****XYZ" not in pdd and "PDDT****FXYZ" in pdd and "PDDTOKEN0123456789" not in pdd


def test_the_enable_switch_is_a_real_post_and_only_enabled_online_accounts_are_usable(signed_in):
    account, other = _make("tb_switch", online=True), _make("tb_other_row")
    # htmx posts the whole table form: the other row's ticked switch comes along and must not count
    response = post(signed_in, f"{PAGE}/{account.id}/enabled", {f"enabled-{other.id}": "1"}, token_page=PAGE)
    assert response.status_code == 200 and "已停用" in response.get_data(as_text=True)
    with db.connection_context():
        row = PurchaseAccount.get_by_id(account.id)
        assert row.enabled is False and not service.is_usable(row)
        assert list(service.usable(service.Scope.everything())) == []
    post(signed_in, f"{PAGE}/{account.id}/enabled", {f"enabled-{account.id}": "1"}, token_page=PAGE)
    with db.connection_context():
        assert [a.login for a in service.usable(service.Scope.everything())] == ["tb_switch"]
        PurchaseAccount.update(online=False).execute()
        assert list(service.usable(service.Scope.everything())) == []  # 掉线 is not usable either


def test_delete_needs_a_selection_and_removes_only_the_ticked(signed_in):
    first, second = _make("tb_del_1"), _make("tb_del_2")
    response = post(signed_in, f"{PAGE}/delete", {}, token_page=PAGE)
    assert response.status_code == 400 and "请先勾选要删除的账号" in response.get_data(as_text=True)
    response = post(signed_in, f"{PAGE}/delete", {"account_ids": str(first.id)}, token_page=PAGE)
    assert response.status_code == 200 and "已删除 1 个账号" in response.get_data(as_text=True)
    assert _logins() == {"tb_del_2"} and second.id


def test_ten_per_page_in_sql(signed_in):
    for n in range(23):
        _make(f"tb_page_{n:02d}")
    first = signed_in.get(PAGE).get_data(as_text=True)
    third = signed_in.get(PAGE + "?page=3").get_data(as_text=True)
    assert len(_rows(first)) == 10 and "共 23 条" in first and "tb_page_22" in first
    assert len(_rows(third)) == 3 and "tb_page_00" in third and ">21<" in third  # 序号 runs on across pages


def test_an_employee_sees_and_touches_only_granted_accounts(signed_in):
    granted, other = _make("tb_granted", online=True), _make("tb_other", online=True)
    become_employee(signed_in, ["accounts", "accounts.delete", "accounts.authorize", "accounts.enable"], accounts=(granted.id,))
    html = signed_in.get(PAGE).get_data(as_text=True)
    assert "tb_granted" in html and "tb_other" not in html
    assert post(signed_in, f"{PAGE}/{other.id}/enabled", {}, token_page=PAGE).status_code == 404
    post(signed_in, f"{PAGE}/delete", {"account_ids": [str(granted.id), str(other.id)]}, token_page=PAGE)
    assert _logins() == {"tb_other"}
    with db.connection_context():
        assert PurchaseAccount.get(PurchaseAccount.login == "tb_other").enabled is True
        assert AccountGrant.select().count() == 0


def test_employee_notice_counts_only_granted_dropped_accounts(signed_in):
    from datetime import datetime

    mine = _make("tb_mine", last_authorized_at=datetime.now())
    _make("tb_theirs", last_authorized_at=datetime.now())
    _make("tb_never_authorized")
    _make("tb_off_and_disabled", enabled=False, last_authorized_at=datetime.now())
    assert signed_in.get(PAGE + "/notice").get_data(as_text=True) == "2"
    assert "采购账号登录确认" in signed_in.get("/verify").get_data(as_text=True)
    become_employee(signed_in, ["accounts", "verify"], accounts=(mine.id,))
    assert signed_in.get(PAGE + "/notice").get_data(as_text=True) == "1"


@pytest.mark.parametrize("form,field,message", [
    ({"platform": "taobao", "login": "", "password": "x", "tag": "permanent"}, "login", "请输入账号"),
    ({"platform": "taobao", "login": "tb_x", "password": "", "tag": "permanent"}, "password", "请输入密码"),
    ({"platform": "pdd", "login": "tb_x", "password": "x", "tag": "permanent"}, "platform", "请选择平台"),
    ({"platform": "taobao", "login": "tb_x", "password": "x", "tag": "forever"}, "tag", "请选择账号类型"),
    ({"platform": "taobao", "login": "tb_dup", "password": "x", "tag": "permanent"}, "login", "已经添加过了"),
])
def test_add_refuses_bad_input_beside_the_field_and_never_echoes_the_password(signed_in, form, field, message):
    _make("tb_dup")
    response = post(signed_in, PAGE, {**form, "password": form["password"] and "hunter2-secret"}, token_page=PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'class="field-error"' in html
    assert "hunter2-secret" not in html
    assert _logins() == {"tb_dup"}


def test_pdd_dialog_refuses_a_bad_phone_and_a_bad_token(signed_in):
    response = post(signed_in, PAGE + "/pdd", {"phone": "1234", "token": "short", "tag": "permanent"}, token_page=PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "请输入 11 位手机号" in html and "Token 格式不正确" in html
    assert _logins() == set()


def test_taobao_import_reports_every_line_and_imports_only_good_ones(signed_in):
    _make("tb_exists")
    lines = "\n".join(["tb_new_1---pw1", "tb_new_2---pw2", "bad line", "tb_exists---pw", "tb_new_1---again",
                       "---nopw", "tb_new_3---pw3"])
    response = post(signed_in, PAGE + "/import?tab=taobao",
                    {"platform": "taobao", "tag": "temporary", "lines": lines}, token_page=PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "导入成功 3 个，失败 4 个" in html
    assert "第 3 行：格式错误：应为 账号---密码" in html and "第 6 行：格式错误：账号和密码都不能为空" in html
    assert "第 4 行 tb_exists：重复：账号已存在" in html and "第 5 行 tb_new_1：重复：与第 1 行账号相同" in html
    assert "pw1" not in html
    with db.connection_context():
        stored = {a.login: (a.platform, a.tag, a.online) for a in PurchaseAccount.select()}
    assert stored == {"tb_exists": ("taobao", "permanent", False), "tb_new_1": ("taobao", "temporary", False),
                      "tb_new_2": ("taobao", "temporary", False), "tb_new_3": ("taobao", "temporary", False)}


def test_import_over_1000_lines_is_refused_whole(signed_in):
    lines = "\n".join(f"tb_many_{n}---pw" for n in range(1001))
    response = post(signed_in, PAGE + "/import?tab=taobao", {"platform": "taobao", "tag": "permanent", "lines": lines},
                    token_page=PAGE)
    assert response.status_code == 400 and "一次最多导入 1000 行，当前 1001 行" in response.get_data(as_text=True)
    assert _logins() == set()


def test_an_employee_sees_the_accounts_they_import(signed_in):
    _make("tb_main_only")
    become_employee(signed_in, ["accounts", "accounts.import"])
    response = post(signed_in, PAGE + "/import?tab=taobao",
                    {"platform": "taobao", "tag": "permanent", "lines": "tb_staff_1---pw\ntb_staff_2---pw"},
                    token_page=PAGE)
    assert "导入成功 2 个，失败 0 个" in response.get_data(as_text=True)
    html = signed_in.get(PAGE).get_data(as_text=True)
    assert "tb_staff_1" in html and "tb_staff_2" in html and "tb_main_only" not in html


def test_the_online_check_skips_disabled_and_offline_accounts(app):
    from datetime import datetime, timedelta

    old = datetime.now() - timedelta(hours=2)
    with db.connection_context():
        for login, fields in (("due", {}), ("fresh", {"checked_at": datetime.now()}), ("off", {"enabled": False}),
                              ("dropped", {"online": False})):
            PurchaseAccount.create(platform="taobao", login=login, online=fields.pop("online", True),
                                   checked_at=fields.pop("checked_at", old), **fields)
        assert [a.login for a in service.due_for_check()] == ["due"]
