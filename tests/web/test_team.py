"""账号管理 over HTTP: 新增员工账号, the list, 权限管理, 授权店铺 / 授权采购号, 修改密码, 删除, 操作日志."""
import re

import lxml.html
import pytest

from dropship.db import db
from dropship.models import AccountGrant, AuditEntry, ShopGrant, User
from dropship.services import team
from tests.helpers import MAIN_PHONE, csrf, login, post
from tests.orders_factory import make_account, make_shop

PAGE = "/team"
STAFF = f"{MAIN_PHONE}:01"


def _post(client, url, data=None):
    return post(client, url, data or {}, token_page=PAGE)


def _add(client, suffix="01", password="staff-pass-1"):
    return _post(client, PAGE, {"suffix": suffix, "password": password})


def _staff() -> User:
    with db.connection_context():
        return User.get(User.username == STAFF)


def _rows(html: str) -> list[list[str]]:
    doc = lxml.html.fromstring(html)
    return [[" ".join(td.text_content().split()) for td in tr.xpath("td")] for tr in doc.xpath("//tr[@data-staff]")]


def test_the_page_shows_the_manuals_columns_and_the_fixed_main_part(signed_in):
    html = signed_in.get(PAGE).get_data(as_text=True)
    for label in ["新增员工账号", "序号", "员工账号", "授权店铺", "授权采购号", "创建时间", "最近登录", "操作", "账号密码",
                  "操作日志"]:
        assert label in html
    assert f'data-testid="owner-part">{MAIN_PHONE}:</span>' in html


def test_adding_an_employee_lists_it_with_zero_grants_and_the_manuals_actions(signed_in):
    response = _add(signed_in)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "close-dialog"
    [row] = _rows(response.get_data(as_text=True))
    assert row[:4] == ["1", STAFF, "0", "0"] and row[5] == ""
    assert row[6] == "权限管理 授权店铺 授权采购号 修改密码 删除"
    assert _staff().permissions == team.DEFAULT_PERMISSIONS


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"suffix": "", "password": "staff-pass-1"}, "suffix", "请输入员工账号"),
    ({"suffix": "abc", "password": "staff-pass-1"}, "suffix", "员工账号为主账号加两位数字"),
    ({"suffix": "01", "password": "12"}, "password", "密码至少 6 位"),
])
def test_bad_input_comes_back_beside_its_field_and_adds_nobody(signed_in, data, field, message):
    response = _post(signed_in, PAGE, data)
    assert response.status_code == 400
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [error] = doc.xpath(f"//input[@name='{field}']/ancestor::div[@class='field']//div[@class='field-error']")
    assert message in error.text_content()
    with db.connection_context():
        assert User.select().count() == 1


def test_a_taken_suffix_is_refused(signed_in):
    _add(signed_in)
    response = _add(signed_in, password="other-pass-2")
    assert response.status_code == 400 and "该员工账号已存在" in response.get_data(as_text=True)


def test_permissions_dialog_shows_the_tree_and_saving_changes_what_the_employee_may_open(client, signed_in):
    _add(signed_in)
    staff = _staff()
    html = signed_in.get(f"{PAGE}/{staff.id}/permissions").get_data(as_text=True)
    doc = lxml.html.fromstring(html)
    ticked = doc.xpath("//input[@name='codes' and @checked]/@value")
    assert ticked == team.DEFAULT_PERMISSIONS
    assert doc.xpath("//input[@value='orders.export']/@data-parent") == ["orders"]
    assert "导出订单" in html and "新增" in html  # a node the manual lacks, marked as ours
    response = _post(signed_in, f"{PAGE}/{staff.id}/permissions", {"codes": ["stats.daily", "verify"]})
    assert response.status_code == 200
    assert _staff().permissions == ["stats", "stats.daily", "verify"]
    # the employee, signed in elsewhere, feels it at once
    other = signed_in.application.test_client()
    assert login(other, STAFF, "staff-pass-1").status_code == 302
    assert other.get("/stats").status_code == 200 and other.get("/orders").status_code == 403
    _post(signed_in, f"{PAGE}/{staff.id}/permissions", {"codes": ["orders"]})
    assert other.get("/stats").status_code == 403 and other.get("/orders").status_code == 200


def test_grant_dialogs_add_and_remove_and_the_list_counts_follow(signed_in):
    with db.connection_context():
        east, west = make_shop("东店"), make_shop("西店")
        account = make_account("13800000001")
    _add(signed_in)
    staff = _staff()
    dialog = signed_in.get(f"{PAGE}/{staff.id}/grants/shops").get_data(as_text=True)
    assert "东店" in dialog and "西店" in dialog and dialog.count(">添加<") == 2
    response = _post(signed_in, f"{PAGE}/{staff.id}/grants/shops", {"target_id": str(east.id), "granted": "1"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "team-changed"
    answer = response.get_data(as_text=True)
    assert "已添加：东店" in answer and answer.count(">移除<") == 1
    _post(signed_in, f"{PAGE}/{staff.id}/grants/accounts", {"target_id": str(account.id), "granted": "1"})
    [row] = _rows(signed_in.get(f"{PAGE}/table").get_data(as_text=True))
    assert row[2:4] == ["1", "1"]
    _post(signed_in, f"{PAGE}/{staff.id}/grants/shops", {"target_id": str(east.id), "granted": "0"})
    with db.connection_context():
        assert ShopGrant.select().count() == 0 and AccountGrant.select().count() == 1
    for data in ({"target_id": "999", "granted": "1"}, {"target_id": "x", "granted": "1"}):
        assert _post(signed_in, f"{PAGE}/{staff.id}/grants/shops", data).status_code == 404
    assert signed_in.get(f"{PAGE}/{staff.id}/grants/orders").status_code == 404
    assert signed_in.get(f"{PAGE}/{west.id + 100}/grants/shops").status_code == 404


def test_the_main_account_sets_an_employees_password_and_their_sessions_end(signed_in):
    _add(signed_in)
    staff = _staff()
    other = signed_in.application.test_client()
    login(other, STAFF, "staff-pass-1")
    assert other.get("/orders").status_code == 200
    bad = _post(signed_in, f"{PAGE}/{staff.id}/password", {"password": "new-pass-1", "confirm": "nope"})
    assert bad.status_code == 400 and "两次输入的密码不一致" in bad.get_data(as_text=True)
    assert other.get("/orders").status_code == 200
    good = _post(signed_in, f"{PAGE}/{staff.id}/password", {"password": "new-pass-1", "confirm": "new-pass-1"})
    assert good.status_code == 200 and "密码已修改" in good.get_data(as_text=True)
    assert other.get("/orders").status_code == 302  # signed out
    assert login(other, STAFF, "staff-pass-1").status_code == 401
    assert login(other, STAFF, "new-pass-1").status_code == 302


def test_deleting_an_employee_signs_them_out_at_once(signed_in):
    _add(signed_in)
    staff = _staff()
    other = signed_in.application.test_client()
    login(other, STAFF, "staff-pass-1")
    response = _post(signed_in, f"{PAGE}/{staff.id}/delete")
    assert response.status_code == 200 and _rows(response.get_data(as_text=True)) == []
    assert other.get("/orders").status_code == 302
    htmx = other.get("/jobs/panel", headers={"HX-Request": "true"})
    assert htmx.status_code == 401
    assert _post(signed_in, f"{PAGE}/{staff.id}/delete").status_code == 404


def test_the_log_lists_who_did_what_newest_first(signed_in):
    _add(signed_in)
    staff = _staff()
    _post(signed_in, f"{PAGE}/{staff.id}/permissions", {"codes": ["orders.export"]})
    _post(signed_in, f"{PAGE}/{staff.id}/delete")
    doc = lxml.html.fromstring(signed_in.get(f"{PAGE}?tab=log").get_data(as_text=True))
    rows = [[td.text_content().strip() for td in tr.xpath("td")][1:] for tr in doc.xpath("//table//tbody/tr")]
    assert rows == [[MAIN_PHONE, "删除员工账号", STAFF, ""], [MAIN_PHONE, "权限管理", STAFF, "订单管理、导出订单"],
                    [MAIN_PHONE, "新增员工账号", STAFF, ""]]
    with db.connection_context():
        assert AuditEntry.select().count() == 3


def test_an_employee_cannot_reach_team_management(signed_in):
    _add(signed_in)
    staff = _staff()
    _post(signed_in, f"{PAGE}/{staff.id}/permissions", {"codes": sorted(team.ALL_CODES)})
    signed_in.post("/logout", headers={"X-CSRFToken": csrf(signed_in, "/")})
    login(signed_in, STAFF, "staff-pass-1")
    assert signed_in.get(PAGE).status_code == 403
    token = csrf(signed_in, "/orders")
    response = signed_in.post(f"{PAGE}/{staff.id}/permissions", data={"codes": "main"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403
    assert re.search("账号管理", signed_in.get("/orders").get_data(as_text=True)) is None  # not in the menu


def test_every_control_of_the_page_and_its_dialogs_does_something(signed_in):
    from tests.web.test_pages import Page

    with db.connection_context():
        make_shop("东店")
        make_account("13800000001")
    _add(signed_in)
    staff = _staff()
    app = signed_in.application
    for path in (PAGE, f"{PAGE}?tab=log", f"{PAGE}/{staff.id}/permissions", f"{PAGE}/{staff.id}/grants/shops",
                 f"{PAGE}/{staff.id}/grants/accounts", f"{PAGE}/{staff.id}/password"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert Page(app, response.get_data(as_text=True), path).idle_controls() == [], path
