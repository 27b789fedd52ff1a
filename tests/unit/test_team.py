"""权限管理 and 账号管理's rules: who may do what, employees, grants, the audit log."""
import pytest

from dropship.errors import FieldError
from dropship.models import AccountGrant, AuditEntry, ShopGrant, User, UserSession
from dropship.services import team
from dropship.services.auth import verify_password
from dropship.services.team import ALL_CODES, MAIN_ONLY, SIGNED_IN, can, normalize_grants
from tests.orders_factory import make_account, make_shop, orders_app, orders_db  # noqa: F401


def test_main_account_may_do_everything():
    assert all(can(True, set(), code) for code in ALL_CODES | {MAIN_ONLY, SIGNED_IN})


def test_employee_needs_a_grant_and_never_gets_main_only():
    assert can(False, set(), SIGNED_IN)
    assert not can(False, set(), "orders")
    assert can(False, {"orders"}, "orders")
    assert not can(False, {"orders"}, "orders.purchase")
    assert not can(False, set(ALL_CODES), MAIN_ONLY)


def test_normalize_grants_adds_page_codes_and_drops_unknown():
    assert normalize_grants(["orders.purchase", "bogus", "stats.daily"]) == [
        "orders", "orders.purchase", "stats", "stats.daily"]


def test_manual_permission_labels_exist():
    from dropship.services.team import PERMISSION_LABELS

    for label in ["订单管理", "采购", "添加采购订单信息", "店铺管理", "开始获取", "打开后台", "授权登录",
                  "采购账号", "批量导入账号", "店铺售后", "自动售后设置", "利润统计", "日报表", "数据大屏", "设置"]:
        assert label in PERMISSION_LABELS.values()


# -- employees, grants and the audit log (database) ------------------------------------------------



@pytest.fixture
def main(orders_db):  # noqa: F811 - the fixture imported above
    return User.create(username="13900000000", password_hash="x")


def _log() -> list[tuple[str, str, str, str]]:
    return [(e.username, e.action, e.target, e.detail) for e in AuditEntry.select().order_by(AuditEntry.id)]


def test_a_new_employee_is_the_main_account_plus_a_suffix_with_the_manuals_default_permissions(main):
    staff = team.create_employee(main, " 01 ", "staff-pass-1")
    assert (staff.username, staff.role, staff.owner_id) == ("13900000000:01", "employee", main.id)
    assert verify_password("staff-pass-1", staff.password_hash)
    assert "orders.purchase" in staff.permissions and "stats.yearly" in staff.permissions
    # what the manual lacks is granted by hand, never by default
    assert not {"orders.ship", "orders.export", "orders.export_receivers", "shops.edit", "verify"} & set(staff.permissions)
    assert _log() == [("13900000000", "新增员工账号", "13900000000:01", "")]


@pytest.mark.parametrize(("suffix", "password", "errors"), [
    ("", "staff-pass-1", {"suffix": "请输入员工账号"}),
    ("1", "staff-pass-1", {"suffix": "员工账号为主账号加两位数字，如 01"}),
    ("0a", "staff-pass-1", {"suffix": "员工账号为主账号加两位数字，如 01"}),
    ("01", "123", {"password": "密码至少 6 位"}),
    ("02", "", {"password": "请输入密码"}),
])
def test_bad_employee_input_names_the_field_and_creates_nothing(main, suffix, password, errors):
    with pytest.raises(FieldError) as refused:
        team.create_employee(main, suffix, password)
    assert refused.value.errors == errors
    assert User.select().count() == 1 and _log() == []


def test_the_same_suffix_twice_is_refused(main):
    team.create_employee(main, "01", "staff-pass-1")
    with pytest.raises(FieldError, match="该员工账号已存在"):
        team.create_employee(main, "01", "other-pass-1")


def test_the_list_counts_grants_but_not_deleted_shops(main):
    from datetime import datetime

    staff = team.create_employee(main, "01", "staff-pass-1")
    team.create_employee(main, "02", "staff-pass-2")
    east, west = make_shop("东店"), make_shop("西店")
    shops, accounts = team.GRANT_KINDS["shops"], team.GRANT_KINDS["accounts"]
    for shop in (east, west):
        shops.set(main, staff, shop, True)
    accounts.set(main, staff, make_account("13800000001"), True)
    rows = [(u.username, u.shop_count, u.account_count) for u in team.employees()]
    assert rows == [("13900000000:01", 2, 1), ("13900000000:02", 0, 0)]
    west.deleted_at = datetime.now()
    west.save()
    assert [(u.shop_count) for u in team.employees()] == [1, 0]
    assert [(s.login, bool(s.granted)) for s in shops.choices(staff)] == [("东店", True)]
    assert shops.find(west.id) is None


def test_grants_are_added_once_and_removed_with_an_audit_entry_each(main):
    staff = team.create_employee(main, "01", "staff-pass-1")
    shop, account = make_shop("东店"), make_account("13800000001")
    shops, accounts = team.GRANT_KINDS["shops"], team.GRANT_KINDS["accounts"]
    shops.set(main, staff, shop, True)
    shops.set(main, staff, shop, True)
    accounts.set(main, staff, account, True)
    assert ShopGrant.select().count() == 1 and AccountGrant.select().count() == 1
    assert [bool(a.granted) for a in accounts.choices(staff)] == [True]
    shops.set(main, staff, shop, False)
    accounts.set(main, staff, account, False)
    assert ShopGrant.select().count() == 0 and AccountGrant.select().count() == 0
    assert [(action, detail) for _, action, _, detail in _log()[1:]] == [
        ("授权店铺", "东店"), ("授权店铺", "东店"), ("授权采购号", "13800000001"),
        ("移除授权店铺", "东店"), ("移除授权采购号", "13800000001")]


def test_permissions_are_saved_normalized_and_logged_by_label(main):
    staff = team.create_employee(main, "01", "staff-pass-1")
    assert team.set_permissions(main, staff, ["orders.export", "bogus"]) == ["orders", "orders.export"]
    assert User.get_by_id(staff.id).permissions == ["orders", "orders.export"]
    assert _log()[-1] == ("13900000000", "权限管理", "13900000000:01", "订单管理、导出订单")


def test_a_password_set_by_the_main_account_ends_the_employees_sessions(main):
    from datetime import datetime, timedelta

    staff = team.create_employee(main, "01", "staff-pass-1")
    UserSession.create(token_hash="a" * 64, user=staff, expires_at=datetime.now() + timedelta(hours=1))
    UserSession.create(token_hash="b" * 64, user=main, expires_at=datetime.now() + timedelta(hours=1))
    with pytest.raises(FieldError) as refused:
        team.set_password(main, staff, "new-pass-1", "other")
    assert refused.value.errors == {"confirm": "两次输入的密码不一致"}
    assert UserSession.select().count() == 2
    team.set_password(main, staff, "new-pass-1", "new-pass-1")
    assert verify_password("new-pass-1", User.get_by_id(staff.id).password_hash)
    assert [s.user_id for s in UserSession.select()] == [main.id]
    assert _log()[-1][1:3] == ("修改密码", "13900000000:01")


def test_deleting_an_employee_ends_its_sessions_and_grants_and_the_log_keeps_its_name(main):
    from datetime import datetime, timedelta

    staff = team.create_employee(main, "01", "staff-pass-1")
    team.GRANT_KINDS["shops"].set(main, staff, make_shop("东店"), True)
    UserSession.create(token_hash="a" * 64, user=staff, expires_at=datetime.now() + timedelta(hours=1))
    team.delete_employee(main, staff)
    assert team.employee(staff.id) is None
    assert UserSession.select().count() == 0 and ShopGrant.select().count() == 0
    assert _log()[-1] == ("13900000000", "删除员工账号", "13900000000:01", "")


def test_an_audit_entry_outlives_its_user_and_the_system_has_a_name(main):
    from dropship.services import audit

    staff = team.create_employee(main, "01", "staff-pass-1")
    audit.record(staff, "导出订单", "x" * 300)
    audit.record(None, "自动采购")
    team.delete_employee(main, staff)
    entries = list(audit.entries())
    assert [(e.username, e.action, e.user_id) for e in entries[:3]] == [
        ("13900000000", "删除员工账号", main.id), ("系统", "自动采购", None), ("13900000000:01", "导出订单", None)]
    assert len(entries[2].target) == audit.TARGET_MAX
